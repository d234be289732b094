"""Read OOM-related values from unit-file and sysctl text the way systemd and the kernel do.

Lint checks hand-written files, so it must see what the host will see, not
what a human reads: ``OOMScoreAdjust=010`` is 8 (systemd's ``safe_atoi()``
passes base 0 to ``strtol()``), ``vm.swappiness = 010`` is 8 too (the
kernel's ``proc_dointvec`` parses with base 0), and ``MemoryMax=2g`` is
rejected (``parse_size()`` knows only upper-case suffixes). None means "the
tool rejects this value", which the invalid-value rule reports.
"""

from __future__ import annotations

import re

from oomcfg.model import Size

_C_INT = re.compile(r"[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
#: systemd's parse_size() with base 1024 (src/basic/parse-util.c): B, K, M, G, T, P, E.
_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([KMGTPEB]?)")
_SHIFT = {"": 0, "B": 0, "K": 10, "M": 20, "G": 30, "T": 40, "P": 50, "E": 60}
_PERCENT = re.compile(r"([0-9]+(?:\.[0-9]+)?)%")
_QUOTED = re.compile(r"""(["'])\s*([-+]?[0-9][0-9A-Za-z.%]*)\s*\1""")
#: More digits than any 64-bit value has (20 decimal, 22 octal, 16 hex): strtol(3) and the
#: kernel's parsers fail with ERANGE, so the exact value no longer matters -- and Python's
#: int() refuses over 4,300 digits (sys.get_int_max_str_digits) and float() overflows.
MAX_DIGITS = 24
#: What such a number reads as: one past the largest value any checked key takes (2^64 - 1),
#: so every range check reports it as out of range, with the text as written.
_SATURATED = 1 << 64
_U64_MAX = (1 << 64) - 1  # systemd's parse_size() refuses more (ERANGE)


def parse_c_int(text: str) -> int | None:
    """``strtol(text, NULL, 0)`` that must consume everything: ``0x10`` 16, ``010`` 8."""
    text = text.strip()
    if not _C_INT.fullmatch(text):
        return None
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if len(digits) > MAX_DIGITS:
        return sign * _SATURATED
    if digits[:2].lower() == "0x":
        return sign * int(digits[2:], 16)
    if len(digits) > 1 and digits.startswith("0"):
        return sign * int(digits[1:], 8)
    return sign * int(digits)


def is_surprising_int(text: str) -> bool:
    """True for an integer a human would misread: leading zero (octal) or ``0x`` (hex)."""
    digits = text.strip().lstrip("+-")
    return bool(_C_INT.fullmatch(text.strip())) and len(digits) > 1 and digits.startswith("0")


def quoted_number(text: str) -> str | None:
    """The number inside quotes (``"-500"`` -> ``-500``): systemd and the kernel keep quotes."""
    match = _QUOTED.fullmatch(text.strip())
    return match[2] if match else None


def bad_octal(text: str) -> bool:
    """A leading-zero number with an 8 or 9 (``-0900``): strtol(base 0) rejects it."""
    digits = text.strip().lstrip("+-")
    return (
        len(digits) > 1
        and digits.startswith("0")
        and digits.isascii()  # '0²'.isdigit() is true: not an octal typo, just not a number
        and digits.isdigit()
        and (parse_c_int(text) is None)
    )


def parse_unit_size(text: str) -> Size | None:
    """A systemd memory value: ``infinity``, ``N%``, or bytes with a base-1024 suffix."""
    text = text.strip()
    if text == "infinity":
        return Size("infinity")
    percent = _PERCENT.fullmatch(text)
    if percent:
        value = float(percent[1])
        return Size("percent", int(value)) if value <= 100 else None
    match = _SIZE.fullmatch(text)
    if not match or len(match[1]) > MAX_DIGITS:
        return None
    whole, _, fraction = match[1].partition(".")
    shift = _SHIFT[match[2]]
    # integers exactly (a float loses 18446744073709551615); "1.5G" like parse_size()
    value = int(whole) << shift
    if fraction:
        value += int(fraction) * (1 << shift) // 10 ** len(fraction)
    return Size("bytes", value) if value <= _U64_MAX else None


def parse_unit_percent(text: str) -> int | None:
    """``ManagedOOMMemoryPressureLimit=``: ``0%``..``100%`` (fractions truncated)."""
    match = _PERCENT.fullmatch(text.strip())
    if not match or float(match[1]) > 100:
        return None
    return int(float(match[1]))


def exceeds(a: Size, b: Size) -> bool:
    """``a`` is above ``b``, both known without the host's RAM (bytes vs percent is not).

    ``infinity`` is above every number; two ``infinity`` are equal.
    """
    return _comparable(a, b) and _order(a) > _order(b)


def _order(size: Size) -> tuple[int, int]:
    """A key to compare two sizes of the same kind; ``infinity`` above everything."""
    if size.kind == "infinity":
        return (2, 0)
    return (0 if size.kind == "bytes" else 1, size.value)


def _comparable(a: Size, b: Size) -> bool:
    kinds = {a.kind, b.kind}
    return len(kinds) == 1 or "infinity" in kinds
