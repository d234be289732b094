"""A throwaway real systemd (PID 1 of its own namespaces) for end-to-end tests.

Why: ``oomcfg validate`` and ``apply`` talk to systemd and read /proc; only a
real systemd shows what a host really does (a negative ``OOMScoreAdjust=``
configured but not applied, drop-in order, ``NeedDaemonReload``). The recipe
and its hazards are in ``shared/design/live-systemd.md``:

* the launcher gets its own cgroup on both hierarchies this machine mounts
  (``/sys/fs/cgroup/unified`` and ``/sys/fs/cgroup/systemd``);
* ``unshare --pid --fork --mount --cgroup --uts --ipc --propagation private``;
* inside: a tmpfs holding an **overlay of /** (so nothing reaches the host's
  /etc or /tmp), proc/sys/dev/run/tmp mounts, ``/proc/sys`` bind-mounted
  read-only (``vm.*`` is not namespaced: systemd-sysctl would otherwise write
  the host kernel's settings), the test's units written into the overlay,
  ``pivot_root``, then ``exec env container=NAME /lib/systemd/systemd``;
* the host talks to it with ``nsenter -t PID -m -p -u -i`` where PID is the
  child of the ``unshare`` process (``pgrep -P``), never a ``pgrep -f`` match;
* teardown is SIGKILL by that PID (PID 1 ignores SIGTERM; the kernel then
  ends its whole PID namespace) and removing the cgroup dirs deepest first.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: The systemd binary; OOMCFG_LIVE_SYSTEMD overrides it (the gate test points it
#: at a missing file to prove a missing capability fails CI and skips elsewhere).
SYSTEMD = os.environ.get("OOMCFG_LIVE_SYSTEMD", "/lib/systemd/systemd")
CGROUP_MOUNTS = ("/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd")
BOOT_TARGET = "oomcfg-test.target"
NSENTER = ("nsenter", "-m", "-p", "-u", "-i")
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

#: Booted-to target: no default dependencies, so sysinit.target (journald,
#: tmpfiles, sysctl) is not pulled in and the boot takes well under a second.
TARGET_UNIT = """\
[Unit]
Description=oomcfg live-test target
DefaultDependencies=no
"""

#: The checkout (and its .venv): tests run the real oomcfg inside the sandbox
#: from here. It is visible through the overlay's lower layer unless it lies
#: under /tmp or /run, which get fresh tmpfs mounts (CI clones anywhere).
CHECKOUT = Path(__file__).resolve().parents[2]

#: Runs inside the new namespaces as PID 1 until it execs systemd. $1 is the
#: scratch dir, $2 the container name, $3 a dir with the units to install,
#: $4 the systemd binary, $5 the checkout to keep visible (read-only).
LAUNCHER = r"""
set -eu
scratch=$1 name=$2 units=$3
mount -t tmpfs -o mode=0755 oomcfg-live "$scratch"
mkdir -p "$scratch/upper" "$scratch/work" "$scratch/root"
mount -t overlay overlay \
    -o "lowerdir=/,upperdir=$scratch/upper,workdir=$scratch/work" "$scratch/root"
root=$scratch/root
mount -t proc proc "$root/proc"
mount --bind "$root/proc/sys" "$root/proc/sys"
mount -o remount,bind,ro "$root/proc/sys"
mount --rbind /sys "$root/sys"
# Fresh cgroup mounts: made inside the cgroup namespace, their root is the
# launcher's cgroup, so systemd's system.slice etc. land under it (a rbind of
# the host's mounts would show the host's root and leak dirs there). Only the
# two hierarchies systemd manages: no v1 controller dirs to clean up.
mount -t tmpfs -o mode=0755 cgroup "$root/sys/fs/cgroup"
mkdir "$root/sys/fs/cgroup/unified" "$root/sys/fs/cgroup/systemd"
mount -t cgroup2 cgroup2 "$root/sys/fs/cgroup/unified"
mount -t cgroup -o none,name=systemd cgroup "$root/sys/fs/cgroup/systemd"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
case $5 in
  /tmp/*|/run/*)
    mkdir -p "$root$5"
    mount --bind "$5" "$root$5"
    mount -o remount,bind,ro "$root$5";;
esac
mkdir -p "$root/etc/systemd/system"
cp -a "$units/." "$root/etc/systemd/system/"
mkdir -p "$root/.oldroot"
cd "$root"
pivot_root . .oldroot
umount -l /.oldroot
rmdir /.oldroot || true
exec env container="$name" "$4" --system --unit=oomcfg-test.target \
    --log-target=console --log-level=warning
"""


class SandboxUnavailableError(RuntimeError):
    """This machine cannot boot the sandbox; the message says which capability is missing."""


def unavailable_reason() -> str | None:
    """Say why no sandbox can be booted here, or None when the tools are present."""
    if os.geteuid() != 0:
        return "not root: mount/unshare namespaces need root"
    for tool in ("unshare", "nsenter", "pgrep", "systemctl"):
        if shutil.which(tool) is None:
            return f"{tool} not found on PATH"
    if not Path(SYSTEMD).exists():
        return f"{SYSTEMD} not installed"
    for mount in CGROUP_MOUNTS:
        if not Path(mount, "cgroup.procs").exists():
            return f"{mount} is not a mounted cgroup hierarchy"
    return None


@dataclass
class Sandbox:
    """One booted systemd; :meth:`run` executes argv inside its namespaces."""

    name: str
    pid: int = 0
    scratch: Path = field(default_factory=Path)
    launcher: subprocess.Popen[bytes] | None = None
    log_path: Path = field(default_factory=Path)

    def run(
        self, argv: Sequence[str], *, check: bool = False, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` inside the sandbox (mount, PID, UTS, IPC namespaces of PID 1)."""
        return subprocess.run(
            [*NSENTER, "-t", str(self.pid), *argv],
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def systemctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``systemctl ARGS`` against the sandbox's PID 1 (private socket, no D-Bus)."""
        return self.run(["systemctl", *args], check=check)

    def write_file(self, path: str, text: str, mode: int = 0o644) -> None:
        """Write ``text`` at absolute ``path`` inside the overlay (parents created)."""
        script = 'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"'
        proc = subprocess.run(
            [*NSENTER, "-t", str(self.pid), "sh", "-c", script, "sh", path, f"{mode:o}"],
            input=text,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"write_file({path}) failed: {proc.stderr.strip()}")

    def remove(self, path: str) -> None:
        """Remove a file or tree inside the overlay (no error when absent)."""
        self.run(["rm", "-rf", "--", path], check=True)

    def read_file(self, path: str) -> str:
        """Read a text file inside the sandbox."""
        return self.run(["cat", "--", path], check=True).stdout

    def main_pid(self, unit: str) -> int:
        """The unit's MainPID as the sandbox's PID namespace numbers it (0: not running)."""
        out = self.systemctl("show", unit, "-p", "MainPID", "--value").stdout
        return int(out.strip() or 0)

    def log(self) -> str:
        """What systemd printed on its console: the first place to look when a boot fails."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def _cgroup_dirs(name: str) -> list[Path]:
    return [Path(mount, name) for mount in CGROUP_MOUNTS]


def _write_units(dest: Path, units: Mapping[str, str]) -> None:
    dest.mkdir(parents=True)
    (dest / BOOT_TARGET).write_text(TARGET_UNIT)
    for rel, text in units.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _die_with_parent() -> None:
    """PR_SET_PDEATHSIG(SIGKILL) (prctl(2)), kept across the exec of ``unshare``.

    If pytest is killed outright (no finally, no atexit), the kernel kills
    ``unshare``, whose ``--kill-child`` then kills the sandbox's PID 1 and so
    its whole PID namespace: no systemd is left running behind a dead run.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _start_launcher(box: Sandbox, units_dir: Path) -> None:
    """Move a shell into the sandbox's cgroups, then exec unshare + LAUNCHER in it."""
    procs = " ".join(shlex.quote(str(d / "cgroup.procs")) for d in _cgroup_dirs(box.name))
    outer = (
        f'for f in {procs}; do echo $$ > "$f"; done; exec unshare --pid --fork --kill-child '
        '--mount --cgroup --uts --ipc --propagation private bash -c "$0" launcher "$@"'
    )
    log = box.log_path.open("wb")
    box.launcher = subprocess.Popen(
        [
            "sh",
            "-c",
            outer,
            LAUNCHER,
            str(box.scratch),
            box.name,
            str(units_dir),
            SYSTEMD,
            str(CHECKOUT),
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,  # noqa: PLW1509 - one prctl, no locks taken
    )
    log.close()


def _find_pid1(box: Sandbox, deadline: float) -> int:
    """The host PID of the sandbox's PID 1: the child of ``unshare`` (live-systemd.md)."""
    assert box.launcher is not None
    while time.monotonic() < deadline:
        if box.launcher.poll() is not None:
            raise SandboxUnavailableError(f"launcher exited {box.launcher.returncode}: {box.log()}")
        out = subprocess.run(
            ["pgrep", "-P", str(box.launcher.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        if out:
            return int(out[0])
        time.sleep(0.02)
    raise SandboxUnavailableError("unshare started no child in time")


def _wait_running(box: Sandbox, deadline: float) -> None:
    """Poll ``is-system-running`` until the manager says running or degraded."""
    state = ""
    while time.monotonic() < deadline:
        if box.launcher is not None and box.launcher.poll() is not None:
            raise SandboxUnavailableError(f"sandbox exited during boot: {box.log()}")
        comm = Path(f"/proc/{box.pid}/comm")
        if comm.exists() and comm.read_text().strip() == "systemd":
            state = box.run(["systemctl", "is-system-running"], timeout=10).stdout.strip()
            if state in ("running", "degraded"):
                return
        time.sleep(0.05)
    raise SandboxUnavailableError(
        f"systemd did not reach running (last state {state!r}): {box.log()}"
    )


def sweep_stale() -> list[str]:
    """Remove what a hard-killed earlier run left: empty cgroup dirs and scratch of
    sandboxes whose owner process (the PID in the name) no longer exists."""
    swept = []
    for top in Path(CGROUP_MOUNTS[0]).glob("oomcfg-live-*"):
        owner = top.name.split("-")[2]
        if not owner.isdigit() or Path(f"/proc/{owner}").exists():
            continue
        for mount in CGROUP_MOUNTS:
            _remove_cgroup_tree(Path(mount, top.name), attempts=1)
        shutil.rmtree(Path("/run", top.name), ignore_errors=True)
        swept.append(top.name)
    return swept


def boot(units: Mapping[str, str], *, timeout: float = 30) -> Sandbox:
    """Boot a sandbox with ``units`` (paths relative to /etc/systemd/system).

    Raises :class:`SandboxUnavailableError` (after tearing down) when the machine
    cannot do it; the caller decides whether that is a skip or a failure.
    """
    reason = unavailable_reason()
    if reason:
        raise SandboxUnavailableError(reason)
    sweep_stale()
    name = f"oomcfg-live-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    scratch = Path(f"/run/{name}")
    box = Sandbox(name=name, scratch=scratch / "mnt", log_path=scratch / "console.log")
    scratch.mkdir(mode=0o700)
    box.scratch.mkdir()
    atexit.register(teardown, box)
    try:
        for d in _cgroup_dirs(name):
            d.mkdir()
        _write_units(scratch / "units", units)
        _start_launcher(box, scratch / "units")
        deadline = time.monotonic() + timeout
        box.pid = _find_pid1(box, deadline)
        _wait_running(box, deadline)
    except BaseException:
        teardown(box)
        raise
    return box


def _kill(box: Sandbox) -> None:
    if box.pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(box.pid, signal.SIGKILL)
    if box.launcher is not None:
        if box.launcher.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(box.launcher.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            box.launcher.wait(timeout=10)


def _remove_cgroup_tree(top: Path, attempts: int = 100) -> None:
    """rmdir every directory under ``top``, deepest first; retry while tasks exit.

    A cgroup that still has processes refuses rmdir (EBUSY): nothing running
    is ever removed, so sweeping a live sandbox's dirs is harmless.
    """
    if not top.is_dir():
        return
    for _ in range(attempts):
        dirs = sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
        for d in [*dirs, top]:
            with contextlib.suppress(OSError):
                d.rmdir()
        if not top.exists():
            return
        time.sleep(0.05)


def teardown(box: Sandbox) -> None:
    """SIGKILL PID 1 by its PID, then remove the cgroup dirs and scratch. Idempotent."""
    _kill(box)
    for d in _cgroup_dirs(box.name):
        _remove_cgroup_tree(d)
    shutil.rmtree(box.scratch.parent, ignore_errors=True)
    box.pid = 0
