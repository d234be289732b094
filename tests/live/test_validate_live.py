"""``oomcfg validate`` against a real systemd 252 booted as PID 1 (tests/live/sandbox.py).

Each test installs its own units, applies a profile with the real
``oomcfg apply`` inside the sandbox, starts the services, changes something
the way an operator or a container would, and checks that validate finds and
explains it. On this kind of machine root lacks CAP_SYS_RESOURCE, so the
"negative value configured but not applied" case is real, not simulated.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from oomcfg.model import DROPIN_NAME

from .liveunits import LiveUnits, unit_prefix
from .sandbox import Sandbox
from .units import FORKER, UNIT_DIR


@dataclass
class LiveHost(LiveUnits):
    """One test's view of the sandbox: its units, profiles and oomcfg runs."""

    @property
    def box(self) -> Sandbox:
        """The shared sandbox (``live.box.systemctl(...)`` reads as the host's)."""
        return self.sandbox

    def template(self, suffix: str, *instances: str) -> tuple[str, list[str]]:
        """A template ``NAME-SUFFIX@.service`` and the names of its ``instances``."""
        template = self.unit(f"{suffix}@")
        names = [template.replace("@.", f"@{i}.") for i in instances]
        self.units.extend(names)  # stopped after the test, like the other units
        return template, names

    def profile(self, body: str, tag: str = "p") -> str:
        path = f"/tmp/{self.name}-{tag}.yaml"
        self.sandbox.write_file(path, "oomcfg: 1\n" + body)
        return path

    def apply(self, profile: str, *extra: str) -> None:
        proc = self.oomcfg("apply", profile, "--root", "/", "--yes", *extra)
        assert proc.returncode == 0, proc.stdout + proc.stderr

    def validate(self, profile: str) -> tuple[int, dict[str, Any], str]:
        proc = self.oomcfg("validate", profile, "--format", "json")
        assert proc.returncode in (0, 1, 4), proc.stdout + proc.stderr
        return proc.returncode, json.loads(proc.stdout), proc.stderr


@pytest.fixture
def live(live_systemd: Sandbox, request: pytest.FixtureRequest) -> Iterator[LiveHost]:
    """A LiveHost whose units are stopped and removed after the test, pass or fail."""
    host = LiveHost(live_systemd, unit_prefix("v", request, 20))
    try:
        yield host
    finally:
        host.cleanup()


def service(unit: str, adj: int, extra: str = "") -> str:
    return (
        f"  {unit.removesuffix('.service')}:\n    unit: {unit}\n    oom_score_adj: {adj}\n{extra}"
    )


def findings(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(f["code"], f["object"], f["expected"], f["actual"]) for f in report["findings"]]


def test_applied_profile_with_running_services_validates_clean(live: LiveHost) -> None:
    web, batch = live.unit("web"), live.unit("batch")
    memory = "    oom_policy: kill\n    memory:\n      max: 1G\n      high: 768M\n"
    path = live.profile("services:\n" + service(web, 300, memory) + service(batch, 800))
    live.apply(path)
    live.start(web, batch)
    assert live.adj(live.box.main_pid(web)) == 300
    code, report, _ = live.validate(path)
    assert (code, report["findings"]) == (0, [])
    assert report["summary"] == {"checked": 2, "drift": 0, "not_running": 0, "unknown": 0}


def test_drop_in_changed_behind_oomcfgs_back_is_named(live: LiveHost) -> None:
    web = live.unit("web")
    path = live.profile("services:\n" + service(web, 300))
    live.apply(path)
    local = f"{UNIT_DIR}/{web}.d/99-local.conf"
    live.box.write_file(local, "[Service]\nOOMScoreAdjust=900\n")
    live.start(web)
    code, report, _ = live.validate(path)
    assert code == 1
    assert findings(report) == [("OV010", f"{web} OOMScoreAdjust", "300", "900")]
    (finding,) = report["findings"]
    assert finding["file"] == local
    assert f"{local}:2 sets OOMScoreAdjust=900" in finding["cause"]


def test_negative_adj_configured_but_not_applied_names_cap_sys_resource(live: LiveHost) -> None:
    db = live.unit("db")
    path = live.profile("services:\n" + service(db, -700))
    live.apply(path, "--no-live")
    live.start(db)
    shown = live.box.systemctl("show", db, "-p", "OOMScoreAdjust", "--value").stdout.strip()
    pid = live.box.main_pid(db)
    assert (shown, live.adj(pid)) == ("-700", 0)  # systemd says -700, the process has 0
    code, report, _ = live.validate(path)
    assert code == 1
    assert findings(report) == [("OV021", f"{db} pid {pid} (sleep)", "-700", "0")]
    assert "lacks CAP_SYS_RESOURCE" in report["findings"][0]["cause"]


def test_service_not_restarted_after_a_change_is_explained(live: LiveHost) -> None:
    web = live.unit("web")
    live.apply(live.profile("services:\n" + service(web, 300), "old"))
    live.start(web)
    pid = live.box.main_pid(web)
    new = live.profile("services:\n" + service(web, 500), "new")
    live.apply(new, "--no-live")  # daemon-reload, but the running process keeps 300
    code, report, _ = live.validate(new)
    assert code == 1
    assert findings(report) == [("OV023", f"{web} pid {pid} (sleep)", "500", "300")]
    assert report["findings"][0]["fix"] == f"systemctl restart {web}"


def test_a_restart_before_the_daemon_reload_is_explained_with_both_times(
    live: LiveHost,
) -> None:
    # The drop-in is written while the unit runs and the unit is restarted before any
    # daemon-reload: systemd restarts it with the configuration it had loaded (0). After
    # the reload systemd shows 300 and the process still has 0. A positive value: raising
    # needs no CAP_SYS_RESOURCE, so systemd really would have applied it.
    web = live.unit("web")
    live.start(web)  # daemon-reload, start: no drop-in yet
    path = live.profile("services:\n" + service(web, 300))
    live.box.write_file(f"{UNIT_DIR}/{web}.d/{DROPIN_NAME}", "[Service]\nOOMScoreAdjust=300\n")
    time.sleep(0.2)  # the drop-in's mtime, the start and the reload are compared
    live.box.systemctl("restart", web)  # no daemon-reload: the old configuration
    pid = live.box.main_pid(web)
    assert (live.show(web, "OOMScoreAdjust"), live.adj(pid)) == ("0", 0)
    time.sleep(0.2)
    live.box.systemctl("daemon-reload")
    assert live.show(web, "OOMScoreAdjust") == "300"
    code, report, _ = live.validate(path)
    assert code == 1
    assert findings(report) == [("OV023", f"{web} pid {pid} (sleep)", "300", "0")]
    (finding,) = report["findings"]
    assert finding["cause"].startswith(
        "the process started before systemd loaded the current drop-in (the drop-in was written at "
    )
    assert "systemd reloaded at" in finding["cause"]
    assert "the process started in between" in finding["cause"]
    assert finding["fix"] == f"systemctl restart {web}"


def test_a_process_changed_after_the_reload_is_still_a_run_time_change(live: LiveHost) -> None:
    # Same drop-in, loaded by a daemon-reload before the start: the process got 300,
    # then someone raised it. The reload is older than the process: not OV023.
    web = live.unit("web")
    path = live.profile("services:\n" + service(web, 300))
    live.box.write_file(f"{UNIT_DIR}/{web}.d/{DROPIN_NAME}", "[Service]\nOOMScoreAdjust=300\n")
    live.start(web)  # daemon-reload, then start: 300
    pid = live.box.main_pid(web)
    live.box.run(["sh", "-c", f"echo 600 > /proc/{pid}/oom_score_adj"], check=True)
    code, report, _ = live.validate(path)
    assert code == 1
    assert findings(report) == [("OV020", f"{web} pid {pid} (sleep)", "300", "600")]


def test_pending_daemon_reload_is_explained(live: LiveHost) -> None:
    web = live.unit("web")
    path = live.profile("services:\n" + service(web, 300))
    live.apply(path)
    live.start(web)
    live.box.write_file(f"{UNIT_DIR}/{web}.d/99-local.conf", "[Service]\nOOMScoreAdjust=600\n")
    code, report, _ = live.validate(path)
    assert (code, [f["code"] for f in report["findings"]]) == (0, [])  # nothing loaded yet
    changed = live.profile("services:\n" + service(web, 600), "changed")
    code, report, _ = live.validate(changed)
    assert code == 1
    assert [f["code"] for f in report["findings"]] == ["OV011"]


def test_stopped_service_is_not_running_not_drift(live: LiveHost) -> None:
    idle = live.unit("idle")
    path = live.profile("services:\n" + service(idle, 300))
    live.apply(path)
    code, report, _ = live.validate(path)
    assert code == 0
    assert [(f["code"], f["status"]) for f in report["findings"]] == [("OV013", "not-running")]


def test_forked_child_with_a_different_adj_is_found(live: LiveHost) -> None:
    forker = live.unit("forker", FORKER)
    path = live.profile("services:\n" + service(forker, 200))
    live.apply(path)
    live.start(forker)
    main = live.box.main_pid(forker)
    cgroup = live.box.systemctl("show", forker, "-p", "ControlGroup", "--value").stdout.strip()
    pids = [
        int(p) for p in live.box.read_file(f"/sys/fs/cgroup/unified{cgroup}/cgroup.procs").split()
    ]
    (child,) = [p for p in pids if p != main]
    code, report, _ = live.validate(path)
    assert code == 1
    assert findings(report) == [("OV020", f"{forker} pid {child} (sleep)", "200", "700")]


def test_text_output_inside_the_sandbox(live: LiveHost) -> None:
    web = live.unit("web")
    path = live.profile("services:\n" + service(web, 300))
    live.apply(path)
    live.start(web)
    proc = live.oomcfg("validate", path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "validate: OK: 1 checked, 0 drift, 0 not running, 0 cannot check\n", "",
    )  # fmt: skip


def test_the_host_was_not_touched() -> None:
    # Everything above wrote /etc/systemd/system and /tmp inside the overlay only.
    assert not list(Path(UNIT_DIR).glob("v*-web.service"))
    assert not list(Path("/tmp").glob("v*-p.yaml"))


def test_sysctl_drift_names_the_file_that_sets_the_kernels_value(live: LiveHost) -> None:
    # Read-only: /proc/sys is mounted read-only in the sandbox and nothing writes it.
    current = int(Path("/proc/sys/vm/swappiness").read_text())
    wanted = current + 1 if current < 200 else current - 1
    local = "/etc/sysctl.d/99-zz-local.conf"
    live.box.write_file(local, f"vm.swappiness = {current}\n")
    try:
        path = live.profile(f"sysctl:\n  vm.swappiness: {wanted}\n")
        code, report, _ = live.validate(path)
    finally:
        live.box.remove(local)
    assert code == 1
    assert findings(report) == [("OV001", "vm.swappiness", str(wanted), str(current))]
    assert report["findings"][0]["file"] == local


def test_processes_without_a_cgroup2_tree_cannot_be_checked_units_still_are(
    live: LiveHost,
) -> None:
    web = live.unit("web")
    path = live.profile("services:\n" + service(web, 300))
    live.apply(path)
    live.start(web)
    proc = live.oomcfg("validate", path, "--sys", "/nonexistent", "--format", "json")
    assert (proc.returncode, proc.stderr) == (4, "")
    report = json.loads(proc.stdout)
    assert [(f["code"], f["object"]) for f in report["findings"]] == [("OV040", "processes")]
    assert "no cgroup v2 hierarchy under /nonexistent/fs/cgroup" in report["findings"][0]["cause"]


def test_etc_sysctl_conf_is_named_though_systemd_sysctl_ignores_it(live: LiveHost) -> None:
    # On a systemd host only 'sysctl -p' / 'sysctl --system' (procps) apply it. Debian links
    # it in as /etc/sysctl.d/99-sysctl.conf; without that link only procps reads it.
    current = int(Path("/proc/sys/vm/swappiness").read_text())
    wanted = current + 1 if current < 200 else current - 1
    link, conf = "/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.conf"
    saved = live.box.run(["cat", conf]).stdout
    live.box.run(["mv", link, f"{link}.off"])
    live.box.write_file(conf, f"# local\nvm.swappiness = {current}\n")
    try:
        code, report, _ = live.validate(live.profile(f"sysctl:\n  vm.swappiness: {wanted}\n"))
    finally:
        live.box.write_file(conf, saved)
        live.box.run(["mv", f"{link}.off", link])
    assert code == 1
    assert findings(report) == [("OV001", "vm.swappiness", str(wanted), str(current))]
    (finding,) = report["findings"]
    assert finding["file"] == conf
    assert "systemd-sysctl ignores /etc/sysctl.conf at boot" in finding["cause"]


def test_systemd_unreachable_is_cannot_check_never_drift(live: LiveHost) -> None:
    web = live.unit("web")
    path = live.profile("services:\n" + service(web, 300))
    live.apply(path)
    live.start(web)
    argv = ["env", "PATH=/nonexistent", sys.executable, "-m", "oomcfg", "validate", path]
    proc = live.box.run(argv)  # systemctl cannot be found: nothing can be compared
    assert (proc.returncode, proc.stderr) == (4, "")
    lines = proc.stdout.splitlines()
    assert lines[0] == "systemd: unknown[OV040]: expected -, actual unreadable"
    assert "systemctl could not run" in lines[1]
    assert lines[-1] == "validate: CANNOT CHECK: 1 checked, 0 drift, 0 not running, 1 cannot check"


# --- template services: every running instance is checked ------------------------------------


def template_profile(live: LiveHost, template: str, adj: int) -> str:
    name = template.removesuffix("@.service")
    body = f"  {name}:\n    unit: {template}\n    scope: template\n    oom_score_adj: {adj}\n"
    return live.profile("services:\n" + body)


def test_template_instances_are_each_checked_and_listed(live: LiveHost) -> None:
    template, (one, two) = live.template("tpl", "one", "two")
    path = template_profile(live, template, 300)
    live.apply(path)
    live.start(one, two)
    assert [live.adj(live.box.main_pid(u)) for u in (one, two)] == [300, 300]  # landed
    code, report, _ = live.validate(path)
    assert (code, report["findings"]) == (0, [])
    assert report["instances"] == [
        {"service": template.removesuffix("@.service"), "unit": template, "scope": "template",
         "units": sorted([one, two])},
    ]  # fmt: skip
    assert report["summary"]["checked"] == 2
    proc = live.oomcfg("validate", path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0,
        f"{template} (template): 2 units checked: {', '.join(sorted([one, two]))}\n"
        "validate: OK: 2 checked, 0 drift, 0 not running, 0 cannot check\n",
        "",
    )


def test_a_process_changed_in_one_instance_is_drift_on_that_instance(live: LiveHost) -> None:
    template, (one, two) = live.template("tpl", "one", "two")
    path = template_profile(live, template, 300)
    live.apply(path)
    live.start(one, two)
    pid = live.box.main_pid(two)
    raise_adj = f"echo 700 > /proc/{pid}/oom_score_adj"  # raising needs no capability
    live.box.run(["sh", "-c", raise_adj], check=True)
    code, report, _ = live.validate(path)
    assert code == 1
    assert findings(report) == [("OV020", f"{two} pid {pid} (sleep)", "300", "700")]
    assert report["findings"][0]["fix"].startswith(f"systemctl restart {two}")


def test_an_instance_drop_in_overriding_the_template_is_named(live: LiveHost) -> None:
    template, (one, two) = live.template("tpl", "one", "two")
    path = template_profile(live, template, 300)
    live.apply(path)
    local = f"{UNIT_DIR}/{one}.d/99-local.conf"
    live.box.write_file(local, "[Service]\nOOMScoreAdjust=900\n")
    live.start(one, two)
    code, report, _ = live.validate(path)
    assert code == 1
    assert findings(report) == [("OV010", f"{one} OOMScoreAdjust", "300", "900")]
    assert report["findings"][0]["file"] == local


def test_a_template_without_a_running_instance_is_its_own_finding(live: LiveHost) -> None:
    template, _ = live.template("tpl")
    path = template_profile(live, template, 300)
    live.apply(path)
    code, report, _ = live.validate(path)
    assert code == 0
    assert [(f["code"], f["status"], f["object"]) for f in report["findings"]] == [
        ("OV015", "not-running", template),
    ]
    assert report["instances"][0]["units"] == []


def test_prefix_units_are_each_checked(live: LiveHost) -> None:
    first, second = live.unit("pre-a"), live.unit("pre-b")
    prefix = f"{live.name}-pre-.service"
    path = live.profile(
        f"services:\n  pre:\n    unit: {prefix}\n    scope: prefix\n    oom_score_adj: 400\n"
    )
    live.apply(path)
    live.start(first, second)
    code, report, _ = live.validate(path)
    assert (code, report["findings"]) == (0, [])
    assert report["instances"] == [
        {"service": "pre", "unit": prefix, "scope": "prefix", "units": [first, second]},
    ]


def test_type_scope_checks_every_running_service(live: LiveHost) -> None:
    first, second = live.unit("a"), live.unit("b")
    path = live.profile(
        "services:\n  all:\n    unit: service\n    scope: type\n    oom_score_adj: 250\n"
    )
    try:
        live.apply(path)
        live.start(first, second)
        running = live.box.run(
            ["systemctl", "list-units", "--plain", "--no-legend", "--full", "--type=service"]
        ).stdout.split()
        code, report, _ = live.validate(path)
    finally:
        live.box.remove(f"{UNIT_DIR}/service.d")  # it reaches every service of later tests too
    assert code == 0, report
    (expansion,) = report["instances"]
    assert {first, second} <= set(expansion["units"])
    assert set(expansion["units"]) == {w for w in running if w.endswith(".service")}
