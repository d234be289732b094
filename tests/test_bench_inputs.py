"""The benchmark's own machinery: generated inputs, the process population, the verdicts.

A benchmark is only as honest as its inputs and its arithmetic: a generated
profile that fails to load would time an error path, a path list that differs
from what render writes would make the write floor do other work, a leaked
sleeper would skew every later run, and a wrong pass/FAIL would misreport a
target. These run the real loader, renderer and CLI, and real processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from harness import Measurement  # noqa: E402
from inputs import (  # noqa: E402
    SLEEPER_COMM,
    profile_text,
    rendered_paths,
    sleepers,
    tree_state,
    validate_profile_text,
    write_inputs,
)
from report import Target, add_marginal_costs, judge  # noqa: E402

from oomcfg.profile import check_profiles  # noqa: E402

OOMCFG = [sys.executable, "-m", "oomcfg"]


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*OOMCFG, *map(str, args)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("n", [0, 1, 137])
def test_generated_profiles_load_with_every_service(tmp_path: Path, n: int) -> None:
    profile = write_inputs(tmp_path, [n])[n]
    loaded, diags = check_profiles([profile])
    assert [d.format() for d in diags] == []
    assert loaded is not None and len(loaded.services) == n
    assert (tmp_path / f"paths-{n}.txt").read_text().splitlines() == rendered_paths(n)


def test_generated_profile_uses_every_feature_it_claims() -> None:
    """Tiers and explicit scores, limits, policies and oomd: render does real work per service."""
    text = profile_text(40)
    for feature in ("tier: protected", "oom_score_adj:", "oom_policy:", "min: 64M",
                    "swap_max: 0", "managed_oom:"):
        assert feature in text


def test_generated_profile_lints_without_errors(tmp_path: Path) -> None:
    """Lint measures checking, not reporting: no generated value is an error to lint."""
    profile = write_inputs(tmp_path, [60])[60]
    result = _run("lint", profile)
    assert (result.returncode, result.stderr) == (0, "")


def test_path_list_is_exactly_what_render_writes(tmp_path: Path) -> None:
    """The write floor writes these paths: they must be render's files, no more, no fewer."""
    profile = write_inputs(tmp_path / "in", [25])[25]
    result = _run("render", profile, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    written = sorted(str(p.relative_to(tmp_path / "out"))
                     for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert written == sorted(rendered_paths(25))


def test_validate_profile_matches_this_host(tmp_path: Path) -> None:
    """The P7 profile reads this host's sysctls, so validate finds no sysctl drift."""
    profile = tmp_path / "validate.yaml"
    profile.write_text(validate_profile_text(500))
    result = _run("validate", profile, "--only", "sysctl")
    assert (result.returncode, result.stderr) == (0, "")


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] not in "ZX"
    except (FileNotFoundError, IndexError):
        return False


def test_sleepers_carry_the_name_and_score_then_are_gone(tmp_path: Path) -> None:
    with sleepers(4, 321, tmp_path) as pids:
        assert len(set(pids)) == 4
        for pid in pids:
            assert Path(f"/proc/{pid}/comm").read_text().strip() == SLEEPER_COMM
            assert Path(f"/proc/{pid}/oom_score_adj").read_text().strip() == "321"
    assert not any(_alive(pid) for pid in pids)


def test_sleepers_are_ended_even_when_the_benchmark_fails(tmp_path: Path) -> None:
    started: list[int] = []
    with pytest.raises(RuntimeError), sleepers(3, 0, tmp_path) as pids:
        started.extend(pids)
        raise RuntimeError("benchmark failed")
    assert len(started) == 3 and not any(_alive(pid) for pid in started)


def test_tree_state_sees_a_rewrite_and_a_touch(tmp_path: Path) -> None:
    """P6's zero-writes check: a replaced file (new inode) or a touched one both show."""
    (tmp_path / "a").write_text("x")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b").write_text("y")
    before = tree_state(tmp_path)
    assert set(before) == {"a", "d/b"}
    assert tree_state(tmp_path) == before
    (tmp_path / "new").write_text("x")
    os.replace(tmp_path / "new", tmp_path / "a")
    os.utime(tmp_path / "d" / "b", ns=(1, 1))
    after = tree_state(tmp_path)
    assert after["a"][0] != before["a"][0] and after["d/b"][1] != before["d/b"][1]


def _m(label: str, *seconds: float, error: str | None = None) -> Measurement:
    return Measurement(label, list(seconds), [2048] * len(seconds), error)


def test_judge_compares_medians_against_the_limit() -> None:
    target = Target("P4", "render", 2.5, "<= 2.5x", judged_at=10_000)
    passing = judge(target.at(10_000), 10_000, _m("oomcfg", 1.0, 2.4, 2.5), _m("floor", 1.0))
    failing = judge(target.at(10_000), 10_000, _m("oomcfg", 2.6, 2.6, 0.1), _m("floor", 1.0))
    assert (passing.status, passing.ratio, passing.peak_mib) == ("pass", 2.4, 2.0)
    assert (failing.status, failing.ratio) == ("FAIL", 2.6)


def test_judge_reports_errors_and_does_not_judge_other_sizes() -> None:
    target = Target("P4", "render", 2.5, "<= 2.5x", judged_at=10_000)
    broken = judge(target.at(10_000), 10_000, _m("oomcfg", 1.0, error="exit 3"), _m("floor", 1.0))
    scaling = judge(target.at(100), 100, _m("oomcfg", 9.0), _m("floor", 1.0))
    baseline = judge(target.at(0), 0, _m("oomcfg", 9.0), _m("floor", 1.0))
    assert (broken.status, broken.note) == ("error", "oomcfg: exit 3")
    assert (scaling.status, baseline.status) == ("info", "info")
    assert baseline.target.text == "baseline (fixed cost)"


def test_marginal_cost_is_per_added_item_within_one_benchmark() -> None:
    """(t(N) - t(N_prev)) / (N - N_prev): the fixed start-up drops out."""
    target = Target("P4", "render", 2.5, "<= 2.5x", judged_at=1000)
    sizes = ((0, 0.2), (100, 0.3), (1000, 1.2))
    rows = [judge(target.at(n), n, _m("o", t), None) for n, t in sizes]
    add_marginal_costs(rows)
    assert [r.us_per_item for r in rows] == [None, pytest.approx(1000.0), pytest.approx(1000.0)]
