"""Sub-commands of the ``pulso`` command line (see pulso/cli/main.py)."""
