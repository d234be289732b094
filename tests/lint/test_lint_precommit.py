"""The real pre-commit runs this repository's hook against a temporary git repository.

``oomcfg-lint-system`` (language: system) uses the oomcfg on PATH, so the
test is offline and fast; ``oomcfg-lint`` (language: python) is the same entry
installed by pre-commit into its own virtualenv, which needs a package index.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BAD = "oomcfg: 1\ndescription: t\nsysctl:\n  vm.panic_on_oom: 1\n"
GOOD = BAD + "  kernel.panic: 10\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


def try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PATH": f"{BIN}:{os.environ['PATH']}"}
    return subprocess.run(
        [str(BIN / "pre-commit"), "try-repo", str(ROOT), "oomcfg-lint-system", "--all-files"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "web.yaml").write_text(BAD)
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n")  # not a profile: skipped
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "profile")
    return repo


def test_the_hook_fails_on_findings_and_passes_once_fixed(repo: Path, tmp_path: Path) -> None:
    failed = try_repo(repo, tmp_path / "home")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "oomcfg lint (installed oomcfg)" in failed.stdout
    assert "web.yaml:4:20: error[OC101]" in failed.stdout

    (repo / "web.yaml").write_text(GOOD)
    git(repo, "commit", "-qam", "fix")
    passed = try_repo(repo, tmp_path / "home")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def test_the_header_example_is_a_config_pre_commit_accepts(tmp_path: Path) -> None:
    """The commented usage example names placeholders (no invented URL) and validates."""
    header = ROOT.joinpath(".pre-commit-hooks.yaml").read_text().split("\n- id:")[0]
    lines = [ln[2:] for ln in header.splitlines() if ln.startswith("#  ")]
    example = "\n".join(ln for ln in lines if ln.strip())
    assert "repo: REPO-URL" in example and "rev: REV" in example, example
    assert "://" not in example, example
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(example.replace("REPO-URL", str(ROOT)).replace("REV", "HEAD") + "\n")
    checked = subprocess.run(
        [str(BIN / "pre-commit"), "validate-config", str(config)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr + example
