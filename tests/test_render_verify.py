"""systemd itself reads every rendered drop-in and finds nothing to complain about.

For each profile, every drop-in is placed next to a minimal unit of the
matching type in a temporary unit directory, and one ``systemd-analyze verify``
run (SYSTEMD_UNIT_PATH pointing only there) loads them all. systemd logs a bad
value and *ignores* it (exit status 0), so the proof is: exit 0 **and** no
output at all. A negative control shows the same harness catches a bad value.

Two unit kinds cannot be loaded this way, and the harness says so instead of
pretending: scope units are transient (systemd refuses a ``.scope`` file:
"Unit ... not found"), so scope drop-ins are skipped; and systemd-analyze on
this platform does not read the type-wide ``service.d/`` directory for units
it loads by path, so a type-wide drop-in is verified in the drop-in directory
of a concrete unit of that type (same bytes, same section).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from oomcfg.model import DROPIN_NAME, RenderedFile
from oomcfg.profile import load_profiles
from oomcfg.render import render
from oomcfg.resources import profiles_dir
from oomcfg.units import UNIT_TYPES, is_template, unit_type

REPO = Path(__file__).resolve().parent.parent
MIXED = str(REPO / "tests/golden/inputs/every-unit-type.yaml")
PROFILES = [*sorted(str(p) for p in profiles_dir().glob("*.yaml")), MIXED]

ANALYZE = shutil.which("systemd-analyze")
if ANALYZE is None:  # pragma: no cover - depends on the machine
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("systemd-analyze is required in CI", pytrace=False)
    pytest.skip("systemd-analyze is not installed", allow_module_level=True)

#: A minimal loadable unit of each type; DefaultDependencies=no keeps the
#: verify run free of sysinit.target & co., which the private unit path lacks.
BODIES = {
    "service": "[Service]\nExecStart=/bin/true\n",
    "slice": "",
    "socket": "[Socket]\nListenStream=/run/oomcfg-verify-{stem}.sock\n",
    "mount": "[Mount]\nWhat=tmpfs\nWhere=/{where}\nType=tmpfs\n",
    "swap": "[Swap]\nWhat=/{where}\n",
}


def installed_version() -> int:
    out = subprocess.run([str(ANALYZE), "--version"], capture_output=True, text=True, check=True)
    match = re.match(r"systemd (\d+)", out.stdout)
    assert match, out.stdout
    return int(match.group(1))


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def minimal_unit(directory: Path, name: str) -> Path:
    """Create a minimal unit ``name`` (templates too) and return the path to verify."""
    utype = unit_type(name)
    stem = name.rsplit(".", 1)[0]
    body = BODIES[utype].format(stem=stem.replace("@", "-"), where=stem.replace("-", "/"))
    fragment = name if "@" not in name else stem.split("@")[0] + "@." + utype
    write(directory / fragment, "[Unit]\nDefaultDependencies=no\n" + body)
    if utype == "socket":  # a socket needs the service it activates
        write(directory / f"{stem}.service", "[Unit]\nDefaultDependencies=no\n"
              + BODIES["service"])
    return directory / name


def place(directory: Path, file: RenderedFile) -> Path | None:
    """Put one drop-in where systemd reads it; return the unit to verify (None: a scope)."""
    unit = file.unit
    assert unit is not None
    utype = unit_type(unit)
    if utype == "scope":
        return None
    if unit in UNIT_TYPES:  # type-wide: verified on a concrete unit of that type
        target, dropin_unit = f"oomcfg-type.{utype}", f"oomcfg-type.{utype}"
    elif is_template(unit):
        target, dropin_unit = unit.replace("@.", "@verify."), unit
    elif unit.rsplit(".", 1)[0].endswith("-") and not unit.startswith("-."):
        target, dropin_unit = unit.replace("-.", "-verify."), unit
    else:
        target, dropin_unit = unit, unit
    write(directory / f"{dropin_unit}.d" / DROPIN_NAME, file.content)
    return minimal_unit(directory, target)


def verify(directory: Path, units: list[Path]) -> tuple[int, str]:
    """One systemd-analyze run over ``units``; (exit status, stdout + stderr)."""
    env = {**os.environ, "SYSTEMD_UNIT_PATH": str(directory), "SYSTEMD_LOG_COLOR": "0"}
    proc = subprocess.run(
        [str(ANALYZE), "verify", "--man=no", *map(str, units)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def stage(directory: Path, files: tuple[RenderedFile, ...]) -> list[Path]:
    units = [place(directory, f) for f in files if f.kind == "systemd"]
    return sorted({u for u in units if u is not None})


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: Path(p).stem)
def test_systemd_accepts_every_rendered_dropin_silently(path: str, tmp_path: Path) -> None:
    files = render(load_profiles([path])).files
    units = stage(tmp_path, files)
    skipped = [f.unit for f in files if f.kind == "systemd" and unit_type(f.unit or "") == "scope"]
    assert len(units) + len(skipped) >= 1
    assert verify(tmp_path, units) == (0, "")


def test_rendering_for_the_installed_systemd_is_accepted(tmp_path: Path) -> None:
    files = render(load_profiles(PROFILES[-1:]), systemd_version=installed_version()).files
    assert verify(tmp_path, stage(tmp_path, files)) == (0, "")


def test_negative_control_an_out_of_range_value_is_reported(tmp_path: Path) -> None:
    """The harness can fail: systemd prints a warning (and still exits 0) for 1001."""
    files = render(load_profiles(PROFILES[:1])).files
    units = stage(tmp_path, files)
    (dropin,) = tmp_path.glob(f"ssh.service.d/{DROPIN_NAME}")
    dropin.write_text(dropin.read_text().replace("OOMScoreAdjust=-900", "OOMScoreAdjust=1001"))
    code, output = verify(tmp_path, units)
    assert code == 0  # why the exit status alone proves nothing
    assert "OOM score adjust value out of range, ignoring: 1001" in output


def test_negative_control_the_pre_248_spelling_is_unknown_to_newer_systemd(
    tmp_path: Path,
) -> None:
    """Why --systemd-version matters: 247's ...LimitPercent= is ignored by systemd >= 248."""
    if installed_version() < 248:
        pytest.skip("the installed systemd still knows the old name")
    desktop = str(profiles_dir() / "desktop-oomd.yaml")
    files = render(load_profiles([desktop]), systemd_version=247).files
    code, output = verify(tmp_path, stage(tmp_path, files))
    assert code == 0
    assert "Unknown key 'ManagedOOMMemoryPressureLimitPercent'" in output


def test_every_placed_dropin_is_really_read(tmp_path: Path) -> None:
    """Silence means "valid", not "never loaded": an unknown key in each drop-in is reported."""
    files = render(load_profiles(PROFILES[-1:])).files
    units = stage(tmp_path, files)
    dropins = sorted(tmp_path.glob(f"*.d/{DROPIN_NAME}"))
    for dropin in dropins:
        dropin.write_text(dropin.read_text() + "OomcfgProbe=1\n")
    code, output = verify(tmp_path, units)
    assert code == 0
    unread = [d for d in dropins if f"{d}:" not in output or "OomcfgProbe" not in output]
    assert len(dropins) >= 8 and unread == []
