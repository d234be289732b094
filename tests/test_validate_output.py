"""validate's renderings: plain text, the documented JSON, and the terminal table."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from validate_state import ALL, live, profile, svc

from oomcfg.findings import CODES, Finding, Report
from oomcfg.liveparse import ProcInfo
from oomcfg.validate import validate
from oomcfg.validate_output import render_json, render_text, report_dict, write_table

DOC = Path(__file__).parent.parent / "docs" / "validate.md"


def test_json_structure_is_the_documented_one() -> None:
    procs = {"db.service": [ProcInfo(45, 0, 2000.0, "sleep")]}
    report = validate(profile(svc("db.service", -700)), live(processes=procs), ALL)
    data = json.loads(render_json(report))
    assert set(data) == {"version", "exit_code", "summary", "findings", "instances"}
    assert data["version"] == 1 and data["exit_code"] == 1
    assert data["summary"] == {"checked": 1, "drift": 1, "not_running": 0, "unknown": 0}
    (item,) = data["findings"]
    assert set(item) == {
        "code", "slug", "status", "kind", "object", "expected", "actual", "cause", "fix",
        "file", "pid",
    }  # fmt: skip
    assert (item["code"], item["slug"], item["kind"], item["pid"]) == (
        "OV021", "process-adj-not-applied-no-cap-sys-resource", "process", 45,
    )  # fmt: skip


def test_every_json_field_is_documented() -> None:
    # A field a script may read must be in docs/validate.md's field table.
    procs = {"db.service": [ProcInfo(45, 0, 2000.0, "sleep")]}
    data = report_dict(validate(profile(svc("db.service", -700)), live(processes=procs), ALL))
    doc = DOC.read_text()
    names = [*data, *data["summary"], *data["findings"][0]]
    # `summary.checked`, `findings[].code`, `.slug`: the name opens or ends a field path.
    assert [n for n in names if f"`{n}" not in doc and f".{n}`" not in doc] == []


def test_text_output_names_object_code_values_cause_and_fix() -> None:
    procs = {"db.service": [ProcInfo(45, 0, 2000.0, "sleep")]}
    text = render_text(validate(profile(svc("db.service", -700)), live(processes=procs), ALL))
    lines = text.splitlines()
    assert lines[0] == "db.service pid 45 (sleep): drift[OV021]: expected -700, actual 0"
    assert lines[1].startswith("  cause: systemd is configured with OOMScoreAdjust=-700")
    assert lines[2].startswith("  fix:   grant CAP_SYS_RESOURCE")
    assert lines[3] == "validate: DRIFT: 1 checked, 1 drift, 0 not running, 0 cannot check"


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_is_documented(code: str) -> None:
    doc = DOC.read_text()
    assert f"`{code}`" in doc and CODES[code] in doc


def test_terminal_table_never_cuts_the_object_or_the_values_on_80_columns() -> None:
    # The object says what drifted: a cut "kernel.panic_on_o…" names nothing.
    # (A name longer than the column folds onto a second line, still uncut.)
    findings = (
        Finding("OV002", "drift", "sysctl", "kernel.panic_on_oops", "1", "0", "x " * 60, "y"),
        Finding("OV010", "drift", "unit", "webapp-worker@12.service MemoryMax", "1G", "768M",
                "z " * 40, "w"),
        Finding("OV010", "drift", "unit", "w@1.service ManagedOOMMemoryPressureLimit" + "x" * 30,
                "42%", "42.50%", "z", "w"),
    )  # fmt: skip
    out = io.StringIO()
    write_table(Report(findings, 2), out)  # not a tty: rich's default width, 80
    text = out.getvalue()
    assert "…" not in text
    for f in findings[:2]:
        assert f.object in text and f" {f.actual} " in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_terminal_table_makes_only_the_object_bold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich: colours as on a terminal
    finding = Finding("OV002", "drift", "sysctl", "vm.swappiness", "10", "60", "it changed", "fix")
    out = io.StringIO()
    write_table(Report((finding,), 1), out)
    lines = out.getvalue().splitlines()
    assert any("\x1b[1mvm.swappiness" in line for line in lines)
    (cause,) = [line for line in lines if "it changed" in line]
    assert "\x1b[1m" not in cause


def test_terminal_table_shows_text_literally_and_the_summary() -> None:
    finding = Finding("OV010", "drift", "unit", "x.service OOMPolicy", "kill", "stop",
                      "[Service] in 99-local.conf wins", "fix it")  # fmt: skip
    out = io.StringIO()
    write_table(Report((finding,), 1), out)
    text = out.getvalue()
    assert "[Service] in" in text  # literal, not swallowed as markup
    assert text.rstrip().endswith(
        "validate: DRIFT: 1 checked, 1 drift, 0 not running, 0 cannot check"
    )
