"""Taking effect: daemon-reload, sysctl writes and live oom_score_adj, through the seam.

The target root is a temporary directory; ``/proc/sys`` and the cgroup tree are
fixture directories, ``systemctl`` is a small recording script, and live
adjustment acts on a real ``sleep`` process through the real /proc (raising
works; lowering fails with EACCES here because root lacks CAP_SYS_RESOURCE).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from apply_helpers import dropin, sysctl

from oomcfg.apply import ApplyOptions, Outcome, run_apply
from oomcfg.errors import ExitCode
from oomcfg.host import Host
from oomcfg.model import RenderedFile, Scope, Service

FAKE_SYSTEMCTL = """
import fnmatch, json, pathlib, sys
here = pathlib.Path(sys.argv[0]).parent
args = sys.argv[1:]
with open(here / "calls.log", "a") as log:
    log.write(" ".join(args) + "\\n")
if args[0] == "daemon-reload":
    rc = here / "reload_rc"
    sys.exit(int(rc.read_text()) if rc.exists() else 0)
if args[0] == "show":
    units = json.loads((here / "units.json").read_text())
    blocks = []
    for unit in args[args.index("--") + 1:]:
        if "*" in unit:  # a glob: every loaded unit matching it, as systemctl(1) show does
            blocks.extend(units[name] for name in units if fnmatch.fnmatchcase(name, unit))
        else:
            blocks.append(units.get(unit, {"Id": unit, "ActiveState": "inactive", "MainPID": "0"}))
    print("\\n\\n".join("\\n".join(f"{k}={v}" for k, v in b.items()) for b in blocks))
"""


class Rig:
    """A root with systemd "running", a recording systemctl and fixture trees."""

    def __init__(self, tmp: Path, proc: Path) -> None:
        self.root = tmp / "root"
        (self.root / "run/systemd/system").mkdir(parents=True)
        self.bin = tmp / "bin"
        self.bin.mkdir()
        (self.bin / "systemctl.py").write_text(FAKE_SYSTEMCTL)
        (self.bin / "units.json").write_text("{}")
        self.sys = tmp / "sys"
        self.proc = proc

    def options(self, **kw: bool) -> ApplyOptions:
        return ApplyOptions(
            lock_timeout=2,
            systemctl=(sys.executable, str(self.bin / "systemctl.py")),
            effects_off_root=True,
            **kw,
        )

    def apply(
        self, files: list[RenderedFile], services: Sequence[Service] = (), **kw: bool
    ) -> Outcome:
        host = Host(self.root, proc=self.proc, sys=self.sys)
        return run_apply(host, files, self.options(**kw), services=services)

    def calls(self) -> list[str]:
        log = self.bin / "calls.log"
        return log.read_text().splitlines() if log.exists() else []

    def units(self, **units: dict[str, str]) -> None:
        (self.bin / "units.json").write_text(json.dumps(units))

    def cgroup(self, control_group: str, pids: list[int]) -> None:
        base = self.sys / "fs/cgroup/unified"
        base.mkdir(parents=True, exist_ok=True)
        (base / "cgroup.controllers").write_text("memory pids\n")
        (base / "cgroup.procs").write_text("")
        group = base / control_group.strip("/")
        group.mkdir(parents=True, exist_ok=True)
        (group / "cgroup.procs").write_text("".join(f"{p}\n" for p in pids))


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    proc = tmp_path / "proc"
    (proc / "sys/vm").mkdir(parents=True)
    for key, value in {"swappiness": "60", "dirty_ratio": "20"}.items():
        (proc / "sys/vm" / key).write_text(value + "\n")
    return Rig(tmp_path, proc)


@pytest.fixture
def live_rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path, Path("/proc"))  # real processes; no sysctl file in these tests


@pytest.fixture
def sleepers() -> Iterator[Callable[[], int]]:
    """Start real ``sleep`` processes (PIDs returned once exec'd); all killed afterwards."""
    children: list[subprocess.Popen[bytes]] = []

    def start() -> int:
        child = subprocess.Popen(["sleep", "60"])
        children.append(child)
        deadline = time.monotonic() + 5
        while Path(f"/proc/{child.pid}/comm").read_text() != "sleep\n":
            assert time.monotonic() < deadline
            time.sleep(0.005)
        return child.pid

    yield start
    for child in children:
        child.kill()
        child.wait()


@pytest.fixture
def sleeper(sleepers: Callable[[], int]) -> int:
    return sleepers()


def real_group(pid: int) -> str:
    """The cgroup v2 path /proc/PID/cgroup gives (apply checks it before each write)."""
    lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    return next(line[3:] for line in lines if line.startswith("0::"))


#: The fixture cgroup tree mirrors where the test's processes really are, since
#: apply re-checks /proc/PID/cgroup before writing (PID reuse).
GROUP = real_group(os.getpid())


#: The one ``systemctl show`` live adjustment runs (per batch of units or globs).
SHOW = "show -p Id,LoadState,ActiveState,MainPID,ControlGroup,OOMScoreAdjust,NeedDaemonReload"


def svc(unit: str, adj: int | None, scope: Scope = "unit") -> Service:
    """A profile service as the loader builds it (only what live adjustment reads)."""
    return Service(unit.partition(".")[0], unit, scope, adj)


def running(unit: str, main_pid: int = 0, group: str = "") -> dict[str, str]:
    """``systemctl show`` properties of a loaded, active unit."""
    return {
        "Id": unit,
        "LoadState": "loaded",
        "ActiveState": "active",
        "MainPID": str(main_pid),
        "ControlGroup": group,
    }


def adj_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/oom_score_adj").read_text())


# ------------------------------------------------------------------ daemon-reload


def test_daemon_reload_once_when_units_changed_and_never_when_not(rig: Rig) -> None:
    files = [dropin("web.service", 500), dropin("db.service", 300)]
    first = rig.apply(files)
    assert first.effects.done == ["systemctl daemon-reload"]
    assert rig.calls() == ["daemon-reload"]
    second = rig.apply(files)
    assert (second.exit_code, second.effects.done, second.effects.failures) == (ExitCode.OK, [], [])
    assert rig.calls() == ["daemon-reload"]


def test_no_daemon_reload_when_systemd_is_not_running(rig: Rig) -> None:
    (rig.root / "run/systemd/system").rmdir()
    outcome = rig.apply([dropin("web.service", 500)])
    assert (
        "systemd is not running (no /run/systemd/system): no daemon-reload" in outcome.effects.notes
    )
    assert rig.calls() == []


def test_failed_daemon_reload_exits_6_and_says_so(rig: Rig) -> None:
    (rig.bin / "reload_rc").write_text("1")
    outcome = rig.apply([dropin("web.service", 500)])
    assert outcome.exit_code == ExitCode.PARTIAL
    assert outcome.written == 3
    [failure] = outcome.effects.failures
    assert failure.startswith("daemon-reload failed, systemd still uses the old units: command ")
    assert "daemon-reload' exited 1" in failure


def test_no_reload_skips_reload_and_sysctls_and_says_so(rig: Rig) -> None:
    outcome = rig.apply([dropin("web.service", 500), sysctl(vm_swappiness=10)], reload=False)
    assert "--no-reload: no daemon-reload and no sysctl writes were made" in outcome.effects.notes
    assert rig.calls() == []
    assert (rig.proc / "sys/vm/swappiness").read_text() == "60\n"


# ------------------------------------------------------------------ sysctl


def test_sysctls_of_our_file_are_written_only_when_different(rig: Rig) -> None:
    untouched = (rig.proc / "sys/vm/dirty_ratio").stat().st_mtime_ns
    outcome = rig.apply([sysctl(vm_swappiness=10, vm_dirty_ratio=20)])
    assert outcome.effects.done == ["sysctl vm.swappiness: 60 -> 10"]
    assert (rig.proc / "sys/vm/swappiness").read_text().strip() == "10"
    assert (rig.proc / "sys/vm/dirty_ratio").stat().st_mtime_ns == untouched
    again = rig.apply([sysctl(vm_swappiness=10, vm_dirty_ratio=20)])
    assert (again.exit_code, again.effects.done) == (ExitCode.OK, [])


def test_each_failing_sysctl_key_is_reported_with_its_reason(rig: Rig) -> None:
    (rig.proc / "sys/vm/min_free_kbytes").mkdir()  # unreadable as a value (EISDIR)
    # A read-only kernel file: reading works, writing fails with EIO (nothing changes).
    (rig.proc / "sys/vm/admin_reserve_kbytes").symlink_to("/proc/version")
    files = [
        sysctl(vm_nokey=1, vm_min_free_kbytes=65536, vm_admin_reserve_kbytes=8192, vm_swappiness=10)
    ]
    outcome = rig.apply(files)
    assert outcome.exit_code == ExitCode.PARTIAL
    version = Path("/proc/version").read_text().strip()
    assert outcome.effects.failures == [
        "sysctl vm.nokey = 1 not applied: this kernel has no such key",
        "sysctl vm.min_free_kbytes = 65536 not applied: cannot read it: Is a directory",
        f"sysctl vm.admin_reserve_kbytes = 8192 not applied (it stays {version}): "
        "Input/output error",
    ]
    assert outcome.effects.done == ["sysctl vm.swappiness: 60 -> 10"]


# ------------------------------------------------------------------ live adjustment


def test_running_units_processes_get_the_new_value_vanished_pids_are_fine(
    live_rig: Rig, sleeper: int
) -> None:
    live_rig.cgroup(GROUP, [sleeper, 4_000_000])  # 2nd PID: gone
    live_rig.units(
        **{
            "web.service": {
                "Id": "web.service",
                "ActiveState": "active",
                "MainPID": str(sleeper),
                "ControlGroup": GROUP,
            },
        }
    )
    targets = [svc("web.service", 300), svc("db.service", 100)]
    outcome = live_rig.apply([dropin("web.service", 300)], targets)
    assert adj_of(sleeper) == 300
    assert outcome.exit_code == ExitCode.OK
    assert outcome.effects.done == [
        "systemctl daemon-reload",
        f"web.service: oom_score_adj 300 set on running PID(s) {sleeper}",
    ]
    show = f"{SHOW} -- web.service db.service"
    assert live_rig.calls() == ["daemon-reload", show]
    again = live_rig.apply([dropin("web.service", 300)], targets)
    assert (again.exit_code, again.effects.done) == (ExitCode.OK, [])


def test_a_listed_pid_now_in_another_cgroup_is_left_alone(live_rig: Rig, sleeper: int) -> None:
    # The PID was listed for the unit, but /proc/PID/cgroup puts it elsewhere:
    # the unit's process exited and the number was reused. Never touch it.
    elsewhere = GROUP.rstrip("/") + "/system.slice/web.service"
    live_rig.cgroup(elsewhere, [sleeper])
    live_rig.units(
        **{"web.service": {"Id": "web.service", "ActiveState": "active", "ControlGroup": elsewhere}}
    )
    outcome = live_rig.apply([dropin("web.service", 300)], [svc("web.service", 300)])
    assert (outcome.exit_code, adj_of(sleeper)) == (ExitCode.OK, 0)
    assert outcome.effects.done == ["systemctl daemon-reload"]


def test_lowering_without_cap_sys_resource_says_who_keeps_what_and_how_to_fix(
    live_rig: Rig, sleeper: int
) -> None:
    if Host().has_cap_sys_resource():
        pytest.skip("this process has CAP_SYS_RESOURCE: lowering would succeed")
    Path(f"/proc/{sleeper}/oom_score_adj").write_text("300")
    live_rig.cgroup(GROUP, [sleeper])
    live_rig.units(
        **{
            "web.service": {
                "Id": "web.service",
                "ActiveState": "active",
                "ControlGroup": GROUP,
            }
        }
    )
    outcome = live_rig.apply([dropin("web.service", -200)], [svc("web.service", -200)])
    assert outcome.exit_code == ExitCode.PARTIAL
    assert outcome.effects.failures == [
        f"web.service: cannot lower oom_score_adj to -200: PID {sleeper} (sleep) keeps 300. "
        "Lowering it needs CAP_SYS_RESOURCE, which this oomcfg process lacks (CapEff in "
        "/proc/self/status). Fix: restart the unit ('systemctl restart web.service') so a "
        "service manager that has CAP_SYS_RESOURCE applies OOMScoreAdjust= when it starts the "
        "process; in a container without it the value cannot be lowered at all"
    ]
    assert adj_of(sleeper) == 300


def test_no_live_leaves_processes_alone_and_says_a_restart_is_needed(
    live_rig: Rig, sleeper: int
) -> None:
    live_rig.cgroup(GROUP, [sleeper])
    outcome = live_rig.apply([dropin("web.service", 300)], [svc("web.service", 300)], live=False)
    assert adj_of(sleeper) == 0
    assert outcome.effects.notes == [
        "--no-live: running processes keep their oom_score_adj until restarted "
        "(systemctl restart web.service)"
    ]
    assert live_rig.calls() == ["daemon-reload"]


def test_template_drop_in_reaches_every_running_instance(
    live_rig: Rig, sleepers: Callable[[], int]
) -> None:
    # x@.service's drop-in applies to x@a and x@b; x@own has its own drop-in
    # (the most specific 50-oomcfg.conf masks the template's: no oom_score_adj
    # there, so its process is left alone); x@gone is not loaded.
    a, b, own = sleepers(), sleepers(), sleepers()
    live_rig.cgroup(GROUP, [a])
    live_rig.units(
        **{
            "x@a.service": running("x@a.service", a, GROUP),
            "x@b.service": running("x@b.service", b),
            "x@own.service": running("x@own.service", own),
            "x@gone.service": {"Id": "x@gone.service", "LoadState": "not-found"},
        }
    )
    services = [svc("x@.service", 300, "template"), svc("x@own.service", None)]
    outcome = live_rig.apply([dropin("x@.service", 300)], services)
    assert (outcome.exit_code, [adj_of(p) for p in (a, b, own)]) == (ExitCode.OK, [300, 300, 0])
    assert outcome.effects.done == [
        "systemctl daemon-reload",
        f"x@a.service: oom_score_adj 300 set on running PID(s) {a}",
        f"x@b.service: oom_score_adj 300 set on running PID(s) {b}",
    ]
    show = f"{SHOW} -- x@*.service"
    assert live_rig.calls() == ["daemon-reload", show]
    assert outcome.effects.notes == []


def test_no_live_names_the_instances_pattern_to_restart(live_rig: Rig) -> None:
    services = [svc("web.service", 300), svc("x@.service", 300, "template")]
    outcome = live_rig.apply([dropin("x@.service", 300)], services, live=False)
    assert outcome.effects.notes == [
        "--no-live: running processes keep their oom_score_adj until restarted "
        "(systemctl restart web.service 'x@*.service')"
    ]


def test_no_live_never_suggests_restarting_every_service_at_once(live_rig: Rig) -> None:
    # 'systemctl restart *.service' would restart sshd, dbus and journald too.
    services = [svc("service", 300, "type"), svc("web.service", 200)]
    outcome = live_rig.apply([dropin("web.service", 200)], services, live=False)
    assert outcome.effects.notes == [
        "--no-live: running processes keep their oom_score_adj until restarted "
        "(systemctl restart web.service; the type-wide service drop-in reaches every running "
        "*.service: restart those that matter one at a time)"
    ]


def test_no_live_restart_line_stays_short_for_big_profiles(live_rig: Rig) -> None:
    services = [svc(f"s{n}.service", 100) for n in range(23)]
    outcome = live_rig.apply([dropin("s0.service", 100)], services, live=False)
    [note] = outcome.effects.notes
    assert note.endswith(" s18.service s19.service ... and 3 more units of the profile)")


def test_a_later_drop_in_overriding_ours_leaves_processes_alone_and_says_so(
    live_rig: Rig, sleeper: int
) -> None:
    # systemd, after the reload, says -100: another drop-in sorts after
    # 50-oomcfg.conf. Writing 300 would last only until the next restart.
    live_rig.units(**{"web.service": {**running("web.service", sleeper), "OOMScoreAdjust": "-100"}})
    outcome = live_rig.apply([dropin("web.service", 300)], [svc("web.service", 300)])
    assert (outcome.exit_code, adj_of(sleeper)) == (ExitCode.PARTIAL, 0)
    assert outcome.effects.failures == [
        "web.service: systemd applies OOMScoreAdjust=-100, not the profile's 300: a drop-in "
        "that sorts after 50-oomcfg.conf overrides it ('systemctl cat web.service' shows "
        "which); running processes left alone"
    ]


def test_a_unit_waiting_for_daemon_reload_still_gets_the_profile_value(
    live_rig: Rig, sleeper: int
) -> None:
    # --no-reload: systemd still shows the old value, which proves nothing.
    props = {**running("web.service", sleeper), "OOMScoreAdjust": "0", "NeedDaemonReload": "yes"}
    live_rig.units(**{"web.service": props})
    outcome = live_rig.apply([dropin("web.service", 300)], [svc("web.service", 300)], reload=False)
    assert (outcome.exit_code, adj_of(sleeper)) == (ExitCode.OK, 300)
