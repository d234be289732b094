"""Whole-process timing and peak memory: alternating runs, medians.

Why not hyperfine: it is not installed here, and peak RSS per command needs
``wait4`` anyway. Why ``/usr/bin/time``: a child forked from this (large)
Python process inherits the parent's RSS high-water mark into its own
``ru_maxrss`` (Linux keeps the pre-exec maximum across exec), so ``wait4`` on
a direct child reports the bench's size, not the command's. GNU time is a
tiny C process, so the maximum it reports (``%M``, KiB) is the command's own.
Both sides of every comparison are wrapped the same way, so its ~1 ms cost
cancels in the ratios.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import PIPE

GNU_TIME = shutil.which("time", path="/usr/bin:/bin")
TIMEOUT = 900  # seconds; Ansible's 100-service run takes minutes on a busy machine


@dataclass(frozen=True)
class Command:
    """One measured command; ``prepare`` runs untimed before each run (e.g. empty a tree)."""

    label: str
    argv: tuple[str, ...]
    ok_codes: frozenset[int] = frozenset({0})
    prepare: Callable[[], None] | None = None
    env: dict[str, str] | None = None
    runs: int | None = None  # fewer runs for a slow peer (Ansible: minutes per run)
    warmup: bool = True


@dataclass
class Sample:
    """One run: wall seconds, peak RSS (KiB, None without GNU time), exit code, output."""

    seconds: float
    maxrss_kib: int | None
    code: int
    output: str


@dataclass
class Measurement:
    """Medians over the timed runs of one command, or why it could not be measured."""

    label: str
    seconds: list[float] = field(default_factory=list)
    maxrss_kib: list[int] = field(default_factory=list)
    error: str | None = None

    @property
    def median(self) -> float | None:
        """Median wall time in seconds (None when the command failed)."""
        return statistics.median(self.seconds) if self.seconds and not self.error else None

    @property
    def peak_mib(self) -> float | None:
        """Largest peak RSS over the runs, MiB."""
        return max(self.maxrss_kib) / 1024 if self.maxrss_kib and not self.error else None


def run_once(cmd: Command, scratch: Path) -> Sample:
    """Run ``cmd`` once under GNU time; keep stderr (or stdout) to explain a failure."""
    if cmd.prepare is not None:
        cmd.prepare()
    fd, rss_name = tempfile.mkstemp(prefix="rss-", dir=scratch)
    os.close(fd)
    argv = list(cmd.argv)
    if GNU_TIME:
        argv = [GNU_TIME, "-f", "%M", "-o", rss_name, *argv]
    env = {**os.environ, **(cmd.env or {})}
    start = time.perf_counter()
    code, output = _run_bounded(argv, env)
    elapsed = time.perf_counter() - start
    rss = _read_rss(Path(rss_name)) if GNU_TIME and code >= 0 else None
    Path(rss_name).unlink()
    return Sample(elapsed, rss, code, output)


def _run_bounded(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``argv`` in its own session; past :data:`TIMEOUT` kill that process group.

    The group matters: killing GNU time alone would leave the measured command
    running. Returns the exit code (-9 on timeout) and stderr, else stdout.
    """
    with subprocess.Popen(argv, stdout=PIPE, stderr=PIPE, env=env, start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return -9, f"timed out after {TIMEOUT} s"
    return proc.returncode, (err or out).decode(errors="replace")


def _read_rss(path: Path) -> int | None:
    # GNU time writes "Command exited with non-zero status N" before the format line.
    lines = path.read_text().split()
    return int(lines[-1]) if lines and lines[-1].isdigit() else None


def _failure(cmd: Command, sample: Sample) -> str | None:
    if sample.code in cmd.ok_codes:
        return None
    first = next((ln for ln in sample.output.splitlines() if ln.strip()), "")
    return f"exit {sample.code}: {first[:160]}"


def compare(commands: Sequence[Command], runs: int, scratch: Path) -> list[Measurement]:
    """Warm each command once, then ``runs`` rounds in alternating order.

    Alternating (A B, B A, ...) spreads the machine's drift over both sides;
    the warm-up fills the page cache and checks the exit code, so a command
    that fails is reported with its error instead of timed.
    """
    results = [Measurement(c.label) for c in commands]
    for cmd, result in zip(commands, results, strict=True):
        if cmd.warmup:
            result.error = _failure(cmd, run_once(cmd, scratch))
    live = [(c, r) for c, r in zip(commands, results, strict=True) if r.error is None]
    for i in range(runs):
        order = live if i % 2 == 0 else live[::-1]
        for cmd, result in order:
            if result.error is None and (cmd.runs is None or len(result.seconds) < cmd.runs):
                _record(cmd, result, run_once(cmd, scratch))
    return results


def _record(cmd: Command, result: Measurement, sample: Sample) -> None:
    result.error = _failure(cmd, sample)
    result.seconds.append(sample.seconds)
    if sample.maxrss_kib is not None:
        result.maxrss_kib.append(sample.maxrss_kib)
