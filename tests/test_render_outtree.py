"""write_tree (render --out): safe, complete, and frugal with file descriptors."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from oomcfg.model import MARKER, RenderedFile
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
    with pytest.raises(UnsafeOutput, match=r"replace 1 path.*etc/x.conf \(a directory\)"):
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


OURS = f"{MARKER}\n[Service]\nOOMScoreAdjust=1\n"


def test_files_oomcfg_did_not_write_are_never_replaced_and_all_named(tmp_path: Path) -> None:
    """render --out / by mistake, or a hand-made file in a review tree: like apply's
    conflicts, every such path is named at once and none is replaced (exit 4)."""
    import os

    out = tmp_path / "out"
    (out / "etc").mkdir(parents=True)
    (out / "etc/hand.conf").write_text("[Service]\nMemoryMax=1G\n")
    (out / "etc/ours.conf").write_text(OURS)
    (out / "etc/empty.conf").write_text("")
    os.symlink("/etc/hostname", out / "etc/link.conf")
    os.mkfifo(out / "etc/pipe.conf")
    rendered = [RenderedFile(f"etc/{name}.conf", OURS.replace("=1", "=2"))
                for name in ("empty", "hand", "link", "new", "ours", "pipe")]
    with pytest.raises(UnsafeOutput) as raised:
        write_tree(out, rendered)
    message = str(raised.value)
    assert "refusing to replace 3 path(s) oomcfg did not write" in message
    for name, why in (("hand", "no oomcfg marker line"), ("link", "a symlink"),
                      ("pipe", "not a regular file")):
        assert f"etc/{name}.conf ({why})" in message
    assert "1 file(s) were written before this" in message  # new.conf only: never a rollback
    assert (out / "etc/hand.conf").read_text() == "[Service]\nMemoryMax=1G\n"
    assert os.readlink(out / "etc/link.conf") == "/etc/hostname"
    assert (out / "etc/ours.conf").read_text() == OURS  # not replaced either: all or none
    assert (out / "etc/new.conf").read_text() == rendered[3].content


def test_its_own_files_and_empty_ones_are_replaced(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/ours.conf").write_text(OURS)
    (tmp_path / "etc/empty.conf").write_text("")
    new = OURS.replace("=1", "=2")
    assert write_tree(tmp_path, [RenderedFile("etc/empty.conf", new),
                                 RenderedFile("etc/ours.conf", new)]) == 2
    assert (tmp_path / "etc/ours.conf").read_text() == new
    assert (tmp_path / "etc/empty.conf").read_text() == new


def test_render_out_over_a_foreign_file_is_exit_4(tmp_path: Path) -> None:
    import subprocess
    import sys

    profile = tmp_path / "p.yaml"
    profile.write_text("oomcfg: 1\nservices:\n  web: {unit: web.service, oom_score_adj: 5}\n")
    dropin = tmp_path / "out/etc/systemd/system/web.service.d/50-oomcfg.conf"
    dropin.parent.mkdir(parents=True)
    dropin.write_text("[Service]\nOOMScoreAdjust=-1000\n")
    done = subprocess.run([sys.executable, "-m", "oomcfg", "render", str(profile), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, check=False)
    assert done.returncode == 4
    assert f"{dropin} (no oomcfg marker line)" in done.stderr
    assert "Traceback" not in done.stderr
    assert dropin.read_text() == "[Service]\nOOMScoreAdjust=-1000\n"


def test_every_target_marks_its_files_so_a_tree_can_be_rendered_again(tmp_path: Path) -> None:
    """write_tree replaces only files carrying the marker: each target must write it."""
    from oomcfg.profile import load_profiles
    from oomcfg.render import TARGETS, render

    data = Path(__file__).parent / "data/profiles"
    profile = load_profiles(["preset:base-server", str(data / "init-example.yaml")])
    files = render(profile, only=tuple(TARGETS)).files
    assert {f.kind for f in files} == set(TARGETS)  # every target wrote something
    assert [f.path for f in files if MARKER not in f.content] == []
    assert write_tree(tmp_path, files) == len(files)
    assert write_tree(tmp_path, files) == len(files)  # again, over its own files
