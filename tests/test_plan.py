"""plan(): every file's action from rendered files, disk state and the manifest (pure)."""

from __future__ import annotations

import json

import pytest

from oomcfg.model import MARKER, RenderedFile
from oomcfg.plan import FileState, Manifest, ManifestEntry, plan, plan_unchanged, sha256

DROPIN = "etc/systemd/system/web.service.d/50-oomcfg.conf"
SYSCTL = "etc/sysctl.d/90-oomcfg.conf"


def dropin(adj: int = 500, path: str = DROPIN) -> RenderedFile:
    body = f"{MARKER}\n[Service]\nOOMScoreAdjust={adj}\n"
    return RenderedFile(path, body, kind="systemd", unit="web.service")


def sysctl(value: int = 10) -> RenderedFile:
    return RenderedFile(SYSCTL, f"{MARKER}\nvm.swappiness = {value}\n", kind="sysctl")


def on_disk(f: RenderedFile, mode: int = 0o644) -> FileState:
    return FileState(f.path, "file", f.content.encode(), mode)


def missing(path: str) -> FileState:
    return FileState(path, "missing")


def owned(*files: RenderedFile, generation: int = 1) -> Manifest:
    entries = {
        f.path: ManifestEntry(sha256(f.content.encode()), f.mode, f.kind, f.unit) for f in files
    }
    return Manifest(generation, entries)


def actions(result_plan: object) -> dict[str, tuple[str, str]]:
    return {c.path: (c.action, c.reason) for c in result_plan.changes}  # type: ignore[attr-defined]


def test_fresh_root_creates_everything_and_needs_a_daemon_reload() -> None:
    files = [dropin(), sysctl()]
    p = plan(files, {f.path: missing(f.path) for f in files}, Manifest())
    assert actions(p) == {DROPIN: ("create", ""), SYSCTL: ("create", "")}
    assert p.reloads == ("daemon-reload",)
    assert p.manifest == owned(*files, generation=1)
    assert not p.is_noop


def test_second_run_is_all_same_no_reload_no_new_generation() -> None:
    files = [dropin(), sysctl()]
    p = plan(files, {f.path: on_disk(f) for f in files}, owned(*files, generation=3))
    assert {a for a, _ in actions(p).values()} == {"same"}
    assert p.reloads == ()
    assert p.is_noop
    assert p.manifest.generation == 3


def test_changed_content_of_our_file_is_an_update() -> None:
    old, new = dropin(100), dropin(200)
    p = plan([new], {DROPIN: on_disk(old)}, owned(old))
    assert actions(p) == {DROPIN: ("update", "")}
    assert p.writes[0].old == old.content.encode()
    assert p.reloads == ("daemon-reload",)
    assert p.manifest.generation == 2


def test_only_a_sysctl_change_needs_no_daemon_reload() -> None:
    p = plan(
        [dropin(), sysctl(20)],
        {DROPIN: on_disk(dropin()), SYSCTL: on_disk(sysctl(10))},
        owned(dropin(), sysctl(10)),
    )
    assert actions(p)[SYSCTL] == ("update", "")
    assert p.reloads == ()


def test_mode_difference_alone_is_an_update() -> None:
    p = plan([dropin()], {DROPIN: on_disk(dropin(), mode=0o600)}, owned(dropin()))
    assert actions(p) == {DROPIN: ("update", "mode")}


def test_file_without_marker_is_a_conflict_unless_forced() -> None:
    theirs = FileState(DROPIN, "file", b"[Service]\nOOMScoreAdjust=-900\n", 0o644)
    p = plan([dropin()], {DROPIN: theirs}, Manifest())
    assert actions(p) == {
        DROPIN: ("conflict", "file exists without oomcfg's marker: someone else's")
    }
    assert p.writes == ()
    assert DROPIN not in p.manifest.files
    forced = plan([dropin()], {DROPIN: theirs}, Manifest(), force=True)
    assert forced.changes[0].action == "update"
    assert forced.changes[0].forced
    assert forced.changes[0].old == theirs.content


def test_hand_edited_managed_file_is_a_conflict_unless_forced() -> None:
    edited = FileState(DROPIN, "file", dropin(100).content.encode() + b"# mine\n", 0o644)
    p = plan([dropin(200)], {DROPIN: edited}, owned(dropin(100)))
    assert actions(p) == {DROPIN: ("conflict", "managed file was edited since the last apply")}
    assert p.manifest.files[DROPIN] == owned(dropin(100)).files[DROPIN]  # still ours
    assert plan([dropin(200)], {DROPIN: edited}, owned(dropin(100)), force=True).writes


def test_hand_edit_that_matches_the_new_content_is_same() -> None:
    p = plan([dropin(200)], {DROPIN: on_disk(dropin(200))}, owned(dropin(100)))
    assert actions(p) == {DROPIN: ("same", "")}
    assert p.manifest_changes
    assert not p.writes


@pytest.mark.parametrize("kind", ["symlink", "other"])
def test_symlink_or_non_regular_target_is_a_blocking_conflict(kind: str) -> None:
    state = FileState(DROPIN, kind)  # type: ignore[arg-type]
    p = plan([dropin()], {DROPIN: state}, Manifest(), force=True)
    assert p.changes[0].action == "conflict"
    assert p.changes[0].blocking


def test_files_no_longer_produced_are_removed_when_unchanged() -> None:
    gone = dropin(path="etc/systemd/system/old.service.d/50-oomcfg.conf")
    p = plan(
        [dropin()], {DROPIN: on_disk(dropin()), gone.path: on_disk(gone)}, owned(dropin(), gone)
    )
    assert actions(p)[gone.path] == ("remove", "no longer produced by the profile")
    assert gone.path not in p.manifest.files
    assert p.reloads == ("daemon-reload",)


def test_orphan_edited_by_hand_is_a_conflict_and_stays_owned() -> None:
    gone = dropin(path="etc/systemd/system/old.service.d/50-oomcfg.conf")
    edited = FileState(gone.path, "file", gone.content.encode() + b"x\n", 0o644)
    p = plan([], {gone.path: edited}, owned(gone))
    assert actions(p)[gone.path][0] == "conflict"
    assert gone.path in p.manifest.files


def test_orphan_already_deleted_is_forgotten() -> None:
    gone = dropin(path="etc/systemd/system/old.service.d/50-oomcfg.conf")
    p = plan([], {gone.path: missing(gone.path)}, owned(gone))
    assert actions(p)[gone.path] == ("remove", "no longer produced; already gone")
    assert p.manifest.files == {}


def test_only_run_never_purges_other_kinds() -> None:
    p = plan(
        [dropin()],
        {DROPIN: on_disk(dropin()), SYSCTL: on_disk(sysctl())},
        owned(dropin(), sysctl()),
        kinds=["systemd"],
    )
    assert SYSCTL not in actions(p)
    assert SYSCTL in p.manifest.files
    assert p.is_noop


def test_manager_settings_note_daemon_reexec_and_no_daemon_reload() -> None:
    conf = RenderedFile(
        "etc/systemd/system.conf.d/50-oomcfg.conf", f"{MARKER}\n[Manager]\nDefaultOOMPolicy=kill\n"
    )
    p = plan([conf], {conf.path: missing(conf.path)}, Manifest())
    assert p.reloads == ()
    assert "daemon-reexec" in p.notes[0]
    assert "does not re-exec" in p.notes[0]


def test_manifest_json_round_trip_is_stable() -> None:
    m = owned(dropin(), sysctl(), generation=7)
    text = m.to_json()
    assert Manifest.from_data(json.loads(text)) == m
    assert Manifest.from_data(json.loads(text)).to_json() == text
    with pytest.raises(ValueError, match="not an oomcfg manifest"):
        Manifest.from_data({"version": 99})


def test_manifest_is_one_row_per_file_sorted_by_path() -> None:
    text = owned(dropin(), sysctl(), generation=7).to_json()
    lines = text.splitlines()
    assert lines[0] == '{"version": 2, "generation": 7, "files": ['
    assert json.loads(lines[1].rstrip(",")) == [
        SYSCTL,
        sha256(sysctl().content.encode()),
        0o644,
        "sysctl",
        None,
    ]
    assert json.loads(lines[2])[0::2] == [DROPIN, 0o644, "web.service"]
    assert lines[3] == "]}"
    assert Manifest().to_json() == '{"version": 2, "generation": 0, "files": []}\n'


def test_a_version_1_manifest_from_an_older_oomcfg_is_still_read() -> None:
    digest = sha256(b"x")
    v1 = {
        "version": 1,
        "generation": 4,
        "files": {
            DROPIN: {"sha256": digest, "mode": 420, "kind": "systemd", "unit": "web.service"}
        },
    }
    expected = Manifest(4, {DROPIN: ManifestEntry(digest, 0o644, "systemd", "web.service")})
    assert Manifest.from_data(v1) == expected


@pytest.mark.parametrize(
    "files",
    [
        {DROPIN: ["0" * 64, 420, "systemd", None]},  # version 1's shape under version 2
        [[DROPIN, "0" * 64, 420, "systemd"]],  # a field short
        [[DROPIN, "0" * 64, "420", "systemd", None]],  # mode as text
        [[DROPIN, "0" * 64, True, "systemd", None]],  # a bool is no mode
        [[DROPIN, None, 420, "systemd", None]],  # no digest
        ["abcde"],  # five characters are not a row
        [7],
        [[DROPIN, "0" * 64, 420, "systemd", None], [DROPIN, "1" * 64, 420, "systemd", None]],
    ],
)
def test_a_corrupt_version_2_manifest_is_refused_not_half_trusted(files: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        Manifest.from_data({"version": 2, "generation": 1, "files": files})


def test_a_manifest_generation_must_be_an_integer() -> None:
    with pytest.raises(TypeError, match="generation"):
        Manifest.from_data({"version": 2, "generation": "1", "files": []})


# ------------------------------------------------------------ plan_unchanged
def manifest_bytes(m: Manifest) -> bytes:
    return m.to_json().encode()


def test_plan_unchanged_is_the_full_planners_answer_for_an_unchanged_root() -> None:
    files = [sysctl(), dropin()]
    current = {f.path: on_disk(f) for f in files}
    m = owned(*files, generation=4)
    fast = plan_unchanged(files, current, manifest_bytes(m))
    assert fast is not None
    assert fast == plan(files, current, m)
    assert fast.is_noop and fast.manifest.generation == 4
    assert fast.changes[0].new is fast.changes[0].old  # one copy of the bytes


@pytest.mark.parametrize(
    "state",
    [
        FileState(DROPIN, "file", dropin().content.encode()[:-1], 0o644),  # truncated
        FileState(DROPIN, "file", dropin().content.encode().replace(b"5", b"7"), 0o644),
        FileState(DROPIN, "file", dropin().content.encode(), 0o600),
        FileState(DROPIN, "symlink"),
        FileState(DROPIN, "other", None, 0o644),  # a FIFO, a device, a directory
        FileState(DROPIN, "missing"),
    ],
)
def test_plan_unchanged_declines_any_file_that_differs(state: FileState) -> None:
    files = [sysctl(), dropin()]
    current = {SYSCTL: on_disk(sysctl()), DROPIN: state}
    assert plan_unchanged(files, current, manifest_bytes(owned(*files))) is None


def test_plan_unchanged_declines_any_manifest_but_the_one_it_would_write() -> None:
    files = [sysctl(), dropin()]
    current = {f.path: on_disk(f) for f in files}
    exact = owned(*files, generation=2)
    other = dropin(path="etc/systemd/system/db.service.d/50-oomcfg.conf")
    stale = Manifest(2, {**exact.files, DROPIN: exact.files[DROPIN]._replace(sha256="0" * 64)})
    declined = [
        owned(*files, other, generation=2).to_json(),  # owns one more: a removal
        owned(sysctl(), generation=2).to_json(),  # owns one less
        stale.to_json(),  # a digest that does not name the bytes on disk
        exact.to_json().replace("generation\": 2", "generation\": 02"),
        exact.to_json().replace(", ", ","),  # the same rows, laid out otherwise
        json.dumps(exact.to_data()),
        json.dumps({"version": 1, "generation": 2, "files": {}}),
        "",
    ]
    for text in declined:
        assert plan_unchanged(files, current, text.encode()) is None, text
    assert plan_unchanged([], {}, Manifest().to_json().encode()) is None


# ------------------------------------------------------------ manifest text
TRICKY = [
    'etc/systemd/system/a"b.service.d/50-oomcfg.conf',
    "etc/systemd/system/a\\x2db.service.d/50-oomcfg.conf",
    "etc/systemd/system/tab\there.service.d/50-oomcfg.conf",
    "etc/systemd/system/new\nline.service.d/50-oomcfg.conf",
    "etc/systemd/system/caf\u00e9.service.d/50-oomcfg.conf",
    "etc/systemd/system/del\x7f.service.d/50-oomcfg.conf",
]


@pytest.mark.parametrize("path", TRICKY)
def test_manifest_rows_are_exactly_json_dumps_rows_for_any_string(path: str) -> None:
    entries = {
        path: ManifestEntry("ab" * 32, 0o644, "systemd", "x.service"),
        SYSCTL: ManifestEntry("cd" * 32, 0o600, "sysctl", None),
        DROPIN: ManifestEntry("ef" * 32, 0o644, "systemd", path.split("/")[-2][:-2]),
    }
    m = Manifest(3, entries)
    rows = [json.dumps([p, *entries[p]]) for p in sorted(entries)]
    head = '{"version": 2, "generation": 3, "files": [\n'
    assert m.to_json() == head + ",\n".join(rows) + "\n]}\n"
    assert Manifest.from_data(json.loads(m.to_json())) == m


def test_manifest_rows_with_a_bool_mode_are_still_json() -> None:
    m = Manifest(1, {DROPIN: ManifestEntry("ab" * 32, True, "systemd", None)})
    assert json.loads(m.to_json())["files"] == [[DROPIN, "ab" * 32, True, "systemd", None]]


def test_plain_manifest_rows_are_formatted_without_json_dumps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = owned(dropin(), sysctl(), generation=7).to_json()

    def refuse(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("json.dumps called for a plain row")

    monkeypatch.setattr(json, "dumps", refuse)  # plan imports json only where it needs it
    assert owned(dropin(), sysctl(), generation=7).to_json() == expected


def many_dropins(n: int) -> list[RenderedFile]:
    return [dropin(i, f"etc/systemd/system/s{i:05d}.service.d/50-oomcfg.conf") for i in range(n)]


def test_a_manifest_of_many_pieces_is_the_same_text_and_each_piece_is_checked() -> None:
    # More rows than one formatted piece holds, with a row that needs escaping
    # in the middle piece only: the text is still json.dumps's, row for row.
    files = [*many_dropins(1100), sysctl()]
    m = owned(*files, generation=9)
    odd = 'etc/systemd/system/s00600"x.service.d/50-oomcfg.conf'
    m.files[odd] = ManifestEntry("ab" * 32, 0o644, "systemd", None)  # type: ignore[index]
    rows = [json.dumps([p, *m.files[p]]) for p in sorted(m.files)]
    head = '{"version": 2, "generation": 9, "files": [\n'
    assert m.to_json() == head + ",\n".join(rows) + "\n]}\n"

    current = {f.path: on_disk(f) for f in files}
    text = owned(*files, generation=9).to_bytes()
    assert plan_unchanged(files, current, text) == plan(files, current, owned(*files, generation=9))
    last = files[-2]  # in the last piece of rows
    digest = sha256(last.content.encode()).encode()
    assert plan_unchanged(files, current, text.replace(digest, b"0" * 64)) is None
