"""The default ``service.name`` of each process of an ``otelscope run``.

Every traced process names itself after the script or module it runs, read
from its own command line (``sys.orig_argv``): the program ``otelscope run``
started is ``app`` for ``python app.py``, and an MCP server or helper that
program starts as ``python server.py`` is ``server``, so the spans of one
trace say which process made them. A process whose command line names no
script or module (``python -c ...``, a ``multiprocessing`` worker, an
interactive interpreter) takes the name of the nearest traced process above
it, which ``OTELSCOPE_DEFAULT_SERVICE_NAME`` carries down; ``otelscope run``
sets it first from the command it was given. ``OTEL_SERVICE_NAME`` and
``service.name`` in ``OTEL_RESOURCE_ATTRIBUTES`` win over all of this, as the
OpenTelemetry SDK defines.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

SERVICE_NAME_ENV = "OTELSCOPE_DEFAULT_SERVICE_NAME"
UNNAMED = "python"

# Python options whose value is the next argument (or the rest of the option).
_OPTIONS_WITH_VALUE = frozenset("WX")
_LONG_OPTIONS_WITH_VALUE = frozenset({"--check-hash-based-pycs"})


def default_service_name(command: Sequence[str]) -> str:
    """The script or module a Python command runs, else the program's name."""
    return program_name(command) or UNNAMED


def program_name(command: Sequence[str]) -> str | None:
    """What ``command`` runs, by name; None for Python code without a name
    (``-c``, standard input, an interactive interpreter)."""
    if not command:
        return None
    program = Path(command[0]).name
    if not program.startswith(("python", "pypy")):
        return Path(program).stem or program or None
    return _python_target(iter(command[1:]))


def _python_target(arguments: Iterator[str]) -> str | None:
    for argument in arguments:
        if argument.startswith("--"):
            if argument in _LONG_OPTIONS_WITH_VALUE:
                next(arguments, None)
            continue
        if argument == "-" or not argument.startswith("-"):
            # The script (`-` is standard input, which has no name).
            return None if argument == "-" else Path(argument).stem or None
        # Short options may share one argument: `-Im pkg.mod`, `-uc "code"`.
        cluster = argument[1:]
        for index, letter in enumerate(cluster):
            if letter in "cm" or letter in _OPTIONS_WITH_VALUE:
                value = cluster[index + 1 :] or next(arguments, "")
                if letter == "m":
                    return value or None
                if letter == "c":
                    return None
                break
    return None
