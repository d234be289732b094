"""Render a profile into files: systemd drop-ins and one sysctl.d file (pure).

``render(profile)`` returns :class:`RenderResult` (files sorted by path, plus
notes); it reads no host state and writes nothing, so ``plan``/``apply``,
``render --out`` and the golden tests all see the same bytes.

Targets live in :data:`TARGETS`, a plain ``name -> function`` registry: a
target takes the profile and a :class:`RenderOptions` and returns its files,
appending a :class:`~oomcfg.diagnostics.Diagnostic` to ``options.notes`` for
anything it left out. Other modules register more targets (init systems
without systemd) by adding to the dict; :data:`DEFAULT_TARGETS` are the ones
rendered when the caller does not choose.

Every rendered file is re-parsed before it is returned (defence in depth,
bad-inputs.md "Rendered systemd files"): its ``(section, key)`` set must be
exactly the one intended and no line may hold a control character or end in
a backslash. The loader already refuses such input; if one slips through,
that is a bug in oomcfg and :class:`RenderInvariantError` stops the run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Mapping
from functools import cache, partial
from itertools import pairwise
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from oomcfg.diagnostics import Diagnostic, Severity
from oomcfg.errors import ExitCode, InputError, OomcfgError
from oomcfg.initscripts import INIT_TARGETS
from oomcfg.model import (
    DROPIN_NAME,
    MARKER,
    SYSCTL_FILE,
    ManagedOOM,
    Profile,
    RenderedFile,
    Service,
)
from oomcfg.render_check import (
    RenderInvariantError,
    VerifiedBodies,
    check_sysctl_text,
    check_unit_text,
)
from oomcfg.resources import profiles_dir
from oomcfg.templating import call_macro
from oomcfg.units import (
    DIRECTIVE_BY_NAME,
    DIRECTIVES,
    SCOPE_SINCE,
    SECTION_BY_TYPE,
    dropin_dir,
    scope_error,
    unit_type,
)

#: Where system units and their drop-ins go (systemd.unit(5): /etc wins over /run, /usr/lib).
UNIT_DIR = "etc/systemd/system"

#: Note codes (render's own; lint and the loader use other ranges).
NOTE_OMITTED = ("OC801", "directive-unsupported-by-systemd-version")
NOTE_RENAMED = ("OC802", "directive-renamed-for-systemd-version")
NOTE_WRONG_TYPE = ("OC803", "directive-invalid-for-unit-type")
NOTE_SCOPE = ("OC804", "dropin-scope-unsupported-by-systemd-version")


class UnknownTargetError(OomcfgError):
    """``--only`` named a target that is not registered (a usage error, exit 2)."""

    exit_code = ExitCode.USAGE


class RenderOptions:
    """What every target gets besides the profile.

    ``systemd_version``: render for that release (None: the newest syntax).
    ``notes``: targets append a diagnostic for everything they omit or rename.
    ``deferred``: path -> its drop-in's re-parse check, when the caller runs the
    checks itself (:func:`render` with ``defer_checks``); None: each drop-in is
    checked at once. ``entries``: the drop-in lines already worked out for one
    set of settings (:func:`dropin_entries`; a fleet repeats a few hundred sets
    10,000 times). ``verified``: drop-in bodies already re-parsed
    (:func:`oomcfg.render_check.check_unit_text`).

    A plain slotted class: a dataclass costs about a millisecond to define on
    every start, for four fields and an ``__init__`` (P4/P7).
    """

    __slots__ = ("deferred", "entries", "notes", "systemd_version", "verified")

    def __init__(self, systemd_version: int | None = None,
                 deferred: dict[str, Callable[[], None]] | None = None) -> None:
        self.systemd_version = systemd_version
        self.notes: list[Diagnostic] = []
        self.deferred = deferred
        self.entries: dict[tuple[object, ...], tuple[tuple[str, str], ...]] = {}
        self.verified: VerifiedBodies = {}


# A NamedTuple, not a frozen dataclass: ~4x cheaper to define on every start (liveparse).
class RenderResult(NamedTuple):
    """Files sorted by path, and notes about what was left out or changed."""

    files: tuple[RenderedFile, ...]
    notes: tuple[Diagnostic, ...]
    #: the re-parse checks not run yet (``defer_checks``), by path; see :meth:`verify`
    checks: Mapping[str, Callable[[], None]] = MappingProxyType({})

    def verify(self, paths: Iterable[str]) -> None:
        """Run the deferred re-parse check of each of ``paths`` (RenderInvariantError).

        ``apply`` defers them: the check guards what is written, and an
        unchanged file is not written; the files it will write are checked
        before the plan is shown or anything is written.
        """
        for path in paths:
            check = self.checks.get(path)
            if check is not None:
                check()


Target = Callable[[Profile, RenderOptions], list[RenderedFile]]


def render(
    profile: Profile,
    *,
    systemd_version: int | None = None,
    only: Collection[str] | None = None,
    defer_checks: bool = False,
) -> RenderResult:
    """Render ``profile`` with the targets in ``only`` (default :data:`DEFAULT_TARGETS`).

    Pure and deterministic: the same profile gives the same bytes (no
    timestamps, no host state). Raises :class:`UnknownTargetError` for an
    unregistered target name, and one :class:`~oomcfg.errors.InputError`
    carrying the problems of *every* selected target (bad-inputs.md: every
    problem reported in one run), so ``--only runit,supervisord`` does not
    hide supervisord's problems behind runit's.

    ``defer_checks``: leave each drop-in's re-parse check to the caller
    (:meth:`RenderResult.verify`), for the files it will actually write.
    """
    options = RenderOptions(systemd_version=systemd_version,
                            deferred={} if defer_checks else None)
    files: list[RenderedFile] = []
    problems: list[Diagnostic] = []
    for name in select_targets(only):
        try:
            files.extend(TARGETS[name](profile, options))
        except InputError as err:
            problems.extend(err.diagnostics)
    if problems:
        # Two targets may find the same problem (an unusable init name): report it once.
        raise InputError(sorted(dict.fromkeys(problems), key=Diagnostic.sort_key))
    files.sort(key=_PATH)
    _refuse_duplicate_paths(files)
    # Notes in profile order (file, line, column), like errors: read beside the file.
    return RenderResult(files=tuple(files),
                        notes=tuple(sorted(options.notes, key=Diagnostic.sort_key)),
                        checks=MappingProxyType(options.deferred or {}))


_PATH = attrgetter("path")


def select_targets(only: Collection[str] | None) -> list[str]:
    """The target names to run, in registry order; unknown names are a usage error."""
    if only is None:
        return list(DEFAULT_TARGETS)
    if not only:  # `--only ,` or an empty shell variable: never quietly render nothing
        raise UnknownTargetError("--only names no render target; valid targets: "
                                 + ", ".join(TARGETS))
    unknown = sorted(set(only) - TARGETS.keys())
    if unknown:
        raise UnknownTargetError(
            f"unknown render target(s) {', '.join(unknown)}; valid targets: "
            + ", ".join(TARGETS)
        )
    return [name for name in TARGETS if name in only]


def _refuse_duplicate_paths(files: list[RenderedFile]) -> None:
    for before, after in pairwise(files):
        if before.path == after.path:
            raise RenderInvariantError(f"two rendered files share the path {after.path}")


# --- header text --------------------------------------------------------------


def quoted(text: str) -> str:
    """``text`` as a JSON string: ASCII only, no newline, never ending in a backslash.

    Used for every free-text item in a comment line (file names, service
    keys), so a hostile name cannot start a new line or continue one.
    """
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'  # what json.dumps gives such a text, without its machinery (P4)
    import json  # noqa: PLC0415 - ~3 ms at start-up, and almost no name needs it

    return json.dumps(text)


def source_label(path: str) -> str:
    """How a profile file is named in headers: shipped presets by name, others by file name.

    Rendered bytes must not depend on where oomcfg runs or how the path was
    spelled: ``apply site.yaml`` by hand and ``apply /etc/oomcfg/site.yaml``
    from cron would otherwise differ in every header, so the second apply
    would rewrite every drop-in and daemon-reload for nothing. Presets live
    at different absolute paths in a checkout and a wheel, hence
    ``preset:NAME``; other files are named by their base name.
    """
    real = Path(os.path.realpath(path))
    if real.parent == profiles_dir().resolve() and real.suffix == ".yaml":
        return "preset:" + real.stem
    return Path(path).name or path


def sources_text(profile: Profile) -> str:
    """The profile's source files for a header comment, quoted and comma-separated."""
    return ", ".join(quoted(source_label(p)) for p in profile.sources) or '"-"'


# --- systemd ------------------------------------------------------------------


def _note(options: RenderOptions, code: tuple[str, str], message: str, profile: Profile,
          dotted: str, *, severity: Severity = Severity.WARNING) -> None:
    options.notes.append(
        Diagnostic(code=code[0], slug=code[1], message=message,
                   pos=profile.origin(dotted), severity=severity)
    )


def service_values(svc: Service) -> list[tuple[str, str, str]]:
    """``(directive, value, field)`` for every setting ``svc`` makes, in file order.

    ``field`` is the path below the service (``memory.max``); :func:`_dotted`
    makes the full origin path only for a note (built eagerly, those strings
    were a fifth of rendering 10,000 drop-ins, P4).
    """
    values: list[tuple[str, str, str]] = []
    if svc.oom_score_adj is not None:
        field_name = "tier" if svc.adj_source == "tier" else "oom_score_adj"
        values.append(("OOMScoreAdjust", str(svc.oom_score_adj), field_name))
    if svc.oom_policy is not None:
        values.append(("OOMPolicy", svc.oom_policy, "oom_policy"))
    mem = svc.memory
    if mem.min is not None:
        values.append(("MemoryMin", mem.min.render(), "memory.min"))
    if mem.low is not None:
        values.append(("MemoryLow", mem.low.render(), "memory.low"))
    if mem.high is not None:
        values.append(("MemoryHigh", mem.high.render(), "memory.high"))
    if mem.max is not None:
        values.append(("MemoryMax", mem.max.render(), "memory.max"))
    if mem.swap_max is not None:
        values.append(("MemorySwapMax", mem.swap_max.render(), "memory.swap_max"))
    moom = svc.managed_oom
    if (moom.swap is not None or moom.memory_pressure is not None
            or moom.memory_pressure_limit is not None or moom.preference is not None):
        values += _managed_values(moom)
    return values


def _managed_values(moom: ManagedOOM) -> list[tuple[str, str, str]]:
    values: list[tuple[str, str, str]] = []
    if moom.swap is not None:
        values.append(("ManagedOOMSwap", moom.swap, "managed_oom.swap"))
    if moom.memory_pressure is not None:
        values.append(("ManagedOOMMemoryPressure", moom.memory_pressure,
                       "managed_oom.memory_pressure"))
    if moom.memory_pressure_limit is not None:
        values.append(("ManagedOOMMemoryPressureLimit", f"{moom.memory_pressure_limit}%",
                       "managed_oom.memory_pressure_limit"))
    if moom.preference is not None:
        values.append(("ManagedOOMPreference", moom.preference, "managed_oom.preference"))
    return values


def _dotted(svc: Service, field_name: str) -> str:
    """The origin path of one of ``svc``'s fields (``services.db.memory.max``)."""
    return f"services.{svc.name}.{field_name}"


@cache
def _written_as_is(utype: str, version: int | None) -> frozenset[str]:
    """Directives a ``utype`` unit takes under their current name on systemd ``version``."""
    return frozenset(
        d.name for d in DIRECTIVES if utype in d.unit_types and d.spelling(version) == d.name
    )


def dropin_entries(
    profile: Profile, svc: Service, options: RenderOptions, utype: str
) -> tuple[tuple[str, str], ...]:
    """The ``(key, value)`` lines of ``svc``'s drop-in, valid for its type and version.

    ``utype`` is ``unit_type(svc.unit)``, which the caller has already worked out.

    They depend only on the unit type and the settings, which a fleet repeats
    (every ``tier: standard`` service with ``{high: 192M, max: 256M}``), so a
    set of lines that needed no adjustment is remembered in ``options``. One
    that did is worked out again for each service, for its own notes.
    """
    key = (utype, svc.oom_score_adj, svc.oom_policy, svc.memory, svc.managed_oom)
    known = options.entries.get(key)
    if known is not None:
        return known
    as_is = _written_as_is(utype, options.systemd_version)
    values = service_values(svc)
    entries = tuple((name, value) for name, value, _ in values if name in as_is)
    if len(entries) == len(values):  # the usual case: nothing to adjust
        options.entries[key] = entries
        return entries
    adjusted = []
    for name, value, field_name in values:
        spelled = name if name in as_is else _adjust(profile, svc, options, name,
                                                        _dotted(svc, field_name))
        if spelled is not None:
            adjusted.append((spelled, value))
    return tuple(adjusted)


def _adjust(profile: Profile, svc: Service, options: RenderOptions, name: str,
            dotted: str) -> str | None:
    """The rare case: drop or rename ``name`` for this unit type or version, with a note."""
    directive = DIRECTIVE_BY_NAME[name]
    utype, version = unit_type(svc.unit), options.systemd_version
    if utype not in directive.unit_types:
        _note(options, NOTE_WRONG_TYPE, f"{name}= omitted for {svc.unit}: it is not valid "
              f"in a .{utype} unit", profile, dotted)
        return None
    spelled = directive.spelling(version)
    if spelled is None:
        _note(options, NOTE_OMITTED, f"{name}= omitted for {svc.unit}: systemd {version} "
              f"lacks it (added in {directive.since})", profile, dotted)
    else:
        _note(options, NOTE_RENAMED, f"{name}= written as {spelled}= for {svc.unit}: "
              f"systemd {version} predates the rename in {directive.renamed_in}",
              profile, dotted, severity=Severity.INFO)
    return spelled


def _scope_supported(profile: Profile, svc: Service, options: RenderOptions) -> bool:
    since = SCOPE_SINCE[svc.scope]
    version = options.systemd_version
    if version is None or version >= since:
        return True
    _note(options, NOTE_SCOPE, f"drop-in {dropin_dir(svc.unit)}/ omitted: systemd {version} "
          f"does not read {svc.scope}-wide drop-ins (added in {since})",
          profile, f"services.{svc.name}.scope")
    return False


def render_dropin(
    profile: Profile, svc: Service, options: RenderOptions, sources: str
) -> RenderedFile | None:
    """One service's drop-in, or None when it has nothing valid to set.

    ``sources`` is the header's quoted list of profile files (the same for every file).
    """
    problem = scope_error(svc.unit, svc.scope)
    if problem is not None:  # the loader refuses these; reaching here is a bug
        raise RenderInvariantError(f"service {svc.name!r}: {problem}")
    utype = unit_type(svc.unit)
    section = SECTION_BY_TYPE.get(utype)
    if section is None or (options.systemd_version is not None
                           and not _scope_supported(profile, svc, options)):
        return None
    entries = dropin_entries(profile, svc, options, utype)
    if not entries:
        return None
    path = f"{UNIT_DIR}/{svc.unit}.d/{DROPIN_NAME}"  # dropin_dir(), without the call
    content = call_macro("systemd-dropin.conf.j2", "dropin",
                         (MARKER, sources, quoted(svc.name), svc.unit, section), entries)
    if options.deferred is None:
        check_unit_text(content, path, section, entries, options.verified)
    else:
        options.deferred[path] = partial(check_unit_text, content, path, section, entries,
                                         options.verified)
    return RenderedFile(path=path, content=content, kind="systemd", unit=svc.unit)


def render_systemd(profile: Profile, options: RenderOptions) -> list[RenderedFile]:
    """Target ``systemd``: one ``UNIT.d/50-oomcfg.conf`` per service that sets anything."""
    files = []
    sources = sources_text(profile)
    for svc in profile.services.values():
        rendered = render_dropin(profile, svc, options, sources)
        if rendered is not None:
            files.append(rendered)
    return files


# --- sysctl -------------------------------------------------------------------

def render_sysctl(profile: Profile, options: RenderOptions) -> list[RenderedFile]:
    """Target ``sysctl``: ``etc/sysctl.d/90-oomcfg.conf``, keys sorted; none if no sysctls."""
    del options  # sysctl.d syntax has not changed across systemd releases
    if not profile.sysctl:
        return []
    settings = [
        ("-" if s.ignore_missing else "", s.key, str(s.value))
        for s in sorted(profile.sysctl.values(), key=lambda s: s.key)
    ]
    content = call_macro("sysctl.conf.j2", "sysctl", (MARKER, sources_text(profile)), settings)
    check_sysctl_text(content, SYSCTL_FILE, settings)
    return [RenderedFile(path=SYSCTL_FILE, content=content, kind="sysctl")]


#: The registry: target name -> renderer. Add entries to register more targets.
#: The init-system targets (sysv, openrc, upstart, runit, supervisord, compose)
#: come from oomcfg.initscripts; they render only when selected with ``--only``.
TARGETS: dict[str, Target] = {
    "systemd": render_systemd, "sysctl": render_sysctl, **INIT_TARGETS,
}

#: Targets rendered when the caller does not pass ``only``.
DEFAULT_TARGETS: tuple[str, ...] = ("systemd", "sysctl")
