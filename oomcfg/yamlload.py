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

Layout: :mod:`oomcfg.yamlcodes` holds the codes and limits,
:mod:`oomcfg.yamlbytes` opens the file and checks encoding and characters,
:mod:`oomcfg.yamlcore` gives plain scalars their core-schema meaning,
:mod:`oomcfg.yamlnodes` defines the tree's node types; this module builds the
tree from libyaml's events and is the public entry point.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
from oomcfg.yamlbytes import check_text, decode, read_regular
from oomcfg.yamlcodes import CODES, MAX_BYTES, MAX_DEPTH, diag
from oomcfg.yamlcore import NUMERIC_START, WORDS, resolve_plain, tag_text
from oomcfg.yamlfast import scan
from oomcfg.yamlnodes import YMap, YNode, YScalar, YSeq, key_id, new_map, new_scalar

#: The public API; the codes, limits and :func:`resolve_plain` live in the
#: split-out modules (yamlcodes, yamlcore, yamlnodes) and are re-exported here.
__all__ = [
    "CODES", "MAX_BYTES", "MAX_DEPTH", "YMap", "YNode", "YScalar", "YSeq", "load_yaml",
    "load_yaml_file", "resolve_plain", "to_python",
]

try:  # libyaml's C parser; PyYAML without it still works, only slower
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - every supported wheel ships libyaml
    _CParser = None  # type: ignore[assignment, misc]



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
        # The innermost frame's items: every finished node lands here, so it is
        # kept at hand rather than looked up as stack[-1].items 120,000 times.
        self.top = self.stack[0].items
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

        Parse errors propagate to the caller. Three events in four are plain
        or quoted scalars without properties: those are built right here (a
        word lookup, one tuple), and only the rest go through ``dispatch``;
        the method call per event was a third of the builder's time (P3/P4).
        """
        dispatch = self.dispatch
        words = WORDS.get
        make = tuple.__new__  # new_scalar() inlined: one call less per scalar
        for event in events:
            if (type(event) is not ScalarEvent or event.anchor is not None
                    or event.tag is not None or self.skipping):
                dispatch[type(event)](event)
                continue
            text = event.value
            mark: Any = event.start_mark  # both parsers always set it (see _where)
            if event.style:  # quoted or block: always a string
                self.top.append(make(YScalar, (text, text, True, mark.line + 1, mark.column + 1)))
                continue
            value = words(text, text)
            if value is text and text[0] in NUMERIC_START:
                value = self.number(event, text)
            self.top.append(make(YScalar, (value, text, False, mark.line + 1, mark.column + 1)))
        roots = self.stack[0].items
        return None if not roots or isinstance(roots[0], _Dropped) else roots[0]

    def report(self, code: str, event: Event, message: str) -> None:
        """Add an error at the event's start mark."""
        self.diags.append(diag(code, message, Position(self.path, *_where(event))))

    def report_at(self, code: str, node: YNode, message: str) -> None:
        """Add an error at a node's position."""
        self.diags.append(diag(code, message, Position(self.path, node.line, node.col)))

    def check_properties(self, event: NodeEvent) -> None:
        """OC006 for an anchor, OC007 for a tag on a scalar or collection."""
        anchor = event.anchor
        if anchor is not None:
            self.report("OC006", event, f"anchor '&{anchor}' is not allowed")
        tag = getattr(event, "tag", None)
        if tag is not None:
            self.report("OC007", event, f"tag '{tag_text(tag)}' is not allowed")

    def on_document(self, event: DocumentStartEvent) -> None:
        """Count documents; report directives and every document after the first."""
        self.documents += 1
        if self.documents == 2:
            self.report("OC010", event, "a second document starts here")
        if event.version is not None or event.tags:
            self.report("OC011", event, "%YAML and %TAG directives are not allowed")

    def on_scalar(self, event: ScalarEvent) -> None:
        """A scalar with an anchor or tag, or inside a skipped collection.

        Properties are reported; the scalar itself is built as :meth:`feed`
        builds the common ones.
        """
        if event.anchor is not None or event.tag is not None:
            self.check_properties(event)
        if self.skipping:
            return
        text = event.value
        quoted = bool(event.style)
        value: object = text
        if not quoted:
            value = WORDS.get(text, text)
            if value is text and text[0] in NUMERIC_START:
                value = self.number(event, text)
        self.top.append(new_scalar(value, text, quoted, *_where(event)))

    def number(self, event: ScalarEvent, text: str) -> object:
        """A plain scalar that may be a number (core schema); OC012 for a huge integer."""
        try:
            return resolve_plain(text)
        except ValueError:
            self.report("OC012", event, f"integer with {len(text)} digits is too long")
            return text

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
            frame = _Frame(is_map, *_where(event))
            self.stack.append(frame)
            self.top = frame.items

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
            items = frame.items
            pairs = None if frame.dropped else _plain_pairs(items)
            node = new_map(self.pairs(items) if pairs is None else pairs, frame.line, frame.col)
        elif frame.dropped:
            kept = tuple(item for item in frame.items if not isinstance(item, _Dropped))
            node = YSeq(kept, frame.line, frame.col)
        else:
            node = YSeq(tuple(frame.items), frame.line, frame.col)  # type: ignore[arg-type]
        self.top = self.stack[-1].items
        self.top.append(node)

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
            name = key_id(key)
            first = seen.setdefault(name, key)
            if first is not key:
                self.report_at("OC005", key, f"duplicate key '{name}' ({_first_at(first, key)})")
            elif not isinstance(value, _Dropped):
                pairs.append((key, value))
        return tuple(pairs)


def _plain_pairs(items: list[YNode | _Dropped]) -> tuple[tuple[YScalar, YNode], ...] | None:
    """The pairs of a mapping whose keys are distinct string scalars, else None.

    That is every mapping of a sound profile, so this is checked in C-level
    passes (no call per key); anything else (a collection or number as a key,
    a repeated key) takes :meth:`_Builder.pairs`, which reports it.
    """
    keys = items[::2]
    try:
        names = [key.value for key in keys]  # type: ignore[union-attr]
    except AttributeError:  # a collection as a key (OC009)
        return None
    if len(set(names)) != len(names) or (names and set(map(type, names)) != _STR_ONLY):
        return None
    return tuple(zip(keys, items[1::2], strict=True))  # type: ignore[arg-type]


_STR_ONLY = {str}


def _ignore(event: Event) -> None:
    """Events that need no work: stream start/end, document end."""


def _first_at(first: YScalar, again: YScalar) -> str:
    """Where a repeated key was first seen; the column too when on the same line."""
    if first.line == again.line:
        return f"first at line {first.line}, column {first.col}"
    return f"first at line {first.line}"


def _events(data: bytes) -> Iterator[Event]:
    """libyaml's event stream; the pure-Python parser if PyYAML lacks libyaml."""
    if _CParser is not None:
        parser = _CParser(data)
        return iter(parser.get_event, None)
    return yaml.parse(data, Loader=yaml.SafeLoader)


#: YAML 1.2.2 section 7.4: an implicit key is at most 1024 characters; libyaml
#: then reports one of these problems, far along the line.
_MAX_KEY = 1024
_LONG_KEY_PROBLEMS = ("mapping values are not allowed", "did not find expected ',' or '}'",
                      "could not find expected ':'")


def _syntax_error(error: yaml.YAMLError, path: str, data: bytes) -> Diagnostic:
    """OC004 at libyaml's problem mark, with its context ("while parsing ...").

    libyaml 0.2.6 stops at 1000 nested levels with its own error; that is
    our OC008, so it gets that code.
    """
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return diag("OC004", f"YAML syntax error: {error}", Position(path, 1, 1))
    mark = error.problem_mark
    pos = Position(path, mark.line + 1, mark.column + 1)
    message = error.problem or "YAML syntax error"
    if "maximum nesting depth" in message:
        return diag("OC008", f"nesting is deeper than {MAX_DEPTH} levels", pos)
    context, where = error.context, error.context_mark
    if context and where is not None:
        message += f" ({context} at line {where.line + 1}, column {where.column + 1})"
    if mark.column > _MAX_KEY and message.startswith(_LONG_KEY_PROBLEMS):
        # libyaml does not say why; a 10,000-character name deserves the real reason.
        message += (f" (a mapping key is limited to {_MAX_KEY} characters (YAML 1.2.2, "
                    "section 7.4); use a shorter name)")
    elif _char_at(data, mark.line, mark.column) == "\t":
        message += " (it is a tab: YAML indents with spaces only)"  # YAML 1.2.2 section 6.1
    return diag("OC004", message, pos)


def _char_at(data: bytes, line: int, column: int) -> str:
    """The character at a 0-based mark (only called on a syntax error), or ''."""
    lines = data.decode("utf-8", "replace").splitlines()
    text = lines[line] if line < len(lines) else ""
    return text[column] if column < len(text) else ""


def _parse(data: bytes, text: str, path: str, diags: list[Diagnostic]) -> YNode | None:
    """Build the tree with the garbage collector paused: the plain way, else from events.

    :func:`oomcfg.yamlfast.scan` reads a file made only of plain block
    mappings in about half the time; anything else (and anything that needs
    a diagnostic) it leaves to libyaml's events, read here. The walk
    allocates hundreds of thousands of small objects, none of them garbage;
    the collector would scan them again and again (measured on a
    10,000-service profile: 1.07 s with it running, 0.73 s paused).
    """
    builder = _Builder(path)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        root = scan(text)
        if root is None:
            root = builder.feed(_events(data))
    except yaml.YAMLError as error:
        diags.extend(builder.diags)
        last = _syntax_error(error, path, data)
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
        return None, [diag("OC001", message, Position(path))]
    diags: list[Diagnostic] = []
    text, decoded = decode(data, path, diags)
    if not check_text(text, path, diags) or not decoded:
        diags.sort(key=Diagnostic.sort_key)
        return None, diags
    root = _parse(data, text, path, diags)
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
        data = read_regular(Path(path))
    except OSError as error:
        reason = error.strerror or str(error)
        return None, [diag("OC013", f"cannot read file: {reason}", Position(shown))]
    return load_yaml(data, shown)


def to_python(node: YNode) -> object:
    """Plain dicts, lists and scalar values (for tests and JSON output).

    Recursion is safe: :data:`MAX_DEPTH` bounds every tree this module builds.
    """
    if isinstance(node, YScalar):
        return node.value
    if isinstance(node, YSeq):
        return [to_python(item) for item in node.items]
    return {key.value: to_python(value) for key, value in node.items}
