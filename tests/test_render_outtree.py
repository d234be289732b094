"""write_tree (render --out): safe, complete, and frugal with file descriptors."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from oomcfg.model import RenderedFile
from oomcfg.outtree import UnsafeOutput, write_tree


def files(n: int) -> list[RenderedFile]:
    return sorted(
        (RenderedFile(f"etc/systemd/system/s{i}.service.d/50-oomcfg.conf", f"[Service]\n#{i}\n")
         for i in range(n)),
        key=lambda f: f.path,
    )


def test_thousands_of_directories_need_only_a_few_descriptors(tmp_path: Path) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
    try:
        assert write_tree(tmp_path / "out", files(600)) == 600
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    written = sorted((tmp_path / "out").rglob("*.conf"))
    assert len(written) == 600
    assert written[0].read_text() == "[Service]\n#0\n"


def test_modes_are_exact_even_under_a_strict_umask(tmp_path: Path) -> None:
    import os

    old = os.umask(0o077)
    try:
        write_tree(tmp_path, [RenderedFile("a/run", "#!/bin/sh\n", mode=0o755),
                              RenderedFile("a/x.conf", "x\n")])
    finally:
        os.umask(old)
    assert oct((tmp_path / "a/run").stat().st_mode & 0o777) == "0o755"
    assert oct((tmp_path / "a/x.conf").stat().st_mode & 0o777) == "0o644"


@pytest.mark.parametrize("path", ["etc/../x.conf", "etc//x.conf", "./x/y.conf"])
def test_dot_components_are_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(UnsafeOutput):
        write_tree(tmp_path / "out", [RenderedFile(path, "x\n")])


def test_a_directory_where_a_file_goes_is_refused(tmp_path: Path) -> None:
    (tmp_path / "etc" / "x.conf").mkdir(parents=True)
    with pytest.raises(UnsafeOutput, match="refusing to replace the directory"):
        write_tree(tmp_path, [RenderedFile("etc/x.conf", "x\n")])
    assert not list((tmp_path / "etc").glob(".*"))  # no temporary file left behind


def test_an_os_failure_is_an_environment_problem_naming_the_file(tmp_path: Path) -> None:
    """Not a traceback (exit 70) but exit 4 with the path: here ENAMETOOLONG (root
    bypasses permission bits, so a read-only directory would not fail)."""
    from oomcfg.errors import EnvironmentProblem

    name = "x" * 300 + ".conf"
    with pytest.raises(EnvironmentProblem, match=rf"cannot write .*etc/{name}: File name too long"):
        write_tree(tmp_path, [RenderedFile(f"etc/{name}", "x\n")])


def test_concurrent_renders_into_one_tree_never_collide(tmp_path: Path) -> None:
    """Several processes re-rendering one tree at once (a CI matrix, make -j): each
    replacement uses its own temporary file, so every run succeeds and every file
    is whole, whichever rename lands last."""
    import subprocess
    import sys

    profile = tmp_path / "p.yaml"
    services = "".join(f"  s{i}: {{unit: s{i}.service, oom_score_adj: {i}}}\n" for i in range(40))
    profile.write_text("oomcfg: 1\nservices:\n" + services)
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "oomcfg", "render", str(profile), "--out", str(out)]
    assert subprocess.run(argv, capture_output=True, check=False).returncode == 0
    for _ in range(3):
        runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(4)]
        results = [(run.wait(), run.stderr.read() if run.stderr else b"") for run in runs]
        for run in runs:
            for stream in (run.stdout, run.stderr):
                if stream is not None:
                    stream.close()
        assert results == [(0, b"")] * 4
    leftovers = [p.name for p in out.rglob(".*")]
    assert leftovers == []
    dropin = out / "etc/systemd/system/s7.service.d/50-oomcfg.conf"
    assert dropin.read_text().endswith("OOMScoreAdjust=7\n")
