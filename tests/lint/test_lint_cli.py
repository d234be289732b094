"""`oomcfg lint`, `oomcfg rules`, `oomcfg schema` end to end: (exit code, stdout, stderr)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from lintcheck import HEADER, write_tree
from typer.testing import CliRunner

from oomcfg.cli import app
from oomcfg.lint import RULES
from oomcfg.resources import profiles_dir

PANIC = HEADER + "sysctl:\n  vm.panic_on_oom: 1\n"


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args))
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def test_findings_exit_1_with_the_text_format(tmp_path: Path) -> None:
    write_tree(tmp_path, {"p.yaml": PANIC})
    assert run("lint", "p.yaml", cwd=tmp_path) == (
        1,
        "p.yaml:4:20: error[OC101] vm.panic_on_oom = 1 panics on OOM, but kernel.panic is "
        "unset (0): the host hangs instead of rebooting; set kernel.panic to the seconds to "
        "wait before rebooting, e.g. 10 (panic-on-oom-without-reboot)\n"
        "1 error(s), 0 warning(s), 0 note(s) in 1 file(s)\n",
        "",
    )


def test_clean_input_exits_0_and_says_what_was_skipped(tmp_path: Path) -> None:
    write_tree(tmp_path, {"p.yaml": HEADER, "notes.txt": "x\n", "other.yaml": "a: 1\n"})
    code, out, err = run("lint", ".", cwd=tmp_path)
    assert (code, out) == (0, "0 error(s), 0 warning(s), 0 note(s) in 1 file(s) (1 skipped)\n")
    assert err == (
        "oomcfg: skipped other.yaml: YAML without a top-level 'oomcfg:' key (not a profile)\n"
        "oomcfg: skipped 1 other file(s) that are not profiles, units or sysctl\n"
    )


def test_unreadable_input_exits_3(tmp_path: Path) -> None:
    code, out, err = run("lint", "missing.service", cwd=tmp_path)
    assert code == 3
    assert out.startswith("missing.service: error[OC303] cannot read: no such file or directory")
    assert err == "oomcfg: cannot read missing.service: no such file or directory\n"


def test_strict_fails_on_warnings_and_json_is_parseable(tmp_path: Path) -> None:
    write_tree(tmp_path, {"p.yaml": HEADER + "sysctl:\n  vm.oom_dump_tasks: 0\n"})
    assert run("lint", "p.yaml", cwd=tmp_path)[0] == 0
    code, out, err = run("lint", "--strict", "--format", "json", "p.yaml", cwd=tmp_path)
    assert (code, err) == (1, "")
    assert [f["code"] for f in json.loads(out)["findings"]] == ["OC107"]


def test_github_format(tmp_path: Path) -> None:
    write_tree(tmp_path, {"p.yaml": PANIC})
    code, out, _ = run("lint", "--format", "github", "p.yaml", cwd=tmp_path)
    assert code == 1
    assert out.startswith("::error file=p.yaml,line=4,col=20,title=OC101 panic-on-oom-without")


def test_sarif_from_real_files_validates(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "p.yaml": PANIC,
        "units/a.service": "[Service]\nOOMScoreAdjust=010\n[Bad\n",
        "sysctl.d/1.conf": "vm.swappiness = \"10\"\n",
    })  # fmt: skip
    code, out, _ = run("lint", "--format", "sarif", ".", cwd=tmp_path)
    log = json.loads(out)
    schema_path = os.environ.get("OOMCFG_SARIF_SCHEMA")
    if schema_path:
        import jsonschema

        schema = json.loads(Path(schema_path).read_text())
        jsonschema.validate(log, schema, cls=jsonschema.Draft4Validator)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert code == 1 and uris == {"p.yaml", "units/a.service", "sysctl.d/1.conf"}


def test_systemd_version_option(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.service": "[Service]\nOOMPolicy=stop\n"})
    assert run("lint", "a.service", cwd=tmp_path)[0] == 0
    code, out, _ = run("lint", "--systemd-version", "240", "a.service", cwd=tmp_path)
    assert code == 1 and "error[OC132] OOMPolicy= is unknown to systemd 240" in out


def test_config_option(tmp_path: Path) -> None:
    write_tree(tmp_path, {"p.yaml": PANIC, "lint.yaml": "disable: [OC101]\n"})
    assert run("lint", "--config", "lint.yaml", "p.yaml", cwd=tmp_path)[0] == 0
    code, _, err = run("lint", "--config", "nope.yaml", "p.yaml", cwd=tmp_path)
    assert (code, err) == (
        3, "oomcfg: lint configuration nope.yaml cannot be read: No such file or directory\n")


def test_shipped_presets_lint_clean_with_strict() -> None:
    code, out, _err = run("lint", "--strict", str(profiles_dir()))
    assert code == 0, out
    assert " 0 error(s), 0 warning(s)" in " " + out.splitlines()[-1]


def test_rules_lists_every_rule_in_registry_order() -> None:
    code, out, err = run("rules")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [r.code for r in RULES]
    assert len(RULES) >= 20
    assert lines[0].split()[1:3] == ["panic-on-oom-without-reboot", "error"]


@pytest.mark.parametrize("name", ["OC142", "dropin-overrides-oomcfg", "oc142"])
def test_rules_explains_one_by_code_or_slug(name: str) -> None:
    code, out, err = run("rules", name)
    assert (code, err) == (0, "")
    assert out.startswith("OC142 dropin-overrides-oomcfg (default severity: error)\n\n")
    assert "Bad::" in out and "Good::" in out and "Source: systemd.unit(5)" in out


def test_rules_explains_parser_codes_and_rejects_unknown_ones() -> None:
    assert run("rules", "OC201")[1].startswith("OC201 unit-invalid-section-header")
    assert run("rules", "OC999") == (
        2,
        "",
        "oomcfg: unknown rule 'OC999'; 'oomcfg rules' lists them\n",
    )


def test_every_rule_documents_rationale_examples_and_source() -> None:
    for rule in RULES:
        doc = rule.doc()
        assert rule.code.startswith("OC1") and rule.slug == rule.slug.lower(), rule
        assert "Bad" in doc and "Good" in doc and "Source:" in doc, rule.code
        assert len(doc.split("\n\n")) >= 4, rule.code


def test_schema_prints_the_profile_json_schema() -> None:
    code, out, err = run("schema")
    schema = json.loads(out)
    assert (code, err) == (0, "")
    assert schema["type"] == "object" and "services" in schema["properties"]


def test_the_printed_schema_accepts_every_shipped_preset() -> None:
    """What an editor gets from `oomcfg schema` (not only the function) validates the presets."""
    import jsonschema

    from oomcfg.yamlload import load_yaml, to_python

    validator = jsonschema.Draft202012Validator(json.loads(run("schema")[1]))
    presets = sorted(profiles_dir().glob("*.yaml"))
    assert len(presets) >= 5
    for preset in presets:
        root, diags = load_yaml(preset.read_bytes(), str(preset))
        assert root is not None and not diags, preset
        assert [e.message for e in validator.iter_errors(to_python(root))] == [], preset.name


def test_docs_list_every_rule_with_its_slug_and_severity() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "lint.md").read_text()
    for rule in RULES:
        assert f"| {rule.code} | `{rule.slug}` | {rule.severity.value} |" in doc, rule.code
