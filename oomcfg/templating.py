"""The one configured Jinja2 environment every renderer shares, and its fast path.

Rendered files are configuration, not HTML, and a silently empty variable is a
silently missing (or reset: ``MemoryMax=``) setting, so the environment is
configured once, here: ``StrictUndefined`` turns any missing variable into an
error, ``autoescape`` is off, trailing newlines are kept (POSIX text files),
and ``trim_blocks``/``lstrip_blocks`` let ``{% ... %}`` tags sit on their own
lines without leaving blank lines behind. Templates load from
:func:`oomcfg.resources.templates_dir` (a checkout or the wheel's ``_data/``).
The environment and each compiled template are cached, so rendering 10,000
files compiles every template once (performance.md, P4); :func:`call_macro`
goes further for a macro called once per file (see there).

Jinja2 itself is imported only when a template is really run: importing it
costs about a third of a small ``oomcfg render`` (~45 ms), and the two
templates every render uses (the systemd drop-in and the sysctl.d file) are
answered from :mod:`oomcfg.template_patterns`, a snapshot of their patterns
generated from the templates and checked against them (see :func:`call_macro`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from itertools import chain
from typing import TYPE_CHECKING

from oomcfg.resources import templates_dir

if TYPE_CHECKING:
    import jinja2


@cache
def environment() -> jinja2.Environment:
    """The shared environment (built on first use, then reused)."""
    import jinja2  # noqa: PLC0415 - only when a template really runs (see the module doc)

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - systemd/sysctl/shell text, never HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates do not change during a run: skip the mtime checks
    )


@cache
def template(name: str) -> jinja2.Template:
    """The compiled template ``name`` (e.g. ``systemd-dropin.conf.j2``), compiled once."""
    return environment().get_template(name)


def macro(name: str, macro_name: str) -> Callable[..., object]:
    """The macro ``macro_name`` of the template ``name`` (its module is built once)."""
    found: Callable[..., object] = getattr(template(name).module, macro_name)
    return found


#: Stands for argument N while a macro's output is turned into a pattern. NUL
#: cannot occur in a template's text: the loader and the renderers refuse it.
_SLOT = "\x00{}\x00"
#: (template, macro, number of arguments, number of rows, row width: 0 without rows)
#: -> str.format pattern, or None where the macro's output is not a pure placement of its arguments.
Shape = tuple[str, str, int, int, int]
_PATTERNS: dict[Shape, str | None] = {}
_UNKNOWN = object()


def call_macro(name: str, macro_name: str, args: Sequence[str],
               rows: Sequence[tuple[str, ...]]) -> str:
    """``str(macro(*args, rows))``, the same text, at a fraction of a macro call.

    ``rows`` are tuples of one width (``(key, value)`` pairs, ``(prefix, key,
    value)`` triples). Rendering 10,000 drop-ins spent more time inside
    Jinja's macro machinery than on anything else render does (P4). A macro
    that only *places* its arguments (``{{ x }}``, a ``for`` over ``rows``)
    gives, for a given number of arguments and rows, always the same text
    around them; so it is called once with placeholders, and its output
    becomes a ``str.format`` pattern. The first real call of each shape is
    also rendered by Jinja and compared: a macro that filters or tests its
    values gives a different text or no usable pattern, and is then always
    called (correct, only slower).

    Before any of that, the shape is looked up in the generated snapshot
    (:func:`snapshot_pattern`): the common shapes of the shipped templates,
    valid while the template's text is the one they were made from. Then a
    render that uses only those shapes never imports Jinja2.
    """
    width = len(rows[0]) if rows else 0
    key = (name, macro_name, len(args), len(rows), width)
    pattern = _PATTERNS.get(key, _UNKNOWN)
    if pattern is _UNKNOWN:
        known = snapshot_pattern(key)
        if known is not None:
            pattern = _PATTERNS[key] = known
    if type(pattern) is str:
        return pattern.format(*args, *chain.from_iterable(rows))
    call = macro(name, macro_name)
    text = str(call(*args, list(rows)))
    if pattern is _UNKNOWN:  # the first call of this shape: learn (or refuse) its pattern
        learned = _pattern(call, len(args), len(rows), width)
        fits = learned is not None and learned.format(*args, *chain.from_iterable(rows)) == text
        _PATTERNS[key] = learned if fits else None
    return text


def _pattern(call: Callable[..., object], count: int, rows: int, width: int) -> str | None:
    """The macro's output with ``{N}`` for argument N (rows flattened after the rest).

    None when a placeholder does not come back whole (a filter changed it).
    """
    slots = [_SLOT.format(i) for i in range(count + rows * width)]
    placeholders = [tuple(slots[count + row * width:count + (row + 1) * width])
                    for row in range(rows)]
    pieces = str(call(*slots[:count], placeholders)).split("\x00")
    literal, placed = pieces[::2], pieces[1::2]
    if sorted(placed) != sorted(str(i) for i in range(len(slots))):
        return None
    escaped = [part.replace("{", "{{").replace("}", "}}") for part in literal]
    parts = [escaped[0]]
    for index, part in zip(placed, escaped[1:], strict=True):
        parts += ("{" + index + "}", part)
    return "".join(parts)


# --- the snapshot -----------------------------------------------------------

#: The shapes :mod:`oomcfg.template_patterns` holds: a drop-in with up to every
#: directive oomcfg writes (units.DIRECTIVES, 11), a sysctl.d file with up to 32
#: settings (a profile sets a handful; more is rendered by Jinja, just slower).
SNAPSHOT_SHAPES: tuple[tuple[str, str, int, range, int], ...] = (
    ("systemd-dropin.conf.j2", "dropin", 5, range(12), 2),
    ("sysctl.conf.j2", "sysctl", 2, range(33), 3),
)
#: Template name -> whether its text on disk is the one the snapshot was made from.
_CURRENT: dict[str, bool] = {}


def snapshot_pattern(key: Shape) -> str | None:
    """The snapshot's pattern for ``key``, or None (not in it, or its template changed).

    The snapshot records each template's full text; a pattern is used only
    while the template file reads the same (one small read per template and
    process), so an edited template is rendered by Jinja until the snapshot
    is regenerated, and ``tests/test_template_patterns.py`` fails until then.
    """
    from oomcfg.template_patterns import PATTERNS, SOURCES  # noqa: PLC0415 - data, on first use

    pattern = PATTERNS.get(key)
    if pattern is None:
        return None
    name = key[0]
    current = _CURRENT.get(name)
    if current is None:
        try:
            text = (templates_dir() / name).read_text(encoding="utf-8")
        except OSError:
            text = None
        current = _CURRENT[name] = text == SOURCES.get(name)
    return pattern if current else None


def snapshot_source() -> str:
    """The text of :mod:`oomcfg.template_patterns`, made with Jinja2 from the templates now."""
    sources = {name: (templates_dir() / name).read_text(encoding="utf-8")
               for name, *_ in SNAPSHOT_SHAPES}
    patterns: dict[Shape, str] = {}
    for name, macro_name, count, row_counts, width in SNAPSHOT_SHAPES:
        call = macro(name, macro_name)
        for rows in row_counts:
            learned = _pattern(call, count, rows, width)
            if learned is None:
                raise ValueError(f"{name}: macro {macro_name} is not a pure placement of "
                                 "its arguments; it cannot have a snapshot")
            patterns[name, macro_name, count, rows, width if rows else 0] = learned
    lines = [
        '"""Generated by ``python -m oomcfg.templating`` from templates/: do not edit.',
        "",
        "The str.format patterns of the common shapes of the shipped templates",
        "(oomcfg.templating.call_macro), and the template texts they were made from.",
        '"""',
        "",
        "SOURCES: dict[str, str] = {",
        *(f"    {name!r}: {text!r}," for name, text in sources.items()),
        "}",
        "PATTERNS: dict[tuple[str, str, int, int, int], str] = {",
        *(f"    {key!r}: {text!r}," for key, text in patterns.items()),
        "}",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    from pathlib import Path

    Path(__file__).with_name("template_patterns.py").write_text(snapshot_source(),
                                                                encoding="utf-8")
