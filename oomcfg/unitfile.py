"""systemd unit files and drop-ins: a pure parser and drop-in discovery.

Render re-checks its own output with :func:`parse_unit_text`; lint applies its
rules to hand-written units; validate names the drop-in that overrides
oomcfg's with :func:`find_dropins` and :func:`effective`.

The parser follows systemd's ``config_parse()`` (src/shared/conf-parser.c) and
systemd.syntax(7) rather than Python's ``configparser``, because the
differences are exactly where OOM settings get lost:

* comments are whole lines starting with ``#`` or ``;`` (after blanks), also
  in the middle of a continuation; there are no inline comments, so
  ``OOMScoreAdjust=-900 # keep`` is one (invalid) value;
* a line ending in an unescaped ``\\`` is joined with the next one, the
  backslash replaced by a space;
* ``Key=`` (empty) resets every earlier assignment of that key;
* garbage is ignored line by line (``Missing '='``, assignment outside a
  section, not UTF-8 clean), except a broken ``[Section`` header, which makes
  systemd refuse the whole file. Each becomes a :class:`Diagnostic` here, so a
  linted file reports all of them at once.

File discovery (:func:`find_dropins`) is the one impure part: it only lists
directories, read-only, and takes the listing as a callback so tests and the
host seam (``oomcfg.host``) can supply their own.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import NamedTuple

from oomcfg.diagnostics import Diagnostic, Position, Severity
from oomcfg.lazyre import LazyPattern
from oomcfg.linediag import add_problem, capped

COMMENT_CHARS = "#;"  # systemd.syntax(7): "#" and ";" start a comment line
BOM = "\ufeff"

#: Unit types (systemd.unit(5)); also the names of type-wide drop-in dirs.
UNIT_TYPES = frozenset(
    {
        "service", "socket", "device", "mount", "automount", "swap",
        "target", "path", "timer", "slice", "scope",
    }
)  # fmt: skip

#: The system manager's unit search path, highest priority first (systemd.unit(5),
#: "System Unit Search Path"; the .control/transient/generator dirs are left out:
#: oomcfg never writes there and they hold no hand-written files).
SYSTEM_UNIT_PATH = (
    "etc/systemd/system",
    "run/systemd/system",
    "usr/local/lib/systemd/system",
    "usr/lib/systemd/system",
    "lib/systemd/system",
)

#: Diagnostic codes of this parser: (code, slug). Lint documents them.
SYNTAX_CODES = {
    "bad_header": ("OC201", "unit-invalid-section-header"),
    "no_equals": ("OC202", "unit-missing-equals"),
    "no_key": ("OC203", "unit-missing-key"),
    "outside": ("OC204", "unit-assignment-outside-section"),
    "utf8": ("OC205", "unit-invalid-utf8"),
    "control": ("OC206", "unit-control-character"),
    "dangling": ("OC207", "unit-dangling-continuation"),
}
_add = partial(add_problem, codes=SYNTAX_CODES)
#: Bytes that were not UTF-8 (surrogateescape); compiled for a non-ASCII line only.
_SURROGATE = LazyPattern("[\udc80-\udcff]")


class UnitEntry(NamedTuple):
    """One ``Key=Value`` assignment; ``line``/``col`` point at the key."""

    section: str
    key: str
    value: str
    path: str
    line: int
    col: int


class UnitFileParse(NamedTuple):
    """Everything systemd would take from one file, plus what it would ignore."""

    path: str
    entries: tuple[UnitEntry, ...]
    sections: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]

    def get(self, section: str, key: str) -> UnitEntry | None:
        """The effective assignment of ``key`` in ``section`` in this file alone."""
        return effective((self,), section, key)


class _Logical(NamedTuple):
    """A logical line: continuation lines joined; position of its first character."""

    text: str
    line: int
    col: int


def decode_unit_bytes(data: bytes) -> str:
    """Decode a file's bytes the way the parser expects them.

    systemd reads bytes and rejects non-UTF-8 lines one by one, so decoding must
    not fail for the whole file: undecodable bytes become lone surrogates
    (``surrogateescape``) and :func:`parse_unit_text` reports those lines.
    """
    return data.decode("utf-8", errors="surrogateescape")


def parse_unit_text(text: str, path: str) -> UnitFileParse:
    """Parse one unit file or drop-in; never raises, garbage becomes diagnostics."""
    diags: list[Diagnostic] = []
    entries: list[UnitEntry] = []
    sections: list[str] = []
    section: str | None = None
    for logical in _logical_lines(text, path, diags):
        stripped = logical.text.strip()
        col = logical.col + len(logical.text) - len(logical.text.lstrip())
        if not stripped:
            continue
        pos = Position(path, logical.line, col)
        if not stripped.isascii() and _SURROGATE.search(stripped):
            _add(diags, "utf8", pos, "line is not valid UTF-8; systemd ignores it")
            continue
        if stripped.startswith("["):
            section = _section_header(stripped, pos, diags)
            sections.append(section)
            continue
        entry = _assignment(stripped, section, pos, diags)
        if entry is not None:
            entries.append(entry)
    shown = capped(diags, path, SYNTAX_CODES["control"], "unit file")
    return UnitFileParse(path, tuple(entries), tuple(sections), tuple(shown))


def _section_header(stripped: str, pos: Position, diags: list[Diagnostic]) -> str:
    """``[Name]`` -> ``Name``; a header without ``]`` makes systemd reject the file.

    After a broken header, parsing goes on as if it had been closed, so the
    rest of the file is still checked instead of drowning in follow-up errors.
    """
    if not stripped.endswith("]") or len(stripped) < 2:
        _add(
            diags, "bad_header", pos,
            f"invalid section header {stripped!r}: it must end with ']'; "
            "systemd refuses to load the whole file",
        )  # fmt: skip
        return stripped[1:].strip()
    return stripped[1:-1]


def _assignment(
    stripped: str, section: str | None, pos: Position, diags: list[Diagnostic]
) -> UnitEntry | None:
    """``Key=Value`` inside a section, or a diagnostic saying why systemd drops it."""
    if section is None:
        _add(diags, "outside", pos, "assignment outside of any [Section]; systemd ignores it")
        return None
    key, sep, value = stripped.partition("=")
    if not sep:
        _add(diags, "no_equals", pos, f"line has no '=': {_short(stripped)}; systemd ignores it")
        return None
    if not key.strip():
        _add(diags, "no_key", pos, "missing key name before '='; systemd ignores the line")
        return None
    return UnitEntry(section, key.strip(), value.strip(), pos.path, pos.line, pos.col)


def _logical_lines(text: str, path: str, diags: list[Diagnostic]) -> Iterator[_Logical]:
    """Join continuation lines and skip comments exactly as ``config_parse()`` does.

    A comment line is skipped even inside a continuation; an empty line ends
    one. A trailing ``\\`` (odd number of backslashes) becomes a space.
    """
    pending: list[str] = []
    start = (0, 1)
    for lineno, raw in _physical_lines(text, path, diags):
        content = raw.lstrip(" \t")
        if content and content[0] in COMMENT_CHARS:
            continue
        if not pending:
            start = (lineno, 1)
        if _continues(raw):
            pending.append(raw[:-1] + " ")
            continue
        yield _Logical("".join(pending) + raw, start[0], start[1])
        pending = []
    if pending:
        pos = Position(path, start[0], 1)
        _add(
            diags, "dangling", pos,
            "the file ends inside a continuation (last line ends with '\\'): truncated file?",
            Severity.WARNING,
        )  # fmt: skip
        yield _Logical("".join(pending), start[0], start[1])


def _continues(raw: str) -> bool:
    """True when ``raw`` ends in an unescaped backslash (``\\\\`` is a literal one)."""
    trailing = len(raw) - len(raw.rstrip("\\"))
    return trailing % 2 == 1


def _physical_lines(text: str, path: str, diags: list[Diagnostic]) -> Iterator[tuple[int, str]]:
    """Number lines by ``\\n`` (what editors show) and split on NUL/CR like systemd.

    systemd's ``read_line()`` treats NUL and a lone CR as line ends too, so a CR
    or NUL inside a value starts a new (usually bogus) line: report it.
    """
    if text.startswith(BOM):
        text = text[1:]
    for lineno, physical in enumerate(text.split("\n"), start=1):
        line = physical.removesuffix("\r")
        if "\0" not in line and "\r" not in line:
            yield lineno, line
            continue
        col = min(i for i in (line.find("\0"), line.find("\r")) if i >= 0) + 1
        what = "NUL byte (binary data?)" if "\0" in line else "carriage return"
        _add(
            diags, "control", Position(path, lineno, col),
            f"{what} inside a line: systemd reads it as a line break",
        )  # fmt: skip
        for piece in re.split("[\0\r]", line):
            yield lineno, piece


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def effective(parses: Sequence[UnitFileParse], section: str, key: str) -> UnitEntry | None:
    """The assignment systemd ends up with: the last one wins, ``Key=`` resets to unset.

    ``parses`` are in the order systemd applies them (unit file, then drop-ins
    as :func:`find_dropins` orders them).
    """
    found: UnitEntry | None = None
    for parse in parses:
        for entry in parse.entries:
            if entry.section == section and entry.key == key:
                found = entry if entry.value else None
    return found


# --- drop-in directories (systemd.unit(5), src/shared/dropin.c) ---------------------------


def dropin_dirs_for(unit: str) -> list[str]:
    """Names of every ``.d`` directory whose drop-ins apply to ``unit``, most specific first.

    Mirrors systemd's ``unit_file_expand_dropin_names()`` plus the type-wide
    directory added last: the unit itself, its template (``foo@.service``),
    then each dash prefix (``foo-bar-.service``, ``foo-.service``, with the
    instance kept for instances), and finally ``service.d``. The order matters
    when two drop-ins share a file name: the more specific one wins.
    """
    names = _unique(_expand_names(unit))
    unit_type = unit.rsplit(".", 1)[-1]
    if unit_type in UNIT_TYPES and unit_type not in names:
        names.append(unit_type)
    return [f"{name}.d" for name in names]


def _expand_names(name: str) -> Iterator[str]:
    yield name
    prefix, at, rest = name.partition("@")
    if not at:
        prefix = name.rsplit(".", 1)[0]
    instance, _, suffix = rest.rpartition(".") if at else ("", "", name.rsplit(".", 1)[-1])
    if at and instance:
        yield from _expand_names(f"{prefix}@.{suffix}")
    chopped = _chop_prefix(prefix)
    if chopped is not None:
        built = f"{chopped}@{instance}" if instance else chopped
        yield from _expand_names(f"{built}.{suffix}")


def _chop_prefix(prefix: str) -> str | None:
    """``foo-bar-baz`` -> ``foo-bar-``; ``foo-bar-`` -> ``foo-``; ``foo-``/``foo`` -> None."""
    base = prefix[:-1] if prefix.endswith("-") else prefix
    dash = base.rfind("-")
    if dash <= 0:
        return None
    return base[: dash + 1]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def unit_search_path(root: Path | str = "/") -> list[Path]:
    """The system manager's unit directories under ``root``, highest priority first."""
    base = Path(root)
    return [base / rel for rel in SYSTEM_UNIT_PATH]


#: Lists the ``*.conf`` file names in a directory; None when it is not a directory.
ConfLister = Callable[[Path], list[str] | None]


def list_conf_names(directory: Path) -> list[str] | None:
    """Read-only listing of ``*.conf`` names in ``directory`` (hidden files skipped).

    The only filesystem access in this module; systemd's conf_files_list()
    also skips dot-files. Unreadable or missing directories list as None.
    """
    try:
        with os.scandir(directory) as it:
            return [e.name for e in it if _is_conf(e)]
    except OSError:
        return None


def _is_conf(entry: os.DirEntry[str]) -> bool:
    """A ``*.conf`` non-directory: a symlink to /dev/null counts (it masks, systemd.unit(5))."""
    name = entry.name
    return name.endswith(".conf") and not name.startswith(".") and not entry.is_dir()


def find_dropins(root: Path, unit: str, lister: ConfLister = list_conf_names) -> list[Path]:
    """Every drop-in that applies to ``unit`` under ``root``, in the order systemd applies them.

    systemd collects the directories (for each search-path dir, each name from
    :func:`dropin_dirs_for`; type-wide dirs last), sorts the ``*.conf`` files by
    file name across all of them, and for a file name found twice keeps the
    first directory's copy: /etc masks /run masks /usr/lib, and a more specific
    directory masks a more generic one (systemd.unit(5), conf_files_list()).
    """
    dirs = _candidate_dirs(root, dropin_dirs_for(unit))
    chosen: dict[str, Path] = {}
    for directory in dirs:
        for name in lister(directory) or ():
            chosen.setdefault(name, directory / name)
    return [chosen[name] for name in sorted(chosen)]


def _candidate_dirs(root: Path, dir_names: list[str]) -> list[Path]:
    """Search-path dirs outermost, names inner; the type-wide ``TYPE.d`` after all others."""
    specific = [d for d in dir_names if d[:-2] not in UNIT_TYPES]
    generic = [d for d in dir_names if d[:-2] in UNIT_TYPES]
    paths = unit_search_path(root)
    return [p / d for p in paths for d in specific] + [p / d for p in paths for d in generic]
