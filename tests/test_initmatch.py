"""Hosts without systemd: a service found by its command line (init.cmdline), like pgrep -f.

comm cannot tell two ``java`` daemons apart; the command line can. Fixture
/proc trees cover the rules (NUL-separated and rewritten argv, kernel threads,
zombies, PID reuse behind a pidfile, one process for two services); a real
process proves the reads against the real /proc, through the CLI.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from probe_tree import fake_proc, oomcfg, raised_sleeper, write

from oomcfg.host import Host
from oomcfg.initmatch import command_line, init_processes
from oomcfg.model import InitSpec, Service
from oomcfg.procread import ProcFiles

STAT_ZOMBIE = "{pid} ({comm}) Z 1 {pid} {pid} 0 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n"


def _proc(root: Path, pid: int, comm: str, adj: int, cmdline: bytes) -> None:
    fake_proc(root, pid, comm, adj)
    (root / "proc" / str(pid) / "cmdline").write_bytes(cmdline)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Two java daemons, a rewritten argv, a kernel thread and a zombie."""
    root = tmp_path / "host"
    _proc(root, 100, "java", 300, b"java\0-jar\0/opt/orders.jar\0")
    _proc(root, 101, "java", 700, b"java\0-jar\0/opt/billing.jar\0")
    _proc(root, 102, "postgres", 0, b"postgres: checkpointer   ")  # rewrote its argv
    _proc(root, 2, "kthreadd", 0, b"")  # a kernel thread has no command line
    _proc(root, 103, "java", 300, b"")
    (root / "proc/103/stat").write_text(STAT_ZOMBIE.format(pid=103, comm="java"))
    return root


def _svc(name: str, **init: str) -> Service:
    return Service(name, f"{name}.service", oom_score_adj=300, init=InitSpec(**init))


def _found(root: Path, *services: Service) -> dict[str, list[int]]:
    host = Host(root)
    found = init_processes(host, ProcFiles(host), services)
    return {name: [p.pid for p in procs] for name, procs in found.items()}


def test_the_command_line_tells_two_daemons_with_one_name_apart(root: Path) -> None:
    orders = _svc("orders", comm="java", cmdline=r"-jar /opt/orders\.jar")
    billing = _svc("billing", cmdline=r"billing\.jar$")
    assert _found(root, orders, billing) == {"orders": [100], "billing": [101]}


def test_a_rewritten_argv_is_matched_as_ps_shows_it(root: Path) -> None:
    assert _found(root, _svc("pg", cmdline="^postgres: checkpointer")) == {"pg": [102]}


def test_kernel_threads_and_zombies_match_no_pattern(root: Path) -> None:
    """An empty command line (kernel thread) matches nothing, not even '.*'; a zombie
    (state Z, not reaped) is not running."""
    assert _found(root, _svc("any", cmdline=".*")) == {"any": [100, 101, 102]}


def test_comm_and_cmdline_must_both_match(root: Path) -> None:
    assert _found(root, _svc("x", comm="postgres", cmdline="java")) == {"x": []}


def test_a_process_two_services_recognise_is_reported_under_both(root: Path) -> None:
    both = _found(root, _svc("a", cmdline="orders"), _svc("b", comm="java", cmdline="opt"))
    assert both == {"a": [100], "b": [100, 101]}


def test_a_stale_pidfile_naming_another_program_is_not_the_service(root: Path) -> None:
    write(root / "run/orders.pid", "101\n")  # PID 101 is now billing, also a java
    stale = _svc("orders", pidfile="/run/orders.pid", cmdline="orders")
    fresh = _svc("billing", pidfile="/run/orders.pid", cmdline="billing")
    assert _found(root, stale, fresh) == {"orders": [], "billing": [101]}


def test_command_line_joins_arguments_with_spaces(root: Path) -> None:
    procfs = ProcFiles(Host(root))
    assert command_line(procfs, 100) == "java -jar /opt/orders.jar"
    assert command_line(procfs, 2) == ""
    assert command_line(procfs, 999) == ""  # gone


@pytest.fixture
def marked_sleeper() -> Iterator[int]:
    """A real process with a recognisable argument, raised to 300."""
    with raised_sleeper("86399.5") as pid:
        yield pid


def test_validate_finds_a_real_process_by_its_command_line(
    tmp_path: Path, marked_sleeper: int
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nservices:\n  napper:\n    unit: napper.service\n    oom_score_adj: 300\n"
        "    init:\n      cmdline: '^sleep 86399\\.5$'\n"
    )
    # a root without /run/systemd/system: the host-without-systemd path, real /proc
    where = ("--root", str(tmp_path / "root"), "--proc", "/proc", "--only", "processes")
    (tmp_path / "root").mkdir()
    proc = oomcfg("validate", str(profile), *where, "--format", "json")
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stdout
    assert f'"pid": {marked_sleeper}' not in proc.stdout  # no finding names it: no drift
    profile.write_text(profile.read_text().replace("300", "400"))
    proc = oomcfg("validate", str(profile), *where)
    assert proc.returncode == 1
    assert f"napper pid {marked_sleeper} (sleep)" in proc.stdout


def test_not_found_says_which_command_line_was_looked_for(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nservices:\n  ghost:\n    unit: ghost.service\n    oom_score_adj: 300\n"
        "    init: {comm: ghostd, cmdline: 'ghostd --serve'}\n"
    )
    (tmp_path / "root").mkdir()
    proc = oomcfg("validate", str(profile), "--root", str(tmp_path / "root"), "--proc", "/proc")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert (
        "cause: no live process found by comm 'ghostd' and command line matching "
        "'ghostd --serve'"
    ) in proc.stdout


def test_a_pattern_that_does_not_compile_is_refused_with_its_position(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nservices:\n  a:\n    unit: a.service\n    init: {cmdline: 'java (-jar'}\n"
    )
    out = tmp_path / "out"
    proc = oomcfg("render", str(profile), "--out", str(out))
    assert proc.returncode == 3 and not out.exists()
    assert proc.stderr.startswith(f"{profile}:5:21: error[OC055]: cmdline is not a regular")
