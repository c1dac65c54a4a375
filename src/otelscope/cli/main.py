"""The ``otelscope`` command line: ``run``, ``demo`` and ``show``.

Each command imports what it needs when it runs, so ``show`` and ``--help``
stay quick: only ``run``'s program and ``demo`` load AgentScope.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from otelscope.cli.export_plan import ConfigError
from otelscope.cli.terminal import EXIT_USAGE, error
from otelscope.version import __version__

_EPILOG = """\
Telemetry goes to the local store (./.otelscope, or $OTELSCOPE_STORE_DIR) unless
OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
OTEL_TRACES_EXPORTER=otlp ask for OTLP (OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf
or grpc); OTEL_TRACES_EXPORTER=none exports nothing. --local-store (or
OTELSCOPE_LOCAL_STORE=always) keeps a local copy alongside OTLP.
"""

_STORE_HELP = "the local store directory (default: $OTELSCOPE_STORE_DIR, else ./.otelscope)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        return _dispatch(arguments)
    except ConfigError as problem:
        error(str(problem))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="otelscope",
        description="OpenTelemetry GenAI traces for AgentScope applications.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"otelscope {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_run(commands)
    _add_demo(commands)
    _add_show(commands)
    return parser


def _add_run(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run",
        help="run a program with otelscope active from its first import",
        description="Run PROGRAM with otelscope tracing its AgentScope agents, no code change "
        "needed, then print a summary of what it recorded. Options after PROGRAM are the "
        "program's own.",
        epilog="example: otelscope run -- python app.py --city Paris",
    )
    _add_store_options(run)
    run.add_argument("program", nargs=argparse.REMAINDER, metavar="[--] PROGRAM [ARGS ...]")
    # Exits with the usage of `run` and status 2, as argparse's own errors do.
    run.set_defaults(usage_error=run.error)


def _add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="run the offline demo (scripted model, no network) and show its traces",
        description="Run the bundled offline demo on the installed AgentScope line, export its "
        "spans like `otelscope run` does, print their trees and write their waterfall page.",
    )
    _add_store_options(demo)
    demo.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="where to write the page (default: <store>/demo.html, or ./otelscope-demo.html "
        "when nothing is stored locally)",
    )


def _add_show(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    show = commands.add_parser(
        "show",
        help="list the stored traces, or show one as a tree or an HTML page",
        description="Without TRACE_ID, list the newest traces in the local store; with it "
        "(or a unique prefix), print that trace as a tree.",
    )
    show.add_argument("trace_id", nargs="?", metavar="TRACE_ID")
    show.add_argument("--store", type=Path, metavar="DIR", help=_STORE_HELP)
    show.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="write the trace (the newest one without TRACE_ID) as a self-contained HTML page",
    )
    show.add_argument(
        "--limit", type=_positive, default=20, metavar="N", help="traces to list (default: 20)"
    )


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        type=Path,
        metavar="DIR",
        help=_STORE_HELP,
    )
    parser.add_argument(
        "--local-store",
        action="store_true",
        help="also write the local store when exporting over OTLP",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _dispatch(arguments: argparse.Namespace) -> int:
    from otelscope.store import default_store_dir

    store_dir: Path = arguments.store or default_store_dir()
    if arguments.command == "run":
        program = list(arguments.program)
        if program[:1] == ["--"]:
            program = program[1:]
        if not program:
            arguments.usage_error("no program given (example: otelscope run python app.py)")
        from otelscope.cli.run_command import run_program

        return run_program(program, store_dir, local_store=arguments.local_store)
    if arguments.command == "demo":
        from otelscope.cli.demo_command import run_demo

        return run_demo(store_dir, arguments.html, local_store=arguments.local_store)
    from otelscope.cli.show_command import show

    return show(store_dir, arguments.trace_id, arguments.html, arguments.limit)


if __name__ == "__main__":
    sys.exit(main())
