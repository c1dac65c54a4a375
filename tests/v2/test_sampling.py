"""Calls whose trace a sampler dropped, on AgentScope 2.x: no span is
started under a dropped one, its context flows, metrics are whole."""

from __future__ import annotations

import pytest
from agentscope.message import UserMsg
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

from tests import sampling_expectations as expect
from tests.conftest import Traced
from tests.v2 import kit

MESSAGES = [UserMsg(name="user", content="hi")]


@pytest.mark.parametrize("stream", [False, True])
def test_a_dropped_call_starts_no_span_and_keeps_its_metrics(stream: bool) -> None:
    expect.assert_a_dropped_call_starts_no_span_and_keeps_its_metrics(
        Traced(sampler=ALWAYS_OFF), kit, stream
    )


def test_a_call_under_a_dropped_span_follows_it() -> None:
    expect.assert_a_call_under_a_dropped_span_follows_it(Traced(), kit)


def test_an_unsampled_remote_parent_is_left_to_the_sampler() -> None:
    expect.assert_an_unsampled_remote_parent_is_left_to_the_sampler(Traced(sampler=ALWAYS_ON), kit)


def test_a_call_under_an_ended_span_is_still_traced() -> None:
    expect.assert_a_call_under_an_ended_span_is_still_traced(Traced(), kit)


def test_a_model_called_alone_under_a_dropped_span_adds_none() -> None:
    async def call_model() -> None:
        kit.current_script.set(kit.Script("alone", [kit.Step(text="hi")]))
        await kit.ScriptedChatModel()(MESSAGES)

    expect.assert_a_model_called_alone_under_a_dropped_span_adds_none(Traced(), kit, call_model)
