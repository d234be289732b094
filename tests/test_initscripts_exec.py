"""Init-script outputs, proven by running them (issue 6, "Proof in tests").

Every rendered shell file passes ``sh -n`` and ``shellcheck``; then each shell
style really starts a daemon the way its init system would, and the test reads
``/proc/PID/oom_score_adj`` of that daemon. Positive scores must land (raising is
always allowed). A negative score needs CAP_SYS_RESOURCE, which root here lacks:
the outputs must then say so loudly; where lowering does work, the value must land.
Every process a test starts is ended by PID in a ``finally``. supervisord itself
runs when the ``supervisor`` test extra is installed (it is, in CI).
"""

from __future__ import annotations

import configparser
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from initscripts_example import example_profile

from oomcfg.initscripts import INIT_TARGETS
from oomcfg.model import InitSpec, Profile, RenderedFile, Service

SHELLCHECK = Path(sys.executable).parent / "shellcheck"
START_STOP_DAEMON = "/usr/sbin/start-stop-daemon"
SHELL_KINDS = ("sysv", "openrc", "runit")

#: A daemon that records the argv it received, then idles: proves each word
#: arrives literally (and that ``$(touch ...)`` was never run by a shell).
DAEMON = "import sys, time; open(sys.argv[1], 'w').write(repr(sys.argv[2:])); time.sleep(300)"
HOSTILE = ("$(touch PWNED)", "`touch PWNED`", "svc; touch PWNED", "a'b\"c", "100%", "%(x)s")


def own_score() -> int:
    return int(Path("/proc/self/oom_score_adj").read_text())


def can_lower() -> bool:
    """Whether this environment lets a child lower its oom_score_adj (CAP_SYS_RESOURCE)."""
    probe = subprocess.run(["sh", "-c", "echo -1 >/proc/self/oom_score_adj"],
                           capture_output=True, check=False)
    return probe.returncode == 0


def score_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/oom_score_adj").read_text())


def wait_for(path: Path, timeout: float = 10.0) -> str:
    """The non-empty content of ``path`` once a started process has written it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and (text := path.read_text()):
            return text
        time.sleep(0.02)
    raise AssertionError(f"{path} was not written within {timeout}s")


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie waiting for its parent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_exec(pid: int, comm: str, timeout: float = 10.0) -> None:
    """Wait until ``pid`` has exec'd ``comm`` (a pidfile can be written just before exec)."""
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}/comm").read_text().strip() != comm:
        assert time.monotonic() < deadline, f"PID {pid} did not exec {comm} within {timeout}s"
        time.sleep(0.02)


def daemon_pid(pidfile: Path) -> int:
    """The PID start-stop-daemon wrote, once that process runs ``sleep``."""
    pid = int(wait_for(pidfile))
    wait_exec(pid, "sleep")
    return pid


def end(pid: int) -> None:
    """End a daemon this test started (by PID; it is re-parented away) and wait for it."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 10
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.02)


def one_service(score: int, command: tuple[str, ...] = ("/bin/sleep", "300")) -> Profile:
    """A profile with one service ``dummy`` at ``score`` (for the run tests)."""
    service = Service(name="dummy", unit="dummy.service", oom_score_adj=score,
                      adj_source="explicit", init=InitSpec(command=command))
    return replace(example_profile(), services={"dummy": service})


def render(kind: str, profile: Profile) -> RenderedFile:
    (rendered,) = INIT_TARGETS[kind](profile, None)
    return rendered


def write(tmp: Path, rendered: RenderedFile) -> Path:
    path = tmp / rendered.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rendered.content)
    path.chmod(rendered.mode)
    return path


@pytest.fixture(autouse=True)
def _baseline() -> None:
    # Positive test scores (300) must be a *raise* from where pytest runs.
    assert own_score() < 300, "these tests need pytest to run with oom_score_adj < 300"


# --- static checks ------------------------------------------------------------------


def shell_files() -> Iterator[RenderedFile]:
    hostile = one_service(-5, ("/usr/bin/env", *HOSTILE))
    for profile in (example_profile(), hostile):
        for kind in SHELL_KINDS:
            yield from INIT_TARGETS[kind](profile, None)


@pytest.mark.parametrize("rendered", list(shell_files()), ids=lambda r: r.path)
def test_every_shell_file_passes_sh_n_and_shellcheck(rendered: RenderedFile) -> None:
    syntax = subprocess.run(["sh", "-n"], input=rendered.content, text=True,
                            capture_output=True, check=False)
    lint = subprocess.run([str(SHELLCHECK), "--shell=sh", "--enable=all", "-"],
                          input=rendered.content, text=True, capture_output=True, check=False)
    assert (syntax.returncode, syntax.stderr) == (0, "")
    assert (lint.returncode, lint.stdout) == (0, "")


# --- SysV / LSB ----------------------------------------------------------------------

LSB_SCRIPT = """#!/bin/sh
### BEGIN INIT INFO
# Provides:          dummy
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: dummy daemon for the oomcfg SysV test
### END INIT INFO
set -e
PIDFILE="$RUNDIR/dummy.pid"
case "$1" in
start)
	if [ -r "$FRAGMENT" ]; then . "$FRAGMENT"; fi
	start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$PIDFILE" \\
		--exec /bin/sleep -- 300
	echo "applied=${oomcfg_oom_score_adj_applied:-unset}"
	;;
stop)
	start-stop-daemon --stop --quiet --pidfile "$PIDFILE" --remove-pidfile
	;;
esac
"""


def start_lsb(
    tmp_path: Path, score: int, shell: str = "sh",
) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run ``SHELL /etc/init.d/dummy start`` with the SysV fragment; return it and the PID."""
    fragment = write(tmp_path, render("sysv", one_service(score)))
    script = tmp_path / "etc/init.d/dummy"
    script.parent.mkdir(parents=True)
    script.write_text(LSB_SCRIPT)
    script.chmod(0o755)
    env = {**os.environ, "RUNDIR": str(tmp_path), "FRAGMENT": str(fragment)}
    done = subprocess.run([shell, str(script), "start"], env=env, text=True,
                          capture_output=True, check=False, timeout=30)
    return done, daemon_pid(tmp_path / "dummy.pid") if done.returncode == 0 else 0


@pytest.mark.skipif(not Path(START_STOP_DAEMON).exists(), reason="needs dpkg's start-stop-daemon")
@pytest.mark.parametrize("shell", ["sh", "bash"])  # dash as /bin/sh, and bash init scripts
def test_sysv_fragment_gives_the_daemon_started_by_start_stop_daemon_its_score(
    tmp_path: Path, shell: str,
) -> None:
    done, pid = start_lsb(tmp_path, 300, shell)
    try:
        assert (done.returncode, done.stdout, done.stderr) == (0, "applied=yes\n", "")
        assert score_of(pid) == 300
    finally:
        if pid:
            end(pid)


@pytest.mark.skipif(not Path(START_STOP_DAEMON).exists(), reason="needs dpkg's start-stop-daemon")
def test_sysv_fragment_that_cannot_lower_warns_and_still_starts(tmp_path: Path) -> None:
    before, lowering_works = own_score(), can_lower()
    done, pid = start_lsb(tmp_path, -500)
    try:
        assert done.returncode == 0
        if lowering_works:
            assert (done.stdout, done.stderr, score_of(pid)) == ("applied=yes\n", "", -500)
        else:
            assert done.stdout == "applied=no\n"
            assert done.stderr == (
                f"oomcfg: warning: dummy: could not lower oom_score_adj to -500 (it stays "
                f"{before}): lowering needs CAP_SYS_RESOURCE, so the service starts WITHOUT "
                "this protection\n"
            )
            assert score_of(pid) == before
    finally:
        if pid:
            end(pid)


# --- OpenRC ----------------------------------------------------------------------------

#: What openrc-run.sh does, cut to the steps that matter: ``sourcex`` the
#: conf.d file (``. "$1"`` in its own shell), source the service script, then
#: run ``start`` in that same shell (OpenRC sh/openrc-run.sh.in).
OPENRC_RUN = """
sourcex() { if ! . "$1"; then echo "error loading $1" >&2; exit 1; fi; }
sourcex "$CONFD"
start() {
	start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$PIDFILE" \\
		--exec /bin/sleep -- 300
}
start
echo "applied=${oomcfg_oom_score_adj_applied:-unset}"
"""


def start_openrc(tmp_path: Path, score: int) -> tuple[subprocess.CompletedProcess[str], int]:
    confd = write(tmp_path, render("openrc", one_service(score)))
    pidfile = tmp_path / "dummy.pid"
    env = {**os.environ, "CONFD": str(confd), "PIDFILE": str(pidfile), "RC_SVCNAME": "dummy"}
    done = subprocess.run(["sh", "-c", OPENRC_RUN], env=env, text=True, capture_output=True,
                          check=False, timeout=30)
    return done, daemon_pid(pidfile) if done.returncode == 0 else 0


@pytest.mark.skipif(not Path(START_STOP_DAEMON).exists(), reason="needs start-stop-daemon")
def test_openrc_conf_d_sourced_like_openrc_run_sets_the_daemons_score(tmp_path: Path) -> None:
    done, pid = start_openrc(tmp_path, 300)
    try:
        assert (done.returncode, done.stdout, done.stderr) == (0, "applied=yes\n", "")
        assert score_of(pid) == 300
    finally:
        if pid:
            end(pid)


@pytest.mark.skipif(not Path(START_STOP_DAEMON).exists(), reason="needs start-stop-daemon")
def test_openrc_conf_d_that_cannot_lower_warns_and_still_starts(tmp_path: Path) -> None:
    before, lowering_works = own_score(), can_lower()
    done, pid = start_openrc(tmp_path, -500)
    try:
        assert done.returncode == 0
        if lowering_works:
            assert (done.stdout, done.stderr, score_of(pid)) == ("applied=yes\n", "", -500)
        else:
            assert done.stdout == "applied=no\n"
            assert "could not lower oom_score_adj to -500" in done.stderr
            assert "CAP_SYS_RESOURCE" in done.stderr
            assert score_of(pid) == before
    finally:
        if pid:
            end(pid)


# --- runit and supervisord: the daemon records its argv -----------------------------------


def hostile_command(tmp_path: Path) -> tuple[str, ...]:
    return (sys.executable, "-c", DAEMON, str(tmp_path / "argv.txt"), *HOSTILE)


def run_and_check(argv: list[str], tmp_path: Path, expected_score: int) -> str:
    """Start ``argv`` (it ends by exec'ing DAEMON), check argv and score; return its stderr."""
    proc = subprocess.Popen(argv, cwd=tmp_path, text=True, stderr=subprocess.PIPE)
    try:
        assert wait_for(tmp_path / "argv.txt") == repr(list(HOSTILE))
        assert score_of(proc.pid) == expected_score  # exec kept the PID: this is the daemon
        assert not (tmp_path / "PWNED").exists()
    finally:
        proc.terminate()  # by PID; the run script exec'd, so this is the daemon itself
        _, stderr = proc.communicate(timeout=10)
    return stderr


def test_runit_run_script_sets_the_score_then_execs_the_daemon_with_literal_argv(
    tmp_path: Path,
) -> None:
    run = write(tmp_path, render("runit", one_service(300, hostile_command(tmp_path))))
    assert run.stat().st_mode & 0o777 == 0o755
    assert run_and_check([str(run)], tmp_path, 300) == ""


def test_runit_run_script_that_cannot_lower_warns_and_still_execs(tmp_path: Path) -> None:
    before, lowering_works = own_score(), can_lower()
    run = write(tmp_path, render("runit", one_service(-500, hostile_command(tmp_path))))
    stderr = run_and_check([str(run)], tmp_path, -500 if lowering_works else before)
    assert ("could not lower oom_score_adj to -500" in stderr) is not lowering_works


def supervisord_argv(conf: Path, name: str) -> list[str]:
    """argv as supervisord builds it: ini with inline comments, %-expansion, shlex.split.

    supervisor/options.py: UnhosedConfigParser(inline_comment_prefixes=(';', '#'),
    strict=False), ``expand(command, {ENV_X..., program_name, ...})``; process.py
    ``get_execv_args``: ``shlex.split(command)``.
    """
    parser = configparser.RawConfigParser(inline_comment_prefixes=(";", "#"), strict=False)
    parser.read(conf)
    expansions = {f"ENV_{k}": v for k, v in os.environ.items()}
    expansions |= {"program_name": name, "group_name": name, "process_num": 0,
                   "numprocs": 1, "here": str(conf.parent), "host_node_name": "host"}
    return shlex.split(parser.get(f"program:{name}", "command") % expansions)


def test_supervisord_command_parsed_like_supervisord_runs_the_daemon_with_its_score(
    tmp_path: Path,
) -> None:
    conf = write(tmp_path, render("supervisord", one_service(300, hostile_command(tmp_path))))
    argv = supervisord_argv(conf, "dummy")
    assert argv == ["choom", "-n", "300", "--", *hostile_command(tmp_path)]
    assert run_and_check(argv, tmp_path, 300) == ""


def test_supervisord_command_that_cannot_lower_fails_loudly(tmp_path: Path) -> None:
    conf = write(tmp_path, render("supervisord", one_service(-500, hostile_command(tmp_path))))
    argv = supervisord_argv(conf, "dummy")
    if can_lower():
        run_and_check(argv, tmp_path, -500)
        return
    done = subprocess.run(argv, cwd=tmp_path, text=True, capture_output=True, check=False,
                          timeout=30)
    # choom refuses to run the program: supervisord shows the program FATAL with this log.
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "choom: failed to set score adjust value: Permission denied\n"
    assert not (tmp_path / "argv.txt").exists()


SUPERVISORD = Path(sys.executable).parent / "supervisord"

#: A whole supervisord set-up in a tmp dir that includes the rendered
#: conf.d file exactly as the stock /etc/supervisor/supervisord.conf does.
SUPERVISORD_CONF = """[unix_http_server]
file={tmp}/supervisor.sock
[supervisord]
nodaemon=true
logfile={tmp}/supervisord.log
pidfile={tmp}/supervisord.pid
childlogdir={tmp}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://{tmp}/supervisor.sock
[include]
files = etc/supervisor/conf.d/*.conf
"""


@pytest.mark.skipif(not SUPERVISORD.exists(), reason="needs supervisor (the test extra)")
def test_real_supervisord_starts_the_program_with_its_score_and_literal_argv(
    tmp_path: Path,
) -> None:
    write(tmp_path, render("supervisord", one_service(300, hostile_command(tmp_path))))
    conf = tmp_path / "supervisord.conf"
    conf.write_text(SUPERVISORD_CONF.format(tmp=tmp_path))
    supervisord = subprocess.Popen([str(SUPERVISORD), "-c", str(conf)], cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(tmp_path / "argv.txt", timeout=30) == repr(list(HOSTILE))
        ctl = subprocess.run([str(SUPERVISORD.parent / "supervisorctl"), "-c", str(conf),
                              "pid", "dummy"], capture_output=True, text=True, check=False,
                             timeout=30)
        pid = int(ctl.stdout)
        assert score_of(pid) == 300
        assert Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1] == \
            str(supervisord.pid)  # a direct child: choom exec'd the daemon in place
        assert not (tmp_path / "PWNED").exists()
    finally:
        supervisord.terminate()  # by PID; supervisord stops its program first
        supervisord.wait(timeout=30)


def test_apply_installs_a_runit_script_that_runs(tmp_path: Path) -> None:
    """The whole path: YAML profile -> ``oomcfg apply --only runit`` -> runsv's exec."""
    profile = tmp_path / "p.yaml"
    profile.write_text("oomcfg: 1\nservices:\n  dummy:\n    unit: dummy.service\n"
                       "    oom_score_adj: 300\n    init:\n      command: [/bin/sleep, '300']\n")
    root = tmp_path / "root"
    root.mkdir()
    done = subprocess.run([sys.executable, "-m", "oomcfg", "apply", str(profile), "--root",
                           str(root), "--only", "runit", "-y"], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    run = root / "etc/sv/dummy/run"
    assert run.stat().st_mode & 0o777 == 0o755
    proc = subprocess.Popen([str(run)], stderr=subprocess.PIPE, text=True)
    try:
        wait_exec(proc.pid, "sleep")
        assert score_of(proc.pid) == 300
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=10)
    assert stderr == ""
