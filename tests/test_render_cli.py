"""`oomcfg render` as a user runs it: (exit code, stdout, stderr) together, real files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oomcfg.cli import app

REPO = Path(__file__).resolve().parent.parent
BASE = str(REPO / "profiles/base-server.yaml")
GOLDEN_BASE = REPO / "tests/golden/base-server/tree"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["render", *args])
    return result.exit_code, result.stdout, result.stderr


def golden_files() -> dict[str, str]:
    return {p.relative_to(GOLDEN_BASE).as_posix(): p.read_text()
            for p in sorted(GOLDEN_BASE.rglob("*")) if p.is_file()}


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def bad_profile(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "oomcfg: 1\n"
        "services:\n"
        "  web: {unit: nginx.srvice, tier: critical}\n"
        "  db: {unit: db.service, oom_score_adj: 1001}\n"
    )
    return path


def test_prints_every_file_after_a_header_naming_its_path() -> None:
    code, out, err = run(BASE)
    expected = "\n".join(f"==> {path} <==\n{text}" for path, text in golden_files().items())
    assert (code, out, err) == (0, expected, "")


def test_out_writes_the_tree_into_a_new_directory(tmp_path: Path) -> None:
    out_dir = tmp_path / "not" / "yet" / "there"
    code, out, err = run(BASE, "--out", str(out_dir))
    assert (code, out, err) == (0, f"wrote 6 file(s) under {out_dir}\n", "")
    assert tree(out_dir) == golden_files()
    assert {oct(p.stat().st_mode & 0o777) for p in out_dir.rglob("*.conf")} == {"0o644"}


def test_json_manifest_hashes_match_the_written_bytes(tmp_path: Path) -> None:
    code, out, err = run(BASE, "--format", "json", "--out", str(tmp_path))
    assert (code, err) == (0, "")
    manifest = json.loads(out)
    assert [m["path"] for m in manifest] == list(golden_files())
    for entry in manifest:
        assert set(entry) == {"path", "mode", "kind", "unit", "sha256", "content"}
        data = (tmp_path / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["content"].encode() == data
        assert entry["mode"] == "0644"
    kinds = {(m["kind"], m["unit"]) for m in manifest}
    assert ("sysctl", None) in kinds and ("systemd", "ssh.service") in kinds


def test_bad_profile_reports_every_problem_exit_3_and_writes_nothing(
    bad_profile: Path, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    (out_dir / "etc").mkdir(parents=True)
    (out_dir / "etc" / "keep").write_text("before\n")
    code, out, err = run(str(bad_profile), "--out", str(out_dir))
    assert (code, out) == (3, "")
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith(f"{bad_profile}:3:") and "error[OC040]" in lines[0]
    assert "'.srvice'" in lines[0]
    assert lines[1].startswith(f"{bad_profile}:4:") and "1001" in lines[1]
    assert tree(out_dir) == {"etc/keep": "before\n"}


def test_unknown_target_is_a_usage_error_listing_the_valid_ones(bad_profile: Path) -> None:
    code, out, err = run(str(bad_profile), "--only", "systemd,bogus")
    assert (code, out) == (2, "")
    assert err.startswith("oomcfg: unknown render target(s) bogus; valid targets: systemd, sysctl")


def test_only_sysctl(tmp_path: Path) -> None:
    code, out, err = run(BASE, "--only", "sysctl", "--out", str(tmp_path))
    assert (code, out, err) == (0, f"wrote 1 file(s) under {tmp_path}\n", "")
    assert list(tree(tmp_path)) == ["etc/sysctl.d/90-oomcfg.conf"]


def test_older_systemd_notes_go_to_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the notes name the profile as given on the command line
    code, out, err = run("profiles/desktop-oomd.yaml", "--systemd-version", "247")
    assert code == 0
    assert "ManagedOOMMemoryPressureLimitPercent=50%" in out
    assert err == (REPO / "tests/golden/desktop-oomd-systemd-247/notes.txt").read_text()


def test_explain_names_the_file_line_and_column_of_each_value(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("oomcfg: 1\nextends: [base-server]\nservices:\n  sshd: {tier: protected}\n")
    code, out, err = run(str(site), "--explain", "--out", str(tmp_path / "o"))
    assert (code, err) == (0, "")
    assert f"{site}:4:16: services.sshd.tier = protected (oom_score_adj -500)\n" in out
    assert f"{BASE}:34:17: sysctl.kernel.panic = 10\n" in out


def test_explain_with_json_is_refused() -> None:
    assert run(BASE, "--explain", "--format", "json") == (
        2, "", "oomcfg: --explain is a text report; use it without --format json\n")


def test_refuses_to_write_through_a_symlink(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "etc").symlink_to(elsewhere)
    code, out, err = run(BASE, "--out", str(out_dir))
    assert (code, out) == (4, "")
    assert err == (f"oomcfg: refusing to write through {out_dir}/etc: "
                   "it is a symlink or not a directory\n")
    assert list(elsewhere.iterdir()) == []


def test_a_rewrite_replaces_its_own_files_but_no_symlink_or_foreign_file(
        tmp_path: Path) -> None:
    assert run(BASE, "--out", str(tmp_path))[0] == 0
    assert run(BASE, "--out", str(tmp_path))[0] == 0  # its own files: replaced
    secret = tmp_path / "secret"
    secret.write_text("untouched\n")
    conf = tmp_path / "etc/sysctl.d/90-oomcfg.conf"
    conf.unlink()
    conf.symlink_to(secret)
    stale = tmp_path / "etc/systemd/system/ssh.service.d/50-oomcfg.conf"
    stale.write_text("stale\n")
    code, _out, err = run(BASE, "--out", str(tmp_path))
    assert code == 4
    assert f"{conf} (a symlink)" in err and f"{stale} (no oomcfg marker line)" in err
    assert secret.read_text() == "untouched\n"  # never followed
    assert conf.is_symlink() and stale.read_text() == "stale\n"  # never replaced
    conf.unlink()
    stale.unlink()
    assert run(BASE, "--out", str(tmp_path))[:3:2] == (0, "")
    written = tree(tmp_path)
    del written["secret"]
    assert written == golden_files()


def test_every_selected_targets_problems_are_reported_in_one_run(tmp_path: Path) -> None:
    # Neither service gives init.command, which runit and supervisord both need: four
    # problems, sorted by position, from both targets -- not only runit's two.
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nservices:\n"
        "  web:\n    unit: nginx.service\n    tier: expendable\n"
        "    init:\n      compose_service: web\n"
        "  db:\n    unit: db.service\n    tier: protected\n    init:\n      name: db\n"
    )
    out_dir = tmp_path / "out"
    code, out, err = run(str(profile), "--only", "runit,supervisord", "--out", str(out_dir))
    need = (
        "starts the daemon itself, so services.{0}.init.command (its argv) is required "
        "(e.g. services.{0}.init.command: [/usr/sbin/daemon, --foreground])"
    )
    expected = "".join(
        f"{profile}:{where}: error[OC082]: {target} {need.format(svc)}\n"
        for where, svc in (("7:24", "web"), ("12:13", "db"))
        for target in ("runit", "supervisord")
    )
    assert (code, out, err) == (3, "", expected)
    assert not out_dir.exists()


def test_a_target_without_problems_does_not_hide_another_targets_problems(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nservices:\n  web:\n    unit: nginx.service\n    tier: expendable\n"
        "    init:\n      compose_service: web\n"
    )
    code, out, err = run(str(profile), "--only", "systemd,supervisord,upstart")
    assert (code, out) == (3, "")
    assert err.splitlines() == [
        f"{profile}:7:24: error[OC082]: supervisord starts the daemon itself, so "
        "services.web.init.command (its argv) is required (e.g. services.web.init.command: "
        "[/usr/sbin/daemon, --foreground])"
    ]
