"""The YAML tree the loader builds: scalars, sequences and mappings with positions.

Three small frozen types instead of PyYAML's nodes: a :class:`YScalar` keeps
its core-schema value *and* its source text (so the schema layer can refuse
``0100`` although it means 100) and its 1-based line and column. Split out
of :mod:`oomcfg.yamlload`, which builds these and re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
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
            if key_id(k) == key:
                return v
        return None


YNode: TypeAlias = YScalar | YSeq | YMap

_make_tuple = tuple.__new__
# A frozen dataclass's __init__ goes through object.__setattr__ per field; the
# slot descriptors themselves are twice as fast (18,000 mappings at 10,000
# services). Same object, same immutability afterwards.
_SET_ITEMS, _SET_LINE, _SET_COL = (getattr(YMap, name).__set__ for name in YMap.__slots__)


def new_scalar(value: object, text: str, quoted: bool, line: int, col: int) -> YScalar:
    """``YScalar(value, text, quoted, line, col)`` without the keyword-handling ``__new__``."""
    return _make_tuple(YScalar, (value, text, quoted, line, col))


def new_map(items: tuple[tuple[YScalar, YNode], ...], line: int, col: int) -> YMap:
    """``YMap(items, line, col)``, built the fast way."""
    node: YMap = object.__new__(YMap)
    _SET_ITEMS(node, items)
    _SET_LINE(node, line)
    _SET_COL(node, col)
    return node


def key_id(key: YScalar) -> str:
    """The string a key stands for, used for duplicate detection and ``get``."""
    value = key.value
    return value if isinstance(value, str) else key_text(value)  # str: the common case, no call
