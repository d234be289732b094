"""A process started between a drop-in's write and the daemon-reload that loaded it.

systemd reads drop-ins only when it loads unit files, so a unit restarted
after the drop-in was written but before ``systemctl daemon-reload`` runs
with the old configuration; once reloaded, systemd shows the new value and
the process still has the old one. validate explains that with OV023 (a
restart fixes it, as for a process started before the drop-in was written),
not OV020 ("changed at run time"), by asking the manager when it last loaded
unit files (``UnitsLoadTimestamp``, org.freedesktop.systemd1(5)): one extra
``systemctl show``, made only when some process differs.

The manager's output is what a real systemd 252 printed
(tests/data/live/systemctl-show-manager-*.txt); the probe tests use a fake
``systemctl`` (a Host whose ``run`` answers from those texts) and a fixture
/proc and cgroup tree.
"""

from __future__ import annotations

import calendar
import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from probe_tree import fake_proc, write
from validate_state import ALL, DATA, OOMCFG_WEB, SHOW, live, profile, svc

from oomcfg.host import Host
from oomcfg.liveparse import LiveState, ProcInfo, parse_units_load_time
from oomcfg.probe import _probe_systemd, manager_show_argv, show_argv
from oomcfg.procread import ProcFiles
from oomcfg.validate import validate

BOOT = (DATA / "systemctl-show-manager-boot.txt").read_text()
RELOADED = (DATA / "systemctl-show-manager-reloaded.txt").read_text()

# --- the manager's UnitsLoadTimestamp -------------------------------------------------------


def test_manager_show_names_no_unit_and_asks_for_microseconds_in_utc() -> None:
    argv = manager_show_argv()
    assert argv[:3] == ["systemctl", "show", "--no-pager"]
    assert "--timestamp=us+utc" in argv
    assert argv[argv.index("-p") + 1] == "UnitsLoadTimestamp"
    assert "--" not in argv and not [a for a in argv if a.endswith(".service")]


def test_load_time_after_a_daemon_reload_is_read_to_the_microsecond() -> None:
    assert RELOADED.startswith("UnitsLoadTimestamp=Thu 2026-11-26 09:30:16.506709 UTC")
    expected = calendar.timegm((2026, 11, 26, 9, 30, 16, 0, 0, 0)) + 0.506709
    assert parse_units_load_time(RELOADED) == pytest.approx(expected, abs=1e-6)


def test_no_reload_since_boot_gives_no_load_time() -> None:
    assert BOOT == "UnitsLoadTimestamp=\n"  # systemd 252 sets it at the first daemon-reload
    assert parse_units_load_time(BOOT) is None


@pytest.mark.parametrize(
    "text",
    [
        "",  # a systemd without the property prints nothing for it
        "UnitsLoadTimestamp=n/a\n",
        "UnitsLoadTimestamp=Thu 2026-11-26 15:00:16 IST\n",  # no --timestamp=us+utc: local
        "UnitsLoadTimestamp=@1795685416\n",  # --timestamp=unix: whole seconds
        "UnitsLoadTimestamp=Thu 2026-13-26 09:30:16.506709 UTC\n",
        "UnitsLoadTimestamp=Thu 2026-11-26 09:30:16.5067091 UTC\n",
        "UnitsLoadTimestamp=Thu 2026-11-²6 09:30:16.506709 UTC\n",
        "UnitsLoadTimestamp=Thu 2026-11 09:30:16.506709 UTC\n",
        "UnitsLoadTimestamp=Thu 99999999999999999999-11-26 09:30:16.506709 UTC\n",
    ],
)
def test_a_load_time_in_another_form_is_unknown_never_an_error(text: str) -> None:
    assert parse_units_load_time(text) is None


# --- validate (pure): which explanation --------------------------------------------------------

WRITTEN = 1000.0  # validate_state's drop-ins were written at 1000.0


def web_state(start: float, loaded_at: float | None) -> LiveState:
    """web.service (systemd: OOMScoreAdjust=300, as the profile) with one process at 0."""
    procs = {"web.service": [ProcInfo(47, 0, start, "sleep")]}
    return live(processes=procs, units_loaded_at=loaded_at)


def explain(state: LiveState) -> tuple[str, str, str, str, str]:
    (f,) = validate(profile(svc("web.service", 300)), state, ALL).findings
    return f.code, f.expected, f.actual, f.cause, f.fix


def test_started_before_the_drop_in_was_written_is_ov023_as_before() -> None:
    code, _, _, cause, fix = explain(web_state(start=500.0, loaded_at=1500.0))
    assert (code, fix) == ("OV023", "systemctl restart web.service")
    assert cause.startswith("the process started before the current drop-in was written")


def test_started_between_the_write_and_the_reload_names_both_times() -> None:
    code, expected, actual, cause, fix = explain(web_state(start=1200.0, loaded_at=1500.25))
    assert (code, expected, actual, fix) == ("OV023", "300", "0", "systemctl restart web.service")
    assert cause.startswith(
        "the process started before systemd loaded the current drop-in (the drop-in was "
        "written at 1970-01-01 00:16:40.000 UTC, systemd reloaded at 1970-01-01 00:25:00.250 "
        "UTC, the process started in between"
    )
    assert "changed at run time" not in cause


def test_started_after_the_reload_is_a_run_time_change() -> None:
    code, _, _, cause, fix = explain(web_state(start=1600.0, loaded_at=1500.0))
    assert (code, fix) == ("OV020", "systemctl restart web.service, and find what changes it")
    assert cause.startswith("changed at run time")


def test_a_systemd_without_the_load_time_explains_as_before() -> None:
    code, _, _, cause, _ = explain(web_state(start=1200.0, loaded_at=None))
    assert code == "OV020" and cause.startswith("changed at run time")


def test_a_reload_older_than_the_drop_in_does_not_explain_it() -> None:
    # The drop-in (1000) was written after the last reload (900): that reload cannot be
    # what the process missed, and systemd shows the profile's value anyway.
    code, _, _, _, _ = explain(web_state(start=1200.0, loaded_at=900.0))
    assert code == "OV020"


def test_a_process_without_a_start_time_is_not_placed_between() -> None:
    procs = {"web.service": [ProcInfo(47, 0, None, "sleep")]}
    code, _, _, _, _ = explain(live(processes=procs, units_loaded_at=1500.0))
    assert code == "OV020"


def test_the_reload_does_not_excuse_a_value_systemd_itself_lacks() -> None:
    # forker.service is configured with 200; the profile wants 300: the unit finding
    # (OV012) explains the process having 200, and no process finding repeats it.
    procs = {"forker.service": [ProcInfo(46, 200, 1200.0, "sleep")]}
    state = live(processes=procs, units_loaded_at=1500.0)
    findings = validate(profile(svc("forker.service", 300)), state, ALL).findings
    assert [f.code for f in findings] == ["OV012"]


# --- probe: a fake systemctl, a fixture /proc and cgroup tree -------------------------------

UPTIME = 1000.0
GROUP = "/system.slice/web.service"  # web.service's ControlGroup in systemctl-show-multi.txt


class FakeSystemctl(Host):
    """A host whose ``systemctl`` answers from captured texts; every argv is recorded."""

    def __init__(self, root: Path, answers: Mapping[tuple[str, ...], tuple[int, str]]) -> None:
        super().__init__(root)
        self.answers = answers
        self.calls: list[list[str]] = []

    def run(
        self,
        argv: Sequence[str],
        *,
        check: bool = False,
        timeout: float = 120.0,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(argv))
        code, out = self.answers[tuple(argv)]
        return subprocess.CompletedProcess(list(argv), code, out, "" if code == 0 else "failed")


def host_tree(tmp_path: Path, *, adj: int, started: float, written: float) -> Path:
    """web.service's cgroup with PID 47 (``adj``, started ``started`` s ago) and oomcfg's
    drop-in written ``written`` s ago; /proc/uptime says the host booted UPTIME s ago."""
    root = tmp_path / "host"
    write(root / "sys/fs/cgroup/cgroup.procs", "")
    write(root / "sys/fs/cgroup/cgroup.controllers", "memory\n")
    write(root / f"sys/fs/cgroup{GROUP}/cgroup.procs", "47\n")
    write(root / "proc/uptime", f"{UPTIME:.2f} 1.00\n")
    fake_proc(root, 47, "sleep", adj, ticks=round((UPTIME - started) * os.sysconf("SC_CLK_TCK")))
    write(root / "proc/47/cgroup", f"0::{GROUP}\n")
    dropin = root / OOMCFG_WEB.lstrip("/")
    write(dropin, "[Service]\nOOMScoreAdjust=300\n")
    when = time.time() - written
    os.utime(dropin, (when, when))
    return root


def reloaded(ago: float) -> str:
    """The manager's answer for a daemon-reload ``ago`` s ago, as systemd 252 prints it."""
    when = time.time() - ago
    stamp = time.strftime("%a %Y-%m-%d %H:%M:%S", time.gmtime(when))
    return RELOADED.replace(
        RELOADED.split("=", 1)[1].strip(), f"{stamp}.{int(when % 1 * 1e6):06d} UTC"
    )


def run_probe(host: FakeSystemctl) -> LiveState:
    return _probe_systemd(
        host, ProcFiles(host), profile(svc("web.service", 300)), ALL, LiveState(systemd=True)
    )


def answers(manager: tuple[int, str]) -> dict[tuple[str, ...], tuple[int, str]]:
    return {tuple(show_argv(["web.service"])): (0, SHOW), tuple(manager_show_argv()): manager}


def test_probe_asks_the_manager_only_when_a_process_differs(tmp_path: Path) -> None:
    root = host_tree(tmp_path, adj=300, started=50, written=100)
    host = FakeSystemctl(root, answers((0, reloaded(20))))
    state = run_probe(host)
    assert host.calls == [show_argv(["web.service"])]  # a clean host: no extra command
    assert state.units_loaded_at is None
    assert [p.oom_score_adj for p in state.processes["web.service"]] == [300]


def test_probe_and_validate_place_a_restart_between_the_write_and_the_reload(
    tmp_path: Path,
) -> None:
    # Written 100 s ago, restarted 50 s ago without a reload, reloaded 20 s ago.
    root = host_tree(tmp_path, adj=0, started=50, written=100)
    host = FakeSystemctl(root, answers((0, reloaded(20))))
    state = run_probe(host)
    assert host.calls == [show_argv(["web.service"]), manager_show_argv()]  # one more, not per unit
    assert state.units_loaded_at == pytest.approx(time.time() - 20, abs=1.0)
    (f,) = validate(profile(svc("web.service", 300)), state, ALL).findings
    assert (f.code, f.object, f.expected, f.actual) == (
        "OV023",
        "web.service pid 47 (sleep)",
        "300",
        "0",
    )
    assert "systemd reloaded at" in f.cause


def test_probe_and_validate_after_the_reload_is_a_run_time_change(tmp_path: Path) -> None:
    root = host_tree(tmp_path, adj=0, started=10, written=100)
    state = run_probe(FakeSystemctl(root, answers((0, reloaded(20)))))
    (f,) = validate(profile(svc("web.service", 300)), state, ALL).findings
    assert f.code == "OV020"


@pytest.mark.parametrize(
    "manager",
    [(0, BOOT), (0, ""), (1, "")],
    ids=["no-reload-since-boot", "no-such-property", "systemctl-too-old-for-timestamp"],
)
def test_probe_without_a_load_time_explains_as_before(
    tmp_path: Path, manager: tuple[int, str]
) -> None:
    root = host_tree(tmp_path, adj=0, started=50, written=100)
    state = run_probe(FakeSystemctl(root, answers(manager)))
    assert state.units_loaded_at is None
    assert "systemd" not in state.unknown  # an unanswered refinement is not "cannot check"
    (f,) = validate(profile(svc("web.service", 300)), state, ALL).findings
    assert f.code == "OV020"
