"""``validate`` on a host without systemd finds a daemon the SysV fragment started.

docs/init-systems.md promises the whole loop: a profile with ``init.pidfile`` /
``init.comm`` renders the SysV fragment; an LSB script sources it and starts the
daemon with ``start-stop-daemon --make-pidfile``; then ``oomcfg validate
--only processes`` on that host finds the daemon by its pidfile and compares
its live ``/proc/PID/oom_score_adj`` with the profile. Everything here is real:
the CLI, start-stop-daemon, /proc of this host (which has no systemd as PID 1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from initscripts_procs import (
    START_STOP_DAEMON,
    Reaper,
    own_score,
    reaper_fixture,  # noqa: F401 - the ``reaper`` fixture
    wait_exec,
    wait_for,
)

pytestmark = [
    pytest.mark.skipif(Path("/run/systemd/system").is_dir(),
                       reason="systemd is PID 1 here: validate takes the systemd path"),
    pytest.mark.skipif(not START_STOP_DAEMON.exists(), reason="needs dpkg's start-stop-daemon"),
]

LSB_START = """set -e
. "$FRAGMENT"
start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$PIDFILE" \\
	--exec /bin/sleep -- 300
"""


def oomcfg(*args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "oomcfg", *args], capture_output=True,
                          text=True, check=False, timeout=60)
    return done.returncode, done.stdout, done.stderr


def write_profile(tmp_path: Path, score: int) -> Path:
    """The profile shape docs/init-systems.md documents, with pidfile and comm."""
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nservices:\n  dummy:\n    unit: dummy.service\n"
        f"    oom_score_adj: {score}\n    init:\n"
        f"      pidfile: {tmp_path / 'dummy.pid'}\n      comm: sleep\n"
    )
    return profile


def start_with_sysv_fragment(tmp_path: Path, profile: Path, reaper: Reaper) -> int:
    """``oomcfg render --only sysv --out``, then an LSB-style start that sources it."""
    assert oomcfg("render", str(profile), "--only", "sysv", "--out", str(tmp_path / "out"))[0] == 0
    pidfile = reaper.pidfile(tmp_path / "dummy.pid", "sleep")
    env = {**os.environ, "FRAGMENT": str(tmp_path / "out/etc/oomcfg/sysv/dummy.sh"),
           "PIDFILE": str(pidfile)}
    subprocess.run(["sh", "-c", LSB_START], env=env, check=True, timeout=30)
    pid = int(wait_for(pidfile))
    wait_exec(pid, "sleep")
    return pid


def test_validate_finds_the_daemon_by_pidfile_and_confirms_its_score(
    tmp_path: Path, reaper: Reaper,
) -> None:
    profile = write_profile(tmp_path, 300)
    start_with_sysv_fragment(tmp_path, profile, reaper)
    assert oomcfg("validate", str(profile), "--only", "processes") == (
        0, "validate: OK: 1 checked, 0 drift, 0 not running, 0 cannot check\n", "")


def test_validate_reports_the_live_score_when_it_was_changed_at_run_time(
    tmp_path: Path, reaper: Reaper,
) -> None:
    profile = write_profile(tmp_path, 300)
    pid = start_with_sysv_fragment(tmp_path, profile, reaper)
    Path(f"/proc/{pid}/oom_score_adj").write_text("400")  # raising: always allowed
    assert oomcfg("validate", str(profile), "--only", "processes") == (1, (
        f"dummy pid {pid} (sleep): drift[OV020]: expected 300, actual 400\n"
        "  cause: the init snippet was not applied (service started before 'oomcfg apply') "
        "or the value was changed at run time\n"
        "  fix:   restart dummy with oomcfg's init snippet in place\n"
        "validate: DRIFT: 1 checked, 1 drift, 0 not running, 0 cannot check\n"), "")


def test_validate_finds_a_runit_daemon_by_comm_alone(tmp_path: Path, reaper: Reaper) -> None:
    """No pidfile: validate scans /proc/*/comm. The daemon is a copy of sleep under a name
    no other process on this shared host has, started by the rendered runit run script."""
    comm = f"oomcfgt{os.getpid() % 100000}"
    shutil.copy("/bin/sleep", tmp_path / comm)
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nservices:\n  dummy:\n    unit: dummy.service\n    oom_score_adj: 300\n"
        f"    init:\n      comm: {comm}\n      command: [{tmp_path / comm}, '300']\n")
    assert oomcfg("render", str(profile), "--only", "runit", "--out", str(tmp_path / "out"))[0] == 0
    run = reaper.child(subprocess.Popen([str(tmp_path / "out/etc/sv/dummy/run")], text=True))
    wait_exec(run.pid, comm)
    assert oomcfg("validate", str(profile), "--only", "processes") == (
        0, "validate: OK: 1 checked, 0 drift, 0 not running, 0 cannot check\n", "")


def test_validate_says_not_running_when_the_pidfile_names_no_process(tmp_path: Path) -> None:
    profile = write_profile(tmp_path, 300)
    (tmp_path / "dummy.pid").write_text("999999999\n")
    code, out, err = oomcfg("validate", str(profile), "--only", "processes")
    assert (code, err) == (0, "")  # docs/validate.md: not running is reported, not drift
    assert f"no live process found by pidfile {tmp_path / 'dummy.pid'}" in out
    assert "0 drift, 1 not running" in out


def test_a_daemon_that_exited_but_is_not_yet_reaped_is_not_running_not_drift(
    tmp_path: Path,
) -> None:
    """bad-inputs.md: never report drift for a PID that vanished. An exited daemon stays a
    zombie until its parent reaps it (on this host PID 1 takes seconds to)."""
    profile = write_profile(tmp_path, own_score() + 300)
    child = subprocess.Popen(["sleep", "300"])
    try:
        (tmp_path / "dummy.pid").write_text(f"{child.pid}\n")
        child.kill()
        wait_exec(child.pid, "sleep")  # a zombie keeps its comm
        code, out, _ = oomcfg("validate", str(profile), "--only", "processes")
    finally:
        child.kill()
        child.wait(timeout=10)
    # Not running is reported, not drift: exit 0 (docs/validate.md), as for a stale pidfile.
    assert (code, "drift[" in out, "1 not running" in out) == (0, False, True)
