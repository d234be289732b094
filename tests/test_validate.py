"""validate (pure): a Profile against a LiveState, every difference explained.

LiveStates are built from the ``systemctl show`` output captured from a real
systemd 252 (tests/data/live/), so the values are what systemd really prints
(``1073741824`` for 1G, ``1825361100`` for 42.5%, ``infinity``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from oomcfg.errors import ExitCode
from oomcfg.findings import CODES, Finding, Report
from oomcfg.liveparse import DropIn, LiveState, ProcInfo, parse_show
from oomcfg.model import InitSpec, ManagedOOM, Memory, Profile, Service, Size, SysctlSetting
from oomcfg.validate import validate
from oomcfg.validate_output import render_json, render_text, write_table

DATA = Path(__file__).parent / "data" / "live"
ALL = frozenset({"sysctl", "units", "processes"})
SHOW = (DATA / "systemctl-show-multi.txt").read_text()
UNITS = ["web.service", "db.service", "stopped.service", "forker.service", "nosuch.service"]
MEM_TOTAL = 24683656 * 1024  # the capture machine's MemTotal
OOMCFG_WEB = "/etc/systemd/system/web.service.d/50-oomcfg.conf"
WEB_DROPIN = (
    "[Service]\nOOMScoreAdjust=300\nOOMPolicy=kill\nMemoryHigh=768M\nMemoryMax=1G\n"
    "MemorySwapMax=0\nMemoryLow=10%\n"
)
DB_DROPIN = "[Service]\nOOMScoreAdjust=-700\n"


def profile(*services: Service, sysctl: dict[str, int | str] | None = None) -> Profile:
    settings = {k: SysctlSetting(k, v) for k, v in (sysctl or {}).items()}
    return Profile(1, "test", ("t.yaml",), settings, {s.name: s for s in services})


def svc(unit: str, adj: int | None = None, **kw: object) -> Service:
    return Service(unit.partition(".")[0], unit, oom_score_adj=adj, **kw)  # type: ignore[arg-type]


def web(**kw: object) -> Service:
    memory = Memory(
        low=Size("percent", 10), high=Size("bytes", 768 << 20), max=Size("bytes", 1 << 30),
        swap_max=Size("bytes", 0),
    )  # fmt: skip
    managed = ManagedOOM(memory_pressure="kill", preference="avoid")
    fields: dict[str, object] = {"oom_policy": "kill", "memory": memory, "managed_oom": managed}
    return svc("web.service", 300, **{**fields, **kw})


def live(
    show: str = SHOW,
    processes: dict[str, list[ProcInfo]] | None = None,
    dropins: dict[str, DropIn] | None = None,
    cap: bool | None = False,
    **kw: object,
) -> LiveState:
    default_dropins = {
        OOMCFG_WEB: DropIn(WEB_DROPIN, 1000.0),
        "/etc/systemd/system/db.service.d/50-oomcfg.conf": DropIn(DB_DROPIN, 1000.0),
    }
    return LiveState(
        systemd=True,
        manager_cap_sys_resource=cap,
        mem_total=MEM_TOTAL,
        units=parse_show(show, UNITS),
        dropins=default_dropins if dropins is None else dropins,
        processes=processes or {},
        **kw,  # type: ignore[arg-type]
    )


def codes(findings: tuple[Finding, ...]) -> list[str]:
    return [f.code for f in findings]


# --- units ------------------------------------------------------------------------------------


def test_matching_unit_and_processes_give_no_findings_and_exit_0() -> None:
    state = live(processes={"web.service": [ProcInfo(47, 300, 2000.0, "sleep")]})
    report = validate(profile(web()), state, ALL)
    assert report.findings == ()
    assert report.exit_code == ExitCode.OK
    assert report.checked == 1


def test_systemd_display_forms_are_normalised_before_comparing() -> None:
    # MemoryMax=1G shows 1073741824, MemoryLow=10% shows bytes of RAM, unset shows infinity.
    db = svc("db.service", -700, memory=Memory(max=Size("infinity"), high=Size("infinity")))
    report = validate(profile(db), live(), frozenset({"units"}))
    assert report.findings == ()


def test_pressure_limit_in_uint32_scale_is_compared_as_a_percentage() -> None:
    show = SHOW.replace(
        "ManagedOOMMemoryPressureLimit=1825361100", "ManagedOOMMemoryPressureLimit=1803886264"
    )
    exact = web(managed_oom=ManagedOOM(memory_pressure="kill", memory_pressure_limit=42))
    assert validate(profile(exact), live(show), frozenset({"units"})).findings == ()
    (f,) = validate(profile(exact), live(), frozenset({"units"})).findings
    assert (f.object, f.expected, f.actual) == (
        "web.service ManagedOOMMemoryPressureLimit", "42%", "42.50%",
    )  # fmt: skip


def test_a_later_drop_in_that_overrides_oomcfg_is_named() -> None:
    local = "/etc/systemd/system/web.service.d/99-local.conf"
    show = SHOW.replace("OOMScoreAdjust=300", "OOMScoreAdjust=900").replace(
        f"DropInPaths={OOMCFG_WEB}", f"DropInPaths={OOMCFG_WEB} {local}"
    )
    dropins = {
        OOMCFG_WEB: DropIn(WEB_DROPIN, 1.0),
        local: DropIn("[Service]\nOOMScoreAdjust=900\n", 2.0),
    }
    (f,) = validate(profile(web()), live(show, dropins=dropins), frozenset({"units"})).findings
    assert (f.code, f.status, f.object, f.expected, f.actual, f.file) == (
        "OV010", "drift", "web.service OOMScoreAdjust", "300", "900", local,
    )  # fmt: skip
    assert f"{local}:2 sets OOMScoreAdjust=900" in f.cause
    assert f.fix == f"remove OOMScoreAdjust= from {local} (or put the value in the profile)"


def test_an_out_of_date_oomcfg_drop_in_says_apply() -> None:
    (f,) = validate(profile(web(memory=Memory(max=Size("bytes", 2 << 30)))), live(), ALL).findings
    assert (f.code, f.expected, f.actual, f.file) == ("OV010", "2G", "1G", OOMCFG_WEB)
    assert "out of date" in f.cause
    assert f.fix.startswith("run 'oomcfg apply'")


def test_pending_daemon_reload_is_the_cause_when_systemd_has_not_reloaded() -> None:
    show = (DATA / "systemctl-show-need-reload.txt").read_text()
    (f,) = validate(profile(svc("web.service", 900)), live(show), frozenset({"units"})).findings
    assert (f.code, f.expected, f.actual) == ("OV011", "900", "300")
    assert f.fix == "systemctl daemon-reload && systemctl restart web.service"


def test_a_setting_no_drop_in_sets_says_oomcfgs_drop_in_is_missing() -> None:
    (f,) = validate(profile(svc("forker.service", 500)), live(), frozenset({"units"})).findings
    assert (f.code, f.expected, f.actual) == ("OV012", "500", "200")
    assert "not installed" in f.cause


def test_a_later_drop_in_that_resets_the_setting_is_named() -> None:
    # systemd.syntax(7): an empty assignment resets the setting to its default.
    local = "/etc/systemd/system/web.service.d/99-local.conf"
    show = SHOW.replace("MemoryMax=1073741824", "MemoryMax=infinity").replace(
        f"DropInPaths={OOMCFG_WEB}", f"DropInPaths={OOMCFG_WEB} {local}"
    )
    dropins = {OOMCFG_WEB: DropIn(WEB_DROPIN, 1.0), local: DropIn("[Service]\nMemoryMax=\n", 2.0)}
    (f,) = validate(profile(web()), live(show, dropins=dropins), frozenset({"units"})).findings
    assert (f.code, f.object, f.expected, f.actual, f.file) == (
        "OV010", "web.service MemoryMax", "1G", "infinity", local,
    )  # fmt: skip
    assert f.cause.startswith(f"{local}:2 resets MemoryMax (an empty assignment)")


def test_an_unreadable_drop_in_is_named_instead_of_blaming_a_missing_one() -> None:
    local = "/etc/systemd/system/web.service.d/99-local.conf"
    show = SHOW.replace("OOMScoreAdjust=300", "OOMScoreAdjust=900").replace(
        f"DropInPaths={OOMCFG_WEB}", f"DropInPaths={OOMCFG_WEB} {local}"
    )
    dropins = {OOMCFG_WEB: DropIn(WEB_DROPIN, 1.0), local: DropIn(None, 2.0)}
    (f,) = validate(profile(web()), live(show, dropins=dropins), frozenset({"units"})).findings
    assert (f.code, f.status, f.file) == ("OV010", "drift", local)
    assert f.cause.startswith(f"{local} could not be read")
    assert f.fix.startswith(f"read {local} as root")


def test_a_unit_systemctl_did_not_describe_cannot_be_checked() -> None:
    # systemctl show answered, but printed no block for this unit: never a silent OK.
    report = validate(profile(svc("ghost.service", 300)), live(), ALL)
    assert [(f.code, f.status, f.object) for f in report.findings] == [
        ("OV040", "unknown", "ghost.service")
    ]
    assert report.exit_code == ExitCode.ENVIRONMENT


def test_a_setting_missing_from_oomcfgs_own_drop_in_says_it_is_out_of_date() -> None:
    web_max = svc("web.service", 300, memory=Memory(min=Size("bytes", 1 << 20)))
    (f,) = validate(profile(web_max), live(), frozenset({"units"})).findings
    assert (f.code, f.object, f.expected, f.actual) == ("OV012", "web.service MemoryMin", "1M", "0")
    assert "oomcfg's 50-oomcfg.conf does not set it: it is out of date" in f.cause


def test_stopped_and_missing_units_are_not_running_not_drift() -> None:
    p = profile(svc("stopped.service", 100), svc("nosuch.service", 100))
    report = validate(p, live(), frozenset({"processes"}))
    assert [(f.code, f.status, f.object, f.actual) for f in report.findings][:1] == [
        ("OV013", "not-running", "stopped.service", "inactive (MainPID 0)"),
    ]
    assert [(f.code, f.status, f.object) for f in report.findings] == [
        ("OV013", "not-running", "stopped.service"),
        ("OV014", "not-running", "nosuch.service"),
    ]
    assert report.exit_code == ExitCode.OK


# --- processes --------------------------------------------------------------------------------


def test_negative_adj_not_applied_without_cap_sys_resource_is_explained() -> None:
    procs = {"db.service": [ProcInfo(45, 0, 2000.0, "sleep")]}
    (f,) = validate(profile(svc("db.service", -700)), live(processes=procs), ALL).findings
    assert (f.code, f.object, f.expected, f.actual, f.pid) == (
        "OV021", "db.service pid 45 (sleep)", "-700", "0", 45,
    )  # fmt: skip
    assert "lacks CAP_SYS_RESOURCE" in f.cause
    assert "OOMScoreAdjust=-700" in f.cause


def test_no_capability_is_not_blamed_when_the_value_is_not_the_inherited_one() -> None:
    procs = {"db.service": [ProcInfo(45, 5, 2000.0, "sleep")]}
    state = live(processes=procs, manager_oom_score_adj=0)
    (f,) = validate(profile(svc("db.service", -700)), state, ALL).findings
    assert f.code == "OV020"


def test_with_the_capability_the_same_difference_is_a_run_time_change() -> None:
    procs = {"db.service": [ProcInfo(45, 0, 2000.0, "sleep")]}
    (f,) = validate(profile(svc("db.service", -700)), live(processes=procs, cap=True), ALL).findings
    assert f.code == "OV020"


def test_a_process_started_before_the_drop_in_needs_a_restart() -> None:
    procs = {"web.service": [ProcInfo(47, 0, 500.0, "sleep")]}
    (f,) = validate(profile(svc("web.service", 300)), live(processes=procs), ALL).findings
    assert (f.code, f.expected, f.actual, f.fix) == (
        "OV023",
        "300",
        "0",
        "systemctl restart web.service",
    )


def test_every_pid_in_the_cgroup_is_checked_and_a_forked_child_is_found() -> None:
    procs = {
        "forker.service": [ProcInfo(46, 200, 2000.0, "sleep"), ProcInfo(48, 700, 2000.0, "sleep")]
    }
    (f,) = validate(profile(svc("forker.service", 200)), live(processes=procs), ALL).findings
    assert (f.code, f.pid, f.expected, f.actual) == ("OV020", 48, "200", "700")
    assert "changed at run time" in f.cause


def test_user_manager_floor_is_named() -> None:
    show = SHOW.replace(
        "ControlGroup=/system.slice/forker.service",
        "ControlGroup=/user.slice/user-1000.slice/user@1000.service/app.slice/forker.service",
    ).replace("OOMScoreAdjust=200", "OOMScoreAdjust=100")
    procs = {"forker.service": [ProcInfo(46, 200, 2000.0, "sleep")]}
    state = live(show, processes=procs, cap=True)
    findings = validate(
        profile(svc("forker.service", 100)), state, frozenset({"processes"})
    ).findings
    assert codes(findings) == ["OV022"]


def test_processes_that_follow_a_drifted_unit_are_not_reported_twice() -> None:
    procs = {"forker.service": [ProcInfo(46, 200, 2000.0, "sleep")]}
    findings = validate(profile(svc("forker.service", 500)), live(processes=procs), ALL).findings
    assert codes(findings) == ["OV012"]


# --- sysctls ----------------------------------------------------------------------------------


# --- hosts without systemd, cannot-check ------------------------------------------------------


def test_init_services_by_pidfile_or_comm() -> None:
    p = profile(
        svc("a.service", 300, init=InitSpec(pidfile="/run/a.pid")),
        svc("b.service", 300, init=InitSpec(comm="bd")),
        svc("c.service", 300),
    )
    state = LiveState(systemd=False, processes={"a": [ProcInfo(5, 0, None, "a")], "b": []})
    report = validate(p, state, ALL)
    assert [(f.code, f.status, f.object) for f in report.findings] == [
        ("OV020", "drift", "a pid 5 (a)"),
        ("OV030", "not-running", "b"),
        ("OV031", "unknown", "c"),
    ]
    assert report.exit_code == ExitCode.FINDINGS


def test_systemd_unreachable_is_exit_4() -> None:
    state = LiveState(systemd=True, unknown={"systemd": "systemctl show failed: no bus"})
    report = validate(profile(web()), state, ALL)
    assert [(f.code, f.status, f.object) for f in report.findings] == [
        ("OV040", "unknown", "systemd")
    ]
    assert report.exit_code == ExitCode.ENVIRONMENT


# --- output -----------------------------------------------------------------------------------


def test_json_structure_is_the_documented_one() -> None:
    procs = {"db.service": [ProcInfo(45, 0, 2000.0, "sleep")]}
    report = validate(profile(svc("db.service", -700)), live(processes=procs), ALL)
    data = json.loads(render_json(report))
    assert data["version"] == 1 and data["exit_code"] == 1
    assert data["summary"] == {"checked": 1, "drift": 1, "not_running": 0, "unknown": 0}
    (item,) = data["findings"]
    assert set(item) == {
        "code", "slug", "status", "kind", "object", "expected", "actual", "cause", "fix",
        "file", "pid",
    }  # fmt: skip
    assert (item["code"], item["slug"], item["kind"], item["pid"]) == (
        "OV021", "process-adj-not-applied-no-cap-sys-resource", "process", 45,
    )  # fmt: skip


def test_text_output_names_object_code_values_cause_and_fix() -> None:
    procs = {"db.service": [ProcInfo(45, 0, 2000.0, "sleep")]}
    text = render_text(validate(profile(svc("db.service", -700)), live(processes=procs), ALL))
    lines = text.splitlines()
    assert lines[0] == "db.service pid 45 (sleep): drift[OV021]: expected -700, actual 0"
    assert lines[1].startswith("  cause: systemd is configured with OOMScoreAdjust=-700")
    assert lines[2].startswith("  fix:   grant CAP_SYS_RESOURCE")
    assert lines[3] == "validate: DRIFT: 1 checked, 1 drift, 0 not running, 0 cannot check"


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_is_documented(code: str) -> None:
    doc = (Path(__file__).parent.parent / "docs" / "validate.md").read_text()
    assert f"`{code}`" in doc and CODES[code] in doc


def test_terminal_table_never_cuts_the_object_or_the_values_on_80_columns() -> None:
    # The object says what drifted: a cut "kernel.panic_on_o…" names nothing.
    # (A name longer than the column folds onto a second line, still uncut.)
    findings = (
        Finding("OV002", "drift", "sysctl", "kernel.panic_on_oops", "1", "0", "x " * 60, "y"),
        Finding("OV010", "drift", "unit", "webapp-worker@12.service MemoryMax", "1G", "768M",
                "z " * 40, "w"),
        Finding("OV010", "drift", "unit", "w@1.service ManagedOOMMemoryPressureLimit" + "x" * 30,
                "42%", "42.50%", "z", "w"),
    )  # fmt: skip
    out = io.StringIO()
    write_table(Report(findings, 2), out)  # not a tty: rich's default width, 80
    text = out.getvalue()
    assert "…" not in text
    for f in findings[:2]:
        assert f.object in text and f" {f.actual} " in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_terminal_table_makes_only_the_object_bold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich: colours as on a terminal
    finding = Finding("OV002", "drift", "sysctl", "vm.swappiness", "10", "60", "it changed", "fix")
    out = io.StringIO()
    write_table(Report((finding,), 1), out)
    lines = out.getvalue().splitlines()
    assert any("\x1b[1mvm.swappiness" in line for line in lines)
    (cause,) = [line for line in lines if "it changed" in line]
    assert "\x1b[1m" not in cause


def test_terminal_table_shows_text_literally_and_the_summary() -> None:
    finding = Finding("OV010", "drift", "unit", "x.service OOMPolicy", "kill", "stop",
                      "[Service] in 99-local.conf wins", "fix it")  # fmt: skip
    out = io.StringIO()
    write_table(Report((finding,), 1), out)
    text = out.getvalue()
    assert "[Service] in" in text  # literal, not swallowed as markup
    assert text.rstrip().endswith(
        "validate: DRIFT: 1 checked, 1 drift, 0 not running, 0 cannot check"
    )
