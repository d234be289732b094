"""The ``live`` marker's policy: a missing capability skips locally and fails in CI.

Proved by running pytest on one live test with the systemd binary pointed at
a path that does not exist (OOMCFG_LIVE_SYSTEMD), once as a developer and
once with CI=true. No sandbox is booted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIVE_TEST = "tests/live/test_sandbox.py::test_pid1_is_a_real_systemd_reachable_by_systemctl"


def run_live_test(ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "OOMCFG_LIVE")}
    env["OOMCFG_LIVE_SYSTEMD"] = "/nonexistent/systemd"
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rsf", LIVE_TEST],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(("ci", "rc", "word"), [(False, 0, "SKIPPED"), (True, 1, "ERROR")])
def test_missing_capability_skips_locally_and_fails_in_ci(ci: bool, rc: int, word: str) -> None:
    proc = run_live_test(ci)
    assert proc.returncode == rc, proc.stdout + proc.stderr
    assert word in proc.stdout
    assert "live systemd sandbox unavailable: /nonexistent/systemd not installed" in proc.stdout
