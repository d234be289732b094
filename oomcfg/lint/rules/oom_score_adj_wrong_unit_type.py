"""OC117: OOMScoreAdjust= on a unit type that starts no processes."""

from __future__ import annotations

from oomcfg.diagnostics import Severity
from oomcfg.lint.rules.wrong_unit_type import WrongUnitTypeRule


class OomScoreAdjWrongUnitType(WrongUnitTypeRule):
    """OOMScoreAdjust= on a unit type that executes nothing (slice, scope, target, ...).

    ``OOMScoreAdjust=`` is an execution setting, applied when systemd starts a
    process: it exists for services, sockets, mounts and swaps. A slice or
    scope starts no process, so the score never reaches anything.

    Bad::

        services:
          users: {unit: user.slice, oom_score_adj: 500}

    Good::

        services:
          users: {unit: user.slice, managed_oom: {memory_pressure: kill}}

    Source: systemd.exec(5) (OOMScoreAdjust=).
    """

    code = "OC117"
    slug = "oom-score-adj-wrong-unit-type"
    severity = Severity.ERROR
    family = "exec"
    what = "an execution setting (services, sockets, mounts, swaps)"
