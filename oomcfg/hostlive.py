"""The running-system half of the host seam: processes, /proc, /sys, kernel settings.

:class:`~oomcfg.host.Host` inherits these methods, so callers keep one seam
(``host.run``, ``host.cgroup_procs``, ``host.sysctl_write``, ...); they live
here because they share nothing with the file half (paths under the root,
safety checks, atomic writes) except :meth:`path` and :meth:`read_text`, which
Host provides. Every path still goes through ``Host.path``, so ``proc/`` and
``sys/`` resolve to the fixture trees a test passes in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from oomcfg.hosterrors import GONE, CommandFailed, KernelWriteError

if TYPE_CHECKING:
    import subprocess

_DOT_TO_SLASH = str.maketrans("./", "/.")


class LiveSide:
    """Processes and kernel files of a host; mixed into :class:`~oomcfg.host.Host`."""

    sys: Path

    def path(self, rel: str | os.PathLike[str]) -> Path:
        """Resolve ``rel`` under the root (``Host.path``)."""
        raise NotImplementedError

    def read_text(self, rel: str) -> str | None:
        """Text of a file, or None when missing (``Host.read_text``)."""
        raise NotImplementedError

    def run(
        self,
        argv: Sequence[str],
        *,
        check: bool = False,
        timeout: float = 120.0,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command (no shell) and capture its output; the only process seam.

        A missing program or a timeout always raises :class:`CommandFailed`; a
        non-zero exit raises only with ``check=True``. The C locale and no pager
        keep ``systemctl`` output parseable.
        """
        import subprocess  # noqa: PLC0415 - only commands that run a process pay for it

        full_env = {**os.environ, "LC_ALL": "C", "SYSTEMD_PAGER": "", "SYSTEMD_COLORS": "0"}
        full_env.update(env or {})
        try:
            proc = subprocess.run(
                list(argv),
                capture_output=True,
                text=True,
                timeout=timeout,
                env=full_env,
                check=False,
                errors="replace",
            )
        except OSError as err:
            raise CommandFailed(argv, None, "", f"{argv[0]}: {err.strerror}") from err
        except subprocess.TimeoutExpired as err:
            raise CommandFailed(argv, None, "", f"timed out after {timeout:g}s") from err
        if check and proc.returncode != 0:
            raise CommandFailed(argv, proc.returncode, proc.stdout, proc.stderr)
        return proc

    def proc_read(self, pid: int, name: str) -> str | None:
        """Text of /proc/PID/NAME, or None when the process has gone (never raises for it)."""
        return self.read_text(f"proc/{int(pid)}/{name}")

    def proc_write(self, pid: int, name: str, text: str) -> None:
        """Write /proc/PID/NAME; raises :class:`KernelWriteError` (check ``.vanished``)."""
        self._kernel_write(self.path(f"proc/{int(pid)}/{name}"), text)

    def cgroup_procs(self, control_group: str) -> list[int]:
        """PIDs in a cgroup v2 group and all its children (systemd ``ControlGroup``).

        cgroup-v2.rst: ``cgroup.procs`` lists only a group's own processes, so
        sub-groups (delegated services) are walked too. A group that vanished
        gives an empty list.
        """
        base = self._cgroup2_root()
        if base is None:
            return []
        top = base / control_group.strip("/") if control_group.strip("/") else base
        pids: list[int] = []
        for dirpath, _dirs, files in os.walk(top):
            if "cgroup.procs" in files:
                pids.extend(_read_pids(Path(dirpath) / "cgroup.procs"))
        return pids

    def has_cgroup2(self) -> bool:
        """Whether a cgroup v2 hierarchy is mounted, so :meth:`cgroup_procs` can list PIDs."""
        return self._cgroup2_root() is not None

    def _cgroup2_root(self) -> Path | None:
        # A pure v2 mount has cgroup.controllers at the top; a hybrid layout
        # (v1 controllers + cgroup2, as on this project's machines) mounts v2
        # at sys/fs/cgroup/unified.
        for candidate in (self.sys / "fs/cgroup", self.sys / "fs/cgroup/unified"):
            if all((candidate / name).exists() for name in ("cgroup.procs", "cgroup.controllers")):
                return candidate
        return None

    # ------------------------------------------------------------------ kernel settings
    def sysctl_read(self, key: str) -> str | None:
        """Current value of a sysctl (read from /proc/sys), trailing newline removed."""
        text = self.read_text(_sysctl_rel(key))
        return None if text is None else text.rstrip("\n")

    def sysctl_write(self, key: str, value: str) -> None:
        """Set one sysctl by writing /proc/sys directly (never ``sysctl --system``)."""
        self._kernel_write(self.path(_sysctl_rel(key)), value)

    def _kernel_write(self, path: Path, text: str) -> None:
        try:
            # No O_CREAT/O_TRUNC: these files exist or the target is gone.
            fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
            try:
                os.write(fd, text.encode())
            finally:
                os.close(fd)
        except OSError as err:
            raise KernelWriteError(path, err) from err

    def has_cap_sys_resource(self) -> bool:
        """Whether this process may lower oom_score_adj (CapEff bit 24, proc(5) status)."""
        from oomcfg.liveparse import has_cap_sys_resource  # noqa: PLC0415 - live hosts only

        return bool(has_cap_sys_resource(self.read_text("proc/self/status") or ""))

    def systemd_running(self) -> bool:
        """sd_booted(3): systemd is PID 1 exactly when /run/systemd/system/ exists."""
        return self.path("run/systemd/system").is_dir()


def _read_pids(procs_file: Path) -> list[int]:
    try:
        from oomcfg.liveparse import parse_pid_list  # noqa: PLC0415 - live hosts only

        return parse_pid_list(procs_file.read_text())
    except OSError as err:
        if err.errno in GONE:  # the file or process is gone: not an error for a reader
            return []
        raise


def _sysctl_rel(key: str) -> str:
    # sysctl.d(5): '.' and '/' swap roles when '/' is the first separator, so
    # the dotted form of "net/ipv4/conf/eth0.100/rp_filter" keeps the dot.
    from oomcfg.sysctld import normalize_key  # noqa: PLC0415 - live hosts only

    return "proc/sys/" + normalize_key(key).translate(_DOT_TO_SLASH)
