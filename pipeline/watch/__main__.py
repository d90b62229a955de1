"""``python -m pipeline.watch``: see :mod:`pipeline.watch.cli`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
