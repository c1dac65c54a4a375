"""``otelscope run`` reaching the MCP servers a traced program starts over stdio.

A program usually passes its whole environment to the processes it starts,
and with it the variables of the run (``PYTHONPATH`` with the bootstrap
directory, the store, the export settings). The ``mcp`` SDK's stdio client
does not: it starts a server with ``mcp.client.stdio.get_default_environment()``
(``HOME``, ``PATH`` and a few more) with the caller's
``StdioServerParameters.env`` merged over it, so a Python server would run
untraced. Both mcp lines (1.x and 2.x) look that function up in the module
each time they start a server.

Inside a process of the run, when ``mcp.client.stdio`` is imported, that
function is wrapped so that the environment it returns also carries the
run's variables (``run_variables``): the bootstrap directory as
``PYTHONPATH``, and the telemetry settings (``OTEL_*``, ``OTELSCOPE_*``), the
same a subprocess started the ordinary way inherits, and nothing else of the
program's environment. What mcp itself put there stays, and the caller's own
``env`` is merged over the result by mcp, so a variable the caller sets
(``PYTHONPATH`` included) always wins. A server's stdout is its protocol
channel, so a console exporter in the server writes to stderr instead.

Only ``otelscope run`` installs this (from ``child.start``); the library
never changes the environment of a user's subprocesses.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from wrapt import register_post_import_hook

from otelscope.cli import bootstrap

STDIO_MODULE = "mcp.client.stdio"
FUNCTION_NAME = "get_default_environment"
# Set in a server's environment: its stdout belongs to the protocol.
CONSOLE_TO_STDERR_ENV = "OTELSCOPE_CONSOLE_TO_STDERR"

_PREFIXES = ("OTEL_", "OTELSCOPE_")
_CARRIED = "__otelscope_run_variables__"


def run_variables(environ: Mapping[str, str]) -> dict[str, str]:
    """What an MCP server needs of ``environ`` to be traced as part of the run."""
    variables = {key: value for key, value in environ.items() if key.startswith(_PREFIXES)}
    variables["PYTHONPATH"] = str(Path(bootstrap.__file__).resolve().parent)
    variables[CONSOLE_TO_STDERR_ENV] = "1"
    return variables


def carry_into_mcp_servers(variables: Mapping[str, str]) -> None:
    """Add ``variables`` to every stdio server environment, once mcp is imported."""
    register_post_import_hook(functools.partial(_install_safely, variables=variables), STDIO_MODULE)


def _install_safely(module: ModuleType, *, variables: Mapping[str, str]) -> None:
    # This runs inside the program's own `import`: it must never fail it.
    try:
        carry_run_variables(module, variables)
    except Exception as error:
        print(f"otelscope: not tracing MCP stdio servers: {error!r}", file=sys.stderr)


def carry_run_variables(module: ModuleType, variables: Mapping[str, str]) -> None:
    """Wrap ``module.get_default_environment`` to add ``variables`` to its result
    (its own entries win); nothing if the module has no such function, or is
    already wrapped."""
    original = getattr(module, FUNCTION_NAME, None)
    if not callable(original) or hasattr(original, _CARRIED):
        return
    carried = dict(variables)
    wrapper = _with_run_variables(original, carried)
    setattr(wrapper, _CARRIED, carried)
    setattr(module, FUNCTION_NAME, wrapper)


def _with_run_variables(
    original: Callable[..., Any], variables: dict[str, str]
) -> Callable[..., Any]:
    @functools.wraps(original)
    def get_default_environment(*args: Any, **kwargs: Any) -> Any:
        environment = original(*args, **kwargs)
        try:
            return {**variables, **environment}
        except Exception:
            return environment  # not a mapping: mcp changed, leave it alone

    return get_default_environment
