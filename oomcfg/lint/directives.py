"""Which unit-file keys are OOM directives, and what systemd version knows them.

A thin layer over :data:`oomcfg.units.DIRECTIVES` (the table render uses) that
also knows the spellings render never writes but hand-written files contain:
the pre-248 ``ManagedOOMMemoryPressureLimitPercent=``, and the removed or
deprecated ``OOMAdjust=`` and ``MemoryLimit=``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from oomcfg.lint.rule import UnitFile
from oomcfg.lint.view import MANAGED_DIRECTIVES, MEMORY_DIRECTIVES, ServiceView, Setting
from oomcfg.unitfile import UnitEntry
from oomcfg.units import DIRECTIVE_BY_NAME, Directive

#: Old spelling -> the directive it names today.
ALIASES: Mapping[str, str] = {
    "ManagedOOMMemoryPressureLimitPercent": "ManagedOOMMemoryPressureLimit",
}


def directive(key: str) -> Directive | None:
    """The directive a unit-file key sets (old spellings included), or None."""
    return DIRECTIVE_BY_NAME.get(ALIASES.get(key, key))


def oom_entries(unit: UnitFile) -> Iterator[tuple[UnitEntry, Directive]]:
    """Every assignment of an OOM directive in one file, with its directive."""
    for entry in unit.parse.entries:
        known = directive(entry.key)
        if known is not None:
            yield entry, known


def service_directives(svc: ServiceView) -> Iterator[tuple[Directive, Setting[object]]]:
    """The directives a service sets (profile or files), each with its setting."""
    if svc.oom_score_adj is not None:
        yield DIRECTIVE_BY_NAME["OOMScoreAdjust"], svc.oom_score_adj
    if svc.oom_policy is not None:
        yield DIRECTIVE_BY_NAME["OOMPolicy"], svc.oom_policy
    for name, size in svc.memory.items():
        yield DIRECTIVE_BY_NAME[MEMORY_DIRECTIVES[name]], size
    for name, value in svc.managed_oom.items():
        yield DIRECTIVE_BY_NAME[MANAGED_DIRECTIVES[name]], value
