"""``oomcfg apply`` into a real systemd 252 booted as PID 1 (tests/live/sandbox.py).

The running oomcfg is this checkout, executed inside the sandbox's namespaces
with ``--root /``: it sees the sandbox's systemd as the live host, so the
daemon-reload, the ``systemctl show`` batch and the live oom_score_adj writes
are the real ones. Positive values land; a negative one shows the real EACCES
of a root without CAP_SYS_RESOURCE.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from subprocess import CompletedProcess

import pytest

from .liveunits import LiveUnits, unit_prefix
from .sandbox import Sandbox
from .units import FORKER, UNIT_DIR


@dataclass
class Box(LiveUnits):
    """One test's units and profiles in the shared sandbox, removed afterwards."""

    def profile(self, services: dict[str, int], tag: str = "p") -> str:
        body = "".join(
            f"  {u.removesuffix('.service')}:\n    unit: {u}\n    oom_score_adj: {adj}\n"
            for u, adj in services.items()
        )
        path = f"/tmp/{self.name}-{tag}.yaml"
        self.sandbox.write_file(path, f"oomcfg: 1\nservices:\n{body}")
        return path

    def apply(self, profile: str, *extra: str) -> CompletedProcess[str]:
        return self.oomcfg("apply", profile, "--root", "/", "--yes", *extra)


@pytest.fixture
def box(live_systemd: Sandbox, request: pytest.FixtureRequest) -> Iterator[Box]:
    the_box = Box(live_systemd, unit_prefix("a", request, 18))
    try:
        yield the_box
    finally:
        the_box.cleanup()


def done_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("done: ")]


def test_apply_reloads_systemd_and_adjusts_every_running_process(box: Box) -> None:
    web, forker, idle = box.unit("web"), box.unit("forker", FORKER), box.unit("idle")
    box.start(web, forker)
    pids = box.pids(forker)
    assert len(pids) == 2
    web_pid = int(box.show(web, "MainPID"))
    proc = box.apply(box.profile({web: 300, forker: 400, idle: 500}))
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stdout
    assert done_lines(proc.stdout) == [
        "done: systemctl daemon-reload",
        f"done: {web}: oom_score_adj 300 set on running PID(s) {web_pid}",
        f"done: {forker}: oom_score_adj 400 set on running PID(s) "
        + ", ".join(map(str, box.pids(forker))),
    ]
    assert [box.show(u, "OOMScoreAdjust") for u in (web, forker, idle)] == ["300", "400", "500"]
    assert box.show(web, "NeedDaemonReload") == "no"
    assert box.adj(web_pid) == 300
    assert [box.adj(p) for p in pids] == [400, 400]  # the child at 700 was lowered to 400
    assert box.show(idle, "ActiveState") == "inactive"  # not started by apply


def test_second_apply_is_a_no_op(box: Box) -> None:
    web = box.unit("web")
    box.start(web)
    profile = box.profile({web: 300})
    assert box.apply(profile).returncode == 0
    dropin = f"{UNIT_DIR}/{web}.d/50-oomcfg.conf"
    stamp = box.sandbox.run(["stat", "-c", "%i %Y.%y", dropin], check=True).stdout
    again = box.apply(profile)
    assert (again.returncode, again.stderr, done_lines(again.stdout)) == (0, "", [])
    assert "nothing to write: every file is already as the profile says\n" in again.stdout
    assert "reload: none" in again.stdout
    assert box.sandbox.run(["stat", "-c", "%i %Y.%y", dropin], check=True).stdout == stamp


def test_lowering_without_cap_sys_resource_exits_6_and_explains(box: Box) -> None:
    web = box.unit("web")
    box.start(web)
    pid = int(box.show(web, "MainPID"))
    proc = box.apply(box.profile({web: -200}))
    assert proc.returncode == 6, proc.stdout + proc.stderr
    assert box.show(web, "OOMScoreAdjust") == "-200"  # configured ...
    assert box.adj(pid) == 0  # ... but the running process keeps 0
    [failed] = [line for line in proc.stdout.splitlines() if line.startswith("FAILED: ")]
    assert failed.startswith(
        f"FAILED: {web}: cannot lower oom_score_adj to -200: PID {pid} (sleep) keeps 0. "
        "Lowering it needs CAP_SYS_RESOURCE"
    )
    assert f"systemctl restart {web}" in failed


def test_no_live_reloads_but_leaves_processes_and_says_restart(box: Box) -> None:
    web = box.unit("web")
    box.start(web)
    pid = int(box.show(web, "MainPID"))
    proc = box.apply(box.profile({web: 300}), "--no-live")
    assert proc.returncode == 0
    assert done_lines(proc.stdout) == ["done: systemctl daemon-reload"]
    assert f"(systemctl restart {web})" in proc.stdout
    assert (box.show(web, "OOMScoreAdjust"), box.adj(pid)) == ("300", 0)


def test_read_only_proc_sys_is_reported_per_key(box: Box) -> None:
    mounts = box.sandbox.read_file("/proc/self/mountinfo")
    if not re.search(r" /proc/sys ro[, ]", mounts):
        pytest.skip("/proc/sys is writable in this sandbox: refusing to touch host sysctls")
    current = int(box.sandbox.read_file("/proc/sys/vm/swappiness"))
    wanted = 10 if current != 10 else 20
    path = f"/tmp/{box.name}-sysctl.yaml"
    box.sandbox.write_file(path, f"oomcfg: 1\nsysctl:\n  vm.swappiness: {wanted}\n")
    proc = box.apply(path)
    box.sandbox.remove("/etc/sysctl.d/90-oomcfg.conf")
    assert proc.returncode == 6
    assert (
        f"FAILED: sysctl vm.swappiness = {wanted} not applied (it stays {current}): "
        "/proc/sys is read-only here (a container?); set it on the host instead"
    ) in proc.stdout


def test_template_drop_in_reaches_every_running_instance(box: Box) -> None:
    template = box.unit("x@")  # a template: removed afterwards, never stopped
    instances = [template.replace("@", "@one"), template.replace("@", "@two")]
    box.units.extend(instances)
    box.start(*instances)
    pids = {unit: box.pids(unit) for unit in instances}
    assert [len(p) for p in pids.values()] == [1, 1]
    path = f"/tmp/{box.name}-tpl.yaml"
    box.sandbox.write_file(
        path,
        f"oomcfg: 1\nservices:\n  x:\n    unit: {template}\n    scope: template\n"
        "    oom_score_adj: 250\n",
    )
    proc = box.apply(path)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stdout
    assert done_lines(proc.stdout) == [
        "done: systemctl daemon-reload",
        *(f"done: {u}: oom_score_adj 250 set on running PID(s) {pids[u][0]}" for u in instances),
    ]
    assert [box.show(u, "OOMScoreAdjust") for u in instances] == ["250", "250"]
    assert [box.adj(pids[u][0]) for u in instances] == [250, 250]
    again = box.apply(path)
    assert (again.returncode, done_lines(again.stdout)) == (0, [])


def test_a_local_drop_in_overriding_ours_is_reported_not_fought(box: Box) -> None:
    web = box.unit("web")
    box.sandbox.write_file(f"{UNIT_DIR}/{web}.d/60-local.conf", "[Service]\nOOMScoreAdjust=100\n")
    box.start(web)
    pid = int(box.show(web, "MainPID"))
    proc = box.apply(box.profile({web: 300}))
    assert proc.returncode == 6, proc.stdout + proc.stderr
    assert (box.show(web, "OOMScoreAdjust"), box.adj(pid)) == ("100", 100)
    assert (
        f"FAILED: {web}: systemd applies OOMScoreAdjust=100, not the profile's 300: a drop-in "
        f"that sorts after 50-oomcfg.conf overrides it ('systemctl cat {web}' shows which); "
        "running processes left alone\n"
    ) in proc.stdout
