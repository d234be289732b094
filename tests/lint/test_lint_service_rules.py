"""OC110-OC124: per-service OOM settings, in profiles and in unit files."""

from __future__ import annotations

from pathlib import Path

from lintcheck import HEADER, file_problems, lint_tree, profile_problems


def svc(lines: str, unit: str = "app.service") -> str:
    """A profile body with one service ``app`` (its settings start on line 6)."""
    body = "services:\n  app:\n    unit: " + unit + "\n"
    return body + "".join(f"    {line}\n" for line in lines.splitlines())


class TestUnkillableWithoutLimit:
    def test_minus_1000_without_limit(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, svc("oom_score_adj: -1000"), "OC110") == [(6, 20)]

    def test_infinity_is_no_limit(self, tmp_path: Path) -> None:
        body = svc("oom_score_adj: -1000\nmemory: {max: infinity}")
        assert profile_problems(tmp_path, body, "OC110") == [(6, 20)]

    def test_with_max_or_at_999(self, tmp_path: Path) -> None:
        body = svc("oom_score_adj: -1000\nmemory: {max: 512M}")
        assert profile_problems(tmp_path, body, "OC110") == []
        assert profile_problems(tmp_path, svc("oom_score_adj: -999"), "OC110") == []

    def test_in_a_unit_file(self, tmp_path: Path) -> None:
        files = {"agent.service": "[Service]\nExecStart=/bin/agent\nOOMScoreAdjust=-1000\n"}
        assert file_problems(tmp_path, files, "OC110") == [("agent.service", 3, 1)]


class TestTooManyProtected:
    @staticmethod
    def body(protected: int, total: int) -> str:
        lines = ["services:"]
        for i in range(total):
            score = -900 if i < protected else 0
            lines += [f"  s{i}:", f"    unit: s{i}.service", f"    oom_score_adj: {score}"]
        return "\n".join(lines) + "\n"

    def test_six_of_eight_at_minus_900(self, tmp_path: Path) -> None:
        # the 6th protected service (s5) is the first beyond the allowance of 5
        assert profile_problems(tmp_path, self.body(6, 8), "OC111") == [(4 + 5 * 3 + 2, 20)]

    def test_five_are_allowed_and_a_quarter_of_many(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, self.body(5, 8), "OC111") == []
        assert profile_problems(tmp_path, self.body(7, 40), "OC111") == []


class TestMemoryHighAboveMax:
    def test_high_above_max(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, svc("memory: {high: 8G, max: 6G}"), "OC112") == [(6, 20)]

    def test_ordered_or_incomparable(self, tmp_path: Path) -> None:
        for memory in ("{high: 6G, max: 8G}", "{high: 80%, max: 8G}", "{high: 6G, max: infinity}"):
            assert profile_problems(tmp_path, svc(f"memory: {memory}"), "OC112") == []

    def test_in_a_dropin(self, tmp_path: Path) -> None:
        files = {"app.service.d/10-mem.conf": "[Service]\nMemoryHigh=3G\nMemoryMax=2G\n"}
        assert file_problems(tmp_path, files, "OC112") == [("10-mem.conf", 2, 1)]


class TestMemoryMinAboveLow:
    def test_min_above_low(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, svc("memory: {min: 2G, low: 1G}"), "OC113") == [(6, 19)]

    def test_min_below_low(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, svc("memory: {min: 1G, low: 2G}"), "OC113") == []


class TestMemoryProtectionAboveLimit:
    def test_low_above_max(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, svc("memory: {low: 4G, max: 2G}"), "OC114") == [(6, 19)]

    def test_low_below_max(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, svc("memory: {low: 1G, max: 2G}"), "OC114") == []


class TestWrongUnitType:
    def test_memory_max_on_a_timer_unit_file(self, tmp_path: Path) -> None:
        files = {"backup.timer": "[Timer]\nOnCalendar=daily\nMemoryMax=1G\n"}
        assert file_problems(tmp_path, files, "OC115") == [("backup.timer", 3, 1)]

    def test_memory_max_on_a_slice_is_fine(self, tmp_path: Path) -> None:
        files = {"batch.slice": "[Slice]\nMemoryMax=1G\n"}
        assert file_problems(tmp_path, files, "OC115") == []

    def test_oom_policy_on_a_slice(self, tmp_path: Path) -> None:
        files = {"batch.slice": "[Slice]\nOOMPolicy=kill\n"}
        assert file_problems(tmp_path, files, "OC116") == [("batch.slice", 2, 1)]

    def test_oom_policy_on_a_service_is_fine(self, tmp_path: Path) -> None:
        files = {"a.service": "[Service]\nOOMPolicy=kill\n"}
        assert file_problems(tmp_path, files, "OC116") == []

    def test_oom_score_adjust_on_a_scope_dropin(self, tmp_path: Path) -> None:
        files = {"session-1.scope.d/50.conf": "[Scope]\nOOMScoreAdjust=500\n"}
        assert file_problems(tmp_path, files, "OC117") == [("50.conf", 2, 1)]

    def test_oom_score_adjust_on_a_socket_is_fine(self, tmp_path: Path) -> None:
        files = {"a.socket": "[Socket]\nListenStream=80\nOOMScoreAdjust=500\n"}
        assert file_problems(tmp_path, files, "OC117") == []


class TestDirectiveWrongSection:
    def test_memory_max_under_unit(self, tmp_path: Path) -> None:
        files = {"a.service": "[Unit]\nDescription=a\nMemoryMax=1G\n[Service]\nExecStart=/a\n"}
        assert file_problems(tmp_path, files, "OC118") == [("a.service", 3, 1)]

    def test_under_service(self, tmp_path: Path) -> None:
        files = {"a.service": "[Unit]\nDescription=a\n[Service]\nMemoryMax=1G\n"}
        assert file_problems(tmp_path, files, "OC118") == []


class TestPressureLimitWithoutKill:
    def test_limit_with_auto_in_a_dropin(self, tmp_path: Path) -> None:
        files = {
            "user@.service.d/oomd.conf": (
                "[Service]\nManagedOOMMemoryPressure=auto\nManagedOOMMemoryPressureLimit=60%\n"
            )
        }
        assert file_problems(tmp_path, files, "OC119") == [("oomd.conf", 3, 1)]

    def test_the_pre_248_spelling_counts_too(self, tmp_path: Path) -> None:
        files = {"a.service": "[Service]\nManagedOOMMemoryPressureLimitPercent=60%\n"}
        assert file_problems(tmp_path, files, "OC119") == [("a.service", 2, 1)]

    def test_limit_with_kill(self, tmp_path: Path) -> None:
        body = svc("managed_oom: {memory_pressure: kill, memory_pressure_limit: 60%}")
        assert profile_problems(tmp_path, body, "OC119") == []


class TestProtectionOnExpendable:
    def test_expendable_with_low(self, tmp_path: Path) -> None:
        body = svc("tier: expendable\nmemory: {low: 1G}")
        assert profile_problems(tmp_path, body, "OC120") == [(7, 19)]

    def test_expendable_with_max_only(self, tmp_path: Path) -> None:
        body = svc("tier: expendable\nmemory: {max: 1G}")
        assert profile_problems(tmp_path, body, "OC120") == []


class TestTinyMemoryLimit:
    def test_bytes_without_suffix(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, svc("memory: {max: 1024}"), "OC121") == [(6, 19)]

    def test_with_suffix(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, svc("memory: {max: 1024M}"), "OC121") == []

    def test_in_a_unit_file(self, tmp_path: Path) -> None:
        files = {"a.service": "[Service]\nMemoryHigh=512\n"}
        assert file_problems(tmp_path, files, "OC121") == [("a.service", 2, 1)]

    def test_the_hint_guesses_a_suffix_only_for_a_bare_number(self, tmp_path: Path) -> None:
        files = {
            "a.service": "[Service]\nMemoryMax=512K\nMemoryHigh=100\n",
            "b.service": "[Service]\nMemoryMax=0\n",
        }
        result = lint_tree(tmp_path, files)
        assert [f.hint for f in result.findings if f.code == "OC121"] == [
            "write the size the service needs with a K/M/G suffix, at least 1M",
            "did you mean 100M? sizes without a suffix are bytes",
            "write the size the service needs with a K/M/G suffix, at least 1M",
        ]


class TestCriticalOomPolicyContinue:
    def test_critical_tier_with_continue(self, tmp_path: Path) -> None:
        body = svc("tier: critical\noom_policy: continue")
        assert profile_problems(tmp_path, body, "OC122") == [(7, 17)]

    def test_critical_with_stop_or_standard_with_continue(self, tmp_path: Path) -> None:
        assert profile_problems(tmp_path, svc("tier: critical\noom_policy: stop"), "OC122") == []
        body = svc("tier: standard\noom_policy: continue")
        assert profile_problems(tmp_path, body, "OC122") == []


class TestOomPolicyStopKillModeProcess:
    def test_stop_with_killmode_process(self, tmp_path: Path) -> None:
        files = {"a.service": "[Service]\nKillMode=process\nOOMPolicy=stop\n"}
        assert file_problems(tmp_path, files, "OC123") == [("a.service", 3, 1)]

    def test_dropin_policy_meets_unit_killmode(self, tmp_path: Path) -> None:
        files = {
            "lib/a.service": "[Service]\nKillMode=process\n",
            "etc/a.service.d/50-oomcfg.conf": "[Service]\nOOMPolicy=stop\n",
        }
        assert file_problems(tmp_path, files, "OC123") == [("50-oomcfg.conf", 2, 1)]

    def test_default_killmode(self, tmp_path: Path) -> None:
        files = {"a.service": "[Service]\nOOMPolicy=stop\n"}
        assert file_problems(tmp_path, files, "OC123") == []


class TestComposeRootlessCannotLower:
    def test_negative_score_from_a_number_or_a_tier(self, tmp_path: Path) -> None:
        body = svc("oom_score_adj: -500\ninit: {compose_service: db}")
        assert profile_problems(tmp_path, body, "OC124") == [(6, 20)]
        body = svc("tier: critical\ninit: {compose_service: db}")
        assert profile_problems(tmp_path, body, "OC124") == [(6, 11)]

    def test_zero_or_positive_or_not_a_compose_service(self, tmp_path: Path) -> None:
        for lines in (
            "oom_score_adj: 0\ninit: {compose_service: db}",
            "tier: expendable\ninit: {compose_service: db}",
            "oom_score_adj: -500\ninit: {name: db}",
        ):
            assert profile_problems(tmp_path, svc(lines), "OC124") == []

    def test_the_message_says_what_rootless_engines_do(self, tmp_path: Path) -> None:
        text = HEADER + svc("oom_score_adj: -500\ninit: {compose_service: db}")
        [finding] = lint_tree(tmp_path, {"p.yaml": text}).findings
        assert finding.severity.value == "info"
        assert finding.message == (
            "app: compose service 'db' asks for oom_score_adj -500; a rootless engine cannot "
            "lower a container's score: it keeps the engine's own score (Podman clamps it) or "
            "the container fails to start"
        )
