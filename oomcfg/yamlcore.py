"""YAML 1.2 core-schema meaning of plain scalars (YAML 1.2.2, section 10.3.2).

libyaml's parser hands us scalar *text*; what it means is decided here, not by
PyYAML's 1.1 resolvers: ``no``, ``on`` and ``y`` stay words, ``0644`` is the
decimal 644 (the schema layer then refuses the spelling), ``1:20`` is a
string, ``0o17`` and ``0x1f`` are integers. Quoted and block scalars never
come here: they are always strings. Split out of :mod:`oomcfg.yamlload`,
which re-exports :func:`resolve_plain`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

# YAML 1.2.2 section 10.3.2 (core schema), applied to plain scalars only.
#: Plain scalars that are null or booleans, by their exact spelling (the loader
#: looks words up here first).
WORDS: dict[str, object] = {
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
#: First characters of every plain scalar that can be a number (else it is a string).
NUMERIC_START = frozenset("0123456789+-.")
_CORE_TAG = "tag:yaml.org,2002:"


def resolve_plain(text: str) -> object:
    """Value of a *plain* scalar by the YAML 1.2 core schema.

    Raises ``ValueError`` only for a decimal integer longer than Python's
    ``sys.get_int_max_str_digits()``.
    """
    if text in WORDS:
        return WORDS[text]
    if text.isdigit() and text.isascii():  # the common case, without a regex
        return int(text)
    if text[0] in NUMERIC_START:
        number = _NUMBER.fullmatch(text)
        if number is not None:
            return _CONVERT[number.lastgroup](text)
    return text


def key_text(value: object) -> str:
    """The string a mapping key's value stands for (duplicate detection, lookups).

    A str is itself; ``null``/``true``/``false`` are those words; a number is
    its decimal form. So ``1``, ``"1"`` and ``0x1`` are one key, and so are
    ``null`` and ``"null"``: in a profile every key is a name.
    """
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return repr(value)


def tag_text(tag: str) -> str:
    """Show a tag as written: libyaml expands ``!!str`` to the long form."""
    if tag.startswith(_CORE_TAG):
        return "!!" + tag[len(_CORE_TAG) :]
    return tag
