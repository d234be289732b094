"""Unit files the live tests install into the sandbox's systemd.

``DefaultDependencies=no`` keeps them out of sysinit.target, so starting one
takes milliseconds and pulls in nothing else (live-systemd.md, hazards).
"""

from __future__ import annotations

#: Where the tests write their units inside the sandbox.
UNIT_DIR = "/etc/systemd/system"
#: One long-running process.
SLEEPER = "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/sleep infinity\n"
#: A main process plus a forked child that raises its own oom_score_adj to 700.
FORKER = (
    "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/sh -c "
    "'sleep infinity & echo 700 > /proc/$!/oom_score_adj; exec sleep infinity'\n"
)
