"""The host seam: paths stay under the root, reads never raise for vanished things,
kernel writes raise typed errors, and the write side refuses unsafe targets."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oomcfg.errors import EnvironmentProblem, ExitCode
from oomcfg.filestate import FileState
from oomcfg.host import CommandFailed, Host, KernelWriteError, LockTimeout, UnsafePath


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen(["sleep", "60"])
    deadline = time.monotonic() + 5
    while Path(f"/proc/{child.pid}/comm").read_text() != "sleep\n":  # until exec() happened
        assert time.monotonic() < deadline
        time.sleep(0.005)
    yield child
    child.kill()
    child.wait()


# ---------------------------------------------------------------- paths


def test_path_resolves_under_root_with_or_without_leading_slash(tmp_path: Path) -> None:
    host = Host(tmp_path)
    assert host.path("etc/sysctl.d/x.conf") == tmp_path / "etc/sysctl.d/x.conf"
    assert host.path("/etc/x") == tmp_path / "etc/x"


@pytest.mark.parametrize("bad", ["../etc/passwd", "etc/../../x", "etc/a\0b"])
def test_path_refuses_escapes(tmp_path: Path, bad: str) -> None:
    with pytest.raises(UnsafePath) as caught:
        Host(tmp_path).path(bad)
    assert caught.value.exit_code == ExitCode.ENVIRONMENT


@pytest.mark.parametrize("bad", ["../x", "etc/../../x", "a/..", "etc/a\0b"])
def test_every_file_operation_refuses_escapes(tmp_path: Path, bad: str) -> None:
    host = Host(tmp_path / "root")
    for operation in (host.read_state, host.unsafe_reason, host.remove, host.is_dir):
        with pytest.raises(UnsafePath):
            operation(bad)
    with pytest.raises(UnsafePath):
        host.write_atomic(bad, b"x")
    assert not (tmp_path / "x").exists()


def test_proc_and_sys_go_to_their_overrides(tmp_path: Path) -> None:
    host = Host(tmp_path / "root", proc=tmp_path / "p", sys=tmp_path / "s")
    assert host.path("proc/1/status") == tmp_path / "p/1/status"
    assert host.path("sys/fs/cgroup") == tmp_path / "s/fs/cgroup"
    assert Host(tmp_path).path("proc/self") == tmp_path / "proc/self"


def test_is_live_only_for_slash(tmp_path: Path) -> None:
    assert Host(Path("/")).is_live
    assert not Host(tmp_path).is_live


# ---------------------------------------------------------------- reads


def test_reads_give_none_or_empty_for_missing(tmp_path: Path) -> None:
    host = Host(tmp_path)
    write(tmp_path / "etc/a", "hello\n")
    assert host.read_text("etc/a") == "hello\n"
    assert host.read_bytes("etc/a") == b"hello\n"
    assert host.read_text("etc/missing") is None
    assert host.read_text("etc/a/under-a-file") is None
    assert host.list_dir("etc") == ["a"]
    assert host.list_dir("nowhere") == []


def test_read_bytes_follows_links_and_never_blocks_on_fifos_or_devices(tmp_path: Path) -> None:
    host = Host(tmp_path)
    write(tmp_path / "etc/sysctl.conf", "vm.swappiness = 10\n")
    (tmp_path / "etc/sysctl.d").mkdir()
    (tmp_path / "etc/sysctl.d/99-sysctl.conf").symlink_to("../sysctl.conf")
    os.mkfifo(tmp_path / "run.pid")  # nobody writes: a plain read would block forever
    (tmp_path / "zero").symlink_to("/dev/zero")  # a plain read would never end
    assert host.read_text("etc/sysctl.d/99-sysctl.conf") == "vm.swappiness = 10\n"
    assert host.read_bytes("run.pid") is None
    assert host.read_bytes("zero") is None
    with pytest.raises(IsADirectoryError):
        host.read_bytes("etc/sysctl.d")


def test_read_bytes_reads_a_size_0_proc_file_to_its_end() -> None:
    # /proc/sys files report size 0 and answer only a read from offset 0.
    printk = Path("/proc/sys/kernel/printk").read_text()
    assert len(printk.split()) == 4
    assert Host().read_text("proc/sys/kernel/printk") == printk


def test_read_state_tells_files_symlinks_and_others_apart(tmp_path: Path) -> None:
    host = Host(tmp_path)
    write(tmp_path / "f", "x")
    (tmp_path / "f").chmod(0o600)
    (tmp_path / "link").symlink_to(tmp_path / "f")
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "fifo")
    assert host.read_state("f").kind == "file"
    assert host.read_state("f").content == b"x"
    assert host.read_state("f").mode == 0o600
    assert host.read_state("link").kind == "symlink"
    assert host.read_state("dir").kind == "other"
    assert host.read_state("fifo").kind == "other"  # O_NONBLOCK: no hang on a FIFO
    assert host.read_state("none").kind == "missing"


def test_read_states_answers_exactly_as_read_state_for_every_kind_of_path(
    tmp_path: Path,
) -> None:
    # The batch read of an unchanged re-apply must see exactly what one read does,
    # whatever is on the way (symlinks above or at the target, FIFOs, files as dirs).
    units = tmp_path / "etc/systemd/system"
    write(units / "a.service.d/50-oomcfg.conf", "a")
    (units / "a.service.d/50-oomcfg.conf").chmod(0o600)
    write(units / "b.service.d/50-oomcfg.conf", "b")
    (units / "c.service.d").mkdir()
    (units / "c.service.d/50-oomcfg.conf").symlink_to(units / "a.service.d/50-oomcfg.conf")
    (units / "d.service.d").symlink_to(units / "b.service.d")  # followed, as by a full path
    os.mkfifo(units / "e.service.d-fifo")
    write(tmp_path / "etc/sysctl.d/90-oomcfg.conf", "s")
    write(tmp_path / "top", "t")
    write(tmp_path / "etc/file-not-dir", "x")
    (tmp_path / "etc/base-link").symlink_to(units)
    rels = [
        *(f"etc/systemd/system/{u}.service.d/50-oomcfg.conf" for u in "abcdfg"),
        "etc/systemd/system/e.service.d-fifo",
        "etc/sysctl.d/90-oomcfg.conf",
        "top",
        "none",
        "etc/file-not-dir/x/y",  # the base is a file: ENOTDIR, as for a full path
        "nowhere/at/all/x.conf",  # the base is missing
        "etc/base-link/a.service.d/50-oomcfg.conf",  # a symlink above the final component
        "/etc/sysctl.d/90-oomcfg.conf",  # unusual spellings take the full path
        "etc//sysctl.d/90-oomcfg.conf",
    ]
    host = Host(tmp_path)
    states = host.read_states(rels)
    assert states == {rel: host.read_state(rel) for rel in rels}
    assert states["etc/systemd/system/a.service.d/50-oomcfg.conf"].mode == 0o600
    assert states["etc/systemd/system/c.service.d/50-oomcfg.conf"].kind == "symlink"
    assert states["etc/systemd/system/d.service.d/50-oomcfg.conf"].content == b"b"
    assert states["etc/file-not-dir/x/y"].kind == "missing"
    with pytest.raises(UnsafePath):
        host.read_states(["etc/../../x"])


def test_proc_read_real_process_and_vanished_pid(sleeper: subprocess.Popen[bytes]) -> None:
    host = Host()
    assert host.proc_read(sleeper.pid, "comm") == "sleep\n"
    sleeper.kill()
    sleeper.wait()
    assert host.proc_read(sleeper.pid, "oom_score_adj") is None


def test_proc_write_raises_typed_error_with_errno(sleeper: subprocess.Popen[bytes]) -> None:
    host = Host()
    host.proc_write(sleeper.pid, "oom_score_adj", "300")  # raising is always allowed
    assert host.proc_read(sleeper.pid, "oom_score_adj") == "300\n"
    if host.has_cap_sys_resource():
        pytest.skip("this process has CAP_SYS_RESOURCE: lowering would succeed")
    with pytest.raises(KernelWriteError) as caught:
        host.proc_write(sleeper.pid, "oom_score_adj", "-100")
    assert caught.value.errno == errno.EACCES
    assert not caught.value.vanished
    assert host.proc_read(sleeper.pid, "oom_score_adj") == "300\n"


def test_proc_write_to_vanished_pid_is_flagged(sleeper: subprocess.Popen[bytes]) -> None:
    sleeper.kill()
    sleeper.wait()
    with pytest.raises(KernelWriteError) as caught:
        Host().proc_write(sleeper.pid, "oom_score_adj", "100")
    assert caught.value.vanished


@pytest.mark.parametrize("layout", ["fs/cgroup", "fs/cgroup/unified"])
def test_cgroup_procs_finds_v2_in_pure_and_hybrid_layouts(tmp_path: Path, layout: str) -> None:
    base = tmp_path / "sys" / layout
    write(base / "cgroup.controllers", "memory pids\n")
    write(base / "cgroup.procs", "1\n")
    write(base / "system.slice/web.service/cgroup.procs", "10\n11\n")
    write(base / "system.slice/web.service/worker/cgroup.procs", "12\n")
    host = Host(tmp_path)
    assert sorted(host.cgroup_procs("/system.slice/web.service")) == [10, 11, 12]
    assert host.cgroup_procs("/system.slice/gone.service") == []


def test_cgroup_procs_without_cgroup2_is_empty(tmp_path: Path) -> None:
    write(tmp_path / "sys/fs/cgroup/memory/cgroup.procs", "1\n")  # v1 only
    assert Host(tmp_path).cgroup_procs("/") == []


def test_cgroup_procs_on_this_machine_lists_ourselves() -> None:
    own = Path("/proc/self/cgroup").read_text().splitlines()
    v2 = [line.split(":", 2)[2] for line in own if line.startswith("0::")]
    if not v2:
        pytest.skip("no cgroup v2 membership on this machine")
    assert os.getpid() in Host().cgroup_procs(v2[0])


def test_sysctl_read_and_write_use_proc_sys(tmp_path: Path) -> None:
    write(tmp_path / "proc/sys/vm/swappiness", "60\n")
    write(tmp_path / "proc/sys/net/ipv4/conf/eth0.1/forwarding", "0\n")
    host = Host(tmp_path)
    assert host.sysctl_read("vm.swappiness") == "60"
    assert host.sysctl_read("net/ipv4/conf/eth0.1/forwarding") == "0"
    assert host.sysctl_read("net.ipv4.conf.eth0/1.forwarding") == "0"
    assert host.sysctl_read("vm.nope") is None
    host.sysctl_write("vm.swappiness", "10")
    assert host.sysctl_read("vm.swappiness") == "10"
    with pytest.raises(KernelWriteError):
        host.sysctl_write("vm.nope", "1")
    with pytest.raises(UnsafePath):
        host.sysctl_read("vm/../../etc/passwd")


def test_has_cap_sys_resource_reads_capeff_bit_24(tmp_path: Path) -> None:
    write(tmp_path / "proc/self/status", "Name:\tx\nCapEff:\t000001fffeffffff\n")
    assert not Host(tmp_path).has_cap_sys_resource()
    write(tmp_path / "proc/self/status", "CapEff:\t0000000001000000\n")
    assert Host(tmp_path).has_cap_sys_resource()
    assert not Host(tmp_path / "no-proc").has_cap_sys_resource()


def test_systemd_running_follows_sd_booted(tmp_path: Path) -> None:
    assert not Host(tmp_path).systemd_running()
    (tmp_path / "run/systemd/system").mkdir(parents=True)
    assert Host(tmp_path).systemd_running()


# ---------------------------------------------------------------- processes


def test_run_captures_output() -> None:
    done = Host().run([sys.executable, "-c", "print('out')"])
    assert (done.returncode, done.stdout) == (0, "out\n")


def test_run_check_failure_shows_argv_rc_and_both_streams() -> None:
    argv = [sys.executable, "-c", "import sys; print('o'); sys.exit('e')"]
    with pytest.raises(CommandFailed) as caught:
        Host().run(argv, check=True)
    text = str(caught.value)
    assert "exited 1" in text
    assert "stdout: o" in text
    assert "stderr: e" in text
    assert sys.executable in text
    assert caught.value.exit_code == ExitCode.ENVIRONMENT


def test_run_missing_program_and_timeout_always_raise() -> None:
    with pytest.raises(CommandFailed, match="did not run"):
        Host().run(["/nonexistent/tool"])
    with pytest.raises(CommandFailed, match="timed out"):
        Host().run(["sleep", "5"], timeout=0.2)


# ---------------------------------------------------------------- writes


def test_unsafe_reason_refuses_symlinks_loose_dirs_and_odd_targets(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "etc/systemd/system/a.service.d").symlink_to(outside)
    (root / "etc/open").mkdir(mode=0o777)
    (root / "etc/open").chmod(0o777)
    (root / "etc/theirs").mkdir()
    os.chown(root / "etc/theirs", 4242, 4242)
    (root / "etc/x.conf").symlink_to("/etc/shadow")
    (root / "etc/d.conf").mkdir()
    host = Host(root)
    assert "symlink" in (host.unsafe_reason("etc/systemd/system/a.service.d/50.conf") or "")
    assert "world-writable" in (host.unsafe_reason("etc/open/f.conf") or "")
    assert "uid 4242" in (host.unsafe_reason("etc/theirs/f.conf") or "")
    assert "symlink" in (host.unsafe_reason("etc/x.conf") or "")
    assert "not a regular file" in (host.unsafe_reason("etc/d.conf") or "")
    assert host.unsafe_reason("etc/systemd/system/b.service.d/50.conf") is None


def test_write_atomic_creates_dirs_sets_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    host = Host(tmp_path)
    assert host.make_dirs("etc/a/b") == ["etc", "etc/a", "etc/a/b"]
    assert host.make_dirs("etc/a/b") == []
    host.write_atomic("etc/a/b/f.conf", b"one\n", 0o640)
    host.write_atomic("etc/a/b/f.conf", b"two\n", 0o644)
    target = tmp_path / "etc/a/b/f.conf"
    assert target.read_bytes() == b"two\n"
    assert target.stat().st_mode & 0o777 == 0o644
    assert os.listdir(tmp_path / "etc/a/b") == ["f.conf"]
    host.remove("etc/a/b/f.conf")
    host.remove("etc/a/b/f.conf")  # already gone is fine
    host.remove_dir("etc/a/b")
    assert not (tmp_path / "etc/a/b").exists()


def test_stage_never_follows_a_planted_temp_symlink(tmp_path: Path) -> None:
    host = Host(tmp_path)
    staged = host.stage("f", b"x")
    host.discard(staged)
    staged.temp.symlink_to(tmp_path / "victim")
    with pytest.raises(FileExistsError):
        host.ops.open_new(staged.temp, 0o644)
    assert not (tmp_path / "victim").exists()


def test_lock_times_out_clearly_while_another_process_holds_it(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(30)\n",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"held\n"
        started = time.monotonic()
        with pytest.raises(LockTimeout) as caught, Host(tmp_path).lock(timeout=0.3):
            pass
        assert 0.3 <= time.monotonic() - started < 5
        assert isinstance(caught.value, EnvironmentProblem)
        assert "another oomcfg apply" in str(caught.value)
    finally:
        holder.kill()
        holder.wait()
    with Host(tmp_path).lock(timeout=0.3):
        pass


def test_new_directories_are_0755_whatever_the_umask(tmp_path: Path) -> None:
    # A root shell with umask 077 must not leave etc/ or UNIT.d/ readable by
    # root only: systemctl cat, package tools and image builds read them.
    old = os.umask(0o077)
    try:
        Host(tmp_path).make_dirs("etc/systemd/system/web.service.d")
    finally:
        os.umask(old)
    modes = {str(p.relative_to(tmp_path)): p.stat().st_mode & 0o777 for p in tmp_path.rglob("*")}
    assert modes == {
        "etc": 0o755,
        "etc/systemd": 0o755,
        "etc/systemd/system": 0o755,
        "etc/systemd/system/web.service.d": 0o755,
    }


def test_a_directory_whose_mode_cannot_be_set_is_not_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(fd: int, mode: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fchmod", refuse)
    with pytest.raises(OSError, match="Input/output error"):
        Host(tmp_path).make_dir("etc")
    assert list(tmp_path.iterdir()) == []


def test_read_states_through_a_root_that_is_missing_or_a_link_answers_as_read_state(
    tmp_path: Path,
) -> None:
    # The batch read builds each path from the root's prefix itself; a root
    # reached through a symlink, or one that does not exist, reads as read_state does.
    real = tmp_path / "real"
    write(real / "etc/sysctl.d/90-oomcfg.conf", "s")
    (real / "etc/sysctl.d/90-oomcfg.conf").chmod(0o640)
    os.mkfifo(real / "etc/fifo")
    (tmp_path / "link").symlink_to(real)
    rels = ["etc/sysctl.d/90-oomcfg.conf", "etc/fifo", "etc/none", "/etc/sysctl.d/90-oomcfg.conf"]
    for root in (tmp_path / "link", tmp_path / "gone"):
        host = Host(root)
        assert host.read_states(rels) == {rel: host.read_state(rel) for rel in rels}
    linked = Host(tmp_path / "link").read_states(rels)
    assert linked["etc/sysctl.d/90-oomcfg.conf"] == FileState(rels[0], "file", b"s", 0o640)
    assert linked["etc/fifo"].kind == "other"
    assert {s.kind for s in Host(tmp_path / "gone").read_states(rels).values()} == {"missing"}
