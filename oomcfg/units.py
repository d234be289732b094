"""systemd unit names, drop-in scopes, and which OOM directive is valid where.

Everything here is checked *before* a path is built from a unit name: a name
systemd would not accept either escapes the unit directory (``../x.service``)
or produces a drop-in systemd never reads (``nginx.srvice``), and in both cases
the host silently keeps its old OOM posture.

Sources: systemd's ``src/basic/unit-name.c`` (``unit_name_is_valid``,
``UNIT_NAME_MAX`` = 256 including the NUL, ``VALID_CHARS``), systemd.unit(5)
("drop-in"), systemd.exec(5), systemd.service(5), systemd.resource-control(5)
and systemd's NEWS (the ``since`` column of :data:`DIRECTIVES`).
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
import re
from collections.abc import Mapping
from typing import Literal, NamedTuple

from oomcfg.lazyre import LazyPattern
from oomcfg.model import Scope

#: unit-name.c: ``strlen(n) >= UNIT_NAME_MAX`` (256) is invalid, so 255 bytes is the maximum.
UNIT_NAME_MAX_BYTES = 255

#: Unit types systemd knows (unit-def.c ``unit_type_table``); the suffix after the last dot.
UNIT_TYPES = frozenset(
    {"service", "socket", "device", "mount", "automount", "swap", "target", "path", "timer",
     "slice", "scope"}
)

#: unit-name.c ``VALID_CHARS`` minus the backslash, which is only allowed as the
#: start of a ``\xNN`` escape made by systemd-escape(1) (checked separately).
_PLAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.-")
_ESCAPE = LazyPattern(r"\\x[0-9a-fA-F]{2}")
_ALLOWED = "letters, digits, ':', '_', '.', '-', one '@', and '\\xNN' escapes"
_CHAR = r"(?:[A-Za-z0-9:_.\-]|\\x[0-9a-fA-F]{2})"
#: The whole grammar in one expression, for the common (valid) case; anything it
#: rejects goes through the step-by-step checks below for a precise message.
_VALID = LazyPattern(
    rf"(?!@)(?!.*\.\.){_CHAR}+(?:@{_CHAR}*)?\.(?:{'|'.join(sorted(UNIT_TYPES))})"
)


#: The names of :data:`_VALID` without ``\\xNN`` escapes (nearly all of them), as plain
#: character classes: twice as fast as its per-character alternation (P4).
_PLAIN_VALID = re.compile(
    rf"[A-Za-z0-9:_.\-]+(?:@[A-Za-z0-9:_.\-]*)?\.(?:{'|'.join(sorted(UNIT_TYPES))})"
)


def unit_type(name: str) -> str:
    """The type suffix of ``name`` without the dot (``"service"``), or ``""`` if none.

    A bare type name (``"service"``, the unit of a ``scope: type`` drop-in) is its own type.
    """
    if "." not in name:
        return name if name in UNIT_TYPES else ""
    return name.rsplit(".", 1)[1]


def is_template(name: str) -> bool:
    """True for ``foo@.service``: the ``@`` is directly followed by the type suffix."""
    stem = name.rsplit(".", 1)[0]
    return stem.endswith("@") and stem.count("@") == 1


def is_instance(name: str) -> bool:
    """True for ``foo@bar.service``: an instance of the template ``foo@.service``."""
    stem = name.rsplit(".", 1)[0]
    return "@" in stem and not stem.endswith("@")


def unit_name_error(name: str) -> str | None:
    """Why ``name`` is not a valid unit name, or None when it is.

    Follows ``unit_name_is_valid(name, UNIT_NAME_ANY)``: at most 255 bytes, a
    known type suffix after the last dot, a non-empty prefix before any ``@``.
    Two deliberate tightenings, because a drop-in path is built from the name:
    a backslash must start a ``\\xNN`` escape (systemd accepts any ``\\``), and
    only one ``@`` is allowed (systemd accepts more inside the instance; such
    names only arise from systemd-escape, which escapes ``@`` anyway). A ``..``
    is refused too, although systemd accepts it, so no path ever contains one.
    """
    if name in _VALID_NAMES:
        return None
    if len(name) <= UNIT_NAME_MAX_BYTES and (
            (_PLAIN_VALID.fullmatch(name) is not None and ".." not in name)
            or _VALID.fullmatch(name) is not None):
        _VALID_NAMES.add(name)
        return None  # one regex for the common case; _diagnose says what is wrong
    return _diagnose(name)


#: Names :func:`unit_name_error` already passed: each unit of a profile is checked
#: when it is read, when the merged profile is checked and again when render
#: builds its path (30,000 regex matches at 10,000 services, P4). Bounded by the
#: names of the profiles one process reads.
_VALID_NAMES: set[str] = set()


def _diagnose(name: str) -> str | None:
    """The step-by-step checks, each with its own message (None if all pass)."""
    if not name:
        return "unit name is empty"
    if not name.isascii():
        return f"unit name {name!r} contains non-ASCII characters (allowed: {_ALLOWED})"
    if len(name) > UNIT_NAME_MAX_BYTES:
        return f"unit name is {len(name)} bytes long (at most {UNIT_NAME_MAX_BYTES})"
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        return f"unit name {name!r} lacks a type suffix such as '.service' ({_suffixes()})"
    if suffix not in UNIT_TYPES:
        return f"unit name {name!r} has an unknown type suffix '.{suffix}' ({_suffixes()})"
    return _stem_error(name, stem)


def _stem_error(name: str, stem: str) -> str | None:
    """Check the part before the type suffix: charset, escapes, ``@`` and ``..``."""
    bad = sorted({c for c in _ESCAPE.sub("", stem) if c not in _PLAIN_CHARS and c != "@"})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        return f"unit name {name!r} contains {shown} (allowed: {_ALLOWED})"
    if stem.count("@") > 1:
        return f"unit name {name!r} contains more than one '@' (allowed: {_ALLOWED})"
    if stem.startswith("@"):
        return f"unit name {name!r} has an empty prefix before '@'"
    if ".." in name:
        return f"unit name {name!r} contains '..', which oomcfg refuses in anything used as a path"
    return None


def _suffixes() -> str:
    return "known types: " + ", ".join(sorted(UNIT_TYPES))


# --- drop-in scopes (systemd.unit(5), "drop-in") -----------------------------

#: First systemd release that reads each kind of drop-in directory (NEWS:
#: ``foo-.service.d/`` prefix drop-ins in 239, top-level ``service.d/`` in 244).
SCOPE_SINCE: Mapping[Scope, int] = {"unit": 0, "template": 0, "prefix": 239, "type": 244}


def scope_error(unit: str, scope: Scope) -> str | None:
    """Why ``unit`` cannot be the target of a drop-in with ``scope``, or None.

    ``unit``: one plain or instance unit. ``template``: ``foo@.service``, every
    instance. ``prefix``: ``foo-.service``, every ``foo-*.service``. ``type``: a
    bare type (``service``), every unit of that type. A name that reaches more
    than one unit must come with the matching explicit scope (bad-inputs.md).
    """
    if (unit, scope) in _FITTING:
        return None
    problem = _scope_error(unit, scope)
    if problem is None:
        _FITTING.add((unit, scope))
    return problem


#: (unit, scope) pairs :func:`scope_error` passed: the merged-profile checks and
#: render both ask for each service (P4). Bounded like :data:`_VALID_NAMES`.
_FITTING: set[tuple[str, str]] = set()


def _scope_error(unit: str, scope: Scope) -> str | None:
    if scope == "type":
        if unit in UNIT_TYPES:
            return None
        return f"scope 'type' needs a bare unit type such as 'service' or 'slice', not {unit!r}"
    problem = unit_name_error(unit)
    if problem is not None:
        return problem
    stem = unit.rsplit(".", 1)[0]
    prefix = stem.endswith("-") and stem != "-"  # "-.slice" is the root slice itself
    wide = "template" if is_template(unit) else "prefix" if prefix else "unit"
    if wide == scope:
        return None
    if scope == "unit":
        return (f"{unit!r} names a drop-in for every matching unit; set 'scope: {wide}' "
                "to say that is intended")
    example = "foo@.service" if scope == "template" else "foo-.service"
    return f"scope {scope!r} needs a unit name like {example!r}, not {unit!r}"


def dropin_dir(unit: str) -> str:
    """The drop-in directory name for an already validated unit (or bare type).

    ``foo@.service`` -> ``foo@.service.d``; ``service`` -> ``service.d``: in every
    scope the directory is the name followed by ``.d`` (systemd.unit(5)).
    """
    return f"{unit}.d"


# --- which directive is valid where ------------------------------------------

#: The section each unit type's own settings live in (systemd.service(5), .slice(5), ...).
SECTION_BY_TYPE: Mapping[str, str] = {
    "service": "Service", "socket": "Socket", "mount": "Mount", "swap": "Swap",
    "slice": "Slice", "scope": "Scope",
}

#: Unit types that execute processes and so take systemd.exec(5) settings.
EXEC_TYPES = frozenset({"service", "socket", "mount", "swap"})
#: Unit types with a cgroup, taking systemd.resource-control(5) settings.
RESOURCE_TYPES = frozenset({"service", "socket", "mount", "swap", "slice", "scope"})

Family = Literal["exec", "oom-policy", "resource"]


# A NamedTuple, not a frozen dataclass: ~4x cheaper to define on every start (liveparse).
class Directive(NamedTuple):
    """One directive: where it is valid, since which systemd, and its older name.

    ``old_name`` was the spelling up to ``renamed_in - 1``; a renamed directive
    is rendered under its old name for older versions.
    """

    name: str
    family: Family
    since: int
    old_name: str | None = None
    renamed_in: int = 0

    @property
    def unit_types(self) -> frozenset[str]:
        """Unit types whose section accepts this directive."""
        if self.family == "exec":
            return EXEC_TYPES
        if self.family == "oom-policy":
            return frozenset({"service", "scope"})  # systemd.service(5), systemd.scope(5)
        return RESOURCE_TYPES

    def spelling(self, version: int | None) -> str | None:
        """The name to write for systemd ``version`` (None: newest), or None if it lacks it."""
        if version is None:
            return self.name
        if version < self.since:
            return None
        if self.old_name is not None and version < self.renamed_in:
            return self.old_name
        return self.name


#: The directives oomcfg renders, in the order they are written.
#: Versions: NEWS "CHANGES WITH 231" (MemoryHigh/Max/Low, cgroup v2), 232
#: (MemorySwapMax=), 240 (MemoryMin=), 243 (OOMPolicy=, with PID 1 watching
#: OOM events), 247 (ManagedOOMSwap=, ManagedOOMMemoryPressure=,
#: ManagedOOMMemoryPressureLimitPercent=), 248 (ManagedOOMPreference=). The
#: ...LimitPercent= -> ...Limit= rename is not in NEWS; systemd 248 is the first
#: release whose systemd.resource-control(5) documents ManagedOOMMemoryPressureLimit=,
#: and systemd 252's libsystemd-core knows only the new name (checked on Debian 12).
DIRECTIVES: tuple[Directive, ...] = (
    Directive("OOMScoreAdjust", "exec", 0),  # OOMAdjust= before 2010; every supported release
    Directive("OOMPolicy", "oom-policy", 243),
    Directive("MemoryMin", "resource", 240),
    Directive("MemoryLow", "resource", 231),
    Directive("MemoryHigh", "resource", 231),
    Directive("MemoryMax", "resource", 231),
    Directive("MemorySwapMax", "resource", 232),
    Directive("ManagedOOMSwap", "resource", 247),
    Directive("ManagedOOMMemoryPressure", "resource", 247),
    Directive(
        "ManagedOOMMemoryPressureLimit", "resource", 247,
        old_name="ManagedOOMMemoryPressureLimitPercent", renamed_in=248,
    ),
    Directive("ManagedOOMPreference", "resource", 248),
)

DIRECTIVE_BY_NAME: Mapping[str, Directive] = {d.name: d for d in DIRECTIVES}


def directive_valid_for(directive: str, utype: str) -> bool:
    """True when ``directive`` (current name) belongs in the section of unit type ``utype``."""
    known = DIRECTIVE_BY_NAME.get(directive)
    return known is not None and utype in known.unit_types
