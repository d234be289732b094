"""oomcfg: declare, apply and prove a Linux host's out-of-memory posture.

Kept import-free on purpose: `oomcfg --version` must not pay for Jinja2 or YAML.
"""

__version__ = "0.1.0"
