"""otelscope inside a program started by ``otelscope run``.

``start()`` runs from the bootstrap ``sitecustomize`` before the program's
first line, in the program and in every Python process it starts: it builds
the SDK pipeline the environment asks for, under the process's own service
name (``service_name``), makes it the global one (so the program's own spans
join the same traces), arms the instrumentation of AgentScope and of MCP
servers (which then continue their client's trace), makes the MCP servers the
process starts over stdio part of the run (``mcp_stdio``), and at exit flushes
everything. It reports to the parent through the file named in
``OTELSCOPE_RUN_COUNTS_FILE`` (``run_report``): that it started, what each
export delivered as it happens, and what it recorded at exit.

Start-up stays cheap, as every Python process of the run pays it: nothing of
AgentScope or of the instrumentation is imported here. Each is installed
when the program first imports AgentScope or ``mcp``, however late (import
hooks), and only the exporters the plan names are loaded.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

from opentelemetry import trace

from otelscope.cli.export_plan import ConfigError, default_store_dir, plan_from_env
from otelscope.cli.mcp_stdio import CONSOLE_TO_STDERR_ENV, carry_into_mcp_servers, run_variables
from otelscope.cli.pipeline import Pipeline, build_pipeline
from otelscope.cli.run_report import COUNTS_FILE_ENV, RunReporter
from otelscope.cli.service_name import SERVICE_NAME_ENV, UNNAMED, program_name
from otelscope.cli.span_counts import CountingSpanProcessor
from otelscope.core.patching import Patches, install_on_import

_started = False


def start() -> None:
    """Trace this process; does nothing the second time."""
    global _started  # noqa: PLW0603 - one pipeline per process, whoever calls
    if _started:
        return
    _started = True
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
    counts_file = os.environ.get(COUNTS_FILE_ENV)
    reporter = RunReporter(Path(counts_file)) if counts_file else None
    listener = reporter.exported if reporter is not None else None
    pipeline = build_pipeline(plan, service, [counter], console=console, listener=listener)
    trace.set_tracer_provider(pipeline.tracer_provider)
    if pipeline.meter_provider is not None:
        from opentelemetry import metrics

        metrics.set_meter_provider(pipeline.meter_provider)
    if reporter is not None:
        reporter.started()
    atexit.register(_finish, pipeline, counter, reporter)
    _exit_cleanly_on_sigterm()
    try:
        carry_into_mcp_servers(run_variables(os.environ))
    except Exception as error:  # this process stays traced either way
        print(f"otelscope: not tracing MCP stdio servers: {error!r}", file=sys.stderr)
    _instrument_on_import(pipeline)


def own_service_name(command: Sequence[str], environ: Mapping[str, str]) -> str:
    """The script or module this process runs; else the name the process that
    started it passed down; else ``python``."""
    return program_name(command) or environ.get(SERVICE_NAME_ENV) or UNNAMED


def _instrument_on_import(pipeline: Pipeline) -> None:
    """AgentScope, and MCP servers (which then continue their client's trace),
    each instrumented when first imported: AgentScope takes a second or more
    to import, and a process that never uses it (a helper script, pip, an MCP
    server) must not pay for it here. Never undone: it lasts as long as the
    process."""
    installers = {
        "agentscope": "otelscope.cli.agentscope_on_import",
        "mcp": "otelscope.cli.mcp_server_on_import",
    }
    install_on_import(Patches(), installers, pipeline)


def _finish(
    pipeline: Pipeline, counter: CountingSpanProcessor, reporter: RunReporter | None
) -> None:
    problems = pipeline.shutdown()
    if reporter is not None:
        reporter.exited(counter.snapshot())
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
