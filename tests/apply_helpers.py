"""Shared helpers for the apply tests: rendered files, root snapshots, counting ops."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from oomcfg.host import FileOps
from oomcfg.model import MARKER, RenderedFile


def plant(path: Path, what: str) -> None:
    """Put a directory, a FIFO or a symlink to ``what`` where ``path`` is (or would be)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    if what == "dir":
        path.mkdir()
    elif what == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(what)


UNIT_DIR = "etc/systemd/system"
SYSCTL = "etc/sysctl.d/90-oomcfg.conf"
MANIFEST = "var/lib/oomcfg/manifest.json"

WEB = "etc/systemd/system/nginx.service.d/50-oomcfg.conf"
DB = "etc/systemd/system/postgresql.service.d/50-oomcfg.conf"

PROFILE = """\
oomcfg: 1
description: web expendable, database protected
sysctl:
  vm.swappiness: 10
services:
  web:
    unit: nginx.service
    oom_score_adj: {web}
  db:
    unit: postgresql.service
    oom_score_adj: 300
"""


def profile(tmp_path: Path, web: int = 500, name: str = "host.yaml") -> Path:
    """A two-service profile file (nginx expendable at ``web``, postgresql at 300)."""
    path = tmp_path / name
    path.write_text(PROFILE.format(web=web))
    return path


def dropin(unit: str, adj: int) -> RenderedFile:
    """A minimal drop-in as render would produce it (marker first)."""
    return RenderedFile(
        f"{UNIT_DIR}/{unit}.d/50-oomcfg.conf",
        f"{MARKER}\n[Service]\nOOMScoreAdjust={adj}\n",
        kind="systemd",
        unit=unit,
    )


def sysctl(**values: int) -> RenderedFile:
    """oomcfg's sysctl.d file with ``vm_swappiness=10`` style keywords."""
    lines = "".join(f"{k.replace('_', '.', 1)} = {v}\n" for k, v in values.items())
    return RenderedFile(SYSCTL, f"{MARKER}\n{lines}", kind="sysctl")


Snapshot = dict[str, tuple[str, bytes, int]]


def snapshot(root: Path) -> Snapshot:
    """Every entry under root: (type, bytes or link target, mode). Byte-identity check."""
    tree: Snapshot = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(dirpath) / name
            st = path.lstat()
            rel = str(path.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                tree[rel] = ("link", os.readlink(path).encode(), 0)
            elif stat.S_ISDIR(st.st_mode):
                tree[rel] = ("dir", b"", stat.S_IMODE(st.st_mode))
            elif stat.S_ISREG(st.st_mode):
                tree[rel] = ("file", path.read_bytes(), stat.S_IMODE(st.st_mode))
            else:
                tree[rel] = ("other", b"", stat.S_IMODE(st.st_mode))
    return tree


def identities(root: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime_ns) of every file: proves a run wrote or replaced nothing."""
    out: dict[str, tuple[int, int]] = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            st = (Path(dirpath) / name).lstat()
            out[str(Path(dirpath, name).relative_to(root))] = (st.st_ino, st.st_mtime_ns)
    return out


class CountingOps(FileOps):
    """Real system calls, counted by name: a no-op apply must make none."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattribute__(self, name: str) -> object:
        attr = object.__getattribute__(self, name)
        if name.startswith("_") or name == "calls" or not callable(attr):
            return attr
        calls = object.__getattribute__(self, "calls")

        def counted(*args: object) -> object:
            calls.append(name)
            return attr(*args)

        return counted
