"""The terminal tree: layout, orphans, colour only when asked."""

from __future__ import annotations

import io

from otelscope.cli import terminal
from otelscope.store import SpanRecord
from otelscope.viewer.tree import format_duration, render_tree

T0 = 1_735_787_045_000_000_000


def record(span_id: str, parent: str | None, name: str, start_ms: int, end_ms: int, **kw):
    return SpanRecord(
        trace_id="ab" * 16,
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        kind="INTERNAL",
        start_unix_nano=T0 + start_ms * 1_000_000,
        end_unix_nano=T0 + end_ms * 1_000_000,
        **kw,
    )


SPANS = [
    record("02", "01", "execute_tool lookup", 5, 7, attributes={"gen_ai.tool.call.id": "c1"}),
    record("01", None, "invoke_workflow team", 0, 20),
    record(
        "03",
        "01",
        "chat m",
        8,
        9,
        status_code="ERROR",
        status_message="timed out",
        attributes={"error.type": "TimeoutError", "gen_ai.request.model": "m"},
    ),
    # Its parent was never recorded: drawn as a root of its own, not lost.
    record("09", "77", "execute_tool orphan", 10, 11, attributes={"gen_ai.tool.name": "lookup"}),
]


def test_children_in_start_order_and_orphans_as_roots() -> None:
    assert render_tree(SPANS) == (
        f"trace {'ab' * 16}  2025-01-02 03:04:05.000 UTC\n"
        "invoke_workflow team  20.0 ms\n"
        "├── execute_tool lookup  2.0 ms\n"
        "└── chat m  1.0 ms  [error=TimeoutError (timed out)]\n"
        "execute_tool orphan  1.0 ms  [tool=lookup]"
    )


def test_colour_marks_errors_red_and_durations_dim() -> None:
    lines = render_tree(SPANS[1:3], color=True).splitlines()
    assert lines == [
        f"\x1b[1mtrace {'ab' * 16}  2025-01-02 03:04:05.000 UTC\x1b[0m",
        "invoke_workflow team  \x1b[2m20.0 ms\x1b[0m",
        "└── \x1b[31m\x1b[1mchat m\x1b[0m  \x1b[2m1.0 ms\x1b[0m"
        "  \x1b[31m[error=TimeoutError (timed out)]\x1b[0m",
    ]


def test_traces_are_separated_by_a_blank_line() -> None:
    other = record("05", None, "invoke_agent B", 30, 31)
    other = SpanRecord(**{**other.__dict__, "trace_id": "cd" * 16})
    text = render_tree([*SPANS[1:2], other])
    assert text.split("\n\n") == [
        f"trace {'ab' * 16}  2025-01-02 03:04:05.000 UTC\ninvoke_workflow team  20.0 ms",
        f"trace {'cd' * 16}  2025-01-02 03:04:05.030 UTC\ninvoke_agent B  1.0 ms",
    ]


def test_durations() -> None:
    assert [
        format_duration(n) for n in (0, 45_000, 999_949_999, 1_000_000_000, 61_234_000_000)
    ] == [
        "0.0 ms",
        "0.0 ms",
        "999.9 ms",
        "1.00 s",
        "61.23 s",
    ]


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_colour_only_on_a_terminal_without_no_color(monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert terminal.use_color(_Stream(tty=True)) is True
    assert terminal.use_color(_Stream(tty=False)) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert terminal.use_color(_Stream(tty=True)) is False


def served(span_id: str, parent: str | None, name: str, times_ms, service: str | None, **kw):
    resource = {"service.name": service} if service is not None else {}
    return record(span_id, parent, name, *times_ms, resource=resource, **kw)


# A client's tool call served by an MCP server process, whose own helper
# process recorded a span without a service name.
TWO_SERVICES = [
    served("13", "12", "tools/call add", (6, 18), "calc-server"),
    served("11", None, "invoke_agent Friday", (0, 30), "agent"),
    served("14", "13", "lookup", (8, 9), None),
    served(
        "12", "11", "execute_tool add", (5, 20), "agent", attributes={"gen_ai.tool.name": "add"}
    ),
    served("15", "11", "chat m", (21, 29), "agent", attributes={"gen_ai.request.model": "m"}),
]


def test_a_trace_across_services_is_one_tree_with_every_span_labelled() -> None:
    assert render_tree(TWO_SERVICES) == (
        f"trace {'ab' * 16}  2025-01-02 03:04:05.000 UTC  services=agent, calc-server\n"
        "invoke_agent Friday  30.0 ms  [service=agent]\n"
        "├── execute_tool add  15.0 ms  [service=agent]\n"
        "│   └── tools/call add  12.0 ms  [service=calc-server]\n"
        "│       └── lookup  1.0 ms\n"
        "└── chat m  8.0 ms  [service=agent]"
    )


def test_services_are_listed_by_their_first_span_and_labels_lead_the_details() -> None:
    # The server's span starts first here: a client whose own span was not recorded.
    spans = [
        served("21", "77", "tools/call add", (0, 10), "calc-server"),
        served(
            "22",
            "21",
            "chat m",
            (1, 5),
            "agent",
            status_code="ERROR",
            attributes={"error.type": "TimeoutError", "gen_ai.request.model": "m"},
        ),
    ]
    assert render_tree(spans).splitlines() == [
        f"trace {'ab' * 16}  2025-01-02 03:04:05.000 UTC  services=calc-server, agent",
        "tools/call add  10.0 ms  [service=calc-server]",
        "└── chat m  4.0 ms  [service=agent, error=TimeoutError]",
    ]


def test_a_single_service_is_named_once_in_the_header() -> None:
    spans = [span for span in TWO_SERVICES if span.resource.get("service.name") == "agent"]
    assert render_tree(spans) == (
        f"trace {'ab' * 16}  2025-01-02 03:04:05.000 UTC  service=agent\n"
        "invoke_agent Friday  30.0 ms\n"
        "├── execute_tool add  15.0 ms\n"
        "└── chat m  8.0 ms"
    )
