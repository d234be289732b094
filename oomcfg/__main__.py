"""`python -m oomcfg` runs the same entry point as the console script."""

from oomcfg.entry import main

if __name__ == "__main__":
    raise SystemExit(main())
