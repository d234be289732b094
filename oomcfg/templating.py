"""The one configured Jinja2 environment every renderer shares.

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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from itertools import chain

import jinja2

from oomcfg.resources import templates_dir


@cache
def environment() -> jinja2.Environment:
    """The shared environment (built on first use, then reused)."""
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
#: (template, macro, number of arguments, number of pairs) -> str.format pattern,
#: or None where the macro's output is not a pure placement of its arguments.
_PATTERNS: dict[tuple[str, str, int, int], str | None] = {}
_UNKNOWN = object()


def call_macro(name: str, macro_name: str, args: Sequence[str],
               pairs: Sequence[tuple[str, str]]) -> str:
    """``str(macro(*args, pairs))``, the same text, at a fraction of a macro call.

    Rendering 10,000 drop-ins spent more time inside Jinja's macro machinery
    than on anything else render does (P4). A macro that only *places* its
    arguments (``{{ x }}``, a ``for`` over ``pairs``) gives, for a given
    number of arguments and pairs, always the same text around them; so it is
    called once with placeholders, and its output becomes a ``str.format``
    pattern. The first real call of each shape is also rendered by Jinja and
    compared: a macro that filters or tests its values gives a different text
    or no usable pattern, and is then always called (correct, only slower).
    """
    key = (name, macro_name, len(args), len(pairs))
    pattern = _PATTERNS.get(key, _UNKNOWN)
    if type(pattern) is str:
        return pattern.format(*args, *chain.from_iterable(pairs))
    call = macro(name, macro_name)
    text = str(call(*args, list(pairs)))
    if pattern is _UNKNOWN:  # the first call of this shape: learn (or refuse) its pattern
        learned = _pattern(call, len(args), len(pairs))
        fits = learned is not None and learned.format(*args, *chain.from_iterable(pairs)) == text
        _PATTERNS[key] = learned if fits else None
    return text


def _pattern(call: Callable[..., object], count: int, pairs: int) -> str | None:
    """The macro's output with ``{N}`` for argument N (pairs flattened after the rest).

    None when a placeholder does not come back whole (a filter changed it).
    """
    slots = [_SLOT.format(i) for i in range(count + 2 * pairs)]
    placeholders = list(zip(slots[count::2], slots[count + 1::2], strict=True))
    pieces = str(call(*slots[:count], placeholders)).split("\x00")
    literal, placed = pieces[::2], pieces[1::2]
    if sorted(placed) != sorted(str(i) for i in range(len(slots))):
        return None
    escaped = [part.replace("{", "{{").replace("}", "}}") for part in literal]
    parts = [escaped[0]]
    for index, part in zip(placed, escaped[1:], strict=True):
        parts += ("{" + index + "}", part)
    return "".join(parts)
