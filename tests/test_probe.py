"""probe + the validate command on fixture trees and on this machine's real /proc.

Fixture roots stand in for a host without systemd (sd_booted(3): no
/run/systemd/system); ``--proc`` points at a fixture /proc or the real one.
The CLI is run as a subprocess and (exit code, stdout, stderr) are asserted
together.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from probe_tree import (
    ALL,
    build_host_root,
    fake_proc,
    make_profile,
    oomcfg,
    raised_sleeper,
    write,
)

from oomcfg.host import Host
from oomcfg.liveparse import ProcInfo
from oomcfg.model import InitSpec
from oomcfg.probe import probe
from oomcfg.procread import ProcFiles, proc_infos


@pytest.fixture
def host_root(tmp_path: Path) -> Path:
    """A host without systemd: two daemons, a stale pidfile, sysctls and sysctl.d files."""
    return build_host_root(tmp_path)


def test_probe_reads_sysctls_files_and_processes_under_the_root(host_root: Path) -> None:
    state = probe(Host(host_root), make_profile(), ALL)
    assert not state.systemd
    assert state.manager_cap_sys_resource is False
    assert state.sysctls == {"vm.swappiness": "60", "vm.oom_dump_tasks": "1"}
    assert [p for p, _ in state.sysctl_files] == [
        "/etc/sysctl.d/90-oomcfg.conf", "/etc/sysctl.d/99-local.conf",
    ]  # fmt: skip
    procs = {
        name: [(p.pid, p.oom_score_adj, p.comm) for p in ps] for name, ps in state.processes.items()
    }
    assert procs == {
        "mydb": [(4321, -500, "mydb")],
        "worker": [(77, 300, "worker"), (78, 900, "worker")],
        "gone": [],
    }


def test_a_pidfile_whose_pid_now_belongs_to_another_program_is_not_running(
    host_root: Path,
) -> None:
    write(host_root / "run/mydb.pid", "77\n")  # PID reuse: 77 is a worker now
    profile = make_profile()
    mydb = profile.services["mydb"]._replace(
        init=InitSpec(pidfile="/run/mydb.pid", comm="mydb")
    )
    profile = profile._replace(services={**profile.services, "mydb": mydb})
    assert probe(Host(host_root), profile, ALL).processes["mydb"] == []


def zombie(root: Path, pid: int, comm: str, adj: int) -> None:
    """An exited process its parent has not reaped: /proc keeps comm and oom_score_adj."""
    fake_proc(root, pid, comm, adj)
    stat = root / "proc" / str(pid) / "stat"
    stat.write_text(stat.read_text().replace(f"({comm}) S ", f"({comm}) Z "))


def test_an_exited_but_unreaped_process_is_not_running_by_pidfile_comm_or_cgroup(
    host_root: Path,
) -> None:
    zombie(host_root, 4321, "mydb", 0)  # the pidfile's daemon died
    zombie(host_root, 79, "worker", 0)
    state = probe(Host(host_root), make_profile(), ALL)
    assert state.processes["mydb"] == []
    assert [p.pid for p in state.processes["worker"]] == [77, 78]
    assert proc_infos(ProcFiles(Host(host_root)), [77, 79], 300, None) == [ProcInfo(77, 300)]


def test_only_differing_processes_pay_for_start_time_and_name(host_root: Path) -> None:
    # One read (oom_score_adj) per healthy process; stat only to explain a difference.
    boot = 1764100000.0
    infos = proc_infos(ProcFiles(Host(host_root)), [77, 78, 555], 300, boot)  # 555 has exited
    assert infos == [
        ProcInfo(77, 300),
        ProcInfo(78, 900, boot + 100 / os.sysconf("SC_CLK_TCK"), "worker"),
    ]


def test_only_sysctl_reads_no_process(host_root: Path) -> None:
    state = probe(Host(host_root), make_profile(), frozenset({"sysctl"}))
    assert state.processes == {}


PROFILE_YAML = """\
oomcfg: 1
sysctl:
  vm.swappiness: 10
services:
  mydb:
    unit: mydb.service
    oom_score_adj: -500
    init:
      pidfile: /run/mydb.pid
  worker:
    unit: worker.service
    oom_score_adj: 300
    init:
      comm: worker
"""


def test_cli_reports_drift_with_the_overriding_file_and_the_pid(
    host_root: Path, tmp_path: Path
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(PROFILE_YAML)
    proc = oomcfg("validate", str(profile), "--root", str(host_root))
    assert (proc.returncode, proc.stderr) == (1, "")
    lines = proc.stdout.splitlines()
    assert lines[0] == "vm.swappiness: drift[OV001]: expected 10, actual 60"
    assert "/etc/sysctl.d/99-local.conf:1 sets vm.swappiness = 60" in lines[1]
    assert lines[3] == "worker pid 78 (worker): drift[OV020]: expected 300, actual 900"
    assert lines[-1] == "validate: DRIFT: 3 checked, 2 drift, 0 not running, 0 cannot check"


def test_cli_names_the_file_after_etc_masking_and_etc_sysctl_conf(
    host_root: Path, tmp_path: Path
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("oomcfg: 1\nsysctl:\n  vm.swappiness: 10\n")
    # A same-named file in /etc masks the vendor's (sysctl.d(5)).
    write(host_root / "usr/lib/sysctl.d/99-local.conf", "vm.swappiness = 30\n")
    proc = oomcfg("validate", str(profile), "--root", str(host_root), "--only", "sysctl")
    assert (proc.returncode, proc.stderr) == (1, "")
    assert "/etc/sysctl.d/99-local.conf:1 sets vm.swappiness = 60" in proc.stdout
    # Without it, /etc/sysctl.conf (read last by procps 'sysctl --system') is the one.
    (host_root / "etc/sysctl.d/99-local.conf").unlink()
    write(host_root / "etc/sysctl.conf", "# local\nvm.swappiness = 60\n")
    proc = oomcfg("validate", str(profile), "--root", str(host_root), "--only", "sysctl")
    assert (proc.returncode, proc.stderr) == (1, "")
    assert proc.stdout.splitlines()[:2] == [
        "vm.swappiness: drift[OV001]: expected 10, actual 60",
        "  cause: /etc/sysctl.conf:2 sets vm.swappiness = 60 and is read last by "
        "'sysctl --system' (procps), after every sysctl.d file",
    ]


def test_cli_json_and_only(host_root: Path, tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(PROFILE_YAML)
    proc = oomcfg(
        "validate",
        str(profile),
        "--root",
        str(host_root),
        "--format",
        "json",
        "--only",
        "processes",
    )
    assert (proc.returncode, proc.stderr) == (1, "")
    data = json.loads(proc.stdout)
    assert [(f["code"], f["pid"]) for f in data["findings"]] == [("OV020", 78)]


def test_cli_unreadable_sysctl_is_exit_4_not_drift(host_root: Path, tmp_path: Path) -> None:
    (host_root / "proc/sys/vm/swappiness").unlink()
    profile = tmp_path / "p.yaml"
    profile.write_text("oomcfg: 1\nsysctl:\n  vm.swappiness: 10\n")
    proc = oomcfg("validate", str(profile), "--root", str(host_root))
    assert (proc.returncode, proc.stderr) == (4, "")
    assert (
        proc.stdout.splitlines()[0]
        == "vm.swappiness: unknown[OV003]: expected 10, actual unreadable"
    )


def test_cli_units_under_a_non_live_root_cannot_be_checked(host_root: Path, tmp_path: Path) -> None:
    (host_root / "run/systemd/system").mkdir(parents=True)
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nservices:\n  web:\n    unit: web.service\n    oom_score_adj: 300\n"
    )
    proc = oomcfg("validate", str(profile), "--root", str(host_root))
    assert (proc.returncode, proc.stderr) == (4, "")
    assert proc.stdout.startswith("systemd: unknown[OV040]: expected -, actual unreadable\n")


def test_cli_bad_profile_is_exit_3_and_bad_only_is_exit_2(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nservices:\n  web:\n    unit: web.service\n    oom_score_adj: 1200\n"
    )
    proc = oomcfg("validate", str(profile), "--root", str(tmp_path))
    assert (proc.returncode, proc.stdout) == (3, "")
    assert f"{profile}:5:" in proc.stderr and "1200" in proc.stderr
    proc = oomcfg("validate", str(profile), "--only", "units,bogus")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "unknown --only value(s) bogus; allowed: sysctl, units, processes" in proc.stderr


@pytest.fixture(name="raised_sleeper")
def _raised_sleeper() -> Iterator[int]:
    """A real process whose oom_score_adj is raised to 300."""
    with raised_sleeper() as pid:
        yield pid


def test_real_proc_by_pidfile(tmp_path: Path, raised_sleeper: int) -> None:
    root = tmp_path / "root"
    write(root / "run/sleeper.pid", f"{raised_sleeper}\n")
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nservices:\n  sleeper:\n    unit: sleeper.service\n    oom_score_adj: 300\n"
        "    init:\n      pidfile: /run/sleeper.pid\n"
    )
    proc = oomcfg("validate", str(profile), "--root", str(root), "--proc", "/proc")
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "validate: OK: 1 checked, 0 drift, 0 not running, 0 cannot check\n", "",
    )  # fmt: skip
    state = probe(Host(root, proc=Path("/proc")), make_profile(), frozenset({"processes"}))
    assert state.manager_cap_sys_resource is not None  # read from the real /proc/1/status
