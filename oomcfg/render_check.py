"""Re-parse what render produced and prove it says exactly what was intended.

Defence in depth (bad-inputs.md, "Rendered systemd files"): the loader already
refuses newlines, control characters and trailing backslashes in values, but a
drop-in is root's configuration, so render checks its own output too. Each
rendered file is read back the way its consumer reads it and compared with
the intended ``(section, key, value)`` list; any difference is a bug in
oomcfg, raised as :class:`RenderInvariantError` (exit 70), never written.

The scan is deliberately cheap: it runs for each of 10,000 drop-ins inside
``render`` (P4). It is not a general unit-file parser (that is
:func:`oomcfg.unitfile.parse_unit_text`, three times slower): it accepts only
the strict subset render emits (no continuation lines, no control
characters, whole-line comments, ``[Section]`` and ``Key=Value`` lines) and
raises on anything else, and on that subset every reader, systemd's
config_parse() included, sees the same assignments. The tests cross-check it
against ``parse_unit_text`` on every rendered preset.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from oomcfg.sysctls import KEY_PATTERN, VALUE_PATTERN

#: Any C0 control character but the newline, or DEL.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class RenderInvariantError(RuntimeError):
    """A rendered file is not what was intended: a bug in oomcfg, never bad input."""


def _scan(text: str, path: str, line_re: re.Pattern[str]) -> list[tuple[str, str, str]]:
    """Match every line of ``text`` against ``line_re``; refuse anything outside the grammar.

    systemd.syntax(7): a line ending in ``\\`` is joined with the next one, so
    such a line (even a comment) could swallow the setting after it; a control
    character inside a line is never something render meant to write. The
    grammar excludes both, so one ``findall`` checks and parses at once: each
    line gives exactly one match, and a line that does not match leaves the
    count short.
    """
    lines = text.count("\n")
    if not text.endswith("\n"):
        raise RenderInvariantError(f"{path}: does not end with a newline")
    found: list[tuple[str, str, str]] = line_re.findall(text, 0, len(text) - 1)
    if len(found) != lines or _CONTROL.search(text) is not None:
        raise RenderInvariantError(f"{path}: a line is outside the grammar render emits:\n{text}")
    return found


#: One line of a rendered unit file: blank, whole-line comment, ``[Section]`` or
#: ``Key=Value``; no leading blanks, no trailing backslash (checked by the count).
_UNIT_LINE = re.compile(
    r"^(?:[#;][^\n]*[^\\\n]|[#;]|\[([A-Za-z]+)\]|([A-Za-z][A-Za-z0-9]*)=([^\n]*[^\\\n])|)$",
    re.MULTILINE,
)


def unit_assignments(text: str, path: str) -> list[tuple[str, str, str]]:
    """``(section, key, value)`` in file order, as systemd's config_parse() reads them."""
    return [line for line in _unit_lines(text, path) if line[1]]


def _unit_lines(text: str, path: str) -> list[tuple[str, str, str]]:
    """Assignments and section headers (as ``(section, "", "")``) in file order."""
    found: list[tuple[str, str, str]] = []
    section = ""
    for header, key, value in _scan(text, path, _UNIT_LINE):
        if header:
            section = header
            found.append((section, "", ""))  # a section header, even an empty one, is visible
        elif key:
            if not section:
                raise RenderInvariantError(f"{path}: {key}= outside any section")
            found.append((section, key, value))
    return found


_BLANK = ("", "", "")

#: Drop-in bodies (the ``[Section]`` line to the end) already re-parsed and found
#: to assign exactly their entries: ``(section, entries) -> body``. See
#: :func:`check_unit_text`.
VerifiedBodies = dict[tuple[str, tuple[tuple[str, str], ...]], str]


def check_unit_text(
    text: str, path: str, section: str, entries: Sequence[tuple[str, str]],
    verified: VerifiedBodies | None = None,
) -> None:
    """Raise unless ``text`` assigns exactly ``entries`` in ``[section]``, nothing else.

    Compares the raw line matches (header, key, value) with the intended ones,
    comments and blank lines dropped: the same result as :func:`unit_assignments`
    for one section, without a Python-level loop per line (P4).

    ``verified`` memoizes the parse of the body. The grammar is line by line, so
    a text whose head (every line before the first ``[section]`` line) is only
    comments, and whose body is byte for byte a body already re-parsed for the
    same entries, parses to exactly those entries. The head's test is a few
    C-level counts; a fleet's 10,000 drop-ins share a few hundred bodies, and
    the regex scan of every comment line was half of rendering one (P4).
    """
    if verified is not None:
        key = (section, tuple(entries))
        body = verified.get(key)
        if body is not None and _comment_head(text, body):
            return
    found = [m for m in _scan(text, path, _UNIT_LINE) if m != _BLANK]
    intended = [(section, "", ""), *(("", key, value) for key, value in entries)]
    if found != intended:
        raise RenderInvariantError(f"{path}: rendered {found!r}, intended {intended!r}")
    if verified is not None:
        start = text.find(f"\n[{section}]\n") + 1
        if start:
            verified.setdefault(key, text[start:])


def _comment_head(text: str, body: str) -> bool:
    """Whether ``text`` is comment lines followed by exactly ``body``.

    A comment line starts with ``#`` (systemd.syntax(7)) and must not end in a
    backslash or hold a control character; every line start but the first
    follows a newline, hence the counts. Header text is ASCII (names are
    JSON-quoted), where "printable" means exactly "no control character". False
    means "not proven": the caller then scans every line.
    """
    head = text[: len(text) - len(body)]
    return (
        text.endswith(body)
        and head.startswith("#")
        and head.endswith("\n")
        and head.count("\n#") == head.count("\n") - 1
        and "\\\n" not in head
        and head.isascii()  # then only C0 controls and DEL are not printable
        and head.replace("\n", " ").isprintable()  # str.isprintable: no regex, half the cost
    )


#: One line of a rendered sysctl.d file: blank, comment, or ``[-]key = value``
#: (sysctl.d(5)), with the key and value grammar the loader enforces. A value
#: is one word or several joined by single spaces (``4096 87380 6291456``):
#: the canonical form, so a doubled or trailing blank, a tab or a stray
#: ``#`` in a rendered value is a bug caught here, not a quirk passed on.
_SYSCTL_LINE = re.compile(
    rf"^(?:[#;][^\n]*[^\\\n]|[#;]|(-?)({KEY_PATTERN}) = ({VALUE_PATTERN})|)$",
    re.MULTILINE,
)


def sysctl_assignments(text: str, path: str) -> list[tuple[str, str, str]]:
    """``(prefix, key, value)`` in file order, as sysctl.d(5) reads them."""
    return [line for line in _scan(text, path, _SYSCTL_LINE) if line[1]]


def check_sysctl_text(
    text: str, path: str, settings: Sequence[tuple[str, str, str]]
) -> None:
    """Raise unless ``text`` sets exactly ``settings`` (prefix, key, value), in order."""
    found = sysctl_assignments(text, path)
    if found != list(settings):
        raise RenderInvariantError(f"{path}: rendered {found!r}, intended {list(settings)!r}")
