"""Message content capture, without AgentScope: the policy (modes, the
environment, serialization, redaction, truncation), the conventions' message
shape of AgentScope blocks (1.x blocks as the plain dicts they are; the 2.x
pydantic blocks are covered in tests/v2), and ``Telemetry.record_content``.

This module runs in both virtual environments: it must not import agentscope.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otelscope.agentscope_common.messages import (
    chat_input,
    chat_output,
    to_message,
    to_messages,
    to_part,
    to_parts,
    tool_arguments,
    tool_definition,
    tool_output,
)
from otelscope.core import guard
from otelscope.core.content import (
    CAPTURE_ENV,
    DEFAULT_MAX_LENGTH,
    MAX_LENGTH_ENV,
    CaptureMode,
    ContentPolicy,
    content_policy,
    to_json,
    truncate,
)
from otelscope.core.metrics import Metrics
from otelscope.core.records import ChatRequest, ToolInfo
from otelscope.core.telemetry import Telemetry

INPUT = "gen_ai.input.messages"
OUTPUT = "gen_ai.output.messages"
SYSTEM = "gen_ai.system_instructions"
TOOLS = "gen_ai.tool.definitions"
ARGUMENTS = "gen_ai.tool.call.arguments"
RESULT = "gen_ai.tool.call.result"

SPAN_ONLY = ContentPolicy(CaptureMode.SPAN_ONLY)
MODE_NAMES = ["NO_CONTENT", "SPAN_ONLY", "EVENT_ONLY", "SPAN_AND_EVENT"]
INVALID_MODE_WARNING = (
    f"otelscope: {CAPTURE_ENV}={{!r}} is not one of "
    "NO_CONTENT, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT; message content stays off"
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CAPTURE_ENV, raising=False)
    monkeypatch.delenv(MAX_LENGTH_ENV, raising=False)


def otelscope_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "otelscope" and r.levelno == logging.WARNING
    ]


# -- Capture modes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "enabled", "on_spans", "on_events"),
    [
        (CaptureMode.NO_CONTENT, False, False, False),
        (CaptureMode.SPAN_ONLY, True, True, False),
        (CaptureMode.EVENT_ONLY, True, False, True),
        (CaptureMode.SPAN_AND_EVENT, True, True, True),
    ],
)
def test_each_mode_says_where_content_goes(
    mode: CaptureMode, enabled: bool, on_spans: bool, on_events: bool
) -> None:
    policy = ContentPolicy(mode)
    assert (policy.enabled, policy.on_spans, policy.on_events) == (enabled, on_spans, on_events)


def test_the_default_policy_records_nothing() -> None:
    assert ContentPolicy() == ContentPolicy(CaptureMode.NO_CONTENT, 16384, None)
    assert DEFAULT_MAX_LENGTH == 16384
    assert content_policy() == ContentPolicy(CaptureMode.NO_CONTENT, 16384, None)


# -- The environment and instrument() arguments --------------------------------


@pytest.mark.parametrize("name", MODE_NAMES)
def test_the_environment_names_the_mode(name: str, monkeypatch, caplog) -> None:
    monkeypatch.setenv(CAPTURE_ENV, name)
    with caplog.at_level(logging.WARNING, logger="otelscope"):
        assert content_policy().mode is CaptureMode(name)
    assert otelscope_warnings(caplog) == []


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        ("span_only", CaptureMode.SPAN_ONLY),
        ("  Span_And_Event\n", CaptureMode.SPAN_AND_EVENT),
        ("event_only ", CaptureMode.EVENT_ONLY),
        ("", CaptureMode.NO_CONTENT),
    ],
)
def test_the_environment_mode_ignores_case_and_surrounding_space(
    value: str, mode: CaptureMode, monkeypatch, caplog
) -> None:
    monkeypatch.setenv(CAPTURE_ENV, value)
    with caplog.at_level(logging.WARNING, logger="otelscope"):
        assert content_policy().mode is mode
    assert otelscope_warnings(caplog) == []


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes", "SPAN", "SPAN-ONLY", "all"])
def test_an_unknown_environment_value_keeps_content_off_with_a_warning(
    value: str, monkeypatch, caplog
) -> None:
    monkeypatch.setenv(CAPTURE_ENV, value)
    with caplog.at_level(logging.WARNING, logger="otelscope"):
        policy = content_policy()
    assert policy.mode is CaptureMode.NO_CONTENT
    assert not policy.enabled
    assert otelscope_warnings(caplog) == [INVALID_MODE_WARNING.format(value)]


def test_an_argument_overrides_the_environment(monkeypatch) -> None:
    monkeypatch.setenv(CAPTURE_ENV, "EVENT_ONLY")
    monkeypatch.setenv(MAX_LENGTH_ENV, "99")
    assert content_policy("SPAN_ONLY", 7) == ContentPolicy(CaptureMode.SPAN_ONLY, 7, None)
    assert content_policy(CaptureMode.SPAN_AND_EVENT).mode is CaptureMode.SPAN_AND_EVENT
    assert content_policy(CaptureMode.NO_CONTENT).mode is CaptureMode.NO_CONTENT
    # No argument: the environment decides.
    assert content_policy() == ContentPolicy(CaptureMode.EVENT_ONLY, 99, None)


def test_an_unknown_argument_keeps_content_off_with_a_warning(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="otelscope"):
        assert content_policy("everything").mode is CaptureMode.NO_CONTENT
    assert otelscope_warnings(caplog) == [
        INVALID_MODE_WARNING.format("everything").replace(CAPTURE_ENV, "capture_content")
    ]


def test_a_capture_argument_of_the_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="capture_content must be a CaptureMode"):
        content_policy(True)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "length"), [("100", 100), (" 42 ", 42), ("1", 1)])
def test_the_environment_sets_the_maximum_length(value: str, length: int, monkeypatch) -> None:
    monkeypatch.setenv(MAX_LENGTH_ENV, value)
    assert content_policy().max_length == length


@pytest.mark.parametrize("value", ["abc", "1e3", "12.5", "sixteen"])
def test_a_maximum_length_that_is_not_a_number_falls_back_with_a_warning(
    value: str, monkeypatch, caplog
) -> None:
    monkeypatch.setenv(MAX_LENGTH_ENV, value)
    with caplog.at_level(logging.WARNING, logger="otelscope"):
        assert content_policy().max_length == DEFAULT_MAX_LENGTH
    assert otelscope_warnings(caplog) == [
        f"otelscope: {MAX_LENGTH_ENV}={value!r} is not a positive whole number; using 16384"
    ]


@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_maximum_length_below_one_in_the_environment_is_reported(
    value: str, monkeypatch, caplog
) -> None:
    monkeypatch.setenv(MAX_LENGTH_ENV, value)
    with caplog.at_level(logging.WARNING, logger="otelscope"):
        length = content_policy().max_length
    assert otelscope_warnings(caplog) == [
        f"otelscope: {MAX_LENGTH_ENV}={value!r} is not a positive whole number; using 16384"
    ]
    assert length == DEFAULT_MAX_LENGTH


@pytest.mark.parametrize("length", [0, -1])
def test_a_maximum_length_argument_below_one_is_a_value_error(length: int) -> None:
    with pytest.raises(ValueError, match="max_content_length must be a positive whole number"):
        content_policy("SPAN_ONLY", length)


def test_a_fractional_maximum_length_is_rejected() -> None:
    with pytest.raises(ValueError, match="positive whole number"):
        content_policy("SPAN_ONLY", 10.5)  # type: ignore[arg-type]


def test_redact_must_be_callable() -> None:
    with pytest.raises(TypeError, match="redact must be a callable"):
        content_policy("SPAN_ONLY", None, "not callable")  # type: ignore[arg-type]


def test_redact_is_kept() -> None:
    def redact(key: str, value: str) -> str:
        return value

    assert content_policy("SPAN_ONLY", 10, redact) == ContentPolicy(
        CaptureMode.SPAN_ONLY, 10, redact
    )


# -- Serialization -------------------------------------------------------------


class Opaque:
    pass


def test_to_json_writes_plain_values_without_escaping_unicode() -> None:
    assert to_json({"a": [1, 2.5, True, None], "b": "héllo ☀"}) == (
        '{"a": [1, 2.5, true, null], "b": "héllo ☀"}'
    )
    assert to_json("text") == '"text"'
    assert to_json([]) == "[]"
    assert to_json((1, "x")) == '[1, "x"]'
    assert to_json({1: "int key"}) == '{"1": "int key"}'


def test_to_json_names_what_json_cannot_represent() -> None:
    assert to_json({"object": Opaque(), "set": {1}, "bytes": b"abc"}) == (
        '{"object": "<Opaque>", "set": "<set>", "bytes": "<3 bytes>"}'
    )
    assert to_json(bytearray(b"\x00\x01")) == '"<2 bytes>"'
    assert to_json(b"") == '"<0 bytes>"'
    assert to_json(Opaque()) == '"<Opaque>"'


def test_to_json_marks_a_cycle() -> None:
    looped: list = [1]
    looped.append(looped)
    assert to_json(looped) == '"<unserializable: circular reference>"'
    mapping: dict = {"a": 1}
    mapping["self"] = mapping
    assert to_json({"outer": [mapping]}) == '"<unserializable: circular reference>"'


def test_to_json_never_raises() -> None:
    # A key JSON cannot have.
    assert to_json({(1, 2): "x"}) == '"<unserializable dict>"'
    # Deeper than the recursion limit.
    deep: list = []
    inner = deep
    for _ in range(100_000):
        inner.append([])
        inner = inner[0]
    assert to_json(deep) == '"<unserializable list>"'


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_to_json_output_is_strict_json(number: float) -> None:
    def reject(constant: str) -> None:
        raise ValueError(constant)

    assert json.loads(to_json({"score": number}), parse_constant=reject) == {
        "score": {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(number)]
    }


def test_render_records_strings_as_they_are_and_other_values_as_json() -> None:
    assert SPAN_ONLY.render(RESULT, "Sunny in Paris") == "Sunny in Paris"
    assert SPAN_ONLY.render(RESULT, "") == ""
    assert SPAN_ONLY.render(ARGUMENTS, {"city": "Paris"}) == '{"city": "Paris"}'
    assert SPAN_ONLY.render(RESULT, 5) == "5"
    assert SPAN_ONLY.render(RESULT, [b"\xff"]) == '["<1 bytes>"]'


def test_render_replaces_lone_surrogates() -> None:
    rendered = SPAN_ONLY.render(INPUT, "a\ud800b")
    assert rendered == "a?b"
    assert SPAN_ONLY.render(INPUT, {"t": "x\udcffy", "ok": "☀"}) == '{"t": "x?y", "ok": "☀"}'
    # A valid pair of code points is untouched.
    assert SPAN_ONLY.render(INPUT, "🌦") == "🌦"
    for text in (rendered, SPAN_ONLY.render(INPUT, ["\udfff"])):
        assert text is not None
        text.encode("utf-8")  # exporters can encode it


# -- Truncation ----------------------------------------------------------------


def test_truncate_keeps_the_first_characters_and_counts_the_rest() -> None:
    assert truncate("abcdef", 3) == "abc...[truncated 3 characters]"
    assert truncate("abcdef", 6) == "abcdef"
    assert truncate("abcdef", 5) == "abcde...[truncated 1 characters]"
    assert truncate("", 1) == ""
    # Characters, not bytes.
    assert truncate("é" * 10, 4) == "éééé...[truncated 6 characters]"


def test_a_huge_value_is_truncated_with_the_exact_marker() -> None:
    assert ContentPolicy(CaptureMode.SPAN_ONLY).render(RESULT, "x" * 100_000) == (
        "x" * 16384 + "...[truncated 83616 characters]"
    )
    policy = ContentPolicy(CaptureMode.SPAN_ONLY, max_length=20)
    parts = [{"type": "text", "content": "y" * 50}]
    serialized = json.dumps(parts)
    assert policy.render(OUTPUT, parts) == (
        serialized[:20] + f"...[truncated {len(serialized) - 20} characters]"
    )
    assert policy.render(OUTPUT, parts) == '[{"type": "text", "c...[truncated 63 characters]'


def test_a_value_of_exactly_the_maximum_length_is_kept_whole() -> None:
    policy = ContentPolicy(CaptureMode.SPAN_ONLY, max_length=17)
    assert policy.render(ARGUMENTS, {"city": "Paris"}) == '{"city": "Paris"}'
    assert ContentPolicy(CaptureMode.SPAN_ONLY, max_length=16).render(
        ARGUMENTS, {"city": "Paris"}
    ) == ('{"city": "Paris"...[truncated 1 characters]')


# -- Redaction -----------------------------------------------------------------


def test_redaction_sees_the_key_and_the_serialized_value_and_rewrites_it() -> None:
    seen: list[tuple[str, str]] = []

    def redact(key: str, value: str) -> str:
        seen.append((key, value))
        return value.replace("Paris", "[city]")

    policy = ContentPolicy(CaptureMode.SPAN_ONLY, redact=redact)
    assert policy.render(ARGUMENTS, {"city": "Paris"}) == '{"city": "[city]"}'
    assert policy.render(RESULT, "Sunny in Paris") == "Sunny in [city]"
    # It sees the value after the Unicode repair.
    assert policy.render(INPUT, ["Paris\ud800"]) == '["[city]?"]'
    assert seen == [
        (ARGUMENTS, '{"city": "Paris"}'),
        (RESULT, "Sunny in Paris"),
        (INPUT, '["Paris?"]'),
    ]


def test_redaction_sees_the_whole_value_and_its_output_is_truncated() -> None:
    seen: list[str] = []

    def redact(key: str, value: str) -> str:
        seen.append(value)
        return value + "!" * 10

    policy = ContentPolicy(CaptureMode.SPAN_ONLY, max_length=12, redact=redact)
    assert policy.render(RESULT, "0123456789") == "0123456789!!...[truncated 8 characters]"
    assert seen == ["0123456789"]


def test_redaction_that_raises_drops_the_value_and_records_an_internal_error(caplog) -> None:
    failure = RuntimeError("redactor broke")

    def redact(key: str, value: str) -> str:
        raise failure

    policy = ContentPolicy(CaptureMode.SPAN_AND_EVENT, redact=redact)
    with caplog.at_level(logging.ERROR, logger="otelscope"):
        assert policy.render(INPUT, [{"role": "user", "parts": []}]) is None
    assert guard.take_internal_errors() == [failure]
    assert [r.getMessage() for r in caplog.records if r.name == "otelscope"] == [
        f"otelscope: internal error while redacting {INPUT}"
    ]


@pytest.mark.parametrize("returned", [None, 42, b"bytes", ["list"], {"k": "v"}])
def test_redaction_returning_a_non_string_drops_the_value(returned: object) -> None:
    policy = ContentPolicy(CaptureMode.SPAN_ONLY, redact=lambda key, value: returned)
    assert policy.render(RESULT, "secret") is None
    assert policy.render(ARGUMENTS, {"a": 1}) is None
    assert guard.take_internal_errors() == []


def test_redaction_may_return_an_empty_string() -> None:
    policy = ContentPolicy(CaptureMode.SPAN_ONLY, redact=lambda key, value: "")
    assert policy.render(RESULT, "secret") == ""


# -- AgentScope 1.x blocks (TypedDicts: plain dicts) ---------------------------


def test_text_and_thinking_blocks() -> None:
    assert to_part({"type": "text", "text": "Hello"}) == {"type": "text", "content": "Hello"}
    assert to_part({"type": "thinking", "thinking": "Hmm"}) == {
        "type": "reasoning",
        "content": "Hmm",
    }


def test_a_tool_use_block_is_a_tool_call_with_object_arguments() -> None:
    block = {"type": "tool_use", "id": "c1", "name": "get_weather", "input": {"city": "Paris"}}
    assert to_part(block) == {
        "type": "tool_call",
        "id": "c1",
        "name": "get_weather",
        "arguments": {"city": "Paris"},
    }
    assert to_part({**block, "input": '{"city": "Oslo"}'})["arguments"] == {"city": "Oslo"}
    assert to_part({**block, "input": "{not json"})["arguments"] == "{not json"
    assert to_part({"type": "tool_use", "id": "c2", "name": "now", "input": {}}) == {
        "type": "tool_call",
        "id": "c2",
        "name": "now",
        "arguments": {},
    }


def test_a_tool_result_block_is_a_tool_call_response() -> None:
    def result(output: object) -> dict:
        return {"type": "tool_result", "id": "c1", "name": "get_weather", "output": output}

    assert to_part(result("Sunny")) == {
        "type": "tool_call_response",
        "id": "c1",
        "response": "Sunny",
    }
    two_texts = [{"type": "text", "text": "Sunny"}, {"type": "text", "text": "22 C"}]
    assert to_part(result(two_texts))["response"] == "Sunny\n22 C"
    image = {"type": "image", "source": {"type": "url", "url": "https://x.test/a.png"}}
    assert to_part(result([{"type": "text", "text": "see"}, image]))["response"] == [
        {"type": "text", "content": "see"},
        {"type": "uri", "modality": "image", "uri": "https://x.test/a.png"},
    ]
    assert to_part(result(None))["response"] is None
    assert to_part(result([]))["response"] == []


@pytest.mark.parametrize("kind", ["image", "audio", "video"])
def test_media_blocks_are_uri_or_blob_parts(kind: str) -> None:
    url = {"type": kind, "source": {"type": "url", "url": f"https://x.test/{kind}"}}
    assert to_part(url) == {"type": "uri", "modality": kind, "uri": f"https://x.test/{kind}"}
    base64 = {
        "type": kind,
        "source": {"type": "base64", "media_type": f"{kind}/x-test", "data": "QUJD"},
    }
    assert to_part(base64) == {
        "type": "blob",
        "modality": kind,
        "content": "QUJD",
        "mime_type": f"{kind}/x-test",
    }


def test_a_data_block_takes_its_modality_from_the_media_type() -> None:
    audio = {"type": "data", "source": {"type": "base64", "media_type": "audio/wav", "data": "AA"}}
    assert to_part(audio) == {
        "type": "blob",
        "modality": "audio",
        "content": "AA",
        "mime_type": "audio/wav",
    }
    image = {
        "type": "data",
        "source": {"type": "url", "url": "https://x.test/a.png", "media_type": "image/png"},
    }
    assert to_part(image) == {
        "type": "uri",
        "modality": "image",
        "uri": "https://x.test/a.png",
        "mime_type": "image/png",
    }
    unknown = {"type": "data", "source": {"type": "url", "url": "https://x.test/blob"}}
    assert to_part(unknown) == {"type": "uri", "modality": "unknown", "uri": "https://x.test/blob"}


def test_a_hint_block_is_text() -> None:
    assert to_part({"type": "hint", "hint": "remember"}) == {"type": "text", "content": "remember"}
    listed = {
        "type": "hint",
        "hint": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
    }
    assert to_part(listed) == {"type": "text", "content": "a\nb"}


def test_an_unknown_block_shows_only_its_type() -> None:
    assert to_part({"type": "custom", "secret": "value"}) == {"type": "custom"}
    assert to_part({"no": "type"}) == {"type": "dict"}
    assert to_part(Opaque()) == {"type": "Opaque"}
    # An object (not a dict) with a type reads the same as a dict.
    assert to_part(SimpleNamespace(type="text", text="attr")) == {
        "type": "text",
        "content": "attr",
    }


def test_to_parts_reads_a_string_or_a_list_of_blocks() -> None:
    assert to_parts("plain") == [{"type": "text", "content": "plain"}]
    assert to_parts([{"type": "text", "text": "a"}, {"type": "thinking", "thinking": "b"}]) == [
        {"type": "text", "content": "a"},
        {"type": "reasoning", "content": "b"},
    ]
    assert to_parts(None) == []
    assert to_parts(b"bytes") == []
    assert to_parts({"type": "text", "text": "a lone block"}) == []
    assert to_parts(42) == []


def test_messages_keep_their_role_and_tool_results_have_the_tool_role() -> None:
    assert to_message({"role": "user", "content": "hi"}) == {
        "role": "user",
        "parts": [{"type": "text", "content": "hi"}],
    }
    result = {"type": "tool_result", "id": "c1", "name": "f", "output": "ok"}
    assert to_message({"role": "system", "content": [result]}) == {
        "role": "tool",
        "parts": [{"type": "tool_call_response", "id": "c1", "response": "ok"}],
    }
    mixed = {"role": "assistant", "content": [{"type": "text", "text": "x"}, result]}
    assert to_message(mixed)["role"] == "assistant"
    assert to_message({"content": "no role"})["role"] == "user"
    assert to_message({"role": "", "content": "empty role"})["role"] == "user"
    assert to_message({"role": "assistant", "content": None}) == {"role": "assistant", "parts": []}


def test_to_messages_accepts_one_message_a_sequence_or_none() -> None:
    one = {"role": "user", "content": "hi"}
    converted = {"role": "user", "parts": [{"type": "text", "content": "hi"}]}
    assert to_messages(None) == []
    assert to_messages(one) == [converted]
    assert to_messages([one, one]) == [converted, converted]
    assert to_messages((one,)) == [converted]
    assert to_messages(SimpleNamespace(role="user", content="hi")) == [converted]
    # What is no message at all is left out.
    assert to_messages(["just a string", 3, one, None]) == [converted]


def test_chat_input_separates_system_instructions_and_flattens_tool_schemas() -> None:
    schema = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather of a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
    messages = [
        {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
        {"role": "user", "content": "weather?"},
        {"role": "system", "content": "Answer in French."},
    ]
    assert chat_input(messages, [schema]) == {
        SYSTEM: [
            {"type": "text", "content": "Be brief."},
            {"type": "text", "content": "Answer in French."},
        ],
        INPUT: [{"role": "user", "parts": [{"type": "text", "content": "weather?"}]}],
        TOOLS: [
            {
                "type": "function",
                "name": "get_weather",
                "description": "Get the weather of a city.",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            }
        ],
    }
    assert chat_input([{"role": "user", "content": "x"}], None) == {
        SYSTEM: None,
        INPUT: [{"role": "user", "parts": [{"type": "text", "content": "x"}]}],
        TOOLS: None,
    }
    assert chat_input(None, [])[TOOLS] is None
    assert chat_input(None, [])[INPUT] == []


def test_a_tool_schema_of_another_shape_passes_through() -> None:
    flat = {"name": "f", "parameters": {}}
    assert tool_definition(flat) == flat
    assert tool_definition({"type": "function", "function": "f"}) == {
        "type": "function",
        "function": "f",
    }
    assert tool_definition({"function": {"name": "g"}}) == {"type": "function", "name": "g"}
    assert tool_definition("schema") == "schema"


def test_chat_output_is_one_assistant_message() -> None:
    call = {"type": "tool_use", "id": "c1", "name": "f", "input": {"a": 1}}
    assert chat_output([call], "tool_calls") == {
        OUTPUT: [
            {
                "role": "assistant",
                "parts": [{"type": "tool_call", "id": "c1", "name": "f", "arguments": {"a": 1}}],
                "finish_reason": "tool_calls",
            }
        ]
    }
    assert chat_output("Done", None) == {
        OUTPUT: [{"role": "assistant", "parts": [{"type": "text", "content": "Done"}]}]
    }
    assert chat_output(None, None) == {OUTPUT: [{"role": "assistant", "parts": []}]}


def test_tool_arguments_and_output() -> None:
    assert tool_arguments({"a": 1}) == {"a": 1}
    assert tool_arguments('{"a": [1, 2]}') == {"a": [1, 2]}
    assert tool_arguments("not json") == "not json"
    assert tool_arguments("") == ""
    assert tool_arguments(None) is None
    assert tool_output("text") == "text"
    assert tool_output(None) is None
    assert tool_output([{"type": "text", "text": "a"}]) == "a"
    assert tool_output([{"type": "thinking", "thinking": "t"}]) == [
        {"type": "reasoning", "content": "t"}
    ]


def test_the_recorded_json_of_a_conversation_is_exact() -> None:
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "weather in Paris?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "use the tool"},
                {"type": "tool_use", "id": "c1", "name": "get_weather", "input": {"city": "P"}},
            ],
        },
        {"role": "user", "content": [{"type": "tool_result", "id": "c1", "output": "Sunny"}]},
    ]
    assert SPAN_ONLY.render(INPUT, to_messages(messages)) == (
        '[{"role": "user", "parts": [{"type": "text", "content": "weather in Paris?"}]}, '
        '{"role": "assistant", "parts": [{"type": "reasoning", "content": "use the tool"}, '
        '{"type": "tool_call", "id": "c1", "name": "get_weather", "arguments": {"city": "P"}}]}, '
        '{"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", '
        '"response": "Sunny"}]}]'
    )


def test_unserializable_content_in_a_message_is_named_not_dropped() -> None:
    message = {
        "role": "user",
        "content": [{"type": "tool_result", "id": "c1", "output": [{"type": "text", "text": 7}]}],
    }
    call = {"type": "tool_use", "id": "c2", "name": "f", "input": {"blob": b"abcd", "o": Opaque()}}
    assert SPAN_ONLY.render(INPUT, to_messages([message])) == (
        '[{"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": "7"}]}]'
    )
    assert SPAN_ONLY.render(OUTPUT, chat_output([call], None)[OUTPUT]) == (
        '[{"role": "assistant", "parts": [{"type": "tool_call", "id": "c2", "name": "f", '
        '"arguments": {"blob": "<4 bytes>", "o": "<Opaque>"}}]}]'
    )


# -- Telemetry.record_content --------------------------------------------------


class Recorded:
    """A Telemetry on in-memory span and log exporters."""

    def __init__(self, policy: ContentPolicy) -> None:
        self.spans = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.logs = InMemoryLogRecordExporter()
        logger_provider = LoggerProvider()
        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(self.logs))
        self.telemetry = Telemetry(
            tracer_provider.get_tracer("t"),
            Metrics(MeterProvider().get_meter("m")),
            policy,
            logger_provider.get_logger("otelscope"),
        )

    def attributes(self) -> list[dict]:
        return [dict(span.attributes or {}) for span in self.spans.get_finished_spans()]


@pytest.fixture
def chat_request() -> Iterator[ChatRequest]:
    yield ChatRequest(provider="test", model="m", stream=False)


def test_record_content_sets_span_attributes_and_skips_none(chat_request) -> None:
    recorded = Recorded(ContentPolicy(CaptureMode.SPAN_ONLY))
    assert recorded.telemetry.capturing
    operation = recorded.telemetry.start_chat(chat_request)
    recorded.telemetry.record_content(operation, {INPUT: [{"role": "user"}], SYSTEM: None})
    operation.finish(None)
    # Ended: nothing more is recorded.
    recorded.telemetry.record_content(operation, {OUTPUT: "late"})
    [attributes] = recorded.attributes()
    assert {k: v for k, v in attributes.items() if k.startswith("gen_ai.input")} == {
        INPUT: '[{"role": "user"}]'
    }
    assert SYSTEM not in attributes
    assert OUTPUT not in attributes
    assert recorded.logs.get_finished_logs() == ()


def test_record_content_in_event_mode_emits_one_event_per_chat_only(chat_request) -> None:
    recorded = Recorded(ContentPolicy(CaptureMode.EVENT_ONLY))
    chat = recorded.telemetry.start_chat(chat_request)
    recorded.telemetry.record_content(chat, {INPUT: [{"role": "user"}]})
    recorded.telemetry.record_content(chat, {OUTPUT: "done"})
    chat.finish(None)
    tool = recorded.telemetry.start_tool(ToolInfo("f", "c1", None))
    recorded.telemetry.record_content(tool, {ARGUMENTS: {"a": 1}, RESULT: "r"})
    tool.stop()
    for attributes in recorded.attributes():
        assert not any(key in attributes for key in (INPUT, OUTPUT, ARGUMENTS, RESULT))
    [record] = recorded.logs.get_finished_logs()
    chat_span = recorded.spans.get_finished_spans()[0]
    assert record.log_record.event_name == "gen_ai.client.inference.operation.details"
    assert record.log_record.trace_id == chat_span.context.trace_id
    assert record.log_record.span_id == chat_span.context.span_id
    assert record.log_record.body is None
    assert dict(record.log_record.attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "test",
        "gen_ai.request.model": "m",
        INPUT: '[{"role": "user"}]',
        OUTPUT: "done",
    }


def test_no_event_is_emitted_for_a_chat_without_content(chat_request) -> None:
    recorded = Recorded(ContentPolicy(CaptureMode.SPAN_AND_EVENT))
    operation = recorded.telemetry.start_chat(chat_request)
    recorded.telemetry.record_content(operation, {INPUT: None})
    operation.finish(None)
    assert recorded.logs.get_finished_logs() == ()


def test_a_failing_redactor_drops_only_the_value_it_failed_on(chat_request) -> None:
    def redact(key: str, value: str) -> str:
        if key == INPUT:
            raise ValueError("no")
        return value

    recorded = Recorded(ContentPolicy(CaptureMode.SPAN_AND_EVENT, redact=redact))
    operation = recorded.telemetry.start_chat(chat_request)
    recorded.telemetry.record_content(operation, {INPUT: ["secret"], OUTPUT: ["ok"]})
    operation.finish(None)
    [error] = guard.take_internal_errors()
    assert isinstance(error, ValueError)
    [attributes] = recorded.attributes()
    assert INPUT not in attributes
    assert attributes[OUTPUT] == '["ok"]'
    [record] = recorded.logs.get_finished_logs()
    assert INPUT not in record.log_record.attributes
    assert record.log_record.attributes[OUTPUT] == '["ok"]'


def test_telemetry_without_a_policy_captures_nothing() -> None:
    telemetry = Telemetry(TracerProvider().get_tracer("t"), Metrics(MeterProvider().get_meter("m")))
    assert not telemetry.capturing
