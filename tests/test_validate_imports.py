"""What ``oomcfg validate`` loads: only what the layers it checks need (start-up cost).

Not a timing test (speed is measured in bench/): it pins *which* modules a
run imports, so a top-level import added later cannot silently bring the
systemd machinery (unit-file parser, instance expansion) or the renderer
(Jinja2) back into a sysctl check on a host without systemd.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: Runs validate in-process on a fixture root (no /run/systemd/system: no
#: systemd) and prints the exit code, then every module loaded by then.
SCRIPT = """
import io, sys
from pathlib import Path
from oomcfg.validate_cmd import ValidateRequest, run_validate
request = ValidateRequest((Path(sys.argv[1]),), root=Path(sys.argv[2]), only=frozenset({"sysctl"}))
code = run_validate(request, io.StringIO(), io.StringIO())
print(int(code), *sorted(sys.modules))
"""


def test_a_sysctl_check_without_systemd_loads_no_unit_or_render_machinery(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "oomcfg: 1\nsysctl:\n  vm.swappiness: 10\n"
        "services:\n  web: {unit: web.service, oom_score_adj: 300}\n"
    )
    root = tmp_path / "root"
    (root / "proc/sys/vm").mkdir(parents=True)
    (root / "proc/sys/vm/swappiness").write_text("10\n")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(profile), str(root)],
        capture_output=True, text=True, check=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    code, *modules = done.stdout.split()
    assert code == "0"
    assert {"oomcfg.validate", "oomcfg.probe", "oomcfg.profile"} <= set(modules)  # it ran
    unneeded = {
        "oomcfg.validate_systemd", "oomcfg.instances", "oomcfg.unitfile", "oomcfg.validate_units",
        "oomcfg.render", "oomcfg.templating", "jinja2", "typer", "rich",
        # apply's planner (and the digest and manifest machinery it needs): validate
        # writes nothing, so none of it belongs in its start-up (~10 ms).
        "oomcfg.plan", "hashlib", "json",
    }  # fmt: skip
    assert set(modules) & unneeded == set()
