"""Re-parse what render produced and prove it says exactly what was intended.

Defence in depth (bad-inputs.md, "Rendered systemd files"): the loader already
refuses newlines, control characters and trailing backslashes in values, but a
drop-in is root's configuration, so render checks its own output too. Each
rendered file is read back the way its consumer reads it and compared with
the intended ``(section, key, value)`` list; any difference is a bug in
oomcfg, raised as :class:`RenderInvariantError` (exit 70), never written.

The scan is deliberately cheap (one ``split`` and a few string tests per
line): it runs for each of 10,000 drop-ins inside ``render`` (P4).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Any C0 control character or DEL. A newline only ever separates lines here.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RenderInvariantError(RuntimeError):
    """A rendered file is not what was intended: a bug in oomcfg, never bad input."""


def _lines(text: str, path: str) -> list[str]:
    """The file's lines, refusing control characters and continuation backslashes.

    systemd.syntax(7): a line ending in ``\\`` is joined with the next one, so
    such a line (even a comment) could swallow the setting after it.
    """
    if not text.endswith("\n"):
        raise RenderInvariantError(f"{path}: does not end with a newline")
    lines = text[:-1].split("\n")
    for number, line in enumerate(lines, 1):
        if _CONTROL.search(line):
            raise RenderInvariantError(f"{path}:{number}: control character in {line!r}")
        if line.endswith("\\"):
            raise RenderInvariantError(f"{path}:{number}: line ends in a backslash: {line!r}")
    return lines


def unit_assignments(text: str, path: str) -> list[tuple[str, str, str]]:
    """``(section, key, value)`` in file order, as systemd's config_parse() reads them.

    Blank lines and whole-line ``#``/``;`` comments are skipped; ``[Name]``
    starts a section; everything else must be ``Key=Value`` inside a section.
    """
    found: list[tuple[str, str, str]] = []
    section = ""
    for number, raw in enumerate(_lines(text, path), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, equals, value = line.partition("=")
        if not equals or not section:
            raise RenderInvariantError(f"{path}:{number}: not an assignment in a section: {raw!r}")
        found.append((section, key.strip(), value.strip()))
    return found


def check_unit_text(
    text: str, path: str, section: str, entries: Sequence[tuple[str, str]]
) -> None:
    """Raise unless ``text`` assigns exactly ``entries`` in ``[section]``, nothing else."""
    intended = [(section, key, value) for key, value in entries]
    found = unit_assignments(text, path)
    if found != intended:
        raise RenderInvariantError(f"{path}: rendered {found!r}, intended {intended!r}")


def sysctl_assignments(text: str, path: str) -> list[tuple[str, str, str]]:
    """``(prefix, key, value)`` in file order, as sysctl.d(5) reads them."""
    found: list[tuple[str, str, str]] = []
    for number, raw in enumerate(_lines(text, path), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        key, equals, value = line.partition("=")
        if not equals:
            raise RenderInvariantError(f"{path}:{number}: not a 'key = value' line: {raw!r}")
        key = key.strip()
        prefix = "-" if key.startswith("-") else ""
        found.append((prefix, key.removeprefix("-"), value.strip()))
    return found


def check_sysctl_text(
    text: str, path: str, settings: Sequence[tuple[str, str, str]]
) -> None:
    """Raise unless ``text`` sets exactly ``settings`` (prefix, key, value), in order."""
    found = sysctl_assignments(text, path)
    if found != list(settings):
        raise RenderInvariantError(f"{path}: rendered {found!r}, intended {list(settings)!r}")
