"""Start-up import discipline (issue 7; performance.md P1/P2), checked, never timed.

``oomcfg --version`` and every ``--help`` must not pay for Jinja2, YAML, rich or
pydantic: each is tens of milliseconds before the command does anything, and
these are the calls scripts and CI make in loops. The speed itself is measured
by ``bench/run.py``; this test guards the cause, which does not depend on how
busy the machine is. It runs the real console script (and ``python -m oomcfg``)
in a fresh interpreter under ``-X importtime`` and reads every module imported.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from oomcfg import __version__
from oomcfg.cli import app

#: Top-level packages no start-up path may import (rich also drags in pygments
#: and markdown_it; markupsafe comes with jinja2).
HEAVY = frozenset({"jinja2", "markupsafe", "yaml", "_yaml", "ruamel", "rich", "pydantic"})

#: The same with Typer and its vendored Click, for the bare ``--version`` path.
HEAVY_FOR_VERSION = HEAVY | {"typer", "click"}

CONSOLE_SCRIPT = Path(sys.executable).with_name("oomcfg")


def _entry_argv(entry: str) -> list[str]:
    if entry == "-m":
        return [sys.executable, "-X", "importtime", "-m", "oomcfg"]
    if not CONSOLE_SCRIPT.exists():
        pytest.skip(f"no console script next to {sys.executable}")
    return [sys.executable, "-X", "importtime", str(CONSOLE_SCRIPT)]


def run_traced(entry: str, *args: str) -> tuple[int, str, str, set[str]]:
    """Run oomcfg with ``args``; return (exit code, stdout, other stderr, imported roots)."""
    proc = subprocess.run(
        [*_entry_argv(entry), *args], capture_output=True, text=True, timeout=60, check=False
    )
    roots: set[str] = set()
    other: list[str] = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:"):
            name = line.rsplit("|", 1)[-1].strip()
            roots.add(name.split(".", 1)[0])
        else:
            other.append(line)
    return proc.returncode, proc.stdout, "\n".join(other), roots


def command_names() -> list[str]:
    """Every subcommand registered on the Typer app, as ``oomcfg --help`` lists them."""
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    return sorted(group.commands)


@pytest.mark.parametrize("entry", ["script", "-m"])
def test_version_imports_neither_typer_nor_any_heavy_module(entry: str) -> None:
    code, out, err, roots = run_traced(entry, "--version")
    assert (code, out, err) == (0, f"oomcfg {__version__}\n", "")
    assert roots & HEAVY_FOR_VERSION == set()


@pytest.mark.parametrize("entry", ["script", "-m"])
def test_help_imports_typer_but_no_heavy_module(entry: str) -> None:
    code, out, err, roots = run_traced(entry, "--help")
    usage = out.partition("\n")[0]  # "Usage: oomcfg ..." or "Usage: python -m oomcfg ..."
    assert (code, usage.endswith("oomcfg [OPTIONS] COMMAND [ARGS]..."), err) == (0, True, "")
    assert "typer" in roots  # the trace really saw the imports
    assert roots & HEAVY == set()


def test_every_subcommand_help_imports_no_heavy_module() -> None:
    for name in command_names():
        code, out, err, roots = run_traced("script", name, "--help")
        assert (name, code, out.startswith(f"Usage: oomcfg {name} "), err) == (name, 0, True, "")
        assert (name, roots & HEAVY) == (name, set())


def test_version_option_through_typer_prints_the_same_line() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"oomcfg {__version__}\n")


def test_command_annotations_are_objects_not_strings() -> None:
    # Typer rebuilds every command from its annotations on each run; string
    # annotations (``from __future__ import annotations``) cost an eval each:
    # 24 ms vs 3 ms for four commands, paid by every oomcfg invocation.
    functions = [info.callback for info in app.registered_commands]
    assert functions, "no commands registered"
    stringly = [
        (fn.__name__, name)
        for fn in functions
        if fn is not None
        for name, value in inspect.get_annotations(fn).items()
        if isinstance(value, str)
    ]
    assert stringly == []
