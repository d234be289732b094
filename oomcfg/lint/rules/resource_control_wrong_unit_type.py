"""OC115: Memory*= / ManagedOOM*= on a unit type without a cgroup."""

from __future__ import annotations

from oomcfg.diagnostics import Severity
from oomcfg.lint.rules.wrong_unit_type import WrongUnitTypeRule


class ResourceControlWrongUnitType(WrongUnitTypeRule):
    """Memory limits or ManagedOOM settings on a unit type that has no cgroup.

    Resource-control settings apply to slices, scopes, services, sockets,
    mounts and swaps: the unit types with a cgroup of their own. On a
    ``.target``, ``.timer``, ``.path``, ``.device`` or ``.automount`` systemd
    ignores them and the limit exists only on paper.

    Bad::

        services:
          nightly: {unit: backup.timer, memory: {max: 1G}}

    Good::

        services:
          nightly: {unit: backup.service, memory: {max: 1G}}

    Source: systemd.resource-control(5) (Description: unit types).
    """

    code = "OC115"
    slug = "resource-control-wrong-unit-type"
    severity = Severity.ERROR
    family = "resource"
    what = "a resource-control setting (units with a cgroup only)"
