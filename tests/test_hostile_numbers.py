"""Numbers that are not what ``str.isdigit()`` and ``int()`` expect, in every reader.

``'²'.isdigit()`` is true but ``int('²')`` raises; ``int()`` refuses more than
4,300 digits; ``float('9' * 400)`` is infinity, whose ``int()`` raises. Such
text can sit in a pidfile, a hand-written unit or sysctl.d file, a ``--proc``
fixture or ``systemctl`` output. Each case here was an exit 70 (or a value
silently rounded) before its fix; now it is a finding or "cannot read".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from probe_tree import build_host_root
from typer.testing import CliRunner

from oomcfg.cli import app
from oomcfg.lint.values import parse_c_int, parse_unit_size
from oomcfg.liveparse import (
    UnitProps,
    decimal,
    parse_btime,
    parse_mem_total,
    parse_pid_list,
    parse_pidfile,
    parse_start_ticks,
    parse_uptime,
)
from oomcfg.model import Size

HUGE = "9" * 5000  # over int()'s 4,300-digit limit


def lint(tmp_path: Path, files: dict[str, str]) -> tuple[int, str, str]:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    result = CliRunner().invoke(app, ["lint", str(tmp_path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


# --- lint: unit files and sysctl.d files -------------------------------------------------------


@pytest.mark.parametrize("line", [
    f"OOMScoreAdjust={HUGE}", f"MemoryMax={'9' * 400}", f"MemoryHigh={'9' * 400}K",
    f"MemoryLow={HUGE}%", "MemorySwapMax=18446744073709551616",
])
def test_lint_unit_value_too_big_for_systemd(tmp_path: Path, line: str) -> None:
    """Was exit 70: ValueError (int) or OverflowError (float infinity)."""
    code, out, err = lint(tmp_path, {"a.service": f"[Service]\n{line}\n"})
    assert (code, err) == (1, "")
    assert f"a.service:2:1: error[OC144] {line} is rejected by systemd" in out


@pytest.mark.parametrize("line", [
    f"vm.min_free_kbytes = {HUGE}", f"kernel.panic = -{HUGE}", f"vm.panic_on_oom = 0{HUGE}",
    "vm.swappiness = 0\u00b2",
])
def test_lint_sysctl_value_beyond_any_range(tmp_path: Path, line: str) -> None:
    code, out, err = lint(tmp_path, {"sysctl.d/a.conf": line + "\n"})
    assert (code, err) == (1, "")
    assert out.startswith(f"{tmp_path}/sysctl.d/a.conf:1:1: error[")


def test_lint_long_octal_is_still_named_octal(tmp_path: Path) -> None:
    code, out, _ = lint(tmp_path, {"sysctl.d/a.conf": f"vm.panic_on_oom = 0{'9' * 30}\n"})
    assert code == 1
    assert ("error[OC145] vm.panic_on_oom = 0" + "9" * 30 + " is rejected (8 and 9 are not "
            "octal digits): a leading 0 means octal, 0x hex; write plain decimal "
            "(octal-or-hex-number)") in out


@pytest.mark.parametrize(("text", "size"), [
    ("18446744073709551615", Size("bytes", (1 << 64) - 1)),  # a float made this 2^64
    ("16E", None),  # 2^64: systemd's parse_size() says ERANGE
    ("1.5G", Size("bytes", 3 << 29)),
    ("0.5K", Size("bytes", 512)),
    ("9" * 400, None),
    ("\u00b2K", None),
])
def test_unit_sizes_are_exact_and_bounded(text: str, size: Size | None) -> None:
    assert parse_unit_size(text) == size


def test_c_int_saturates_instead_of_raising() -> None:
    assert parse_c_int(HUGE) == 1 << 64
    assert parse_c_int("-" + HUGE) == -(1 << 64)
    assert parse_c_int("0x" + "f" * 5000) == 1 << 64


# --- validate: /proc, pidfiles, systemctl output -----------------------------------------------


@pytest.mark.parametrize("text", ["\u00b2", "\u0663", HUGE, "", "-1", "1.0", "+1"])
def test_decimal_is_ascii_and_bounded(text: str) -> None:
    assert decimal(text) is None


def test_decimal_reads_u64() -> None:
    assert decimal("18446744073709551615") == (1 << 64) - 1


@pytest.mark.parametrize(("parse", "text"), [
    (parse_pidfile, f"{HUGE}\n"), (parse_pidfile, "\u00b2\n"), (parse_pidfile, "0\n"),
    (parse_btime, "cpu 1\nbtime \n"), (parse_btime, f"btime {HUGE}\n"),
    (parse_mem_total, "MemTotal: \u00b2 kB\n"), (parse_uptime, "inf 1\n"),
    (parse_uptime, "nan 1\n"), (parse_start_ticks, "1 (a) S" + " 1" * 18 + " \u00b2\n"),
])
def test_live_parsers_answer_none(parse: object, text: str) -> None:
    assert callable(parse)
    assert parse(text) is None


def test_pid_list_skips_what_is_not_a_pid() -> None:
    assert parse_pid_list(f"12\n\u00b2\n{HUGE}\n34\n") == [12, 34]


def test_main_pid_of_garbage_is_zero() -> None:
    assert UnitProps("a.service", {"MainPID": "\u00b2"}).main_pid == 0


def validate(root: Path, tmp_path: Path) -> tuple[int, str, str]:
    profile = tmp_path / "p.yaml"
    profile.write_text("oomcfg: 1\nservices:\n"
                       "  mydb: {unit: mydb.service, oom_score_adj: -500,"
                       " init: {pidfile: /run/mydb.pid}}\n"
                       "  worker: {unit: worker.service, oom_score_adj: 300,"
                       " init: {comm: worker}}\n")
    result = CliRunner().invoke(app, ["validate", str(profile), "--root", str(root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_validate_with_a_pidfile_of_5000_digits(tmp_path: Path) -> None:
    """Was exit 70 on a real host: int() of the pidfile's 5,000 digits."""
    root = build_host_root(tmp_path)
    (root / "run/mydb.pid").write_text(HUGE + "\n")
    code, out, _ = validate(root, tmp_path)
    assert code == 1
    assert out.startswith("mydb: not-running[OV030]: expected running, actual not running\n"
                          "  cause: no live process found by pidfile /run/mydb.pid\n")


def test_validate_with_a_proc_entry_named_by_a_superscript(tmp_path: Path) -> None:
    """Was exit 70 with a --proc fixture holding proc/² ('²'.isdigit() is true)."""
    root = build_host_root(tmp_path)
    (root / "proc" / "\u00b2").mkdir()
    (root / "proc" / "\u00b2" / "oom_score_adj").write_text("0\n")
    code, out, _ = validate(root, tmp_path)
    assert code == 1
    assert "worker pid 78 (worker): drift[OV020]" in out
