"""The unchanged re-apply's shortcut (plan_unchanged) on a real root, against the full planner.

After a first apply, every re-apply first tries to prove "nothing to do"
from the bytes on disk and the manifest's bytes, without parsing the
manifest. Each test here changes one thing after the first apply and checks
that the re-apply still sees it exactly as the full planner does: same
actions, same reasons, same refusals, nothing written when refused. The
planner is run on the same root with the shortcut disabled, as the reference.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_helpers import MANIFEST, CountingOps, dropin, identities, plant, snapshot, sysctl

import oomcfg.apply
from oomcfg.apply import ApplyOptions, plan_on, run_apply
from oomcfg.errors import EnvironmentProblem
from oomcfg.host import Host
from oomcfg.plan import Manifest, Plan

WEB = dropin("web.service", 500)
DB = dropin("db.service", 300)
TUNE = sysctl(vm_swappiness=10)
FILES = [WEB, DB, TUNE]
FAST = ApplyOptions(lock_timeout=2)


def applied(root: Path) -> Path:
    run_apply(Host(root), FILES, FAST)
    return root


def full_plan(root: Path, monkeypatch: pytest.MonkeyPatch, *, force: bool = False) -> Plan:
    """What the full planner (manifest parsed) decides: the reference."""
    with monkeypatch.context() as patch:
        patch.setattr(oomcfg.apply, "plan_unchanged", lambda *_args: None)
        return plan_on(Host(root), FILES, force=force, kinds=None)


def verdicts(p: Plan) -> list[tuple[str, str, str, bool]]:
    return [(c.path, c.action, c.reason, c.blocking) for c in p.changes]


def test_an_unchanged_root_is_planned_without_parsing_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = applied(tmp_path)
    reference = full_plan(root, monkeypatch)

    def no_parse(_data: object) -> Manifest:
        raise AssertionError("the manifest was parsed")

    monkeypatch.setattr(Manifest, "from_data", staticmethod(no_parse))
    before, ids = snapshot(root), identities(root)
    ops = CountingOps()
    outcome = run_apply(Host(root, ops=ops), FILES, FAST)
    assert outcome.plan.is_noop
    assert outcome.plan == reference  # every Change, the manifest, the generation
    assert (outcome.written, ops.calls) == (0, [])
    assert snapshot(root) == before
    assert identities(root) == ids


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-5])


def same_size_other_bytes(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data.replace(b"OOMScoreAdjust=500", b"OOMScoreAdjust=900"))
    assert len(path.read_bytes()) == len(data)


def marker_lost(path: Path) -> None:
    path.write_text("[Service]\nOOMScoreAdjust=-900\n")


def grown(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b"MemoryMax=1G\n")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (truncate, "managed file was edited since the last apply"),
        (same_size_other_bytes, "managed file was edited since the last apply"),
        (grown, "managed file was edited since the last apply"),
        (marker_lost, "file exists without oomcfg's marker: someone else's"),
    ],
)
def test_a_file_edited_on_disk_is_a_conflict_as_before(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[Path], None],
    reason: str,
) -> None:
    root = applied(tmp_path)
    change(root / WEB.path)
    reference = full_plan(root, monkeypatch)
    assert (WEB.path, "conflict", reason, False) in verdicts(reference)
    before = snapshot(root)
    with pytest.raises(EnvironmentProblem, match=f"{WEB.path}: conflict: {reason}"):
        run_apply(Host(root), FILES, FAST)
    assert snapshot(root) == before
    # --force rewrites exactly that file, with the rendered bytes
    forced = run_apply(Host(root), FILES, FAST._replace(force=True))
    assert [(c.path, c.action) for c in forced.plan.writes] == [(WEB.path, "update")]
    assert (root / WEB.path).read_bytes() == WEB.content.encode()


def test_a_same_size_file_with_the_profiles_new_bytes_is_rewritten(tmp_path: Path) -> None:
    root = applied(tmp_path)
    newer = dropin("web.service", 700)  # same length as 500: only the bytes differ
    assert len(newer.content) == len(WEB.content)
    outcome = run_apply(Host(root), [newer, DB, TUNE], FAST)
    assert [(c.path, c.action) for c in outcome.plan.writes] == [(WEB.path, "update")]
    assert (root / WEB.path).read_bytes() == newer.content.encode()


def test_a_mode_change_alone_is_an_update(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = applied(tmp_path)
    (root / DB.path).chmod(0o600)
    reference = full_plan(root, monkeypatch)
    outcome = run_apply(Host(root), FILES, FAST)
    assert outcome.plan.changes == reference.changes
    assert [(c.path, c.action, c.reason) for c in outcome.plan.writes] == [
        (DB.path, "update", "mode")
    ]
    assert (root / DB.path).stat().st_mode & 0o7777 == 0o644




@pytest.mark.parametrize(
    ("what", "reason"),
    [
        ("fifo", "target is not a regular file"),
        ("dir", "target is not a regular file"),
        ("/dev/zero", "target is a symlink"),
        ("50-oomcfg.conf.orig", "target is a symlink"),  # a link to a copy of the same bytes
    ],
)
def test_a_non_regular_file_at_a_managed_path_is_refused_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str, reason: str
) -> None:
    root = applied(tmp_path)
    target = root / WEB.path
    (target.parent / "50-oomcfg.conf.orig").write_bytes(target.read_bytes())
    plant(target, what)
    reference = full_plan(root, monkeypatch, force=True)
    assert (WEB.path, "conflict", reason, True) in verdicts(reference)
    before = snapshot(root)
    with pytest.raises(EnvironmentProblem) as caught:
        run_apply(Host(root), FILES, FAST._replace(force=True))  # not even with --force
    assert f"{WEB.path}: conflict: {reason}" in str(caught.value)
    assert "nothing was written" in str(caught.value)
    assert snapshot(root) == before


def test_a_deleted_file_is_created_again(tmp_path: Path) -> None:
    root = applied(tmp_path)
    (root / DB.path).unlink()
    outcome = run_apply(Host(root), FILES, FAST)
    assert [(c.path, c.action) for c in outcome.plan.writes] == [(DB.path, "create")]


def rewrite_manifest(root: Path, edit: Callable[[dict[str, object]], None]) -> None:
    data = json.loads((root / MANIFEST).read_text())
    edit(data)
    (root / MANIFEST).write_text(json.dumps(data))  # one line: not oomcfg's own layout


def test_a_manifest_in_another_layout_is_parsed_and_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Same content, other whitespace: not byte-identical, so the full planner
    # decides, and finds nothing to do (the manifest's content is unchanged).
    root = applied(tmp_path)
    rewrite_manifest(root, lambda _data: None)
    before, ids = snapshot(root), identities(root)
    outcome = run_apply(Host(root), FILES, FAST)
    assert outcome.plan == full_plan(root, monkeypatch)
    assert outcome.plan.is_noop
    assert (snapshot(root), identities(root)) == (before, ids)


def test_a_version_1_manifest_is_still_read_on_an_unchanged_root(tmp_path: Path) -> None:
    root = applied(tmp_path)

    def to_v1(data: dict[str, object]) -> None:
        rows = data["files"]
        assert isinstance(rows, list)
        data["version"] = 1
        data["files"] = {
            p: {"sha256": d, "mode": m, "kind": k, "unit": u} for p, d, m, k, u in rows
        }

    rewrite_manifest(root, to_v1)
    before = snapshot(root)
    outcome = run_apply(Host(root), FILES, FAST)
    assert outcome.plan.is_noop  # still ours, nothing to write
    assert snapshot(root) == before


def test_a_stale_digest_in_the_manifest_rewrites_only_the_manifest(tmp_path: Path) -> None:
    root = applied(tmp_path)
    text = (root / MANIFEST).read_text()
    rows = json.loads(text)["files"]
    stale = rows[0][1]
    (root / MANIFEST).write_text(text.replace(stale, "0" * 64))
    outcome = run_apply(Host(root), FILES, FAST)
    assert {c.action for c in outcome.plan.changes} == {"same"}
    assert outcome.plan.manifest_changes and not outcome.plan.writes
    assert stale in (root / MANIFEST).read_text()


def test_a_manifest_owning_one_more_file_removes_it(tmp_path: Path) -> None:
    root = applied(tmp_path)
    outcome = run_apply(Host(root), [WEB, TUNE], FAST)
    assert [(c.path, c.action) for c in outcome.plan.writes] == [(DB.path, "remove")]
    assert not (root / DB.path).exists()


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        '{"version": 2, "generation": 01, "files": [\n["x", "0", 420, "systemd", null]\n]}\n',
        '{"version": 2, "generation": 1, "files": [\n["x", "0", "420", "systemd", null]\n]}\n',
    ],
)
def test_a_corrupt_manifest_is_still_refused(tmp_path: Path, text: str) -> None:
    root = applied(tmp_path)
    (root / MANIFEST).write_text(text)
    before = snapshot(root)
    with pytest.raises(EnvironmentProblem, match="not a valid oomcfg manifest"):
        run_apply(Host(root), [dropin("x.service", 1)], FAST)
    assert snapshot(root) == before
