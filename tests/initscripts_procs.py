"""Processes the init-script tests start: find them, read their score, end them by PID.

Every test that starts a daemon registers it with a :class:`Reaper` (the
``reaper`` fixture in test_initscripts_exec.py / test_initscripts_validate.py)
*before* it checks anything, so the daemon is ended by PID at teardown even when
an assertion, a timeout or a crash in between fails the test. Daemons started
through ``start-stop-daemon --background`` are re-parented away from the test,
so the reaper also reads their pidfile at teardown, in case the test failed
before it learned the PID. Team rule: end every process you start, by PID.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

START_STOP_DAEMON = Path("/usr/sbin/start-stop-daemon")


def own_score() -> int:
    """The test process's own oom_score_adj (children inherit it)."""
    return int(Path("/proc/self/oom_score_adj").read_text())


def can_lower() -> bool:
    """Whether this environment lets a child lower its oom_score_adj (CAP_SYS_RESOURCE)."""
    probe = subprocess.run(["sh", "-c", "echo -1 >/proc/self/oom_score_adj"],
                           capture_output=True, check=False)
    return probe.returncode == 0


def score_of(pid: int) -> int:
    """``/proc/PID/oom_score_adj``: what the kernel will use for this process."""
    return int(Path(f"/proc/{pid}/oom_score_adj").read_text())


def comm_of(pid: int) -> str | None:
    """``/proc/PID/comm``, or None once the process is gone."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except FileNotFoundError:
        return None


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie waiting for its parent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(path: Path, timeout: float = 10.0) -> str:
    """The non-empty content of ``path`` once a started process has written it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and (text := path.read_text()):
            return text
        time.sleep(0.02)
    raise AssertionError(f"{path} was not written within {timeout}s")


def wait_exec(pid: int, comm: str, timeout: float = 10.0) -> None:
    """Wait until ``pid`` has exec'd ``comm`` (a pidfile can be written just before exec)."""
    deadline = time.monotonic() + timeout
    while comm_of(pid) != comm:
        assert time.monotonic() < deadline, f"PID {pid} did not exec {comm} within {timeout}s"
        time.sleep(0.02)


def end(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM ``pid``, then SIGKILL if it is still running after ``timeout`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while running(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if not running(pid):
            return


@dataclass
class Reaper:
    """What a test started; :meth:`end_all` ends it all by PID, in the order registered.

    Order matters for supervisord: ending supervisord first lets it stop its
    program (ending the program first would make it restart it under a new PID).
    """

    procs: list[subprocess.Popen[str]] = field(default_factory=list)
    pids: list[tuple[int, str]] = field(default_factory=list)
    pidfiles: list[tuple[Path, str]] = field(default_factory=list)

    def child(self, proc: subprocess.Popen[str]) -> subprocess.Popen[str]:
        """A process this test spawned itself: terminated, then waited for (no zombie)."""
        self.procs.append(proc)
        return proc

    def pid(self, pid: int, comm: str) -> int:
        """A re-parented daemon; ended only while it still runs ``comm`` (PID reuse)."""
        self.pids.append((pid, comm))
        return pid

    def pidfile(self, path: Path, comm: str) -> Path:
        """A daemon known by the pidfile it (or start-stop-daemon) will write."""
        self.pidfiles.append((path, comm))
        return path

    def end_all(self) -> None:
        """End everything registered; runs at fixture teardown, pass or fail."""
        for proc in self.procs:
            _end_child(proc)
        known = list(self.pids)
        for path, comm in self.pidfiles:
            text = path.read_text().strip() if path.exists() else ""
            if text.isdigit():
                known.append((int(text), comm))
        for pid, comm in known:
            if comm_of(pid) == comm:
                end(pid)


def _end_child(proc: subprocess.Popen[str]) -> None:
    """Terminate our own child and reap it; kill it if it ignores SIGTERM."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


@pytest.fixture(name="reaper")
def reaper_fixture() -> Iterator[Reaper]:
    """Ends every process the test registered, by PID, even when the test failed."""
    started = Reaper()
    try:
        yield started
    finally:
        started.end_all()
