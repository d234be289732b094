"""OC145: a number a human reads differently from the tool (``010`` is 8)."""

from __future__ import annotations

from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Position, Severity
from oomcfg.lint.directives import directive
from oomcfg.lint.rule import LintContext, Rule, SysctlFile, UnitFile, entry_pos
from oomcfg.lint.values import MAX_DIGITS, parse_c_int
from oomcfg.sysctls import KNOWN


class OctalOrHexNumber(Rule):
    """An OOM value with a leading zero or 0x: OOMScoreAdjust=010 is 8, not 10.

    systemd parses ``OOMScoreAdjust=`` with ``strtol(..., 0)`` and the kernel
    parses integer sysctls the same way, so a leading ``0`` means octal and
    ``0x`` hex. ``OOMScoreAdjust=-0900`` is not even valid octal and is
    rejected. Write plain decimal.

    Bad::

        OOMScoreAdjust=0100

    Good::

        OOMScoreAdjust=100

    Source: systemd src/basic/parse-util.c (safe_atoi), kernel/sysctl.c (proc_dointvec).
    """

    code = "OC145"
    slug = "octal-or-hex-number"
    severity = Severity.ERROR

    def check_unit_file(self, unit: UnitFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """OOMScoreAdjust= is the integer OOM directive."""
        for entry in unit.parse.entries:
            known = directive(entry.key)
            if known is not None and known.name == "OOMScoreAdjust":
                yield from self._check(entry.key + "=", entry.value, entry_pos(entry))

    def check_sysctl_file(self, sysctl: SysctlFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Integer sysctls oomcfg knows."""
        for entry in sysctl.entries:
            if entry.key in KNOWN:
                yield from self._check(entry.key + " =", entry.value, entry_pos(entry))

    def _check(self, what: str, text: str, pos: Position) -> Iterator[Diagnostic]:
        digits = text.strip().lstrip("+-")
        if len(digits) < 2 or not digits.startswith("0"):
            return
        value = parse_c_int(text)
        decimal = digits.isascii() and digits.isdigit()  # not '0²': isdigit() alone is Unicode's
        if value is None and not decimal:
            return  # not a number at all: invalid-oom-value reports it
        if value is None:
            read = "is rejected (8 and 9 are not octal digits)"
        elif len(digits) > MAX_DIGITS:
            read = "is read as an octal or hex number beyond 64 bits"
        else:
            read = f"is read as {value}"
        meant = value if value is not None and "x" in digits.lower() else _decimal(text)
        example = f", e.g. {meant}" if meant is not None and len(digits) <= MAX_DIGITS else ""
        yield self.finding(
            f"{what} {text} {read}: a leading 0 means octal, 0x hex",
            pos,
            f"write plain decimal{example}",
        )


def _decimal(text: str) -> int | None:
    """What a human meant by ``010``: 10 (None when it is not a plain decimal at all)."""
    digits = text.strip()
    unsigned = digits.lstrip("+-")
    if not (unsigned.isascii() and unsigned.isdigit()) or len(unsigned) > MAX_DIGITS:
        return None
    return int(digits, 10)
