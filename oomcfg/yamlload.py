"""Strict, fast YAML reading: every profile goes through :func:`load_yaml`.

Why not ``yaml.safe_load``: PyYAML resolves scalars by YAML 1.1 (``no``, ``on``
and ``y`` become booleans, ``0644`` becomes 420, ``1:20`` becomes 80), keeps the
last of two duplicate keys silently and expands alias bombs; its pure-Python
loader hits ``RecursionError`` below 1000 levels. ruamel.yaml gets the 1.2
meanings right but is 6-10x slower on a 10,000-service profile (design notes,
performance.md). So we take only the *event stream* of libyaml's C parser
(``yaml._yaml.CParser``: iterative, keeps line/column, constructs nothing) and
build our own small tree of :class:`YScalar` / :class:`YSeq` / :class:`YMap`
with an explicit stack, the garbage collector paused. Plain scalars are
resolved by the YAML 1.2.2 *core* schema (section 10.3.2); quoted and block
scalars are always strings. We never compose PyYAML nodes: its composer calls
the 1.1 regex resolvers for every node (about 8x the cost of the events),
recurses in C without a depth check, and forgets anchors never aliased.
libyaml 0.2.6 (in PyYAML 6 wheels) stops at 1000 nested levels; we stop at
:data:`MAX_DEPTH`. Measured on a 10,000-service profile: about 0.3-0.6x the
time of ``yaml.load(data, Loader=yaml.CSafeLoader)`` and half its memory.

Every problem is a diagnostic ``path:line:col: error[CODE]: message (hint)``
with a code from :data:`CODES` (OC001-OC019 belong to this module).

What is returned: ``(None, diags)`` when the bytes or the syntax are bad (the
parser cannot go on) or the file has no document; otherwise the root node
*and* any OC005-OC012 diagnostics, so the schema layer can report its own
problems in the same run. Offending parts are left out of the tree: aliases,
too-deep collections, pairs with a non-scalar key, and the second of two
duplicate keys (the first wins, unlike PyYAML). Any error diagnostic means
the file is invalid.

Duplicate keys are compared as the *string the schema layer sees*: a str
key by its value, ``null``/``true``/``false`` by those words, numbers by their
decimal form. So ``1``, ``"1"`` and ``0x1`` collide, and so do ``null`` and
``"null"``; in a profile every key is a name, so two spellings of one name
are the same mistake.

A UTF-8 byte order mark is rejected (OC002) but parsing continues, so the
other problems of such a file still show. Line and column count characters
and libyaml's line breaks (CRLF, CR, LF, NEL, LS, PS) everywhere.

Layout: :mod:`oomcfg.yamlcodes` holds the codes and limits,
:mod:`oomcfg.yamlbytes` opens the file and checks encoding and characters,
:mod:`oomcfg.yamlcore` gives plain scalars their core-schema meaning,
:mod:`oomcfg.yamlnodes` defines the tree's node types,
:mod:`oomcfg.yamlfast` reads plain block-mapping files (most big profiles) a
line at a time, :mod:`oomcfg.yamlevents` builds the tree from libyaml's events
for every other file; this module is the public entry point.
"""

from __future__ import annotations

from pathlib import Path

from oomcfg.diagnostics import Diagnostic, Position
from oomcfg.gcpause import paused_gc
from oomcfg.yamlbytes import check_text, decode, read_regular
from oomcfg.yamlcodes import CODES, MAX_BYTES, MAX_DEPTH, diag
from oomcfg.yamlcore import resolve_plain
from oomcfg.yamlfast import scan
from oomcfg.yamlnodes import YMap, YNode, YScalar, YSeq

#: The public API; the codes, limits and :func:`resolve_plain` live in the
#: split-out modules (yamlcodes, yamlcore, yamlnodes) and are re-exported here.
__all__ = [
    "CODES", "MAX_BYTES", "MAX_DEPTH", "YMap", "YNode", "YScalar", "YSeq", "load_yaml",
    "load_yaml_file", "resolve_plain", "to_python",
]

def _parse(data: bytes, text: str, path: str, diags: list[Diagnostic]) -> YNode | None:
    """Build the tree with the garbage collector paused: the plain way, else from events.

    :func:`oomcfg.yamlfast.scan` reads a file made only of plain block
    mappings in about half the time; anything else (and anything that needs
    a diagnostic) goes to libyaml's events (:mod:`oomcfg.yamlevents`, and
    PyYAML, imported only then). The walk allocates hundreds of thousands of
    small objects, none of them garbage; the collector would scan them again
    and again (measured on a 10,000-service profile: 1.07 s with it running,
    0.73 s paused).
    """
    with paused_gc(freeze=False):  # the caller decides what outlives the load
        root = scan(text)
        if root is None:
            from oomcfg.yamlevents import parse_events  # noqa: PLC0415 - PyYAML only when needed

            root = parse_events(data, path, diags)
    return root


def load_yaml(data: bytes, path: str) -> tuple[YNode | None, list[Diagnostic]]:
    """Parse one profile's bytes strictly; never raises for bad input.

    ``path`` is what diagnostics show. See the module docstring for what is
    returned and the codes used; diagnostics come sorted by position.
    """
    if len(data) > MAX_BYTES:
        message = f"file is larger than {MAX_BYTES} bytes"
        return None, [diag("OC001", message, Position(path))]
    diags: list[Diagnostic] = []
    text, decoded = decode(data, path, diags)
    if not check_text(text, path, diags) or not decoded:
        diags.sort(key=Diagnostic.sort_key)
        return None, diags
    root = _parse(data, text, path, diags)
    if isinstance(root, YScalar) and root.value is None and not root.text and not root.quoted:
        root = None  # a lone '---' is an empty document, like an empty file
    diags.sort(key=Diagnostic.sort_key)
    return root, diags


def load_yaml_file(
    path: Path | str, display: str | None = None
) -> tuple[YNode | None, list[Diagnostic]]:
    """Read and parse a profile file; an unreadable file is OC013, not an exception.

    Only a regular file (after symlinks) is read: opening a FIFO for reading
    blocks until some writer appears, and a device never ends, so both are
    OC013 at once (the file is opened ``O_NONBLOCK`` and checked with fstat
    before any read). At most ``MAX_BYTES + 1`` bytes are read, so a huge
    file costs nothing before OC001.
    """
    shown = str(path) if display is None else display
    try:
        data = read_regular(Path(path))
    except OSError as error:
        reason = error.strerror or str(error)
        return None, [diag("OC013", f"cannot read file: {reason}", Position(shown))]
    return load_yaml(data, shown)


def to_python(node: YNode) -> object:
    """Plain dicts, lists and scalar values (for tests and JSON output).

    Recursion is safe: :data:`MAX_DEPTH` bounds every tree this module builds.
    """
    if isinstance(node, YScalar):
        return node.value
    if isinstance(node, YSeq):
        return [to_python(item) for item in node.items]
    return {key.value: to_python(value) for key, value in node.items}
