"""The warning an init snippet prints when the kernel refuses the score.

docs/init-systems.md promises: the line on stderr, the same line to syslog
through ``logger -t oomcfg``, the service still starts, and the reason named
from what the kernel kept ("could not lower ... CAP_SYS_RESOURCE" whenever the
kept value is above the one asked for). The starting itself, and the warning in
the real init flows, are in test_initscripts_exec.py.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from initscripts_example import one_service, render, write
from initscripts_procs import can_lower, own_score

SHELL_KINDS = ("sysv", "openrc", "runit")


@pytest.mark.parametrize("kind", SHELL_KINDS)
def test_the_warning_also_goes_to_syslog_through_logger(tmp_path: Path, kind: str) -> None:
    """docs/init-systems.md: the same line goes to syslog (``logger -t oomcfg``) when present.

    A ``logger`` first on PATH records its argv, so this checks exactly what a real
    logger(1) would be asked to send.
    """
    if can_lower():
        pytest.skip("lowering works here: there is no warning to send")
    script = write(tmp_path, render(kind, one_service(-500, ("/bin/true",))))
    (tmp_path / "bin").mkdir()
    logger = tmp_path / "bin" / "logger"
    logger.write_text('#!/bin/sh\nprintf "%s\\n" "$@" >"$LOGGED"\n')
    logger.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
           "LOGGED": str(tmp_path / "logged")}
    done = subprocess.run(["sh", "-c", '. "$1"', "sh", str(script)], env=env, text=True,
                          capture_output=True, check=False, timeout=30)
    message = (f"warning: dummy: could not lower oom_score_adj to -500 (it stays {own_score()}): "
               "lowering needs CAP_SYS_RESOURCE, so the service starts WITHOUT this protection")
    assert (done.returncode, done.stderr) == (0, f"oomcfg: {message}\n")
    assert (tmp_path / "logged").read_text().splitlines() == [
        "-t", "oomcfg", "-p", "daemon.warning", "--", message]


@pytest.mark.parametrize(("kept", "why"), [
    ("500", "could not lower oom_score_adj to 300 (it stays 500): lowering needs "
     "CAP_SYS_RESOURCE, so the service starts WITHOUT this protection"),
    (None, "could not set oom_score_adj to 300 (it stays unknown): is /proc mounted?"),
])
@pytest.mark.parametrize("kind", SHELL_KINDS)
def test_the_warning_says_why_from_the_value_the_kernel_kept(
    tmp_path: Path, kind: str, kept: str | None, why: str,
) -> None:
    """A refused write of a *positive* score is a lowering too when the kernel kept a higher
    value: a rootful container engine that set 500 made 500 the floor for everything the
    container starts (proc(5): lowering below the value a CAP_SYS_RESOURCE process set needs
    CAP_SYS_RESOURCE). That cannot be staged here (root lacks the capability), so the test
    points the write at /dev/full (it fails) and the read-back at a file holding ``kept``.
    """
    text = render(kind, one_service(300, ("/bin/true",))).content
    current = tmp_path / "oom_score_adj"
    if kept is not None:
        current.write_text(f"{kept}\n")
    text = text.replace('"${oomcfg_score}" >/proc/self/oom_score_adj',
                        '"${oomcfg_score}" >/dev/full')
    text = text.replace("</proc/self/oom_score_adj", f"<{current}")
    done = subprocess.run(["sh", "-c", text], text=True, capture_output=True, check=False,
                          timeout=30)
    assert (done.returncode, done.stderr) == (0, f"oomcfg: warning: dummy: {why}\n")
