"""Hostile command lines found by hand, each once a traceback (exit 70) or a wrong answer.

bad-inputs.md: bad input gets a message and a documented exit code; "a
traceback is a bug". Every test here failed before its fix; the commands run
as a user runs them (``python -m oomcfg`` in a subprocess) where the process
itself matters (its working directory), in-process otherwise.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oomcfg.cli import app
from oomcfg.lint.command import run_lint
from oomcfg.lint.engine import LintOptions
from oomcfg.resources import profiles_dir

PRESET = str(profiles_dir() / "base-server.yaml")
TOO_LONG = "a" * 5000  # one component over NAME_MAX (255): stat() fails with ENAMETOOLONG
UNIT_BAD = "[Service]\nOOMScoreAdjust=abc\n"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, result.stderr


def in_removed_cwd(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run oomcfg in a working directory removed after the chdir (``getcwd`` fails: ENOENT)."""
    gone = tmp_path / "gone"
    gone.mkdir()

    def chdir_and_remove() -> None:
        os.chdir(gone)
        os.rmdir(gone)

    return subprocess.run(
        [sys.executable, "-m", "oomcfg", *args], capture_output=True, text=True, check=False,
        preexec_fn=chdir_and_remove, timeout=60,
    )


# --- lint: named paths -------------------------------------------------------------------------


def test_lint_path_too_long_is_unreadable_not_a_crash() -> None:
    code, out, err = cli("lint", TOO_LONG + ".yaml")
    assert code == 3
    assert f"{TOO_LONG}.yaml: error[OC303] cannot read: file name too long" in out
    assert "internal error" not in err


def test_lint_config_too_long_is_exit_3_with_the_reason() -> None:
    code, _, err = cli("lint", "--config", TOO_LONG, PRESET)
    assert (code, err) == (3, f"oomcfg: lint configuration {TOO_LONG} cannot be read: "
                              "File name too long\n")


def test_lint_config_that_is_a_device_says_so() -> None:
    code, _, err = cli("lint", "--config", "/dev/null", PRESET)
    assert (code, err) == (3, "oomcfg: lint configuration /dev/null cannot be read: "
                              "not a regular file\n")


def test_lint_symlink_to_a_device_is_not_called_dangling(tmp_path: Path) -> None:
    link = tmp_path / "zero.service"
    link.symlink_to("/dev/zero")
    code, out, _ = cli("lint", str(link))
    assert code == 3
    assert f"{link}: error[OC303] cannot read: not a regular file (symlink to /dev/zero)" in out


def test_lint_dangling_symlink_and_loop_keep_their_words(tmp_path: Path) -> None:
    (tmp_path / "dangling.service").symlink_to("nowhere")
    (tmp_path / "a.service").symlink_to("b.service")
    (tmp_path / "b.service").symlink_to("a.service")
    code, out, _ = cli("lint", str(tmp_path / "dangling.service"), str(tmp_path / "a.service"))
    assert code == 3
    assert "dangling.service: error[OC303] cannot read: dangling symlink (to nowhere)" in out
    assert "a.service: error[OC303] cannot read: symlink loop" in out


def test_lint_path_through_a_file_names_the_problem() -> None:
    code, out, _ = cli("lint", "/etc/passwd/x.service")
    assert code == 3
    assert ("/etc/passwd/x.service: error[OC303] cannot read: no such file or directory "
            "(a component of the path is not a directory)") in out


# --- lint: the working directory was removed ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_lint_in_a_removed_working_directory(tmp_path: Path, fmt: str) -> None:
    unit = tmp_path / "bad.service"
    unit.write_text(UNIT_BAD)
    done = in_removed_cwd(tmp_path, "lint", "--format", fmt, str(unit), "relative.service")
    assert done.returncode == 3, done.stderr  # relative.service cannot be found there
    assert "internal error" not in done.stderr
    assert "OC144" in done.stdout and "relative.service" in done.stdout


def test_sarif_in_a_removed_working_directory_uses_absolute_uris(tmp_path: Path) -> None:
    unit = tmp_path / "bad.service"
    unit.write_text(UNIT_BAD)
    done = in_removed_cwd(tmp_path, "lint", "--format", "sarif", str(unit))
    run = json.loads(done.stdout)["runs"][0]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == "file:///"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"]}
    assert uris == {unit.as_posix().lstrip("/")}


# --- lint: a file name that is not UTF-8 -------------------------------------------------------


def test_sarif_with_a_non_utf8_file_name(tmp_path: Path) -> None:
    name = os.fsdecode(b"bad\xff.service")
    (tmp_path / name).write_text(UNIT_BAD)
    done = subprocess.run(
        [sys.executable, "-m", "oomcfg", "lint", "--format", "sarif", name],
        capture_output=True, check=False, cwd=tmp_path, timeout=60,
    )
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)["runs"][0]["results"][0]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "bad%FF.service", "uriBaseId": "SRCROOT"}


def test_sarif_from_the_root_directory_has_a_valid_srcroot(tmp_path: Path) -> None:
    """From ``/`` the SRCROOT was ``file:/`` (the slash of ``file:///`` stripped)."""
    unit = tmp_path / "bad.service"
    unit.write_text(UNIT_BAD)
    done = subprocess.run(
        [sys.executable, "-m", "oomcfg", "lint", "--format", "sarif", str(unit)],
        capture_output=True, text=True, check=False, cwd="/", timeout=60,
    )
    assert json.loads(done.stdout)["runs"][0]["originalUriBaseIds"]["SRCROOT"] == {
        "uri": "file:///"}


# --- validate: directories that cannot be the host ---------------------------------------------


def test_validate_root_too_long_is_cannot_check_not_a_crash() -> None:
    code, out, err = cli("validate", PRESET, "--root", "/tmp/" + TOO_LONG)
    assert (code, out) == (4, "")
    assert err == (f"oomcfg: cannot check: --root /tmp/{TOO_LONG}: cannot be read: "
                   "File name too long\n")


@pytest.mark.parametrize(("root", "problem"), [
    ("nonexistent", "cannot be read: No such file or directory"),
    ("file", "is not a directory"),
    ("file/below", "cannot be read: Not a directory"),
])
def test_validate_names_a_mistyped_root(tmp_path: Path, root: str, problem: str) -> None:
    """Was: exit 4 blaming '/nonexistent/proc is not a mounted proc filesystem'."""
    (tmp_path / "file").write_text("")
    code, out, err = cli("validate", PRESET, "--root", str(tmp_path / root))
    assert (code, out, err) == (4, "", f"oomcfg: cannot check: --root {tmp_path / root}: "
                                       f"{problem}\n")


@pytest.mark.parametrize("option", ["--proc", "--sys"])
def test_validate_proc_or_sys_too_long_is_reported_not_a_crash(option: str) -> None:
    code, out, err = cli("validate", PRESET, option, "/tmp/" + TOO_LONG)
    assert code in (1, 4) and "internal error" not in err
    assert out.rstrip().splitlines()[-1].startswith("validate: ")


def test_validate_a_bad_profile_is_still_exit_3_first(tmp_path: Path) -> None:
    code, _, err = cli("validate", str(tmp_path / "nope.yaml"), "--root", str(tmp_path / "x"))
    assert code == 3
    assert "error[OC013]" in err


@pytest.mark.parametrize("only", ["", ",", " , "])
def test_validate_only_naming_nothing_is_a_usage_error(only: str) -> None:
    """Was exit 0, '0 checked': a CI gate fed an empty variable always passed."""
    code, out, err = cli("validate", PRESET, "--only", only)
    assert (code, out, err) == (
        2, "", "oomcfg: --only names no layer; allowed: sysctl, units, processes\n")


# --- an empty path: an unset shell variable ----------------------------------------------------

EMPTY = "empty path (an unset variable?); write . for the current directory"


@pytest.mark.parametrize(("args", "name"), [
    (["render", PRESET, "--out", ""], "'--out'"),
    (["apply", PRESET, "--root", ""], "'--root'"),
    (["rollback", "--root", ""], "'--root'"),
    (["validate", PRESET, "--root", ""], "'--root'"),
    (["validate", PRESET, "--proc", ""], "'--proc'"),
    (["validate", PRESET, "--sys", ""], "'--sys'"),
    (["render", ""], "'PROFILE...'"),
    (["lint", ""], "'PATH...'"),
    (["lint", "--config", "", PRESET], "'--config'"),
])
def test_an_empty_path_is_a_usage_error_not_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], name: str
) -> None:
    """Was: ``--out ''`` rendered and ``apply --root ''`` applied into the current directory
    (``Path('')`` is ``.``), ``lint ''`` linted it."""
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(*args)
    assert (code, out) == (2, "")
    assert f"Invalid value for {name}: {EMPTY}" in err
    assert list(tmp_path.iterdir()) == []


def test_the_current_directory_is_still_written_as_a_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("render", PRESET, "--out", ".")
    assert (code, err) == (0, "")
    assert (tmp_path / "etc" / "sysctl.d" / "90-oomcfg.conf").is_file()


def lint_as_nobody(*args: str) -> tuple[int, str, str]:
    """Run the lint command in a forked child that dropped to nobody (65534).

    A fork, not a subprocess: this interpreter lives under /root (mode 0700),
    which nobody cannot exec; the child only needs what is already imported.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop privileges, lint, report, exit without cleanup
        out, err = io.StringIO(), io.StringIO()
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            options = LintOptions(config=Path(args[1]))
            code = run_lint([Path(args[2])], "text", options, out, err)
            os.write(write_fd, json.dumps([int(code), out.getvalue(), err.getvalue()]).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as reader:
        data = reader.read()
    os.waitpid(pid, 0)
    code, out, err = json.loads(data)
    return code, out, err


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to another user")
def test_lint_config_the_user_cannot_read_is_exit_3() -> None:
    """Was exit 1: the config passed the stat() check and its OC013 became a lint finding."""
    with tempfile.TemporaryDirectory() as top:
        base = Path(top)
        base.chmod(0o755)  # traversable by nobody; only the config itself is closed
        config = base / "lint.yaml"
        config.write_text("disable: [OC101]\n")
        config.chmod(0o000)
        code, out, err = lint_as_nobody("--config", str(config), PRESET)
    assert (code, out) == (3, "")
    assert err == f"oomcfg: lint configuration {config} cannot be read: Permission denied\n"


# --- a written path is never a shipped preset --------------------------------------------------


@pytest.mark.parametrize("spelling",
                         ["./database-server", "database-server/", ".//database-server"])
@pytest.mark.parametrize("command", ["render", "apply", "validate"])
def test_a_path_to_a_missing_file_is_not_the_preset_of_that_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str, command: str
) -> None:
    """Was: ``oomcfg apply ./database-server`` with no such file applied the shipped preset
    (``Path('./database-server')`` is ``database-server``, a preset name)."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "root"
    root.mkdir()
    extra = ["--root", str(root)] if command != "render" else []
    code, out, err = cli(command, spelling, *extra)
    assert (code, out) == (3, "")
    assert err == (f"{tmp_path / 'database-server'}: error[OC013]: cannot read file: "
                   "No such file or directory (check the path and its permissions)\n")
    assert list(root.iterdir()) == []


def test_a_bare_preset_name_is_still_the_preset(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("render", "database-server")
    assert code == 0
    assert '# profile: "preset:base-server", "preset:database-server"' in out


@pytest.mark.parametrize("command", ["render", "apply", "validate"])
def test_every_command_prints_bad_profile_diagnostics_bare(tmp_path: Path, command: str) -> None:
    """Was: apply wrote ``oomcfg: `` before the first diagnostic only, so its first line read
    as a problem in a file named ``oomcfg: /path/p.yaml``."""
    bad = tmp_path / "p.yaml"
    bad.write_text("oomcfg: 1\nservices:\n  web: {unit: web.service, oom_score_adj: 1200}\n"
                   "  db: {unit: db.service, oom_policy: panic}\n")
    extra = ["--root", str(tmp_path)] if command != "render" else []
    code, out, err = cli(command, str(bad), *extra)
    assert (code, out) == (3, "")
    assert [line.split(" error[")[0] for line in err.splitlines()] == [
        f"{bad}:3:43:", f"{bad}:4:38:"]
