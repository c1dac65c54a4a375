"""The terminal tree: layout, orphans, colour only when asked."""

from __future__ import annotations

import io
import json

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


def content(**attributes: object) -> dict:
    """Content attributes as the recorder writes them: JSON strings, except
    a text value (a tool's result), which is recorded as it is."""
    return {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in attributes.items()
    }


def text_part(text: str) -> dict:
    return {"type": "text", "content": text}


SYSTEM = "gen_ai.system_instructions"
TOOLS = "gen_ai.tool.definitions"
INPUT = "gen_ai.input.messages"
OUTPUT = "gen_ai.output.messages"
ARGUMENTS = "gen_ai.tool.call.arguments"
RESULT = "gen_ai.tool.call.result"
USER = {"role": "user", "parts": [text_part("Weather in Paris?")]}

# One ReAct round of an agent call, captured with content.
WITH_CONTENT = [
    record(
        "01",
        None,
        "invoke_agent Friday",
        0,
        50,
        attributes=content(
            **{
                INPUT: [USER],
                OUTPUT: [
                    {
                        "role": "assistant",
                        "parts": [text_part("It is sunny in Paris.")],
                        "finish_reason": "stop",
                    }
                ],
            }
        ),
    ),
    record(
        "02",
        "01",
        "react step",
        1,
        40,
        attributes={"gen_ai.react.round": 1, "gen_ai.react.finish_reason": "tool_calls"},
    ),
    record(
        "03",
        "02",
        "chat gpt-4o",
        2,
        12,
        attributes={
            "gen_ai.request.model": "gpt-4o",
            **content(
                **{
                    SYSTEM: [text_part("You answer weather questions.")],
                    TOOLS: [
                        {
                            "type": "function",
                            "name": "get_weather",
                            "description": "The weather of a city.",
                            "parameters": {"type": "object", "properties": {"city": {}}},
                        }
                    ],
                    INPUT: [USER],
                    OUTPUT: [
                        {
                            "role": "assistant",
                            "parts": [
                                {"type": "reasoning", "content": "The user wants Paris."},
                                {
                                    "type": "tool_call",
                                    "id": "call_1",
                                    "name": "get_weather",
                                    "arguments": {"city": "Paris"},
                                },
                            ],
                        }
                    ],
                }
            ),
        },
    ),
    record(
        "04",
        "02",
        "execute_tool get_weather",
        13,
        38,
        attributes=content(**{ARGUMENTS: {"city": "Paris"}, RESULT: "Sunny in Paris"}),
    ),
]
HEADER = f"trace {'ab' * 16}  2025-01-02 03:04:05.000 UTC"


def test_content_is_printed_under_each_span_on_the_tree_s_guides() -> None:
    assert render_tree(WITH_CONTENT, content=True, width=80).splitlines() == [
        HEADER,
        "invoke_agent Friday  50.0 ms",
        "│  input:",
        "│    user: Weather in Paris?",
        "│  output:",
        "│    assistant: It is sunny in Paris.",
        "└── react step #1  39.0 ms  [finish=tool_calls]",
        "    ├── chat gpt-4o  10.0 ms",
        "    │      system: You answer weather questions.",
        "    │      tools: get_weather(city): The weather of a city.",
        "    │      input:",
        "    │        user: Weather in Paris?",
        "    │      output:",
        "    │        assistant:",
        "    │          reasoning: The user wants Paris.",
        '    │          tool_call get_weather (call_1): {"city": "Paris"}',
        "    └── execute_tool get_weather  25.0 ms",
        '           arguments: {"city": "Paris"}',
        "           result: Sunny in Paris",
    ]


def test_without_the_content_option_only_the_spans_are_printed() -> None:
    assert render_tree(WITH_CONTENT).splitlines() == [
        HEADER,
        "invoke_agent Friday  50.0 ms",
        "└── react step #1  39.0 ms  [finish=tool_calls]",
        "    ├── chat gpt-4o  10.0 ms",
        "    └── execute_tool get_weather  25.0 ms",
    ]


def agent_with(**attributes: object) -> list[SpanRecord]:
    return [record("01", None, "invoke_agent A", 0, 1, attributes=attributes)]


def test_long_values_are_wrapped_at_spaces_and_cut_with_a_marker() -> None:
    # 40 words of 9 characters with their space: the first line has 39
    # columns after "user: ", each continuation line 41, so each holds 4
    # words; 8 lines show 32 words and leave 8 (72 characters).
    message = {"role": "user", "parts": [text_part("wordword " * 40)]}
    spans = agent_with(**content(**{INPUT: [message]}))
    assert render_tree(spans, content=True, width=50).splitlines() == [
        HEADER,
        "invoke_agent A  1.0 ms",
        "   input:",
        "     user: wordword wordword wordword wordword",
        *["         wordword wordword wordword wordword"] * 7,
        "         … [72 more characters]",
    ]


def test_newlines_in_a_value_start_new_lines_and_a_word_too_long_is_split() -> None:
    spans = agent_with(**{RESULT: "first line\nsecond line\n" + "x" * 60})
    assert render_tree(spans, content=True, width=50).splitlines()[2:] == [
        "   result: first line",
        "     second line",
        "     " + "x" * 45,
        "     " + "x" * 15,
    ]


def test_deep_content_keeps_a_readable_width_past_the_terminal_s_edge() -> None:
    spans = agent_with(**{RESULT: "x" * 45})
    # 20 columns leave 17 beside the guide; content takes 40 all the same.
    assert render_tree(spans, content=True, width=20).splitlines()[2:] == [
        "   result: " + "x" * 32,
        "     " + "x" * 13,
    ]


def test_the_width_is_the_terminal_s_by_default(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "44")
    spans = agent_with(**{RESULT: "one two three four five six seven eight nine ten"})
    assert render_tree(spans, content=True).splitlines()[2:] == [
        "   result: one two three four five six seven",
        "     eight nine ten",
    ]


def test_values_of_another_shape_are_shown_as_they_are() -> None:
    cut = '[{"role": "user", "parts": [{"type": "text", "content": "Hel...[truncated 9 characters]'
    spans = agent_with(
        **{
            INPUT: cut,
            OUTPUT: json.dumps({"role": "assistant"}),
            SYSTEM: "not json",
            TOOLS: json.dumps(["lookup", {"function": {"name": "add"}}]),
            ARGUMENTS: "[1, 2]",
            RESULT: ["a", "b"],
        }
    )
    assert render_tree(spans, content=True, width=100).splitlines()[2:] == [
        "   system: not json",
        "   tools:",
        '     "lookup"',
        "     add()",
        "   input: " + cut,
        '   output: {"role": "assistant"}',
        "   arguments: [1, 2]",
        '   result: ["a", "b"]',
    ]


def test_messages_and_parts_of_any_shape_are_laid_out_one_by_one() -> None:
    messages = [
        {"role": "user", "name": "ana", "parts": []},
        "a bare string",
        {"parts": [text_part("")]},
        {
            "role": "assistant",
            "parts": [
                {"type": "uri", "modality": "image", "uri": "https://example.com/a.png"},
                {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "AAAA"},
                {"type": "file", "file_id": "f-1"},
                {"type": "tool_call", "name": "now"},
                {"content": "no type"},
                7,
            ],
        },
        {"role": "tool", "parts": [{"type": "tool_call_response", "response": {"temp": 21}}]},
    ]
    spans = agent_with(**content(**{INPUT: messages, OUTPUT: []}))
    assert render_tree(spans, content=True, width=100).splitlines()[2:] == [
        "   input:",
        "     user (ana):",
        "       (no parts)",
        '     "a bare string"',
        "     (no role): (empty)",
        "     assistant:",
        "       uri (image): https://example.com/a.png",
        "       blob (image, image/png): [4 characters of data]",
        '       file: {"file_id": "f-1"}',
        "       tool_call now",
        '       {"content": "no type"}',
        "       7",
        '     tool: tool_call_response: {"temp": 21}',
        "   output: (none)",
    ]


def test_control_characters_in_content_are_printed_escaped() -> None:
    hostile = "\x1b[2J\x1b]0;title\x07red\tand\u202eevil\r\nnext"
    spans = agent_with(**{RESULT: hostile})
    assert render_tree(spans, content=True, width=100).splitlines()[2:] == [
        "   result: \\x1b[2J\\x1b]0;title\\x07red    and\\u202eevil",
        "     next",
    ]


def test_colour_dims_content_titles_and_marks_roles_bold() -> None:
    spans = agent_with(**content(**{INPUT: [USER], RESULT: "ok"}))
    assert render_tree(spans, content=True, color=True, width=80).splitlines()[2:] == [
        "   \x1b[2minput:\x1b[0m",
        "     \x1b[1muser:\x1b[0m Weather in Paris?",
        "   \x1b[2mresult:\x1b[0m ok",
    ]


def test_empty_lists_say_none_and_a_message_without_parts_keeps_its_role() -> None:
    spans = agent_with(
        **content(**{SYSTEM: [], INPUT: [{"role": "user", "parts": []}], OUTPUT: [], TOOLS: []})
    )
    assert render_tree(spans, content=True, width=80).splitlines()[2:] == [
        "   system: (none)",
        "   tools: (none)",
        "   input:",
        "     user:",
        "       (no parts)",
        "   output: (none)",
    ]
