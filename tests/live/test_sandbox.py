"""The sandbox itself: a real systemd that cannot touch the host (live-systemd.md hazards)."""

from __future__ import annotations

import os
from pathlib import Path

from .sandbox import Sandbox


def test_pid1_is_a_real_systemd_reachable_by_systemctl(live_systemd: Sandbox) -> None:
    assert Path(f"/proc/{live_systemd.pid}/comm").read_text().strip() == "systemd"
    state = live_systemd.run(["systemctl", "is-system-running"])
    assert (state.returncode, state.stdout.strip()) in ((0, "running"), (1, "degraded"))
    assert live_systemd.run(["cat", "/proc/1/comm"]).stdout.strip() == "systemd"


def test_writes_inside_land_in_the_overlay_not_on_the_host(live_systemd: Sandbox) -> None:
    marker = f"oomcfg-live-isolation-{os.getpid()}"
    for path in (f"/etc/{marker}", f"/tmp/{marker}"):
        live_systemd.write_file(path, "inside\n")
        assert live_systemd.read_file(path) == "inside\n"
        assert not Path(path).exists(), f"{path} leaked onto the host"
        live_systemd.remove(path)


def test_proc_sys_is_read_only_inside(live_systemd: Sandbox) -> None:
    # Writing the value it already has: harmless even if the guard were missing.
    current = Path("/proc/sys/vm/swappiness").read_text().strip()
    proc = live_systemd.run(["sh", "-c", f"echo {current} > /proc/sys/vm/swappiness"])
    assert proc.returncode != 0
    assert "Read-only file system" in proc.stderr


def test_units_start_in_the_sandbox_cgroup_not_the_host_root(live_systemd: Sandbox) -> None:
    unit = "oomcfg-probe-cgroup.service"
    live_systemd.write_file(
        f"/etc/systemd/system/{unit}",
        "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/sleep infinity\n",
    )
    live_systemd.systemctl("daemon-reload")
    live_systemd.systemctl("start", unit)
    try:
        procs = live_systemd.read_file(f"/sys/fs/cgroup/unified/system.slice/{unit}/cgroup.procs")
        assert procs.split() == [str(live_systemd.main_pid(unit))]
        assert not Path(f"/sys/fs/cgroup/unified/system.slice/{unit}").exists()
    finally:
        live_systemd.systemctl("stop", unit)
        live_systemd.remove(f"/etc/systemd/system/{unit}")
