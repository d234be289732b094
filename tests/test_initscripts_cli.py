"""Init targets through the command line: render and apply, exit codes, nothing written.

What bad-inputs.md asks of every bad profile, for the init targets: every problem
in one run, ``file:line:col``, exit 3, and the target root byte-for-byte unchanged.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from initscripts_example import EXAMPLE_YAML


def oomcfg(*args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "oomcfg", *args], capture_output=True,
                          text=True, check=False, timeout=60)
    return done.returncode, done.stdout, done.stderr


def test_cli_render_only_upstart_prints_the_overrides() -> None:
    code, out, err = oomcfg("render", str(EXAMPLE_YAML), "--only", "upstart")
    assert (code, err) == (0, "")
    assert "==> etc/init/watchdog.override <==\n" in out
    assert out.count("\noom score ") == 4


def test_cli_missing_init_command_exits_3_with_file_line_col_and_writes_nothing(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("oomcfg: 1\nservices:\n  web:\n    unit: nginx.service\n"
                       "    tier: expendable\n    init:\n      compose_service: web\n")
    out_dir = tmp_path / "out"
    code, out, err = oomcfg("render", str(profile), "--only", "runit", "--out", str(out_dir))
    assert (code, out) == (3, "")
    assert err == (
        f"{profile}:7:24: error[OC082]: runit starts the daemon itself, so "
        "services.web.init.command (its argv) is required (e.g. services.web.init.command: "
        "[/usr/sbin/daemon, --foreground])\n"
    )
    assert not out_dir.exists()


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_cli_apply_reports_every_missing_detail_at_once_exit_3_and_writes_nothing(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nservices:\n"
        "  a:\n    unit: a.service\n    memory: {max: 1G}\n    init: {pidfile: /run/a.pid}\n"
        "  c:\n    unit: c.service\n    tier: expendable\n    init: {comm: c}\n"
    )
    root = tmp_path / "root"
    (root / "etc/sv/c").mkdir(parents=True)
    (root / "etc/sv/c/run").write_text("#!/bin/sh\nexec c\n")  # the package's own
    before = tree(root)
    code, out, err = oomcfg("apply", str(profile), "--root", str(root), "-y",
                            "--only", "sysv,runit,supervisord,compose")
    assert (code, out) == (3, "")
    assert sorted(re.findall(r"error\[OC\d+\]", err)) == sorted([
        "error[OC080]", "error[OC082]", "error[OC082]",  # compose; runit, supervisord: c
        "error[OC086]", "error[OC086]", "error[OC086]",  # a has no score: sysv, runit, sup.
    ])
    assert f"{profile}:10:18: error[OC082]: runit starts the daemon itself, so " \
        "services.c.init.command (its argv) is required" in err
    assert tree(root) == before


@pytest.mark.parametrize("name", ["svc; rm -rf /", "$(id)", "`id`", "it's", "-rf", "100%",
                                  "n\u00e9", "n" * 129])
def test_cli_hostile_init_names_are_refused_before_anything_is_written(
    tmp_path: Path, name: str,
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("oomcfg: 1\nservices:\n  a:\n    unit: a.service\n"
                       f"    oom_score_adj: 1\n    init: {{name: {json.dumps(name)}}}\n")
    root = tmp_path / "root"
    root.mkdir()
    code, out, err = oomcfg("apply", str(profile), "--root", str(root), "-y",
                            "--only", "sysv,openrc,upstart,runit,supervisord")
    assert (code, out, tree(root)) == (3, "", {})
    assert f"{profile}:6:18: error[OC029]: name " in err
    assert "init service name" in err


