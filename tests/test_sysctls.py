"""Known sysctl keys and the key grammar (bad-inputs.md, "sysctl")."""

from __future__ import annotations

import pytest

from oomcfg.sysctls import KNOWN, PASSTHROUGH_RE, key_error


def test_known_keys_carry_the_ranges_from_the_kernel_docs() -> None:
    ranges = {k: (s.minimum, s.maximum) for k, s in KNOWN.items()}
    assert ranges["vm.panic_on_oom"] == (0, 2)
    assert ranges["vm.overcommit_memory"] == (0, 2)
    assert ranges["kernel.panic_on_oops"] == (0, 1)
    assert ranges["vm.oom_dump_tasks"] == (0, 1)
    assert ranges["vm.swappiness"] == (0, 200)
    assert ranges["vm.min_free_kbytes"][0] == 1024  # vm.rst: lower is "subtly broken"
    assert all(s.doc and s.source.startswith("Documentation/") for s in KNOWN.values())
    assert all(key_error(k) is None for k in KNOWN)


@pytest.mark.parametrize(
    "key", ["vm.panic_on_oom", "net.core.somaxconn", "net.ipv4.conf.enp0s3.rp_filter",
            "net.ipv6.conf.br-lan.forwarding", "fs.inotify.max_user_watches"],
)
def test_good_keys(key: str) -> None:
    assert key_error(key) is None


@pytest.mark.parametrize(
    ("key", "hint_part"),
    [
        ("vm..panic_on_oom", "empty"),
        ("/proc/sys/vm/panic_on_oom", "dotted"),
        ("vm/panic_on_oom", "dotted"),
        (".vm.x", "empty"),
        ("vm.", "empty"),
        ("vm", "flat dotted"),
        ("vm.panic on oom", "components"),
        ("vm.panic_on_oom\n", "components"),
        ("net.ipv4.conf.*.rp_filter", "globs"),
        ("-vm.swappiness", "ignore_missing"),
        ("vm.é", "components"),
    ],
)
def test_bad_keys_explain_the_grammar(key: str, hint_part: str) -> None:
    problem = key_error(key)
    assert problem is not None
    assert hint_part in problem[1]


def test_overlong_key_is_refused() -> None:
    assert key_error("a." + "b" * 300) is not None


@pytest.mark.parametrize(
    ("value", "ok"),
    [("4096", True), ("1", True), ("bbr", True), ("4096 8192", False),
     ("1 # comment", False), ("1;", False), ("a\nb", False), ("x\\", False), ("", False)],
)
def test_passthrough_values_are_single_tokens(value: str, ok: bool) -> None:
    assert bool(PASSTHROUGH_RE.fullmatch(value)) is ok
