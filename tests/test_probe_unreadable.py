"""What validate cannot read is "cannot check" (exit 4), never drift and never "not running".

Fixture trees stand in for the awkward hosts: a ``--proc`` that is not a
mounted proc filesystem (or hides other users' processes), a host whose
cgroup v2 hierarchy is missing, a ``cgroup.procs`` that cannot be read, and
a PID that a unit's cgroup listed but that now belongs to another process
(PID reuse between listing the group and reading the process).
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from probe_tree import ALL, build_host_root, make_profile, oomcfg, write

from oomcfg.host import Host
from oomcfg.liveparse import ProcInfo, UnitProps
from oomcfg.probe import _unit_processes, probe
from oomcfg.procread import ProcFiles, proc_infos

GROUP = "/system.slice/worker.service"
PROFILE = "oomcfg: 1\nservices:\n  worker:\n    unit: worker.service\n    oom_score_adj: 300\n"


@pytest.fixture
def host_root(tmp_path: Path) -> Path:
    return build_host_root(tmp_path)


def test_a_proc_that_is_not_procfs_is_cannot_check_not_not_running(
    host_root: Path, tmp_path: Path
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(PROFILE + "    init:\n      comm: worker\n")
    empty = tmp_path / "empty-proc"
    empty.mkdir()
    proc = oomcfg("validate", str(profile), "--root", str(host_root), "--proc", str(empty))
    assert (proc.returncode, proc.stderr) == (4, "")
    lines = proc.stdout.splitlines()
    assert lines[0] == "processes: unknown[OV040]: expected -, actual unreadable"
    assert f"{empty}/1/status cannot be read" in lines[1]
    assert "OV030" not in proc.stdout  # not "not running": nothing could be looked for
    assert lines[-1] == "validate: CANNOT CHECK: 1 checked, 0 drift, 0 not running, 1 cannot check"


def in_group(root: Path, pid: int, line: str) -> None:
    write(root / "proc" / str(pid) / "cgroup", line)


def test_a_pid_reused_outside_the_unit_after_listing_is_not_drift(host_root: Path) -> None:
    # 78 (adj 900) was listed in the worker's cgroup.procs, exited, and its PID now
    # belongs to a process of another unit: it is not the worker's, so no drift.
    in_group(host_root, 77, f"0::{GROUP}\n")
    in_group(host_root, 78, "12:memory:/x\n0::/system.slice/other.service\n")
    procfs = ProcFiles(Host(host_root))
    assert proc_infos(procfs, [77, 78], 300, None, GROUP) == [ProcInfo(77, 300)]


def test_a_sub_group_or_a_longer_namespace_prefix_is_still_the_unit(host_root: Path) -> None:
    # Read from outside a container's cgroup namespace, /proc/PID/cgroup shows a longer
    # prefix than the manager's ControlGroup; a delegated sub-group is still the unit.
    in_group(host_root, 78, f"0::/oomcfg-live-1{GROUP}/payload\n")
    procfs = ProcFiles(Host(host_root))
    assert [p.pid for p in proc_infos(procfs, [78], 300, None, GROUP)] == [78]


def running(unit: str = "worker.service") -> UnitProps:
    return UnitProps(unit, {"ActiveState": "active", "ControlGroup": GROUP, "LoadState": "loaded"})


def test_no_cgroup2_hierarchy_means_the_processes_cannot_be_checked(tmp_path: Path) -> None:
    host = Host(tmp_path, sys=tmp_path / "no-sys")
    unknown: dict[str, str] = {}
    found = _unit_processes(host, ProcFiles(host), [running()], {"worker.service": 300}, unknown)
    assert found == {}
    assert list(unknown) == ["processes"]
    assert "no cgroup v2 hierarchy" in unknown["processes"]


class UnreadableCgroups(Host):
    """A host whose cgroup.procs files refuse to be read (a non-root reader elsewhere)."""

    def cgroup_procs(self, control_group: str) -> list[int]:
        raise PermissionError(errno.EACCES, "Permission denied", control_group)


def test_an_unreadable_cgroup_is_cannot_check_for_that_unit(tmp_path: Path) -> None:
    sys_tree = tmp_path / "sys/fs/cgroup"
    write(sys_tree / "cgroup.procs", "")
    write(sys_tree / "cgroup.controllers", "memory\n")
    host = UnreadableCgroups(tmp_path)
    unknown: dict[str, str] = {}
    found = _unit_processes(host, ProcFiles(host), [running()], {"worker.service": 300}, unknown)
    assert found == {}
    assert unknown == {"worker.service processes": f"cannot list {GROUP}: Permission denied"}


def test_units_asked_for_on_a_host_without_systemd_cannot_be_checked(
    host_root: Path, tmp_path: Path
) -> None:
    # Not "OK: 0 checked": the layer asked for does not exist here.
    profile = tmp_path / "p.yaml"
    profile.write_text(PROFILE)
    proc = oomcfg("validate", str(profile), "--root", str(host_root), "--only", "units")
    assert (proc.returncode, proc.stderr) == (4, "")
    lines = proc.stdout.splitlines()
    assert lines[0] == "systemd: unknown[OV040]: expected -, actual unreadable"
    assert "no systemd on this host" in lines[1] and "--only processes" in lines[1]


def test_only_sysctl_under_a_root_with_systemd_files_checks_the_sysctls(
    host_root: Path, tmp_path: Path
) -> None:
    # Units cannot be checked under --root, but none were asked for.
    (host_root / "run/systemd/system").mkdir(parents=True)
    profile = tmp_path / "p.yaml"
    profile.write_text(PROFILE + "sysctl:\n  vm.oom_dump_tasks: 1\n")
    proc = oomcfg("validate", str(profile), "--root", str(host_root), "--only", "sysctl")
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "validate: OK: 1 checked, 0 drift, 0 not running, 0 cannot check\n", "",
    )  # fmt: skip


def test_a_sysctl_the_kernel_refuses_to_read_is_one_cannot_check(tmp_path: Path) -> None:
    # vm.compact_memory is write-only (mode 0200): even root gets EACCES reading it.
    profile = tmp_path / "p.yaml"
    profile.write_text("oomcfg: 1\nsysctl:\n  vm.compact_memory: {value: 1, passthrough: true}\n")
    proc = oomcfg("validate", str(profile), "--root", str(tmp_path), "--proc", "/proc")
    assert (proc.returncode, proc.stderr) == (4, "")
    assert proc.stdout.splitlines() == [
        "vm.compact_memory: unknown[OV003]: expected 1, actual unreadable",
        "  cause: /proc/sys/vm/compact_memory cannot be read: Permission denied",
        "  fix:   check the key exists on this kernel and run validate as root",
        "validate: CANNOT CHECK: 1 checked, 0 drift, 0 not running, 1 cannot check",
    ]


def test_a_pid_reused_between_the_comm_and_the_value_reads_is_not_the_service(
    host_root: Path,
) -> None:
    # comm (read first) still names the worker and the pidfile's daemon, but stat (read
    # after oom_score_adj) names another program: the PID was reused in between.
    for pid in (78, 4321):
        stat = host_root / "proc" / str(pid) / "stat"
        stat.write_text(stat.read_text().replace("(worker)", "(other)").replace("(mydb)", "(x)"))
    state = probe(Host(host_root), make_profile(), ALL)
    assert [p.pid for p in state.processes["worker"]] == [77]
    assert state.processes["mydb"] == []


def test_a_missing_proc_is_named_for_each_sysctl_not_an_absent_key(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("oomcfg: 1\nsysctl:\n  vm.swappiness: 60\n")
    gone = tmp_path / "no-proc"
    proc = oomcfg("validate", str(profile), "--root", str(tmp_path), "--proc", str(gone))
    assert (proc.returncode, proc.stderr) == (4, "")
    assert proc.stdout.splitlines()[1] == (
        f"  cause: /proc/sys/vm/swappiness cannot be read: {gone} is not a mounted proc "
        f"filesystem ({gone}/1/status cannot be read either)"
    )
