"""The ``otelscope`` command line: ``run``, ``demo``, ``show``, ``stats`` and ``view``.

Each command imports what it needs when it runs, so ``show`` and ``--help``
stay quick: only ``run``'s program and ``demo`` load AgentScope.
"""

from __future__ import annotations

import argparse
import os
import signal
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
    if arguments.command is None:
        # A usage error all the same (status 2), but the whole help says more.
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        status = _dispatch(arguments)
        # Output still buffered fails here, where it can be handled, not at exit.
        sys.stdout.flush()
    except BrokenPipeError:
        return _reader_went_away()
    except ConfigError as problem:
        error(str(problem))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return status


def _reader_went_away() -> int:
    """``otelscope show | head -1``: the reader has all it wanted. Leave quietly
    with the status of a process ended by SIGPIPE, as other commands do."""
    # Python flushes stdout again at exit; it must not fail a second time.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 128 + signal.SIGPIPE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="otelscope",
        description="OpenTelemetry GenAI traces for AgentScope applications.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"otelscope {__version__}")
    # Not required: with no command, main prints the help.
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_run(commands)
    _add_demo(commands)
    _add_show(commands)
    _add_stats(commands)
    _add_view(commands)
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
    show.add_argument("trace_id", nargs="?", type=_trace_id, metavar="TRACE_ID")
    show.add_argument("--store", type=Path, metavar="DIR", help=_STORE_HELP)
    show.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="write the trace (the newest one without TRACE_ID) as a self-contained HTML page "
        "(`otelscope view` writes one of every trace)",
    )
    show.add_argument(
        "--limit", type=_positive, default=20, metavar="N", help="traces to list (default: 20)"
    )
    show.add_argument(
        "--content",
        action="store_true",
        help="print each span's captured messages, tool arguments and results under it in the "
        "tree (the HTML page always shows them)",
    )
    _add_prices_option(show)


def _add_stats(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stats = commands.add_parser(
        "stats",
        help="calls, errors, latency, tokens and cost per agent and per model",
        description="Calls, error rate, p50 and p95 latency, tokens and cost per agent and per "
        "model, over the spans of the local store that started in the window (default: all).",
        epilog="example: otelscope stats --last 1h --json",
    )
    stats.add_argument("--store", type=Path, metavar="DIR", help=_STORE_HELP)
    start = stats.add_mutually_exclusive_group()
    start.add_argument(
        "--since", metavar="TIME", help="from this ISO 8601 time (UTC unless it says otherwise)"
    )
    start.add_argument(
        "--last", metavar="DURATION", help="the last 90s, 30m, 1h, 7d or 2w, up to now"
    )
    stats.add_argument("--until", metavar="TIME", help="up to this ISO 8601 time, excluded")
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")
    _add_prices_option(stats)


def _add_view(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from otelscope.cli.view_command import DEFAULT_LIMIT, PAGE_NAME

    view = commands.add_parser(
        "view",
        help="write the stored traces as one HTML page: list, sessions, cost, waterfalls",
        description="Write one self-contained HTML page of the local store's traces (no server, "
        "no network: open it from disk): the list of traces with filters and search, the "
        "conversations as sessions, cost, and the waterfall and details of the trace selected.",
        epilog="example: otelscope view --limit 2000 -o traces.html",
    )
    view.add_argument("--store", type=Path, metavar="DIR", help=_STORE_HELP)
    view.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help=f"where to write the page (default: <store>/{PAGE_NAME})",
    )
    count = view.add_mutually_exclusive_group()
    count.add_argument(
        "--limit",
        type=_positive,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"the newest N traces (default: {DEFAULT_LIMIT})",
    )
    count.add_argument("--all", action="store_true", help="every trace of the store")
    _add_prices_option(view)


def _add_prices_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prices",
        type=Path,
        metavar="FILE",
        help="model prices over otelscope's table, a TOML or .json file (default: "
        "$OTELSCOPE_PRICES)",
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
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _trace_id(text: str) -> str:
    """A trace id or prefix, also in the ``0x...`` form the console exporter prints."""
    text = text.strip()
    return text[2:] if text[:2].lower() == "0x" else text


def _dispatch(arguments: argparse.Namespace) -> int:
    # The light twin of otelscope.store's: `run` must not wait for the store's code.
    from otelscope.cli.export_plan import default_store_dir

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
    if arguments.command == "view":
        from otelscope.cli.view_command import view

        limit = None if arguments.all else arguments.limit
        return view(store_dir, arguments.output, limit, prices=arguments.prices)
    if arguments.command == "stats":
        from otelscope.cli.stats_command import stats

        return stats(
            store_dir,
            since=arguments.since,
            until=arguments.until,
            last=arguments.last,
            as_json=arguments.json,
            prices=arguments.prices,
        )
    from otelscope.cli.show_command import show

    return show(
        store_dir,
        arguments.trace_id,
        arguments.html,
        arguments.limit,
        content=arguments.content,
        prices=arguments.prices,
    )


if __name__ == "__main__":
    sys.exit(main())
