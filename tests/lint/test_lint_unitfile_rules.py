"""OC140-OC146: hand-written unit files and sysctl.d files."""

from __future__ import annotations

from pathlib import Path

from lintcheck import file_problems, lint_tree

OOMCFG_DROPIN = """\
# oomcfg: managed file, do not edit (changes are overwritten by 'oomcfg apply')
[Service]
OOMScoreAdjust=-900
MemoryMax=2G
"""


class TestDeprecatedDirective:
    def test_memory_limit_and_oom_adjust(self, tmp_path: Path) -> None:
        files = {"a.service": "[Service]\nMemoryLimit=1G\nOOMAdjust=-17\n"}
        assert file_problems(tmp_path, files, "OC140") == [("a.service", 2, 1), ("a.service", 3, 1)]

    def test_limit_percent_is_right_only_for_247(self, tmp_path: Path) -> None:
        files = {"a.service": "[Service]\nManagedOOMMemoryPressureLimitPercent=50%\n"}
        assert file_problems(tmp_path, files, "OC140") == [("a.service", 2, 1)]
        assert file_problems(tmp_path, files, "OC140", version=247) == []

    def test_current_spellings(self, tmp_path: Path) -> None:
        files = {"a.service": "[Service]\nMemoryMax=1G\nOOMScoreAdjust=-17\n"}
        assert file_problems(tmp_path, files, "OC140") == []


class TestLegacyOomAdjWrite:
    def test_exec_writing_oom_adj(self, tmp_path: Path) -> None:
        files = {
            "a.service": "[Service]\nExecStartPost=/bin/sh -c 'echo -17 > /proc/$MAINPID/oom_adj'\n"
        }
        assert file_problems(tmp_path, files, "OC141") == [("a.service", 2, 1)]

    def test_oom_score_adj_is_fine(self, tmp_path: Path) -> None:
        files = {
            "a.service": "[Service]\nExecStartPost=/bin/sh -c 'echo 5 > /proc/1/oom_score_adj'\n"
        }
        assert file_problems(tmp_path, files, "OC141") == []


class TestDropinOverridesOomcfg:
    def test_later_dropin_overrides_and_resets(self, tmp_path: Path) -> None:
        files = {
            "ssh.service.d/50-oomcfg.conf": OOMCFG_DROPIN,
            "ssh.service.d/60-local.conf": "[Service]\nOOMScoreAdjust=0\nMemoryMax=\n",
        }
        assert file_problems(tmp_path, files, "OC142") == [
            ("60-local.conf", 2, 1),
            ("60-local.conf", 3, 1),
        ]

    def test_type_wide_dropin_sorting_later_overrides_too(self, tmp_path: Path) -> None:
        files = {
            "system/ssh.service.d/50-oomcfg.conf": OOMCFG_DROPIN,
            "system/service.d/90-defaults.conf": "[Service]\nOOMScoreAdjust=100\n",
        }
        assert file_problems(tmp_path, files, "OC142") == [("90-defaults.conf", 2, 1)]

    def test_earlier_dropins_and_same_values_are_fine(self, tmp_path: Path) -> None:
        files = {
            "ssh.service.d/10-vendor.conf": "[Service]\nOOMScoreAdjust=0\n",
            "ssh.service.d/50-oomcfg.conf": OOMCFG_DROPIN,
            "ssh.service.d/70-same.conf": "[Service]\nMemoryMax=2G\n",
        }
        assert file_problems(tmp_path, files, "OC142") == []


class TestTypeWideOomDropin:
    def test_service_d_and_prefix_dirs(self, tmp_path: Path) -> None:
        files = {
            "service.d/oom.conf": "[Service]\nMemoryMax=2G\n",
            "web-.service.d/oom.conf": "[Service]\nDescription=x\nOOMScoreAdjust=100\n",
        }
        assert file_problems(tmp_path, files, "OC143") == [("oom.conf", 2, 1), ("oom.conf", 3, 1)]

    def test_oomcfgs_own_wide_dropin_was_consented_to_in_the_profile(self, tmp_path: Path) -> None:
        files = {"service.d/50-oomcfg.conf": OOMCFG_DROPIN}
        assert file_problems(tmp_path, files, "OC143") == []

    def test_unit_and_template_dirs(self, tmp_path: Path) -> None:
        files = {
            "web.service.d/oom.conf": "[Service]\nMemoryMax=2G\n",
            "web@.service.d/oom.conf": "[Service]\nMemoryMax=2G\n",
        }
        assert file_problems(tmp_path, files, "OC143") == []


class TestInvalidOomValue:
    def test_values_systemd_rejects(self, tmp_path: Path) -> None:
        files = {
            "a.service": (
                "[Service]\nOOMScoreAdjust=1001\nOOMPolicy=panic\nMemoryMax=2g\n"
                "ManagedOOMMemoryPressure=yes\nManagedOOMMemoryPressureLimit=120%\n"
            )
        }
        assert [line for _, line, _ in file_problems(tmp_path, files, "OC144")] == [2, 3, 4, 5, 6]

    def test_valid_values_and_resets(self, tmp_path: Path) -> None:
        files = {
            "a.service": (
                "[Service]\nOOMScoreAdjust=-900\nOOMPolicy=kill\nMemoryMax=1.5G\nMemoryHigh=80%\n"
                "MemorySwapMax=infinity\nMemoryMin=\nManagedOOMSwap=kill\n"
            )
        }
        assert file_problems(tmp_path, files, "OC144") == []

    def test_sysctl_out_of_range(self, tmp_path: Path) -> None:
        files = {"sysctl.d/90.conf": "vm.panic_on_oom = 3\nvm.swappiness = 60\nvm.foo = x\n"}
        assert file_problems(tmp_path, files, "OC144") == [("90.conf", 1, 1)]

    def test_sysctl_messages_say_what_the_kernel_does(self, tmp_path: Path) -> None:
        """panic_on_oom's handler has bounds; oom_dump_tasks takes any int (proc_dointvec)."""
        files = {
            "sysctl.d/90.conf": "vm.panic_on_oom = 3\nvm.oom_dump_tasks = 5\nkernel.panic = x\n"
        }
        result = lint_tree(tmp_path, files)
        assert [f.message for f in result.findings if f.code == "OC144"] == [
            "vm.panic_on_oom = 3 is outside the kernel's range 0..2: the write fails and the "
            "key keeps its previous value",
            "vm.oom_dump_tasks = 5 is outside 0..1, the values that mean something; the kernel "
            "takes any integer",
            "kernel.panic = x is not an integer: the write fails and the key keeps its previous "
            "value",
        ]

    def test_quoted_or_bad_octal_numbers_are_left_to_the_specific_rules(
        self, tmp_path: Path
    ) -> None:
        files = {
            "a.service": '[Service]\nOOMScoreAdjust="-500"\nMemoryMax="1G"\n',
            "b.service": "[Service]\nOOMScoreAdjust=-0900\n",
            "sysctl.d/1.conf": 'vm.panic_on_oom = "1"\nvm.swappiness = 090\n',
        }
        result = lint_tree(tmp_path, files)
        found = sorted(
            (Path(f.pos.path).name, f.pos.line, f.code) for f in result.findings if f.pos
        )
        assert found == [
            ("1.conf", 1, "OC146"),
            ("1.conf", 2, "OC145"),
            ("a.service", 2, "OC146"),
            ("a.service", 3, "OC146"),
            ("b.service", 2, "OC145"),
        ]


class TestOctalOrHexNumber:
    def test_octal_hex_and_invalid_octal(self, tmp_path: Path) -> None:
        for value in ("010", "0x10", "-0900"):
            files = {"a.service": f"[Service]\nOOMScoreAdjust={value}\n"}
            assert file_problems(tmp_path / value, files, "OC145") == [("a.service", 2, 1)]

    def test_sysctl_octal(self, tmp_path: Path) -> None:
        files = {"sysctl.d/1.conf": "vm.swappiness = 010\n"}
        assert file_problems(tmp_path, files, "OC145") == [("1.conf", 1, 1)]

    def test_plain_decimal_and_zero(self, tmp_path: Path) -> None:
        files = {
            "a.service": "[Service]\nOOMScoreAdjust=0\n",
            "sysctl.d/1.conf": "vm.swappiness = 10\n",
        }
        assert file_problems(tmp_path, files, "OC145") == []


class TestQuotedNumber:
    def test_quoted_values(self, tmp_path: Path) -> None:
        files = {
            "a.service": "[Service]\nOOMScoreAdjust=\"-500\"\nMemoryMax='2G'\n",
            "sysctl.d/1.conf": 'vm.swappiness = "10"\n',
        }
        assert file_problems(tmp_path, files, "OC146") == [
            ("a.service", 2, 1),
            ("a.service", 3, 1),
            ("1.conf", 1, 1),
        ]

    def test_unquoted(self, tmp_path: Path) -> None:
        files = {"a.service": '[Service]\nOOMScoreAdjust=-500\nDescription="5"\n'}
        assert file_problems(tmp_path, files, "OC146") == []


class TestUnknownOomDirective:
    def test_typos_and_wrong_case(self, tmp_path: Path) -> None:
        files = {"a.service": "[Service]\nOOMScoreAdj=-900\nMemoryMAX=2G\nmemorymax=1G\n"}
        assert file_problems(tmp_path, files, "OC147") == [
            ("a.service", 2, 1),
            ("a.service", 3, 1),
            ("a.service", 4, 1),
        ]

    def test_known_deprecated_and_unrelated_keys(self, tmp_path: Path) -> None:
        files = {
            "a.service": "[Service]\nOOMScoreAdjust=1\nMemoryLimit=1G\nMemoryAccounting=yes\n"
            "ExecStart=/bin/a\nMemoryDenyWriteExecute=yes\n"
        }
        assert file_problems(tmp_path, files, "OC147") == []
