"""The P5 peer: ansible-playbook (ansible-core from PyPI) writing the same drop-ins.

It runs from the bench's own environment, ``bench/.venv`` (git-ignored, created
on first use from ``bench/requirements.txt``), never from oomcfg's runtime
dependencies. The playbook is what a careful operator writes: connection
local, no fact gathering, one ``file`` loop for the ``UNIT.d`` directories and
one ``template`` loop for the drop-ins, plus the sysctl.d file, all under
``bench_root`` so nothing on this host outside the scratch tree changes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from inputs import DROPIN, SYSCTL_FILE, unit_name

BENCH_DIR = Path(__file__).resolve().parent
VENV = BENCH_DIR / ".venv"

PLAYBOOK = f"""\
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: drop-in directories
      ansible.builtin.file:
        path: "{{{{ bench_root }}}}/etc/systemd/system/{{{{ item.unit }}}}.d"
        state: directory
        mode: "0755"
      loop: "{{{{ services }}}}"
    - name: drop-ins
      ansible.builtin.template:
        src: dropin.j2
        dest: "{{{{ bench_root }}}}/etc/systemd/system/{{{{ item.unit }}}}.d/{DROPIN}"
        mode: "0644"
      loop: "{{{{ services }}}}"
    - name: sysctl.d directory
      ansible.builtin.file:
        path: "{{{{ bench_root }}}}/{Path(SYSCTL_FILE).parent}"
        state: directory
        mode: "0755"
    - name: sysctl.d file
      ansible.builtin.copy:
        content: "vm.panic_on_oom = 0\\nvm.overcommit_memory = 0\\n"
        dest: "{{{{ bench_root }}}}/{SYSCTL_FILE}"
        mode: "0644"
"""

TEMPLATE = """\
# oomcfg: managed file, do not edit (changes are overwritten by 'oomcfg apply')
[Service]
OOMScoreAdjust={{ item.adj }}
MemoryHigh={{ item.high }}
MemoryMax={{ item.max }}
"""


def ensure_venv() -> Path | None:
    """``bench/.venv/bin/ansible-playbook``, creating the environment if it is missing."""
    tool = VENV / "bin" / "ansible-playbook"
    if tool.exists():
        return tool
    print(f"bench: creating {VENV} (ansible-core, matplotlib; bench-only)", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        pip = [str(VENV / "bin" / "pip"), "install", "-q", "-r"]
        subprocess.run([*pip, str(BENCH_DIR / "requirements.txt")], check=True)
    except (OSError, subprocess.CalledProcessError) as err:
        print(f"bench: cannot create the bench environment: {err}", file=sys.stderr)
        return None
    return tool if tool.exists() else None


def write_playbook(directory: Path, n: int) -> Path:
    """Playbook, template and variables for ``n`` services; returns the playbook."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "dropin.j2").write_text(TEMPLATE)
    services = [{"unit": unit_name(i), "adj": 500, "high": "768M", "max": "1G"} for i in range(n)]
    (directory / "vars.json").write_text(json.dumps({"services": services}))
    playbook = directory / "playbook.yml"
    playbook.write_text(PLAYBOOK)
    return playbook


def command_argv(tool: Path, playbook: Path, root: Path) -> tuple[str, ...]:
    """``ansible-playbook`` argv for a local run into ``root``."""
    return (
        str(tool),
        "-i",
        "localhost,",
        "-e",
        f"@{playbook.parent / 'vars.json'}",
        "-e",
        f"bench_root={root}",
        str(playbook),
    )


def environment(scratch: Path) -> dict[str, str]:
    """Keep Ansible's state under the scratch tree and its interpreter in the bench venv."""
    home = scratch / "ansible-home"
    return {
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_REMOTE_TEMP": str(home / "remote-tmp"),
        "ANSIBLE_PYTHON_INTERPRETER": str(VENV / "bin" / "python"),
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
    }
