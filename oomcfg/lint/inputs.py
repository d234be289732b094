"""Read and parse the unit files, drop-ins and sysctl files found by discovery.

Each file is read once (size-capped), decoded without ever failing (bad bytes
are reported by the parsers per line), parsed once, and then grouped: a unit
with every drop-in that applies to it in systemd's order, and the sysctl files
in the order they are applied. Rules only ever see these parsed values.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from oomcfg.diagnostics import Diagnostic
from oomcfg.lint.rule import SysctlFile, UnitFile, UnitGroup
from oomcfg.model import DROPIN_NAME, MARKER
from oomcfg.sysctld import SYSCTL_DIRS, parse_sysctl_text
from oomcfg.unitfile import (
    SYSTEM_UNIT_PATH,
    UNIT_TYPES,
    decode_unit_bytes,
    dropin_dirs_for,
    parse_unit_text,
)

MAX_FILE_BYTES = 4 << 20  # far beyond any real unit or sysctl file


class ReadResult(NamedTuple):
    """A file's text, or why it could not be read."""

    text: str | None
    error: str = ""


def read_text(path: Path) -> ReadResult:
    """Read at most MAX_FILE_BYTES; undecodable bytes survive as surrogates."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        return ReadResult(None, err.strerror or str(err))
    if len(data) > MAX_FILE_BYTES:
        return ReadResult(None, f"larger than {MAX_FILE_BYTES} bytes: not a unit or sysctl file")
    return ReadResult(decode_unit_bytes(data))


def unit_file(path: Path, text: str, *, dropin: bool) -> UnitFile:
    """Parse a unit file or drop-in and note which unit it belongs to."""
    unit = path.parent.name[:-2] if dropin else path.name
    managed = dropin and (path.name == DROPIN_NAME or MARKER in text)
    return UnitFile(parse_unit_text(text, str(path)), unit, _type(unit), dropin, managed)


def sysctl_file(path: Path, text: str) -> tuple[SysctlFile, list[Diagnostic]]:
    """Parse a sysctl file; returns the file and its syntax diagnostics."""
    entries, diags = parse_sysctl_text(text, str(path))
    managed = path.name.endswith("-oomcfg.conf") or MARKER in text
    return SysctlFile(str(path), tuple(entries), managed), diags


def _type(unit: str) -> str:
    return unit.rsplit(".", 1)[-1]


def _priority(directory: Path, dirs: Sequence[str]) -> int:
    """Index of the search-path directory ``directory`` is (etc first); unknown ones last."""
    posix = "/" + directory.as_posix().strip("/")
    for index, rel in enumerate(dirs):
        if posix.endswith("/" + rel):
            return index
    return len(dirs)


def group_units(files: Iterable[UnitFile]) -> list[UnitGroup]:
    """Every unit (and template/prefix/type drop-in directory) with its fragments in order.

    A unit's fragments are its unit file (the highest-priority copy), then
    every drop-in from each directory :func:`dropin_dirs_for` names, sorted by
    file name; of two drop-ins with the same name, the one in the more
    specific directory, then the higher-priority search path, wins.
    """
    units: dict[str, list[UnitFile]] = {}
    dropins: dict[str, list[UnitFile]] = {}
    for f in files:
        (dropins if f.is_dropin else units).setdefault(f.unit, []).append(f)
    groups = []
    for name in sorted(units.keys() | dropins.keys()):
        copies = units.get(name, [])
        main = sorted(copies, key=lambda f: _priority(Path(f.path).parent, SYSTEM_UNIT_PATH))[:1]
        groups.append(UnitGroup(name, _type(name), (*main, *_ordered_dropins(name, dropins))))
    return groups


def _ordered_dropins(name: str, dropins: dict[str, list[UnitFile]]) -> list[UnitFile]:
    dirs = [d[:-2] for d in dropin_dirs_for(name)] if _type(name) in UNIT_TYPES else [name]
    # Same order as unitfile.find_dropins: type-wide dirs after all others, then the
    # search path (etc first), then the more specific directory.
    ranked: list[tuple[str, bool, int, int, UnitFile]] = []
    for specificity, dir_name in enumerate(dirs):
        for f in dropins.get(dir_name, ()):
            where = _priority(Path(f.path).parent.parent, SYSTEM_UNIT_PATH)
            ranked.append((Path(f.path).name, dir_name in UNIT_TYPES, where, specificity, f))
    ranked.sort(key=lambda r: r[:4])
    chosen: dict[str, UnitFile] = {}
    for base, _, _, _, f in ranked:
        chosen.setdefault(base, f)
    return list(chosen.values())


def order_sysctl(files: Iterable[SysctlFile]) -> list[SysctlFile]:
    """Apply order: by file name; one name in several sysctl.d dirs: /etc masks the rest.

    Files outside the standard directories (a repository's ``sysctl/``) never
    mask each other: only the tools' own search path has that rule.
    """
    chosen: dict[str, SysctlFile] = {}
    for f in sorted(files, key=_sysctl_rank):
        where = _priority(Path(f.path).parent, SYSCTL_DIRS)
        chosen.setdefault(Path(f.path).name if where < len(SYSCTL_DIRS) else f.path, f)
    return sorted(chosen.values(), key=_sysctl_rank)


def _sysctl_rank(f: SysctlFile) -> tuple[str, int, str]:
    return (Path(f.path).name, _priority(Path(f.path).parent, SYSCTL_DIRS), f.path)
