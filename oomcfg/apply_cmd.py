"""``oomcfg apply`` and ``oomcfg rollback``: options in, plan and outcome out.

Loads and renders the profiles (exit 3 before anything is read from the
target), hands the files to :mod:`oomcfg.apply`, and prints: the plan (changed
files only, one per line, and a summary counting every file), unified diffs
with ``--diff``, what was written and what took effect. ``--format json``
prints one document with every file's action instead (docs: README "apply").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from oomcfg.apply import ApplyOptions, Outcome, run_apply
from oomcfg.effect import EffectReport
from oomcfg.errors import ExitCode, OomcfgError
from oomcfg.host import Host
from oomcfg.plan import Change, Plan

if TYPE_CHECKING:
    from oomcfg.rollback import RollbackResult

Confirm = Callable[[str], bool]


class ApplyRequest(NamedTuple):
    """Everything ``oomcfg apply`` was asked to do (a NamedTuple: see ApplyOptions)."""

    profiles: tuple[Path, ...]
    root: Path = Path("/")
    options: ApplyOptions = ApplyOptions()
    diff: bool = False
    json_format: bool = False
    systemd_version: int | None = None
    only: tuple[str, ...] | None = None


def run_apply_cmd(
    request: ApplyRequest, stdout: TextIO, stderr: TextIO, confirm: Confirm | None = None
) -> ExitCode:
    """Run one apply; raises OomcfgError (exit 3/4/5) for the CLI edge to print."""
    from oomcfg.profile import load_profiles  # noqa: PLC0415 - YAML only when needed (P1/P2)
    from oomcfg.render import render, select_targets  # noqa: PLC0415

    profile = load_profiles([str(p) for p in request.profiles])
    # Each drop-in's re-parse check guards what is written: run it for the files
    # the plan will write, not for the thousands an unchanged re-apply leaves alone.
    result = render(profile, systemd_version=request.systemd_version, only=request.only,
                    defer_checks=True)
    for note in result.notes:
        stderr.write(note.format() + "\n")
    services = list(profile.services.values()) if "systemd" in select_targets(request.only) else []
    host = Host(request.root)
    shown: list[Plan] = []

    def on_plan(the_plan: Plan) -> None:
        result.verify(c.path for c in the_plan.changes if c.action != "same")
        shown.append(the_plan)
        if not request.json_format:
            _print_plan(the_plan, host, request, stdout)

    def confirmed(the_plan: Plan) -> None:
        question = f"apply {len(the_plan.writes)} change(s) to {request.root}?"
        if confirm is not None and not confirm(question):
            raise DeclinedError("nothing written: not confirmed")

    try:
        outcome = run_apply(
            host,
            result.files,
            request.options,
            kinds=select_targets(request.only),
            services=services,
            on_plan=on_plan,
            confirm=confirmed,
        )
    except OomcfgError as err:
        if request.json_format:  # tools get one document, refused or not
            _print_refusal_json(shown[0] if shown else None, host, request, err, stdout)
        raise
    _print_outcome(outcome, host, request, stdout)
    return outcome.exit_code


class DeclinedError(OomcfgError):
    """The user answered no at the confirmation prompt (exit 1, nothing written)."""

    exit_code = ExitCode.FINDINGS


# ------------------------------------------------------------------ text
def _print_plan(the_plan: Plan, host: Host, request: ApplyRequest, out: TextIO) -> None:
    prev, new = the_plan.previous.generation, the_plan.manifest.generation
    out.write(f"plan for {host.root} (generation {prev} -> {new}):\n")
    shown = [c for c in the_plan.changes if c.action != "same"]
    if shown and out.isatty():
        _print_rich_table(shown, out)
    else:
        width = max((len(c.action) for c in shown), default=0)
        for c in shown:
            reason = f"  ({c.reason})" if c.reason else ""
            out.write(f"  {c.action:<{width}}  {c.path}{reason}\n")
    out.write(f"summary: {_summary(the_plan)}\n")
    if request.diff:
        out.writelines(diff_lines(the_plan.changes))


_STYLES = {"create": "green", "update": "yellow", "remove": "red", "conflict": "bold red"}


def _print_rich_table(changes: Sequence[Change], out: TextIO) -> None:
    """The plan as a table on a terminal; rich is imported only here (start-up, P2)."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    table = Table("action", "path", "reason", box=None, pad_edge=False)
    for c in changes:
        table.add_row(f"[{_STYLES[c.action]}]{c.action}[/]", c.path, c.reason)
    Console(file=out, force_terminal=True, highlight=False).print(table)


def _summary(the_plan: Plan) -> str:
    counts = ", ".join(f"{n} {action}" for action, n in the_plan.counts().items())
    reloads = ", ".join(the_plan.reloads) or "none"
    return f"{counts}; reload: {reloads}"


def diff_lines(changes: Sequence[Change]) -> list[str]:
    """Unified diffs (``a/PATH`` old, ``b/PATH`` new) for every changed file."""
    import difflib  # noqa: PLC0415 - only --diff pays for it

    lines: list[str] = []
    for c in changes:
        if c.action == "same":
            continue
        old = _text(c.old) if c.old is not None else []
        new = _text(c.new) if c.new is not None and c.action != "remove" else []
        lines.extend(difflib.unified_diff(old, new, f"a/{c.path}", f"b/{c.path}"))
    return [line if line.endswith("\n") else line + "\n" for line in lines]


def _text(data: bytes) -> list[str]:
    return data.decode("utf-8", "replace").splitlines(keepends=True)


def _print_outcome(outcome: Outcome, host: Host, request: ApplyRequest, out: TextIO) -> None:
    if request.json_format:
        _print_json(outcome.plan, host, request, outcome=outcome, out=out)
        return
    opts = request.options
    if opts.dry_run or opts.check:
        out.write("dry run: nothing written\n" if opts.dry_run else "check: nothing written\n")
        return
    if outcome.written:
        generation = outcome.plan.manifest.generation
        out.write(f"applied: {outcome.written} path(s) written (generation {generation})\n")
    else:
        out.write("nothing to write: every file is already as the profile says\n")
    out.writelines(f"note: {note}\n" for note in outcome.plan.notes)
    _print_effects(outcome.effects, out)


def _print_effects(report: EffectReport, out: TextIO) -> None:
    out.writelines(f"done: {line}\n" for line in report.done)
    out.writelines(f"note: {line}\n" for line in report.notes)
    out.writelines(f"FAILED: {line}\n" for line in report.failures)


# ------------------------------------------------------------------ json
def _print_refusal_json(
    the_plan: Plan | None, host: Host, request: ApplyRequest, err: OomcfgError, out: TextIO
) -> None:
    """The plan (if one was made) with ``error`` and ``exit_code``; else just those."""
    if the_plan is None:
        _write_json(_error_json(host.root, err), out)
        return
    _print_json(the_plan, host, request, outcome=None, out=out, error=err)


def _print_json(
    the_plan: Plan,
    host: Host,
    request: ApplyRequest,
    *,
    outcome: Outcome | None,
    out: TextIO,
    error: OomcfgError | None = None,
) -> None:
    doc: dict[str, object] = {
        "root": str(host.root),
        "generation": {"from": the_plan.previous.generation, "to": the_plan.manifest.generation},
        "changes": [_change_json(c) for c in the_plan.changes],
        "summary": the_plan.counts(),
        "reloads": list(the_plan.reloads),
        "notes": list(the_plan.notes),
        "applied": outcome is not None and not (request.options.dry_run or request.options.check),
    }
    if outcome is not None:
        doc["written"] = outcome.written
        doc["effects"] = _effects_json(outcome.effects)
        doc["exit_code"] = int(outcome.exit_code)
    if error is not None:
        doc["error"] = str(error)
        doc["exit_code"] = int(error.exit_code)
    _write_json(doc, out)


def _error_json(root: Path, err: OomcfgError) -> dict[str, object]:
    """What a refusal before any plan says to a tool: where, why, which exit code."""
    return {"root": str(root), "error": str(err), "exit_code": int(err.exit_code)}


def _write_json(doc: dict[str, object], out: TextIO) -> None:
    import json  # noqa: PLC0415 - only for --format json (start-up)

    out.write(json.dumps(doc, indent=2) + "\n")


#: The fields of a :class:`~oomcfg.plan.Change` a JSON reader gets (not the bytes).
CHANGE_FIELDS = ("path", "action", "reason", "kind", "unit", "forced")


def _change_json(c: Change) -> dict[str, object]:
    return {name: getattr(c, name) for name in CHANGE_FIELDS}


def _effects_json(report: EffectReport) -> dict[str, list[str]]:
    return {"done": report.done, "failures": report.failures, "notes": report.notes}


# ------------------------------------------------------------------ rollback
def run_rollback_cmd(
    root: Path, options: ApplyOptions, stdout: TextIO, *, json_format: bool = False
) -> ExitCode:
    """Restore the files the last apply changed; print what was restored.

    With ``json_format`` the output is one document, also on a refusal
    (``root``, ``error``, ``exit_code``), so tools never parse text.
    """
    from oomcfg.rollback import run_rollback  # noqa: PLC0415 - apply never needs it

    try:
        result = run_rollback(Host(root), options)
    except OomcfgError as err:
        if json_format:
            _write_json(_error_json(root, err), stdout)
        raise
    if json_format:
        _write_json(_rollback_json(root, result), stdout)
        return result.exit_code
    for path, what in result.restored:
        stdout.write(f"  {what:<8}  {path}\n")
    stdout.write(f"rolled back to generation {result.generation} under {root}\n")
    _print_effects(result.effects, stdout)
    return result.exit_code


def _rollback_json(root: Path, result: RollbackResult) -> dict[str, object]:
    return {
        "root": str(root),
        "generation": {"from": result.undone, "to": result.generation},
        "restored": [{"path": path, "action": what} for path, what in result.restored],
        "effects": _effects_json(result.effects),
        "exit_code": int(result.exit_code),
    }
