"""OC116: OOMPolicy= on a unit type other than service or scope."""

from __future__ import annotations

from oomcfg.diagnostics import Severity
from oomcfg.lint.rules.wrong_unit_type import WrongUnitTypeRule


class OomPolicyWrongUnitType(WrongUnitTypeRule):
    """OOMPolicy= on a unit type that does not support it (only .service and .scope do).

    ``OOMPolicy=`` decides what systemd does with a service or scope after the
    kernel OOM-killed one of its processes. A slice, socket or mount has no
    such setting; systemd ignores it there.

    Bad::

        services:
          batch: {unit: batch.slice, oom_policy: kill}

    Good::

        services:
          batch: {unit: batch.slice, memory: {max: 4G}}

    Source: systemd.service(5) (OOMPolicy=), systemd.scope(5).
    """

    code = "OC116"
    slug = "oom-policy-wrong-unit-type"
    severity = Severity.ERROR
    family = "oom-policy"
    what = "a service/scope setting"
