"""Parse the memory sizes a profile may write into :class:`oomcfg.model.Size`.

systemd.resource-control(5) (``MemoryMax=``) takes bytes with an optional
base-1024 suffix ``K``, ``M``, ``G``, ``T``, a percentage of physical memory,
or ``infinity``. systemd itself is lenient (``2g``, ``1.5G``, ``2 G``), but a
value it rejects is logged and ignored and the service starts unprotected, and
lenient spellings read differently across tools (is ``2GB`` 10^9 or 2^30?).
So oomcfg accepts exactly one spelling per meaning and says what to write
instead; :meth:`oomcfg.model.Size.render` gives the canonical text back.
"""

from __future__ import annotations

import re

from oomcfg.lazyre import LazyPattern
from oomcfg.model import Size

#: systemd stores sizes as uint64 and uses UINT64_MAX for ``infinity``
#: (src/basic/parse-util.c parse_size), so a byte count must stay below it.
MAX_BYTES = (1 << 64) - 2

_SHIFT = {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}
#: At most 20 digits (2^64 has 20): longer numbers are out of range anyway, and
#: int() refuses strings over 4300 digits (sys.get_int_max_str_digits) with a
#: ValueError that must never escape as a traceback.
_SIZE_RE = re.compile(r"(0|[1-9][0-9]{0,19})([KMGT]?)")
_PERCENT_RE = re.compile(r"(0|[1-9][0-9]{0,2})%")
#: Common near-misses, matched only to give a precise hint.
_NEAR_RE = LazyPattern(r"\s*([0-9]{1,20}(?:\.[0-9]{1,20})?)\s*([a-zA-Z]*)\s*")

ALLOWED = (
    "bytes as an integer, an integer with K, M, G or T (base 1024), 'N%' (0..100) or 'infinity'"
)


class SizeError(ValueError):
    """A size that oomcfg does not accept; ``hint`` says what to write instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def size_from_int(value: int) -> Size:
    """A byte count given as a YAML integer (already checked to be plain decimal)."""
    if value < 0 or value > MAX_BYTES:
        raise SizeError(f"size {value} is out of range 0..{MAX_BYTES} bytes", ALLOWED)
    return Size("bytes", value)


def parse_size(text: str, *, percent: bool = True) -> Size:
    """Parse ``2G``, ``512M``, ``1048576``, ``50%`` or ``infinity``.

    ``percent=False`` refuses ``N%``: MemorySwapMax= gained percentages only in
    systemd 253 (NEWS), later than the oldest systemd oomcfg targets.
    """
    if text == "infinity":
        return Size("infinity")
    match = _SIZE_RE.fullmatch(text)
    if match:
        return size_from_int(int(match[1]) << _SHIFT[match[2]])
    match = _PERCENT_RE.fullmatch(text)
    if match:
        return _percent_size(int(match[1]), text, percent)
    raise SizeError(f"invalid size {text!r}", _near_miss_hint(text, percent))


def parse_percent(text: str) -> int:
    """Parse ``N%`` with N an integer 0..100 (ManagedOOMMemoryPressureLimit=)."""
    match = _PERCENT_RE.fullmatch(text)
    if not match:
        raise SizeError(f"invalid percentage {text!r}", "write an integer percentage such as '60%'")
    value = int(match[1])
    if value > 100:
        raise SizeError(f"percentage {text} is out of range 0%..100%", "allowed: 0%..100%")
    return value


def _percent_size(value: int, text: str, allowed: bool) -> Size:
    if not allowed:
        raise SizeError(f"a percentage ({text}) is not allowed here", "write bytes or 'infinity'")
    if value > 100:
        raise SizeError(f"percentage {text} is out of range 0%..100%", f"allowed: {ALLOWED}")
    return Size("percent", value)


def _near_miss_hint(text: str, percent: bool) -> str:
    """Say exactly what to write for the usual mistakes (``2g``, ``2GB``, ``1.5G``)."""
    allowed = ALLOWED if percent else ALLOWED.replace(", 'N%' (0..100)", "")
    match = _NEAR_RE.fullmatch(text)
    if not match:
        if text.lower() in {"inf", "infinite", "unlimited", "max", "none"}:
            return "write 'infinity' for no limit"
        return f"allowed: {allowed}"
    number, suffix = match[1], match[2]
    unit = suffix.upper()
    if unit in {"", "B"}:
        shift = 0
    elif unit[0] in _SHIFT and unit[1:] in {"", "B", "IB"}:
        shift = _SHIFT[unit[0]]
    else:
        return f"allowed: {allowed}"
    from fractions import Fraction  # noqa: PLC0415 - only for a hint on an error (start-up)

    exact = Fraction(number) * (1 << shift)
    if exact.denominator != 1:
        return f"a size is a whole number of bytes; allowed: {allowed}"
    canonical = Size("bytes", int(exact)).render()
    return f"write '{canonical}' (whole numbers, upper-case K, M, G or T, base 1024)"
