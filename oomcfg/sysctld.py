"""sysctl.d(5) files: a pure parser, the file order, and the winning values.

Lint checks hand-written sysctl.d files with the same rules as profiles, and
validate names the file that overrides oomcfg's ``90-oomcfg.conf``; both need
to read these files exactly as the tools that apply them do:

* ``key = value``; blanks around both are stripped; ``/`` and ``.`` are
  interchangeable separators (``vm/panic_on_oom`` is ``vm.panic_on_oom``; when
  the first separator is ``/`` the two are swapped, so an interface name with
  a dot survives: ``net/ipv4/conf/eth0.100/rp_filter``);
* a value may hold several words (``net.ipv4.tcp_rmem = 4096 87380 6291456``),
  kept as written, inner tabs included; :func:`same_value` compares one with
  what the kernel prints;
* ``-key = value``: a failure to write the key is ignored;
* ``-key`` alone (no ``=``): exclude the key from an earlier glob (systemd);
* whole-line comments start with ``#`` or ``;``. There are no trailing
  comments: ``vm.swappiness = 10 # low`` writes ``10 # low`` (and fails);
* globs (``*``, ``?``, ``[``) in a key apply to every matching key.

Parsing never raises: each bad line becomes a :class:`Diagnostic`.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import NamedTuple

from oomcfg.diagnostics import Diagnostic, Position, Severity
from oomcfg.lazyre import LazyPattern
from oomcfg.linediag import add_problem, capped

#: Directories in priority order (sysctl.d(5)); a same-named file in an earlier
#: one masks the later ones.
SYSCTL_DIRS = (
    "etc/sysctl.d",
    "run/sysctl.d",
    "usr/local/lib/sysctl.d",
    "usr/lib/sysctl.d",
    "lib/sysctl.d",
)
#: Read last by procps ``sysctl --system`` only; systemd-sysctl ignores it.
ETC_SYSCTL_CONF = "etc/sysctl.conf"

SYNTAX_CODES = {
    "no_equals": ("OC251", "sysctl-missing-equals"),
    "bad_key": ("OC252", "sysctl-invalid-key"),
    "comment": ("OC253", "sysctl-comment-in-value"),
    "utf8": ("OC254", "sysctl-invalid-utf8"),
    "control": ("OC255", "sysctl-control-character"),
    "empty": ("OC256", "sysctl-empty-value"),
}
_add = partial(add_problem, codes=SYNTAX_CODES)
GLOB_CHARS = frozenset("*?[")
_SURROGATE = LazyPattern("[\udc80-\udcff]")  # compiled for a non-ASCII line only
_KEY_COMPONENT = re.compile(r"[A-Za-z0-9_\-:+@*?\[\]!/]+")  # "/" only inside a swapped name
_TRAILING_COMMENT = re.compile(r"\s[#;]")
_SWAP = str.maketrans("/.", "./")
_INTEGER = LazyPattern(r"-?[0-9]+")


class SysctlEntry(NamedTuple):
    """One assignment; ``key`` is normalised to the dotted form (``vm.panic_on_oom``)."""

    key: str
    value: str
    ignore_failure: bool
    path: str
    line: int
    col: int

    @property
    def is_glob(self) -> bool:
        """True when the key is a pattern applied to every matching key."""
        return any(c in GLOB_CHARS for c in self.key)


def normalize_key(key: str) -> str:
    """Dotted form of a key: swap ``/`` and ``.`` when ``/`` is the first separator.

    Same rule as systemd's ``sysctl_normalize()`` (src/shared/sysctl-util.c),
    read the other way round: a leading ``/`` is dropped first.
    """
    key = key.lstrip("/")
    first = re.search(r"[/.]", key)
    if first is None or first.group() == ".":
        return key
    return key.translate(_SWAP)


def parse_sysctl_text(text: str, path: str) -> tuple[list[SysctlEntry], list[Diagnostic]]:
    """Parse one sysctl.d file; returns its assignments and every problem found."""
    entries: list[SysctlEntry] = []
    diags: list[Diagnostic] = []
    for lineno, raw in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        entry = _parse_line(raw.removesuffix("\r"), Position(path, lineno), diags)
        if entry is not None:
            entries.append(entry)
    return entries, capped(diags, path, SYNTAX_CODES["control"], "sysctl file")


def _parse_line(raw: str, where: Position, diags: list[Diagnostic]) -> SysctlEntry | None:
    stripped = raw.strip()
    if not stripped or stripped[0] in "#;":
        return None
    pos = Position(where.path, where.line, len(raw) - len(raw.lstrip()) + 1)
    if not _clean(stripped, raw, pos, diags):
        return None
    key_text, sep, value = stripped.partition("=")
    ignore = key_text.startswith("-")
    if not sep:
        if not ignore:  # "-key" alone excludes the key from a glob (systemd-sysctl)
            _add(diags, "no_equals", pos, f"line is not an assignment: {stripped[:40]!r}")
        return None
    key = normalize_key(key_text.removeprefix("-").strip())
    value = value.strip()
    if not _check_key(key, pos, diags):
        return None
    _check_value(key, value, pos, diags)
    return SysctlEntry(key, value, ignore, pos.path, pos.line, pos.col)


def _clean(stripped: str, raw: str, pos: Position, diags: list[Diagnostic]) -> bool:
    """Reject lines with undecodable bytes or control characters (binary junk)."""
    if not stripped.isascii() and _SURROGATE.search(stripped):
        _add(diags, "utf8", pos, "line is not valid UTF-8")
        return False
    bad = next((c for c in stripped if ord(c) < 32 and c != "\t"), None)
    if bad is not None:
        col = Position(pos.path, pos.line, raw.index(bad) + 1)
        _add(diags, "control", col, f"control character {bad!r} in line (binary data?)")
        return False
    return True


def _check_key(key: str, pos: Position, diags: list[Diagnostic]) -> bool:
    """A key is dot-separated non-empty components without blanks; no ``..`` (path escape)."""
    parts = key.split(".")
    if key and all(_KEY_COMPONENT.fullmatch(p) for p in parts) and ".." not in key:
        return True
    _add(
        diags, "bad_key", pos,
        f"invalid sysctl key {key!r}: use dot-separated names such as vm.panic_on_oom "
        "(no empty components, '..', blanks or a leading '/')",
    )  # fmt: skip
    return False


def _check_value(key: str, value: str, pos: Position, diags: list[Diagnostic]) -> None:
    if not value:
        _add(diags, "empty", pos, f"{key} has an empty value", Severity.WARNING)
    elif value[0] in "#;" or _TRAILING_COMMENT.search(value):
        _add(
            diags, "comment", pos,
            f"{key} = {value!r}: a trailing comment is part of the value in sysctl.d(5); "
            "put comments on their own line",
        )  # fmt: skip


def same_value(live: str, wanted: str) -> bool:
    """Whether the kernel's value ``live`` is what writing ``wanted`` leaves in place.

    Word by word: the kernel prints an integer list separated by tabs where
    sysctl.d has spaces (kernel/sysctl.c, ``__do_proc_dointvec`` puts ``'\\t'``
    between values). A shorter list of integers also matches the start of a
    longer one: a write sets the values it gives and leaves the rest as they
    were (the same loop stops at the last value), so ``vm.lowmem_reserve_ratio
    = 256 256 32`` is in place on a kernel with five zones. Only integers: a
    string sysctl (``kernel.core_pattern``) is replaced whole.
    """
    have, want = live.split(), wanted.split()
    return have == want or (
        0 < len(want) < len(have)
        and have[: len(want)] == want
        and all(_INTEGER.fullmatch(word) for word in have)
    )


def spaced(value: str) -> str:
    """A value as a profile writes it: words joined by single spaces (tabs from /proc gone)."""
    return " ".join(value.split())


#: Lists the ``*.conf`` file names in a directory; None when it is not one.
ConfLister = Callable[[Path], list[str] | None]


def list_conf_names(directory: Path) -> list[str] | None:
    """Read-only listing of ``*.conf`` names (the only filesystem access here)."""
    try:
        with os.scandir(directory) as it:
            return [e.name for e in it if e.name.endswith(".conf") and not e.is_dir()]
    except OSError:
        return None


def sysctl_config_files(
    root: Path | str = "/",
    *,
    include_sysctl_conf: bool = False,
    lister: ConfLister = list_conf_names,
) -> list[Path]:
    """The files applied at boot, in order: sorted by basename, /etc masking the rest.

    ``include_sysctl_conf`` appends /etc/sysctl.conf as procps ``sysctl
    --system`` does (systemd-sysctl ignores that file; sysctl.d(5)), when
    the lister finds it in /etc.
    """
    base = Path(root)
    chosen: dict[str, Path] = {}
    for rel in SYSCTL_DIRS:
        for name in lister(base / rel) or ():
            chosen.setdefault(name, base / rel / name)
    files = [chosen[name] for name in sorted(chosen)]
    if include_sysctl_conf and "sysctl.conf" in (lister(base / "etc") or ()):
        files.append(base / ETC_SYSCTL_CONF)
    return files


def winning_entries(
    files_parsed: Iterable[Sequence[SysctlEntry]] | Mapping[str, Sequence[SysctlEntry]],
) -> dict[str, SysctlEntry]:
    """Key -> the assignment that ends up applied: the last one, files in apply order.

    Glob keys are kept under their pattern: which concrete keys they reach
    depends on the running kernel, not on the files.
    """
    groups = files_parsed.values() if isinstance(files_parsed, Mapping) else files_parsed
    winners: dict[str, SysctlEntry] = {}
    for entries in groups:
        for entry in entries:
            winners[entry.key] = entry
    return winners
