"""``oomcfg apply`` / ``oomcfg rollback`` on the command line: (exit code, stdout, stderr)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from apply_helpers import DB, SYSCTL, WEB, identities, profile, snapshot
from typer.testing import CliRunner

from oomcfg.apply_cmd import ApplyRequest, run_apply_cmd
from oomcfg.cli import app
from oomcfg.errors import OomcfgError

SKIPPED = "note: root is {root}, not /: daemon-reload, sysctl writes and live adjustment skipped\n"


def oomcfg(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback is a bug: show it, not just "exit 1"
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "root"
    path.mkdir()
    return path


def test_apply_then_reapply_is_a_no_op(tmp_path: Path, root: Path) -> None:
    prof = profile(tmp_path)
    assert oomcfg("apply", prof, "--root", root) == (
        0,
        f"plan for {root} (generation 0 -> 1):\n"
        f"  create  {SYSCTL}\n"
        f"  create  {WEB}\n"
        f"  create  {DB}\n"
        "summary: 3 create, 0 update, 0 same, 0 remove, 0 conflict; reload: daemon-reload\n"
        "applied: 5 path(s) written (generation 1)\n" + SKIPPED.format(root=root),
        "",
    )
    assert b"OOMScoreAdjust=500" in (root / WEB).read_bytes()
    ids = identities(root)
    assert oomcfg("apply", prof, "--root", root) == (
        0,
        f"plan for {root} (generation 1 -> 1):\n"
        "summary: 0 create, 0 update, 3 same, 0 remove, 0 conflict; reload: none\n"
        "nothing to write: every file is already as the profile says\n" + SKIPPED.format(root=root),
        "",
    )
    assert identities(root) == ids


def test_dry_run_prints_plan_and_diff_and_writes_nothing(tmp_path: Path, root: Path) -> None:
    code, out, err = oomcfg("apply", profile(tmp_path), "--root", root, "--dry-run", "--diff")
    assert (code, err) == (0, "")
    assert f"--- a/{WEB}\n+++ b/{WEB}\n" in out
    assert "+OOMScoreAdjust=500\n" in out
    assert out.endswith("dry run: nothing written\n")
    assert snapshot(root) == {}


def test_check_exits_1_when_something_would_change(tmp_path: Path, root: Path) -> None:
    prof = profile(tmp_path)
    assert oomcfg("apply", prof, "--root", root, "--check")[0] == 1
    assert snapshot(root) == {}
    oomcfg("apply", prof, "--root", root)
    assert oomcfg("apply", prof, "--root", root, "--check")[0] == 0
    code, out, _ = oomcfg("apply", profile(tmp_path, web=600), "--root", root, "--check")
    assert (code, f"  update  {WEB}\n" in out) == (1, True)


def test_json_output_lists_every_file(tmp_path: Path, root: Path) -> None:
    code, out, err = oomcfg("apply", profile(tmp_path), "--root", root, "--format", "json")
    doc = json.loads(out)
    assert (code, err) == (0, "")
    assert [(c["path"], c["action"]) for c in doc["changes"]] == [
        (SYSCTL, "create"),
        (WEB, "create"),
        (DB, "create"),
    ]
    assert doc["generation"] == {"from": 0, "to": 1}
    assert (doc["applied"], doc["written"], doc["exit_code"]) == (True, 5, 0)
    assert doc["reloads"] == ["daemon-reload"]


def test_conflict_exits_4_names_the_file_and_writes_nothing(tmp_path: Path, root: Path) -> None:
    (root / WEB).parent.mkdir(parents=True)
    (root / WEB).write_text("[Service]\nOOMScoreAdjust=-900\n")
    before = snapshot(root)
    code, out, err = oomcfg("apply", profile(tmp_path), "--root", root)
    assert code == 4
    assert f"  conflict  {WEB}  (file exists without oomcfg's marker: someone else's)\n" in out
    assert err == (
        f"oomcfg: refusing to apply to {root}; nothing was written (--force overrides "
        f"conflicts):\n  {WEB}: conflict: file exists without oomcfg's marker: someone else's\n"
    )
    assert snapshot(root) == before


def test_conflict_in_json_mode_still_prints_the_plan_document(tmp_path: Path, root: Path) -> None:
    (root / WEB).parent.mkdir(parents=True)
    (root / WEB).write_text("[Service]\nOOMScoreAdjust=-900\n")
    code, out, err = oomcfg("apply", profile(tmp_path), "--root", root, "--format", "json")
    doc = json.loads(out)
    assert (code, doc["applied"], doc["summary"]["conflict"], doc["exit_code"]) == (4, False, 1, 4)
    assert doc["error"] == err.removeprefix("oomcfg: ").rstrip("\n")


def test_refusal_before_any_plan_is_still_one_json_document(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    code, out, err = oomcfg("apply", profile(tmp_path), "--root", missing, "--format", "json")
    assert code == 4
    assert json.loads(out) == {
        "root": str(missing),
        "error": err.removeprefix("oomcfg: ").rstrip("\n"),
        "exit_code": 4,
    }


def test_unknown_only_target_is_a_usage_error(tmp_path: Path, root: Path) -> None:
    code, out, err = oomcfg("apply", profile(tmp_path), "--root", root, "--only", "systemd,bogus")
    assert (code, out) == (2, "")
    assert "unknown render target(s) bogus" in err
    assert snapshot(root) == {}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plan_on_a_terminal_is_a_table(tmp_path: Path, root: Path) -> None:
    out = Terminal()
    request = ApplyRequest(profiles=(profile(tmp_path),), root=root)
    assert run_apply_cmd(request, out, io.StringIO()) == 0
    text = out.getvalue()
    assert "\x1b[" in text  # colour codes: this is rich's table, not the plain list
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert re.search(r"^ *action +path +reason *$", plain, re.MULTILINE)
    assert re.search(rf"^ *create +{re.escape(WEB)} *$", plain, re.MULTILINE)
    assert "summary: 3 create, 0 update, 0 same, 0 remove, 0 conflict" in plain


def test_declined_confirmation_writes_nothing_and_exits_1(tmp_path: Path, root: Path) -> None:
    questions: list[str] = []

    def say_no(question: str) -> bool:
        questions.append(question)
        return False

    request = ApplyRequest(profiles=(profile(tmp_path),), root=root)
    with pytest.raises(OomcfgError) as caught:
        run_apply_cmd(request, io.StringIO(), io.StringIO(), confirm=say_no)
    assert (caught.value.exit_code, str(caught.value)) == (1, "nothing written: not confirmed")
    assert questions == [f"apply 3 change(s) to {root}?"]
    assert snapshot(root) == {}


def test_a_refused_plan_is_never_offered_for_confirmation(tmp_path: Path, root: Path) -> None:
    (root / WEB).parent.mkdir(parents=True)
    (root / WEB).write_text("[Service]\nOOMScoreAdjust=-900\n")
    questions: list[str] = []
    request = ApplyRequest(profiles=(profile(tmp_path),), root=root)
    with pytest.raises(OomcfgError) as caught:
        run_apply_cmd(request, io.StringIO(), io.StringIO(), confirm=questions.append)  # type: ignore[arg-type]
    assert caught.value.exit_code == 4
    assert questions == []


def test_invalid_profile_exits_3_before_touching_the_root(tmp_path: Path, root: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "oomcfg: 1\nservices:\n  web:\n    unit: nginx.service\n    oom_score_adj: 1200\n"
    )
    code, out, err = oomcfg("apply", bad, "--root", root)
    assert (code, out) == (3, "")
    assert err.startswith(f"{bad}:5:20: error[")
    assert "1200" in err
    assert snapshot(root) == {}


def test_only_systemd_leaves_the_sysctl_file_alone(tmp_path: Path, root: Path) -> None:
    prof = profile(tmp_path)
    oomcfg("apply", prof, "--root", root)
    code, out, _ = oomcfg("apply", prof, "--root", root, "--only", "systemd")
    assert code == 0
    assert "0 create, 0 update, 2 same, 0 remove" in out
    assert (root / SYSCTL).exists()


def test_rollback_restores_the_previous_generation(tmp_path: Path, root: Path) -> None:
    oomcfg("apply", profile(tmp_path), "--root", root)
    oomcfg("apply", profile(tmp_path, web=800), "--root", root)
    assert oomcfg("rollback", "--root", root) == (
        0,
        f"  restored  {WEB}\nrolled back to generation 1 under {root}\n"
        + SKIPPED.format(root=root)
        + "note: running processes keep their oom_score_adj until their units restart\n",
        "",
    )
    assert b"OOMScoreAdjust=500" in (root / WEB).read_bytes()


@pytest.mark.parametrize("command", ["apply", "rollback"])
def test_missing_root_exits_4_creates_nothing_and_says_what_to_do(
    tmp_path: Path, command: str
) -> None:
    # A mistyped --root must never build a tree somewhere unexpected.
    missing = tmp_path / "nowhere"
    args = ("apply", profile(tmp_path)) if command == "apply" else ("rollback",)
    assert oomcfg(*args, "--root", missing) == (
        4,
        "",
        f"oomcfg: target root {missing} does not exist; oomcfg never creates it "
        "(a mistyped --root must not build a tree elsewhere): check the path, "
        "or create the directory first\n",
    )
    assert not missing.exists()


def test_root_that_is_a_file_exits_4(tmp_path: Path) -> None:
    a_file = tmp_path / "root"
    a_file.write_text("")
    assert oomcfg("apply", profile(tmp_path), "--root", a_file, "--dry-run") == (
        4,
        "",
        f"oomcfg: target root {a_file} is not a directory: --root names the directory "
        "that stands for / (default /)\n",
    )


def test_rollback_with_nothing_to_roll_back_exits_4(root: Path) -> None:
    code, out, err = oomcfg("rollback", "--root", root)
    assert (code, out) == (4, "")
    assert err.startswith(f"oomcfg: nothing to roll back under {root}: no record of generation 0")


READ_ONLY_APPLY = (
    'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" || exit 99\n'
    'exec "$2" -m oomcfg apply "$3" --root "$1"\n'
)


def test_read_only_filesystem_is_refused_before_any_write(tmp_path: Path, root: Path) -> None:
    # A read-only bind mount of the root, in a private mount namespace (the host
    # never sees it): the refusal must come from the safety check (exit 4), not
    # from an EROFS half-way through the transaction (exit 5).
    (root / "etc").mkdir()
    argv = [
        "unshare",
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        READ_ONLY_APPLY,
        "sh",
        str(root),
        sys.executable,
        str(profile(tmp_path)),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode == 99 or "unshare:" in done.stderr:
        pytest.skip(f"cannot make a private read-only mount here: {done.stderr.strip()}")
    assert (done.returncode, done.stdout.splitlines()[-1]) == (
        4,
        "summary: 3 create, 0 update, 0 same, 0 remove, 0 conflict; reload: daemon-reload",
    )
    assert done.stderr.startswith(f"oomcfg: refusing to apply to {root}; nothing was written")
    assert (
        f"  {WEB}: unsafe target: etc is not writable here (no permission, or a read-only "
        "filesystem)\n"
    ) in done.stderr
    assert snapshot(root) == {"etc": ("dir", b"", 0o755)}


# ------------------------------------------------------------------ rollback --format json


def test_rollback_json_lists_every_restored_path(tmp_path: Path, root: Path) -> None:
    oomcfg("apply", profile(tmp_path), "--root", root)
    oomcfg("apply", profile(tmp_path, web=800), "--root", root)
    code, out, err = oomcfg("rollback", "--root", root, "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "root": str(root),
        "generation": {"from": 2, "to": 1},
        "restored": [{"path": WEB, "action": "restored"}],
        "effects": {
            "done": [],
            "failures": [],
            "notes": [
                SKIPPED.format(root=root).removeprefix("note: ").rstrip("\n"),
                "running processes keep their oom_score_adj until their units restart",
            ],
        },
        "exit_code": 0,
    }


def test_rollback_json_refusal_is_still_one_document(root: Path) -> None:
    code, out, err = oomcfg("rollback", "--root", root, "--format", "json")
    assert code == 4
    assert json.loads(out) == {
        "root": str(root),
        "error": err.removeprefix("oomcfg: ").rstrip("\n"),
        "exit_code": 4,
    }


class TestReparseChecksGuardWhatIsWritten:
    """apply re-parses the drop-ins it will write (render does all): an unchanged file
    is not written, so its check is not needed, and a 10,000-file re-apply skips them."""

    @staticmethod
    def _failing_for(monkeypatch: pytest.MonkeyPatch, bad: str, seen: list[str]) -> None:
        from oomcfg import render
        from oomcfg.render_check import RenderInvariantError

        real = render.check_unit_text

        def check(content: str, path: str, *rest: object) -> None:
            seen.append(path)
            if path == bad:
                raise RenderInvariantError(f"{path}: injected bad output")
            real(content, path, *rest)  # type: ignore[arg-type]

        monkeypatch.setattr(render, "check_unit_text", check)

    def test_a_file_that_fails_its_check_is_never_written(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        root = tmp_path / "root"
        root.mkdir()
        seen: list[str] = []
        self._failing_for(monkeypatch, WEB, seen)
        request = ApplyRequest(profiles=(profile(tmp_path),), root=root)
        with pytest.raises(Exception, match="injected bad output"):
            run_apply_cmd(request, io.StringIO(), io.StringIO())
        assert snapshot(root) == {}
        assert seen == [WEB]  # in path order; the first bad file stops the apply

    def test_an_unchanged_file_is_not_checked_again(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        root = tmp_path / "root"
        root.mkdir()
        request = ApplyRequest(profiles=(profile(tmp_path),), root=root)
        assert run_apply_cmd(request, io.StringIO(), io.StringIO()) == 0
        before = snapshot(root)
        seen: list[str] = []
        self._failing_for(monkeypatch, WEB, seen)
        assert run_apply_cmd(request, io.StringIO(), io.StringIO()) == 0
        assert (snapshot(root), seen) == (before, [])
        changed = ApplyRequest(profiles=(profile(tmp_path, web=600),), root=root)
        with pytest.raises(Exception, match="injected bad output"):
            run_apply_cmd(changed, io.StringIO(), io.StringIO())
        assert snapshot(root) == before and seen == [WEB]

    def test_render_still_checks_every_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from oomcfg.profile import load_profiles
        from oomcfg.render import render

        seen: list[str] = []
        self._failing_for(monkeypatch, "none", seen)
        render(load_profiles([profile(tmp_path)]))
        assert sorted(seen) == sorted([DB, WEB])
