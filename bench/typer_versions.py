"""Why pyproject pins ``typer>=0.24,<0.29``: a trivial command on Typer 0.28 vs 0.29.

Typer 0.29 imports pydantic while running any command. This script installs
each version into a scratch venv on /dev/shm (from PyPI, with pip), runs the
same two-command app with ``rich_markup_mode=None`` as oomcfg's CLI, and times
``python -c pass``, ``import typer``, a trivial command and ``--help`` in
alternating runs, and lists which heavy packages each one imported.

Usage: .venv/bin/python bench/typer_versions.py [--runs N] [--versions 0.28.0 0.29.2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from harness import Command, compare

APP = """\
import typer

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)


@app.command()
def hello(name: str = "world") -> None:
    print(f"hello {name}")


@app.command()
def other() -> None:
    pass


if __name__ == "__main__":
    app()
"""
HEAVY = ("pydantic", "rich", "yaml", "jinja2")
SCRATCH = Path("/dev/shm/oomcfg-typer-versions")


def venv_for(version: str) -> Path:
    """A scratch venv with ``typer==version``; reused when it already exists."""
    venv = SCRATCH / f"typer-{version}"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "-q", f"typer=={version}"]
        subprocess.run(pip, check=True)
    return python


def heavy_imports(python: Path, app: Path) -> list[str]:
    """Heavy top-level packages the trivial command imports (``-X importtime``)."""
    argv = [str(python), "-X", "importtime", str(app), "hello"]
    trace = subprocess.run(argv, capture_output=True, text=True, check=True).stderr
    names = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in trace.splitlines()}
    return sorted(names & set(HEAVY))


def commands(version: str, python: Path, app: Path) -> list[Command]:
    """The four measured commands for one Typer version."""
    py = str(python)
    return [
        Command(f"{version} python -c pass", (py, "-c", "pass")),
        Command(f"{version} import typer", (py, "-c", "import typer")),
        Command(f"{version} trivial command", (py, str(app), "hello")),
        Command(f"{version} --help", (py, str(app), "--help")),
    ]


def main(argv: list[str]) -> int:
    """Install, measure, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--versions", nargs="+", default=["0.28.0", "0.29.2"])
    args = parser.parse_args(argv)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    app = SCRATCH / "app.py"
    app.write_text(APP)
    pythons = {v: venv_for(v) for v in args.versions}
    cmds = [c for v, py in pythons.items() for c in commands(v, py, app)]
    results = compare(cmds, args.runs, SCRATCH)
    print(f"| command | median | peak RSS |  ({args.runs} alternating runs)\n|---|---:|---:|")
    for m in results:
        median = f"{m.median * 1000:.1f} ms" if m.median is not None else f"error: {m.error}"
        peak = f"{m.peak_mib:.0f} MiB" if m.peak_mib is not None else "-"
        print(f"| {m.label} | {median} | {peak} |")
    for version, python in pythons.items():
        print(f"\n{version}: a trivial command imports {heavy_imports(python, app) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
