"""P1-P8 of performance.md, each against its floor or peer measured in the same run.

Each ``bench_*`` function measures one target at every size and returns table
rows. A command that is not implemented yet becomes an ``n/a`` row, and one
that fails on the generated input an ``error`` row with its first stderr line:
the bench never crashes on the state of the tree it measures.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import ansible_peer
from harness import Command, Measurement, compare
from inputs import rendered_paths, sleepers, tree_state, validate_profile_text, write_inputs
from report import MIB_LIMIT, Row, Target, judge, unavailable

FLOORS = Path(__file__).resolve().parent / "floors"
Pair = tuple[Measurement, Measurement | None]

P1 = Target("P1", "oomcfg --version", 4.0, "<= 4x")
P2 = Target("P2", "oomcfg --help", 1.5, "<= 1.5x")
P3 = Target("P3", "oomcfg lint", 1.5, "<= 1.5x", judged_at=10_000)
P4 = Target("P4", "oomcfg render --out", 2.5, "<= 2.5x", judged_at=10_000)
P5 = Target("P5", "oomcfg apply (fresh root)", 1 / 200, ">= 200x faster")
P5_SCALE = Target("P5", "oomcfg apply (fresh root)", None, "no peer: cost/service")
P6 = Target("P6", "oomcfg apply (unchanged)", 1.0, "<= 1.0x, 0 writes", judged_at=10_000)
P7 = Target("P7", "oomcfg validate (N extra procs)", 2.0, "<= 2x")
P8 = Target("P8", "peak RSS", None, f"<= {MIB_LIMIT:.0f} MiB")


@dataclass
class Context:
    """Paths and settings shared by every benchmark of one run."""

    python: Path  # the venv's interpreter (never the pyenv shim)
    oomcfg: Path  # the venv's console script
    work: Path  # scratch tree on /dev/shm
    runs: int
    sizes: list[int]  # includes 0: the fixed-cost baseline for cost per service
    processes: int
    ansible: Path | None
    profiles: dict[int, Path] = field(default_factory=dict)
    helps: dict[str, str] = field(default_factory=dict)
    measured: dict[tuple[str, int], Measurement] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.profiles = write_inputs(self.work / "inputs", self.sizes)

    def help_text(self, command: str) -> str | None:
        """``oomcfg COMMAND --help``, or None when the command does not exist (yet)."""
        if command not in self.helps:
            argv = [str(self.oomcfg), command, "--help"]
            proc = subprocess.run(argv, capture_output=True, text=True, check=False)
            self.helps[command] = proc.stdout if proc.returncode == 0 else ""
        return self.helps[command] or None

    def py(self, script: str, *args: str | Path) -> Command:
        """The venv's Python running one of ``floors/``."""
        argv = (str(self.python), str(FLOORS / script), *map(str, args))
        return Command(script.removesuffix(".py"), argv)

    def cli(self, label: str, *args: str | Path, ok: frozenset[int] = frozenset({0})) -> Command:
        """The venv's ``oomcfg`` with ``args``."""
        return Command(label, (str(self.oomcfg), *map(str, args)), ok_codes=ok)

    def pair(
        self, ours: Command, floor: Command, runs: int | None = None
    ) -> tuple[Measurement, Measurement]:
        """Measure two commands in alternating runs (default: the run's count)."""
        mine, theirs = compare([ours, floor], runs or self.runs, self.work)
        return mine, theirs

    def sweep(self, pairs: dict[int, tuple[Command, Command | None]]) -> dict[int, Pair]:
        """Measure every size's (oomcfg, floor) pair in one alternating rotation.

        All sizes share each round, so a change in the machine's load lands on
        every size alike and the cost per service between sizes stays meaningful.
        """
        flat = [c for ours, floor in pairs.values() for c in (ours, floor) if c is not None]
        found = iter(compare(flat, self.runs, self.work))
        return {n: (next(found), next(found) if floor else None) for n, (_, floor) in pairs.items()}


def emptied(path: Path) -> None:
    """Remove and recreate ``path``: each timed run writes into an empty tree (untimed)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)


def preparing(cmd: Command, path: Path) -> Command:
    """``cmd`` with an untimed ``emptied(path)`` before each run."""
    return Command(cmd.label, cmd.argv, cmd.ok_codes, prepare=lambda: emptied(path))


def bench_startup(ctx: Context) -> list[Row]:
    """P1 ``--version`` vs ``python -c pass``; P2 ``--help`` vs ``import typer``."""
    python = str(ctx.python)
    runs = max(15, 3 * ctx.runs)  # cheap, and the most sensitive to the machine's noise
    bare = Command("python -c pass", (python, "-c", "pass"))
    v, p = ctx.pair(ctx.cli("oomcfg", "--version"), bare, runs)
    typer = Command("import typer", (python, "-c", "import typer"))
    h, t = ctx.pair(ctx.cli("oomcfg", "--help"), typer, runs)
    return [judge(P1, None, v, p), judge(P2, None, h, t)]


def bench_lint(ctx: Context) -> list[Row]:
    """P3: lint vs a bare CSafeLoader load of the same file, at every size."""
    if ctx.help_text("lint") is None:
        return [unavailable(P3, "lint not implemented yet")]
    found = ctx.sweep(
        {
            n: (ctx.cli("lint", "lint", p, ok=frozenset({0, 1})), ctx.py("yaml_load.py", p))
            for n, p in ctx.profiles.items()  # exit 1: findings, still a full lint
        }
    )
    rows = []
    for n, (mine, floor) in found.items():
        ctx.measured["lint", n] = mine
        rows.append(judge(P3.at(n), n, mine, floor))
    return rows


def bench_render(ctx: Context) -> list[Row]:
    """P4: render --out vs the Python floor writing the same files with constant content."""
    if ctx.help_text("render") is None:
        return [unavailable(P4, "render not implemented yet")]
    found = ctx.sweep({n: _render_pair(ctx, n, profile) for n, profile in ctx.profiles.items()})
    rows = []
    for n, (mine, floor) in found.items():
        ctx.measured["render", n] = mine
        rows.append(_check_tree(judge(P4.at(n), n, mine, floor), ctx.work / f"render-{n}", n))
    return rows


def _render_pair(ctx: Context, n: int, profile: Path) -> tuple[Command, Command]:
    out, ref = ctx.work / f"render-{n}", ctx.work / f"floor-{n}"
    paths = ctx.work / "inputs" / f"paths-{n}.txt"
    ours = preparing(ctx.cli("render", "render", profile, "--out", out), out)
    return ours, preparing(ctx.py("write_tree.py", paths, ref), ref)


def _check_tree(row: Row, root: Path, n: int) -> Row:
    """Say so when the tree does not hold the files the floor wrote."""
    if row.status != "error":
        found = set(tree_state(root))
        missing = [p for p in rendered_paths(n) if p not in found]
        if missing:
            row.note = f"{len(missing)} expected files missing, e.g. {missing[0]}"
    return row


def apply_cmd(ctx: Context, label: str, profile: Path, root: Path) -> Command:
    """``oomcfg apply`` into ``root``, non-interactive if the command has a ``--yes``."""
    extra = ["--yes"] if "--yes" in (ctx.help_text("apply") or "") else []
    return ctx.cli(label, "apply", profile, "--root", root, *extra)


def bench_apply(ctx: Context) -> list[Row]:
    """P5: apply into a fresh root; at 100 services against ansible-playbook."""
    if ctx.help_text("apply") is None:
        return [unavailable(P5, "apply not implemented yet")]
    found = ctx.sweep({n: _apply_pair(ctx, n, profile) for n, profile in ctx.profiles.items()})
    rows = []
    for n, (mine, peer) in found.items():
        ctx.measured["apply", n] = mine
        rows.append(judge(P5 if peer else P5_SCALE.at(n), n, mine, peer))
    if ctx.ansible is None:
        rows.append(unavailable(P5, "no Ansible peer in this run (--quick or --no-ansible)"))
    return rows


def _apply_pair(ctx: Context, n: int, profile: Path) -> tuple[Command, Command | None]:
    root = ctx.work / f"apply-{n}"
    return preparing(apply_cmd(ctx, "apply", profile, root), root), _ansible(ctx, n)


def _ansible(ctx: Context, n: int) -> Command | None:
    if n != 100 or ctx.ansible is None:
        return None
    playbook = ansible_peer.write_playbook(ctx.work / "ansible", n)
    root = ctx.work / "ansible-root"
    argv = ansible_peer.command_argv(ctx.ansible, playbook, root)
    env = ansible_peer.environment(ctx.work)
    # One run, no warm-up: a run takes minutes, and the ratio is far from the limit.
    return Command(
        "ansible-playbook", argv, prepare=lambda: emptied(root), env=env, runs=1, warmup=False
    )


def bench_reapply(ctx: Context) -> list[Row]:
    """P6: an unchanged second apply vs render of the same profile; it must write nothing."""
    if ctx.help_text("apply") is None or ctx.help_text("render") is None:
        return [unavailable(P6, "apply or render not implemented yet")]
    before = {n: _first_apply(ctx, n, profile) for n, profile in ctx.profiles.items()}
    found = ctx.sweep({n: _reapply_pair(ctx, n, profile) for n, profile in ctx.profiles.items()})
    rows = []
    for n, (mine, floor) in found.items():
        ctx.measured["re-apply", n] = mine
        after = tree_state(ctx.work / f"reapply-{n}")
        rows.append(_check_unchanged(judge(P6.at(n), n, mine, floor), before[n], after))
    return rows


def _first_apply(ctx: Context, n: int, profile: Path) -> dict[str, tuple[int, int]]:
    """Apply once into an empty root; return its tree state (the zero-writes reference)."""
    root = ctx.work / f"reapply-{n}"
    emptied(root)
    subprocess.run(
        apply_cmd(ctx, "first apply", profile, root).argv, capture_output=True, check=False
    )
    return tree_state(root)


def _reapply_pair(ctx: Context, n: int, profile: Path) -> tuple[Command, Command]:
    out = ctx.work / f"rerender-{n}"
    render = preparing(ctx.cli("render", "render", profile, "--out", out), out)
    return apply_cmd(ctx, "re-apply", profile, ctx.work / f"reapply-{n}"), render


def _check_unchanged(
    row: Row, before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]
) -> Row:
    """Zero writes: same files, same inodes, same mtimes before and after the runs."""
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    if row.status == "error":
        return row
    if not before:
        row.status, row.note = "error", "the first apply wrote nothing"
    elif changed:
        row.status, row.note = "FAIL", f"{len(changed)} files written, e.g. {changed[0]}"
    else:
        row.note = f"0 writes ({len(before)} files checked)"
    return row


def bench_validate(ctx: Context) -> list[Row]:
    """P7: validate with 2,000+ extra processes vs a bare /proc scan of the same fields."""
    if ctx.help_text("validate") is None:
        return [unavailable(P7, "validate not implemented yet")]
    adj = 500
    profile = ctx.work / "inputs" / "validate.yaml"
    profile.write_text(validate_profile_text(adj))
    ours = ctx.cli("validate", "validate", profile)  # the population matches: exit 0
    rows, pairs = [], []
    for extra in (0, ctx.processes):
        with sleepers(extra, adj, ctx.work):
            mine, floor = ctx.pair(ours, ctx.py("proc_scan.py"))
        ctx.measured["validate", extra] = mine
        rows.append(judge(P7.at(extra), extra, mine, floor))
        pairs.append((mine, floor))
    rows[-1].note = rows[-1].note or _marginal(pairs, ctx.processes)
    return rows


def _marginal(pairs: list[tuple[Measurement, Measurement]], extra: int) -> str:
    """What the extra processes alone cost each side: the scan without the start-up."""
    known = [m.median for pair in pairs for m in pair if m.median is not None]
    if len(known) != 4:
        return ""
    ours0, floor0, ours1, floor1 = known
    ours, floor = ours1 - ours0, floor1 - floor0
    ratio = f" = {ours / floor:.2f}x" if floor > 0 else ""
    return f"marginal for {extra:,} processes: +{ours * 1e3:.0f} ms vs +{floor * 1e3:.0f} ms{ratio}"


def memory_rows(ctx: Context) -> list[Row]:
    """P8: the peak RSS of every command at the largest size (validate: with the population)."""
    largest = max(ctx.sizes)
    rows = []
    for (command, n), m in sorted(ctx.measured.items()):
        at_scale = n == (ctx.processes if command == "validate" else largest)
        if at_scale and m.peak_mib is not None:
            status = "pass" if m.peak_mib <= MIB_LIMIT else "FAIL"
            target = Target("P8", f"peak RSS: oomcfg {command}", None, P8.text)
            rows.append(Row(target, n, status=status, peak_mib=m.peak_mib))
    return rows
