"""Golden trees: the exact bytes render writes for representative profiles.

Each case renders into a fresh directory through the real writer and compares
the WHOLE tree with ``tests/golden/<case>/tree/`` (a missing or extra file
fails, as does any byte), and the notes with ``notes.txt``. After an intended
change, regenerate with ``OOMCFG_UPDATE_GOLDEN=1 pytest tests/test_render_golden.py``
and review the diff like any other code change.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from oomcfg.outtree import write_tree
from oomcfg.profile import load_profiles
from oomcfg.render import render

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("OOMCFG_UPDATE_GOLDEN") == "1"
MIXED = "tests/golden/inputs/every-unit-type.yaml"

#: case -> (profile paths relative to the repository, systemd version)
CASES: dict[str, tuple[list[str], int | None]] = {
    "base-server": (["profiles/base-server.yaml"], None),
    "database-server": (["profiles/database-server.yaml"], None),
    "desktop-oomd-systemd-247": (["profiles/desktop-oomd.yaml"], 247),
    "every-unit-type": ([MIXED], None),
    "every-unit-type-systemd-246": ([MIXED], 246),
}


def tree(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` by relative path (directories are implied)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_tree(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths, version = CASES[case]
    monkeypatch.chdir(REPO)  # sources appear in headers as given: keep them relative
    result = render(load_profiles(paths), systemd_version=version)
    out = tmp_path / "out"
    write_tree(out, result.files)
    notes = "".join(n.format() + "\n" for n in result.notes)
    expected_dir = GOLDEN / case
    if UPDATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(out, expected_dir / "tree")
        (expected_dir / "notes.txt").write_text(notes)
    assert tree(out) == tree(expected_dir / "tree")
    assert notes == (expected_dir / "notes.txt").read_text()


def test_golden_directory_has_no_stale_cases() -> None:
    assert {p.name for p in GOLDEN.iterdir() if p.is_dir()} == {*CASES, "inputs"}
