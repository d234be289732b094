"""libyaml's event stream into the loader's tree: every YAML :mod:`oomcfg.yamlfast` declines.

We take only the *event stream* of libyaml's C parser (``yaml._yaml.CParser``:
iterative, keeps line/column, constructs nothing) and build our own small
tree of :class:`~oomcfg.yamlnodes.YScalar` / ``YSeq`` / ``YMap`` with an
explicit stack, reporting anchors, aliases, tags, directives, repeated keys,
collection keys, a second document and too-deep nesting as it goes
(:mod:`oomcfg.yamlload` explains why, and what the codes mean).

Split out of :mod:`oomcfg.yamlload` and imported only when the plain scanner
declines a file: PyYAML costs ~25 ms to import, which a plain profile no
longer pays (every command's start-up, P3/P4/P7).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
from oomcfg.yamlcodes import MAX_DEPTH, diag
from oomcfg.yamlcore import NUMERIC_START, WORDS, resolve_plain, tag_text
from oomcfg.yamlnodes import YNode, YScalar, YSeq, key_id, new_map, new_scalar

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


def parse_events(data: bytes, path: str, diags: list[Diagnostic]) -> YNode | None:
    """The tree from libyaml's events, adding every problem found to ``diags``.

    A syntax error ends the parse (None) after the problems found before it.
    The caller pauses the garbage collector.
    """
    builder = _Builder(path)
    try:
        root = builder.feed(_events(data))
    except yaml.YAMLError as error:
        diags.extend(builder.diags)
        last = _syntax_error(error, path, data)
        if last.code != "OC008" or all(d.code != "OC008" for d in diags):
            diags.append(last)
        return None
    diags.extend(builder.diags)
    return root
