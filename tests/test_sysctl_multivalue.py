"""Multi-value pass-through sysctls in a profile: what is accepted, what is refused, what renders.

``net.ipv4.tcp_rmem``, ``ip_local_port_range``, ``kernel.printk``... take
several numbers. A profile gives them as a list or as a string of words; the
sysctl.d line is ``key = w1 w2 w3`` (sysctl.d(5): one ``key = value`` line, no
quoting, so '#', ';', a backslash, a tab or a line break would reach the
kernel or split the line). Everything runs through the real CLI: refused input
is exit 3 with ``file:line:col: error[CODE]`` for every problem, nothing written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from oomcfg.model import MARKER
from oomcfg.profile import load_profiles
from oomcfg.render_check import RenderInvariantError, check_sysctl_text

GOOD = """\
oomcfg: 1
sysctl:
  net.ipv4.tcp_rmem: {value: "4096   87380 6291456 ", passthrough: true}
  net.ipv4.tcp_wmem: {value: [4096, 16384, 4194304], passthrough: true}
  kernel.printk: {value: 4 4 1 7, passthrough: true}
  net.ipv4.ip_local_port_range:
    value:
      - 32768
      - "60999"
    passthrough: true
    ignore_missing: true
  net.ipv4.tcp_congestion_control: {value: [bbr], passthrough: true}
  net.core.somaxconn: {value: 4096, passthrough: true}
  vm.swappiness: 10
"""

READ_BY = ("# Read by systemd-sysctl at boot and by 'sysctl --system'; 'oomcfg apply' also "
           "writes the values live.")
#: The whole rendered file, byte for byte: keys sorted, words joined by single spaces.
GOLDEN = f"""\
{MARKER}
# profile: "p.yaml"
{READ_BY}
kernel.printk = 4 4 1 7
net.core.somaxconn = 4096
-net.ipv4.ip_local_port_range = 32768 60999
net.ipv4.tcp_congestion_control = bbr
net.ipv4.tcp_rmem = 4096 87380 6291456
net.ipv4.tcp_wmem = 4096 16384 4194304
vm.swappiness = 10
"""


def oomcfg(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """This checkout's CLI as a user runs it."""
    return subprocess.run([sys.executable, "-m", "oomcfg", *args], cwd=cwd,
                          capture_output=True, text=True, check=False)


def test_list_and_string_forms_render_one_canonical_line_each(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(GOOD)
    proc = oomcfg("render", "p.yaml", "--out", "out", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "wrote 1 file(s) under out\n", "")
    written = (tmp_path / "out/etc/sysctl.d/90-oomcfg.conf").read_text()
    assert written == GOLDEN


def test_the_loaded_value_is_the_canonical_string_and_integers_stay_integers(
    tmp_path: Path,
) -> None:
    (tmp_path / "p.yaml").write_text(GOOD)
    sysctl = load_profiles([tmp_path / "p.yaml"]).sysctl
    assert sysctl["net.ipv4.tcp_rmem"].value == "4096 87380 6291456"
    assert sysctl["net.ipv4.tcp_wmem"].value == "4096 16384 4194304"
    assert sysctl["net.ipv4.tcp_congestion_control"].value == "bbr"
    assert sysctl["net.core.somaxconn"].value == 4096
    assert sysctl["net.ipv4.ip_local_port_range"].ignore_missing is True


def test_explain_shows_where_each_multi_value_came_from(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(GOOD)
    proc = oomcfg("render", "p.yaml", "--explain", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert "p.yaml:3:22: sysctl.net.ipv4.tcp_rmem = 4096 87380 6291456 (passthrough)" in (
        proc.stdout.splitlines()
    )
    assert ("p.yaml:7:5: sysctl.net.ipv4.ip_local_port_range = 32768 60999 "
            "(passthrough, ignore_missing)") in proc.stdout.splitlines()


def test_a_later_file_replaces_the_whole_list(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(GOOD)
    (tmp_path / "site.yaml").write_text(
        "oomcfg: 1\nsysctl:\n  net.ipv4.tcp_rmem: {value: [8192, 131072], passthrough: true}\n")
    profile = load_profiles([tmp_path / "base.yaml", tmp_path / "site.yaml"])
    assert profile.sysctl["net.ipv4.tcp_rmem"].value == "8192 131072"
    assert str(profile.origin("sysctl.net.ipv4.tcp_rmem")) == f"{tmp_path}/site.yaml:3:22"


# --- refused, every problem at its place --------------------------------------------------

ALLOWED = ("(allowed: a plain decimal integer, or words of printable ASCII without '#', ';' "
           "or '\\' separated by spaces ('4096 87380 6291456'), or a list of them "
           "([4096, 87380, 6291456]))")

BAD = """\
oomcfg: 1
sysctl:
  net.ipv4.tcp_rmem: {value: "4096 87380 # default", passthrough: true}
  net.ipv4.tcp_wmem: {value: [4096, true, 1.5, 0100, "a b", ~, [1], "x;y"], passthrough: true}
  kernel.printk: {value: [], passthrough: true}
  kernel.sem: {value: "   ", passthrough: true}
  net.ipv4.ip_local_port_range: {value: "32768\\t60999", passthrough: true}
  vm.swappiness: {value: [10, 20]}
  net.core.a: {value: "1 2\\u00a03", passthrough: true}
  net.core.b: {value: 'C:\\x', passthrough: true}
  net.core.c: [1, 2]
  net.core.d: {value: "1\\nvm.panic_on_oom = 1", passthrough: true}
  net.core.e: {value: {a: 1}, passthrough: true}
  vm.panic_on_oom: 0
"""

#: (line, col, code, message) of every diagnostic, in file order.
BAD_FOUND = [
    (3, 30, "OC054", "net.ipv4.tcp_rmem: pass-through value '4096 87380 # default': '#' would "
     "be written into the value: sysctl.d(5) has comments only at the start of a line"),
    (4, 37, "OC054", "net.ipv4.tcp_wmem: list item 2 is the boolean true (write 1 or 0, or "
     "quote it if the word is meant)"),
    (4, 43, "OC054", "net.ipv4.tcp_wmem: list item 3 is 1.5, not an integer (the kernel takes "
     "no fractions)"),
    (4, 48, "OC054", "net.ipv4.tcp_wmem: list item 4 is 0100, not a plain decimal integer (the "
     "kernel reads 0100 as octal and 0x10 as hex; write the decimal number)"),
    (4, 54, "OC054", "net.ipv4.tcp_wmem: list item 5 'a b': one item holds several words: "
     "write one word per list item"),
    (4, 61, "OC026", "net.ipv4.tcp_wmem: list item 6 has no value"),
    (4, 64, "OC022", "net.ipv4.tcp_wmem: list item 7 must be a plain integer or a word, "
     "not a list"),
    (4, 69, "OC054", "net.ipv4.tcp_wmem: list item 8 'x;y': ';' would be written into the "
     "value: sysctl.d(5) has comments only at the start of a line"),
    (5, 26, "OC026", "kernel.printk: pass-through value is an empty list"),
    (6, 23, "OC026", "kernel.sem: pass-through value '   ' is blank"),
    (7, 41, "OC054", "net.ipv4.ip_local_port_range: pass-through value '32768\\t60999': a tab "
     "(U+0009) is not allowed"),
    (8, 26, "OC022", "vm.swappiness takes one integer in 0..200, not a list"),
    (9, 23, "OC054", "net.core.a: pass-through value '1 2\\xa03': a blank other than the "
     "space (U+00A0) is not allowed"),
    (10, 23, "OC054", "net.core.b: pass-through value 'C:\\\\x': a backslash is an escape or "
     "a line continuation to some readers"),
    (11, 3, "OC052", "unknown sysctl key 'net.core.c'"),
    (12, 23, "OC054", "net.core.d: pass-through value '1\\nvm.panic_on_oom = 1': a line break "
     "(U+000A) is not allowed"),
    (13, 23, "OC022", "value must be a number, a word or a list of them, not a mapping"),
]


def test_every_bad_value_is_reported_at_its_place_exit_3_nothing_written(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(BAD)
    proc = oomcfg("render", "p.yaml", "--out", "out", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (3, "")
    lines = proc.stderr.splitlines()
    found = []
    for line in lines:
        where, _, rest = line.partition(": error[")
        _, row, col = where.rsplit(":", 2)
        code, _, message = rest.partition("]: ")
        found.append((int(row), int(col), code, message))
    assert [f[:3] for f in found] == [f[:3] for f in BAD_FOUND]
    for (_, _, code, message), (_, _, _, expected) in zip(found, BAD_FOUND, strict=True):
        assert message.startswith(expected)
        if code == "OC054":
            assert message.endswith(ALLOWED)
    assert not (tmp_path / "out").exists()


def test_a_value_longer_than_the_kernel_reads_is_refused(tmp_path: Path) -> None:
    words = ["1000"] * 820  # 820 * 5 - 1 = 4099 characters
    (tmp_path / "p.yaml").write_text(
        f"oomcfg: 1\nsysctl:\n  vm.lowmem_reserve_ratio: {{value: [{', '.join(words)}], "
        "passthrough: true}\n")
    proc = oomcfg("render", "p.yaml", "--out", "out", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (3, "")
    assert proc.stderr.startswith(
        "p.yaml:3:36: error[OC054]: vm.lowmem_reserve_ratio: pass-through value is 4099 "
        "characters long, more than the 4095 the kernel reads (it drops the rest of an "
        "integer list)")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("words", [819, 1])
def test_values_up_to_the_limit_are_fine(tmp_path: Path, words: int) -> None:
    value = " ".join(["1000"] * words)  # 819 words: 4094 characters
    (tmp_path / "p.yaml").write_text(
        f"oomcfg: 1\nsysctl:\n  vm.lowmem_reserve_ratio: {{value: '{value}', passthrough: true}}\n")
    assert load_profiles([tmp_path / "p.yaml"]).sysctl["vm.lowmem_reserve_ratio"].value == value


def test_a_list_item_cannot_inject_a_second_assignment(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        'oomcfg: 1\nsysctl:\n  net.core.x: {value: [1, "2\\nvm.panic_on_oom = 1"], '
        "passthrough: true}\n")
    proc = oomcfg("render", "p.yaml", "--out", "out", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (3, "")
    assert proc.stderr.startswith(
        "p.yaml:3:27: error[OC054]: net.core.x: list item 2 '2\\nvm.panic_on_oom = 1': a line "
        "break (U+000A) is not allowed")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "text",
    ["net.ipv4.tcp_rmem = 4096 87380\n",                # a word lost
     "net.ipv4.tcp_rmem = 4096 87380 6291456 1\n",      # a word added
     "net.ipv4.tcp_rmem = 4096  87380 6291456\n",       # not the canonical spacing
     "net.ipv4.tcp_rmem = 4096\t87380\t6291456\n",      # a tab
     "net.ipv4.tcp_rmem = 4096 87380 6291456\nvm.panic_on_oom = 1\n"],  # an extra key
)
def test_the_render_recheck_still_catches_a_corrupted_multi_value_line(text: str) -> None:
    intended = [("", "net.ipv4.tcp_rmem", "4096 87380 6291456")]
    check_sysctl_text("# ok\nnet.ipv4.tcp_rmem = 4096 87380 6291456\n", "ok", intended)
    with pytest.raises(RenderInvariantError):
        check_sysctl_text(f"# tampered\n{text}", "t", intended)
