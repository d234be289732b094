"""Which live units a template, prefix or type drop-in reaches (pure).

A profile service with ``scope: template`` (``postgresql@.service``),
``prefix`` (``foo-.service``) or ``type`` (``service``) installs one drop-in
that systemd applies to many units (systemd.unit(5), "drop-in"). There is no
such unit to ask systemd about, so ``oomcfg validate`` asks for the loaded
units matching a glob (:func:`instance_pattern`, one batched
``systemctl show PATTERN...``) and checks each of them exactly as if the
profile had named it (:func:`as_instance`).

Which service a unit belongs to: every drop-in oomcfg writes is called
``50-oomcfg.conf``, and systemd keeps only the first copy of a file name in
the order of :func:`oomcfg.unitfile.dropin_dirs_for` (the unit's own
directory, its template's, each dash prefix, then the type's;
``conf_files_list()``). So exactly one of the profile's drop-ins applies to a
unit -- the most specific -- and that service alone is checked against it
(:func:`assign_instances`). A profile with ``postgresql@.service`` and
``postgresql@15-main.service`` thus checks 15-main against its own entry only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from oomcfg.liveparse import UnitProps
from oomcfg.model import Service
from oomcfg.unitfile import dropin_dirs_for
from oomcfg.units import dropin_dir, is_template


def is_wide(svc: Service) -> bool:
    """True when ``svc``'s drop-in reaches more than one unit (scope template/prefix/type)."""
    return svc.scope != "unit"


def instance_pattern(svc: Service) -> str | None:
    """The systemctl(1) glob for the units ``svc``'s drop-in may reach; None for one unit.

    ``foo@.service`` -> ``foo@*.service``; ``foo-.service`` -> ``foo-*.service``
    (which also matches instances such as ``foo-bar@x.service``: systemd reads
    ``foo-.service.d`` for them too); ``service`` -> ``*.service``. Unit names
    cannot contain ``*``, ``?`` or ``[`` (unit_name_is_valid), so the rest of
    the pattern matches literally.
    """
    if svc.scope == "type":
        return f"*.{svc.unit}"
    if svc.scope in ("template", "prefix"):
        stem, _, suffix = svc.unit.rpartition(".")
        return f"{stem}*.{suffix}"
    return None


def wide_patterns(services: Iterable[Service]) -> list[str]:
    """The distinct glob patterns of every wide-scope service, sorted."""
    return sorted({p for s in services if (p := instance_pattern(s)) is not None})


def assign_instances(
    services: Iterable[Service], matches: Mapping[str, UnitProps]
) -> dict[str, tuple[str, ...]]:
    """Service name -> the loaded units whose oomcfg drop-in is that service's, sorted.

    ``matches`` is what the pattern ``show`` returned. Only ``LoadState=loaded``
    units count (a not-found or masked unit gets no drop-in). A unit reached
    by no wide service's directory (the glob is wider than systemd's rules)
    or owned by a more specific service of the profile is left out. Every
    wide service gets a key, with an empty tuple when nothing matched: that
    is validate's "no instance running" finding, not drift.
    """
    services = list(services)
    by_dir = {dropin_dir(s.unit): s for s in services}
    found: dict[str, list[str]] = {s.name: [] for s in services if is_wide(s)}
    for unit, props in sorted(matches.items()):
        if props.load_state != "loaded" or is_template(unit):
            continue
        owner = _owner(unit, by_dir)
        if owner is not None and is_wide(owner):
            found[owner.name].append(unit)
    return {name: tuple(units) for name, units in found.items()}


def _owner(unit: str, by_dir: Mapping[str, Service]) -> Service | None:
    """The service whose drop-in directory comes first for ``unit`` (it masks the others)."""
    for directory in dropin_dirs_for(unit):
        if directory in by_dir:
            return by_dir[directory]
    return None


def as_instance(svc: Service, unit: str) -> Service:
    """``svc`` as if the profile named ``unit`` itself: findings and fixes name the unit."""
    return svc._replace(unit=unit, scope="unit")


def expected_adj(
    services: Iterable[Service], instances: Mapping[str, tuple[str, ...]]
) -> Iterator[tuple[str, int]]:
    """``(unit, oom_score_adj)`` of every unit whose processes are checked."""
    for svc in services:
        if svc.oom_score_adj is None:
            continue
        if is_wide(svc):
            for unit in instances.get(svc.name, ()):
                yield unit, svc.oom_score_adj
        else:
            yield svc.unit, svc.oom_score_adj
