"""The process's standard streams, as a fleet's CI and cron start oomcfg (bad-inputs.md).

Standard output closed (``>&-``), full (``/dev/full``), a pipe whose reader
stopped (``| head -1``), standard error or input closed: each gets a
documented exit code and never a traceback. These run the real entry point in
a subprocess, because only real file descriptors behave like this.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from oomcfg.errors import ExitCode
from oomcfg.outstream import OUTPUT_EXIT
from oomcfg.resources import profiles_dir

PRESET = str(profiles_dir() / "database-server.yaml")
CLOSED = "standard output is closed"


def run(args: list[str], **streams: object) -> subprocess.CompletedProcess[bytes]:
    """``python -m oomcfg ARGS`` with the given stdin/stdout/stderr (fds, files or None)."""
    done: subprocess.CompletedProcess[bytes] = subprocess.run(  # noqa: PLW1510 - asserted
        [sys.executable, "-m", "oomcfg", *args], timeout=60, **streams  # type: ignore[call-overload]
    )
    return done


def run_closed(args: list[str], fd: int) -> subprocess.CompletedProcess[bytes]:
    """Run with descriptor ``fd`` (0, 1 or 2) closed, as the shell's ``N>&-`` does."""
    def close() -> None:
        os.close(fd)

    capture = {1: {"stderr": subprocess.PIPE}, 2: {"stdout": subprocess.PIPE},
               0: {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}}[fd]
    return run(args, preexec_fn=close, **capture)


def test_output_failure_is_the_environment_exit_code() -> None:
    assert OUTPUT_EXIT == ExitCode.ENVIRONMENT


@pytest.mark.parametrize("args", [
    ["render", PRESET], ["lint", PRESET], ["schema"], ["rules"], ["--version"], ["--help"],
])
def test_closed_stdout_is_exit_4_with_a_message(args: list[str]) -> None:
    done = run_closed(args, 1)
    assert (done.returncode, CLOSED in done.stderr.decode()) == (4, True), done.stderr
    assert b"Traceback" not in done.stderr


def test_closed_stdout_applies_nothing(tmp_path: Path) -> None:
    done = run_closed(["apply", PRESET, "--root", str(tmp_path), "--yes"], 1)
    assert done.returncode == 4, done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["render", PRESET], ["lint", PRESET], ["schema"], ["--version"]])
def test_full_stdout_is_exit_4_with_the_reason(args: list[str]) -> None:
    with Path("/dev/full").open("wb") as full:
        done = run(args, stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == 4, done.stderr
    assert done.stderr.decode().splitlines() == [
        "oomcfg: cannot write to standard output: No space left on device"]


def test_full_stdout_during_apply_writes_nothing(tmp_path: Path) -> None:
    with Path("/dev/full").open("wb") as full:
        done = run(["apply", PRESET, "--root", str(tmp_path)], stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == 4, done.stderr
    assert list(tmp_path.iterdir()) == []


def big_profile(tmp_path: Path) -> Path:
    """A profile whose rendering is far larger than a pipe buffer (64 KiB)."""
    lines = ["oomcfg: 1", "services:"]
    for i in range(2000):
        lines += [f"  s{i}:", f"    unit: s{i}.service", f"    oom_score_adj: {i % 1000}"]
    path = tmp_path / "big.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("extra", [[], ["--format", "json"], ["--explain"]])
def test_reader_that_stops_early_is_quiet(tmp_path: Path, extra: list[str]) -> None:
    """``oomcfg render x | head -1``: no BrokenPipeError, no message, exit 4."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "oomcfg", "render", str(big_profile(tmp_path)), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # the reader goes away, like head -1
    err = proc.stderr.read()
    proc.stderr.close()
    assert (proc.wait(timeout=60), err, first != b"") == (4, b"", True)


@pytest.mark.parametrize(("args", "code"), [
    (["render", "/nonexistent/p.yaml"], 3), (["lint", "/nonexistent/p.yaml"], 3),
    (["render", PRESET], 0), (["rules", "OC9999"], 2),
])
def test_closed_stderr_keeps_the_exit_code(args: list[str], code: int) -> None:
    assert run_closed(args, 2).returncode == code


def test_full_stderr_keeps_the_exit_code() -> None:
    with Path("/dev/full").open("wb") as full:
        done = run(["render", "/nonexistent/p.yaml"], stdout=subprocess.PIPE, stderr=full)
    assert done.returncode == 3


def test_closed_stdin_apply_does_not_crash(tmp_path: Path) -> None:
    """The confirmation check asks stdin.isatty(): a closed stdin is simply not a terminal."""
    done = run_closed(["apply", PRESET, "--root", str(tmp_path), "--no-live"], 0)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    assert (tmp_path / "etc/sysctl.d/90-oomcfg.conf").is_file()


# --- an output encoding that cannot show everything -------------------------------------------


def run_encoded(args: list[str], encoding: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    return run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)


def test_ascii_stdout_escapes_what_it_cannot_show(tmp_path: Path) -> None:
    """Was exit 70 (UnicodeEncodeError) for --explain of a profile with 'café'."""
    (tmp_path / "p.yaml").write_text('oomcfg: 1\ndescription: "café"\n'
                                     "sysctl: {vm.swappiness: 10}\n", encoding="utf-8")
    done = run_encoded(["render", "--explain", "p.yaml"], "ascii", tmp_path)
    assert (done.returncode, done.stderr) == (0, b"")
    assert b"vm.swappiness = 10" in done.stdout


def test_ascii_stdout_with_a_non_utf8_file_name(tmp_path: Path) -> None:
    name = os.fsdecode(b"bad\xff.service")
    (tmp_path / name).write_text("[Service]\nOOMScoreAdjust=abc\n")
    done = run_encoded(["lint", name], "ascii", tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith(b"bad\\udcff.service:2:1: error[OC144]")


def test_strict_utf8_stdout_writes_a_non_utf8_file_name_as_its_bytes(tmp_path: Path) -> None:
    """Was exit 70 in a UTF-8 locale whose stdout errors are 'strict' (en_US.UTF-8)."""
    name = os.fsdecode(b"bad\xff.service")
    (tmp_path / name).write_text("[Service]\nOOMScoreAdjust=abc\n")
    done = run_encoded(["lint", name], "utf-8:strict", tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith(b"bad\xff.service:2:1: error[OC144]")


def test_ctrl_c_while_the_cli_is_imported_is_exit_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A SIGINT can land while Typer is still importing; the shell convention is 128 + 2."""
    from oomcfg import entry

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(entry, "_import_cli_quietly", interrupted)
    monkeypatch.setattr("sys.argv", ["oomcfg", "lint", "profiles"])
    assert entry.main() == 130
    assert capsys.readouterr().err == ""
