"""oomcfg benchmarks: P1-P8 of performance.md, ratios against floors measured in the same run.

Usage (from the repository root)::

    .venv/bin/python bench/run.py            # full: 100, 1,000, 10,000 services, Ansible, 5 runs
    .venv/bin/python bench/run.py --quick    # under a minute: 3 runs, no 10k, no Ansible
    .venv/bin/python bench/run.py --out DIR  # results elsewhere than bench/results/

Every command is a whole process (the venv's ``oomcfg`` and ``python``, never a
pyenv shim), timed over alternating runs and reported as a median; peak RSS
comes from GNU time. Inputs and output trees live on /dev/shm (the root ext4
here is slow to create files after deletions). Because PYTHONDONTWRITEBYTECODE=1
is set on these machines and a checkout without ``.pyc`` imports ~4.6x slower,
the bench byte-compiles the package first (``compileall``), as an installed
wheel would be, and says so in the JSON.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import ansible_peer
import cases
import report

REPO = Path(__file__).resolve().parent.parent
BENCHES: dict[str, Callable[[cases.Context], list[report.Row]]] = {
    "startup": cases.bench_startup,  # P1, P2
    "lint": cases.bench_lint,  # P3
    "render": cases.bench_render,  # P4
    "apply": cases.bench_apply,  # P5
    "reapply": cases.bench_reapply,  # P6
    "validate": cases.bench_validate,  # P7
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command line of the bench itself (argparse: the bench has no dependencies)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 runs, up to 1,000, no Ansible")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument(
        "--runs", type=int, help="timed runs per command (default 5; quick 3; start-up 3x, >= 15)"
    )
    parser.add_argument("--venv", type=Path, default=REPO / ".venv", help="oomcfg's venv")
    parser.add_argument("--processes", type=int, default=2000, help="extra processes for P7")
    parser.add_argument("--no-ansible", action="store_true", help="skip the P5 peer")
    parser.add_argument(
        "--only",
        type=lambda text: text.split(","),
        default=list(BENCHES),
        help=f"comma-separated subset of: {','.join(BENCHES)} (P8 follows from the others)",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.only if name not in BENCHES]
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    return args


def compile_package(python: Path) -> str:
    """Byte-compile oomcfg so the measured imports use ``.pyc`` like an installed wheel."""
    subprocess.run([str(python), "-m", "compileall", "-q", str(REPO / "oomcfg")], check=True)
    return (
        "python -m compileall oomcfg/ before measuring (PYTHONDONTWRITEBYTECODE is "
        + ("set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "unset")
        + ")"
    )


def make_context(args: argparse.Namespace, work: Path) -> cases.Context:
    """Sizes, runs and the Ansible peer for this kind of run."""
    sizes = [0, 100, 1000] if args.quick else [0, 100, 1000, 10_000]
    runs = args.runs or (3 if args.quick else 5)
    ansible = None if args.quick or args.no_ansible else ansible_peer.ensure_venv()
    return cases.Context(
        python=args.venv / "bin" / "python",
        oomcfg=args.venv / "bin" / "oomcfg",
        work=work,
        runs=runs,
        sizes=sizes,
        processes=args.processes,
        ansible=ansible,
    )


def meta(args: argparse.Namespace, ctx: cases.Context, notes: dict[str, str]) -> dict[str, object]:
    """Where and how the run happened, for comparing runs over time."""
    argv = ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]
    commit = subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": commit,
        "quick": args.quick,
        "runs": ctx.runs,
        "sizes": ctx.sizes,
        "processes": ctx.processes,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        **notes,
        "load_average_end": f"{os.getloadavg()[0]:.2f}",
        "peak_rss": "GNU time %M",
        "timing": "median of whole-process wall times, alternating order",
    }


def main(argv: list[str]) -> int:
    """Run every benchmark, print the table, write JSON and the plot."""
    args = parse_args(argv)
    if not (args.venv / "bin" / "oomcfg").exists():
        print(f"bench: no {args.venv}/bin/oomcfg; install oomcfg into that venv", file=sys.stderr)
        return 2
    # SIGTERM unwinds like Ctrl-C, so the process population is ended by PID.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    shm = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    work = shm / f"oomcfg-bench-{os.getpid()}"
    args.out.mkdir(parents=True, exist_ok=True)
    bytecode = compile_package(args.venv / "bin" / "python")
    load_start = f"{os.getloadavg()[0]:.2f}"  # the machine's noise, for reading the run
    try:
        ctx = make_context(args, work)
        rows: list[report.Row] = []
        for name in args.only:
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            rows += BENCHES[name](ctx)
        rows += cases.memory_rows(ctx)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.add_marginal_costs(rows)
    print(report.table(rows))
    data = args.out / "bench.json"
    notes = {"bytecode": bytecode, "load_average_start": load_start}
    report.write_json(data, rows, meta(args, ctx, notes), report.scaling(rows))
    load_end = f"{os.getloadavg()[0]:.2f}"
    print(f"\n{bytecode}\nload average (1 min): {load_start} at start, {load_end} at end")
    print(f"json: {data}")
    print(report.plot(ansible_peer.VENV / "bin" / "python", data, args.out / "bench.png"))
    return 1 if any(r.status in ("FAIL", "error") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
