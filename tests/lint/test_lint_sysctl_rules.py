"""OC101-OC109: host-wide sysctl policy, in profiles and in sysctl.d files."""

from __future__ import annotations

from pathlib import Path

from lintcheck import file_problems, profile_problems


class TestPanicOnOomWithoutReboot:
    def test_panic_without_kernel_panic_hangs(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, "sysctl:\n  vm.panic_on_oom: 1\n", "OC101") == [(4, 20)]

    def test_kernel_panic_zero_is_flagged_too(self, tmp_path: Path) -> None:
        body = "sysctl:\n  kernel.panic: 0\n  vm.panic_on_oom: 2\n"
        assert profile_problems(tmp_path, body, "OC101") == [(5, 20)]

    def test_a_reboot_timeout_or_no_panic_is_fine(self, tmp_path: Path) -> None:
        body = "sysctl:\n  vm.panic_on_oom: 1\n  kernel.panic: 10\n"
        assert profile_problems(tmp_path, body, "OC101") == []
        assert profile_problems(tmp_path, "sysctl:\n  vm.panic_on_oom: 0\n", "OC101") == []

    def test_in_a_sysctl_file(self, tmp_path: Path) -> None:
        files = {"etc/sysctl.d/90-x.conf": "# panic\nvm.panic_on_oom = 1\n"}
        assert file_problems(tmp_path, files, "OC101") == [("90-x.conf", 2, 1)]


class TestPanicOnOomWithMemcgLimits:
    BODY = """\
        sysctl:
          vm.panic_on_oom: {mode}
          kernel.panic: 10
        services:
          web:
            unit: web.service
            memory: {{max: 2G}}
        """

    def test_mode_2_with_a_memory_max(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, self.BODY.format(mode=2), "OC102") == [(4, 20)]

    def test_mode_1_is_fine(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, self.BODY.format(mode=1), "OC102") == []

    def test_memory_max_infinity_is_no_limit(self, tmp_path: Path) -> None:
        files = {
            "sysctl.d/50-panic.conf": "vm.panic_on_oom = 2\nkernel.panic = 5\n",
            "system/web.service": "[Service]\nExecStart=/bin/web\nMemoryMax=infinity\n",
        }
        assert file_problems(tmp_path, files, "OC102") == []

    def test_across_unit_and_sysctl_files(self, tmp_path: Path) -> None:
        files = {
            "sysctl.d/50-panic.conf": "vm.panic_on_oom = 2\nkernel.panic = 5\n",
            "system/web.service": "[Service]\nExecStart=/bin/web\nMemoryMax=2G\n",
        }
        assert file_problems(tmp_path, files, "OC102") == [("50-panic.conf", 1, 1)]


class TestOvercommitRatioAndKbytes:
    def test_both_set(self, tmp_path: Path) -> None:
        body = "sysctl:\n  vm.overcommit_ratio: 80\n  vm.overcommit_kbytes: 1048576\n"
        assert profile_problems(tmp_path, body, "OC103") == [(5, 25)]

    def test_one_of_them(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, "sysctl:\n  vm.overcommit_ratio: 80\n", "OC103") == []


class TestOvercommitNeverLowCommit:
    def test_default_ratio_in_mode_2(self, tmp_path: Path) -> None:
        body = "sysctl:\n  vm.overcommit_memory: 2\n"
        assert profile_problems(tmp_path, body, "OC104") == [(4, 25)]

    def test_low_explicit_ratio_points_at_the_ratio(self, tmp_path: Path) -> None:
        body = "sysctl:\n  vm.overcommit_memory: 2\n  vm.overcommit_ratio: 60\n"
        assert profile_problems(tmp_path, body, "OC104") == [(5, 24)]

    def test_high_ratio_or_kbytes_or_other_modes_are_fine(self, tmp_path: Path) -> None:
        for body in (
            "sysctl:\n  vm.overcommit_memory: 2\n  vm.overcommit_ratio: 95\n",
            "sysctl:\n  vm.overcommit_memory: 2\n  vm.overcommit_kbytes: 16777216\n",
            "sysctl:\n  vm.overcommit_memory: 0\n",
        ):
            assert profile_problems(tmp_path, body, "OC104") == []


class TestOomKillAllocatingTask:
    def test_non_zero(self, tmp_path: Path) -> None:
        body = "sysctl:\n  vm.oom_kill_allocating_task: 1\n"
        assert profile_problems(tmp_path, body, "OC105") == [(4, 32)]

    def test_zero(self, tmp_path: Path) -> None:
        body = "sysctl:\n  vm.oom_kill_allocating_task: 0\n"
        assert profile_problems(tmp_path, body, "OC105") == []


class TestKubernetesNodeSysctls:
    def test_kubelet_without_expected_sysctls(self, tmp_path: Path) -> None:
        body = """\
            sysctl:
              vm.overcommit_memory: 0
            services:
              kubelet:
                unit: kubelet.service
                oom_score_adj: -999
            """
        # overcommit_memory wrong (line 4), three keys missing (at the unit line, 7)
        assert profile_problems(tmp_path, body, "OC106") == [(4, 25), (7, 11), (7, 11), (7, 11)]

    def test_the_shipped_preset_has_them(self, tmp_path: Path) -> None:
        body = "extends: [kubernetes-node]\n"
        assert profile_problems(tmp_path, body, "OC106") == []

    def test_no_kubelet_no_expectation(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, "sysctl:\n  vm.overcommit_memory: 0\n", "OC106") == []


class TestOomDumpTasksOff:
    def test_off(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, "sysctl:\n  vm.oom_dump_tasks: 0\n", "OC107") == [(4, 22)]

    def test_on(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, "sysctl:\n  vm.oom_dump_tasks: 1\n", "OC107") == []


class TestOvercommitTuningWithoutNever:
    def test_ratio_in_mode_0(self, tmp_path: Path) -> None:
        body = "sysctl:\n  vm.overcommit_memory: 0\n  vm.overcommit_ratio: 90\n"
        assert profile_problems(tmp_path, body, "OC108") == [(5, 24)]

    def test_ratio_in_mode_2(self, tmp_path: Path) -> None:
        body = "sysctl:\n  vm.overcommit_memory: 2\n  vm.overcommit_ratio: 90\n"
        assert profile_problems(tmp_path, body, "OC108") == []


class TestSysctlOverriddenLater:
    def test_later_file_overrides_with_another_value(self, tmp_path: Path) -> None:
        files = {
            "etc/sysctl.d/90-oomcfg.conf": "vm.panic_on_oom = 0\nkernel.panic = 10\n",
            "etc/sysctl.d/99-local.conf": "kernel.panic = 10\nvm.panic_on_oom = 1\n",
        }
        assert file_problems(tmp_path, files, "OC109") == [("90-oomcfg.conf", 1, 1)]

    def test_masked_file_in_usr_lib_does_not_count(self, tmp_path: Path) -> None:
        files = {
            "etc/sysctl.d/90-oomcfg.conf": "vm.swappiness = 10\n",
            "usr/lib/sysctl.d/90-oomcfg.conf": "vm.swappiness = 60\n",
        }
        assert file_problems(tmp_path, files, "OC109") == []
