"""OC144: an OOM setting whose value systemd or the kernel rejects."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.lint.directives import directive
from oomcfg.lint.rule import LintContext, Rule, SysctlFile, UnitFile, entry_pos
from oomcfg.lint.values import (
    bad_octal,
    parse_c_int,
    parse_unit_percent,
    parse_unit_size,
    quoted_number,
)
from oomcfg.model import OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN
from oomcfg.sysctls import KNOWN, KnownSysctl

Check = Callable[[str], str | None]

#: Known keys whose kernel handler takes any integer (proc_dointvec, or only a lower
#: bound of 0): oomcfg's range there is what means something, not what the write takes.
#: mm/oom_kill.c (oom_kill_allocating_task, oom_dump_tasks), kernel/panic.c
#: (panic_on_oops), mm/page_alloc.c (min_free_kbytes: extra1 = 0 only).
_KERNEL_TAKES_ANY = frozenset(
    {"vm.oom_kill_allocating_task", "vm.oom_dump_tasks", "kernel.panic_on_oops",
     "vm.min_free_kbytes"}
)  # fmt: skip
_WRITE_FAILS = "the write fails and the key keeps its previous value"


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
    A few keys take any integer (``vm.oom_dump_tasks = 5``); there the
    finding says so and asks for the value that means what is intended.
    Quoted numbers and leading-zero numbers are left to OC146 and OC145,
    which say how to write them.

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
            if allowed is not None and not _said_better(entry.value):
                yield self.finding(
                    f"{entry.key}={entry.value} is rejected by systemd, which then ignores "
                    "the setting", entry_pos(entry), f"allowed: {allowed}",
                )  # fmt: skip

    def check_sysctl_file(self, sysctl: SysctlFile, ctx: LintContext) -> Iterator[Diagnostic]:
        """Known keys must hold an integer within the kernel's range."""
        for entry in sysctl.entries:
            known = KNOWN.get(entry.key)
            problem = _sysctl_problem(known, entry.value) if known is not None else None
            if problem is not None and known is not None and not _said_better(entry.value):
                yield self.finding(
                    f"{entry.key} = {entry.value} {problem}",
                    entry_pos(entry),
                    f"allowed: an integer {known.minimum}..{known.maximum} ({known.doc})",
                )


def _said_better(text: str) -> bool:
    """Quoted numbers and bad octal have their own rules (OC146, OC145) with a fix."""
    return quoted_number(text) is not None or bad_octal(text)


def _sysctl_problem(known: KnownSysctl, text: str) -> str | None:
    """What the kernel does with ``text``, or None when it is in range."""
    first, *rest = text.split() or [""]
    value = parse_c_int(first)
    if value is None:
        return f"is not an integer: {_WRITE_FAILS}"
    if known.minimum <= value <= known.maximum:
        return _extra_words(known, value, rest)
    span = f"{known.minimum}..{known.maximum}"
    if known.key in _KERNEL_TAKES_ANY:
        return f"is outside {span}, the values that mean something; the kernel takes any integer"
    return f"is outside the kernel's range {span}: {_WRITE_FAILS}"


def _extra_words(known: KnownSysctl, value: int, rest: list[str]) -> str | None:
    """Words after a valid first number: the kernel takes the number, drops the rest.

    ``__do_proc_dointvec`` (kernel/sysctl.c) stops after the table's last slot
    and reports a short write: ``vm.swappiness = 10 20`` sets 10 (seen on this
    project's machines with a harmless key). A trailing ``# comment`` is such
    a word too (sysctl.d(5) keeps it in the value; the parser's OC253 says so).
    """
    if not rest:
        return None
    return (f"holds {len(rest) + 1} words but {known.key} takes one integer: the kernel sets "
            f"{value} and ignores the rest")
