"""Reporters: text, JSON, GitHub workflow commands and SARIF 2.1.0, from the same findings."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from oomcfg.diagnostics import Diagnostic, Position, Severity
from oomcfg.lint.catalog import rule_docs
from oomcfg.report import Summary, render_report

BASE = Path("/srv/repo")
FINDINGS = [
    Diagnostic("OC101", "vm.panic_on_oom = 1 panics", Position("/srv/repo/p.yaml", 4, 20),
               Severity.ERROR, "panic-on-oom-without-reboot", "set kernel.panic"),
    Diagnostic("OC107", "dump off, 100% sure: yes", Position("/srv/repo/sub dir/q.yaml", 5, 1),
               Severity.WARNING, "oom-dump-tasks-off"),
    Diagnostic("OC303", "cannot read: gone", Position("/elsewhere/x.service"),
               Severity.ERROR, "file-unreadable"),
    Diagnostic("OC122", "note\nwith a line break", Position("/srv/repo/p.yaml", 9, 3),
               Severity.INFO, "critical-oom-policy-continue"),
]  # fmt: skip
SUMMARY = Summary(files=2, skipped=(("/srv/repo/README", "not a profile"),))


def render(fmt: str) -> str:
    return render_report(fmt, FINDINGS, rule_docs(), SUMMARY, BASE)


def test_text_is_one_sorted_line_per_finding_and_a_summary() -> None:
    assert render("text").splitlines() == [
        "/srv/repo/p.yaml:4:20: error[OC101] vm.panic_on_oom = 1 panics; set kernel.panic "
        "(panic-on-oom-without-reboot)",
        "/srv/repo/sub dir/q.yaml:5:1: warning[OC107] dump off, 100% sure: yes "
        "(oom-dump-tasks-off)",
        "/elsewhere/x.service: error[OC303] cannot read: gone (file-unreadable)",
        "/srv/repo/p.yaml:9:3: info[OC122] note\\nwith a line break (critical-oom-policy-continue)",
        "2 error(s), 1 warning(s), 1 note(s) in 2 file(s) (1 skipped)",
    ]


def test_json_has_the_documented_stable_structure() -> None:
    doc = json.loads(render("json"))
    assert doc["version"] == 1
    assert doc["findings"][0] == {
        "path": "/srv/repo/p.yaml", "line": 4, "col": 20, "severity": "error",
        "code": "OC101", "slug": "panic-on-oom-without-reboot",
        "message": "vm.panic_on_oom = 1 panics", "hint": "set kernel.panic",
    }  # fmt: skip
    assert doc["summary"] == {
        "errors": 2, "warnings": 1, "notes": 1, "files": 2,
        "skipped": [{"path": "/srv/repo/README", "reason": "not a profile"}], "unreadable": [],
    }  # fmt: skip


def test_github_workflow_commands_escape_data_and_properties() -> None:
    assert render("github").splitlines() == [
        "::error file=/srv/repo/p.yaml,line=4,col=20,title=OC101 panic-on-oom-without-reboot"
        "::vm.panic_on_oom = 1 panics (set kernel.panic)",
        "::warning file=/srv/repo/sub dir/q.yaml,line=5,col=1,title=OC107 oom-dump-tasks-off"
        "::dump off, 100%25 sure: yes",
        "::error file=/elsewhere/x.service,title=OC303 file-unreadable::cannot read: gone",
        "::notice file=/srv/repo/p.yaml,line=9,col=3,title=OC122 critical-oom-policy-continue"
        "::note%0Awith a line break",
    ]


def sarif() -> dict[str, object]:
    return json.loads(render("sarif"))  # type: ignore[no-any-return]


def test_sarif_validates_against_the_official_schema() -> None:
    """Full validation when .ci sets OOMCFG_SARIF_SCHEMA; structural checks always."""
    log = sarif()
    schema_path = os.environ.get("OOMCFG_SARIF_SCHEMA")
    if schema_path:
        import jsonschema

        schema = json.loads(Path(schema_path).read_text())
        jsonschema.validate(log, schema, cls=jsonschema.Draft4Validator)
    assert log["version"] == "2.1.0"
    assert str(log["$schema"]).endswith("sarif-2.1.0.json")


def test_sarif_results_have_rule_ids_relative_uris_regions_and_fingerprints() -> None:
    run = sarif()["runs"][0]  # type: ignore[index]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    first, second, outside, note = run["results"]
    assert first["ruleId"] == "OC101" and rules[first["ruleIndex"]] == "OC101"
    assert first["level"] == "error" and note["level"] == "note"
    location = first["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "p.yaml", "uriBaseId": "SRCROOT"},
        "region": {"startLine": 4, "startColumn": 20},
    }
    assert (
        second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sub%20dir/q.yaml"
    )
    assert outside["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "file:///elsewhere/x.service"}
    }
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == "file:///srv/repo/"
    prints = [r["partialFingerprints"]["oomcfgFindingHash/v1"] for r in run["results"]]
    assert len(set(prints)) == 4 and all(re.fullmatch(r"[0-9a-f]{32}:1", p) for p in prints)


def test_sarif_fingerprints_survive_a_line_move() -> None:
    moved = [
        FINDINGS[0].__class__(
            **{**_fields(FINDINGS[0]), "pos": Position("/srv/repo/p.yaml", 40, 2)}
        )
    ]
    a = json.loads(render_report("sarif", FINDINGS[:1], rule_docs(), SUMMARY, BASE))
    b = json.loads(render_report("sarif", moved, rule_docs(), SUMMARY, BASE))
    fp = "partialFingerprints"
    assert a["runs"][0]["results"][0][fp] == b["runs"][0]["results"][0][fp]


def _fields(d: Diagnostic) -> dict[str, object]:
    return {k: getattr(d, k) for k in ("code", "message", "pos", "severity", "slug", "hint")}


@pytest.mark.parametrize("code", ["OC101", "OC146", "OC201", "OC251", "OC020", "OC004", "OC301"])
def test_sarif_rule_metadata_comes_from_the_rule_docs(code: str) -> None:
    driver = sarif()["runs"][0]["tool"]["driver"]  # type: ignore[index]
    rule = next(r for r in driver["rules"] if r["id"] == code)
    doc = rule_docs()[code]
    assert rule["name"] == doc.slug
    assert rule["shortDescription"]["text"] == doc.summary
    assert rule["help"]["text"] == (doc.doc or doc.summary)
    if code.startswith("OC1"):
        assert "Bad" in rule["help"]["text"] and "Source:" in rule["help"]["text"]


def test_sarif_fingerprints_tell_identical_messages_in_one_file_apart() -> None:
    """GitHub merges results that share a fingerprint: the nth repeat gets its own."""
    same = [
        Diagnostic("OC205", "line is not valid UTF-8", Position("/srv/repo/b.service", line, 1),
                   Severity.ERROR, "unit-invalid-utf8")
        for line in (3, 7, 9)
    ]  # fmt: skip
    results = json.loads(render_report("sarif", same, rule_docs(), SUMMARY, BASE))["runs"][0]
    prints = [r["partialFingerprints"]["oomcfgFindingHash/v1"] for r in results["results"]]
    assert len(set(prints)) == 3
    assert [p.rsplit(":", 1)[1] for p in prints] == ["1", "2", "3"]
    assert len({p.rsplit(":", 1)[0] for p in prints}) == 1  # still independent of the line


def test_github_properties_escape_percent_cr_lf_colon_and_comma() -> None:
    """actions/toolkit escapeProperty: % \\r \\n : , in file= and title=; the message keeps : ,."""
    odd = Diagnostic("OC101", "a: b, 50%\r\nnext", Position("/srv/repo/a:b,c%d\r\ne.yaml", 2, 3),
                     Severity.ERROR, "panic-on-oom-without-reboot")  # fmt: skip
    assert render_report("github", [odd], rule_docs(), SUMMARY, BASE) == (
        "::error file=/srv/repo/a%3Ab%2Cc%25d%0D%0Ae.yaml,line=2,col=3,"
        "title=OC101 panic-on-oom-without-reboot::a: b, 50%25%0D%0Anext\n"
    )


def test_sarif_names_no_invented_project_url() -> None:
    """informationUri is optional: the project has no public home to point to."""
    driver = sarif()["runs"][0]["tool"]["driver"]  # type: ignore[index]
    assert "informationUri" not in driver
    assert driver["name"] == "oomcfg"


def test_sarif_uris_are_the_linted_paths_not_symlink_targets(tmp_path: Path) -> None:
    """A repository directory that is a symlink keeps its in-repo URI, as in the text format."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "units").symlink_to(tmp_path / "outside")
    finding = Diagnostic("OC140", "MemoryLimit= is deprecated",
                         Position(str(tmp_path / "repo" / "units" / "a.service"), 2, 1),
                         Severity.WARNING, "deprecated-directive")  # fmt: skip
    log = json.loads(render_report("sarif", [finding], rule_docs(), SUMMARY, tmp_path / "repo"))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "units/a.service", "uriBaseId": "SRCROOT"}
