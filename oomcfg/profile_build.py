"""From merged leaves to a :class:`~oomcfg.model.Profile`, with the rules that need the whole.

After ``extends:`` and command-line merging, a service may take its ``unit``
from one file and its ``tier`` from another, so these checks run on the
merged leaves, never per file:

* every service has a ``unit`` (OC021), and ``scope:`` matches the unit's form
  (OC042, :func:`oomcfg.units.scope_error`);
* each setting suits the unit type (OC043): ``OOMScoreAdjust=`` is an exec
  setting (systemd.exec(5): service, socket, mount, swap), ``OOMPolicy=`` exists
  for services and scopes (systemd.service(5), systemd.scope(5)), memory and
  ManagedOOM settings need a cgroup (systemd.resource-control(5): service,
  slice, scope, socket, mount, swap); ``init`` describes a service;
* one service per unit (OC044): two drop-ins for one unit would fight;
* ``memory_pressure_limit`` only with ``memory_pressure: kill`` (OC047,
  systemd.resource-control(5)).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from oomcfg.diagnostics import Diagnostic, Position
from oomcfg.fieldspecs import FromRequest
from oomcfg.model import (
    TIER_SCORES,
    InitSpec,
    ManagedOOM,
    Memory,
    Profile,
    Scope,
    Service,
    SysctlSetting,
    Tier,
)
from oomcfg.schema import SLUGS
from oomcfg.specs import INVALID, Flat, Path
from oomcfg.units import EXEC_TYPES, RESOURCE_TYPES, UNIT_TYPES, scope_error, unit_type

#: Top-level service field -> (unit types that accept it, the directive, its man page).
_ACCEPTS: Mapping[str, tuple[frozenset[str], str]] = {
    "tier": (EXEC_TYPES, "OOMScoreAdjust= (systemd.exec(5))"),
    "oom_score_adj": (EXEC_TYPES, "OOMScoreAdjust= (systemd.exec(5))"),
    "oom_policy": (frozenset({"service", "scope"}), "OOMPolicy= (systemd.service(5), .scope(5))"),
    "memory": (RESOURCE_TYPES, "Memory*= (systemd.resource-control(5))"),
    "managed_oom": (RESOURCE_TYPES, "ManagedOOM*= (systemd.resource-control(5))"),
    "init": (frozenset({"service"}), "init (a description of a service)"),
}


#: Unit types every service field suits (``service``): no per-field check needed.
_ACCEPTS_ALL = frozenset.intersection(*(types for types, _ in _ACCEPTS.values()))


def _error(diags: list[Diagnostic], code: str, pos: Position | None, message: str,
           hint: str = "") -> None:
    diags.append(Diagnostic(code, message, pos, slug=SLUGS.get(code, ""), hint=hint))


#: Leaf paths below a service, made once (a key tuple per lookup adds up at 10,000 services).
_UNIT, _SCOPE = ("unit",), ("scope",)
_PRESSURE, _PRESSURE_LIMIT = ("managed_oom", "memory_pressure"), ("managed_oom",
                                                                  "memory_pressure_limit")


def check_service(name: str, fields: Flat, anchor: Position | None,
                  diags: list[Diagnostic], units: dict[str, tuple[str, Position]]) -> bool:
    """The merged-profile rules for one service; True when its own rules hold.

    ``units`` maps each unit named so far to its first service (OC044). The
    caller still builds nothing unless every leaf is valid (no ``INVALID``).
    """
    unit_leaf = fields.get(_UNIT)
    if unit_leaf is None:
        _error(diags, "OC021", anchor, f"service {name!r} has no 'unit'",
               "add 'unit: NAME.service' here or in a profile it extends")
        return False
    unit, unit_pos = unit_leaf
    if unit is INVALID or not isinstance(unit, str):
        return False
    before = len(diags)
    first = units.setdefault(unit, (name, unit_pos))
    if first[0] != name:
        _error(diags, "OC044", unit_pos, f"unit {unit!r} of service {name!r} is already "
               f"used by service {first[0]!r} at {first[1]}", "keep one service per unit")
    scope_leaf = fields.get(_SCOPE)
    scope = scope_leaf[0] if scope_leaf else "unit"
    if scope is not INVALID:
        problem = _scope_problem(unit, scope)  # type: ignore[arg-type]
        if problem is not None:
            _error(diags, "OC042", scope_leaf[1] if scope_leaf else unit_pos, problem)
    if unit_type(unit) not in _ACCEPTS_ALL:
        _check_unit_type(name, unit, fields, diags)
    _check_pressure_limit(fields, diags)
    return len(diags) == before


def _scope_problem(unit: str, scope: Scope) -> str | None:
    """:func:`scope_error`, with a clearer word for a bare type without ``scope: type``."""
    if unit in UNIT_TYPES and scope != "type":
        return (f"{unit!r} alone names a drop-in for every {unit} unit on the host; "
                "set 'scope: type' to say that is intended")
    return scope_error(unit, scope)


def _check_unit_type(name: str, unit: str, fields: Flat, diags: list[Diagnostic]) -> None:
    utype = unit_type(unit)
    reported: set[str] = set()
    for path, (_, pos) in fields.items():
        top = path[0]
        accepts = _ACCEPTS.get(top)
        if accepts is None or utype in accepts[0] or top in reported:
            continue
        reported.add(top)
        types = ", ".join(sorted(accepts[0]))
        _error(diags, "OC043", pos, f"service {name!r}: {top} has no effect on {unit!r}: "
               f"{accepts[1]} applies only to {types} units", f"remove {top} from this service")


def _check_pressure_limit(fields: Flat, diags: list[Diagnostic]) -> None:
    limit = fields.get(_PRESSURE_LIMIT)
    if limit is None:
        return
    mode = fields.get(_PRESSURE)
    if mode is None or mode[0] not in ("kill", INVALID):
        _error(diags, "OC047", limit[1], "memory_pressure_limit only takes effect with "
               "memory_pressure: kill (systemd.resource-control(5))",
               "set 'memory_pressure: kill' or remove the limit")


#: The fields of a service directly below it, then each group's fields in record order.
_TOP = ("unit", "scope", "tier", "oom_score_adj", "oom_policy")
_GROUPS = (("memory", Memory), ("managed_oom", ManagedOOM), ("init", InitSpec))


def _slots() -> tuple[dict[Path, int], dict[str, slice]]:
    """Each leaf path's index in a flat list of a service's values, and each group's slice."""
    slots: dict[Path, int] = {(name,): index for index, name in enumerate(_TOP)}
    spans: dict[str, slice] = {}
    for group, record in _GROUPS:
        start = len(slots)
        slots.update(((group, name), start + i) for i, name in enumerate(record._fields))
        spans[group] = slice(start, len(slots))
    return slots, spans


_SLOTS, _SPANS = _slots()
_MEMORY, _MANAGED, _INIT = (_SPANS[group] for group, _ in _GROUPS)
#: A group's slice of a service that sets none of it (compared as lists, in C).
_UNSET_MEMORY, _UNSET_MANAGED, _UNSET_INIT = ([None] * len(r._fields) for _, r in _GROUPS)
_make = tuple.__new__


def build_service(name: str, fields: Flat) -> Service | None:
    """A :class:`Service` from checked leaves, or None when one of them is INVALID.

    Each leaf goes to its slot of one list (:data:`_SLOTS`, made from the
    records' own field lists), and each record is a slice of it: no dict per
    group and no keyword call per record, for 10,000 services (P4). A service
    without ``memory:`` or ``managed_oom:`` shares one empty (frozen) value.
    """
    values: list[Any] = [None] * len(_SLOTS)
    slots = _SLOTS
    for path, (value, _) in fields.items():
        if value is INVALID:  # its diagnostic is already out; nothing can be built
            return None
        values[slots[path]] = value
    unit, scope, tier, adj, policy = values[:5]
    score, source, tier_value = _score(tier, adj)
    memory, managed, init = values[_MEMORY], values[_MANAGED], values[_INIT]
    return _make(Service, (
        name, unit, scope or "unit", score, source, tier_value, policy,
        _make(Memory, memory) if memory != _UNSET_MEMORY else _NO_MEMORY,
        _make(ManagedOOM, managed) if managed != _UNSET_MANAGED else _NO_MANAGED_OOM,
        _make(InitSpec, init) if init != _UNSET_INIT else None,
    ))


_NO_MEMORY = Memory()
_NO_MANAGED_OOM = ManagedOOM()


_TIERS: Mapping[str, Tier] = {tier.value: tier for tier in Tier}


def _score(tier_name: str | None, adj: Any) -> tuple[int | None, Any, Tier | None]:
    if tier_name is not None:
        tier = _TIERS[tier_name]  # not Tier(...): the enum call costs more than the rest
        return TIER_SCORES[tier], "tier", tier
    if isinstance(adj, FromRequest):
        return adj.score, "from_request", None
    if adj is None:
        return None, "none", None
    return adj, "explicit", None


class LazyOrigins(Mapping[str, Position]):
    """``Profile.origins``, made from the merged leaves the first time it is read.

    The table has an entry per value (70,000 at 10,000 services), yet
    ``render --out`` and ``apply`` read it only for a note; building it up
    front was a fifth of building the profile (P4). Reading it gives the same
    mapping :func:`origins` returns. The leaves are never changed after the
    profile is built.
    """

    __slots__ = ("_leaves", "_table")

    def __init__(self, merged: Flat, services: Mapping[str, Flat]) -> None:
        self._leaves: tuple[Flat, Mapping[str, Flat]] | None = (merged, services)
        self._table: dict[str, Position] | None = None

    def _built(self) -> dict[str, Position]:
        if self._table is None:
            assert self._leaves is not None
            self._table, self._leaves = origins(*self._leaves), None
        return self._table

    def __getitem__(self, dotted: str) -> Position:
        return self._built()[dotted]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())

    def __repr__(self) -> str:
        return repr(self._built())


def origins(merged: Flat, services: Mapping[str, Flat]) -> dict[str, Position]:
    """Dotted path -> position of the winning value; a tier also answers for oom_score_adj."""
    found = {".".join(path): pos for path, (value, pos) in merged.items()
             if value is not INVALID and path[0] != "extends"}
    for name, fields in services.items():
        prefix = f"services.{name}."
        found.update((prefix + ".".join(path), pos) for path, (value, pos) in fields.items()
                     if value is not INVALID)
    for name, fields in services.items():
        tier = fields.get(("tier",))
        if tier is not None:
            found.setdefault(f"services.{name}.oom_score_adj", tier[1])
    return found


def build_profile(merged: Flat, services: Mapping[str, Flat],
                  anchors: Mapping[Path, Position], sources: tuple[str, ...],
                  diags: list[Diagnostic]) -> Profile | None:
    """Run the merged-profile checks and build the model; None if anything is wrong.

    ``merged`` holds every leaf outside ``services`` by its full path;
    ``services`` each service's leaves by their path below it, in the order
    the services were first named.
    """
    built: dict[str, Service] = {}
    units: dict[str, tuple[str, Position]] = {}
    buildable = True
    for name, fields in services.items():  # one pass: check, then build while all is well
        ok = check_service(name, fields, anchors.get(("services", name)), diags, units)
        service = build_service(name, fields) if ok else None
        if service is None:
            buildable = False
        elif buildable:
            built[name] = service
    if not buildable or any(d.severity == "error" for d in diags):
        return None
    description = merged.get(("description",), ("", None))[0]
    sysctl: dict[str, SysctlSetting] = {
        p[1]: v for p, (v, _) in merged.items() if p[0] == "sysctl"  # type: ignore[misc]
    }
    return Profile(
        version=1, description=str(description), sources=sources, sysctl=sysctl,
        services=built,
        origins=LazyOrigins(merged, services),
    )
