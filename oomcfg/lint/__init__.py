"""``oomcfg lint``: OOM-policy rules for profiles, unit files and sysctl.d files.

:data:`RULES` is the explicit registry, in code order: adding a rule means
writing its module under :mod:`oomcfg.lint.rules` and listing it here (no
discovery magic, so the catalog ``oomcfg rules`` prints is exactly this list).
"""

from __future__ import annotations

from collections.abc import Mapping

from oomcfg.lint.rule import Rule
from oomcfg.lint.rules.compose_rootless_cannot_lower import ComposeRootlessCannotLower
from oomcfg.lint.rules.critical_oom_policy_continue import CriticalOomPolicyContinue
from oomcfg.lint.rules.deprecated_directive import DeprecatedDirective
from oomcfg.lint.rules.directive_wrong_section import DirectiveWrongSection
from oomcfg.lint.rules.dropin_overrides_oomcfg import DropinOverridesOomcfg
from oomcfg.lint.rules.invalid_oom_value import InvalidOomValue
from oomcfg.lint.rules.kubernetes_node_sysctls import KubernetesNodeSysctls
from oomcfg.lint.rules.legacy_oom_adj_write import LegacyOomAdjWrite
from oomcfg.lint.rules.managed_oom_needs_247 import ManagedOomNeeds247
from oomcfg.lint.rules.managed_oom_preference_needs_248 import ManagedOomPreferenceNeeds248
from oomcfg.lint.rules.memory_directive_needs_newer_systemd import (
    MemoryDirectiveNeedsNewerSystemd,
)
from oomcfg.lint.rules.memory_high_above_max import MemoryHighAboveMax
from oomcfg.lint.rules.memory_min_above_low import MemoryMinAboveLow
from oomcfg.lint.rules.memory_protection_above_limit import MemoryProtectionAboveLimit
from oomcfg.lint.rules.octal_or_hex_number import OctalOrHexNumber
from oomcfg.lint.rules.oom_dump_tasks_off import OomDumpTasksOff
from oomcfg.lint.rules.oom_kill_allocating_task import OomKillAllocatingTask
from oomcfg.lint.rules.oom_policy_needs_243 import OomPolicyNeeds243
from oomcfg.lint.rules.oom_policy_stop_killmode_process import OomPolicyStopKillModeProcess
from oomcfg.lint.rules.oom_policy_wrong_unit_type import OomPolicyWrongUnitType
from oomcfg.lint.rules.oom_score_adj_wrong_unit_type import OomScoreAdjWrongUnitType
from oomcfg.lint.rules.overcommit_never_low_commit import OvercommitNeverLowCommit
from oomcfg.lint.rules.overcommit_ratio_and_kbytes import OvercommitRatioAndKbytes
from oomcfg.lint.rules.overcommit_tuning_without_never import OvercommitTuningWithoutNever
from oomcfg.lint.rules.panic_on_oom_with_memcg_limits import PanicOnOomWithMemcgLimits
from oomcfg.lint.rules.panic_on_oom_without_reboot import PanicOnOomWithoutReboot
from oomcfg.lint.rules.pressure_limit_without_kill import PressureLimitWithoutKill
from oomcfg.lint.rules.protection_on_expendable import ProtectionOnExpendable
from oomcfg.lint.rules.quoted_number import QuotedNumber
from oomcfg.lint.rules.resource_control_wrong_unit_type import ResourceControlWrongUnitType
from oomcfg.lint.rules.sysctl_overridden_later import SysctlOverriddenLater
from oomcfg.lint.rules.tiny_memory_limit import TinyMemoryLimit
from oomcfg.lint.rules.too_many_protected import TooManyProtected
from oomcfg.lint.rules.type_wide_oom_dropin import TypeWideOomDropin
from oomcfg.lint.rules.unkillable_without_limit import UnkillableWithoutLimit
from oomcfg.lint.rules.unknown_oom_directive import UnknownOomDirective

RULES: tuple[Rule, ...] = (
    PanicOnOomWithoutReboot(),
    PanicOnOomWithMemcgLimits(),
    OvercommitRatioAndKbytes(),
    OvercommitNeverLowCommit(),
    OomKillAllocatingTask(),
    KubernetesNodeSysctls(),
    OomDumpTasksOff(),
    OvercommitTuningWithoutNever(),
    SysctlOverriddenLater(),
    UnkillableWithoutLimit(),
    TooManyProtected(),
    MemoryHighAboveMax(),
    MemoryMinAboveLow(),
    MemoryProtectionAboveLimit(),
    ResourceControlWrongUnitType(),
    OomPolicyWrongUnitType(),
    OomScoreAdjWrongUnitType(),
    DirectiveWrongSection(),
    PressureLimitWithoutKill(),
    ProtectionOnExpendable(),
    TinyMemoryLimit(),
    CriticalOomPolicyContinue(),
    OomPolicyStopKillModeProcess(),
    ComposeRootlessCannotLower(),
    ManagedOomNeeds247(),
    ManagedOomPreferenceNeeds248(),
    OomPolicyNeeds243(),
    MemoryDirectiveNeedsNewerSystemd(),
    DeprecatedDirective(),
    LegacyOomAdjWrite(),
    DropinOverridesOomcfg(),
    TypeWideOomDropin(),
    InvalidOomValue(),
    OctalOrHexNumber(),
    QuotedNumber(),
    UnknownOomDirective(),
)

RULE_BY_CODE: Mapping[str, Rule] = {rule.code: rule for rule in RULES}
RULE_BY_SLUG: Mapping[str, Rule] = {rule.slug: rule for rule in RULES}


def find_rule(name: str) -> Rule | None:
    """A rule by code (``OC101``, any case) or slug (``panic-on-oom-without-reboot``)."""
    return RULE_BY_CODE.get(name.upper()) or RULE_BY_SLUG.get(name.lower())
