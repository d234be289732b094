"""What ``oomcfg validate`` reports: findings with stable codes, and the exit code.

Kept apart from the comparison logic (:mod:`oomcfg.validate`) so renderers
(:mod:`oomcfg.validate_output`) and the docs test depend on the vocabulary
only. Every code is documented in docs/validate.md.

NamedTuples rather than dataclasses, for start-up: see :mod:`oomcfg.liveparse`.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
from typing import Literal, NamedTuple

from oomcfg.errors import ExitCode

Status = Literal["drift", "not-running", "unknown"]
Kind = Literal["sysctl", "unit", "process", "service", "host"]

#: Stable codes and slugs (docs/validate.md documents each one).
CODES: dict[str, str] = {
    "OV001": "sysctl-overridden-by-file",
    "OV002": "sysctl-changed-at-runtime",
    "OV003": "sysctl-unreadable",
    "OV004": "sysctl-more-values-than-kernel-keeps",
    "OV010": "unit-overridden-by-file",
    "OV011": "unit-daemon-reload-pending",
    "OV012": "unit-setting-missing",
    "OV013": "unit-not-running",
    "OV014": "unit-not-loaded",
    "OV015": "unit-no-instance-running",
    "OV020": "process-adj-changed-at-runtime",
    "OV021": "process-adj-not-applied-no-cap-sys-resource",
    "OV022": "process-adj-user-manager-floor",
    "OV023": "process-adj-stale-needs-restart",
    "OV030": "service-not-running",
    "OV031": "service-cannot-be-located",
    "OV040": "cannot-check",
}


class Finding(NamedTuple):
    """One difference (or one thing that could not be checked), explained."""

    code: str
    status: Status
    kind: Kind
    object: str
    expected: str
    actual: str
    cause: str
    fix: str
    file: str | None = None
    pid: int | None = None

    @property
    def slug(self) -> str:
        """The code's stable name (``unit-overridden-by-file``)."""
        return CODES[self.code]


class Expansion(NamedTuple):
    """The units a template/prefix/type service was checked on (empty: none loaded)."""

    service: str
    unit: str
    scope: str
    units: tuple[str, ...]


class Report(NamedTuple):
    """All findings plus how many things were checked; :attr:`exit_code` sums it up.

    ``expanded`` says which units each wide-scope service was checked on, so
    a clean run still shows that ``postgresql@.service`` meant 15-main.
    """

    findings: tuple[Finding, ...]
    checked: int
    expanded: tuple[Expansion, ...] = ()

    def tally(self, status: Status) -> int:
        """How many findings have ``status`` (not ``count``: that is tuple's own method)."""
        return sum(1 for f in self.findings if f.status == status)

    @property
    def exit_code(self) -> ExitCode:
        """1 when anything drifted, else 4 when something could not be checked, else 0."""
        if self.tally("drift"):
            return ExitCode.FINDINGS
        if self.tally("unknown"):
            return ExitCode.ENVIRONMENT
        return ExitCode.OK
