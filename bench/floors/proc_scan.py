"""P7 floor: one bare scan of /proc reading what validate needs per process.

For every PID: ``comm`` (to match a service by process name, proc(5)) and
``oom_score_adj`` (the value to compare). PIDs that exit mid-scan are skipped,
as validate must. Usage: python proc_scan.py
"""

import os

found = {}
for name in os.listdir("/proc"):  # noqa: PTH208 - a bare scan
    if not name.isdigit():
        continue
    try:
        with open(f"/proc/{name}/comm", "rb") as f:  # noqa: PTH123
            comm = f.read().rstrip(b"\n")
        with open(f"/proc/{name}/oom_score_adj", "rb") as f:  # noqa: PTH123
            found[int(name)] = (comm, int(f.read()))
    except (FileNotFoundError, ProcessLookupError):
        continue
