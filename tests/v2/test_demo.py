"""The README's first command runs this demo; it must keep telling the truth."""

from __future__ import annotations

import asyncio

from otelscope.demo import scenario_v2
from tests.demo_expectations import assert_demo_traces


def test_demo_gives_one_exact_trace_per_overlapping_question(traced) -> None:
    answers = asyncio.run(scenario_v2.run())
    roots = assert_demo_traces(answers, traced.spans())
    assert roots == [f"invoke_agent Friday-{i}" for i in range(1, 5)]
