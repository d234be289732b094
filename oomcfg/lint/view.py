"""One shape for "the OOM policy of a host", built from a profile or from files.

Most rules ask the same questions of a profile and of a repository of
hand-written units and sysctl.d files ("is ``vm.panic_on_oom`` 2 while some
service has ``MemoryMax=``?"). :class:`PolicyView` answers them for both, with
the position of every value, so each such rule is written once. Building a
view is one pass over the profile or over the parsed files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from oomcfg.diagnostics import Position
from oomcfg.lint.rule import SysctlFile, UnitGroup, entry_pos
from oomcfg.lint.values import parse_c_int, parse_unit_percent, parse_unit_size
from oomcfg.model import Profile, Service, Size
from oomcfg.sysctls import KNOWN
from oomcfg.unitfile import UnitEntry
from oomcfg.units import SECTION_BY_TYPE

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

#: Profile field -> systemd directive (systemd.resource-control(5)).
MEMORY_DIRECTIVES: Mapping[str, str] = {
    "min": "MemoryMin", "low": "MemoryLow", "high": "MemoryHigh",
    "max": "MemoryMax", "swap_max": "MemorySwapMax",
}  # fmt: skip
MANAGED_DIRECTIVES: Mapping[str, str] = {
    "swap": "ManagedOOMSwap",
    "memory_pressure": "ManagedOOMMemoryPressure",
    "memory_pressure_limit": "ManagedOOMMemoryPressureLimit",
    "preference": "ManagedOOMPreference",
}
#: Spellings systemd also reads for the pressure limit (renamed in v248).
LIMIT_ALIASES = ("ManagedOOMMemoryPressureLimitPercent",)


@dataclass(frozen=True, slots=True)
class Setting(Generic[T_co]):
    """A value, where it was written, and its text as written."""

    value: T_co
    pos: Position | None
    text: str


@dataclass(frozen=True, slots=True)
class ServiceView:
    """One service's OOM settings; absent settings are None / missing keys."""

    name: str
    unit: str
    pos: Position | None
    oom_score_adj: Setting[int] | None = None
    tier: str | None = None
    oom_policy: Setting[str] | None = None
    memory: Mapping[str, Setting[Size]] = field(default_factory=dict)
    managed_oom: Mapping[str, Setting[str]] = field(default_factory=dict)
    kill_mode: Setting[str] | None = None
    compose_service: str | None = None  # init.compose_service (profiles only)

    @property
    def unit_type(self) -> str:
        """``service``, ``slice``, ...; a bare type (type-wide drop-in) is its own type."""
        return self.unit.rsplit(".", 1)[-1]

    @property
    def adj(self) -> int | None:
        """The effective oom_score_adj, if set."""
        return self.oom_score_adj.value if self.oom_score_adj else None

    def finite(self, name: str) -> Setting[Size] | None:
        """``memory.<name>`` unless unset or ``infinity`` (which is no limit at all)."""
        setting = self.memory.get(name)
        return setting if setting is not None and setting.value.kind != "infinity" else None

    def at(self, *settings: Setting[object] | None) -> Position | None:
        """The position of the first setting that has one, else the service's."""
        for setting in settings:
            if setting is not None and setting.pos is not None:
                return setting.pos
        return self.pos


@dataclass(frozen=True, slots=True)
class PolicyView:
    """Sysctls and services of one profile, or of all linted unit and sysctl files."""

    path: str
    kind: Literal["profile", "files"]
    sysctl: Mapping[str, Setting[int | str]]
    services: tuple[ServiceView, ...]

    def sysctl_int(self, key: str) -> int | None:
        """The integer value of ``key`` if it is set to one."""
        setting = self.sysctl.get(key)
        return setting.value if setting is not None and isinstance(setting.value, int) else None

    def sysctl_pos(self, key: str) -> Position:
        """Where ``key`` is set, or the view's file when it is not."""
        setting = self.sysctl.get(key)
        return setting.pos if setting is not None and setting.pos else Position(self.path)


# --- from a profile ---------------------------------------------------------------------


def view_from_profile(profile: Profile, path: str) -> PolicyView:
    """The view of a loaded profile; positions come from ``Profile.origins``."""
    where = _origin_finder(profile, path)
    sysctl: dict[str, Setting[int | str]] = {
        key: Setting(s.value, where(f"sysctl.{key}"), str(s.value))
        for key, s in profile.sysctl.items()
    }
    services = tuple(_service_from_profile(s, where) for s in profile.services.values())
    return PolicyView(path, "profile", sysctl, services)


def _origin_finder(profile: Profile, path: str) -> Callable[[str], Position]:
    """Position of a dotted path, falling back to its parents, then to the file."""
    origins = profile.origins
    top = Position(path)

    def where(dotted: str) -> Position:
        while dotted:
            pos = origins.get(dotted)
            if pos is not None:
                return pos
            dotted = dotted.rpartition(".")[0]
        return top

    return where


def _service_from_profile(svc: Service, where: Callable[[str], Position]) -> ServiceView:
    base = f"services.{svc.name}"
    adj = None
    if svc.oom_score_adj is not None:
        adj = Setting(svc.oom_score_adj, where(_adj_path(base, svc)), str(svc.oom_score_adj))
    policy: Setting[str] | None = None
    if svc.oom_policy is not None:
        policy = Setting(str(svc.oom_policy), where(f"{base}.oom_policy"), svc.oom_policy)
    memory = {
        name: Setting(size, where(f"{base}.memory.{name}"), size.render())
        for name in MEMORY_DIRECTIVES
        if (size := getattr(svc.memory, name)) is not None
    }
    managed = {
        name: Setting(
            _managed_text(value), where(f"{base}.managed_oom.{name}"), _managed_text(value)
        )
        for name in MANAGED_DIRECTIVES
        if (value := getattr(svc.managed_oom, name)) is not None
    }
    tier = svc.tier.value if svc.tier is not None else None
    # origins hold leaves only: the service is "where its unit: is written"
    compose = svc.init.compose_service if svc.init is not None else None
    return ServiceView(
        svc.name,
        svc.unit,
        where(f"{base}.unit"),
        adj,
        tier,
        policy,
        memory,
        managed,
        compose_service=compose,
    )


def _adj_path(base: str, svc: Service) -> str:
    return f"{base}.tier" if svc.adj_source == "tier" else f"{base}.oom_score_adj"


def _managed_text(value: object) -> str:
    return f"{value}%" if isinstance(value, int) else str(value)


# --- from files ---------------------------------------------------------------------------


def view_from_files(
    path: str, groups: Sequence[UnitGroup], sysctl_files: Sequence[SysctlFile]
) -> PolicyView:
    """The view of hand-written files: effective unit settings, winning sysctls."""
    sysctl: dict[str, Setting[int | str]] = {}
    for sysctl_file in sysctl_files:
        for entry in sysctl_file.entries:
            value = parse_c_int(entry.value) if entry.key in KNOWN else None
            sysctl[entry.key] = Setting(
                entry.value if value is None else value, entry_pos(entry), entry.value
            )
    services = tuple(_service_from_group(g) for g in groups)
    return PolicyView(path, "files", sysctl, services)


def effective_entries(group: UnitGroup) -> dict[str, UnitEntry]:
    """Key -> winning assignment in the unit type's own section; ``Key=`` removes it."""
    section = SECTION_BY_TYPE.get(group.unit_type)
    found: dict[str, UnitEntry] = {}
    for _, entry in group.entries():
        if entry.section != section:
            continue
        if entry.value:
            found[entry.key] = entry
        else:
            found.pop(entry.key, None)
    return found


def _service_from_group(group: UnitGroup) -> ServiceView:
    eff = effective_entries(group)
    for alias in LIMIT_ALIASES:  # the pre-248 spelling counts when the new one is absent
        if alias in eff:
            eff.setdefault(MANAGED_DIRECTIVES["memory_pressure_limit"], eff[alias])
    first = group.fragments[0].parse.path if group.fragments else ""
    return ServiceView(
        name=group.unit,
        unit=group.unit,
        pos=Position(first) if first else None,
        oom_score_adj=_one(eff, "OOMScoreAdjust", parse_c_int),
        oom_policy=_one(eff, "OOMPolicy", str),
        memory=_parsed(eff, MEMORY_DIRECTIVES, parse_unit_size),
        managed_oom=_parsed(eff, MANAGED_DIRECTIVES, _managed_value),
        kill_mode=_one(eff, "KillMode", str),
    )


def _managed_value(text: str) -> str | None:
    if text.endswith("%"):
        value = parse_unit_percent(text)
        return None if value is None else f"{value}%"
    return text


def _parsed(
    eff: Mapping[str, UnitEntry], names: Mapping[str, str], parse: Callable[[str], T | None]
) -> dict[str, Setting[T]]:
    """Field -> setting for each directive in ``names`` whose value ``parse`` accepts."""
    out: dict[str, Setting[T]] = {}
    for field_name, directive in names.items():
        setting = _one(eff, directive, parse)
        if setting is not None:
            out[field_name] = setting
    return out


def _one(
    eff: Mapping[str, UnitEntry], key: str, parse: Callable[[str], T | None]
) -> Setting[T] | None:
    """The effective ``key`` as a setting; None when unset or rejected (invalid-oom-value)."""
    entry = eff.get(key)
    value = parse(entry.value) if entry is not None else None
    if entry is None or value is None:
        return None
    return Setting(value, entry_pos(entry), entry.value)
