"""``python -m pulso.cli``: the same as the ``pulso`` command."""

import sys

from pulso.cli.main import main

sys.exit(main())
