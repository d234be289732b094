"""The sysctl keys oomcfg knows, with their types, ranges and meaning.

Ranges come from the kernel's own handlers (Documentation/admin-guide/sysctl/vm.rst,
kernel.rst, and the ``extra1``/``extra2`` bounds in mm/ and kernel/ sysctl tables);
where the kernel accepts more than makes sense (``oom_kill_allocating_task`` is
"0 or non-zero") oomcfg asks for the canonical values. Unknown keys are only
accepted as explicit pass-through (see :mod:`oomcfg.sysctl_spec`), because a
typo'd key in a sysctl.d file is silently ignored by systemd-sysctl.

A pass-through value is one or more words (``net.ipv4.tcp_rmem = 4096 87380
6291456``); the word grammar here is shared by the loader, its JSON Schema and
render's re-check of the written file, so the three cannot disagree.
"""

# No ``from __future__ import annotations``: typing turns every string field
# annotation of a named tuple into a compiled ForwardRef at each start-up
# (tests/test_import_cost.py).
import re
from collections.abc import Mapping
from typing import NamedTuple

from oomcfg.lazyre import LazyPattern

INT_MAX = (1 << 31) - 1  # C int, proc_dointvec
INT_MIN = -(1 << 31)
ULONG_MAX = (1 << 64) - 1  # unsigned long on 64-bit, proc_doulongvec_minmax


class KnownSysctl(NamedTuple):
    """One key oomcfg types: an integer ``minimum..maximum`` and what it does."""

    key: str
    minimum: int
    maximum: int
    doc: str
    source: str


def _k(key: str, lo: int, hi: int, doc: str, source: str = "sysctl/vm.rst") -> KnownSysctl:
    return KnownSysctl(key, lo, hi, doc, "Documentation/admin-guide/" + source)


KNOWN: Mapping[str, KnownSysctl] = {
    s.key: s
    for s in (
        _k("vm.panic_on_oom", 0, 2, "0 run the OOM killer; 1 panic unless the OOM is "
           "cpuset/mempolicy/memcg-constrained; 2 always panic, even for a memcg OOM"),
        _k("kernel.panic", INT_MIN, INT_MAX, "seconds to wait before rebooting after a panic; "
           "0 hangs forever, negative reboots at once", "sysctl/kernel.rst"),
        _k("kernel.panic_on_oops", 0, 1, "1 turns an oops into a panic", "sysctl/kernel.rst"),
        _k("vm.oom_kill_allocating_task", 0, 1, "1 kills the task that triggered the OOM "
           "instead of scanning for the worst one (oom_score_adj is then ignored for it)"),
        _k("vm.oom_dump_tasks", 0, 1, "1 (the default) logs the task list on every OOM kill"),
        _k("vm.overcommit_memory", 0, 2, "0 heuristic overcommit, 1 always overcommit, "
           "2 never (CommitLimit)"),
        _k("vm.overcommit_ratio", 0, INT_MAX, "mode 2: percent of RAM (minus hugetlb) in "
           "CommitLimit; may exceed 100; writing it zeroes overcommit_kbytes"),
        _k("vm.overcommit_kbytes", 0, ULONG_MAX, "mode 2: CommitLimit in kB instead of the "
           "ratio; writing it zeroes overcommit_ratio"),
        _k("vm.admin_reserve_kbytes", 0, ULONG_MAX, "kB kept free for root to log in and "
           "recover in mode 2"),
        _k("vm.user_reserve_kbytes", 0, ULONG_MAX, "mode 2: kB kept back from a single "
           "user's largest process"),
        # vm.rst: "if you set this to lower than 1024KB, your system will become
        # subtly broken, and prone to deadlock under high loads".
        _k("vm.min_free_kbytes", 1024, INT_MAX, "kB the VM keeps free; below 1024 is broken, "
           "too high OOMs the machine at once"),
        _k("vm.swappiness", 0, 200, "0..200 (kernel >= 5.8): how eagerly anonymous memory "
           "is swapped relative to page cache"),
        _k("vm.watermark_scale_factor", 1, 3000, "kswapd aggressiveness in units of 0.01% "
           "of memory (default 10)"),
    )
}

#: sysctl.d(5) lets '/' separate components and '*' glob; oomcfg accepts only
#: dotted names (rendered as written) so a key can never leave /proc/sys or fan out.
#: Components allow '-' and upper case after the first character for interface
#: names such as net.ipv4.conf.enp0s3.rp_filter.
_COMPONENT = r"[A-Za-z0-9_][A-Za-z0-9_-]*"
KEY_RE = re.compile(rf"{_COMPONENT}(?:\.{_COMPONENT})+")
KEY_PATTERN = KEY_RE.pattern
MAX_KEY_LEN = 255

#: One word of a pass-through value: printable ASCII except '#', ';' and '\\'.
#: sysctl.d(5) has no quoting or escapes: a value is the rest of the line, so
#: '#'/';' there stay part of the value (a comment only at the start of a line)
#: and a backslash means one thing to a reader and another to a shell or an
#: older tool. ASCII only: blanks other than the space (tab, NBSP, U+2028...)
#: and invisible or look-alike characters would pass a review unseen.
#: The class is '!'..'~' without 0x23 '#', 0x3b ';' and 0x5c '\\'.
WORD_PATTERN = r'[!"$-:<-\[\]-~]+'
PASSTHROUGH_RE = LazyPattern(WORD_PATTERN)
PASSTHROUGH_PATTERN = WORD_PATTERN
#: A multi-value sysctl as rendered: words separated by single spaces, the
#: canonical form of ``net.ipv4.tcp_rmem = 4096 87380 6291456``. The kernel
#: splits integer vectors on any blank (proc_dointvec, kernel/sysctl.c) and
#: prints them back separated by tabs.
VALUE_PATTERN = rf"{WORD_PATTERN}(?: {WORD_PATTERN})*"
#: The kernel reads at most PAGE_SIZE - 1 bytes of an integer vector
#: (``__do_proc_dointvec``: "if (left > PAGE_SIZE - 1) left = PAGE_SIZE - 1"),
#: silently dropping the rest; 4 KiB pages are the smallest Linux has.
MAX_VALUE_LEN = 4095


def key_error(key: str) -> tuple[str, str] | None:
    """Why ``key`` is not an acceptable sysctl name, as (message, hint), or None."""
    if key.startswith("-"):
        return (f"sysctl key {key!r} starts with '-'",
                f"write the key as {key[1:]!r} with {{value: ..., ignore_missing: true}}")
    if any(c in key for c in "*?[]"):
        return (f"sysctl key {key!r} contains a glob", "name each key exactly; globs fan out")
    if len(key) > MAX_KEY_LEN or not KEY_RE.fullmatch(key):
        return (f"invalid sysctl key {key!r}", _grammar_hint(key))
    return None


def _grammar_hint(key: str) -> str:
    if key.startswith("/") or "/" in key:
        return "write dotted names such as 'vm.panic_on_oom', not paths"
    if ".." in key or key.startswith(".") or key.endswith("."):
        return "components must not be empty"
    if "." not in key:
        return "write flat dotted keys such as 'vm.panic_on_oom' (not nested mappings)"
    return "components are letters, digits, '_' and '-', separated by single dots"


#: What a pass-through value may be; every OC054 message ends with it.
VALUE_FORM = (
    "allowed: a plain decimal integer, or words of printable ASCII without '#', ';' or "
    "'\\' separated by spaces ('4096 87380 6291456'), or a list of them "
    "([4096, 87380, 6291456])"
)


def split_words(text: str) -> list[str]:
    """The words of a pass-through string: split on spaces only, runs of them allowed.

    Only U+0020 separates: a tab or an exotic blank is reported by
    :func:`word_problem` instead of being silently turned into a space.
    """
    return [word for word in text.split(" ") if word]


def word_problem(word: str) -> str | None:
    """Why ``word`` cannot be one word of a sysctl.d value, or None when it can.

    Names the first offending character, so that a value pasted from a web
    page with a non-breaking space or a trailing comment says what to delete.
    """
    if PASSTHROUGH_RE.fullmatch(word):
        return None
    bad = next((c for c in word if not PASSTHROUGH_RE.fullmatch(c)), None)
    if bad is None:
        return "an empty word is not a value"
    if bad in "#;":
        return (f"{bad!r} would be written into the value: sysctl.d(5) has comments only "
                "at the start of a line")
    if bad == "\\":
        return "a backslash is an escape or a line continuation to some readers"
    if bad == " ":
        return "one item holds several words: write one word per list item"
    return f"{_describe(bad)} (U+{ord(bad):04X}) is not allowed"


_NAMED = {"\t": "a tab", "\n": "a line break", "\r": "a carriage return"}


def _describe(char: str) -> str:
    """How to call a character outside printable ASCII in a message."""
    if char in _NAMED:
        return _NAMED[char]
    if ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F:
        return "a control character"
    if char.isspace():
        return "a blank other than the space"
    return "a character outside printable ASCII"
