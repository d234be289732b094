"""OC130-OC133: directives the target systemd (--systemd-version) does not know yet."""

from __future__ import annotations

from pathlib import Path

from lintcheck import file_problems, profile_problems

PRESSURE = "services:\n  a:\n    unit: a.service\n    managed_oom: {memory_pressure: kill}\n"
PREFERENCE = "services:\n  a:\n    unit: a.service\n    managed_oom: {preference: avoid}\n"
POLICY = "services:\n  a:\n    unit: a.service\n    oom_policy: kill\n"
MEMORY_MIN = "services:\n  a:\n    unit: a.service\n    memory: {min: 1G}\n"


class TestManagedOomNeeds247:
    def test_before_247(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, PRESSURE, "OC130", version=246) == [(6, 36)]

    def test_from_247_or_without_a_version(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, PRESSURE, "OC130", version=247) == []
        assert profile_problems(tmp_path, PRESSURE, "OC130") == []

    def test_new_limit_spelling_in_a_unit_file_for_247(self, tmp_path: Path) -> None:
        files = {"a.service": "[Service]\nManagedOOMMemoryPressureLimit=50%\n"}
        assert file_problems(tmp_path, files, "OC130", version=247) == [("a.service", 2, 1)]
        assert file_problems(tmp_path, files, "OC130", version=248) == []


class TestManagedOomPreferenceNeeds248:
    def test_before_248(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, PREFERENCE, "OC131", version=247) == [(6, 31)]

    def test_from_248(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, PREFERENCE, "OC131", version=248) == []


class TestOomPolicyNeeds243:
    def test_before_243(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, POLICY, "OC132", version=241) == [(6, 17)]

    def test_from_243(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, POLICY, "OC132", version=243) == []

    def test_in_a_unit_file(self, tmp_path: Path) -> None:
        files = {"a.service": "[Service]\nOOMPolicy=stop\n"}
        assert file_problems(tmp_path, files, "OC132", version=239) == [("a.service", 2, 1)]


class TestMemoryDirectiveNeedsNewerSystemd:
    def test_memory_min_before_240(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, MEMORY_MIN, "OC133", version=239) == [(6, 19)]

    def test_memory_min_from_240(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, MEMORY_MIN, "OC133", version=240) == []
