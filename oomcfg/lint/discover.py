"""Turn the PATHs given to ``oomcfg lint`` into classified files, and say what was skipped.

Directories are walked recursively, following symlinks but never entering a
directory twice (its device and inode are remembered), so a symlink loop is
reported once and the walk goes on. Hidden directories (``.git``, ``.venv``)
are not entered unless named on the command line, and YAML dotfiles that
are not profiles (tool configurations) are only counted among the skipped.

Two things a unit directory such as /etc/systemd/system holds are not
configuration to lint, and are only counted among the skipped when walked:
the entries of ``*.wants/``, ``*.requires/`` and ``*.upholds/`` directories,
which systemd reads for their names only (dependencies, systemd.unit(5); the
link usually points at a vendor unit elsewhere, which would otherwise be
linted under the link's path), and a unit masked by a symlink to /dev/null.

A file's kind comes from its name first, then its content:

* ``*.yaml`` / ``*.yml`` with a top-level ``oomcfg:`` key: a profile (a file
  named explicitly is always treated as one, so its errors show);
* ``NAME.TYPE`` with a systemd unit type suffix: a unit file;
* ``*.conf`` inside ``UNIT.d/`` (or ``TYPE.d/``, ``prefix-.TYPE.d/``): a drop-in;
* ``*.conf`` inside ``sysctl.d/``, or named ``sysctl.conf``: a sysctl file;
* any other ``*.conf`` whose lines look like ``key = value``: a sysctl file.

Everything else is skipped with a reason.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from oomcfg.unitfile import UNIT_TYPES

Kind = Literal["profile", "unit", "dropin", "sysctl"]
_PROFILE_KEY = re.compile(rb"^oomcfg\s*:", re.MULTILINE)
_SYSCTL_LINE = re.compile(rb"-?[A-Za-z0-9_*/.\[\]?-]+\s*=.*")
_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Found:
    """A file to lint and its kind."""

    path: Path
    kind: Kind


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path not linted, and why (shown to the user)."""

    path: Path
    reason: str
    quiet: bool = False  # an unrelated file met in a directory walk: counted, not listed


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A path that could not be read at all (exit code 3)."""

    path: Path
    reason: str


Item = Found | Skipped | Unreadable


def discover(paths: list[Path]) -> Iterator[Item]:
    """Classify every file under ``paths`` once; explicit files keep their given spelling.

    A file named on the command line is classified as named (an explicit YAML
    is a profile) even when a directory argument reaches it too; a file reached
    twice (two overlapping arguments, a symlink) is linted once.
    """
    kinds = {path: _named_kind(path) for path in paths}
    seen = _Seen(files={ident for p in paths if kinds[p] == "file" and (ident := _ident(p))})
    for path in paths:
        kind = kinds[path]
        if kind == "dir":
            yield from _walk(path, seen)
        elif kind == "file":
            if seen.first_explicit(path):
                yield _classify(path, explicit=True)
        else:
            yield Unreadable(path, kind)


@dataclass(slots=True)
class _Seen:
    """(device, inode) of the directories walked and the files already classified."""

    files: set[tuple[int, int]]
    dirs: set[tuple[int, int]] = field(default_factory=set)
    explicit_done: set[tuple[int, int]] = field(default_factory=set)

    def first_explicit(self, path: Path) -> bool:
        """True the first time an explicitly named file comes up."""
        ident = _ident(path)
        if ident is None:
            return True  # vanished meanwhile: classifying it reports that
        if ident in self.explicit_done:
            return False
        self.explicit_done.add(ident)
        return True

    def first_walked(self, path: Path) -> bool:
        """True for a walked file not named explicitly and not met before."""
        ident = _ident(path)
        if ident is None:
            return True
        if ident in self.files:
            return False
        self.files.add(ident)
        return True


def _ident(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


def _named_kind(path: Path) -> str:
    """``"dir"``, ``"file"``, or why a named path cannot be linted.

    One ``stat``/``lstat`` each, every error caught: ``Path.is_file`` raises for
    ENAMETOOLONG or EACCES instead of answering (an exit 70 for a typo'd path).
    """
    try:
        mode = path.stat().st_mode
    except OSError as err:
        return _why_unstattable(path, err)
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    # a FIFO or device would block or never end: never open one
    return "not a regular file" + (f" (symlink to {_link(path)})" if path.is_symlink() else "")


def _why_unstattable(path: Path, err: OSError) -> str:
    """The reason ``stat`` failed, in words: a loop, a dangling link, or the OS's reason."""
    if err.errno == errno.ELOOP:
        return "symlink loop"
    if err.errno == errno.ENOENT and _is_link(path):
        return f"dangling symlink (to {_link(path)})"
    if err.errno == errno.ENOENT:
        return "no such file or directory"
    if err.errno == errno.ENOTDIR:
        return "no such file or directory (a component of the path is not a directory)"
    return (err.strerror or str(err)).lower()


def _is_link(path: Path) -> bool:
    try:
        return stat.S_ISLNK(path.lstat().st_mode)
    except OSError:
        return False


def _link(path: Path) -> str:
    try:
        return str(path.readlink())
    except OSError as err:
        return f"unreadable link: {err.strerror}"


#: Directories whose entries systemd reads for their names only: dependencies
#: (systemd.unit(5), "Wants=", "Requires=", "Upholds="), never unit definitions.
DEPENDENCY_DIRS = (".wants", ".requires", ".upholds")


def _walk(top: Path, seen: _Seen) -> Iterator[Item]:
    """Depth-first, sorted (stable output), each real directory once."""
    try:
        stat = top.stat()
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError as err:
        yield Unreadable(top, err.strerror or str(err))
        return
    if (stat.st_dev, stat.st_ino) in seen.dirs:
        yield Skipped(top, "directory already visited (named twice, or a symlink loop)")
        return
    seen.dirs.add((stat.st_dev, stat.st_ino))
    if top.name.endswith(DEPENDENCY_DIRS):
        for entry in entries:
            yield Skipped(Path(entry.path), f"a dependency of the unit, in {top.name}/ (systemd "
                          "reads the name only)", quiet=True)
        return
    for entry in entries:
        yield from _entry(Path(entry.path), entry, seen)


def _masks(entry: os.DirEntry[str]) -> bool:
    """Whether ``entry`` is a symlink to /dev/null: a masked unit (systemd.unit(5))."""
    try:
        return entry.is_symlink() and os.path.realpath(entry.path) == os.devnull
    except OSError:
        return False


def _entry(path: Path, entry: os.DirEntry[str], seen: _Seen) -> Iterator[Item]:
    try:
        is_dir = entry.is_dir()
        is_file = entry.is_file()
    except OSError as err:
        yield Unreadable(path, err.strerror or str(err))
        return
    if is_dir:
        if not entry.name.startswith("."):
            yield from _walk(path, seen)
    elif is_file:
        if seen.first_walked(path):
            yield _classify(path, explicit=False)
    elif _masks(entry):
        yield Skipped(path, "masked (a symlink to /dev/null)", quiet=True)
    elif entry.is_symlink():
        yield Skipped(path, "dangling symlink")
    else:
        yield Skipped(path, "not a regular file (FIFO, socket or device)")


_UNKNOWN = "not a profile, unit file, drop-in or sysctl file"


def _classify(path: Path, *, explicit: bool) -> Item:
    """Name first, then a peek at the content."""
    name, parent = path.name, path.parent.name
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    if suffix in ("yaml", "yml"):
        return _profile_or_skip(path, explicit)
    if suffix in UNIT_TYPES:
        return Found(path, "unit")
    if suffix == "conf":
        return _conf_kind(path, parent)
    return Skipped(path, _UNKNOWN, quiet=not explicit)


def _profile_or_skip(path: Path, explicit: bool) -> Item:
    if explicit:
        return Found(path, "profile")
    head = _head(path)
    if isinstance(head, Unreadable):
        return head
    if _PROFILE_KEY.search(head):
        return Found(path, "profile")
    # a dotfile (.oomcfg-lint.yaml, .pre-commit-config.yaml) is a tool's configuration:
    # counted, not named on every run
    quiet = path.name.startswith(".")
    return Skipped(path, "YAML without a top-level 'oomcfg:' key (not a profile)", quiet=quiet)


def _conf_kind(path: Path, parent: str) -> Item:
    if parent.endswith(".d") and parent[:-2].rsplit(".", 1)[-1] in UNIT_TYPES:
        return Found(path, "dropin")
    if parent == "sysctl.d" or path.name == "sysctl.conf":
        return Found(path, "sysctl")
    head = _head(path)
    if isinstance(head, Unreadable):
        return head
    if _looks_like_sysctl(head):
        return Found(path, "sysctl")
    return Skipped(path, ".conf file that is neither a unit drop-in nor sysctl settings")


def _looks_like_sysctl(head: bytes) -> bool:
    lines = [ln.strip() for ln in head.splitlines()]
    body = [ln for ln in lines if ln and not ln.startswith((b"#", b";"))]
    return bool(body) and all(_SYSCTL_LINE.fullmatch(ln) for ln in body[:50])


def _head(path: Path) -> bytes | Unreadable:
    try:
        with path.open("rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except OSError as err:
        return Unreadable(path, err.strerror or str(err))
