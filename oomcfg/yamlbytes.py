"""Byte-level checks of a profile, before any YAML is parsed: encoding and characters.

bad-inputs.md ("YAML"): strict UTF-8, no byte order mark, no NUL or other
control character. Each problem is a diagnostic at its line and column
(counted in characters, with libyaml's line breaks), at most
:data:`~oomcfg.yamlcodes.MAX_BYTE_FINDINGS` per code so a binary file does not
flood the terminal. :func:`read_regular` is the one place a profile file is
opened: it never opens a FIFO or device for reading. Split out of
:mod:`oomcfg.yamlload`, which runs these checks first.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
from pathlib import Path

from oomcfg.diagnostics import Diagnostic, Position
from oomcfg.lazyre import LazyPattern
from oomcfg.yamlcodes import MAX_BYTE_FINDINGS, MAX_BYTES, diag

# Character classes beyond Latin-1 cost ~0.3-0.5 ms each to compile (re builds a
# table for them): compiled only for a finding, or for a text that is not ASCII.
_LINE_BREAK = LazyPattern("\r\n|[\r\n\x85\u2028\u2029]")
_BAD_BYTES = LazyPattern("[\udc80-\udcff]+")
# YAML 1.2.2 section 5.1: printable characters are tab, LF, CR, NEL and the
# rest outside C0/C1, DEL and U+FFFE/U+FFFF.
_CONTROL = LazyPattern("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
#: :data:`_CONTROL` restricted to ASCII: the same matches in an ASCII text.
_ASCII_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _positions(path: str, text: str, indexes: list[int]) -> list[Position]:
    """1-based line and column (in characters) of each ascending index into ``text``.

    Line breaks are libyaml's (YAML 1.1 section 5.4): CRLF, CR, LF, NEL, LS, PS;
    one pass over the text however many findings there are.
    """
    positions: list[Position] = []
    if not indexes:
        return positions  # the common case: nothing found, no line breaks to count
    breaks = _LINE_BREAK.finditer(text)
    line, line_start, pending = 1, 0, next(breaks, None)
    for index in indexes:
        while pending is not None and pending.end() <= index:
            line, line_start, pending = line + 1, pending.end(), next(breaks, None)
        positions.append(Position(path, line, index - line_start + 1))
    return positions


def _findings(
    pattern: re.Pattern[str] | LazyPattern, text: str, path: str, code: str, template: str, *,
    offset: int = 0,
) -> list[Diagnostic]:
    """One diagnostic per match, at most MAX_BYTE_FINDINGS (a binary file matches a lot).

    ``template`` is formatted with the code point of the match's first character
    minus ``offset``.
    """
    matches = list(itertools.islice(pattern.finditer(text), MAX_BYTE_FINDINGS))
    positions = _positions(path, text, [m.start() for m in matches])
    return [
        diag(code, template.format(ord(m.group()[0]) - offset), pos)
        for m, pos in zip(matches, positions, strict=True)
    ]


def decode(data: bytes, path: str, diags: list[Diagnostic]) -> tuple[str, bool]:
    """Strict UTF-8 decode: ``(text, True)``, or OC002 per run of bad bytes and False.

    The text is returned either way (a bad byte b as U+DC00 + b), so the
    other byte-level checks still run on it and report in the same run.
    """
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        text = data.decode("utf-8", "surrogateescape")
    template = "invalid UTF-8 byte 0x{:02x}"
    diags.extend(_findings(_BAD_BYTES, text, path, "OC002", template, offset=0xDC00))
    return text, False


def check_text(text: str, path: str, diags: list[Diagnostic]) -> bool:
    """OC002 for a byte order mark, OC003 for each control character; False if any OC003."""
    if text.startswith("\ufeff"):
        bom = "UTF-8 byte order mark at the start of the file"
        diags.append(diag("OC002", bom, Position(path, 1, 1)))
    template = "control character U+{:04X} is not allowed"
    pattern = _ASCII_CONTROL if text.isascii() else _CONTROL
    found = _findings(pattern, text, path, "OC003", template)
    diags.extend(found)
    return not found


#: What a non-regular file is called in OC013 (stat.S_IFMT -> name).
_FILE_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket",
               stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device"}


def read_regular(path: Path) -> bytes:
    """Up to ``MAX_BYTES + 1`` bytes of a regular file; OSError for anything else."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as stream:
        kind = stat.S_IFMT(os.fstat(fd).st_mode)
        if kind != stat.S_IFREG:
            raise OSError(f"not a regular file ({_FILE_KINDS.get(kind, 'special file')})")
        return stream.read(MAX_BYTES + 1)
