"""The YAML tree the loader builds: scalars, sequences and mappings with positions.

Three small named tuples instead of PyYAML's nodes: a :class:`YScalar` keeps
its core-schema value *and* its source text (so the schema layer can refuse
``0100`` although it means 100) and its 1-based line and column. Split out
of :mod:`oomcfg.yamlload`, which builds these and re-exports them.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
from typing import NamedTuple, TypeAlias

from oomcfg.yamlcore import key_text


class YScalar(NamedTuple):
    """A scalar with its core-schema value, source text and 1-based position.

    ``value`` is None, bool, int, float or str by the core schema for plain
    scalars, and always the str ``text`` when ``quoted`` (``'...'``, ``"..."``,
    ``|``, ``>``). ``text`` is the content libyaml read: without quotes, escapes
    processed, multi-line scalars folded; so the schema layer can refuse
    spellings the core schema accepts (``0100``, ``0x10``, ``+5``, ``1e2``).

    A named tuple rather than a frozen dataclass: a 10,000-service profile has
    over 100,000 scalars, and building a tuple is one C call where a frozen
    dataclass sets each field through ``object.__setattr__`` (about 4x the
    cost, P3/P4). It is just as immutable, and compares by its fields.
    """

    value: object
    text: str
    quoted: bool
    line: int
    col: int


class YSeq(NamedTuple):
    """A sequence; ``line``/``col`` is where it starts (``-`` or ``[``).

    Named tuples, like :class:`YScalar`: a 10,000-service profile has 18,000
    mappings, and a frozen dataclass costs a millisecond to define at every
    start. Equality compares the type too, since the two have the same fields.
    """

    items: tuple["YNode", ...]  # defined below: quoted, evaluated by mypy only
    line: int
    col: int


class YMap(NamedTuple):
    """A mapping with scalar keys in file order, duplicates already removed."""

    items: tuple[tuple[YScalar, "YNode"], ...]
    line: int
    col: int

    def get(self, key: str) -> "YNode | None":
        """Value for ``key``, compared as duplicate detection does (so ``"1"`` finds ``1``).

        A linear scan: right for the few keys of a service; walk ``items`` for
        the big ``services`` mapping.
        """
        for k, v in self.items:
            if key_id(k) == key:
                return v
        return None


YNode: TypeAlias = YScalar | YSeq | YMap


def _same_node(self: tuple[object, ...], other: object) -> bool:
    """Equal as nodes: the same type and fields (an empty ``{}`` is not an empty ``[]``)."""
    return type(self) is type(other) and tuple.__eq__(self, other)


def _other_node(self: tuple[object, ...], other: object) -> bool:
    return not _same_node(self, other)


# YSeq and YMap have the same fields; as plain tuples an empty mapping would equal
# an empty sequence at the same place. The hash stays the tuple's (equal nodes are
# equal tuples).
for _node_type in (YSeq, YMap):
    _node_type.__eq__ = _same_node  # type: ignore[method-assign]
    _node_type.__ne__ = _other_node  # type: ignore[method-assign,assignment]

_make_tuple = tuple.__new__


def new_scalar(value: object, text: str, quoted: bool, line: int, col: int) -> YScalar:
    """``YScalar(value, text, quoted, line, col)`` without the keyword-handling ``__new__``."""
    return _make_tuple(YScalar, (value, text, quoted, line, col))


def new_map(items: tuple[tuple[YScalar, YNode], ...], line: int, col: int) -> YMap:
    """``YMap(items, line, col)`` without the keyword-handling ``__new__`` (one C call)."""
    node: YMap = _make_tuple(YMap, (items, line, col))
    return node


def key_id(key: YScalar) -> str:
    """The string a key stands for, used for duplicate detection and ``get``."""
    value = key.value
    return value if isinstance(value, str) else key_text(value)  # str: the common case, no call
