"""One module per lint rule; :mod:`oomcfg.lint` lists them in its explicit registry."""
