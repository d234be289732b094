"""apply on a temporary root: create, no-op, update, conflicts, purge, refusals, rollback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from apply_helpers import (
    MANIFEST,
    SYSCTL,
    CountingOps,
    dropin,
    identities,
    snapshot,
    sysctl,
)

from oomcfg.apply import KEEP_GENERATIONS, ApplyOptions, Outcome, run_apply
from oomcfg.errors import EnvironmentProblem, ExitCode
from oomcfg.host import Host
from oomcfg.model import RenderedFile
from oomcfg.rollback import run_rollback

WEB = dropin("web.service", 500)
DB = dropin("db.service", 300)
TUNE = sysctl(vm_swappiness=10)
FAST = ApplyOptions(lock_timeout=2)


def apply(
    root: Path,
    files: list[RenderedFile],
    *,
    force: bool = False,
    dry_run: bool = False,
    check: bool = False,
) -> Outcome:
    options = FAST._replace(force=force, dry_run=dry_run, check=check)
    return run_apply(Host(root), files, options)


def test_first_apply_writes_files_manifest_and_record_with_safe_modes(tmp_path: Path) -> None:
    outcome = apply(tmp_path, [WEB, DB, TUNE])
    assert outcome.exit_code == ExitCode.OK
    assert outcome.written == 5  # 3 files, record, manifest
    tree = snapshot(tmp_path)
    assert tree[WEB.path] == ("file", WEB.content.encode(), 0o644)
    assert tree["etc/systemd/system/web.service.d"][2] == 0o755
    assert tree[SYSCTL][1] == TUNE.content.encode()
    manifest = json.loads(tree[MANIFEST][1])
    assert manifest["generation"] == 1
    assert [row[0] for row in manifest["files"]] == sorted([WEB.path, DB.path, SYSCTL])
    assert "var/lib/oomcfg/generations/1.json" in tree
    assert not [p for p in tree if ".oomcfg-" in p]  # no temp file left behind
    notes = outcome.effects.notes
    assert notes == [
        f"root is {tmp_path}, not /: daemon-reload, sysctl writes and live adjustment skipped"
    ]


def test_second_apply_writes_nothing_at_all(tmp_path: Path) -> None:
    apply(tmp_path, [WEB, DB, TUNE])
    before, ids = snapshot(tmp_path), identities(tmp_path)
    ops = CountingOps()
    outcome = run_apply(Host(tmp_path, ops=ops), [WEB, DB, TUNE], FAST)
    assert outcome.plan.is_noop
    assert {c.action for c in outcome.plan.changes} == {"same"}
    assert outcome.plan.reloads == ()
    assert (outcome.written, outcome.exit_code) == (0, ExitCode.OK)
    assert ops.calls == []
    assert snapshot(tmp_path) == before
    assert identities(tmp_path) == ids


def test_changed_profile_updates_only_what_changed(tmp_path: Path) -> None:
    apply(tmp_path, [WEB, DB])
    untouched = identities(tmp_path)[DB.path]
    outcome = apply(tmp_path, [dropin("web.service", 700), DB])
    assert [(c.path, c.action) for c in outcome.plan.writes] == [(WEB.path, "update")]
    assert b"OOMScoreAdjust=700" in (tmp_path / WEB.path).read_bytes()
    assert identities(tmp_path)[DB.path] == untouched


def test_foreign_file_is_a_conflict_and_nothing_is_written(tmp_path: Path) -> None:
    theirs = tmp_path / WEB.path
    theirs.parent.mkdir(parents=True)
    theirs.write_text("[Service]\nOOMScoreAdjust=-900\n")
    before = snapshot(tmp_path)
    with pytest.raises(EnvironmentProblem) as caught:
        apply(tmp_path, [WEB, DB])
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert f"{WEB.path}: conflict: file exists without oomcfg's marker" in str(caught.value)
    assert "--force overrides conflicts" in str(caught.value)
    assert snapshot(tmp_path) == before


def test_force_overwrites_foreign_file_and_rollback_restores_it(tmp_path: Path) -> None:
    theirs = tmp_path / WEB.path
    theirs.parent.mkdir(parents=True)
    theirs.write_text("[Service]\nOOMScoreAdjust=-900\n")
    before = snapshot(tmp_path)
    outcome = apply(tmp_path, [WEB], force=True)
    assert outcome.plan.changes[0].forced
    assert outcome.effects.notes[0] == (
        f"--force replaced {WEB.path}; the previous content is kept in "
        "var/lib/oomcfg/generations/1.json and 'oomcfg rollback' puts it back"
    )
    assert theirs.read_bytes() == WEB.content.encode()
    result = run_rollback(Host(tmp_path), FAST)
    assert result.restored == ((WEB.path, "restored"),)
    assert theirs.read_text() == "[Service]\nOOMScoreAdjust=-900\n"
    after = snapshot(tmp_path)
    assert json.loads(after[MANIFEST][1]) == {"version": 2, "generation": 0, "files": []}
    assert {k: v for k, v in after.items() if not k.startswith("var")} == before


def test_hand_edited_managed_file_is_reported_not_clobbered(tmp_path: Path) -> None:
    apply(tmp_path, [WEB])
    target = tmp_path / WEB.path
    target.write_text(WEB.content + "MemoryMax=1G\n")
    with pytest.raises(EnvironmentProblem, match="managed file was edited since the last apply"):
        apply(tmp_path, [dropin("web.service", 600)])
    assert target.read_text().endswith("MemoryMax=1G\n")


def test_files_no_longer_produced_are_purged_with_their_empty_dir(tmp_path: Path) -> None:
    apply(tmp_path, [WEB, DB, TUNE])
    outcome = apply(tmp_path, [WEB, TUNE])
    assert [(c.path, c.action) for c in outcome.plan.writes] == [(DB.path, "remove")]
    assert not (tmp_path / "etc/systemd/system/db.service.d").exists()
    rows = json.loads((tmp_path / MANIFEST).read_text())["files"]
    assert DB.path not in [row[0] for row in rows]
    run_rollback(Host(tmp_path), FAST)
    assert (tmp_path / DB.path).read_bytes() == DB.content.encode()


def test_only_run_keeps_files_of_other_kinds(tmp_path: Path) -> None:
    apply(tmp_path, [WEB, TUNE])
    outcome = run_apply(Host(tmp_path), [WEB], FAST, kinds=["systemd"])
    assert outcome.plan.is_noop
    assert (tmp_path / SYSCTL).exists()


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("symlinked_dir", "web.service.d is a symlink"),
        ("symlinked_target", "50-oomcfg.conf: conflict: target is a symlink"),
        ("world_writable", "etc/systemd/system is world-writable"),
        ("foreign_owner", "etc/systemd is owned by uid 4242"),
        ("fifo_target", "target is not a regular file"),
        ("symlinked_state_dir", "var/lib is a symlink"),
    ],
)
def test_unsafe_targets_are_refused_and_nothing_is_written(
    tmp_path: Path, setup: str, expected: str
) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    outside.mkdir()
    unit_dir = root / "etc/systemd/system"
    unit_dir.mkdir(parents=True)
    target = root / WEB.path
    if setup == "symlinked_dir":
        target.parent.symlink_to(outside)
    elif setup == "symlinked_target":
        target.parent.mkdir()
        target.symlink_to(outside / "victim")
    elif setup == "world_writable":
        unit_dir.chmod(0o777)
    elif setup == "foreign_owner":
        os.chown(root / "etc/systemd", 4242, 4242)
    elif setup == "fifo_target":
        target.parent.mkdir()
        os.mkfifo(target)
    elif setup == "symlinked_state_dir":
        (root / "var").mkdir()
        (root / "var/lib").symlink_to(outside)
    before, outside_before = snapshot(root), snapshot(outside)
    with pytest.raises(EnvironmentProblem) as caught:
        apply(root, [WEB, DB], force=True)
    assert expected in str(caught.value)
    assert "nothing was written" in str(caught.value)
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert snapshot(root) == before
    assert snapshot(outside) == outside_before


def test_dry_run_and_check_write_nothing(tmp_path: Path) -> None:
    dry = apply(tmp_path, [WEB], dry_run=True)
    assert (dry.exit_code, dry.written) == (ExitCode.OK, 0)
    assert dry.plan.changes[0].action == "create"
    assert snapshot(tmp_path) == {}
    assert apply(tmp_path, [WEB], check=True).exit_code == ExitCode.FINDINGS
    assert snapshot(tmp_path) == {}
    apply(tmp_path, [WEB])
    assert apply(tmp_path, [WEB], check=True).exit_code == ExitCode.OK


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        '{"version": 2, "generation": 1, "files": [["etc/x.conf", "00", "420", "systemd", null]]}',
        '{"version": 2, "generation": 1, "files": {"etc/x.conf": ["00", 420, "systemd", null]}}',
    ],
)
def test_corrupt_manifest_is_an_environment_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "var/lib/oomcfg").mkdir(parents=True)
    (tmp_path / MANIFEST).write_text(text)
    before = snapshot(tmp_path)
    with pytest.raises(EnvironmentProblem, match="not a valid oomcfg manifest"):
        apply(tmp_path, [WEB])
    assert snapshot(tmp_path) == before


def test_a_root_managed_by_an_older_oomcfg_keeps_its_ownership(tmp_path: Path) -> None:
    # Version 1 manifests (one object per file) from earlier releases are read:
    # the files stay ours (same, no conflict), and the next write upgrades it.
    apply(tmp_path, [WEB, DB])
    rows = json.loads((tmp_path / MANIFEST).read_text())["files"]
    v1 = {path: {"sha256": d, "mode": m, "kind": k, "unit": u} for path, d, m, k, u in rows}
    (tmp_path / MANIFEST).write_text(json.dumps({"version": 1, "generation": 1, "files": v1}))
    assert apply(tmp_path, [WEB, DB]).plan.is_noop
    outcome = apply(tmp_path, [WEB])
    assert [(c.path, c.action) for c in outcome.plan.writes] == [(DB.path, "remove")]
    assert json.loads((tmp_path / MANIFEST).read_text())["version"] == 2


def test_rollback_walks_back_generation_by_generation(tmp_path: Path) -> None:
    fresh = snapshot(tmp_path)
    apply(tmp_path, [WEB])
    apply(tmp_path, [dropin("web.service", 900), TUNE])
    assert run_rollback(Host(tmp_path), FAST).generation == 1
    assert (tmp_path / WEB.path).read_bytes() == WEB.content.encode()
    assert not (tmp_path / SYSCTL).exists()
    result = run_rollback(Host(tmp_path), FAST)
    assert result.restored == ((WEB.path, "removed"),)
    assert not (tmp_path / "etc/systemd/system/web.service.d").exists()
    left = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("var")}
    assert left == {  # only the standard directories stay: no oomcfg file anywhere
        "etc": ("dir", b"", 0o755),
        "etc/systemd": ("dir", b"", 0o755),
        "etc/systemd/system": ("dir", b"", 0o755),
        "etc/sysctl.d": ("dir", b"", 0o755),
    }
    assert fresh == {}
    with pytest.raises(EnvironmentProblem, match="nothing to roll back"):
        run_rollback(Host(tmp_path), FAST)


def test_rollback_refuses_files_edited_since_the_apply(tmp_path: Path) -> None:
    apply(tmp_path, [WEB])
    (tmp_path / WEB.path).write_text("edited\n")
    with pytest.raises(EnvironmentProblem, match="changed since the last apply"):
        run_rollback(Host(tmp_path), FAST)
    assert (tmp_path / WEB.path).read_text() == "edited\n"
    run_rollback(Host(tmp_path), ApplyOptions(force=True))
    assert not (tmp_path / WEB.path).exists()


def test_old_generation_records_are_pruned(tmp_path: Path) -> None:
    for adj in range(KEEP_GENERATIONS + 3):
        apply(tmp_path, [dropin("web.service", adj)])
    records = sorted(os.listdir(tmp_path / "var/lib/oomcfg/generations"), key=lambda n: int(n[:-5]))
    assert records == [f"{n}.json" for n in range(4, KEEP_GENERATIONS + 4)]
