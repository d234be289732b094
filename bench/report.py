"""Result rows, the printed table and the JSON record of one benchmark run.

Every row is a ratio against a floor or peer measured in the same run
(performance.md: these machines drift by ±25%, absolute times are not
targets). ``ratio`` is always oomcfg / floor, so "<= 2.5x" and P5's "200x
faster" (<= 0.005x) read the same way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from harness import Measurement

MIB_LIMIT = 150.0  # P8


@dataclass(frozen=True)
class Target:
    """One performance.md target: id, what is measured, the ratio limit and its text."""

    bench: str
    name: str
    limit: float | None  # max oomcfg/floor ratio; None: reported, not judged
    text: str
    judged_at: int | None = None  # the size performance.md sets the target for

    def at(self, n: int | None) -> Target:
        """The target at size ``n``: judged at ``judged_at`` only; 0 is the fixed-cost baseline."""
        if n == 0:
            return Target(self.bench, self.name, None, "baseline (fixed cost)")
        if self.judged_at is None or n == self.judged_at:
            return self
        return Target(self.bench, self.name, None, f"scaling (judged at {self.judged_at:,})")


@dataclass
class Row:
    """One line of the table; ``status`` is pass, FAIL, info, n/a or error."""

    target: Target
    n: int | None
    oomcfg_s: float | None = None
    floor_s: float | None = None
    floor: str = ""
    status: str = "info"
    peak_mib: float | None = None
    note: str = ""
    #: marginal cost from the previous size of the same benchmark: (t - t_prev) / (n - n_prev)
    us_per_item: float | None = None

    @property
    def ratio(self) -> float | None:
        """oomcfg / floor in the same run."""
        if self.oomcfg_s is None or not self.floor_s:
            return None
        return self.oomcfg_s / self.floor_s


def judge(target: Target, n: int | None, ours: Measurement, floor: Measurement | None) -> Row:
    """Build a row from two measurements and decide pass/FAIL against the target's limit."""
    row = Row(target, n, ours.median, peak_mib=ours.peak_mib)
    if floor is not None:
        row.floor_s, row.floor = floor.median, floor.label
    errors = [m for m in (ours, floor) if m is not None and m.error]
    if errors:
        row.status = "error"
        row.note = "; ".join(f"{m.label}: {m.error}" for m in errors)
    elif target.limit is not None and row.ratio is not None:
        row.status = "pass" if row.ratio <= target.limit else "FAIL"
    return row


def unavailable(target: Target, why: str) -> Row:
    """A row for a command that is not implemented yet (or a peer that is missing)."""
    return Row(target, None, status="n/a", note=why)


def add_marginal_costs(rows: list[Row]) -> None:
    """Set each row's cost per service (per process for P7) against the previous size.

    Marginal, not t/N: the fixed start-up would make t/N fall with N even for
    a quadratic command; a flat marginal cost is the claim to check.
    """
    previous: dict[tuple[str, str], Row] = {}
    for row in rows:
        if row.n is None or row.oomcfg_s is None:
            continue
        key = (row.target.bench, row.target.name)
        before = previous.get(key)
        if before is not None and before.n is not None and before.oomcfg_s is not None:
            row.us_per_item = (row.oomcfg_s - before.oomcfg_s) / (row.n - before.n) * 1e6
        previous[key] = row


def scaling(rows: list[Row]) -> dict[str, list[dict[str, float]]]:
    """``{benchmark name: [{n, us_per_service}, ...]}`` for the plot and the JSON."""
    out: dict[str, list[dict[str, float]]] = {}
    for row in rows:
        if row.us_per_item is not None and row.n and row.target.bench in ("P3", "P4", "P5", "P6"):
            point = {"n": row.n, "us_per_service": row.us_per_item}
            out.setdefault(row.target.name, []).append(point)
    return out


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _us(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}x" if value >= 0.1 else f"{value:.4f}x (1/{1 / value:.0f})"


def table(rows: list[Row]) -> str:
    """Markdown table: readable in a terminal, pasteable into docs/performance.md."""
    head = (
        "| id | benchmark | N | oomcfg | floor / peer | ratio | target | result | peak RSS "
        "| µs/item |"
    )
    lines = [head, "|---|---|---:|---:|---:|---:|---|---|---:|---:|"]
    for r in rows:
        peak = f"{r.peak_mib:.0f} MiB" if r.peak_mib is not None else "-"
        n = f"{r.n:,}" if r.n is not None else ""
        floor = f"{_ms(r.floor_s)} {r.floor}".strip() if r.floor else "-"
        result = r.status if not r.note else f"{r.status}: {r.note}"
        t = r.target
        lines.append(
            f"| {t.bench} | {t.name} | {n} | {_ms(r.oomcfg_s)} | {floor} | {_ratio(r.ratio)} "
            f"| {t.text} | {result} | {peak} | {_us(r.us_per_item)} |"
        )
    return "\n".join(lines)


def write_json(path: Path, rows: list[Row], meta: dict[str, object], scaling: object) -> None:
    """The run as JSON (for tracking over time): meta, rows with ratios, scaling."""
    data = {
        "meta": meta,
        "rows": [{**asdict(r), "ratio": r.ratio} for r in rows],  # target nested
        "scaling": scaling,
    }
    path.write_text(json.dumps(data, indent=2) + "\n")


def plot(python: Path | None, data: Path, png: Path) -> str:
    """Draw the cost-per-service PNG with the bench venv's matplotlib; say what happened."""
    script = Path(__file__).with_name("plot.py")
    if python is None or not python.exists():
        return "plot skipped: no bench environment with matplotlib (bench/.venv)"
    argv = [str(python), str(script), str(data), str(png)]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return f"plot failed (exit {proc.returncode})"
    return f"plot: {png}"
