"""liveparse: the pure parsers, on outputs captured from a real systemd 252 and real /proc.

The files in tests/data/live/ were written by tests/live/capture_outputs.py
from a sandbox systemd booted by the live harness; none is hand-written.
"""

from __future__ import annotations

from pathlib import Path

from oomcfg.liveparse import (
    SHOW_PROPERTIES,
    has_cap_sys_resource,
    parse_btime,
    parse_cap_eff,
    parse_mem_total,
    parse_oom_score_adj,
    parse_pid_list,
    parse_pidfile,
    parse_proc_state,
    parse_show,
    parse_start_ticks,
    parse_uptime,
)
from oomcfg.probe import show_argv

DATA = Path(__file__).parent / "data" / "live"
UNITS = ["web.service", "db.service", "stopped.service", "forker.service", "nosuch.service"]


def read(name: str) -> str:
    return (DATA / name).read_text()


def test_show_argv_is_one_batched_call_with_every_property() -> None:
    argv = show_argv(["a.service", "b.service"])
    assert argv[:3] == ["systemctl", "show", "--no-pager"]
    assert argv[-3:] == ["--", "a.service", "b.service"]
    assert argv[argv.index("-p") + 1].split(",") == list(SHOW_PROPERTIES)


def test_multi_unit_show_is_split_per_unit_by_blank_lines_and_id() -> None:
    units = parse_show(read("systemctl-show-multi.txt"), UNITS)
    assert list(units) == UNITS
    web = units["web.service"]
    assert (web.load_state, web.active_state, web.main_pid) == ("loaded", "active", 47)
    assert web.control_group == "/system.slice/web.service"
    assert web.dropin_paths == ("/etc/systemd/system/web.service.d/50-oomcfg.conf",)
    assert web.get("MemoryMax") == "1073741824"
    assert web.get("ManagedOOMMemoryPressureLimit") == "1825361100"
    assert units["db.service"].get("OOMScoreAdjust") == "-700"


def test_inactive_and_missing_units_have_no_main_pid() -> None:
    units = parse_show(read("systemctl-show-multi.txt"), UNITS)
    stopped, missing = units["stopped.service"], units["nosuch.service"]
    assert (stopped.load_state, stopped.active_state, stopped.main_pid) == ("loaded", "inactive", 0)
    assert (missing.load_state, missing.main_pid, missing.control_group) == ("not-found", 0, "")
    assert stopped.dropin_paths == ()


def test_blocks_are_matched_by_id_not_only_by_position() -> None:
    text = read("systemctl-show-multi.txt")
    reordered = ["nosuch.service", "forker.service", "stopped.service", "db.service", "web.service"]
    units = parse_show(text, reordered)
    assert units["web.service"].main_pid == 47
    assert units["nosuch.service"].load_state == "not-found"


def test_an_alias_takes_the_block_at_its_position() -> None:
    units = parse_show(
        "Id=real.service\nMainPID=5\n\nId=b.service\nMainPID=6\n", ["alias.service", "b.service"]
    )
    assert units["alias.service"].main_pid == 5
    assert units["b.service"].main_pid == 6


def test_need_daemon_reload_is_read() -> None:
    (web,) = parse_show(read("systemctl-show-need-reload.txt"), ["web.service"]).values()
    assert web.need_daemon_reload
    assert not parse_show(read("systemctl-show-multi.txt"), UNITS)["web.service"].need_daemon_reload


def test_cap_eff_of_this_kind_of_machine_lacks_cap_sys_resource() -> None:
    status = read("proc-1-status-sandbox.txt")
    assert parse_cap_eff(status) == 0x000001FFFEFFFFFF
    assert has_cap_sys_resource(status) is False
    assert has_cap_sys_resource("CapEff:\t000001ffffffffff\n") is True
    assert has_cap_sys_resource("Name:\tx\n") is None
    assert has_cap_sys_resource("CapEff:\tzz\n") is None


def test_cgroup_procs_lists_the_main_process_and_its_forked_child() -> None:
    assert parse_pid_list(read("cgroup-procs-forker.txt")) == [46, 48]
    assert parse_pid_list("") == []


def test_process_state_is_read_after_the_last_parenthesis() -> None:
    assert parse_proc_state(read("proc-pid-stat-sandbox.txt")) == "S"
    assert parse_proc_state("12 (a) Z (b) Z 1 12") == "Z"
    assert parse_proc_state("12 (x)") is None


def test_start_ticks_skip_a_comm_with_spaces_and_parentheses() -> None:
    assert parse_start_ticks(read("proc-pid-stat-sandbox.txt")) == 48869
    hostile = "12 (a) b (c) S 1 12 12 0 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 777 0 0"
    assert parse_start_ticks(hostile) == 777
    assert parse_start_ticks("12 (x) S 1") is None


def test_small_proc_files() -> None:
    assert parse_btime("cpu 1 2 3\nbtime 1764130000\nprocesses 5\n") == 1764130000
    assert parse_btime("cpu 1\n") is None
    assert parse_uptime("12345.67 23456.78\n") == 12345.67
    assert parse_uptime("") is None
    assert parse_mem_total("MemTotal:       24683656 kB\nMemFree: 1 kB\n") == 24683656 * 1024
    assert parse_oom_score_adj("-700\n") == -700
    assert parse_oom_score_adj("") is None
    assert parse_pidfile("1234\n") == 1234
    assert parse_pidfile("0\n") is None
    assert parse_pidfile("abc") is None


def test_real_proc_of_this_host_parses() -> None:
    assert parse_btime(Path("/proc/stat").read_text()) is not None
    assert parse_start_ticks(Path("/proc/self/stat").read_text()) is not None
    assert parse_mem_total(Path("/proc/meminfo").read_text())
    assert has_cap_sys_resource(read("proc-self-status-host.txt")) is False
