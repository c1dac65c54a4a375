"""Talking to the person at the terminal: errors, warnings, colour."""

from __future__ import annotations

import os
import sys
from typing import TextIO

# Exit statuses of the otelscope commands themselves.
EXIT_FAILURE = 1
EXIT_USAGE = 2


def use_color(stream: TextIO) -> bool:
    """ANSI colour only on a terminal, and never when ``NO_COLOR`` is set."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def error(message: str) -> int:
    """Prints ``message`` as otelscope's error; returns the failure status."""
    print(f"otelscope: error: {message}", file=sys.stderr)
    return EXIT_FAILURE


def warn(message: str) -> None:
    print(f"otelscope: warning: {message}", file=sys.stderr)
