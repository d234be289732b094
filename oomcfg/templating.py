"""The one configured Jinja2 environment every renderer shares.

Rendered files are configuration, not HTML, and a silently empty variable is a
silently missing (or reset: ``MemoryMax=``) setting, so the environment is
configured once, here: ``StrictUndefined`` turns any missing variable into an
error, ``autoescape`` is off, trailing newlines are kept (POSIX text files),
and ``trim_blocks``/``lstrip_blocks`` let ``{% ... %}`` tags sit on their own
lines without leaving blank lines behind. Templates load from
:func:`oomcfg.resources.templates_dir` (a checkout or the wheel's ``_data/``).
The environment and each compiled template are cached, so rendering 10,000
files compiles every template once (performance.md, P4).
"""

from __future__ import annotations

from functools import cache

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
