"""The typed, frozen profile model every layer shares.

The loader (``oomcfg.profile``) builds these values from YAML; render, lint,
plan and validate only read them. Positions are kept in ``Profile.origins``,
keyed by the dotted path of each value (``services.sshd.memory.max``), so lint
can point at the line that set a value and ``render --explain`` can say which
file set it after ``extends:`` merging.

The records are named tuples, not frozen dataclasses: equally immutable and
compared by value, but defining one costs a fifth as much, and every command
imports this module before it does anything (a frozen, slotted dataclass is
~1 ms to define here; start-up is most of a short ``validate``, P7). Change
one with ``._replace(...)``.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Literal, NamedTuple

from oomcfg.diagnostics import Position

#: Marker line carried by every file oomcfg renders. A file at a target path
#: without it belongs to someone else: apply treats it as a conflict.
MARKER = "# oomcfg: managed file, do not edit (changes are overwritten by 'oomcfg apply')"

#: File name of the systemd drop-in oomcfg writes into ``UNIT.d/``.
DROPIN_NAME = "50-oomcfg.conf"

#: sysctl.d file: after distro defaults in /usr/lib/sysctl.d (10-*, 50-*), before
#: Debian's 99-sysctl.conf link to /etc/sysctl.conf, so a local override still wins
#: and validate names it (sysctl.d(5): files sort by basename, the last one wins).
SYSCTL_FILE = "etc/sysctl.d/90-oomcfg.conf"

OOM_SCORE_ADJ_MIN = -1000  # Documentation/filesystems/proc.rst, oom_score_adj
OOM_SCORE_ADJ_MAX = 1000


class Tier(StrEnum):
    """Named OOM tiers; the values are in :data:`TIER_SCORES`."""

    CRITICAL = "critical"
    PROTECTED = "protected"
    STANDARD = "standard"
    EXPENDABLE = "expendable"
    SACRIFICIAL = "sacrificial"


#: Documented tier scores. -1000 (never kill) is deliberately not a tier: it must
#: be written as an explicit ``oom_score_adj: -1000`` so a reviewer sees it.
TIER_SCORES: Mapping[Tier, int] = {
    Tier.CRITICAL: -900,
    Tier.PROTECTED: -500,
    Tier.STANDARD: 0,
    Tier.EXPENDABLE: 500,
    Tier.SACRIFICIAL: 1000,
}

OOMPolicy = Literal["continue", "stop", "kill"]  # systemd.service(5), v243
ManagedMode = Literal["auto", "kill"]  # systemd.resource-control(5), v247
ManagedPreference = Literal["none", "avoid", "omit"]  # v248

#: How far a drop-in reaches (systemd.unit(5), "drop-in"): ``unit`` is one unit;
#: ``template`` a ``foo@.service.d`` for every instance; ``prefix`` a
#: ``foo-.service.d`` for every ``foo-*.service``; ``type`` a ``service.d`` for
#: every unit of that type on the host. Anything wider than ``unit`` needs an
#: explicit ``scope:`` in the profile.
Scope = Literal["unit", "template", "prefix", "type"]

AdjSource = Literal["tier", "explicit", "from_request", "none"]


class Size(NamedTuple):
    """A systemd memory value (systemd.resource-control(5), MemoryMax=).

    ``kind`` is ``bytes`` (``value`` in bytes), ``percent`` (``value`` 0..100 of
    physical memory) or ``infinity``. :meth:`render` gives the canonical text.
    """

    kind: Literal["bytes", "percent", "infinity"]
    value: int = 0

    def render(self) -> str:
        """Canonical form: the largest exact base-1024 suffix, ``N%`` or ``infinity``."""
        if self.kind == "infinity":
            return "infinity"
        if self.kind == "percent":
            return f"{self.value}%"
        value = self.value
        # The exact power of two dividing value picks the suffix: no trial divisions
        # (render formats ~17,000 sizes for 10,000 services, P4).
        units = min(((value & -value).bit_length() - 1) // 10, 4) if value else 0
        if units:
            return f"{value >> (10 * units)}{'KMGT'[units - 1]}"
        return str(value)


class Memory(NamedTuple):
    """cgroup v2 memory protection and limits (MemoryMin/Low/High/Max/SwapMax=)."""

    min: Size | None = None
    low: Size | None = None
    high: Size | None = None
    max: Size | None = None
    swap_max: Size | None = None

    def is_empty(self) -> bool:
        """True when no memory directive is set."""
        return all(v is None for v in (self.min, self.low, self.high, self.max, self.swap_max))


class ManagedOOM(NamedTuple):
    """systemd-oomd settings (ManagedOOM*=, systemd.resource-control(5))."""

    swap: ManagedMode | None = None
    memory_pressure: ManagedMode | None = None
    memory_pressure_limit: int | None = None  # percent 0..100; only with pressure=kill
    preference: ManagedPreference | None = None

    def is_empty(self) -> bool:
        """True when no ManagedOOM directive is set."""
        return all(
            v is None
            for v in (self.swap, self.memory_pressure, self.memory_pressure_limit, self.preference)
        )


class InitSpec(NamedTuple):
    """What hosts without systemd need to find and start a service.

    ``name``: the init system's service name (SysV script, OpenRC service, runit
    service directory, supervisord program); defaults to the unit's stem.
    ``command``: the daemon's argv, for targets that wrap the start command
    (runit ``run`` script, supervisord ``command=``). ``compose_service``: the
    service's name in a compose file. ``pidfile`` / ``comm`` / ``cmdline``: how
    validate finds the running process on a host without systemd (``cmdline`` is
    a regular expression searched in the command line, as ``pgrep -f`` does).
    """

    name: str | None = None
    command: tuple[str, ...] | None = None
    compose_service: str | None = None
    pidfile: str | None = None
    comm: str | None = None
    cmdline: str | None = None


class Service(NamedTuple):
    """One service's OOM posture, fully resolved (tiers turned into scores)."""

    name: str  # the key under ``services:``
    unit: str  # full systemd unit name, e.g. ``postgresql@15-main.service``
    scope: Scope = "unit"
    oom_score_adj: int | None = None  # None: leave OOMScoreAdjust= alone
    adj_source: AdjSource = "none"
    tier: Tier | None = None
    oom_policy: OOMPolicy | None = None
    memory: Memory = Memory()
    managed_oom: ManagedOOM = ManagedOOM()
    init: InitSpec | None = None

    @property
    def unit_type(self) -> str:
        """The unit's type suffix without the dot (``service``, ``slice``, ...)."""
        return self.unit.rsplit(".", 1)[-1]


class SysctlSetting(NamedTuple):
    """One sysctl: a typed value for known keys, a string for pass-through keys.

    ``ignore_missing`` renders ``-key = value`` (sysctl.d(5): failures ignored).
    """

    key: str
    value: int | str
    passthrough: bool = False
    ignore_missing: bool = False


class Profile(NamedTuple):
    """A loaded profile after ``extends:`` and command-line merging."""

    version: int
    description: str
    sources: tuple[str, ...]  # every file merged, in merge order (later wins)
    sysctl: Mapping[str, SysctlSetting]
    services: Mapping[str, Service]
    #: dotted value path -> where the winning value was written
    origins: Mapping[str, Position] = MappingProxyType({})

    def origin(self, dotted: str) -> Position | None:
        """Where the value at ``dotted`` (e.g. ``services.db.memory.max``) came from."""
        return self.origins.get(dotted)


class RenderedFile(NamedTuple):
    """One output file; ``path`` is relative to the target root (no leading ``/``)."""

    path: str
    content: str
    mode: int = 0o644
    #: systemd | sysctl | sysv | openrc | upstart | runit | supervisord | compose
    kind: str = "systemd"
    unit: str | None = None
