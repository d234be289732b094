"""A line scanner for the plain YAML that big profiles are made of; libyaml does the rest.

Reading a 10,000-service profile through libyaml's event stream costs about
three times what the profile's checks cost: every event is a Python object
with two marks, and the tree is built from them one call at a time (P3/P4).
Yet a fleet profile uses a small corner of YAML: block mappings of
``key: value`` lines, one-line flow mappings (``{high: 192M, max: 256M}``),
sequences of scalars (``extends: [base-server]``, or ``- item`` lines, as
``extends:`` and ``init.command`` lists are written), plain and simply quoted
scalars, and comments. This module reads exactly that corner with one
regular expression per line and builds the same tree :mod:`oomcfg.yamlload`
builds (same nodes, values, texts and positions).

It is a shortcut, never a second parser: :func:`scan` returns None as soon as
a line is outside the corner (a nested or multi-line sequence entry, a
sequence of mappings, a block scalar, a multi-line or spaced plain scalar, an
escape, a tab, a CR, a non-ASCII character, an anchor, a tag, a directive, a
document marker, an empty value, odd indentation) or would need a diagnostic
(a duplicate key, a key that is not a string, an integer too long to
convert). The caller then parses the whole file with libyaml, which reports
every problem at its position. Whatever this module accepts is valid YAML
whose tree is fully determined by the rules below; ``tests/test_yamlfast.py``
checks it against libyaml's tree.
"""

from __future__ import annotations

import re
from typing import Any

from oomcfg.yamlcodes import MAX_DEPTH
from oomcfg.yamlcore import NUMERIC_START, WORDS, resolve_plain
from oomcfg.yamlnodes import YMap, YNode, YScalar, YSeq, new_map

# YAML 1.2.2 section 7.3.3 (plain scalars): a plain scalar may not start with an
# indicator; these characters are a safe subset that never starts or ends a token,
# never needs ": " or " #" rules, and never continues onto the next line.
#
# Every repetition is possessive (``*+``, ``++``, Python 3.11): what follows each
# one can never start with a character it takes (a key is followed by ":", a plain
# scalar by a blank, "," or a closing bracket, a run of blanks by a non-blank), so
# giving characters back could never let a line match, and the engine no longer
# tries. Same matches (checked on 300,000 random lines and the mutation corpus);
# the 40,000 lines of a 10,000-service profile match in ~12% less time (P4).
_KEY = r"[A-Za-z0-9_][A-Za-z0-9_.-]*+"
_PLAIN = r"(?:[A-Za-z0-9_./+]|-(?=[A-Za-z0-9_./+%@-]))[A-Za-z0-9_./+%@-]*+"
# Section 7.3.1/7.3.2: quoted scalars without escapes, without line breaks.
_QUOTED = r"\"[^\"\\\n]*+\"|'[^'\n]*+'"
# Section 7.4.1: a one-line flow sequence of plain or quoted scalars (``[base-server]``,
# ``[/usr/bin/worker, --queue, default]``); none of them holds ``,[]{}``.
_SEQ_ITEM = rf"{_PLAIN}|{_QUOTED}"
_FLOW_SEQ = rf"\[ *+(?:(?:{_SEQ_ITEM})(?: *+, *+(?:{_SEQ_ITEM}))*+)? *+\]"
# Section 7.4.2: a one-line flow mapping of ``key: value`` pairs, each value a plain or
# quoted scalar or a flow sequence (``{name: worker, command: [/usr/bin/w, -q]}``).
_FLOW_ITEM = rf"{_KEY}: ++(?:{_PLAIN}|{_QUOTED}|{_FLOW_SEQ})"
_FLOW = rf"\{{ *+(?:{_FLOW_ITEM}(?: *+, *+{_FLOW_ITEM})*+)? *+\}}"
#: One whole line: indentation, then nothing, or ``key:`` or a block sequence's
#: ``-`` (section 8.2.1) with an optional value after its blanks; then an
#: optional comment, which needs a space before its ``#`` (section 6.6). No
#: part can match a line break, so over a whole text :meth:`re.Pattern.findall`
#: gives at most one match per line, and exactly one for each line when every
#: line is in the corner.
_LINE = re.compile(
    rf"^( *+)(?:(?:({_KEY}):|(-))(?:( ++)(?:({_PLAIN})|({_QUOTED})|({_FLOW}|{_FLOW_SEQ})))?"
    rf"(?: ++(?:#.*)?)?|(?:#.*)?)$",
    re.MULTILINE,
)
#: The items of a flow sequence already matched by ``_FLOW_SEQ``, in order.
_SEQ_TOKEN = re.compile(rf"({_PLAIN})|({_QUOTED})")
#: The pairs of a flow mapping already matched by ``_FLOW``, in order.
_PAIR_TOKEN = re.compile(rf"({_KEY}): +(?:({_PLAIN})|({_QUOTED})|({_FLOW_SEQ}))")
_make = tuple.__new__


class _OutsideError(Exception):
    """The text leaves the corner this scanner reads: libyaml must parse it."""


def scan(text: str) -> YNode | None:
    """The tree of ``text`` if it is in the plain corner (see the module doc), else None."""
    if not text.isascii() or "\t" in text or "\r" in text:
        return None
    try:
        return _scan(text)
    except _OutsideError:
        return None


def _scan(text: str) -> YNode:
    """Read every line into nested block mappings, closing them as indentation drops.

    One ``findall`` over the whole text splits and matches every line in C
    (a match object and a method call per line cost more than the matching);
    fewer matches than lines means a line is outside the corner. Then one
    loop with the common work inlined, on purpose: a call per scalar costs
    more than libyaml's own work per event, and this runs for 40,000 lines of
    a 10,000-service profile. ``stack`` holds the open mappings as
    ``[indent, line, pairs, keys, last key]``; ``pending`` says the last key
    had no value, so the next line must open a nested mapping or a block
    sequence (``seq``, see :func:`_sequence_entry`), which becomes that key's
    value when it closes.
    """
    found: list[tuple[str, str, str, str, str, str, str]] = _LINE.findall(text)
    if len(found) != text.count("\n") + 1:
        raise _OutsideError  # some line did not match
    stack: list[list[Any]] = []
    seq: list[Any] | None = None
    pending = False
    numbers: dict[str, object] = {}
    flows: dict[str, _Layout | _Rich] = {}
    make, words = _make, WORDS.get
    for number, (spaces, key, dash, gap, value, quoted, flow) in enumerate(found, 1):
        if not key:
            if dash:
                seq = _sequence_entry(stack, seq, number, pending=pending,
                                      parts=(spaces, gap, value, quoted, flow),
                                      memos=(numbers, flows))
                pending = False
            continue  # else a blank or comment line
        indent = len(spaces)
        if pending or seq is not None or not stack or indent != stack[-1][0]:
            _restructure(stack, seq, pending, indent, number)
            seq, pending = None, False
        mapping = stack[-1]
        if key in mapping[3] or len(key) > _MAX_KEY or key in WORDS or key[0] in NUMERIC_START:
            raise _OutsideError  # see _add_key, inlined here for the 40,000 block keys
        mapping[3].add(key)
        key_node = make(YScalar, (key, key, False, number, indent + 1))
        if value:  # _plain(), inlined for the most common line
            resolved = words(value, value)
            if value[0] in NUMERIC_START and resolved is value:
                resolved = _resolved(value, numbers)
            mapping[2].append((key_node, make(YScalar, (resolved, value, False, number,
                                                        indent + len(key) + len(gap) + 2))))
        elif quoted or flow:
            start = indent + len(key) + len(gap) + 1
            mapping[2].append((key_node, _other_value(quoted, flow, number, start, flows=flows,
                                                      numbers=numbers)))
        else:
            mapping[4] = key_node
            pending = True
    if seq is not None:
        _close_sequence(stack, seq, 0)
    if pending or not stack:
        raise _OutsideError  # a key without a value at the end, or no mapping at all
    _close_to(stack, stack[0][0])
    return _finish(stack[0])


def _other_value(quoted: str, flow: str, line: int, start: int, *,
                 flows: dict[str, _Layout | _Rich],
                 numbers: dict[str, object]) -> YNode:
    """A quoted scalar or a flow collection after ``key:``, at 0-based column ``start``."""
    if quoted:
        inner = quoted[1:-1]
        return _make(YScalar, (inner, inner, True, line, start + 1))
    if flow[0] == "[":
        return _flow_sequence(flow, line, start, numbers)
    return _flow(flow, line, start, flows, numbers)


def _restructure(stack: list[list[Any]], seq: list[Any] | None, pending: bool, indent: int,
                 line: int) -> None:
    """Before a key line at ``indent``: end an open sequence, then open or close mappings.

    A pending key (one without a value) gets a nested mapping that starts on
    this line; otherwise the mappings deeper than ``indent`` are done.
    """
    if seq is not None:
        _close_sequence(stack, seq, indent)
    if pending or not stack:
        if (stack and indent <= stack[-1][0]) or len(stack) >= MAX_DEPTH:
            raise _OutsideError  # ``key:`` with an empty value, or too deep for this path
        stack.append([indent, line, [], set(), None])
    elif indent != stack[-1][0]:
        _close_to(stack, indent)


def _sequence_entry(stack: list[list[Any]], seq: list[Any] | None, line: int, *,
                    pending: bool, parts: tuple[str, str, str, str, str],
                    memos: tuple[dict[str, object], dict[str, _Layout | _Rich]]) -> list[Any]:
    """Add a ``- value`` line to the open block sequence, or open one; return it.

    A block sequence is the value of the key before it (``pending``) and may
    sit at that key's indentation (section 8.2.1, the compact form
    ``extends:`` / ``- base-server``). Every entry is one scalar or flow
    collection on its own line, at the first entry's indentation; a bare
    ``-`` (a nested block) or any other shape is libyaml's. ``seq`` is
    ``[indent, line, col, items]``.
    """
    spaces, gap, value, quoted, flow = parts
    numbers, flows = memos
    indent = len(spaces)
    if not gap or not (value or quoted or flow):
        raise _OutsideError  # "-" alone opens a nested block
    if seq is None:
        if not pending or indent < stack[-1][0] or len(stack) >= MAX_DEPTH:
            raise _OutsideError  # not the value of a key, or too deep for this path
        seq = [indent, line, indent + 1, []]
    elif indent != seq[0]:
        raise _OutsideError
    start = indent + 1 + len(gap)  # 0-based column of the value
    seq[3].append(_plain(value, line, start + 1, numbers) if value else
                  _other_value(quoted, flow, line, start, flows=flows, numbers=numbers))
    return seq


def _close_sequence(stack: list[list[Any]], seq: list[Any], indent: int) -> None:
    """End the open block sequence at a key line indented ``indent``.

    The key must belong to the mapping that owns the sequence or an outer one
    (a key indented deeper cannot follow a sequence entry).
    """
    owner = stack[-1]
    if indent > owner[0]:
        raise _OutsideError
    owner[2].append((owner[4], YSeq(tuple(seq[3]), seq[1], seq[2])))


def _flow_sequence(text: str, line: int, start: int, numbers: dict[str, object]) -> YSeq:
    """A one-line flow sequence, already matched by ``_FLOW_SEQ``, at 0-based column ``start``."""
    items: list[YNode] = []
    for token in _SEQ_TOKEN.finditer(text, 1, len(text) - 1):
        col = start + token.start() + 1
        if token[1] is not None:
            items.append(_plain(token[1], line, col, numbers))
        else:
            inner = token[2][1:-1]
            items.append(_make(YScalar, (inner, inner, True, line, col)))
    return YSeq(tuple(items), line, start + 1)


#: libyaml refuses an implicit key longer than 1024 characters (YAML 1.2.2
#: section 7.4); a key near that length is left to it.
_MAX_KEY = 1000


def _add_key(seen: set[str], key: str) -> None:
    """Note ``key`` of a flow mapping; a repeated or non-string key is libyaml's to report."""
    if key in seen or len(key) > _MAX_KEY or key in WORDS or key[0] in NUMERIC_START:
        raise _OutsideError  # NUMERIC_START: a key such as 0x10 may not be a string
    seen.add(key)


def _close_to(stack: list[list[Any]], indent: int) -> None:
    """End the mappings deeper than ``indent``; each becomes its parent's last value."""
    while indent < stack[-1][0]:
        done = stack.pop()
        if not stack:
            raise _OutsideError  # a line left of the root mapping
        parent = stack[-1]
        parent[2].append((parent[4], _finish(done)))
    if indent != stack[-1][0]:
        raise _OutsideError  # indentation that matches no open mapping


def _finish(done: list[Any]) -> YMap:
    """The finished mapping ``[indent, line, pairs, keys, last key]``: its keys are checked."""
    return new_map(tuple(done[2]), done[1], done[0] + 1)


def _plain(text: str, line: int, col: int, numbers: dict[str, object]) -> YScalar:
    """A plain scalar with its core-schema value (section 10.3.2), as yamlload resolves it."""
    value = WORDS.get(text, text)
    if value is text and text[0] in NUMERIC_START:
        value = _resolved(text, numbers)
    return _make(YScalar, (value, text, False, line, col))


def _resolved(text: str, numbers: dict[str, object]) -> object:
    """The value of a plain scalar that starts like a number (``500`` an int, ``192M`` a str).

    ``numbers`` remembers them: a fleet repeats a few dozen such texts
    thousands of times. Too many digits to convert is libyaml's to report (OC012).
    """
    value = numbers.get(text, _UNSEEN)
    if value is _UNSEEN:
        try:
            value = numbers[text] = resolve_plain(text)
        except ValueError:
            raise _OutsideError from None
    return value


_UNSEEN = object()
#: A flow mapping's items as (key, its value, offset, word, its value, offset),
#: offsets counted from the ``{``: the layout of a mapping of plain words.
_Layout = tuple[tuple[str, object, int, str, object, int], ...]


class _Rich(tuple[tuple[str, int, YNode], ...]):
    """The layout of a flow mapping with a quoted or sequence value: (key, offset, value
    node at line 0 and column offset) per pair, moved to each occurrence's place."""


def _flow(text: str, line: int, start: int, flows: dict[str, _Layout | _Rich],
          numbers: dict[str, object]) -> YMap:
    """A one-line flow mapping, already matched by ``_FLOW``, at 0-based column ``start``.

    A fleet writes the same few flow mappings (``{high: 192M, max: 256M}``)
    thousands of times, so each text is split once and its layout reused.
    """
    layout = flows.get(text)
    if layout is None:
        layout = flows[text] = _layout(text, numbers)
    make, col = _make, start + 1
    if isinstance(layout, _Rich):
        return new_map(tuple((make(YScalar, (key, key, False, line, col + key_at)),
                              _placed(node, line, col)) for key, key_at, node in layout),
                       line, col)
    pairs = [(make(YScalar, (key_value, key, False, line, col + key_at)),
              make(YScalar, (value, word, False, line, col + word_at)))
             for key, key_value, key_at, word, value, word_at in layout]
    return new_map(tuple(pairs), line, col)


def _placed(node: YNode, line: int, col: int) -> YNode:
    """A copy of a layout's value node (line 0, columns from the ``{``) at ``line``, ``col``."""
    if type(node) is YSeq:
        return YSeq(tuple(_placed(item, line, col) for item in node.items), line, col + node.col)
    assert type(node) is YScalar
    return node._replace(line=line, col=col + node.col)


def _layout(text: str, numbers: dict[str, object]) -> _Layout | _Rich:
    """Split a flow mapping already matched by ``_FLOW`` into its pairs, once per text.

    Keys get the same checks as block keys (see :func:`_add_key`). Offsets
    count from the ``{``; a mapping of plain words gets the compact layout
    :func:`_flow` places fastest.
    """
    seen: set[str] = set()
    pairs: list[tuple[str, int, YNode]] = []
    for token in _PAIR_TOKEN.finditer(text, 1, len(text) - 1):
        key, word, quoted, seq = token.groups()
        _add_key(seen, key)
        if word is not None:
            node: YNode = _plain(word, 0, token.start(2), numbers)
        elif quoted is not None:
            inner = quoted[1:-1]
            node = _make(YScalar, (inner, inner, True, 0, token.start(3)))
        else:
            node = _flow_sequence(seq, 0, token.start(4) - 1, numbers)
        pairs.append((key, token.start(1), node))
    if all(type(node) is YScalar and not node.quoted for _, _, node in pairs):
        return tuple((key, key, key_at, node.text, node.value, node.col)  # type: ignore[union-attr]
                     for key, key_at, node in pairs)
    return _Rich(pairs)
