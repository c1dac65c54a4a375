"""Security on both AgentScope lines, beyond tests/lines/test_content.py:
capture stays off for any value of the switch that is not a mode; redaction
and the length limit hold in every capture mode; and credentials planted in
the model object and in the environment are in no byte that an OTLP
exporter would send (spans, events, log records, metric points)."""

from __future__ import annotations

import asyncio

import pytest

from otelscope.core import content
from tests.content_expectations import (
    CAPTURE_MODES,
    CREDENTIAL_VARIABLES,
    LIMIT,
    SECRET,
    WITHIN_LIMIT,
    all_content,
    otlp_bytes,
    raw_content_of,
)
from tests.lines.line import kit
from tests.lines.test_content import content_kit, run_call


@pytest.mark.parametrize("value", ["true", "on", "SPAN", "span_only,event_only"])
def test_a_switch_that_names_no_mode_records_no_content(capture, monkeypatch, value) -> None:
    monkeypatch.setenv(content.CAPTURE_ENV, value)
    capture.instrument()
    run_call()

    assert b"Sunny in Paris" not in otlp_bytes(capture)
    assert all(raw_content_of(node.attributes) == {} for node in capture.tree().walk())
    assert capture.records() == []


@pytest.mark.parametrize("mode", CAPTURE_MODES)
def test_redaction_and_the_limit_apply_in_every_mode(capture, mode) -> None:
    seen: list[str] = []
    capture.instrument(
        capture_content=mode,
        max_content_length=LIMIT,
        redact=lambda key, value: seen.append(key) or value.replace("Paris", "[city]"),
    )
    agent = kit.make_agent(model=content_kit.CityModel())
    reply = asyncio.run(kit.reply_to(agent, "Weather in Paris?"))

    assert kit.reply_text(reply) == "It is sunny in Paris."
    assert b"Paris" not in otlp_bytes(capture)
    recorded = all_content(capture)
    # Two chats: four values each, on spans, events, or both; agent and tool
    # content only on spans.
    on_spans = 2 * 4 + 2 + 2 if mode != "EVENT_ONLY" else 0
    on_events = 2 * 4 if mode != "SPAN_ONLY" else 0
    assert len(recorded) == on_spans + on_events
    assert all(WITHIN_LIMIT.fullmatch(value) for value in recorded), recorded
    # Each value is redacted once, whether it goes to a span, an event or both.
    assert len(seen) == (on_spans if mode != "EVENT_ONLY" else on_events)


@pytest.mark.parametrize("mode", [None, *CAPTURE_MODES])
@pytest.mark.parametrize("kind", ["scripted", "openai"])
def test_planted_credentials_are_in_no_exported_byte(capture, monkeypatch, mode, kind) -> None:
    for variable in CREDENTIAL_VARIABLES:
        monkeypatch.setenv(variable, SECRET)
    capture.instrument(**({} if mode is None else {"capture_content": mode}))
    _, reply = run_call(kit.make_agent(model=content_kit.secret_model(kind)))

    assert kit.reply_text(reply) == "Done Paris"
    exported = otlp_bytes(capture)
    assert SECRET.encode() not in exported
    assert b"SECRET" not in exported
    # The search covered real telemetry: the spans and the duration metric.
    assert b"execute_tool get_weather" in exported
    assert b"gen_ai.client.operation.duration" in exported
