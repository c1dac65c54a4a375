"""Reading captured content: any value, however malformed, is shown, never raised on."""

from __future__ import annotations

import pytest

from otelscope.viewer.content import Message, Part, Section, content_sections
from otelscope.viewer.tree import render_tree
from tests.cli.test_tree import agent_with

KEYS = (
    "gen_ai.system_instructions",
    "gen_ai.tool.definitions",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
)
MALFORMED = [
    "",
    "null",
    "{}",
    "[null]",
    '[{"parts": null}]',
    '[{"role": [1], "parts": [{"type": 5}, {"type": "text", "content": {"a": 1}}]}]',
    "[NaN, Infinity]",
    "1" * 5000,  # past the digits Python turns into an int
    "[" * 100_000,  # past the nesting the JSON reader can walk
    "[" * 500 + "]" * 500,  # readable, but too deep to pretty-print
    '[{"role": "user", "parts": [{"type": "tool_call", "arguments": ' + "[" * 900 + "]" * 900,
    "\ud800 lone surrogate",
]


@pytest.mark.parametrize("value", MALFORMED)
@pytest.mark.parametrize("key", KEYS)
def test_no_value_makes_the_reader_or_the_tree_fail(key: str, value: str) -> None:
    for indent in (None, 2):
        (section,) = content_sections({key: value}, indent=indent)
        assert section.key == key
    assert render_tree(agent_with(**{key: value}), content=True, width=80)


def test_a_value_too_deep_to_read_is_shown_as_recorded() -> None:
    value = "[" * 100_000 + "]" * 100_000
    assert content_sections({"gen_ai.input.messages": value}, indent=2) == [
        Section("gen_ai.input.messages", "input", (Message(None, (Part("raw", "", value),)),))
    ]


def test_other_attributes_are_not_content() -> None:
    assert content_sections({"gen_ai.request.model": "m", "gen_ai.input": "[]"}) == []


def test_a_result_of_parts_is_laid_out_as_parts() -> None:
    result = '[{"type": "text", "content": "a chart:"}, {"type": "uri", "uri": "file:///c.png"}]'
    assert content_sections({"gen_ai.tool.call.result": result}) == [
        Section(
            "gen_ai.tool.call.result",
            "result",
            (Message(None, (Part("text", "", "a chart:"), Part("uri", "uri", "file:///c.png"))),),
        )
    ]
