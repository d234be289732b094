"""The built wheel carries templates/ and profiles/ and works outside the checkout.

Builds a wheel from the working tree, installs it into a fresh virtualenv and
renders every shipped profile with the installed ``oomcfg`` from a directory
that is not the checkout, so nothing can be found by accident in the tree.
"""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation",
         "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("oomcfg-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True)
    subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q",
         "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
    )
    return env_dir


def test_wheel_contains_templates_and_profiles(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    shipped_templates = {p.relative_to(ROOT).as_posix() for p in (ROOT / "templates").rglob("*.j2")}
    shipped_profiles = {p.relative_to(ROOT).as_posix() for p in (ROOT / "profiles").glob("*.yaml")}
    assert shipped_templates and shipped_profiles
    for rel in shipped_templates | shipped_profiles:
        assert f"oomcfg/_data/{rel}" in names


def test_installed_wheel_renders_every_shipped_profile(installed: Path, tmp_path: Path) -> None:
    python = installed / "bin" / "python"
    oomcfg = installed / "bin" / "oomcfg"
    where = subprocess.run(
        [str(python), "-c", "from oomcfg.resources import profiles_dir; print(profiles_dir())"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    ).stdout.strip()
    assert "_data" in where and not where.startswith(str(ROOT))
    profiles = sorted(Path(where).glob("*.yaml"))
    assert len(profiles) >= 6
    for profile in profiles:
        out = tmp_path / profile.stem
        done = subprocess.run(
            [str(oomcfg), "render", str(profile), "--out", str(out)],
            check=False, capture_output=True, text=True, cwd=tmp_path,
        )
        assert (done.returncode, done.stderr) == (0, ""), profile.name
        assert any(p.is_file() for p in out.rglob("*")), profile.name


def test_installed_wheel_renders_presets_by_name_with_the_checkouts_bytes(
    installed: Path, tmp_path: Path
) -> None:
    """`oomcfg render NAME` works from the wheel, and the bytes do not depend on the install."""
    names = sorted(p.stem for p in (ROOT / "profiles").glob("*.yaml"))
    installed_run = subprocess.run(
        [str(installed / "bin" / "oomcfg"), "render", *names, "--format", "json"],
        check=False, capture_output=True, text=True, cwd=tmp_path,
    )
    checkout_run = subprocess.run(
        [sys.executable, "-m", "oomcfg", "render", *(f"preset:{n}" for n in names),
         "--format", "json"],
        check=False, capture_output=True, text=True, cwd=tmp_path,
    )
    assert (installed_run.returncode, installed_run.stderr) == (0, "")
    assert installed_run.stdout == checkout_run.stdout
