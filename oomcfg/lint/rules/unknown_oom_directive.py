"""OC147: a misspelt OOM directive, which systemd ignores with a log line."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.directives import directive
from oomcfg.lint.rule import LintContext, Rule, UnitFile, entry_pos
from oomcfg.lint.rules.deprecated_directive import DEPRECATED
from oomcfg.units import DIRECTIVE_BY_NAME

_KNOWN = sorted(DIRECTIVE_BY_NAME)
_BY_LOWER = {name.lower(): name for name in _KNOWN}
#: Real directives that merely look like OOM ones (systemd.exec(5), systemd.resource-control(5)).
OTHER_DIRECTIVES = frozenset({
    "MemoryAccounting", "MemoryDenyWriteExecute", "MemoryPressureWatch",
    "MemoryPressureThresholdSec", "MemoryZSwapMax", "MemoryZSwapWriteback", "MemoryKSM",
    "ManagedOOMMemoryPressureDurationSec",
})  # fmt: skip


class UnknownOomDirective(Rule):
    """A key that looks like an OOM directive but is not one (OOMScoreAdj=, MemoryMAX=).

    systemd logs "Unknown key name ..., ignoring" once at daemon-reload and
    starts the unit without the setting: a typo silently removes the
    protection or the limit, and ``systemd-analyze verify`` still exits 0.
    Keys are case-sensitive.

    Bad::

        [Service]
        OOMScoreAdj=-900
        MemoryMAX=2G

    Good::

        [Service]
        OOMScoreAdjust=-900
        MemoryMax=2G

    Source: systemd.exec(5), systemd.resource-control(5), systemd.syntax(7).
    """

    code = "OC147"
    slug = "unknown-oom-directive"
    severity = Severity.ERROR

    def check_unit_file(self, unit: UnitFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Keys that are a wrong-case or near spelling of an OOM directive."""
        for entry in unit.parse.entries:
            meant = _meant(entry.key)
            if meant is not None:
                yield self.finding(
                    f"{entry.key}= is not a systemd directive; systemd ignores the line",
                    entry_pos(entry),
                    f"did you mean {meant}=? (keys are case-sensitive)",
                )


def _meant(key: str) -> str | None:
    """The OOM directive ``key`` is a wrong-case or near spelling of, if any."""
    if directive(key) is not None or key in DEPRECATED or key in OTHER_DIRECTIVES:
        return None
    if key.lower() in _BY_LOWER:
        return _BY_LOWER[key.lower()]
    close = difflib.get_close_matches(key, _KNOWN, n=1, cutoff=0.8)
    return close[0] if close else None
