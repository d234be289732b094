"""The representative init profile (tests/data/profiles/init-example.yaml) as a value.

Built directly from ``oomcfg.model`` so the init targets are tested on exactly
this input; ``test_initscripts.py`` checks that the loader turns the YAML file
into a profile that renders the same files. :func:`one_service`, :func:`render`
and :func:`write` are what the tests that run the outputs build on.
"""

from __future__ import annotations

from pathlib import Path

from oomcfg.initscripts import INIT_TARGETS
from oomcfg.model import InitSpec, Memory, Profile, RenderedFile, Service, Size, Tier
from oomcfg.render import RenderOptions

EXAMPLE_YAML = Path(__file__).parent / "data" / "profiles" / "init-example.yaml"


def example_profile() -> Profile:
    """The services of init-example.yaml, tiers already resolved to scores."""
    services = {
        "db": Service(
            name="db", unit="postgresql.service", oom_score_adj=-900, adj_source="tier",
            tier=Tier.CRITICAL,
            init=InitSpec(
                name="postgresql",
                command=("/usr/lib/postgresql/15/bin/postgres", "-D",
                         "/var/lib/postgresql/15/main"),
                compose_service="db", pidfile="/run/postgresql/15-main.pid",
            ),
        ),
        "web": Service(
            name="web", unit="nginx.service", oom_score_adj=500, adj_source="tier",
            tier=Tier.EXPENDABLE, memory=Memory(max=Size("bytes", 512 << 20)),
            init=InitSpec(command=("/usr/sbin/nginx", "-g", "daemon off;"),
                          compose_service="web", comm="nginx"),
        ),
        "worker": Service(
            name="worker", unit="batch-worker.service", oom_score_adj=1000,
            adj_source="explicit", memory=Memory(max=Size("percent", 25)),
            init=InitSpec(
                command=("/usr/local/bin/worker", "--label", "queue 100%", "--note",
                         "it's $(not) run"),
                compose_service="worker",
            ),
        ),
        "watchdog": Service(
            name="watchdog", unit="watchdog.service", oom_score_adj=-1000,
            adj_source="explicit", memory=Memory(max=Size("bytes", 64 << 20)),
            init=InitSpec(command=("/usr/sbin/watchdog", "-F")),
        ),
    }
    return Profile(version=1, description="Database protected, web expendable, batch "
                   "worker sacrificed first", sources=(str(EXAMPLE_YAML),), sysctl={},
                   services=services)


def one_service(score: int, command: tuple[str, ...] = ("/bin/sleep", "300")) -> Profile:
    """A profile with one service ``dummy`` at ``score`` (for the run tests)."""
    service = Service(name="dummy", unit="dummy.service", oom_score_adj=score,
                      adj_source="explicit", init=InitSpec(command=command))
    return example_profile()._replace(services={"dummy": service})


def render(kind: str, profile: Profile) -> RenderedFile:
    """The one file target ``kind`` renders for ``profile``."""
    (rendered,) = INIT_TARGETS[kind](profile, RenderOptions())
    return rendered


def write(tmp: Path, rendered: RenderedFile) -> Path:
    """Install ``rendered`` under ``tmp`` with its mode, as apply would; its path."""
    path = tmp / rendered.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rendered.content)
    path.chmod(rendered.mode)
    return path
