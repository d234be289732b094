"""``oomcfg rollback``: put back what the last apply replaced, created or removed.

Every apply that writes leaves a generation record
(``var/lib/oomcfg/generations/N.json``: the previous manifest and, per path it
changed, the bytes and mode that were there before, or null for "did not
exist"). Rollback turns that record into the same kind of all-or-nothing
:class:`~oomcfg.transaction.Transaction` apply uses, restores the previous
manifest and deletes the record, so a second rollback walks one generation
further back. Files edited by hand since the apply are not clobbered without
``--force`` (the same ownership rule as apply).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from oomcfg.apply import (
    KEEP_GENERATIONS,
    ApplyOptions,
    effects_allowed,
    emptied_dirs,
    manifest_write,
    read_manifest,
    read_record_text,
    record_path,
)
from oomcfg.effect import EffectReport, apply_sysctls, daemon_reload
from oomcfg.errors import EnvironmentProblem, ExitCode
from oomcfg.host import Host
from oomcfg.model import SYSCTL_FILE
from oomcfg.plan import GENERATIONS_DIR, Change, FileState, Manifest, sha256
from oomcfg.transaction import Transaction, Write

#: path -> (bytes before the apply or None when it did not exist, mode)
Befores = dict[str, tuple[bytes | None, int]]


@dataclass(frozen=True, slots=True)
class RollbackResult:
    """Which paths were restored or removed, the generation now current, effects."""

    restored: tuple[tuple[str, str], ...]
    generation: int
    #: the generation that was current before (the one undone)
    undone: int
    effects: EffectReport
    exit_code: ExitCode


def run_rollback(host: Host, options: ApplyOptions) -> RollbackResult:
    """Undo the last apply's file changes (exit 4 if there is nothing to undo)."""
    with host.lock(options.lock_timeout):
        manifest = read_manifest(host)
        previous, befores = read_record(host, manifest.generation)
        restored = _restore(host, manifest, previous, befores, options.force)
    report = EffectReport()
    if effects_allowed(host, options, report) and options.reload:
        _take_effect(host, options, report, restored)
    report.notes.append("running processes keep their oom_score_adj until their units restart")
    code = ExitCode.PARTIAL if report.failures else ExitCode.OK
    return RollbackResult(
        tuple(restored), previous.generation, manifest.generation, report, code
    )


def read_record(host: Host, generation: int) -> tuple[Manifest, Befores]:
    """The previous manifest and the per-path bytes recorded by ``generation``."""
    text = read_record_text(host, record_path(generation)) if generation > 0 else None
    if text is None:
        raise EnvironmentProblem(
            f"nothing to roll back under {host.root}: no record of generation {generation} "
            f"in {GENERATIONS_DIR} (oomcfg keeps the last {KEEP_GENERATIONS})"
        )
    try:
        data = json.loads(text)
        befores = {str(path): _decode(entry) for path, entry in dict(data["files"]).items()}
        return Manifest.from_data(data["previous_manifest"]), befores
    except (ValueError, KeyError, TypeError) as err:
        raise EnvironmentProblem(f"{record_path(generation)} is corrupt: {err}") from err


def _decode(entry: dict[str, object]) -> tuple[bytes | None, int]:
    before = entry["before"]
    mode = entry["mode"]
    data = None if before is None else base64.b64decode(str(before), validate=True)
    return data, int(mode) if isinstance(mode, int) else 0o644


def _restore(
    host: Host, manifest: Manifest, previous: Manifest, befores: Befores, force: bool
) -> list[tuple[str, str]]:
    states = {path: host.read_state(path) for path in sorted(befores)}
    edited = [p for p, state in states.items() if _edited_since(state, manifest, p)]
    if edited and not force:
        raise EnvironmentProblem(
            "refusing to roll back, nothing was written: changed since the last apply "
            "(--force overrides): " + ", ".join(edited)
        )
    writes = [Write(p, befores[p][0], befores[p][1], s.content, s.mode) for p, s in states.items()]
    record = record_path(manifest.generation)
    writes.append(Write(record, None, old=host.read_bytes(record), old_mode=0o600))
    writes.append(manifest_write(host, previous))
    _refuse_unsafe(host, [w.path for w in writes])
    removed = [Change(w.path, "remove") for w in writes[:-2] if w.data is None]
    Transaction(host, prune_dirs=emptied_dirs(removed), command="rollback").run(writes)
    return [(p, "removed" if befores[p][0] is None else "restored") for p in states]


def _edited_since(state: FileState, manifest: Manifest, path: str) -> bool:
    entry = manifest.files.get(path)
    if entry is None:
        return state.kind != "missing"  # the apply removed it, yet something is there now
    return state.kind != "file" or sha256(state.content or b"") != entry.sha256


def _refuse_unsafe(host: Host, paths: list[str]) -> None:
    problems = [f"{p}: {reason}" for p in paths if (reason := host.unsafe_reason(p)) is not None]
    if problems:
        raise EnvironmentProblem(
            "refusing to roll back, nothing was written:\n  " + "\n  ".join(problems)
        )


def _take_effect(
    host: Host, options: ApplyOptions, report: EffectReport, restored: list[tuple[str, str]]
) -> None:
    if any(path.startswith("etc/systemd/") for path, _what in restored):
        daemon_reload(host, options.systemctl, report)
    sysctl_text = host.read_text(SYSCTL_FILE)
    if sysctl_text is not None and SYSCTL_FILE in dict(restored):
        apply_sysctls(host, sysctl_text, SYSCTL_FILE, report)
