"""Strict, fast YAML reading: every profile goes through :func:`load_yaml`.

Why not ``yaml.safe_load``: PyYAML resolves scalars by YAML 1.1 (``no``, ``on``
and ``y`` become booleans, ``0644`` becomes 420, ``1:20`` becomes 80), keeps the
last of two duplicate keys silently and expands alias bombs; its pure-Python
loader hits ``RecursionError`` below 1000 levels. ruamel.yaml gets the 1.2
meanings right but is 6-10x slower on a 10,000-service profile (design notes,
performance.md). So we take only the *event stream* of libyaml's C parser
(``yaml._yaml.CParser``: iterative, keeps line/column, constructs nothing) and
build our own small tree of :class:`YScalar` / :class:`YSeq` / :class:`YMap`
with an explicit stack, the garbage collector paused. Plain scalars are
resolved by the YAML 1.2.2 *core* schema (section 10.3.2); quoted and block
scalars are always strings. We never compose PyYAML nodes: its composer calls
the 1.1 regex resolvers for every node (about 8x the cost of the events),
recurses in C without a depth check, and forgets anchors never aliased.
libyaml 0.2.6 (in PyYAML 6 wheels) stops at 1000 nested levels; we stop at
:data:`MAX_DEPTH`. Measured on a 10,000-service profile: about 0.3-0.6x the
time of ``yaml.load(data, Loader=yaml.CSafeLoader)`` and half its memory.

Every problem is a diagnostic ``path:line:col: error[CODE]: message (hint)``
with a code from :data:`CODES` (OC001-OC019 belong to this module).

What is returned: ``(None, diags)`` when the bytes or the syntax are bad (the
parser cannot go on) or the file has no document; otherwise the root node
*and* any OC005-OC012 diagnostics, so the schema layer can report its own
problems in the same run. Offending parts are left out of the tree: aliases,
too-deep collections, pairs with a non-scalar key, and the second of two
duplicate keys (the first wins, unlike PyYAML). Any error diagnostic means
the file is invalid.

Duplicate keys are compared as the *string the schema layer sees*: a str
key by its value, ``null``/``true``/``false`` by those words, numbers by their
decimal form. So ``1``, ``"1"`` and ``0x1`` collide, and so do ``null`` and
``"null"``; in a profile every key is a name, so two spellings of one name
are the same mistake.

A UTF-8 byte order mark is rejected (OC002) but parsing continues, so the
other problems of such a file still show. Line and column count characters
and libyaml's line breaks (CRLF, CR, LF, NEL, LS, PS) everywhere.
"""

from __future__ import annotations

import gc
import itertools
import math
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from oomcfg.diagnostics import Diagnostic, Position

try:  # libyaml's C parser; PyYAML without it still works, only slower
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - every supported wheel ships libyaml
    _CParser = None  # type: ignore[assignment, misc]

#: Largest profile accepted, in bytes. A 10,000-service profile with a nested
#: memory map per service is 1.5-2.5 MiB, so 1 MiB would refuse real fleets;
#: 8 MiB bounds memory and time (aliases are rejected, so nothing expands).
MAX_BYTES = 8 << 20
#: Deepest nesting of collections; a profile needs about 5. Deeper input gets
#: OC008 instead of a ``RecursionError`` anywhere downstream.
MAX_DEPTH = 64
#: At most this many OC002/OC003 findings per file (a binary file has many).
MAX_BYTE_FINDINGS = 20

#: code -> (slug, what it means): this module's codes, the same shape as
#: ``oomcfg.schema.CODES`` so docs and SARIF rules are built from both alike.
CODES: dict[str, tuple[str, str]] = {
    "OC001": ("file-too-large", "the file is larger than MAX_BYTES (checked before decoding)"),
    "OC002": ("not-utf8", "a byte that is not UTF-8, or a UTF-8 byte order mark"),
    "OC003": ("control-character", "a character outside YAML's printable set (spec 5.1): "
              "C0 other than tab/LF/CR, DEL, C1 other than NEL, U+FFFE, U+FFFF"),
    "OC004": ("yaml-syntax", "a YAML syntax error, at libyaml's problem mark"),
    "OC005": ("duplicate-key", "a mapping key given twice; the message names both lines"),
    "OC006": ("anchor-alias", "an anchor (&a) or alias (*a): rejected, never expanded"),
    "OC007": ("tag", "any explicit tag: !!str, !foo, !!python/..., even a bare !"),
    "OC008": ("too-deep", "collections nested deeper than MAX_DEPTH"),
    "OC009": ("complex-key", "a mapping key that is a sequence or a mapping"),
    "OC010": ("multiple-documents", "more than one YAML document in the file"),
    "OC011": ("directive", "a %YAML or %TAG directive (the core schema is not negotiable)"),
    "OC012": ("integer-too-long", "a decimal integer longer than Python converts (4300 digits)"),
    "OC013": ("unreadable", "the file cannot be read (missing, no permission, or not a "
              "regular file: a directory, FIFO or device is never opened for reading)"),
}  # fmt: skip
#: What each code tells the user to do (the diagnostic's hint).
_HINTS: dict[str, str] = {
    "OC001": f"split the profile; the limit is {MAX_BYTES >> 20} MiB",
    "OC002": "save the file as UTF-8 without a byte order mark",
    "OC003": "only tab, line breaks and printable characters may appear",
    "OC005": "YAML keeps only one of them; remove or rename one",
    "OC006": "write each value out; anchors and aliases are rejected",
    "OC007": "remove the tag; the profile schema gives every value its type",
    "OC008": f"a profile nests a few levels; the limit is {MAX_DEPTH}",
    "OC009": "use a plain name as the key",
    "OC010": "a profile is exactly one YAML document; remove the '---'",
    "OC011": "remove it; oomcfg always reads YAML 1.2 with the core schema",
    "OC012": "no profile value needs that many digits",
    "OC013": "check the path and its permissions",
}

_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_BAD_BYTES = re.compile("[\udc80-\udcff]+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
# YAML 1.2.2 section 10.3.2 (core schema), applied to plain scalars only.
_WORDS: dict[str, object] = {
    **dict.fromkeys(("", "~", "null", "Null", "NULL")),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}
_NUMBER = re.compile(
    r"(?P<int>[-+]?[0-9]+)|(?P<oct>0o[0-7]+)|(?P<hex>0x[0-9a-fA-F]+)"
    r"|(?P<float>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<inf>[-+]?\.(?:inf|Inf|INF))|(?P<nan>\.(?:nan|NaN|NAN))"
)
_CONVERT: dict[str | None, Callable[[str], object]] = {
    "int": int,
    "oct": lambda text: int(text[2:], 8),
    "hex": lambda text: int(text[2:], 16),
    "float": float,
    "inf": lambda text: float(text[:-4] + "inf"),
    "nan": lambda text: math.nan,
}
_NUMERIC_START = frozenset("0123456789+-.")
_CORE_TAG = "tag:yaml.org,2002:"


@dataclass(frozen=True, slots=True)
class YScalar:
    """A scalar with its core-schema value, source text and 1-based position.

    ``value`` is None, bool, int, float or str by the core schema for plain
    scalars, and always the str ``text`` when ``quoted`` (``'...'``, ``"..."``,
    ``|``, ``>``). ``text`` is the content libyaml read: without quotes, escapes
    processed, multi-line scalars folded; so the schema layer can refuse
    spellings the core schema accepts (``0100``, ``0x10``, ``+5``, ``1e2``).
    """

    value: object
    text: str
    quoted: bool
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class YSeq:
    """A sequence; ``line``/``col`` is where it starts (``-`` or ``[``)."""

    items: tuple[YNode, ...]
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class YMap:
    """A mapping with scalar keys in file order, duplicates already removed."""

    items: tuple[tuple[YScalar, YNode], ...]
    line: int
    col: int

    def get(self, key: str) -> YNode | None:
        """Value for ``key``, compared as duplicate detection does (so ``"1"`` finds ``1``).

        A linear scan: right for the few keys of a service; walk ``items`` for
        the big ``services`` mapping.
        """
        for k, v in self.items:
            if _key_id(k) == key:
                return v
        return None


YNode: TypeAlias = YScalar | YSeq | YMap

# A frozen dataclass's __init__ goes through object.__setattr__ per field; the
# slot descriptors themselves are twice as fast, and a big profile has 200,000
# scalars. Same object, same immutability afterwards.
_SET_VALUE, _SET_TEXT, _SET_QUOTED, _SET_LINE, _SET_COL = (
    getattr(YScalar, name).__set__ for name in YScalar.__slots__
)


def _new_scalar(value: object, text: str, quoted: bool, line: int, col: int) -> YScalar:
    """``YScalar(value, text, quoted, line, col)``, built the fast way."""
    node: YScalar = object.__new__(YScalar)
    _SET_VALUE(node, value)
    _SET_TEXT(node, text)
    _SET_QUOTED(node, quoted)
    _SET_LINE(node, line)
    _SET_COL(node, col)
    return node


def resolve_plain(text: str) -> object:
    """Value of a *plain* scalar by the YAML 1.2 core schema.

    Raises ``ValueError`` only for a decimal integer longer than Python's
    ``sys.get_int_max_str_digits()``.
    """
    if text in _WORDS:
        return _WORDS[text]
    if text.isdigit() and text.isascii():  # the common case, without a regex
        return int(text)
    if text[0] in _NUMERIC_START:
        number = _NUMBER.fullmatch(text)
        if number is not None:
            return _CONVERT[number.lastgroup](text)
    return text


def _key_id(key: YScalar) -> str:
    """The string a key stands for, used for duplicate detection and ``get``."""
    value = key.value
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return repr(value)


def _tag_text(tag: str) -> str:
    """Show a tag as written: libyaml expands ``!!str`` to the long form."""
    if tag.startswith(_CORE_TAG):
        return "!!" + tag[len(_CORE_TAG) :]
    return tag


def _diag(code: str, message: str, pos: Position) -> Diagnostic:
    """An error with the code's slug and hint."""
    return Diagnostic(code, message, pos, slug=CODES[code][0], hint=_HINTS.get(code, ""))


def _where(event: Event) -> tuple[int, int]:
    """1-based line and column of an event's start (libyaml counts from 0)."""
    mark = event.start_mark
    if mark is None:  # pragma: no cover - both parsers always set marks
        return 1, 1
    return mark.line + 1, mark.column + 1


class _Dropped:
    """Stands in for a node left out of the tree: an alias or a too-deep collection."""


_DROPPED = _Dropped()


class _Frame:
    """An open collection; a mapping's ``items`` alternate key, value, key, value."""

    __slots__ = ("col", "dropped", "is_map", "items", "line")

    def __init__(self, is_map: bool, line: int, col: int) -> None:
        self.is_map = is_map
        self.line = line
        self.col = col
        self.items: list[YNode | _Dropped] = []
        self.dropped = False


class _Builder:
    """Turns libyaml events into a tree, collecting diagnostics as it goes.

    The bottom frame collects document roots, so every finished node is simply
    appended to ``stack[-1].items``; mappings pair and check their keys when
    they end.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.diags: list[Diagnostic] = []
        self.stack = [_Frame(False, 1, 1)]
        self.documents = 0
        self.skipping = 0  # > 0 while inside a too-deep collection
        self.dispatch: dict[type[Event], Callable[[Any], None]] = {
            ScalarEvent: self.on_scalar,
            MappingStartEvent: self.on_start,
            SequenceStartEvent: self.on_start,
            MappingEndEvent: self.on_end,
            SequenceEndEvent: self.on_end,
            AliasEvent: self.on_alias,
            DocumentStartEvent: self.on_document,
            DocumentEndEvent: _ignore,
            StreamStartEvent: _ignore,
            StreamEndEvent: _ignore,
        }

    def feed(self, events: Iterator[Event]) -> YNode | None:
        """Consume every event and return the first document's root.

        Parse errors propagate to the caller.
        """
        dispatch = self.dispatch
        for event in events:
            dispatch[type(event)](event)
        roots = self.stack[0].items
        return None if not roots or isinstance(roots[0], _Dropped) else roots[0]

    def report(self, code: str, event: Event, message: str) -> None:
        """Add an error at the event's start mark."""
        self.diags.append(_diag(code, message, Position(self.path, *_where(event))))

    def report_at(self, code: str, node: YNode, message: str) -> None:
        """Add an error at a node's position."""
        self.diags.append(_diag(code, message, Position(self.path, node.line, node.col)))

    def check_properties(self, event: NodeEvent) -> None:
        """OC006 for an anchor, OC007 for a tag on a scalar or collection."""
        anchor = event.anchor
        if anchor is not None:
            self.report("OC006", event, f"anchor '&{anchor}' is not allowed")
        tag = getattr(event, "tag", None)
        if tag is not None:
            self.report("OC007", event, f"tag '{_tag_text(tag)}' is not allowed")

    def on_document(self, event: DocumentStartEvent) -> None:
        """Count documents; report directives and every document after the first."""
        self.documents += 1
        if self.documents == 2:
            self.report("OC010", event, "a second document starts here")
        if event.version is not None or event.tags:
            self.report("OC011", event, "%YAML and %TAG directives are not allowed")

    def on_scalar(self, event: ScalarEvent) -> None:
        """Build a YScalar, resolving plain scalars by the core schema."""
        if event.anchor is not None or event.tag is not None:
            self.check_properties(event)
        if self.skipping:
            return
        text = event.value
        quoted = bool(event.style)
        value: object = text
        if not quoted:
            try:
                value = resolve_plain(text)
            except ValueError:
                self.report("OC012", event, f"integer with {len(text)} digits is too long")
        self.stack[-1].items.append(_new_scalar(value, text, quoted, *_where(event)))

    def on_alias(self, event: AliasEvent) -> None:
        """Aliases are never expanded: that is what makes alias bombs harmless."""
        self.report("OC006", event, f"alias '*{event.anchor}' is not allowed")
        if not self.skipping:
            self.drop()

    def on_start(self, event: MappingStartEvent | SequenceStartEvent) -> None:
        """Open a collection, or start skipping one that is too deep."""
        if event.anchor is not None or event.tag is not None:
            self.check_properties(event)
        if self.skipping:
            self.skipping += 1
        elif len(self.stack) > MAX_DEPTH:  # the bottom frame is not a collection
            self.report("OC008", event, f"nesting is deeper than {MAX_DEPTH} levels")
            self.skipping = 1
        else:
            is_map = type(event) is MappingStartEvent
            self.stack.append(_Frame(is_map, *_where(event)))

    def on_end(self, event: Event) -> None:
        """Close the innermost collection and hand it to its parent."""
        if self.skipping:
            self.skipping -= 1
            if not self.skipping:
                self.drop()
            return
        frame = self.stack.pop()
        node: YNode
        if frame.is_map:
            node = YMap(self.pairs(frame.items), frame.line, frame.col)
        elif frame.dropped:
            items = tuple(item for item in frame.items if not isinstance(item, _Dropped))
            node = YSeq(items, frame.line, frame.col)
        else:
            node = YSeq(tuple(frame.items), frame.line, frame.col)  # type: ignore[arg-type]
        self.stack[-1].items.append(node)

    def drop(self) -> None:
        """Hold the place of a node left out, so keys and values stay paired."""
        frame = self.stack[-1]
        frame.items.append(_DROPPED)
        frame.dropped = True

    def pairs(self, items: list[YNode | _Dropped]) -> tuple[tuple[YScalar, YNode], ...]:
        """Pair keys with values: OC009 for collection keys, OC005 for repeated keys.

        A pair is left out when its key or value was dropped, its key is not a
        scalar, or its key repeats an earlier one (the first wins).
        """
        seen: dict[str, YScalar] = {}
        pairs: list[tuple[YScalar, YNode]] = []
        flat = iter(items)
        for key, value in zip(flat, flat, strict=True):
            if isinstance(key, _Dropped):
                continue
            if not isinstance(key, YScalar):
                self.report_at("OC009", key, "a mapping key must be a scalar")
                continue
            name = _key_id(key)
            first = seen.setdefault(name, key)
            if first is not key:
                self.report_at("OC005", key, f"duplicate key '{name}' ({_first_at(first, key)})")
            elif not isinstance(value, _Dropped):
                pairs.append((key, value))
        return tuple(pairs)


def _ignore(event: Event) -> None:
    """Events that need no work: stream start/end, document end."""


def _first_at(first: YScalar, again: YScalar) -> str:
    """Where a repeated key was first seen; the column too when on the same line."""
    if first.line == again.line:
        return f"first at line {first.line}, column {first.col}"
    return f"first at line {first.line}"


def _positions(path: str, text: str, indexes: list[int]) -> list[Position]:
    """1-based line and column (in characters) of each ascending index into ``text``.

    Line breaks are libyaml's (YAML 1.1 section 5.4): CRLF, CR, LF, NEL, LS, PS;
    one pass over the text however many findings there are.
    """
    positions: list[Position] = []
    breaks = _LINE_BREAK.finditer(text)
    line, line_start, pending = 1, 0, next(breaks, None)
    for index in indexes:
        while pending is not None and pending.end() <= index:
            line, line_start, pending = line + 1, pending.end(), next(breaks, None)
        positions.append(Position(path, line, index - line_start + 1))
    return positions


def _findings(
    pattern: re.Pattern[str], text: str, path: str, code: str, template: str, *, offset: int = 0
) -> list[Diagnostic]:
    """One diagnostic per match, at most MAX_BYTE_FINDINGS (a binary file matches a lot).

    ``template`` is formatted with the code point of the match's first character
    minus ``offset``.
    """
    matches = list(itertools.islice(pattern.finditer(text), MAX_BYTE_FINDINGS))
    positions = _positions(path, text, [m.start() for m in matches])
    return [
        _diag(code, template.format(ord(m.group()[0]) - offset), pos)
        for m, pos in zip(matches, positions, strict=True)
    ]


def _decode(data: bytes, path: str, diags: list[Diagnostic]) -> tuple[str, bool]:
    """Strict UTF-8 decode: ``(text, True)``, or OC002 per run of bad bytes and False.

    The text is returned either way (a bad byte b as U+DC00 + b), so the
    other byte-level checks still run on it and report in the same run.
    """
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        text = data.decode("utf-8", "surrogateescape")
    template = "invalid UTF-8 byte 0x{:02x}"
    diags.extend(_findings(_BAD_BYTES, text, path, "OC002", template, offset=0xDC00))
    return text, False


def _check_text(text: str, path: str, diags: list[Diagnostic]) -> bool:
    """OC002 for a byte order mark, OC003 for each control character; False if any OC003."""
    if text.startswith("\ufeff"):
        bom = "UTF-8 byte order mark at the start of the file"
        diags.append(_diag("OC002", bom, Position(path, 1, 1)))
    template = "control character U+{:04X} is not allowed"
    found = _findings(_CONTROL, text, path, "OC003", template)
    diags.extend(found)
    return not found


def _events(data: bytes) -> Iterator[Event]:
    """libyaml's event stream; the pure-Python parser if PyYAML lacks libyaml."""
    if _CParser is not None:
        parser = _CParser(data)
        return iter(parser.get_event, None)
    return yaml.parse(data, Loader=yaml.SafeLoader)


def _syntax_error(error: yaml.YAMLError, path: str) -> Diagnostic:
    """OC004 at libyaml's problem mark, with its context ("while parsing ...").

    libyaml 0.2.6 stops at 1000 nested levels with its own error; that is
    our OC008, so it gets that code.
    """
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return _diag("OC004", f"YAML syntax error: {error}", Position(path, 1, 1))
    mark = error.problem_mark
    pos = Position(path, mark.line + 1, mark.column + 1)
    message = error.problem or "YAML syntax error"
    if "maximum nesting depth" in message:
        return _diag("OC008", f"nesting is deeper than {MAX_DEPTH} levels", pos)
    context, where = error.context, error.context_mark
    if context and where is not None:
        message += f" ({context} at line {where.line + 1}, column {where.column + 1})"
    return _diag("OC004", message, pos)


def _parse(data: bytes, path: str, diags: list[Diagnostic]) -> YNode | None:
    """Build the tree from events with the garbage collector paused.

    The walk allocates hundreds of thousands of small objects, none of them
    garbage; the collector would scan them again and again (measured on a
    10,000-service profile: 1.07 s with it running, 0.73 s paused).
    """
    builder = _Builder(path)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        root = builder.feed(_events(data))
    except yaml.YAMLError as error:
        diags.extend(builder.diags)
        last = _syntax_error(error, path)
        if last.code != "OC008" or all(d.code != "OC008" for d in diags):
            diags.append(last)
        return None
    finally:
        if was_enabled:
            gc.enable()
    diags.extend(builder.diags)
    return root


def load_yaml(data: bytes, path: str) -> tuple[YNode | None, list[Diagnostic]]:
    """Parse one profile's bytes strictly; never raises for bad input.

    ``path`` is what diagnostics show. See the module docstring for what is
    returned and the codes used; diagnostics come sorted by position.
    """
    if len(data) > MAX_BYTES:
        message = f"file is larger than {MAX_BYTES} bytes"
        return None, [_diag("OC001", message, Position(path))]
    diags: list[Diagnostic] = []
    text, decoded = _decode(data, path, diags)
    if not _check_text(text, path, diags) or not decoded:
        diags.sort(key=Diagnostic.sort_key)
        return None, diags
    root = _parse(data, path, diags)
    if isinstance(root, YScalar) and root.value is None and not root.text and not root.quoted:
        root = None  # a lone '---' is an empty document, like an empty file
    diags.sort(key=Diagnostic.sort_key)
    return root, diags


def load_yaml_file(
    path: Path | str, display: str | None = None
) -> tuple[YNode | None, list[Diagnostic]]:
    """Read and parse a profile file; an unreadable file is OC013, not an exception.

    Only a regular file (after symlinks) is read: opening a FIFO for reading
    blocks until some writer appears, and a device never ends, so both are
    OC013 at once (the file is opened ``O_NONBLOCK`` and checked with fstat
    before any read). At most ``MAX_BYTES + 1`` bytes are read, so a huge
    file costs nothing before OC001.
    """
    shown = str(path) if display is None else display
    try:
        data = _read_regular(Path(path))
    except OSError as error:
        reason = error.strerror or str(error)
        return None, [_diag("OC013", f"cannot read file: {reason}", Position(shown))]
    return load_yaml(data, shown)


#: What a non-regular file is called in OC013 (stat.S_IFMT -> name).
_FILE_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket",
               stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device"}


def _read_regular(path: Path) -> bytes:
    """Up to ``MAX_BYTES + 1`` bytes of a regular file; OSError for anything else."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as stream:
        kind = stat.S_IFMT(os.fstat(fd).st_mode)
        if kind != stat.S_IFREG:
            raise OSError(f"not a regular file ({_FILE_KINDS.get(kind, 'special file')})")
        return stream.read(MAX_BYTES + 1)


def to_python(node: YNode) -> object:
    """Plain dicts, lists and scalar values (for tests and JSON output).

    Recursion is safe: :data:`MAX_DEPTH` bounds every tree this module builds.
    """
    if isinstance(node, YScalar):
        return node.value
    if isinstance(node, YSeq):
        return [to_python(item) for item in node.items]
    return {key.value: to_python(value) for key, value in node.items}
