"""Benchmark inputs the bench generates itself: profiles, path lists, a process population.

Profiles follow issue 2's format v1 and look like a real fleet host's: unit
names like ``svc-00042.service``, mostly tiers with some explicit
``oom_score_adj``, memory limits on most services (``high`` below ``max``,
``min`` below ``low``), ``oom_policy`` on some, ``managed_oom`` on every tenth,
and the usual OOM sysctls. No value is one lint is designed to flag as an
error, so lint measures checking, not reporting thousands of findings.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DROPIN = "50-oomcfg.conf"  # oomcfg.model.DROPIN_NAME
SYSCTL_FILE = "etc/sysctl.d/90-oomcfg.conf"  # oomcfg.model.SYSCTL_FILE
TIERS = ("standard", "expendable", "standard", "sacrificial", "standard")
POLICIES = ("continue", "kill", "stop")
#: The population's process name: a copy of sleep(1) under a name no other
#: process on a shared machine has (comm is the first 15 bytes, proc(5)).
SLEEPER_COMM = "oomcfg-bench-sl"


def unit_name(i: int) -> str:
    """The unit of the ``i``-th generated service."""
    return f"svc-{i:05d}.service"


def _service(i: int) -> list[str]:
    lines = [f"  svc-{i:05d}:", f"    unit: {unit_name(i)}"]
    if i % 20 == 0:
        lines.append("    tier: protected")
    elif i % 7 == 1:
        lines.append(f"    oom_score_adj: {100 + (i * 37) % 800}")
    else:
        lines.append(f"    tier: {TIERS[i % len(TIERS)]}")
    if i % 3 == 0:
        lines.append(f"    oom_policy: {POLICIES[i % len(POLICIES)]}")
    if i % 4 != 3:
        mib = 256 << (i % 4)
        extra = ", min: 64M, low: 128M" if i % 20 == 0 else ""
        swap = ", swap_max: 0" if i % 5 == 0 else ""
        lines.append(f"    memory: {{high: {mib * 3 // 4}M, max: {mib}M{extra}{swap}}}")
    if i % 10 == 5:
        lines.append(
            "    managed_oom: {memory_pressure: kill, memory_pressure_limit: 60%, "
            "preference: avoid}"
        )
    return lines


def profile_text(n: int) -> str:
    """A format-v1 profile with ``n`` services (``n`` may be 0: the fixed-cost baseline)."""
    head = [
        "oomcfg: 1",
        f'description: "bench: {n} generated services"',
        "sysctl:",
        "  vm.panic_on_oom: 0",
        "  vm.overcommit_memory: 0",
        "  vm.oom_dump_tasks: 1",
        "  kernel.panic: 10",
    ]
    body = [line for i in range(n) for line in _service(i)]
    services = ["services:", *body] if body else ["services: {}"]
    return "\n".join([*head, *services, ""])


def rendered_paths(n: int) -> list[str]:
    """The files render/apply produce for ``profile_text(n)``, relative to the root."""
    units = [f"etc/systemd/system/{unit_name(i)}.d/{DROPIN}" for i in range(n)]
    return [*units, SYSCTL_FILE]


def write_inputs(directory: Path, sizes: list[int]) -> dict[int, Path]:
    """Write one profile and one path list per size; return ``{n: profile}``."""
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for n in sizes:
        profile = directory / f"bench-{n}.yaml"
        profile.write_text(profile_text(n))
        (directory / f"paths-{n}.txt").write_text("\n".join(rendered_paths(n)) + "\n")
        out[n] = profile
    return out


def read_sysctl(key: str) -> str:
    """This host's current value of ``key`` (so the validate profile has no drift)."""
    return Path("/proc/sys", key.replace(".", "/")).read_text().strip()


def validate_profile_text(adj: int) -> str:
    """One service matched by process name (:data:`SLEEPER_COMM`) on a host without systemd."""
    keys = ("vm.panic_on_oom", "vm.overcommit_memory", "vm.oom_dump_tasks")
    sysctls = [f"  {k}: {read_sysctl(k)}" for k in keys]
    return "\n".join(
        [
            "oomcfg: 1",
            'description: "bench: validate against a population of sleep processes"',
            "sysctl:",
            *sysctls,
            "services:",
            "  sleepers:",
            "    unit: bench-sleepers.service",
            f"    oom_score_adj: {adj}",
            f"    init: {{comm: {SLEEPER_COMM}}}",
            "",
        ]
    )


@contextmanager
def sleepers(count: int, adj: int, scratch: Path) -> Iterator[list[int]]:
    """Start ``count`` sleep processes with ``oom_score_adj`` ``adj``; end exactly those.

    Raising oom_score_adj needs no privilege (proc(5)), so the population
    matches the validate profile. Every process is killed by its PID, and
    reaped, even when the benchmark fails.
    """
    binary = scratch / SLEEPER_COMM
    if not binary.exists():
        shutil.copy2("/usr/bin/sleep", binary)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            procs.append(subprocess.Popen([str(binary), "3600"], stdin=subprocess.DEVNULL))
        for proc in procs:
            Path(f"/proc/{proc.pid}/oom_score_adj").write_text(str(adj))
        _await_exec([p.pid for p in procs])
        yield [p.pid for p in procs]
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


def _await_exec(pids: list[int], timeout: float = 30.0) -> None:
    """Wait until every child has exec'd (its comm is :data:`SLEEPER_COMM`).

    ``Popen`` returns once the child is forked; a child that has not reached
    ``execve`` yet still carries the parent's name, and a measurement started
    then would see a smaller population than it reports.
    """
    deadline = time.monotonic() + timeout
    waiting = list(pids)
    while waiting:
        waiting = [pid for pid in waiting if _comm(pid) != SLEEPER_COMM]
        if waiting and time.monotonic() > deadline:
            raise RuntimeError(f"{len(waiting)} sleepers did not start within {timeout:.0f} s")
        if waiting:
            time.sleep(0.01)


def _comm(pid: int) -> str:
    return Path(f"/proc/{pid}/comm").read_text().strip()


def tree_state(root: Path) -> dict[str, tuple[int, int]]:
    """``{relative path: (inode, mtime_ns)}`` of every file under ``root``: detects writes."""
    state = {}
    for path in root.rglob("*"):
        st = path.lstat()
        if not path.is_dir():
            state[str(path.relative_to(root))] = (st.st_ino, st.st_mtime_ns)
    return state
