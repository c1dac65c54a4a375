"""Several processes in one run write one trace into one store, each under its
own service name: a program, the Python server it starts over mcp's stdio
client (which passes the server a filtered environment), and a nameless
helper (`python -c`) the server starts, which takes the server's name."""

from __future__ import annotations

import json
import re

from otelscope.store import read_store
from tests.cli.launches import otelscope
from tests.cli.test_run import summary

DATA_BLOCK = r'<script type="application/json" id="waterfall-data">(.*?)</script>'
COUNTS = "1 trace, 0 agent calls, 0 model calls, 0 tokens in / 0 out, 0 errors"
TREE = """\
trace {trace_id}  2025-01-02 03:04:05.000 UTC  services=parent_app, server_app
handle request  50.0 ms  [service=parent_app]
└── call server  40.0 ms  [service=parent_app]
    └── serve call  20.0 ms  [service=server_app]
        ├── look up  10.0 ms  [service=server_app]
        └── help  3.0 ms  [service=server_app]
"""


def stored_trace_id(launched) -> str:
    contents = read_store(launched.directories["processes"] / ".otelscope")
    assert contents.problems == []
    (trace_id,) = {span.trace_id for span in contents.spans}
    return trace_id


def test_every_process_writes_into_the_runs_store_under_its_own_service_name(launched) -> None:
    result = launched.result("processes")
    store = launched.directories["processes"] / ".otelscope"
    assert (result.returncode, result.stdout) == (0, "the server has finished\n")
    # Counted by each process, the trace they share is one trace.
    assert result.stderr == summary(COUNTS, store)
    contents = read_store(store)
    assert contents.problems == []
    names = {span.span_id: span.name for span in contents.spans}
    assert sorted(
        (
            span.name,
            names.get(span.parent_span_id or ""),
            span.resource["service.name"],
            span.scope_name,
        )
        for span in contents.spans
    ) == [
        ("call server", "handle request", "parent_app", "parent_app"),
        ("handle request", None, "parent_app", "parent_app"),
        ("help", "serve call", "server_app", "helper"),
        ("look up", "serve call", "server_app", "server_app"),
        ("serve call", "call server", "server_app", "server_app"),
    ]
    assert len({span.trace_id for span in contents.spans}) == 1
    # One resource per process.
    processes = [["handle request", "call server"], ["serve call", "look up"], ["help"]]
    resources = {span.name: span.resource for span in contents.spans}
    instances = [{resources[name]["service.instance.id"] for name in names} for names in processes]
    assert [len(ids) for ids in instances] == [1, 1, 1]
    assert len(set.union(*instances)) == 3
    for resource in resources.values():
        assert sorted(resource) == [
            "service.instance.id",
            "service.name",
            "telemetry.sdk.language",
            "telemetry.sdk.name",
            "telemetry.sdk.version",
        ]


def test_show_prints_one_tree_across_both_processes(launched) -> None:
    launched.result("processes")
    trace_id = stored_trace_id(launched)
    shown = otelscope("show", trace_id[:12], cwd=launched.directories["processes"])
    assert (shown.returncode, shown.stdout, shown.stderr) == (
        0,
        TREE.format(trace_id=trace_id),
        "",
    )


def test_the_page_draws_both_services_in_one_waterfall(launched) -> None:
    launched.result("processes")
    directory = launched.directories["processes"]
    trace_id = stored_trace_id(launched)
    written = otelscope("show", "--html", "page.html", trace_id, cwd=directory)
    assert written.stdout == f"wrote page.html (trace {trace_id}, 5 spans)\n"
    page = (directory / "page.html").read_text(encoding="utf-8")
    (data,) = re.findall(DATA_BLOCK, page)
    (trace,) = json.loads(data)["traces"]
    assert (trace["services"], trace["service"]) == (
        ["parent_app", "server_app"],
        "parent_app, server_app",
    )
    assert [(row["span"]["name"], row["depth"], row["service"]) for row in trace["rows"]] == [
        ("handle request", 0, "parent_app"),
        ("call server", 1, "parent_app"),
        ("serve call", 2, "server_app"),
        ("look up", 3, "server_app"),
        ("help", 3, "server_app"),
    ]


def console_spans(text: str) -> tuple[list[str], str]:
    """The names of the spans a console exporter printed, and the text after them."""
    decoder = json.JSONDecoder()
    names: list[str] = []
    rest = text.lstrip()
    while rest.startswith("{"):
        span, end = decoder.raw_decode(rest)
        names.append(span["name"])
        rest = rest[end:].lstrip()
    return names, rest


def test_a_servers_console_exporter_leaves_its_stdout_to_the_protocol(launched) -> None:
    result = launched.result("processes-console")
    assert result.returncode == 0
    # The program's own spans on its stdout, in the order they ended.
    assert console_spans(result.stdout) == (
        ["call server", "handle request"],
        "the server has finished\n",
    )
    # The server's and its helper's on stderr: none reached the protocol stream,
    # which would have failed to parse and been reported.
    assert console_spans(result.stderr) == (
        ["look up", "help", "serve call"],
        "otelscope: 1 trace, 0 agent calls, 0 model calls, 0 tokens in / 0 out, 0 errors\n"
        "otelscope: traces printed to stdout (OTEL_TRACES_EXPORTER=console)\n",
    )
    assert list(launched.directories["processes-console"].iterdir()) == []
