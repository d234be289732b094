"""P3 floor: load a profile with PyYAML's libyaml loader and nothing else.

The least any YAML-reading lint can do; run as its own process, like ``oomcfg lint``.
Usage: python yaml_load.py PROFILE
"""

import sys

import yaml

with open(sys.argv[1], "rb") as stream:  # noqa: PTH123 - the floor stays minimal
    yaml.load(stream, Loader=yaml.CSafeLoader)
