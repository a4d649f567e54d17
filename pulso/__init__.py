"""Pulso core: configuration, the canonical data model and the command line.

The three layers (``pipelines`` writes, ``metrics`` reads, ``dashboard`` renders)
all depend on this package; it depends on none of them except through the CLI.
"""

__version__ = "0.1.0"
