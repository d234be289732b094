"""validate (pure): a Profile against a LiveState, every difference explained.

LiveStates are built from the ``systemctl show`` output captured from a real
systemd 252 (tests/data/live/), so the values are what systemd really prints
(``1073741824`` for 1G, ``1825361100`` for 42.5%, ``infinity``).
"""

from __future__ import annotations

from validate_state import (
    ALL,
    DATA,
    OOMCFG_WEB,
    SHOW,
    WEB_DROPIN,
    codes,
    live,
    profile,
    svc,
    web,
)

from oomcfg.errors import ExitCode
from oomcfg.liveparse import DropIn, LiveState, ProcInfo
from oomcfg.model import InitSpec, ManagedOOM, Memory, Size
from oomcfg.validate import validate

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


def test_an_earlier_drop_in_wins_only_because_oomcfgs_is_not_installed() -> None:
    vendor = "/usr/lib/systemd/system/web.service.d/10-vendor.conf"
    show = SHOW.replace("OOMScoreAdjust=300", "OOMScoreAdjust=900").replace(
        f"DropInPaths={OOMCFG_WEB}", f"DropInPaths={vendor}"
    )
    dropins = {vendor: DropIn("[Service]\nOOMScoreAdjust=900\n", 1.0)}
    only_adj = svc("web.service", 300)
    (f,) = validate(profile(only_adj), live(show, dropins=dropins), frozenset({"units"})).findings
    assert (f.code, f.file) == ("OV010", vendor)
    assert "applied after" not in f.cause
    assert (
        f.cause
        == f"{vendor}:2 sets OOMScoreAdjust=900 and oomcfg's 50-oomcfg.conf is not installed"
    )
    assert f.fix == (
        "run 'oomcfg apply' (its 50-oomcfg.conf sorts after 10-vendor.conf), "
        "then systemctl restart web.service"
    )


def test_an_earlier_drop_in_wins_because_oomcfgs_lacks_the_setting() -> None:
    vendor = "/usr/lib/systemd/system/web.service.d/10-vendor.conf"
    show = SHOW.replace("OOMScoreAdjust=300", "OOMScoreAdjust=900").replace(
        f"DropInPaths={OOMCFG_WEB}", f"DropInPaths={vendor} {OOMCFG_WEB}"
    )
    dropins = {
        vendor: DropIn("[Service]\nOOMScoreAdjust=900\n", 1.0),
        OOMCFG_WEB: DropIn("[Service]\nOOMPolicy=kill\n", 1.0),
    }
    only_adj = svc("web.service", 300)
    (f,) = validate(profile(only_adj), live(show, dropins=dropins), frozenset({"units"})).findings
    assert (f.code, f.file) == ("OV010", vendor)
    assert f.cause.endswith(f"oomcfg's {OOMCFG_WEB} does not set OOMScoreAdjust: it is out of date")


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
