"""Run by Python at startup in every process of an ``otelscope run``.

It starts otelscope, then runs the ``sitecustomize`` that this one hides (the
next one on ``sys.path``), so a virtual environment's or a distribution's own
start-up code still runs.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from importlib.machinery import PathFinder


def _start_otelscope() -> None:
    try:
        from otelscope.cli.child import start
    except ImportError as error:
        # Another interpreter than the one otelscope is installed in.
        print(f"otelscope: not tracing {sys.executable}: {error}", file=sys.stderr)
        return
    try:
        start()
    except Exception as error:  # the program must run whatever happens here
        print(f"otelscope: not tracing this program: {error!r}", file=sys.stderr)


def _run_hidden_sitecustomize() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != here]
    spec = PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


_start_otelscope()
_run_hidden_sitecustomize()
