"""render(): what each profile turns into, and what it refuses to write."""

from __future__ import annotations

from pathlib import Path

import pytest

from oomcfg.diagnostics import Position, Severity
from oomcfg.model import (
    DROPIN_NAME,
    MARKER,
    SYSCTL_FILE,
    ManagedOOM,
    Memory,
    Profile,
    Service,
    Size,
    SysctlSetting,
)
from oomcfg.profile import load_profiles
from oomcfg.render import (
    DEFAULT_TARGETS,
    TARGETS,
    RenderInvariantError,
    UnknownTargetError,
    render,
    source_label,
)
from oomcfg.render_check import (
    VerifiedBodies,
    check_unit_text,
    sysctl_assignments,
    unit_assignments,
)
from oomcfg.resources import profiles_dir
from oomcfg.unitfile import parse_unit_text

PRESETS = sorted(p.stem for p in profiles_dir().glob("*.yaml"))
GIB = 1 << 30


def profile(*services: Service, sysctl: dict[str, SysctlSetting] | None = None,
            sources: tuple[str, ...] = ("site.yaml",)) -> Profile:
    return Profile(
        version=1, description="test", sources=sources, sysctl=sysctl or {},
        services={s.name: s for s in services},
        origins={"services.db.managed_oom.preference": Position("site.yaml", 9, 5)},
    )


def dropin(unit: str) -> str:
    return f"etc/systemd/system/{unit}.d/{DROPIN_NAME}"


def body(text: str) -> list[str]:
    """The non-comment lines of a rendered file."""
    return [line for line in text.splitlines() if line and not line.startswith("#")]


DB = Service(
    name="db", unit="postgresql@15-main.service", oom_score_adj=-800, adj_source="explicit",
    oom_policy="continue",
    memory=Memory(min=Size("bytes", GIB), high=Size("bytes", 6 * GIB),
                  max=Size("bytes", 8 * GIB), swap_max=Size("bytes", 0)),
    managed_oom=ManagedOOM(memory_pressure="kill", memory_pressure_limit=60, preference="avoid"),
)


def test_a_service_becomes_one_dropin_with_every_directive_in_order() -> None:
    result = render(profile(DB))
    (file,) = result.files
    assert (file.path, file.kind, file.unit, file.mode) == (
        dropin("postgresql@15-main.service"), "systemd", "postgresql@15-main.service", 0o644)
    assert body(file.content) == [
        "[Service]", "OOMScoreAdjust=-800", "OOMPolicy=continue", "MemoryMin=1G",
        "MemoryHigh=6G", "MemoryMax=8G", "MemorySwapMax=0", "ManagedOOMMemoryPressure=kill",
        "ManagedOOMMemoryPressureLimit=60%", "ManagedOOMPreference=avoid",
    ]
    assert result.notes == ()


def test_header_carries_marker_sources_and_service() -> None:
    (file,) = render(profile(DB, sources=("base.yaml", "site.yaml"))).files
    lines = file.content.splitlines()
    assert lines[0] == MARKER
    assert lines[1] == '# profile: "base.yaml", "site.yaml"'
    assert lines[2] == '# service: "db"  unit: postgresql@15-main.service'


@pytest.mark.parametrize(
    ("unit", "scope", "directory", "section"),
    [("user.slice", "unit", "user.slice.d", "Slice"),
     ("session-1.scope", "unit", "session-1.scope.d", "Scope"),
     ("listener.socket", "unit", "listener.socket.d", "Socket"),
     ("srv-data.mount", "unit", "srv-data.mount.d", "Mount"),
     ("dev-sda2.swap", "unit", "dev-sda2.swap.d", "Swap"),
     ("worker@.service", "template", "worker@.service.d", "Service"),
     ("tools-.service", "prefix", "tools-.service.d", "Service"),
     ("service", "type", "service.d", "Service")],
)
def test_section_and_directory_follow_unit_type_and_scope(
    unit: str, scope: str, directory: str, section: str
) -> None:
    svc = Service(name="x", unit=unit, scope=scope,  # type: ignore[arg-type]
                  memory=Memory(max=Size("bytes", GIB)))
    (file,) = render(profile(svc)).files
    assert file.path == f"etc/systemd/system/{directory}/{DROPIN_NAME}"
    assert body(file.content) == [f"[{section}]", "MemoryMax=1G"]


def test_directives_invalid_for_the_unit_type_are_dropped_with_a_warning() -> None:
    svc = Service(name="s", unit="user.slice", oom_score_adj=500, oom_policy="kill",
                  memory=Memory(max=Size("percent", 80)))
    result = render(profile(svc))
    assert body(result.files[0].content) == ["[Slice]", "MemoryMax=80%"]
    assert [(n.code, n.severity) for n in result.notes] == [
        ("OC803", Severity.WARNING), ("OC803", Severity.WARNING)]
    assert "OOMScoreAdjust= omitted for user.slice" in result.notes[0].message


def test_nothing_to_set_means_no_file() -> None:
    svc = Service(name="only-init", unit="legacy.service")
    assert render(profile(svc)).files == ()


def test_older_systemd_omits_and_renames_with_notes_pointing_at_the_profile() -> None:
    result = render(profile(DB), systemd_version=247)
    assert body(result.files[0].content)[-2:] == [
        "ManagedOOMMemoryPressure=kill", "ManagedOOMMemoryPressureLimitPercent=60%"]
    renamed, omitted = result.notes
    assert (renamed.code, renamed.severity) == ("OC802", Severity.INFO)
    assert omitted.format() == (
        "site.yaml:9:5: warning[OC801]: ManagedOOMPreference= omitted for "
        "postgresql@15-main.service: systemd 247 lacks it (added in 248)")


def test_systemd_242_lacks_oompolicy_and_type_wide_dropins() -> None:
    wide = Service(name="all", unit="service", scope="type", oom_score_adj=100)
    result = render(profile(DB, wide), systemd_version=242)
    assert [f.path for f in result.files] == [dropin("postgresql@15-main.service")]
    assert "OOMPolicy=continue" not in result.files[0].content
    messages = [n.message for n in result.notes]
    assert any("OOMPolicy= omitted" in m and "added in 243" in m for m in messages)
    assert any("service.d/ omitted" in m and "added in 244" in m for m in messages)


def test_sysctl_file_sorted_with_ignore_missing_prefix() -> None:
    sysctl = {
        "vm.panic_on_oom": SysctlSetting("vm.panic_on_oom", 0),
        "kernel.panic": SysctlSetting("kernel.panic", 10),
        "vm.swappiness": SysctlSetting("vm.swappiness", 10, ignore_missing=True),
    }
    (file,) = render(profile(sysctl=sysctl)).files
    assert (file.path, file.kind) == (SYSCTL_FILE, "sysctl")
    assert file.content.splitlines()[0] == MARKER
    assert body(file.content) == ["kernel.panic = 10", "vm.panic_on_oom = 0",
                                  "-vm.swappiness = 10"]


def test_no_sysctls_means_no_sysctl_file() -> None:
    assert [f.kind for f in render(profile(DB)).files] == ["systemd"]


def test_files_are_sorted_by_path_and_rendering_is_deterministic() -> None:
    services = [Service(name=f"s{i}", unit=f"s{i}.service", oom_score_adj=i) for i in (3, 1, 2)]
    first = render(profile(*services, sysctl={"kernel.panic": SysctlSetting("kernel.panic", 1)}))
    assert [f.path for f in first.files] == sorted(f.path for f in first.files)
    assert render(profile(*services, sysctl={
        "kernel.panic": SysctlSetting("kernel.panic", 1)})) == first


def test_only_selects_targets_and_unknown_targets_are_a_usage_error() -> None:
    both = profile(DB, sysctl={"kernel.panic": SysctlSetting("kernel.panic", 10)})
    assert [f.kind for f in render(both, only=["sysctl"]).files] == ["sysctl"]
    assert DEFAULT_TARGETS == ("systemd", "sysctl")
    assert {"systemd", "sysctl"} <= TARGETS.keys()
    with pytest.raises(UnknownTargetError, match=r"unknown render target\(s\) nope; valid") as err:
        render(both, only=["systemd", "nope"])
    assert err.value.exit_code == 2


def test_hostile_source_names_stay_inside_one_comment_line() -> None:
    evil = "x\nExecStartPre=id\\"  # a file name may hold anything but '/' and NUL
    (file,) = render(profile(DB, sources=(f"dir/{evil}",))).files
    assert "\nExecStartPre" not in file.content
    assert file.content.splitlines()[1] == '# profile: "x\\nExecStartPre=id\\\\"'


def test_an_invalid_unit_reaching_render_is_a_bug_not_a_file() -> None:
    smuggled = Service(name="bad", unit="x.service\nExecStartPre=/bin/sh", oom_score_adj=1)
    with pytest.raises(RenderInvariantError, match="bad"):
        render(profile(smuggled))


def test_wide_dropin_without_explicit_scope_is_refused() -> None:
    with pytest.raises(RenderInvariantError, match="scope: template"):
        render(profile(Service(name="w", unit="worker@.service", oom_score_adj=1)))


@pytest.mark.parametrize(
    "tampered",
    ["[Service]\nOOMScoreAdjust=5\nExecStartPre=/bin/sh\n",   # an extra key
     "[Service]\nOOMScoreAdjust=5\\\n",                        # continuation
     "[Service]\nOOMScoreAdjust=5\r\n",                        # CR
     "[Service]\nOOMScoreAdjust=5 # note\n",                   # value differs
     "[Unit]\nOOMScoreAdjust=5\n",                             # wrong section
     "[Service]\nOOMScoreAdjust=5\n[Install]\n",               # extra section
     "# c \\\n[Service]\nOOMScoreAdjust=5\n",                  # comment continues
     "[Service]\nOOMScoreAdjust=5"],                           # no final newline
)
def test_recheck_refuses_anything_but_the_intended_assignments(tampered: str) -> None:
    check_unit_text("[Service]\nOOMScoreAdjust=5\n", "ok", "Service", [("OOMScoreAdjust", "5")])
    with pytest.raises(RenderInvariantError):
        check_unit_text(tampered, "t", "Service", [("OOMScoreAdjust", "5")])


_GOOD = "# head\n# service: \"a\"\n[Service]\nOOMScoreAdjust=5\n"
_ENTRIES = (("OOMScoreAdjust", "5"),)


def _primed() -> VerifiedBodies:
    """A memo that has seen (and re-parsed) one good drop-in."""
    verified: VerifiedBodies = {}
    check_unit_text(_GOOD, "ok", "Service", _ENTRIES, verified)
    assert verified == {("Service", _ENTRIES): "[Service]\nOOMScoreAdjust=5\n"}
    return verified


@pytest.mark.parametrize(
    "tampered",
    ["# head\nExecStartPre=/bin/sh\n[Service]\nOOMScoreAdjust=5\n",  # a key in the head
     "# head \\\n[Service]\nOOMScoreAdjust=5\n",                 # comment continues
     "# head\x1b[2J\n[Service]\nOOMScoreAdjust=5\n",               # control character
     "# head\r\n[Service]\nOOMScoreAdjust=5\n",                    # CR
     "# head\n[Unit]\n[Service]\nOOMScoreAdjust=5\n",              # another section first
     "# head\n\n[Service]\nOOMScoreAdjust=5\nMemoryMax=1\n",       # body differs
     "# head\n[Service]\nOOMScoreAdjust=5\n[Service]\nOOMScoreAdjust=5\n"],
)
def test_a_remembered_body_never_vouches_for_a_tampered_file(tampered: str) -> None:
    verified = _primed()
    with pytest.raises(RenderInvariantError):
        check_unit_text(tampered, "t", "Service", _ENTRIES, verified)


def test_a_remembered_body_passes_other_comment_heads_without_a_scan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    verified = _primed()
    from oomcfg import render_check

    def no_scan(*_: object) -> None:
        raise AssertionError("scanned")

    monkeypatch.setattr(render_check, "_scan", no_scan)
    check_unit_text("# other\n# service: \"b\"\n[Service]\nOOMScoreAdjust=5\n", "b",
                    "Service", _ENTRIES, verified)
    with pytest.raises(AssertionError, match="scanned"):  # a head it cannot vouch for
        check_unit_text("; semicolon comment\n[Service]\nOOMScoreAdjust=5\n", "c", "Service",
                        _ENTRIES, verified)


@pytest.mark.parametrize("line", ["vm.x = 1 # c", "vm.x = a  b", "vm.x = a b ", "vm.x = a\tb",
                                  "../x = 1", "vm.x=1", "vm.* = 1", "vm.x = 1\\", "vm.x =  1"])
def test_sysctl_recheck_refuses_what_sysctl_d_would_misread(line: str) -> None:
    with pytest.raises(RenderInvariantError):
        sysctl_assignments(f"# ok\n{line}\n", "t")


def test_presets_are_named_by_name_not_by_install_path() -> None:
    assert source_label(str(profiles_dir() / "base-server.yaml")) == "preset:base-server"
    assert source_label("site/web.yaml") == "web.yaml"


def test_bytes_do_not_depend_on_how_the_profile_path_was_spelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`apply site.yaml` by hand and `apply /etc/oomcfg/site.yaml` from cron must agree.

    Otherwise every drop-in differs in its header, the second apply rewrites
    them all and runs a daemon-reload for nothing.
    """
    (tmp_path / "site.yaml").write_text(
        "oomcfg: 1\nsysctl: {vm.panic_on_oom: 0}\n"
        "services: {db: {unit: db.service, tier: critical}}\n"
    )
    monkeypatch.chdir(tmp_path)
    spellings = ["site.yaml", "./site.yaml", str(tmp_path / "site.yaml"),
                 f"../{tmp_path.name}/site.yaml"]
    rendered = {render(load_profiles([p])).files for p in spellings}
    assert len(rendered) == 1
    (files,) = rendered
    assert all(f.content.splitlines()[1] == '# profile: "site.yaml"' for f in files)


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_renders_cleanly(name: str) -> None:
    result = render(load_profiles([profiles_dir() / f"{name}.yaml"]))
    assert result.files and result.notes == ()
    assert any(f.kind == "systemd" for f in result.files)


@pytest.mark.parametrize("name", PRESETS)
def test_recheck_agrees_with_the_full_unit_parser(name: str) -> None:
    """The fast re-check and oomcfg.unitfile (systemd's config_parse rules) read the same."""
    for file in render(load_profiles([profiles_dir() / f"{name}.yaml"])).files:
        if file.kind != "systemd":
            continue
        parsed = parse_unit_text(file.content, file.path)
        assert parsed.diagnostics == ()
        assert [(e.section, e.key, e.value) for e in parsed.entries] == unit_assignments(
            file.content, file.path)


def test_at_least_six_documented_presets_ship() -> None:
    assert len(PRESETS) >= 6
    for name in PRESETS:
        text = Path(profiles_dir() / f"{name}.yaml").read_text()
        assert text.startswith(f"# {name}:"), name
        assert text.count("#") >= 10, f"{name} explains its choices in comments"
