"""``python -m otelscope.demo``: the same as ``otelscope demo``."""

from __future__ import annotations

import sys

from otelscope.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["demo", *sys.argv[1:]]))
