"""Planning: what apply would do, computed from values alone.

``plan(rendered, current, manifest)`` compares the files a profile renders with
what is on disk now and with the manifest of what oomcfg wrote last time, and
returns a :class:`Plan`: one :class:`Change` per file (create, update, same,
remove, conflict) and the reloads the changes need. It performs no I/O, so
``--dry-run``, ``--check`` and the real apply share one decision procedure and
"nothing to do" is an ordinary, testable result. ``plan_unchanged`` is the
same decision for the one case an unchanged re-apply hits, proven from the
manifest file's bytes without parsing it; it answers None for anything else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from operator import itemgetter
from types import MappingProxyType
from typing import Literal, NamedTuple

# FileState/StateKind live in oomcfg.filestate (the host seam needs them without the
# planner); re-exported here, explicitly, for existing importers.
from oomcfg.filestate import FileState as FileState  # noqa: PLC0414 - re-export
from oomcfg.filestate import StateKind as StateKind  # noqa: PLC0414 - re-export
from oomcfg.model import MARKER, RenderedFile

Action = Literal["create", "update", "same", "remove", "conflict"]
WRITES: frozenset[str] = frozenset({"create", "update", "remove"})
#: actions after which the manifest records the rendered bytes
_OWNED_AFTER: frozenset[str] = frozenset({"create", "update", "same"})

MANIFEST_PATH = "var/lib/oomcfg/manifest.json"
GENERATIONS_DIR = "var/lib/oomcfg/generations"
_MARKER_BYTES = MARKER.encode()
_new_tuple = tuple.__new__

#: Drop-ins for the manager itself (systemd-system.conf(5)): DefaultOOMPolicy=,
#: DefaultOOMScoreAdjust= are read only at start-up, so they need daemon-reexec.
_MANAGER_CONF_PREFIXES = ("etc/systemd/system.conf", "etc/systemd/user.conf")


class ManifestEntry(NamedTuple):
    """One file oomcfg wrote: its digest at the time, so hand edits show up.

    A NamedTuple, not a frozen dataclass: every apply rebuilds one per managed
    file from the manifest, and a frozen dataclass's ``__init__`` (one
    ``object.__setattr__`` per field) costs several times more (P6).
    """

    sha256: str
    mode: int = 0o644
    kind: str = "systemd"
    unit: str | None = None


#: The manifest's on-disk format (docs/apply.md, "Ownership"). Version 1 (one
#: JSON object per file) is still read: roots and generation records written
#: before version 2 must keep working.
MANIFEST_VERSION = 2
#: A version-2 row's element types: path, sha256, mode, kind, unit (or null).
_ROW_TYPES = frozenset(
    {(str, str, int, str, str), (str, str, int, str, type(None))},
)


#: A manifest owning nothing (read-only: the default is shared).
_NO_FILES: Mapping[str, ManifestEntry] = MappingProxyType({})


class Manifest(NamedTuple):
    """Everything oomcfg owns under a root, and the generation that wrote it.

    A NamedTuple like :class:`Plan`, :class:`Change` and the rest of what an
    apply passes around: immutable all the same, and a fraction of a frozen
    dataclass's cost to define (~0.1 ms against ~1 ms), which every ``apply``
    pays at start-up (performance.md P6 at 0-1,000 services is start-up bound).
    """

    generation: int = 0
    files: Mapping[str, ManifestEntry] = _NO_FILES

    def to_data(self) -> dict[str, object]:
        """Plain JSON-able form (paths sorted, so an unchanged manifest is byte-identical)."""
        return {"version": MANIFEST_VERSION, "generation": self.generation, "files": self._rows()}

    def to_json(self) -> str:
        """The manifest file's text: one line per file, sorted, diffable (see :meth:`to_bytes`)."""
        return self.to_bytes().decode("ascii")

    def to_bytes(self) -> bytes:
        """The manifest file's bytes: one line per file, sorted, diffable, ASCII.

        Built line by line because ``json.dumps(indent=...)`` falls back to the
        pure-Python encoder, which costs more than the rest of a no-op apply.
        An unchanged re-apply compares these bytes with the file's instead of
        parsing them (:func:`plan_unchanged`), so there must be exactly one
        text per manifest: the rows are sorted and encoded as ``json.dumps``
        encodes them (:func:`_row_pieces`).
        """
        start, end = self.framing()
        return start + b"".join(_row_pieces(self.files)) + end

    def framing(self) -> tuple[bytes, bytes]:
        """What :meth:`to_bytes` puts before and after the rows (the head line, the end)."""
        head = f'{{"version": {MANIFEST_VERSION}, "generation": {self.generation}, "files": ['
        return ((head + "\n").encode(), b"\n]}\n") if self.files else (head.encode(), b"]}\n")

    def _rows(self) -> list[list[object]]:
        """``[path, sha256, mode, kind, unit]`` per file, sorted by path.

        A row, not an object with named keys: every apply parses the whole
        manifest, and at 10,000 files an object per entry (four keys each)
        takes twice as long to parse and check as a list (performance.md P6).
        """
        return [[path, *self.files[path]] for path in sorted(self.files)]

    @classmethod
    def from_data(cls, data: object) -> Manifest:
        """Rebuild from :meth:`to_data`'s form (or version 1's).

        Raises ValueError/KeyError/TypeError for anything else, so a corrupt
        or foreign manifest is refused instead of half-trusted.
        """
        if not isinstance(data, dict) or data.get("version") not in (1, MANIFEST_VERSION):
            raise ValueError(f"not an oomcfg manifest (version 1 or {MANIFEST_VERSION})")
        parse = _entries_v1 if data["version"] == 1 else _entries_v2
        generation = data["generation"]
        if type(generation) is not int:
            raise TypeError(f"generation is {generation!r}, not an integer")
        return cls(generation, parse(data["files"]))


#: Printable ASCII but ``"`` and ``\``: the characters json.dumps leaves as they are
#: in a string (``ensure_ascii``; it escapes control characters, DEL and the rest).
_JSON_AS_IS = bytes(c for c in range(0x20, 0x7F) if c not in b'"\\')


def _row_pieces(files: Mapping[str, ManifestEntry]) -> Iterator[bytes]:
    """The rows, sorted by path, one per line, exactly as ``json.dumps`` gives each row.

    Yielded in pieces of :data:`_PIECE` rows that join to the whole text
    (each piece after the first starts with the ",\\n" between rows): the
    unchanged re-apply compares each piece where it belongs in the manifest
    file, so no copy of the whole text is made (at 10,000 files each 1.6 MB
    copy is ~400 fresh pages, ~1.5 ms here, performance.md P6).
    """
    paths = sorted(files)
    for first in range(0, len(paths), _PIECE):
        some = paths[first : first + _PIECE]
        entries = list(map(files.__getitem__, some))
        text = _formatted_rows(some, entries)
        if text is None:
            import json  # noqa: PLC0415 - rows with unusual characters only (start-up)

            rows = (json.dumps([path, *entry]) for path, entry in zip(some, entries, strict=True))
            text = ",\n".join(rows).encode()  # ASCII: json.dumps escapes the rest
        yield b",\n" + text if first else text


#: Rows formatted and compared at a time: ~80 KB of text, a size malloc reuses.
_PIECE = 512


def _formatted_rows(paths: list[str], entries: list[ManifestEntry]) -> bytes | None:
    """``paths``' rows formatted by one ``%`` in C, or None where that is not json.dumps's text.

    One ``json.dumps`` call per row costs ~2 µs, more than the rest of an
    unchanged re-apply's work for that file (performance.md P6). ``%`` gives
    the same text for strings where strings belong, a plain ``int`` mode
    (``True`` would print as ``True``) and no character json.dumps would
    escape; that last test runs once over all the rows
    (:func:`_only_delimiters_left`).
    """
    digests, modes, kinds, units = zip(*entries, strict=True)
    if not (
        set(map(type, modes)) <= {int}
        and set(map(type, digests + kinds)) <= {str}
        and set(map(type, units)) <= _ROW_FORMATS.keys()
    ):
        return None
    template = ",\n".join(map(_ROW_FORMATS.__getitem__, map(type, units)))
    rows = zip(paths, digests, modes, kinds, units, strict=True)
    text = template % tuple(chain.from_iterable(rows))
    if not text.isascii():
        return None
    data = text.encode()
    return data if _only_delimiters_left(data, units) else None


def _only_delimiters_left(text: bytes, units: tuple[str | None, ...]) -> bool:
    """True when deleting what json.dumps leaves as it is leaves only the delimiters.

    Those are the rows' quotes (six per row, two more for a unit) and the
    newline between rows; any other character, or one more quote or newline,
    came from inside a string and would be escaped by json.dumps.
    """
    left = text.translate(None, _JSON_AS_IS)
    quotes = 8 * len(units) - 2 * units.count(None)
    newlines = len(units) - 1
    return left.count(b'"') == quotes and left.count(b"\n") == newlines == len(left) - quotes


#: One row's format by the type of its unit; ``%.0s`` prints nothing of the None.
_ROW_FORMATS: Mapping[type, str] = {
    str: '["%s", "%s", %s, "%s", "%s"]',
    type(None): '["%s", "%s", %s, "%s", %.0snull]',
}


def _entries_v2(rows: object) -> dict[str, ManifestEntry]:
    """Version 2's ``files``: a list of ``[path, sha256, mode, kind, unit]`` rows.

    Every row's length and element types are checked (a row of another
    length, a string or a number where another type belongs is refused), and
    a path listed twice is refused too: the manifest says who owns a file,
    so an ambiguous one must not be half-trusted. Both passes unpack the five
    fields directly and build each entry with ``tuple.__new__``, skipping the
    NamedTuple's Python-level constructor: at 10,000 rows that halves the cost
    of a step every apply pays (performance.md P6).
    """
    if type(rows) is not list:
        raise TypeError("files is not a list of rows")
    shapes = {(type(p), type(d), type(m), type(k), type(u)) for p, d, m, k, u in rows}
    if not _ROW_TYPES.issuperset(shapes):
        raise TypeError("a row is not [path, sha256, mode, kind, unit]")
    new = tuple.__new__
    entries = {p: new(ManifestEntry, (d, m, k, u)) for p, d, m, k, u in rows}
    if len(entries) != len(rows):
        raise ValueError("a path is listed twice")
    return entries


def _entries_v1(files: object) -> dict[str, ManifestEntry]:
    """Version 1's ``files``: ``{path: {sha256, mode, kind, unit}}``."""
    return {
        str(path): ManifestEntry(
            str(e["sha256"]),
            int(e["mode"]),
            str(e["kind"]),
            None if e.get("unit") is None else str(e["unit"]),
        )
        for path, e in dict(files).items()  # type: ignore[call-overload]
    }


class Change(NamedTuple):
    """One file's fate. ``new`` is what will be written, ``old`` what is there now."""

    path: str
    action: Action
    reason: str = ""
    kind: str = "systemd"
    unit: str | None = None
    new: bytes | None = None
    old: bytes | None = None
    mode: int = 0o644
    old_mode: int | None = None
    forced: bool = False
    #: a conflict --force cannot override (a symlink or a non-regular file)
    blocking: bool = False

    @property
    def writes(self) -> bool:
        """True when applying this change touches the disk."""
        return self.action in WRITES


class Plan(NamedTuple):
    """All changes, the manifest that results, and what must be reloaded (see :class:`Manifest`)."""

    changes: tuple[Change, ...]
    manifest: Manifest
    previous: Manifest
    reloads: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def writes(self) -> tuple[Change, ...]:
        """Changes that create, replace or remove a file."""
        return tuple(c for c in self.changes if c.action in WRITES)

    @property
    def conflicts(self) -> tuple[Change, ...]:
        """Changes apply must refuse."""
        return tuple(c for c in self.changes if c.action == "conflict")

    @property
    def manifest_changes(self) -> bool:
        """True when the manifest on disk must be rewritten (even if no file changes)."""
        return self.manifest.files != self.previous.files  # Mapping equality: no copies

    @property
    def is_noop(self) -> bool:
        """Nothing to write at all: the second apply of the same profile."""
        return not self.writes and not self.manifest_changes

    def counts(self) -> dict[str, int]:
        """How many files per action, for the summary line."""
        out = dict.fromkeys(("create", "update", "same", "remove", "conflict"), 0)
        for change in self.changes:
            out[change.action] += 1
        return out


def sha256(data: bytes) -> str:
    """Hex digest recorded in the manifest."""
    return hashlib.sha256(data).hexdigest()


def plan(
    rendered: Sequence[RenderedFile],
    current: Mapping[str, FileState],
    manifest: Manifest,
    *,
    force: bool = False,
    kinds: Iterable[str] | None = None,
) -> Plan:
    """Decide every file's action; pure.

    ``current`` holds the on-disk state of every rendered path and every
    manifest path. ``kinds`` limits purging to the output kinds rendered this
    time (``--only``), so a systemd-only apply never deletes the sysctl file.
    One pass over the rendered files decides each action and the manifest
    entry that follows from it (performance.md P6: at 10,000 services a
    second pass, or a second object per file, is a measurable share of an
    unchanged re-apply).
    """
    owned = manifest.files
    changes: list[Change] = []
    files: dict[str, ManifestEntry] = {}
    for f in rendered:
        entry = owned.get(f.path)
        change = _plan_file(f, current[f.path], entry, force)
        changes.append(change)
        if change.action == "same":  # the re-apply's case, one call shorter
            files[f.path] = _next_entry(change, entry)
        else:
            _record_owner(files, change, entry)
    produced = {f.path for f in rendered}
    scope = None if kinds is None else frozenset(kinds)
    orphans: list[str] = []
    for path, entry in owned.items():
        if path in produced:
            continue
        if _in(scope, entry.kind):
            orphans.append(path)
        else:
            files[path] = entry  # outside this --only run: keep owning it
    for path in sorted(orphans):
        change = _plan_orphan(path, owned[path], current[path], force)
        changes.append(change)
        _record_owner(files, change, owned[path])
    writes = [c for c in changes if c.action in WRITES]
    generation = manifest.generation + (1 if writes else 0)
    return Plan(
        tuple(changes), Manifest(generation, files), manifest, _reloads(writes), _notes(writes)
    )


def plan_unchanged(
    rendered: Sequence[RenderedFile], current: Mapping[str, FileState], manifest_text: bytes
) -> Plan | None:
    """The plan of a re-apply with nothing to do, proven from bytes; else None.

    ``current`` holds the state of every rendered path; ``manifest_text`` is
    the manifest file's bytes. The proof: every rendered file is a regular
    file holding exactly the rendered bytes with the rendered mode, and the
    manifest file is byte for byte the one :func:`plan` would leave (same
    paths, digests, modes, kinds, units and generation). Then :func:`plan`
    would say "same" for every file, find no file of the manifest's to
    remove (it lists exactly the rendered paths) and no manifest change, and
    this returns the plan it would return. Anything else -- a file that
    differs, another manifest version, a manifest owning more, a stale
    digest -- returns None, and :func:`plan` decides with the parsed manifest.

    Why: at 10,000 services the manifest's parse and checks cost 18-30 ms
    before the full planner's 34-60 ms; this proof replaces both in 36-59 ms
    (fresh processes on a busy host, performance.md P6). A digest is still
    taken of every file: the manifest must name the bytes that are on disk.
    """
    generation = _generation_on_head(manifest_text)
    # A version-2 manifest has one line per row plus two: a different count
    # means other rows (files to remove, other kinds), caught before hashing.
    if not rendered or generation is None or manifest_text.count(b"\n") != len(rendered) + 2:
        return None
    changes: list[Change] = []
    files: dict[str, ManifestEntry] = {}
    digest_of, state_of, append = hashlib.sha256, _STATE_FIELDS, changes.append
    # One pass, each file's objects touched once while they are in the cache:
    # separate passes per column (zip, map) cost more at 10,000 files in a
    # fresh process, though less in a warm loop (performance.md P6).
    for path, content, mode, kind, unit in map(_RENDERED_FIELDS, rendered):
        state_kind, old, old_mode = state_of(current[path])
        if old_mode != mode or state_kind != "file" or old != content.encode():
            return None
        # old and new are equal: the Change holds the bytes read, once for both
        fields = (path, "same", "", kind, unit, old, old, mode, mode, False, False)
        append(_new_tuple(Change, fields))
        files[path] = _new_tuple(ManifestEntry, (digest_of(old).hexdigest(), mode, kind, unit))
    manifest = Manifest(generation, files)
    start, end = manifest.framing()
    if not manifest_text.startswith(start):
        return None
    at = len(start)
    for piece in _row_pieces(files):  # compared where it belongs, never copied whole
        if not manifest_text.startswith(piece, at):
            return None
        at += len(piece)
    if len(manifest_text) != at + len(end) or not manifest_text.endswith(end):
        return None
    return Plan(tuple(changes), manifest, manifest)


def _fields(cls: type[tuple[object, ...]], *names: str) -> itemgetter[tuple[object, ...]]:
    """Pick NamedTuple fields by position, found by name once (cheaper than attributes)."""
    return itemgetter(*map(cls._fields.index, names))  # type: ignore[attr-defined]


_RENDERED_FIELDS = _fields(RenderedFile, "path", "content", "mode", "kind", "unit")
_STATE_FIELDS = _fields(FileState, "kind", "content", "mode")


def _generation_on_head(text: bytes) -> int | None:
    """The generation on the head line :meth:`Manifest.to_bytes` writes, else None.

    Only a candidate: :func:`plan_unchanged` trusts it once the whole text is
    the one it would write with that generation.
    """
    head = text[: text.find(b"\n")]  # not partition: that copies the rest too
    number = head.removeprefix(_HEAD_START).removesuffix(_HEAD_END)
    if len(_HEAD_START) + len(number) + len(_HEAD_END) != len(head) or not number.isdigit():
        return None
    return int(number)


_HEAD_START = f'{{"version": {MANIFEST_VERSION}, "generation": '.encode()
_HEAD_END = b', "files": ['


#: (action, reason, forced, blocking): a file's verdict before it becomes a Change.
_Verdict = tuple[Action, str, bool, bool]
_SAME: _Verdict = ("same", "", False, False)


def _plan_file(
    f: RenderedFile, state: FileState, entry: ManifestEntry | None, force: bool
) -> Change:
    new = f.content.encode()
    old = state.content
    if old == new and state.mode == f.mode and state.kind == "file":
        # The re-apply's case, without another call; keep one copy of the bytes
        # (old and new are equal), so 10,000 unchanged files hold half the memory.
        new = old
        action, reason, forced, blocking = _SAME
    else:
        action, reason, forced, blocking = _file_verdict(new, f.mode, state, entry, force)
    # tuple.__new__, not Change(...): the NamedTuple's generated __new__ is a
    # Python call with eleven arguments, twice the cost of building the tuple
    # itself, once per file on every apply (performance.md P6).
    fields = (
        f.path,
        action,
        reason,
        f.kind,
        f.unit,
        new,
        old,
        f.mode,
        state.mode,
        forced,
        blocking,
    )
    return _new_tuple(Change, fields)


def _file_verdict(
    new: bytes, mode: int, state: FileState, entry: ManifestEntry | None, force: bool
) -> _Verdict:
    if state.kind == "missing":
        return ("create", "", False, False)
    if state.kind != "file":
        what = "a symlink" if state.kind == "symlink" else "not a regular file"
        return ("conflict", f"target is {what}", False, True)
    old = state.content or b""
    if old == new:
        return _SAME if state.mode == mode else ("update", "mode", False, False)
    problem = _ownership_problem(old, entry)
    if problem is None:
        return ("update", "", False, False)
    if force:
        return ("update", f"forced: {problem}", True, False)
    return ("conflict", problem, False, False)


def _plan_orphan(path: str, entry: ManifestEntry, state: FileState, force: bool) -> Change:
    base = Change(
        path, "remove", kind=entry.kind, unit=entry.unit, old=state.content, old_mode=state.mode
    )
    if state.kind == "missing":
        return base._replace(reason="no longer produced; already gone")
    if state.kind != "file":
        return base._replace(
            action="conflict",
            reason="managed path is no longer a regular file",
            blocking=True,
        )
    problem = _ownership_problem(state.content or b"", entry)
    if problem is None:
        return base._replace(reason="no longer produced by the profile")
    if force:
        return base._replace(reason=f"forced: {problem}", forced=True)
    return base._replace(action="conflict", reason=problem)


def _ownership_problem(old: bytes, entry: ManifestEntry | None) -> str | None:
    # Own only what we wrote: no marker means someone else's file; a marker
    # but a digest other than the manifest's means it was edited by hand.
    if _MARKER_BYTES not in old:
        return "file exists without oomcfg's marker: someone else's"
    if entry is not None and sha256(old) != entry.sha256:
        return "managed file was edited since the last apply"
    return None


def _record_owner(files: dict[str, ManifestEntry], c: Change, old: ManifestEntry | None) -> None:
    """Put ``c.path``'s entry of the next manifest into ``files`` (or leave it out).

    After a create, update or same the file holds ``c.new``; a conflict keeps
    the old entry (still ours, not rewritten); a removal drops it.
    """
    if c.action in _OWNED_AFTER and c.new is not None:
        files[c.path] = _next_entry(c, old)
    elif c.action == "conflict" and old is not None:
        files[c.path] = old


def _next_entry(c: Change, old: ManifestEntry | None) -> ManifestEntry:
    """The entry for the bytes ``c`` leaves at its path.

    The digest is always taken: an entry that no longer matches the bytes on
    disk is rewritten even when the file is unchanged. The old entry object
    is returned when it is equal, so the manifest comparison short-circuits
    on identity and no object is built per unchanged file.
    """
    digest = hashlib.sha256(c.new or b"").hexdigest()
    if old is not None and old == (digest, c.mode, c.kind, c.unit):
        return old
    return _new_tuple(ManifestEntry, (digest, c.mode, c.kind, c.unit))


def _in(scope: frozenset[str] | None, kind: str) -> bool:
    return scope is None or kind in scope


def _reloads(writes: Sequence[Change]) -> tuple[str, ...]:
    # systemctl(1) daemon-reload: rereads unit files and drop-ins. Needed once
    # for any number of changed units, and not at all when nothing changed.
    if any(c.kind == "systemd" and not _is_manager_conf(c.path) for c in writes):
        return ("daemon-reload",)
    return ()


def _notes(writes: Sequence[Change]) -> tuple[str, ...]:
    if any(_is_manager_conf(c.path) for c in writes):
        return (
            "manager settings (DefaultOOM*=) changed: they take effect only after "
            "'systemctl daemon-reexec' or a reboot; oomcfg does not re-exec PID 1 for you",
        )
    return ()


def _is_manager_conf(path: str) -> bool:
    return path.startswith(_MANAGER_CONF_PREFIXES)
