"""The lint engine: inputs of every kind, garbage, configuration, suppression, exit codes."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lintcheck import HEADER, lint_tree, problems, write_tree

from oomcfg.errors import ExitCode
from oomcfg.lint.engine import LintOptions, LintResult, lint_paths

UNKILLABLE = HEADER + "services:\n  a:\n    unit: a.service\n    oom_score_adj: -1000\n"
DUMP_OFF = HEADER + "sysctl:\n  vm.oom_dump_tasks: 0\n"  # a warning (OC107), line 4


def codes(result: LintResult) -> list[str]:
    return [f.code for f in result.findings]


class TestInputs:
    def test_garbage_files_are_findings_and_the_rest_is_still_linted(self, tmp_path: Path) -> None:
        (tmp_path / "blob.service").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
        write_tree(tmp_path, {
            "trunc.service": "[Service]\nOOMScoreAdjust=-1000 \\",
            "nohdr.service": "[Service\nMemoryMax=1G\n",
            "sysctl.d/junk.conf": "vm.panic_on_oom = 1\nthis is not sysctl\n",
            "p.yaml": UNKILLABLE,
        })  # fmt: skip
        result = lint_paths([tmp_path], LintOptions())
        found = set(codes(result))
        assert {"OC206", "OC207", "OC201", "OC251", "OC101", "OC110"} <= found
        assert len(result.linted) == 5
        assert result.exit_code(strict=False) == ExitCode.FINDINGS

    def test_a_symlink_loop_is_reported_once_and_the_walk_goes_on(self, tmp_path: Path) -> None:
        write_tree(tmp_path, {"units/a.service": "[Service]\nOOMPolicy=stop\n"})
        os.symlink("..", tmp_path / "units" / "loop")
        result = lint_paths([tmp_path], LintOptions())
        assert result.linted == [str(tmp_path / "units" / "a.service")]
        assert [s.reason for s in result.skipped if not s.quiet] == [
            "directory already visited (named twice, or a symlink loop)"
        ]
        assert result.exit_code(strict=True) == ExitCode.OK

    def test_dependency_links_and_masked_units_are_counted_not_linted(
        self, tmp_path: Path
    ) -> None:
        """/etc/systemd/system as systemctl leaves it: enable links in *.wants/ point at
        vendor units (systemd reads only their names), and a mask is a link to /dev/null."""
        write_tree(tmp_path, {
            "vendor/x.service": "[Service]\nOOMScoreAdjust=-1000\n",  # would be OC101
            "etc/own.service": "[Service]\nOOMPolicy=stop\n",
        })  # fmt: skip
        etc = tmp_path / "etc"
        for deps in ("multi-user.target.wants", "b.service.requires", "c.target.upholds"):
            (etc / deps).mkdir()
            os.symlink(tmp_path / "vendor" / "x.service", etc / deps / "x.service")
        os.symlink(os.devnull, etc / "masked.service")
        result = lint_paths([etc], LintOptions())
        assert result.linted == [str(etc / "own.service")]
        assert not [s for s in result.skipped if not s.quiet]
        reasons = {s.path.relative_to(etc).as_posix(): s.reason for s in result.skipped}
        assert reasons == {
            "masked.service": "masked (a symlink to /dev/null)",
            "b.service.requires/x.service":
                "a dependency of the unit, in b.service.requires/ (systemd reads the name only)",
            "c.target.upholds/x.service":
                "a dependency of the unit, in c.target.upholds/ (systemd reads the name only)",
            "multi-user.target.wants/x.service": "a dependency of the unit, in "
                "multi-user.target.wants/ (systemd reads the name only)",
        }
        assert result.exit_code(strict=True) == ExitCode.OK

    def test_a_missing_path_is_unreadable_exit_3_and_others_are_linted(
        self, tmp_path: Path
    ) -> None:
        write_tree(tmp_path, {"p.yaml": UNKILLABLE})
        result = lint_paths([tmp_path / "nope.service", tmp_path / "p.yaml"], LintOptions())
        assert "OC303" in codes(result) and "OC110" in codes(result)
        assert result.exit_code(strict=False) == ExitCode.INVALID_INPUT

    def test_an_unreadable_profile_says_why(self, tmp_path: Path) -> None:
        """Reading /proc/self/mem at offset 0 fails with EIO even for root."""
        os.symlink("/proc/self/mem", tmp_path / "p.yaml")
        result = lint_paths([tmp_path / "p.yaml"], LintOptions())
        assert [u.reason for u in result.unreadable] == ["Input/output error"]
        assert result.exit_code(strict=False) == ExitCode.INVALID_INPUT

    def test_fifos_are_never_opened(self, tmp_path: Path) -> None:
        os.mkfifo(tmp_path / "pipe.service")
        walked = lint_paths([tmp_path], LintOptions())
        assert [(s.path.name, s.reason) for s in walked.skipped] == [
            ("pipe.service", "not a regular file (FIFO, socket or device)")
        ]
        named = lint_paths([tmp_path / "pipe.service"], LintOptions())
        assert [u.reason for u in named.unreadable] == ["not a regular file"]
        assert named.exit_code(strict=False) == ExitCode.INVALID_INPUT

    def test_a_file_both_walked_and_named_is_linted_once_as_named(self, tmp_path: Path) -> None:
        write_tree(tmp_path, {"a.service": "[Service]\nOOMPolicy=stop\n", "ci.yaml": HEADER})
        (tmp_path / "ci.yaml").write_text("jobs: {}\n")  # named: linted as a profile anyway
        named = [tmp_path, tmp_path / "a.service", tmp_path / "ci.yaml", tmp_path / "a.service"]
        result = lint_paths(named, LintOptions())
        assert sorted(Path(p).name for p in result.linted) == ["a.service", "ci.yaml"]
        assert result.skipped == []

    def test_a_named_dangling_symlink_or_symlink_loop_says_so(self, tmp_path: Path) -> None:
        os.symlink("nowhere.service", tmp_path / "dangling.service")
        os.symlink("self.service", tmp_path / "self.service")
        result = lint_paths(
            [tmp_path / "dangling.service", tmp_path / "self.service"], LintOptions()
        )
        assert [(u.path.name, u.reason) for u in result.unreadable] == [
            ("dangling.service", "dangling symlink (to nowhere.service)"),
            ("self.service", "symlink loop"),
        ]
        assert result.exit_code(strict=False) == ExitCode.INVALID_INPUT

    def test_kinds_are_detected_by_name_and_content(self, tmp_path: Path) -> None:
        write_tree(tmp_path, {
            "README.md": "# docs\n",
            "ci.yaml": "jobs: {}\n",
            "p.yml": HEADER,
            "x.service.d/10.conf": "[Service]\n",
            "tuning/sysctl-oom.conf": "# sysctl\nvm.swappiness = 10\n",
            "tuning/journald.conf": "[Journal]\nStorage=auto\n",
        })  # fmt: skip
        result = lint_paths([tmp_path], LintOptions())
        assert sorted(Path(p).name for p in result.linted) == [
            "10.conf",
            "p.yml",
            "sysctl-oom.conf",
        ]
        loud = sorted((s.path.name, s.reason) for s in result.skipped if not s.quiet)
        assert loud == [
            ("ci.yaml", "YAML without a top-level 'oomcfg:' key (not a profile)"),
            ("journald.conf", ".conf file that is neither a unit drop-in nor sysctl settings"),
        ]

    def test_dotfile_yaml_such_as_tool_configs_is_skipped_quietly(self, tmp_path: Path) -> None:
        """.oomcfg-lint.yaml itself and .pre-commit-config.yaml are not worth a line each run."""
        write_tree(tmp_path, {
            ".oomcfg-lint.yaml": "disable: [OC107]\n",
            ".pre-commit-config.yaml": "repos: []\n",
            "ci.yaml": "jobs: {}\n",
            "p.yaml": DUMP_OFF,
        })  # fmt: skip
        result = lint_paths([tmp_path], LintOptions())
        assert [s.path.name for s in result.skipped if not s.quiet] == ["ci.yaml"]
        assert [s.path.name for s in result.skipped if s.quiet] == [
            ".oomcfg-lint.yaml", ".pre-commit-config.yaml",
        ]  # fmt: skip
        assert codes(result) == []

    def test_a_bad_profile_gives_loader_findings_with_positions(self, tmp_path: Path) -> None:
        text = (
            HEADER + "services:\n  a:\n    unit: a.service\n    oom_score_adj: 1200\n    tir: x\n"
        )
        result = lint_tree(tmp_path, {"p.yaml": text})
        lines = sorted((f.code, f.pos.line) for f in result.findings if f.pos)
        assert ("OC025", 6) in lines and ("OC020", 7) in lines
        assert result.exit_code(strict=False) == ExitCode.FINDINGS


class TestExitCodes:
    def test_clean_is_0_warnings_fail_only_with_strict(self, tmp_path: Path) -> None:
        result = lint_tree(tmp_path, {"p.yaml": DUMP_OFF})
        assert codes(result) == ["OC107"]
        assert result.exit_code(strict=False) == ExitCode.OK
        assert result.exit_code(strict=True) == ExitCode.FINDINGS


class TestConfiguration:
    def test_nearest_config_disables_and_regrades(self, tmp_path: Path) -> None:
        write_tree(tmp_path, {
            ".oomcfg-lint.yaml": "severity:\n  oom-dump-tasks-off: error\n",
            "strict/p.yaml": DUMP_OFF,
            "relaxed/.oomcfg-lint.yaml": "disable: [OC107]\n",
            "relaxed/p.yaml": DUMP_OFF,
        })  # fmt: skip
        result = lint_paths([tmp_path], LintOptions())
        assert [
            (Path(f.pos.path).parent.name, f.severity.value) for f in result.findings if f.pos
        ] == [("strict", "error")]

    def test_per_path_ignores(self, tmp_path: Path) -> None:
        write_tree(tmp_path, {
            ".oomcfg-lint.yaml": "ignore:\n  - paths: ['legacy/**']\n    rules: [OC107]\n",
            "legacy/old/p.yaml": DUMP_OFF,
            "new/p.yaml": DUMP_OFF,
        })  # fmt: skip
        result = lint_paths([tmp_path], LintOptions())
        assert [Path(f.pos.path).parent.name for f in result.findings if f.pos] == ["new"]

    def test_explicit_config_wins_and_its_mistakes_are_reported(self, tmp_path: Path) -> None:
        write_tree(tmp_path, {
            "conf.yaml": "disable: [OC107, OC999]\nseverity:\n  OC101: fatal\nbogus: 1\n",
            "p.yaml": DUMP_OFF,
        })  # fmt: skip
        options = LintOptions(config=tmp_path / "conf.yaml")
        result = lint_paths([tmp_path / "p.yaml"], options)
        assert [(f.code, f.pos.line) for f in result.findings if f.pos] == [
            ("OC302", 1), ("OC302", 3), ("OC302", 4),
        ]  # fmt: skip

    def test_a_misspelt_key_in_an_ignore_entry_is_an_error_not_ignore_everything(
        self, tmp_path: Path
    ) -> None:
        """``rule:`` for ``rules:`` must not silently widen the ignore to every rule."""
        write_tree(tmp_path, {
            ".oomcfg-lint.yaml": "ignore:\n  - paths: ['p.yaml']\n    rule: [OC101]\n",
            "p.yaml": DUMP_OFF,
        })  # fmt: skip
        result = lint_paths([tmp_path], LintOptions())
        assert [(f.code, f.pos.line if f.pos else 0, f.message) for f in result.findings] == [
            ("OC302", 3, "unknown key 'rule' in an ignore entry"),
            ("OC107", 4, "vm.oom_dump_tasks = 0: OOM kills will not log which tasks were "
             "candidates"),
        ]  # fmt: skip

    def test_an_unknown_code_is_named_in_the_message(self, tmp_path: Path) -> None:
        write_tree(tmp_path, {".oomcfg-lint.yaml": "disable: [OC999]\n", "p.yaml": DUMP_OFF})
        result = lint_paths([tmp_path], LintOptions())
        assert [f.message for f in result.findings if f.code == "OC302"] == [
            "'OC999' is not a rule code or slug"
        ]

    def test_unused_suppression_warnings_can_be_disabled_and_regraded(self, tmp_path: Path) -> None:
        stale = HEADER + "sysctl:\n  vm.oom_dump_tasks: 1  # oomcfg: disable=OC107\n"
        write_tree(tmp_path, {
            "off/.oomcfg-lint.yaml": "disable: [unused-suppression]\n",
            "off/p.yaml": stale,
            "err/.oomcfg-lint.yaml": "severity: {OC301: error}\n",
            "err/p.yaml": stale,
        })  # fmt: skip
        result = lint_paths([tmp_path], LintOptions())
        assert [(f.code, f.severity.value, Path(f.pos.path).parent.name)
                for f in result.findings if f.pos] == [("OC301", "error", "err")]  # fmt: skip


class TestInlineSuppression:
    def test_on_the_line_and_the_line_above_in_a_profile(self, tmp_path: Path) -> None:
        text = HEADER + (
            "sysctl:\n"
            "  vm.oom_dump_tasks: 0  # oomcfg: disable=OC107\n"
            "services:\n  a:\n    unit: a.service\n"
            "    # oomcfg: disable=unkillable-without-limit\n"
            "    oom_score_adj: -1000\n"
        )
        assert codes(lint_tree(tmp_path, {"p.yaml": text})) == []

    def test_in_a_unit_file_the_comment_line_above(self, tmp_path: Path) -> None:
        files = {"a.service": "[Service]\n# oomcfg: disable=OC140\nMemoryLimit=1G\n"}
        assert codes(lint_tree(tmp_path, files)) == []

    def test_a_trailing_directive_in_unit_or_sysctl_files_is_part_of_the_value(
        self, tmp_path: Path
    ) -> None:
        """systemd and sysctl.d have no trailing comments: it cannot silence its own line."""
        files = {
            "a.service": "[Service]\nOOMScoreAdjust=-900 # oomcfg: disable=OC144\n",
            "sysctl.d/1.conf": "vm.swappiness = 10 # oomcfg: disable=OC253\n",
        }
        assert codes(lint_tree(tmp_path, files)) == ["OC144", "OC144", "OC253"]

    def test_an_unused_suppression_is_a_warning(self, tmp_path: Path) -> None:
        text = HEADER + "sysctl:\n  vm.oom_dump_tasks: 1  # oomcfg: disable=OC107\n"
        result = lint_tree(tmp_path, {"p.yaml": text})
        assert problems(result, "OC301") == [("p.yaml", 4, 25)]
        assert result.exit_code(strict=True) == ExitCode.FINDINGS


    def test_a_reason_may_follow_the_codes(self, tmp_path: Path) -> None:
        text = HEADER + (
            "sysctl:\n  vm.oom_dump_tasks: 0  # oomcfg: disable=OC107, OC105 kernel debug host\n"
        )
        result = lint_tree(tmp_path, {"p.yaml": text})
        assert [(f.code, f.message) for f in result.findings] == [
            ("OC301", "suppression of OC105 matches no finding")
        ]

    @pytest.mark.parametrize(
        ("directive", "message"),
        [
            ("disable=OC1070", "suppression names no rule: OC1070"),
            ("disable=OC107,oom-dump-task-off", "suppression names no rule: oom-dump-task-off"),
            ("disable=", "suppression names no rule"),
            ("disable= OC107", "suppression names no rule"),  # the codes start right after '='
        ],
    )
    def test_a_suppression_naming_no_rule_is_reported_not_ignored(
        self, tmp_path: Path, directive: str, message: str
    ) -> None:
        """A typo would otherwise silence nothing without a word."""
        text = HEADER + f"sysctl:\n  vm.oom_dump_tasks: 0  # oomcfg: {directive}\n"
        result = lint_tree(tmp_path, {"p.yaml": text})
        assert ("OC301", message, 4, 25) in [
            (f.code, f.message, f.pos.line, f.pos.col) for f in result.findings if f.pos
        ]


class TestEachFileIsParsedOnce:
    def test_whatever_the_number_of_rules(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from oomcfg import profile
        from oomcfg.lint import inputs

        calls: list[str] = []

        def counting(real: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                calls.append(real.__name__)
                return real(*args, **kwargs)

            return wrapper

        monkeypatch.setattr(inputs, "parse_unit_text", counting(inputs.parse_unit_text))
        monkeypatch.setattr(inputs, "parse_sysctl_text", counting(inputs.parse_sysctl_text))
        monkeypatch.setattr(profile, "check_profiles", counting(profile.check_profiles))
        write_tree(tmp_path, {
            "p.yaml": UNKILLABLE,
            "a.service": "[Service]\nOOMPolicy=stop\n",
            "a.service.d/50-oomcfg.conf": "[Service]\nMemoryMax=1G\n",
            "service.d/10.conf": "[Service]\nMemoryHigh=1G\n",
            "sysctl.d/1.conf": "vm.panic_on_oom = 0\n",
        })  # fmt: skip
        lint_paths([tmp_path], LintOptions(systemd_version=245))
        assert sorted(calls) == [
            "check_profiles",
            "parse_sysctl_text",
            "parse_unit_text",
            "parse_unit_text",
            "parse_unit_text",
        ]
