"""otelscope inside a program started by ``otelscope run``.

``start()`` runs from the bootstrap ``sitecustomize`` before the program's
first line, in the program and in every Python process it starts: it builds
the SDK pipeline the environment asks for, under the process's own service
name (``service_name``), makes it the global one (so the program's own spans
join the same traces), instruments AgentScope and MCP servers (which then
continue their client's trace), makes the MCP servers the
process starts over stdio part of the run (``mcp_stdio``), and at exit flushes
everything and reports the counts to the parent through the file named in
``OTELSCOPE_RUN_COUNTS_FILE``.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

from opentelemetry import metrics, trace

from otelscope.cli.export_plan import ConfigError, plan_from_env
from otelscope.cli.mcp_stdio import CONSOLE_TO_STDERR_ENV, carry_into_mcp_servers, run_variables
from otelscope.cli.pipeline import Pipeline, build_pipeline
from otelscope.cli.service_name import SERVICE_NAME_ENV, UNNAMED, program_name
from otelscope.cli.span_counts import CountingSpanProcessor, append_counts

COUNTS_FILE_ENV = "OTELSCOPE_RUN_COUNTS_FILE"

_started = False


def start() -> None:
    """Trace this process; does nothing the second time."""
    global _started  # noqa: PLW0603 - one pipeline per process, whoever calls
    if _started:
        return
    _started = True
    from otelscope.store import default_store_dir

    try:
        plan = plan_from_env(os.environ, default_store_dir())
    except ConfigError as error:
        print(f"otelscope: {error}; running untraced", file=sys.stderr)
        return
    counter = CountingSpanProcessor()
    service = own_service_name(sys.orig_argv, os.environ)
    # The name a process it starts falls back on when its command names nothing.
    os.environ[SERVICE_NAME_ENV] = service
    console = sys.stderr if os.environ.get(CONSOLE_TO_STDERR_ENV) else None
    pipeline = build_pipeline(plan, service, [counter], console=console)
    trace.set_tracer_provider(pipeline.tracer_provider)
    if pipeline.meter_provider is not None:
        metrics.set_meter_provider(pipeline.meter_provider)
    counts_file = os.environ.get(COUNTS_FILE_ENV)
    atexit.register(_finish, pipeline, counter, Path(counts_file) if counts_file else None)
    _exit_cleanly_on_sigterm()
    try:
        carry_into_mcp_servers(run_variables(os.environ))
    except Exception as error:  # this process stays traced either way
        print(f"otelscope: not tracing MCP stdio servers: {error!r}", file=sys.stderr)
    _instrument_agentscope(pipeline)


def own_service_name(command: Sequence[str], environ: Mapping[str, str]) -> str:
    """The script or module this process runs; else the name the process that
    started it passed down; else ``python``."""
    return program_name(command) or environ.get(SERVICE_NAME_ENV) or UNNAMED


def _instrument_agentscope(pipeline: Pipeline) -> None:
    # A Python process of the run that has no AgentScope (a helper script, pip)
    # still gets a pipeline for its own spans, without an instrumentor error.
    if importlib.util.find_spec("mcp") is not None:
        # An MCP server the run starts continues its client's trace.
        from otelscope import MCPServerInstrumentor

        MCPServerInstrumentor().instrument(tracer_provider=pipeline.tracer_provider)
    if importlib.util.find_spec("agentscope") is None:
        return
    from otelscope import AgentScopeInstrumentor

    AgentScopeInstrumentor().instrument(
        tracer_provider=pipeline.tracer_provider, meter_provider=pipeline.meter_provider
    )


def _finish(pipeline: Pipeline, counter: CountingSpanProcessor, counts_file: Path | None) -> None:
    problems = pipeline.shutdown()
    counts = counter.snapshot()
    counts.export_problems = problems
    if counts_file is not None:
        append_counts(counts_file, counts)
        return
    for problem in problems:  # started without a parent to report to
        print(f"otelscope: {problem}", file=sys.stderr)


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into an exit that runs ``atexit``, so spans are flushed.

    Only when the program has not chosen its own handler; one it installs
    later replaces this one. The exit status is the shell's for SIGTERM.
    """
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, exit_on_sigterm)
