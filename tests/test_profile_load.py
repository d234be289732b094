"""Loading good profiles: the model they produce, scores, sizes and provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from oomcfg.diagnostics import Position
from oomcfg.errors import ExitCode, InputError
from oomcfg.model import InitSpec, ManagedOOM, Memory, Size, SysctlSetting, Tier
from oomcfg.profile import check_profiles, explain, load_profiles

DATA = Path(__file__).parent / "data" / "profiles"
G = 1 << 30


def test_the_documented_example_loads_into_the_model() -> None:
    path = str(DATA / "good" / "full.yaml")
    profile = load_profiles([path])
    assert profile.version == 1
    assert profile.sources == (path,)
    assert profile.sysctl == {
        "vm.panic_on_oom": SysctlSetting("vm.panic_on_oom", 0),
        "kernel.panic": SysctlSetting("kernel.panic", 10),
        "net.core.somaxconn": SysctlSetting("net.core.somaxconn", 4096, passthrough=True),
    }
    sshd, db, worker = profile.services.values()
    assert (sshd.unit, sshd.tier, sshd.oom_score_adj, sshd.adj_source) == (
        "ssh.service", Tier.CRITICAL, -900, "tier")
    assert (db.oom_score_adj, db.adj_source, db.oom_policy) == (-800, "explicit", "continue")
    assert db.memory == Memory(min=Size("bytes", G), low=Size("bytes", 2 * G),
                               high=Size("bytes", 6 * G), max=Size("bytes", 8 * G),
                               swap_max=Size("bytes", 0))
    assert db.managed_oom == ManagedOOM(swap="auto", memory_pressure="kill",
                                        memory_pressure_limit=60, preference="avoid")
    assert (worker.scope, worker.oom_score_adj, worker.adj_source) == (
        "template", 875, "from_request")  # 1000 - 1000*2G/16G
    assert worker.init == InitSpec(name="worker", command=("/usr/bin/worker", "--queue", "default"),
                                   compose_service="worker", pidfile="/run/worker.pid",
                                   comm="worker")


def test_wide_scopes_percent_sizes_and_ignore_missing_sysctls() -> None:
    profile = load_profiles([DATA / "good" / "kubelet-node.yaml"])
    services = profile.services
    assert (services["batch"].scope, services["batch"].oom_score_adj) == ("prefix", 1000)
    assert (services["all-services"].scope, services["all-services"].unit) == ("type", "service")
    assert services["pods"].memory.max == Size("percent", 90)
    assert services["pods"].memory.high == Size("infinity")
    assert profile.sysctl["vm.swappiness"] == SysctlSetting("vm.swappiness", 0,
                                                            ignore_missing=True)
    assert services["kubelet"].oom_score_adj == -999


def test_origins_point_at_every_value_that_was_set() -> None:
    path = str(DATA / "good" / "full.yaml")
    profile = load_profiles([path])
    assert profile.origin("sysctl.vm.panic_on_oom") == Position(path, 4, 20)
    assert profile.origin("services.sshd.unit") == Position(path, 9, 11)
    assert profile.origin("services.sshd.tier") == Position(path, 10, 11)
    assert profile.origin("services.sshd.oom_score_adj") == Position(path, 10, 11)
    assert profile.origin("services.postgres.memory.max") == Position(path, 15, 47)
    assert profile.origin("services.worker.init.comm") == Position(path, 21, 129)
    assert profile.origin("services.worker.memory.max") is None


def test_explain_lists_path_value_and_origin() -> None:
    path = str(DATA / "good" / "full.yaml")
    rows = {p: (v, str(pos)) for p, v, pos in explain(load_profiles([path]))}
    assert rows["services.sshd.tier"] == ("critical (oom_score_adj -900)", f"{path}:10:11")
    assert rows["services.worker.oom_score_adj"] == ("875 (from_request)", f"{path}:20:20")
    assert rows["services.postgres.memory.swap_max"] == ("0", f"{path}:15:61")
    assert rows["sysctl.net.core.somaxconn"] == ("4096 (passthrough)", f"{path}:6:23")
    assert rows["services.worker.init.command"][0] == "/usr/bin/worker --queue default"
    assert "services.sshd.scope" not in rows  # the default was not written anywhere


def test_load_raises_input_error_with_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("oomcfg: 1\nservices:\n  a: {unit: a.service, tier: top}\n"
                   "  b: {unit: b.service, oom_score_adj: 1001}\n")
    with pytest.raises(InputError) as err:
        load_profiles([bad])
    assert err.value.exit_code == ExitCode.INVALID_INPUT
    assert [(d.code, d.pos) for d in err.value.diagnostics] == [
        ("OC027", Position(str(bad), 3, 30)), ("OC025", Position(str(bad), 4, 39))]
    assert str(err.value).splitlines()[1] == (
        f"{bad}:4:39: error[OC025]: oom_score_adj 1001 is out of range -1000..1000")


def test_check_profiles_never_raises_and_returns_no_profile_on_error(tmp_path: Path) -> None:
    profile, diags = check_profiles([tmp_path / "absent.yaml"])
    assert profile is None
    assert [d.code for d in diags] == ["OC013"]
    profile, diags = check_profiles([])
    assert (profile, [d.code for d in diags]) == (None, ["OC021"])


def test_empty_file_says_what_a_profile_starts_with(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n")
    _, diags = check_profiles([empty])
    assert [(d.code, d.hint) for d in diags] == [("OC021", "a profile starts with 'oomcfg: 1'")]


def test_every_tier_resolves_to_its_score(tmp_path: Path) -> None:
    lines = ["oomcfg: 1", "services:"]
    for tier in Tier:
        lines += [f"  {tier.value}:", f"    unit: {tier.value}.service", f"    tier: {tier.value}"]
    path = tmp_path / "tiers.yaml"
    path.write_text("\n".join(lines) + "\n")
    services = load_profiles([path]).services
    assert {n: s.oom_score_adj for n, s in services.items()} == {
        "critical": -900, "protected": -500, "standard": 0, "expendable": 500,
        "sacrificial": 1000}


def test_never_kill_needs_an_explicit_minus_1000(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("oomcfg: 1\nservices:\n  init: {unit: init.scope, oom_policy: continue}\n"
                    "  db: {unit: db.service, oom_score_adj: -1000}\n")
    services = load_profiles([path]).services
    assert (services["db"].oom_score_adj, services["db"].adj_source) == (-1000, "explicit")
    assert services["init"].oom_score_adj is None


@pytest.mark.parametrize("preset", sorted((DATA.parent.parent.parent / "profiles").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_every_shipped_preset_loads_with_its_extends(preset: Path) -> None:
    profile = load_profiles([preset])
    assert profile.sources[-1] == str(preset)
    assert profile.services or profile.sysctl


def test_every_service_field_of_the_schema_has_a_slot_in_the_model() -> None:
    """build_service() places leaves by a table made from the model's records; the
    schema must not offer a field that table lacks (it would be a KeyError, exit 70)."""
    from oomcfg.profile_build import _SLOTS
    from oomcfg.schema import SERVICE
    from oomcfg.specs import MapSpec

    paths = set()
    for name, field in SERVICE.fields.items():
        if isinstance(field.spec, MapSpec):
            paths.update((name, inner) for inner in field.spec.fields)
        else:
            paths.add((name,))
    assert paths == set(_SLOTS)
