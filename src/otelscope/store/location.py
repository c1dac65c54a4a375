"""Where the local trace store lives unless the caller says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

STORE_DIR_ENV = "OTELSCOPE_STORE_DIR"
DEFAULT_STORE_DIR_NAME = ".otelscope"


def default_store_dir() -> Path:
    """``$OTELSCOPE_STORE_DIR`` if set and not empty, else ``./.otelscope``."""
    configured = os.environ.get(STORE_DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path.cwd() / DEFAULT_STORE_DIR_NAME
