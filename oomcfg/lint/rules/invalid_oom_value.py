"""OC144: an OOM setting whose value systemd or the kernel rejects."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.directives import directive
from oomcfg.lint.rule import LintContext, Rule, SysctlFile, UnitFile, entry_pos
from oomcfg.lint.values import parse_c_int, parse_unit_percent, parse_unit_size
from oomcfg.model import OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN
from oomcfg.sysctls import KNOWN

Check = Callable[[str], str | None]


def _adj(text: str) -> str | None:
    value = parse_c_int(text)
    if value is None or not OOM_SCORE_ADJ_MIN <= value <= OOM_SCORE_ADJ_MAX:
        return f"an integer {OOM_SCORE_ADJ_MIN}..{OOM_SCORE_ADJ_MAX}"
    return None


def _one_of(*allowed: str) -> Check:
    return lambda text: None if text in allowed else "one of " + ", ".join(allowed)


def _size(text: str) -> str | None:
    ok = parse_unit_size(text) is not None
    return None if ok else "bytes with an upper-case K/M/G/T suffix, N% or infinity"


def _percent(text: str) -> str | None:
    return None if parse_unit_percent(text) is not None else "a percentage 0%..100%"


#: Directive -> check returning what is allowed when the value is rejected.
CHECKS: Mapping[str, Check] = {
    "OOMScoreAdjust": _adj,
    "OOMPolicy": _one_of("continue", "stop", "kill"),
    "MemoryMin": _size, "MemoryLow": _size, "MemoryHigh": _size,
    "MemoryMax": _size, "MemorySwapMax": _size,
    "ManagedOOMSwap": _one_of("auto", "kill"),
    "ManagedOOMMemoryPressure": _one_of("auto", "kill"),
    "ManagedOOMMemoryPressureLimit": _percent,
    "ManagedOOMPreference": _one_of("none", "avoid", "omit"),
}  # fmt: skip


class InvalidOomValue(Rule):
    """An OOM directive or sysctl whose value is rejected: systemd logs it and ignores it.

    ``OOMScoreAdjust=1001``, ``OOMPolicy=panic``, ``MemoryMax=2g`` or
    ``ManagedOOMMemoryPressure=yes`` are logged once at daemon-reload and then
    ignored: the unit starts unprotected and ``systemd-analyze verify`` still
    exits 0. Out-of-range sysctls (``vm.panic_on_oom = 3``) fail at boot.

    Bad::

        [Service]
        OOMScoreAdjust=-1200
        MemoryMax=2g

    Good::

        [Service]
        OOMScoreAdjust=-900
        MemoryMax=2G

    Source: systemd.exec(5), systemd.service(5), systemd.resource-control(5),
    Documentation/admin-guide/sysctl/vm.rst.
    """

    code = "OC144"
    slug = "invalid-oom-value"
    severity = Severity.ERROR

    def check_unit_file(self, unit: UnitFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Check every non-empty OOM assignment (an empty one is a reset)."""
        for entry in unit.parse.entries:
            known = directive(entry.key)
            check = CHECKS.get(known.name) if known is not None and entry.value else None
            allowed = check(entry.value) if check is not None else None
            if allowed is not None:
                yield self.finding(
                    f"{entry.key}={entry.value} is rejected by systemd, which then ignores "
                    "the setting", entry_pos(entry), f"allowed: {allowed}",
                )  # fmt: skip

    def check_sysctl_file(self, sysctl: SysctlFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Known keys must hold an integer within the kernel's range."""
        for entry in sysctl.entries:
            known = KNOWN.get(entry.key)
            value = parse_c_int(entry.value) if known is not None else None
            if known is None or (value is not None and known.minimum <= value <= known.maximum):
                continue
            yield self.finding(
                f"{entry.key} = {entry.value} is not accepted by the kernel",
                entry_pos(entry),
                f"allowed: an integer {known.minimum}..{known.maximum} ({known.doc})",
            )
