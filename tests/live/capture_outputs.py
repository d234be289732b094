"""Re-capture the real outputs the parser tests read (tests/data/live/).

Run as root from the checkout: ``.venv/bin/python -m tests.live.capture_outputs``
(or with ``tests`` on sys.path: ``python -m live.capture_outputs``); add
``instances`` to re-capture only the wide-scope (template/prefix/type) files, or
``manager`` only the manager's ``UnitsLoadTimestamp`` files. Boots a
sandbox systemd, sets up units covering the cases validate must parse, and
writes what ``systemctl show`` and /proc really print. Parsers are tested on
these files, never on hand-written imitations.
"""

from __future__ import annotations

import sys
from pathlib import Path

from oomcfg.liveparse import SHOW_PROPERTIES
from oomcfg.probe import manager_show_argv

from .sandbox import Sandbox, boot, teardown
from .units import SLEEPER

OUT = Path(__file__).resolve().parent.parent / "data" / "live"
#: Exactly what validate asks for (FragmentPath included), in one -p list.
PROPS = ",".join(SHOW_PROPERTIES)
FORKER = (
    "[Unit]\nDefaultDependencies=no\n[Service]\nOOMScoreAdjust=200\n"
    "ExecStart=/bin/sh -c "
    "'sleep infinity & echo 700 > /proc/$!/oom_score_adj; exec sleep infinity'\n"
)
UNITS = {
    "web.service": SLEEPER,
    "web.service.d/50-oomcfg.conf": (
        "[Service]\nOOMScoreAdjust=300\nOOMPolicy=kill\n"
        "MemoryHigh=768M\nMemoryMax=1G\nMemorySwapMax=0\nMemoryLow=10%\n"
        "ManagedOOMMemoryPressure=kill\nManagedOOMMemoryPressureLimit=42.5%\n"
        "ManagedOOMPreference=avoid\n"
    ),
    "db.service": SLEEPER,
    "db.service.d/50-oomcfg.conf": "[Service]\nOOMScoreAdjust=-700\n",
    "stopped.service": SLEEPER,
    "forker.service": FORKER,
}


def _capture(box: Sandbox) -> None:
    box.systemctl("start", "web.service", "db.service", "forker.service")
    units = ["web.service", "db.service", "stopped.service", "forker.service", "nosuch.service"]
    show = box.systemctl("show", *units, "-p", PROPS).stdout
    (OUT / "systemctl-show-multi.txt").write_text(show)
    box.write_file(
        "/etc/systemd/system/web.service.d/99-local.conf", "[Service]\nOOMScoreAdjust=900\n"
    )
    stale = box.systemctl("show", "web.service", "-p", PROPS).stdout
    (OUT / "systemctl-show-need-reload.txt").write_text(stale)
    (OUT / "proc-1-status-sandbox.txt").write_text(box.read_file("/proc/1/status"))
    cg = box.systemctl("show", "forker.service", "-p", "ControlGroup", "--value").stdout.strip()
    procs = box.read_file(f"/sys/fs/cgroup/unified{cg}/cgroup.procs")
    (OUT / "cgroup-procs-forker.txt").write_text(procs)
    pid = procs.split()[0]
    (OUT / "proc-pid-stat-sandbox.txt").write_text(box.read_file(f"/proc/{pid}/stat"))


#: Units for the wide-scope capture: a template with oomcfg's drop-in and a local
#: override on one instance, a prefix drop-in, and a template whose instance fails.
INSTANCE_UNITS = {
    "oomtpl@.service": SLEEPER,
    "oomtpl@.service.d/50-oomcfg.conf": "[Service]\nOOMScoreAdjust=300\n",
    "oomtpl@b.service.d/99-local.conf": "[Service]\nOOMScoreAdjust=900\n",
    "oompre-a.service": SLEEPER,
    "oompre-.service.d/50-oomcfg.conf": "[Service]\nOOMScoreAdjust=400\n",
    "oomfail@.service": "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/false\n",
}
#: The glob patterns validate asks systemd to expand (oomcfg.instances.instance_pattern).
PATTERNS = ("oomtpl@*.service", "oompre-*.service", "oomfail@*.service", "nomatch@*.service")


def _capture_instances(box: Sandbox) -> None:
    box.systemctl("start", "oomtpl@a.service", "oomtpl@b.service", "oompre-a.service")
    box.systemctl("start", "oomtpl@gone.service")
    box.systemctl("stop", "oomtpl@gone.service")  # stopped: unloaded, so not listed
    box.systemctl("start", "oomfail@x.service", check=False)  # exits 1: failed
    show = box.systemctl("show", "--no-pager", "-p", PROPS, "--", *PATTERNS).stdout
    (OUT / "systemctl-show-patterns.txt").write_text(show)
    every = box.systemctl("show", "--no-pager", "-p", PROPS, "--", "*.service").stdout
    (OUT / "systemctl-show-type-service.txt").write_text(every)


def _capture_manager(box: Sandbox) -> None:
    """What validate's manager ``systemctl show`` prints before the first daemon-reload
    since boot (systemd 252 leaves UnitsLoadTimestamp empty) and after one."""
    argv = manager_show_argv()
    (OUT / "systemctl-show-manager-boot.txt").write_text(box.run(argv, check=True).stdout)
    box.systemctl("daemon-reload")
    (OUT / "systemctl-show-manager-reloaded.txt").write_text(box.run(argv, check=True).stdout)


def main(argv: list[str]) -> None:
    """Boot, capture, always tear down; ``instances`` re-captures only the wide-scope files,
    ``manager`` only the manager's."""
    OUT.mkdir(parents=True, exist_ok=True)
    if argv[1:] == ["manager"]:
        box = boot({})
        try:
            _capture_manager(box)
        finally:
            teardown(box)
        return
    only_instances = argv[1:] == ["instances"]
    box = boot(INSTANCE_UNITS if only_instances else {**UNITS, **INSTANCE_UNITS})
    try:
        if not only_instances:
            _capture(box)
        _capture_instances(box)
    finally:
        teardown(box)
    if not only_instances:
        (OUT / "proc-self-status-host.txt").write_text(Path("/proc/self/status").read_text())


if __name__ == "__main__":
    main(sys.argv)
