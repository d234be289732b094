"""Plot cost per service against N for lint, render and apply (bench-only: matplotlib).

Run by ``bench/run.py`` with ``bench/.venv/bin/python``, so matplotlib never
becomes a dependency of oomcfg. A flat line is the claim (no quadratic
merges or lookups); each point is the marginal cost from the previous size,
(t(N) - t(N_prev)) / (N - N_prev), so the fixed start-up drops out.

Usage: python plot.py BENCH_JSON OUT_PNG
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt  # the backend is chosen first


def main(data_path: Path, png: Path) -> None:
    """Draw one line per command from the ``scaling`` section of the bench JSON."""
    data = json.loads(data_path.read_text())
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    for command, points in sorted(data["scaling"].items()):
        if points:
            ns = [p["n"] for p in points]
            ax.plot(ns, [p["us_per_service"] for p in points], marker="o", label=command)
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("services in the profile (N)")
    ax.set_ylabel("µs per added service (marginal)")
    meta = data["meta"]
    ax.set_title(f"oomcfg cost per service ({meta['date']}, commit {meta['commit']})", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
