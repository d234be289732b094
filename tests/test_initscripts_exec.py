"""Init-script outputs, proven by running them (issue 6, "Proof in tests").

Every rendered shell file passes ``sh -n`` and ``shellcheck``, including files
rendered from hostile-but-accepted commands; then each shell style really
starts a daemon the way its init system would, and the test reads
``/proc/PID/oom_score_adj`` of that daemon. Positive scores must land (raising
is always allowed). A negative score needs CAP_SYS_RESOURCE, which root here
lacks: the outputs must then say so loudly; where lowering does work, the value
must land. Every process a test starts is registered with the ``reaper``
fixture before anything is checked, and ended by PID at teardown, pass or fail.
supervisord is a ``test`` extra (pyproject.toml), so it must be there: a missing
one fails, it is not skipped.
"""

from __future__ import annotations

import configparser
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import live_required
from initscripts_example import example_profile, one_service, render, write
from initscripts_procs import (
    START_STOP_DAEMON,
    Reaper,
    can_lower,
    comm_of,
    own_score,
    reaper_fixture,  # noqa: F401 - the ``reaper`` fixture
    score_of,
    wait_exec,
    wait_for,
)

from oomcfg.initscripts import INIT_TARGETS
from oomcfg.model import RenderedFile
from oomcfg.render import RenderOptions

SHELLCHECK = Path(sys.executable).parent / "shellcheck"
SUPERVISORD = Path(sys.executable).parent / "supervisord"
SHELL_KINDS = ("sysv", "openrc", "runit")

#: A daemon that records the argv it received, then idles: proves each word
#: arrives literally (and that ``$(touch ...)`` was never run by a shell).
DAEMON = "import sys, time; open(sys.argv[1], 'w').write(repr(sys.argv[2:])); time.sleep(300)"

#: Command words a profile may carry (the loader accepts them): each must reach
#: the daemon as exactly this text, never run, expand or split.
HOSTILE = (
    "$(touch PWNED)", "`touch PWNED`", "svc; touch PWNED", "a'b\"c", "100%", "%(x)s", "%%",
    "-rf", "--", "${HOME}", "*", "~", "!x", "a;b", "#c", "x > PWNED", "ünïcødé ☃",
    "L" * 4000,
)

needs_start_stop_daemon = pytest.mark.skipif(
    not START_STOP_DAEMON.exists() and not live_required(),
    reason="needs dpkg's start-stop-daemon (required in CI)",
)


@pytest.fixture(autouse=True)
def _baseline() -> None:
    # Positive test scores (300) must be a *raise* from where pytest runs.
    assert own_score() < 300, "these tests need pytest to run with oom_score_adj < 300"


def test_supervisord_from_the_test_extra_is_installed() -> None:
    assert SUPERVISORD.exists(), "pip install -e '.[test]' installs supervisor (pyproject.toml)"


# --- static checks ------------------------------------------------------------------


def shell_files() -> Iterator[RenderedFile]:
    hostile = one_service(-5, ("/usr/bin/env", *HOSTILE))
    for profile in (example_profile(), hostile):
        for kind in SHELL_KINDS:
            yield from INIT_TARGETS[kind](profile, RenderOptions())


def assert_sh_n_and_shellcheck(text: str) -> None:
    """``sh -n`` (dash) parses it and shellcheck, every optional check on, is silent."""
    syntax = subprocess.run(["sh", "-n"], input=text, text=True, capture_output=True,
                            check=False)
    lint = subprocess.run([str(SHELLCHECK), "--shell=sh", "--enable=all", "-"], input=text,
                          text=True, capture_output=True, check=False)
    assert (syntax.returncode, syntax.stderr) == (0, "")
    assert (lint.returncode, lint.stdout) == (0, "")


@pytest.mark.parametrize("rendered", list(shell_files()),
                         ids=lambda r: f"{r.path}-{r.content.count('PWNED')}")
def test_every_shell_file_passes_sh_n_and_shellcheck(rendered: RenderedFile) -> None:
    assert_sh_n_and_shellcheck(rendered.content)


# --- SysV / LSB and OpenRC: a sourced fragment, then start-stop-daemon -----------------

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

#: What openrc-run.sh does, cut to the steps that matter: ``sourcex`` the
#: conf.d file (``. "$1"`` in its own shell), then run ``start`` in that same
#: shell (OpenRC sh/openrc-run.sh.in).
OPENRC_RUN = """
sourcex() { if ! . "$1"; then echo "error loading $1" >&2; exit 1; fi; }
sourcex "$FRAGMENT"
start() {
	start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$PIDFILE" \\
		--exec /bin/sleep -- 300
}
start
echo "applied=${oomcfg_oom_score_adj_applied:-unset}"
"""


def lsb_argv(tmp_path: Path, shell: str) -> list[str]:
    """``SHELL /etc/init.d/dummy start`` with LSB_SCRIPT installed under ``tmp_path``."""
    script = tmp_path / "etc/init.d/dummy"
    script.parent.mkdir(parents=True)
    script.write_text(LSB_SCRIPT)
    script.chmod(0o755)
    return [shell, str(script), "start"]


#: style -> (target whose file is sourced, argv that sources it and starts the daemon)
STYLES: dict[str, tuple[str, Callable[[Path], list[str]]]] = {
    "sysv-dash": ("sysv", lambda tmp: lsb_argv(tmp, "sh")),
    "sysv-bash": ("sysv", lambda tmp: lsb_argv(tmp, "bash")),
    "openrc": ("openrc", lambda tmp: ["sh", "-c", OPENRC_RUN]),
}


def start_sourced(
    tmp_path: Path, reaper: Reaper, style: str, score: int,
) -> tuple[subprocess.CompletedProcess[str], int]:
    """Start ``sleep`` the way ``style`` does with oomcfg's fragment; return the run and PID."""
    kind, argv = STYLES[style]
    fragment = write(tmp_path, render(kind, one_service(score)))
    pidfile = reaper.pidfile(tmp_path / "dummy.pid", "sleep")
    env = {**os.environ, "FRAGMENT": str(fragment), "PIDFILE": str(pidfile),
           "RC_SVCNAME": "dummy"}
    done = subprocess.run(argv(tmp_path), env=env, text=True, capture_output=True,
                          check=False, timeout=30)
    assert done.returncode == 0, done.stderr
    pid = int(wait_for(pidfile))
    wait_exec(pid, "sleep")
    return done, pid


@needs_start_stop_daemon
@pytest.mark.parametrize("style", STYLES)
def test_sourced_fragment_gives_the_daemon_started_by_start_stop_daemon_its_score(
    tmp_path: Path, reaper: Reaper, style: str,
) -> None:
    done, pid = start_sourced(tmp_path, reaper, style, 300)
    assert (done.stdout, done.stderr, score_of(pid)) == ("applied=yes\n", "", 300)


@needs_start_stop_daemon
@pytest.mark.parametrize("style", STYLES)
def test_sourced_fragment_that_cannot_lower_warns_and_still_starts(
    tmp_path: Path, reaper: Reaper, style: str,
) -> None:
    before, lowering_works = own_score(), can_lower()
    done, pid = start_sourced(tmp_path, reaper, style, -500)
    if lowering_works:
        assert (done.stdout, done.stderr, score_of(pid)) == ("applied=yes\n", "", -500)
        return
    assert (done.stdout, score_of(pid)) == ("applied=no\n", before)
    assert done.stderr == (
        f"oomcfg: warning: dummy: could not lower oom_score_adj to -500 (it stays {before}): "
        "lowering needs CAP_SYS_RESOURCE, so the service starts WITHOUT this protection\n"
    )


# --- runit and supervisord: the daemon records its argv -----------------------------------


def hostile_command(tmp_path: Path) -> tuple[str, ...]:
    return (sys.executable, "-c", DAEMON, str(tmp_path / "argv.txt"), *HOSTILE)


def run_and_check(argv: list[str], tmp_path: Path, reaper: Reaper, expected_score: int) -> str:
    """Start ``argv`` (it ends by exec'ing DAEMON), check argv and score; return its stderr."""
    proc = reaper.child(subprocess.Popen(argv, cwd=tmp_path, text=True, stderr=subprocess.PIPE))
    assert wait_for(tmp_path / "argv.txt") == repr(list(HOSTILE))
    assert score_of(proc.pid) == expected_score  # exec kept the PID: this is the daemon
    assert sorted(p.name for p in tmp_path.iterdir()) == ["argv.txt", "etc"]  # no PWNED
    proc.terminate()  # by PID; the run script exec'd, so this is the daemon itself
    _, stderr = proc.communicate(timeout=10)
    return stderr


def test_runit_run_script_sets_the_score_then_execs_the_daemon_with_literal_argv(
    tmp_path: Path, reaper: Reaper,
) -> None:
    run = write(tmp_path, render("runit", one_service(300, hostile_command(tmp_path))))
    assert run.stat().st_mode & 0o777 == 0o755
    assert run_and_check([str(run)], tmp_path, reaper, 300) == ""


def test_runit_run_script_that_cannot_lower_warns_and_still_execs(
    tmp_path: Path, reaper: Reaper,
) -> None:
    before, lowering_works = own_score(), can_lower()
    run = write(tmp_path, render("runit", one_service(-500, hostile_command(tmp_path))))
    stderr = run_and_check([str(run)], tmp_path, reaper, -500 if lowering_works else before)
    assert ("could not lower oom_score_adj to -500" in stderr) is not lowering_works


def supervisord_argv(conf: Path, name: str) -> list[str]:
    """argv as supervisord builds it: ini with inline comments, %-expansion, shlex.split.

    supervisor/options.py: UnhosedConfigParser(inline_comment_prefixes=(';', '#'),
    strict=False), ``expand(command, {ENV_X..., program_name, ...})``; process.py
    ``get_execv_args``: ``shlex.split(command)``.
    """
    parser = configparser.RawConfigParser(inline_comment_prefixes=(";", "#"), strict=False)
    parser.read(conf)
    expansions: dict[str, object] = {f"ENV_{k}": v for k, v in os.environ.items()}
    expansions |= {"program_name": name, "group_name": name, "process_num": 0,
                   "numprocs": 1, "here": str(conf.parent), "host_node_name": "host"}
    return shlex.split(parser.get(f"program:{name}", "command") % expansions)


def test_supervisord_command_parsed_like_supervisord_runs_the_daemon_with_its_score(
    tmp_path: Path, reaper: Reaper,
) -> None:
    conf = write(tmp_path, render("supervisord", one_service(300, hostile_command(tmp_path))))
    argv = supervisord_argv(conf, "dummy")
    assert argv == ["choom", "-n", "300", "--", *hostile_command(tmp_path)]
    assert run_and_check(argv, tmp_path, reaper, 300) == ""


def test_supervisord_command_that_cannot_lower_fails_loudly(
    tmp_path: Path, reaper: Reaper,
) -> None:
    conf = write(tmp_path, render("supervisord", one_service(-500, hostile_command(tmp_path))))
    argv = supervisord_argv(conf, "dummy")
    if can_lower():
        run_and_check(argv, tmp_path, reaper, -500)
        return
    done = subprocess.run(argv, cwd=tmp_path, text=True, capture_output=True, check=False,
                          timeout=30)
    # choom refuses to run the program: supervisord shows the program FATAL with this log.
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "choom: failed to set score adjust value: Permission denied\n"
    assert not (tmp_path / "argv.txt").exists()


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


def start_supervisord(tmp_path: Path, reaper: Reaper, score: int) -> subprocess.Popen[str]:
    """A real supervisord in ``tmp_path`` whose conf.d holds the rendered program."""
    write(tmp_path, render("supervisord", one_service(score, hostile_command(tmp_path))))
    conf = tmp_path / "supervisord.conf"
    conf.write_text(SUPERVISORD_CONF.format(tmp=tmp_path))
    return reaper.child(subprocess.Popen(
        [str(SUPERVISORD), "-c", str(conf)], cwd=tmp_path, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))


def supervisorctl(tmp_path: Path, *args: str) -> str:
    """``supervisorctl`` against the test's supervisord; its stdout."""
    return subprocess.run([str(SUPERVISORD.parent / "supervisorctl"), "-c",
                           str(tmp_path / "supervisord.conf"), *args], capture_output=True,
                          text=True, check=False, timeout=30).stdout


def test_real_supervisord_starts_the_program_with_its_score_and_literal_argv(
    tmp_path: Path, reaper: Reaper,
) -> None:
    supervisord = start_supervisord(tmp_path, reaper, 300)
    assert wait_for(tmp_path / "argv.txt", timeout=30) == repr(list(HOSTILE))
    pid = int(supervisorctl(tmp_path, "pid", "dummy"))
    reaper.pid(pid, comm_of(pid) or "?")  # after supervisord: it stops its program first
    assert score_of(pid) == 300
    assert Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1] == \
        str(supervisord.pid)  # a direct child: choom exec'd the daemon in place
    assert not (tmp_path / "PWNED").exists()


def test_real_supervisord_shows_a_program_it_cannot_lower_fatal_with_chooms_reason(
    tmp_path: Path, reaper: Reaper,
) -> None:
    """docs/init-systems.md: choom exits 1 without starting the program; supervisord
    retries (startretries=3, backing off 1, 2, 3 s), then shows it FATAL; the program's
    stderr log holds choom's reason."""
    if can_lower():
        pytest.skip("lowering works here: the program starts")
    start_supervisord(tmp_path, reaper, -500)
    deadline = time.monotonic() + 60
    while "FATAL" not in (status := supervisorctl(tmp_path, "status", "dummy")):
        assert time.monotonic() < deadline, status
        time.sleep(0.5)
    assert "choom: failed to set score adjust value: Permission denied" in \
        supervisorctl(tmp_path, "tail", "dummy", "stderr")
    assert not (tmp_path / "argv.txt").exists()


# --- through the command line: YAML -> oomcfg apply -> run what it installed -----------------


def apply_profile(tmp_path: Path, service_yaml: str, only: str) -> Path:
    """``oomcfg apply --only ONLY --root ROOT`` of one service ``dummy``; returns ROOT."""
    profile = tmp_path / "p.yaml"
    profile.write_text("oomcfg: 1\nservices:\n  dummy:\n    unit: dummy.service\n" + service_yaml)
    root = tmp_path / "root"
    root.mkdir()
    done = subprocess.run([sys.executable, "-m", "oomcfg", "apply", str(profile), "--root",
                           str(root), "--only", only, "-y"], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    return root


def test_apply_installs_a_runit_script_that_runs(tmp_path: Path, reaper: Reaper) -> None:
    """The whole path: YAML profile -> ``oomcfg apply --only runit`` -> runsv's exec."""
    root = apply_profile(tmp_path, "    oom_score_adj: 300\n    init:\n"
                         "      command: [/bin/sleep, '300']\n", "runit")
    run = root / "etc/sv/dummy/run"
    assert run.stat().st_mode & 0o777 == 0o755
    proc = reaper.child(subprocess.Popen([str(run)], stderr=subprocess.PIPE, text=True))
    wait_exec(proc.pid, "sleep")
    assert score_of(proc.pid) == 300
    proc.terminate()
    _, stderr = proc.communicate(timeout=10)
    assert stderr == ""


def test_hostile_words_accepted_by_the_loader_are_inert_in_every_installed_shell_file(
    tmp_path: Path, reaper: Reaper,
) -> None:
    """Hostile words written in YAML (JSON is YAML: every character survives the loader)."""
    argv = [sys.executable, "-c", DAEMON, str(tmp_path / "run" / "argv.txt"), *HOSTILE]
    root = apply_profile(tmp_path, f"    oom_score_adj: 300\n    init:\n"
                         f"      command: {json_list(argv)}\n", "sysv,openrc,runit")
    for path in ("etc/oomcfg/sysv/dummy.sh", "etc/conf.d/dummy", "etc/sv/dummy/run"):
        assert_sh_n_and_shellcheck((root / path).read_text())
    (tmp_path / "run").mkdir()
    proc = reaper.child(subprocess.Popen([str(root / "etc/sv/dummy/run")], cwd=tmp_path / "run",
                                         text=True, stderr=subprocess.PIPE))
    assert wait_for(tmp_path / "run" / "argv.txt") == repr(list(HOSTILE))
    assert score_of(proc.pid) == 300
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["argv.txt"]  # no PWNED


def json_list(words: list[str]) -> str:
    """A YAML flow sequence of ``words`` (JSON strings are valid YAML 1.2 scalars)."""
    return json.dumps(words, ensure_ascii=False)
