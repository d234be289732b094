"""P4 floor: write the files render writes, with constant content (no YAML, no Jinja).

Plain create-and-write, no temp file or rename: the least a renderer must do
to put the same tree on disk. Usage: python write_tree.py PATHS_FILE OUT_DIR
"""

import os
import sys

CONTENT = b"# oomcfg: managed file\n[Service]\nOOMScoreAdjust=500\nMemoryMax=1G\n"

paths = open(sys.argv[1]).read().split()  # noqa: PTH123, SIM115 - minimal floor
out = sys.argv[2]
made = set()
for rel in paths:
    target = os.path.join(out, rel)  # noqa: PTH118
    parent = os.path.dirname(target)  # noqa: PTH120
    if parent not in made:
        os.makedirs(parent, exist_ok=True)  # noqa: PTH103
        made.add(parent)
    with open(target, "wb") as f:  # noqa: PTH123
        f.write(CONTENT)
