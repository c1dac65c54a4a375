"""GenAI metrics on both AgentScope lines: exact points, buckets and attributes."""

from __future__ import annotations

import asyncio

from tests import metric_expectations as expect
from tests.lines.line import kit


def test_one_call_records_every_metric_exactly(traced) -> None:
    asyncio.run(kit.call_with(kit.make_agent(), kit.two_tool_rounds("Oslo")))
    expect.assert_two_tool_round_call(traced, "Friday")


def test_streamed_model_calls_record_the_time_to_first_chunk(traced) -> None:
    expect.assert_streamed_calls_record_time_to_first_chunk(traced, kit)


def test_a_failed_model_call_is_counted_with_its_error_type(traced) -> None:
    expect.assert_failed_model_call_is_counted(traced, kit)


def test_exemplars_link_each_point_to_the_span_it_measures(traced) -> None:
    expect.assert_exemplars_link_to_their_own_spans(traced, kit)
