"""Re-capture the real outputs the parser tests read (tests/data/live/).

Run as root from the checkout: ``.venv/bin/python -m tests.live.capture_outputs``
(or with ``tests`` on sys.path: ``python -m live.capture_outputs``). Boots a
sandbox systemd, sets up units covering the cases validate must parse, and
writes what ``systemctl show`` and /proc really print. Parsers are tested on
these files, never on hand-written imitations.
"""

from __future__ import annotations

from pathlib import Path

from .sandbox import Sandbox, boot, teardown

OUT = Path(__file__).resolve().parent.parent / "data" / "live"
PROPS = (
    "Id,OOMScoreAdjust,OOMPolicy,MemoryMin,MemoryLow,MemoryHigh,MemoryMax,MemorySwapMax,"
    "ManagedOOMSwap,ManagedOOMMemoryPressure,ManagedOOMMemoryPressureLimit,"
    "ManagedOOMPreference,MainPID,ControlGroup,ActiveState,LoadState,DropInPaths,"
    "NeedDaemonReload"
)
SLEEPER = "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/sleep infinity\n"
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


def main() -> None:
    """Boot, capture, always tear down."""
    OUT.mkdir(parents=True, exist_ok=True)
    box = boot(UNITS)
    try:
        _capture(box)
    finally:
        teardown(box)
    (OUT / "proc-self-status-host.txt").write_text(Path("/proc/self/status").read_text())


if __name__ == "__main__":
    main()
