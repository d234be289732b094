"""validate on template, prefix and type services: expanded to the units systemd has loaded.

The ``systemctl show PATTERN...`` outputs are real (tests/data/live/, captured
from systemd 252 by ``python -m live.capture_outputs instances``): a template
``oomtpl@.service`` with oomcfg's drop-in (OOMScoreAdjust=300) and two running
instances, ``b`` overridden by ``oomtpl@b.service.d/99-local.conf`` (900); a
prefix drop-in ``oompre-.service.d`` (400) reaching ``oompre-a.service``; a
failed ``oomfail@x.service``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from oomcfg.errors import ExitCode
from oomcfg.findings import Expansion, Report
from oomcfg.instances import assign_instances, expected_adj, instance_pattern, wide_patterns
from oomcfg.liveparse import DropIn, LiveState, ProcInfo, UnitProps, parse_show_matches
from oomcfg.model import Profile, Service
from oomcfg.validate import validate
from oomcfg.validate_output import expansion_line, render_json, render_text, write_table

DATA = Path(__file__).parent / "data" / "live"
PATTERNS = (DATA / "systemctl-show-patterns.txt").read_text()
TYPE_SERVICE = (DATA / "systemctl-show-type-service.txt").read_text()
ALL = frozenset({"sysctl", "units", "processes"})
ETC = "/etc/systemd/system"
TPL_DROPIN = f"{ETC}/oomtpl@.service.d/50-oomcfg.conf"
B_LOCAL = f"{ETC}/oomtpl@b.service.d/99-local.conf"
PRE_DROPIN = f"{ETC}/oompre-.service.d/50-oomcfg.conf"
DROPINS = {
    TPL_DROPIN: DropIn("[Service]\nOOMScoreAdjust=300\n", 1000.0),
    B_LOCAL: DropIn("[Service]\nOOMScoreAdjust=900\n", 1000.0),
    PRE_DROPIN: DropIn("[Service]\nOOMScoreAdjust=400\n", 1000.0),
}


def wide(name: str, unit: str, scope: str, adj: int | None = None) -> Service:
    return Service(name, unit, scope=scope, oom_score_adj=adj)  # type: ignore[arg-type]


TPL = wide("tpl", "oomtpl@.service", "template", 300)
PRE = wide("pre", "oompre-.service", "prefix", 400)
EVERY = wide("every", "service", "type", 300)


def profile(*services: Service) -> Profile:
    return Profile(1, "test", ("t.yaml",), {}, {s.name: s for s in services})


def state(
    *services: Service, show: str = PATTERNS, processes: dict[str, list[ProcInfo]] | None = None
) -> LiveState:
    """What probe builds: the pattern show's units assigned to the profile's services."""
    matches = parse_show_matches(show)
    instances = assign_instances(services, matches)
    units = {n: matches[n] for names in instances.values() for n in names}
    return LiveState(
        systemd=True, manager_cap_sys_resource=False, units=units, dropins=DROPINS,
        processes=processes or {}, instances=instances,
    )  # fmt: skip


def found(report: Report) -> list[tuple[str, str, str, str, str]]:
    return [(f.code, f.status, f.object, f.expected, f.actual) for f in report.findings]


# --- parsing the real pattern output ------------------------------------------------------------


def test_pattern_show_is_keyed_by_id_and_sorted() -> None:
    units = parse_show_matches(PATTERNS)
    assert list(units) == [
        "oomfail@x.service", "oompre-a.service", "oomtpl@a.service", "oomtpl@b.service",
    ]  # fmt: skip
    assert [(u.active_state, u.get("OOMScoreAdjust")) for u in units.values()] == [
        ("failed", "0"), ("active", "400"), ("active", "300"), ("active", "900"),
    ]  # fmt: skip
    assert units["oomtpl@b.service"].dropin_paths == (TPL_DROPIN, B_LOCAL)


def test_a_star_pattern_lists_only_active_and_failed_units_and_nothing_matched_is_empty() -> None:
    # The sandbox has dozens of loaded-but-inactive services (getty@tty1, journald...):
    # systemctl show expands a glob like list-units without --all.
    assert list(parse_show_matches(TYPE_SERVICE)) == list(parse_show_matches(PATTERNS))
    assert parse_show_matches("") == {}
    assert parse_show_matches("MainPID=1\nActiveState=active\n") == {}  # no Id: no unit


# --- which service a unit belongs to ------------------------------------------------------------


def test_patterns_for_each_scope() -> None:
    assert [instance_pattern(s) for s in (TPL, PRE, EVERY)] == [
        "oomtpl@*.service", "oompre-*.service", "*.service",
    ]  # fmt: skip
    assert instance_pattern(Service("w", "web.service")) is None
    assert wide_patterns([TPL, PRE, EVERY, TPL._replace(name="t2")]) == [
        "*.service", "oompre-*.service", "oomtpl@*.service",
    ]  # fmt: skip


def test_each_unit_belongs_to_the_most_specific_drop_in_of_the_profile() -> None:
    matches = parse_show_matches(PATTERNS)
    assert assign_instances([TPL, PRE], matches) == {
        "tpl": ("oomtpl@a.service", "oomtpl@b.service"),
        "pre": ("oompre-a.service",),
    }
    # service.d/50-oomcfg.conf is masked by the more specific ones: the type service
    # only gets the unit no other drop-in of the profile reaches.
    assert assign_instances([TPL, PRE, EVERY], matches)["every"] == ("oomfail@x.service",)
    # An instance the profile names itself is checked against its own entry only.
    own = Service("a", "oomtpl@a.service", oom_score_adj=500)
    assert assign_instances([TPL, own], matches) == {"tpl": ("oomtpl@b.service",)}


def test_units_not_loaded_are_not_instances() -> None:
    matches = parse_show_matches(PATTERNS)
    gone = matches["oomtpl@a.service"]._replace(props={"LoadState": "not-found"})
    assigned = assign_instances([TPL], {**matches, "oomtpl@a.service": gone})
    assert assigned == {"tpl": ("oomtpl@b.service",)}


def test_processes_are_expected_per_instance() -> None:
    instances = {"tpl": ("oomtpl@a.service", "oomtpl@b.service")}
    web = Service("web", "web.service", oom_score_adj=100)
    assert list(expected_adj([TPL, web, Service("x", "x.service")], instances)) == [
        ("oomtpl@a.service", 300), ("oomtpl@b.service", 300), ("web.service", 100),
    ]  # fmt: skip


# --- validate ------------------------------------------------------------------------------------


def test_each_instance_is_checked_like_a_unit_and_the_overriding_drop_in_is_named() -> None:
    report = validate(profile(TPL), state(TPL), frozenset({"units"}))
    assert found(report) == [
        ("OV010", "drift", "oomtpl@b.service OOMScoreAdjust", "300", "900"),
    ]
    (f,) = report.findings
    assert f.file == B_LOCAL
    assert f"{B_LOCAL}:2 sets OOMScoreAdjust=900" in f.cause
    assert report.expanded == (
        Expansion("tpl", "oomtpl@.service", "template", ("oomtpl@a.service", "oomtpl@b.service")),
    )
    assert report.checked == 2


def test_a_process_of_one_instance_changed_at_run_time_is_drift_on_that_instance() -> None:
    procs = {
        "oompre-a.service": [ProcInfo(46, 400), ProcInfo(90, 700, 2000.0, "sleep")],
    }
    report = validate(profile(PRE), state(PRE, processes=procs), ALL)
    assert found(report) == [
        ("OV020", "drift", "oompre-a.service pid 90 (sleep)", "400", "700"),
    ]
    assert report.findings[0].fix.startswith("systemctl restart oompre-a.service")


def test_no_instance_loaded_is_its_own_finding_not_drift() -> None:
    report = validate(profile(TPL), state(TPL, show=""), ALL)
    assert found(report) == [
        ("OV015", "not-running", "oomtpl@.service", "a unit matching oomtpl@*.service",
         "none loaded"),
    ]  # fmt: skip
    assert report.findings[0].fix == "systemctl start oomtpl@NAME.service (if one should run)"
    assert (report.exit_code, report.checked) == (ExitCode.OK, 1)
    assert report.expanded == (Expansion("tpl", "oomtpl@.service", "template", ()),)


def test_a_failed_instance_of_a_template_is_not_running() -> None:
    fail = wide("fail", "oomfail@.service", "template")
    report = validate(profile(fail), state(fail), ALL)
    assert found(report) == [
        ("OV013", "not-running", "oomfail@x.service", "active", "failed (MainPID 0)"),
    ]


def test_type_scope_compares_every_unit_but_does_not_list_stopped_ones() -> None:
    report = validate(profile(EVERY), state(EVERY, show=TYPE_SERVICE), frozenset({"units"}))
    # 300 is what the template's drop-in gives a; b (900), oompre-a (400) and the
    # failed oomfail@x (0) differ. No OV013 for the failed one.
    assert [(f.code, f.object, f.actual) for f in report.findings] == [
        ("OV012", "oomfail@x.service OOMScoreAdjust", "0"),
        ("OV010", "oompre-a.service OOMScoreAdjust", "400"),
        ("OV010", "oomtpl@b.service OOMScoreAdjust", "900"),
    ]
    assert report.checked == 4


def test_systemd_not_asked_means_no_expansion_and_no_finding_for_the_service() -> None:
    report = validate(profile(TPL), LiveState(systemd=True, unknown={"systemd": "down"}), ALL)
    assert [f.code for f in report.findings] == ["OV040"]
    assert report.expanded == ()


# --- output ---------------------------------------------------------------------------------------


def test_text_lists_the_units_checked_before_the_summary() -> None:
    tpl_ok = validate(profile(TPL), state(TPL), frozenset({"processes"}))
    assert render_text(tpl_ok) == (
        "oomtpl@.service (template): 2 units checked: oomtpl@a.service, oomtpl@b.service\n"
        "validate: OK: 2 checked, 0 drift, 0 not running, 0 cannot check\n"
    )
    none = validate(profile(TPL), state(TPL, show=""), ALL)
    assert render_text(none).splitlines()[-2:] == [
        "oomtpl@.service (template): no unit loaded",
        "validate: OK: 1 checked, 0 drift, 1 not running, 0 cannot check",
    ]


def test_a_long_list_is_cut_in_text_and_complete_in_json() -> None:
    units = tuple(f"u{i}.service" for i in range(7))
    line = expansion_line(Expansion("every", "service", "type", units))
    assert line == (
        "service (type): 7 units checked: u0.service, u1.service, u2.service, u3.service, "
        "u4.service, ... and 2 more (--format json lists all)"
    )
    assert expansion_line(Expansion("t", "t@.service", "template", ("t@a.service",))) == (
        "t@.service (template): 1 unit checked: t@a.service"
    )
    data = json.loads(render_json(Report((), 7, (Expansion("every", "service", "type", units),))))
    assert data["instances"] == [
        {"service": "every", "unit": "service", "scope": "type", "units": list(units)},
    ]


def test_unit_props_of_an_instance_are_the_captured_ones() -> None:
    props = parse_show_matches(PATTERNS)["oomtpl@a.service"]
    assert isinstance(props, UnitProps)
    assert (props.main_pid, props.control_group) == (
        45, "/system.slice/system-oomtpl.slice/oomtpl@a.service",
    )  # fmt: skip


def test_only_sysctl_on_a_systemd_host_counts_no_service_as_checked() -> None:
    report = validate(profile(TPL), state(TPL), frozenset({"sysctl"}))
    assert (report.findings, report.checked, report.expanded) == ((), 0, ())


def test_the_terminal_table_lists_the_units_checked_too() -> None:
    out = io.StringIO()
    write_table(validate(profile(TPL), state(TPL), frozenset({"processes"})), out)
    assert out.getvalue().splitlines()[-2:] == [
        "oomtpl@.service (template): 2 units checked: oomtpl@a.service, oomtpl@b.service",
        "validate: OK: 2 checked, 0 drift, 0 not running, 0 cannot check",
    ]
