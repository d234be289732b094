"""Unit names are checked exactly as systemd's unit_name_is_valid (plus documented tightenings)."""

from __future__ import annotations

import random

import pytest

from oomcfg import units
from oomcfg.units import (
    DIRECTIVE_BY_NAME,
    directive_valid_for,
    is_instance,
    is_template,
    scope_error,
    unit_name_error,
    unit_type,
)

GOOD = [
    "ssh.service",
    "postgresql@15-main.service",
    "worker@.service",
    "foo-.service",
    "user.slice",
    "-.slice",
    "system-getty.slice",
    "session-1.scope",
    "dev-disk-by\\x2duuid-1234.swap",
    "home.mount",
    "a:b_c.d-e.socket",
    "x" * 247 + ".service",  # exactly 255 bytes
]

BAD = [
    ("", "empty"),
    ("../etc/passwd.service", "'/'"),
    ("foo/bar.service", "'/'"),
    ("foo..service", "'..'"),
    ("my app.service", "' '"),
    ("caf\u00e9.service", "non-ASCII"),
    ("x" * 248 + ".service", "256 bytes"),
    ("nginx", "lacks a type suffix"),
    ("nginx.srvice", "unknown type suffix '.srvice'"),
    (".service", "lacks a type suffix"),
    ("a@b@c.service", "more than one '@'"),
    ("@foo.service", "empty prefix"),
    ("foo\\bar.service", "'\\\\'"),
    ("foo\\x2.service", "'\\\\'"),
    ("foo;rm.service", "';'"),
    ("foo\n.service", "'\\n'"),
]


@pytest.mark.parametrize("name", GOOD)
def test_valid_unit_names_are_accepted(name: str) -> None:
    assert unit_name_error(name) is None


@pytest.mark.parametrize(("name", "why"), BAD)
def test_invalid_unit_names_are_refused_with_the_reason(name: str, why: str) -> None:
    problem = unit_name_error(name)
    assert problem is not None
    assert why in problem


def test_type_template_and_instance_are_told_apart() -> None:
    assert unit_type("postgresql@15-main.service") == "service"
    assert unit_type("service") == "service"
    assert unit_type("nginx") == ""
    assert is_template("worker@.service") and not is_instance("worker@.service")
    assert is_instance("worker@1.service") and not is_template("worker@1.service")
    assert not is_template("ssh.service") and not is_instance("ssh.service")


@pytest.mark.parametrize(
    ("unit", "scope"),
    [("ssh.service", "unit"), ("worker@1.service", "unit"), ("-.slice", "unit"),
     ("worker@.service", "template"),
     ("foo-.service", "prefix"), ("service", "type"), ("slice", "type")],
)
def test_scope_matches_what_the_name_reaches(unit: str, scope: str) -> None:
    assert scope_error(unit, scope) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("unit", "scope", "why"),
    [("worker@.service", "unit", "scope: template"),
     ("foo-.service", "unit", "scope: prefix"),
     ("ssh.service", "template", "like 'foo@.service'"),
     ("ssh.service", "prefix", "like 'foo-.service'"),
     ("ssh.service", "type", "bare unit type"),
     ("nginx.srvice", "unit", "unknown type suffix")],
)
def test_wide_drop_ins_need_an_explicit_scope(unit: str, scope: str, why: str) -> None:
    problem = scope_error(unit, scope)  # type: ignore[arg-type]
    assert problem is not None and why in problem


def test_directive_table_follows_the_man_pages() -> None:
    assert directive_valid_for("OOMScoreAdjust", "service")
    assert directive_valid_for("OOMScoreAdjust", "socket")
    assert not directive_valid_for("OOMScoreAdjust", "slice")  # not an exec unit
    assert not directive_valid_for("OOMScoreAdjust", "scope")
    assert directive_valid_for("OOMPolicy", "scope")
    assert not directive_valid_for("OOMPolicy", "slice")
    assert directive_valid_for("MemoryMax", "slice")
    assert not directive_valid_for("MemoryMax", "timer")
    assert not directive_valid_for("NoSuchThing", "service")


def test_versions_omit_and_rename() -> None:
    limit = DIRECTIVE_BY_NAME["ManagedOOMMemoryPressureLimit"]
    assert limit.spelling(None) == "ManagedOOMMemoryPressureLimit"
    assert limit.spelling(252) == "ManagedOOMMemoryPressureLimit"
    assert limit.spelling(247) == "ManagedOOMMemoryPressureLimitPercent"
    assert limit.spelling(246) is None
    assert DIRECTIVE_BY_NAME["OOMPolicy"].spelling(242) is None
    assert DIRECTIVE_BY_NAME["OOMPolicy"].spelling(243) == "OOMPolicy"
    assert DIRECTIVE_BY_NAME["ManagedOOMPreference"].spelling(247) is None


@pytest.mark.parametrize("name", GOOD + [n for n, _ in BAD] + ["a.b.service", "x@y.z.slice"])
def test_fast_path_and_step_by_step_checks_agree(name: str) -> None:
    from oomcfg.units import _diagnose

    assert (unit_name_error(name) is None) == (_diagnose(name) is None)


def test_the_fast_unit_name_check_accepts_exactly_what_the_full_pattern_accepts() -> None:
    """unit_name_error tries a plain character-class pattern first; it must change no verdict."""
    rng = random.Random(20261126)
    alphabet = ["a", "Z", "0", ":", "_", ".", "-", "@", "\\x2d", "\\", "x", " ", "/", "é", ".."]
    suffixes = [".service", ".slice", ".target", ".srvice", "", "@.service", ".d"]
    for _ in range(20000):
        stem = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        name = stem + rng.choice(suffixes)
        expected = len(name) <= units.UNIT_NAME_MAX_BYTES and bool(units._VALID.fullmatch(name))
        assert (units.unit_name_error(name) is None) == expected, name
