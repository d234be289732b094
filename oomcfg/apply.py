"""``apply``: plan against a host, write as one transaction, take effect.

The engine works on values it is given (rendered files, live targets) and one
:class:`~oomcfg.host.Host`; loading profiles and printing belong to
:mod:`oomcfg.apply_cmd`. Under an flock on the root it reads the manifest and
every target once (one open + read per file, so an unchanged re-apply costs
no more than reading), plans (pure), refuses unsafe targets and conflicts
(exit 4, nothing written), then writes every change, a generation record (the
bytes each change replaced, for ``rollback``) and the new manifest in one
:class:`~oomcfg.transaction.Transaction` (exit 5 and restored on failure).
Reloads and live adjustments run only on the live root (exit 6 if they fail).
:mod:`oomcfg.rollback` reuses the manifest, record and effect helpers here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import PurePosixPath
from typing import NamedTuple

from oomcfg.effect import (
    EffectReport,
    adjustable,
    apply_sysctls,
    daemon_reload,
    live_adjust,
    restart_hint,
)
from oomcfg.errors import EnvironmentProblem, ExitCode
from oomcfg.gcpause import paused_gc
from oomcfg.host import Host
from oomcfg.model import SYSCTL_FILE, RenderedFile, Service
from oomcfg.plan import (
    GENERATIONS_DIR,
    MANIFEST_PATH,
    Change,
    Manifest,
    Plan,
    plan,
    plan_unchanged,
)
from oomcfg.transaction import Transaction, Write

#: Generation records kept for ``rollback`` (older ones are pruned after an apply).
KEEP_GENERATIONS = 10


class ApplyOptions(NamedTuple):
    """What the user asked for; defaults are a full apply.

    NamedTuples here and plain slotted classes for the mutable results: a
    dataclass costs 0.6-1 ms to define, and every ``apply`` defines these at
    start-up (performance.md P6 at 0-1,000 services is start-up bound).
    """

    force: bool = False
    dry_run: bool = False
    check: bool = False
    reload: bool = True
    live: bool = True
    lock_timeout: float = 10.0
    systemctl: tuple[str, ...] = ("systemctl",)
    #: run the take-effect steps even when the root is not ``/`` (tests, harnesses)
    effects_off_root: bool = False


class Outcome:
    """What happened: the plan, how many paths were written, the take-effect report."""

    __slots__ = ("effects", "exit_code", "plan", "written")

    def __init__(self, plan: Plan, written: int = 0, exit_code: ExitCode = ExitCode.OK) -> None:
        self.plan = plan
        self.written = written
        self.effects = EffectReport()
        self.exit_code = exit_code


def run_apply(
    host: Host,
    rendered: Sequence[RenderedFile],
    options: ApplyOptions,
    *,
    kinds: Iterable[str] | None = None,
    services: Sequence[Service] = (),
    on_plan: Callable[[Plan], None] = lambda _plan: None,
    confirm: Callable[[Plan], None] = lambda _plan: None,
) -> Outcome:
    """Plan, show it (``on_plan``), refuse or confirm, write, take effect.

    ``services`` are the profile's services, for live adjustment (empty: none).

    Raises EnvironmentProblem (exit 4) for unsafe targets, conflicts or a
    held lock, and ApplyFailed (exit 5) after restoring the root. ``confirm``
    runs only for a plan that is safe to apply; it raises to stop.
    """
    with host.lock(options.lock_timeout):
        the_plan = plan_on(host, rendered, force=options.force, kinds=kinds)
        on_plan(the_plan)
        if options.dry_run or options.check:
            pending = the_plan.writes or the_plan.conflicts
            code = ExitCode.FINDINGS if options.check and pending else ExitCode.OK
            return Outcome(the_plan, exit_code=code)
        refuse_unsafe(host, the_plan)
        if the_plan.writes:
            confirm(the_plan)
        written = execute(host, the_plan)
    outcome = Outcome(the_plan, written)
    outcome.effects.notes.extend(_forced_notes(the_plan))
    if effects_allowed(host, options, outcome.effects):
        sysctl_text = next((f.content for f in rendered if f.path == SYSCTL_FILE), None)
        _take_effect(
            host,
            options,
            outcome.effects,
            reloads=the_plan.reloads,
            sysctl_text=sysctl_text,
            services=services,
        )
    outcome.exit_code = ExitCode.PARTIAL if outcome.effects.failures else ExitCode.OK
    return outcome


def _forced_notes(the_plan: Plan) -> list[str]:
    forced = [c.path for c in the_plan.writes if c.forced]
    if not forced:
        return []
    record = record_path(the_plan.manifest.generation)
    return [
        f"--force replaced {', '.join(forced)}; the previous content is kept in {record} "
        "and 'oomcfg rollback' puts it back"
    ]


def plan_on(
    host: Host, rendered: Sequence[RenderedFile], *, force: bool, kinds: Iterable[str] | None
) -> Plan:
    """Read the manifest and every relevant path once, then plan (pure).

    The rendered paths are read first, and when they and the manifest's
    bytes prove nothing changed (:func:`~oomcfg.plan.plan_unchanged`) that
    is the plan, without parsing the manifest. Otherwise the manifest is
    parsed (exit 4 if it is corrupt), the paths only it names are read too,
    and :func:`~oomcfg.plan.plan` decides.

    The cyclic garbage collector is paused meanwhile: this builds several
    acyclic objects per file (manifest entries, file states, changes), and at
    10,000 files the collections they trigger cost 15-20 ms for nothing.
    On the way out the survivors are frozen (``gc.freeze``), as
    :func:`oomcfg.profile.load_profiles` does with the profile: otherwise the
    first allocation after re-enabling scans all of them at once (measured:
    a 23 ms pass at 10,000 files, performance.md P6). They hold no cycles,
    so reference counting still frees every one of them; a cycle made
    earlier in the process would stay until it exits, which a one-shot
    command can afford (the loader makes the same trade).
    """
    with paused_gc():
        text = read_record_bytes(host, MANIFEST_PATH)
        # Read in render's order, the order both planners walk them: each file's
        # state then sits next to the previous one in memory (performance.md P6:
        # ~10 ms of 40 for reading and planning 10,000 files, against hash order).
        current = host.read_states([f.path for f in rendered])
        if text is not None:
            unchanged = plan_unchanged(rendered, current, text)
            if unchanged is not None:
                return unchanged
        manifest = parse_manifest(host, text)
        current.update(host.read_states([p for p in manifest.files if p not in current]))
        return plan(rendered, current, manifest, force=force, kinds=kinds)


def read_manifest(host: Host) -> Manifest:
    """The manifest under the root; empty when there is none; exit 4 when it is corrupt."""
    return parse_manifest(host, read_record_bytes(host, MANIFEST_PATH))


def parse_manifest(host: Host, data: bytes | None) -> Manifest:
    """The manifest from its file's bytes (None: no file, nothing owned); exit 4 if corrupt."""
    if data is None:
        return Manifest()
    import json  # noqa: PLC0415 - not on an unchanged re-apply's path (P6 start-up)

    try:
        return Manifest.from_data(json.loads(data.decode("utf-8", "replace")))
    except (ValueError, KeyError, TypeError) as err:
        raise EnvironmentProblem(
            f"{host.path(MANIFEST_PATH)} is not a valid oomcfg manifest ({err}); "
            "move it away to start over (files oomcfg wrote then count as not ours)"
        ) from err


def read_record_text(host: Host, rel: str) -> str | None:
    """The text of one of oomcfg's own records (manifest, generation record); None if absent."""
    data = read_record_bytes(host, rel)
    return None if data is None else data.decode("utf-8", "replace")


def read_record_bytes(host: Host, rel: str) -> bytes | None:
    """The bytes of one of oomcfg's own records (manifest, generation record); None if absent.

    Read like any target (:meth:`Host.read_state`: ``O_NOFOLLOW | O_NONBLOCK``,
    then fstat), so a directory, FIFO, device or symlink planted there is
    refused (exit 4, nothing written) instead of crashing, blocking on the
    FIFO or reading ``/dev/zero`` until memory runs out. One open and one
    read, too, where pathlib took several calls (performance.md P6).
    """
    state = host.read_state(rel)
    if state.kind == "missing":
        return None
    if state.kind != "file" or state.content is None:
        what = "a symlink" if state.kind == "symlink" else "not a regular file"
        raise EnvironmentProblem(
            f"{host.path(rel)} is {what}; oomcfg keeps its records in regular files: "
            "move it away and check who put it there (nothing was written)"
        )
    return state.content


def refuse_unsafe(host: Host, the_plan: Plan) -> None:
    """Exit 4, nothing written, listing every unsafe target and every conflict."""
    problems = [f"{c.path}: conflict: {c.reason}" for c in the_plan.conflicts]
    for path in [c.path for c in the_plan.writes] + _bookkeeping_paths(the_plan):
        reason = host.unsafe_reason(path)
        if reason is not None:
            problems.append(f"{path}: unsafe target: {reason}")
    if not problems:
        return
    hint = "" if all(c.blocking for c in the_plan.conflicts) else " (--force overrides conflicts)"
    raise EnvironmentProblem(
        f"refusing to apply to {host.root}; nothing was written{hint}:\n  " + "\n  ".join(problems)
    )


def _bookkeeping_paths(the_plan: Plan) -> list[str]:
    return [MANIFEST_PATH, record_path(the_plan.manifest.generation)]


def record_path(generation: int) -> str:
    """Where the generation record (the bytes that generation replaced) lives."""
    return f"{GENERATIONS_DIR}/{generation}.json"


def execute(host: Host, the_plan: Plan) -> int:
    """Write every change, the generation record and the manifest; return paths written."""
    if the_plan.is_noop:
        return 0
    writes = [_write_for(c) for c in the_plan.writes]
    if writes:
        writes.append(_record_write(host, the_plan))
    writes.append(manifest_write(host, the_plan.manifest))
    Transaction(host, prune_dirs=emptied_dirs(the_plan.writes)).run(writes)
    _prune_records(host, the_plan.manifest.generation)
    return len(writes)


def _write_for(change: Change) -> Write:
    data = None if change.action == "remove" else change.new
    return Write(change.path, data, change.mode, change.old, change.old_mode)


def manifest_write(host: Host, manifest: Manifest) -> Write:
    """The manifest's new text as a transaction step (old bytes kept for undo)."""
    state = host.read_state(MANIFEST_PATH)
    return Write(MANIFEST_PATH, manifest.to_bytes(), 0o644, state.content, state.mode)


def _record_write(host: Host, the_plan: Plan) -> Write:
    """The bytes every change replaces, so ``rollback`` can put them back."""
    record = {
        "version": 1,
        "generation": the_plan.manifest.generation,
        "previous_manifest": the_plan.previous.to_data(),
        "files": {c.path: _encode(c.old, c.old_mode) for c in the_plan.writes},
    }
    path = record_path(the_plan.manifest.generation)
    state = host.read_state(path)
    import json  # noqa: PLC0415 - only when something is written (P6 start-up)

    data = json.dumps(record, sort_keys=True).encode()  # no indent: json's C encoder
    return Write(path, data, 0o600, state.content, state.mode)


def _encode(old: bytes | None, mode: int | None) -> dict[str, object]:
    import base64  # noqa: PLC0415 - only when something is written (P6 start-up)

    return {"before": None if old is None else base64.b64encode(old).decode(), "mode": mode}


def emptied_dirs(changes: Sequence[Change]) -> list[str]:
    """Unit drop-in directories to remove if the removals in ``changes`` empty them."""
    # A purged drop-in leaves UNIT.d/ behind; remove it when it ends up empty.
    removed = {str(PurePosixPath(c.path).parent) for c in changes if c.action == "remove"}
    return sorted(d for d in removed if d.startswith("etc/systemd/system/") and d.endswith(".d"))


def _prune_records(host: Host, generation: int) -> None:
    # After the commit, so best effort: a record left behind only costs disk.
    for name in host.list_dir(GENERATIONS_DIR):
        stem = name.removesuffix(".json")
        if stem.isdigit() and int(stem) <= generation - KEEP_GENERATIONS:
            with suppress(OSError):
                host.remove(f"{GENERATIONS_DIR}/{name}")


def effects_allowed(host: Host, options: ApplyOptions, report: EffectReport) -> bool:
    """Reloads and live writes happen on ``/`` only; elsewhere say they were skipped."""
    if host.is_live or options.effects_off_root:
        return True
    report.notes.append(
        f"root is {host.root}, not /: daemon-reload, sysctl writes and live adjustment skipped"
    )
    return False


def _take_effect(
    host: Host,
    options: ApplyOptions,
    report: EffectReport,
    *,
    reloads: Sequence[str],
    sysctl_text: str | None,
    services: Sequence[Service],
) -> None:
    if not options.reload:
        report.notes.append("--no-reload: no daemon-reload and no sysctl writes were made")
    else:
        if "daemon-reload" in reloads:
            daemon_reload(host, options.systemctl, report)
        if sysctl_text is not None:
            apply_sysctls(host, sysctl_text, SYSCTL_FILE, report)
    if options.live:
        live_adjust(host, services, options.systemctl, report)
    elif adjustable(services):
        report.notes.append(
            "--no-live: running processes keep their oom_score_adj until restarted "
            f"({restart_hint(services)})"
        )
