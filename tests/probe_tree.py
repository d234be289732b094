"""A fixture host tree for the probe tests: /proc, /run and sysctl.d files of a host
without systemd (sd_booted(3): no /run/systemd/system), built in a tmp dir."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from oomcfg.model import InitSpec, Profile, Service, SysctlSetting

ALL = frozenset({"sysctl", "units", "processes"})
STAT = "{pid} ({comm}) S 1 {pid} {pid} 0 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 {ticks} 0 0\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def fake_proc(root: Path, pid: int, comm: str, adj: int, ticks: int = 100) -> None:
    base = root / "proc" / str(pid)
    write(base / "comm", comm + "\n")
    write(base / "oom_score_adj", f"{adj}\n")
    write(base / "stat", STAT.format(pid=pid, comm=comm, ticks=ticks))


def build_host_root(tmp_path: Path) -> Path:
    """A host without systemd: two daemons, a stale pidfile, sysctls and sysctl.d files."""
    root = tmp_path / "host"
    write(root / "proc/1/status", "Name:\tinit\nCapEff:\t000001fffeffffff\n")
    write(root / "proc/1/oom_score_adj", "0\n")
    write(root / "proc/stat", "cpu 1 2 3\nbtime 1764100000\n")
    write(root / "proc/sys/vm/swappiness", "60\n")
    write(root / "proc/sys/vm/oom_dump_tasks", "1\n")
    write(root / "etc/sysctl.d/90-oomcfg.conf", "vm.swappiness = 10\nvm.oom_dump_tasks = 1\n")
    write(root / "etc/sysctl.d/99-local.conf", "vm.swappiness = 60\n")
    fake_proc(root, 4321, "mydb", -500)
    fake_proc(root, 77, "worker", 300)
    fake_proc(root, 78, "worker", 900)
    write(root / "run/mydb.pid", "4321\n")
    write(root / "run/gone.pid", "999\n")  # its process exited
    return root


def sysctl(key: str, value: int) -> tuple[str, SysctlSetting]:
    return key, SysctlSetting(key, value)


def make_profile() -> Profile:
    services = (
        Service("mydb", "mydb.service", oom_score_adj=-500, init=InitSpec(pidfile="/run/mydb.pid")),
        Service("worker", "worker.service", oom_score_adj=300, init=InitSpec(comm="worker")),
        Service("gone", "gone.service", oom_score_adj=0, init=InitSpec(pidfile="/run/gone.pid")),
    )
    settings = dict((sysctl("vm.swappiness", 10), sysctl("vm.oom_dump_tasks", 1)))
    return Profile(1, "t", ("t.yaml",), settings, {s.name: s for s in services})


def oomcfg(*args: str) -> subprocess.CompletedProcess[str]:
    """Run this checkout's oomcfg as a user would (exit code, stdout, stderr)."""
    return subprocess.run(
        [sys.executable, "-m", "oomcfg", *args], capture_output=True, text=True, check=False
    )


@contextmanager
def raised_sleeper(seconds: str = "60") -> Iterator[int]:
    """A real ``sleep SECONDS`` whose oom_score_adj is raised to 300 (raising needs no
    capability, proc(5)); killed and reaped by PID afterwards."""
    child = subprocess.Popen(["sleep", seconds])
    try:
        Path(f"/proc/{child.pid}/oom_score_adj").write_text("300")
        yield child.pid
    finally:
        child.kill()
        child.wait()
