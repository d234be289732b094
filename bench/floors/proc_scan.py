"""P7 floor: one bare scan of /proc reading what validate needs per process.

For every PID: the name and state from ``stat`` (to match a service by process
name, and to tell a zombie, which is not running, from a live process; proc(5):
``comm`` is field 2 in parentheses, ``state`` field 3) and ``oom_score_adj``
(the value to compare): two reads per process. PIDs that exit mid-scan are
skipped, as validate must. Usage: python proc_scan.py
"""

import os

found = {}
for name in os.listdir("/proc"):  # noqa: PTH208 - a bare scan
    if not name.isdigit():
        continue
    try:
        with open(f"/proc/{name}/stat", "rb") as f:  # noqa: PTH123
            stat = f.read()
        with open(f"/proc/{name}/oom_score_adj", "rb") as f:  # noqa: PTH123
            adj = int(f.read())
    except (FileNotFoundError, ProcessLookupError):
        continue
    close = stat.rindex(b")")  # comm may itself contain ')'
    found[int(name)] = (stat[stat.index(b"(") + 1 : close], stat[close + 2 : close + 3], adj)
