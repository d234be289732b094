"""Profile format v1: every field, its rule, its code, and the JSON Schema, in one place.

The tree :data:`PROFILE` below is the single source of truth: the loader
(:mod:`oomcfg.profile`) walks YAML nodes with it, and :func:`json_schema`
describes the same tree for editors and CI. Rules that need the whole merged
profile (a service's unit type versus its settings, ``scope:`` versus the
unit's form, one service per unit) live in :mod:`oomcfg.profile_build`; the
JSON Schema cannot express those, nor YAML-text rules such as "no ``0x10``".
docs/profile-format.md documents every field and every code in :data:`CODES`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from oomcfg.fieldspecs import (
    FROM_REQUEST,
    EnumSpec,
    ListSpec,
    PathSpec,
    PatternSpec,
    PercentSpec,
    ScoreSpec,
    SizeSpec,
    TextSpec,
    UnitSpec,
    VersionSpec,
)
from oomcfg.model import Tier
from oomcfg.specs import DictSpec, Field, MapSpec
from oomcfg.sysctl_spec import SYSCTL_ENTRY, SysctlSpec

#: Every code this layer reports: code -> (slug, what it means). OC001-OC019 are
#: oomcfg.yamlload's (the file itself); these are about the profile's content.
CODES: Mapping[str, tuple[str, str]] = {
    "OC020": ("unknown-key", "a key the closed schema does not have (with a 'did you mean')"),
    "OC021": ("missing-key", "a required key is missing, or the file is empty"),
    "OC022": ("wrong-type", "a value of the wrong YAML type"),
    "OC023": ("boolean-not-word", "a YAML boolean where a word or text belongs: quote it"),
    "OC024": ("not-plain-integer", "an integer written quoted, as a float, or not in plain "
              "decimal (0100, 0x10, 0o17, +5)"),
    "OC025": ("out-of-range", "an integer outside its allowed range"),
    "OC026": ("empty-value", "an empty, ~ or null value, or an empty string (never a reset)"),
    "OC027": ("unknown-word", "a word that is not one of the allowed values"),
    "OC028": ("unsafe-text", "a control character, line break or trailing backslash in text"),
    "OC029": ("bad-text", "text that does not match its allowed form or is too long"),
    "OC030": ("unsupported-version", "'oomcfg:' is not a format version this oomcfg reads (1)"),
    "OC031": ("bad-size", "a memory size that is not bytes, K/M/G/T, N% or infinity"),
    "OC032": ("bad-percentage", "a percentage that is not an integer 0%..100%"),
    "OC040": ("bad-unit-name", "a unit name systemd would not accept"),
    "OC042": ("scope-mismatch", "'scope:' does not match the unit's form (template, prefix, type)"),
    "OC043": ("setting-ignored-by-unit-type", "a setting systemd ignores for this unit type"),
    "OC044": ("duplicate-unit", "two services name the same unit"),
    "OC045": ("exclusive-keys", "both 'tier' and 'oom_score_adj' in one service"),
    "OC046": ("bad-request", "from_request/capacity cannot give a score"),
    "OC047": ("limit-without-kill", "memory_pressure_limit without memory_pressure: kill"),
    "OC048": ("bad-service-name", "a service name outside [A-Za-z0-9_.-]"),
    "OC049": ("bad-path", "a pidfile that is not a clean absolute path"),
    "OC050": ("bad-sysctl-key", "a sysctl key outside the dotted key grammar"),
    "OC051": ("sysctl-key-pattern", "a sysctl key with a glob or a leading '-'"),
    "OC052": ("unknown-sysctl", "a sysctl key oomcfg does not know, without passthrough"),
    "OC053": ("passthrough-known-sysctl", "passthrough on a key oomcfg types"),
    "OC054": ("bad-passthrough-value", "a pass-through value sysctl.d cannot carry safely"),
    "OC055": ("bad-cmdline-pattern", "an init.cmdline that is not a regular expression"),
    "OC060": ("extends-not-found", "an extended profile does not exist"),
    "OC061": ("extends-cycle", "profiles extend each other in a cycle"),
    "OC062": ("bad-extends-entry", "an extends entry that is neither a preset name nor a path"),
    "OC063": ("extends-too-deep", "an extends chain deeper than 64 files"),
}
SLUGS: Mapping[str, str] = {code: slug for code, (slug, _) in CODES.items()}

SERVICE_NAME_PATTERN = r"[A-Za-z0-9_.-]+"
PRESET_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")




_SERVICE_ENUMS = {"oom_policy": ("continue", "stop", "kill"),  # systemd.service(5)
                  "managed": ("auto", "kill"),  # systemd.resource-control(5)
                  "preference": ("none", "avoid", "omit"),
                  "scope": ("unit", "template", "prefix", "type")}

MEMORY = MapSpec("memory", [
    Field("min", SizeSpec(), "MemoryMin=: memory always protected from reclaim"),
    Field("low", SizeSpec(), "MemoryLow=: best-effort protection from reclaim"),
    Field("high", SizeSpec(), "MemoryHigh=: throttle and reclaim above this"),
    Field("max", SizeSpec(), "MemoryMax=: hard limit; the cgroup OOM-kills above it"),
    Field("swap_max", SizeSpec(percent=False), "MemorySwapMax=: swap limit (bytes or infinity)"),
])

MANAGED_OOM = MapSpec("managed_oom", [
    Field("swap", EnumSpec(_SERVICE_ENUMS["managed"]), "ManagedOOMSwap=: systemd-oomd on swap"),
    Field("memory_pressure", EnumSpec(_SERVICE_ENUMS["managed"]),
          "ManagedOOMMemoryPressure=: systemd-oomd on memory pressure"),
    Field("memory_pressure_limit", PercentSpec(),
          "ManagedOOMMemoryPressureLimit=: pressure that triggers a kill (needs "
          "memory_pressure: kill)"),
    Field("preference", EnumSpec(_SERVICE_ENUMS["preference"]),
          "ManagedOOMPreference=: avoid or omit this unit when oomd picks a victim"),
])

INIT = MapSpec("init", [
    Field("name", TextSpec("an init service name ([A-Za-z0-9_.@-], not starting with . or -)",
                           r"[A-Za-z0-9_@][A-Za-z0-9_.@-]*", 128),  # = initjobs.NAME_RE
          "service name under SysV/OpenRC/runit/supervisord (default: the unit's stem)"),
    Field("command", ListSpec(TextSpec("a non-empty argument")),
          "the daemon's argv, for init systems that wrap the start command"),
    Field("compose_service",
          TextSpec("a compose service name ([a-zA-Z0-9._-])", r"[a-zA-Z0-9._-]+", 255),
          "the service's name in a compose file"),
    Field("pidfile", PathSpec("an absolute path"), "where the running daemon writes its PID"),
    Field("comm", TextSpec("a process name of at most 15 bytes", None, 15),
          "the process name in /proc/PID/comm (TASK_COMM_LEN is 16 with the NUL)"),
    Field("cmdline", PatternSpec("a regular expression", 1024),
          "a regular expression searched in the command line (arguments joined by spaces, "
          "as pgrep -f reads it)"),
])

SERVICE = MapSpec("a service", [
    Field("unit", UnitSpec(), "systemd unit name, e.g. ssh.service (required after merging)"),
    Field("scope", EnumSpec(_SERVICE_ENUMS["scope"]),
          "how far the drop-in reaches: unit (default), template, prefix or type"),
    Field("tier", EnumSpec([t.value for t in Tier]), "a named score (oomcfg.model.TIER_SCORES)"),
    Field("oom_score_adj", ScoreSpec(), "OOMScoreAdjust=: -1000..1000 or {from_request, capacity}"),
    Field("oom_policy", EnumSpec(_SERVICE_ENUMS["oom_policy"]), "OOMPolicy=: continue, stop, kill"),
    Field("memory", MEMORY, "cgroup v2 memory protection and limits"),
    Field("managed_oom", MANAGED_OOM, "systemd-oomd settings"),
    Field("init", INIT, "how hosts without systemd find and start the service"),
], exclusive=("tier", "oom_score_adj"))

PROFILE = MapSpec("the profile", [
    Field("oomcfg", VersionSpec(), "format version; must be 1", required=True),
    Field("description", TextSpec("a one-line description"), "what this profile is for"),
    Field("extends", ListSpec(TextSpec("a preset name or a path"), with_positions=True,
                              min_items=0),
          "profiles merged before this one: preset names or paths relative to this file"),
    Field("sysctl", SysctlSpec(), "host kernel policy, one dotted key per line"),
    Field("services", DictSpec("service", SERVICE_NAME_PATTERN, "letters, digits, '_', '.', '-'",
                               SERVICE), "OOM posture per service, keyed by a name you choose"),
])


def json_schema() -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of one profile file, generated from :data:`PROFILE`.

    It checks each file's shape and types. It cannot check what needs the
    merged profile (required ``unit``, scope/unit-type rules, duplicate units)
    or the YAML text (plain decimal integers): the loader does those.
    """
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:oomcfg:profile-format:v1",
        "title": "oomcfg profile, format version 1",
        **PROFILE.json(),
    }


def field_paths(spec: MapSpec = PROFILE, prefix: str = "") -> Iterator[str]:
    """Every documented field as a dotted path (``services.*.memory.max``), for the docs test."""
    for field in spec.fields.values():
        path = f"{prefix}{field.name}"
        yield path
        inner = field.spec
        if isinstance(inner, DictSpec):
            yield from field_paths(inner.value, f"{path}.*.")
        elif isinstance(inner, MapSpec):
            yield from field_paths(inner, f"{path}.")
        elif isinstance(inner, ScoreSpec):
            yield from field_paths(FROM_REQUEST, f"{path}.")
        elif path == "sysctl":
            yield from (f"sysctl.*.{name}" for name in SYSCTL_ENTRY.fields)

