"""The ``opentelemetry-instrument`` route, end to end, exactly as the README shows it.

Both README commands run word for word (the collector's address swapped for a receiver
on loopback) on ``app.py``, an AgentScope program with a scripted model that knows
nothing of otelscope or OpenTelemetry: ``opentelemetry-instrument`` finds otelscope
through its entry point, and ``opentelemetry-distro`` configures the SDK. The suite runs
this on each AgentScope line.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.cli import readme
from tests.cli.launches import WEATHER_APP, Launches
from tests.cli.receivers import HttpReceiver, spans_of
from tests.cli.tree_shapes import WEATHER_TREE, Node, tree

ANSWER_LINE = "answer: It is sunny in Paris."


@dataclass
class Route:
    launches: Launches
    http: HttpReceiver


@pytest.fixture(scope="module")
def route(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Route]:
    commands = readme.section_commands("Use it as a library", "opentelemetry-instrument")
    assert [command.argv for command in commands] == [
        ("opentelemetry-instrument", "python", "app.py"),
        ("opentelemetry-instrument", "python", "app.py"),
    ]
    otlp, console = commands
    http = HttpReceiver()
    launches = Launches()
    try:
        for name, command in (("otlp", otlp), ("console", console)):
            directory = tmp_path_factory.mktemp(name)
            shutil.copy(WEATHER_APP, directory / "app.py")
            argv, env = readme.prepare(command, {"http://collector:4318": http.endpoint})
            launches.start(name, argv, directory, env)
        yield Route(launches, http)
    finally:
        launches.stop_all()
        http.close()


def test_otlp_over_http_receives_the_agents_trace(route: Route) -> None:
    result = route.launches.result("otlp")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{ANSWER_LINE}\n", "")
    received = spans_of(route.http.requests)
    nodes = [
        Node(
            span.span_id.hex(),
            span.parent_span_id.hex() or None,
            span.start_time_unix_nano,
            span.name,
        )
        for span, _ in received
    ]
    assert tree(nodes) == [WEATHER_TREE]
    assert {resource["service.name"] for _, resource in received} == {"my-agent"}
    assert len({span.trace_id for span, _ in received}) == 1
    # The distro's defaults: otelscope's metrics go to the same endpoint.
    assert set(route.http.paths) == {"/v1/traces", "/v1/metrics"}


def _console_output(stdout: str) -> tuple[list[str], list[dict]]:
    """The program's own lines and the spans the console exporter printed as JSON."""
    decoder = json.JSONDecoder()
    lines: list[str] = []
    spans: list[dict] = []
    position = 0
    while position < len(stdout):
        if stdout.startswith("{", position):
            span, position = decoder.raw_decode(stdout, position)
            spans.append(span)
            position = stdout.index("\n", position) + 1
        else:
            end = stdout.index("\n", position)
            lines.append(stdout[position:end])
            position = end + 1
    return lines, spans


def test_the_console_exporter_prints_the_agents_trace(route: Route) -> None:
    result = route.launches.result("console")
    assert (result.returncode, result.stderr) == (0, "")
    lines, spans = _console_output(result.stdout)
    assert lines == [ANSWER_LINE]
    nodes = [
        Node(span["context"]["span_id"], span["parent_id"], span["start_time"], span["name"])
        for span in spans
    ]
    assert tree(nodes) == [WEATHER_TREE]
    assert len({span["context"]["trace_id"] for span in spans}) == 1
