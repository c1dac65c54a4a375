"""Cost in ``otelscope show`` (model calls, agent calls, the trace) and in the
summary of ``otelscope run``, from the shipped prices or the user's."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider

from otelscope.cli.run_report import SpanCounts
from otelscope.cli.span_counts import CountingSpanProcessor
from otelscope.cli.summary import counts_line
from otelscope.cost import PRICES_ENV
from tests.cli.launches import clean_environment, otelscope
from tests.cost.stores import TRACE_A, TRACE_B, TRACE_C, record, write_store

TREE_A = f"""\
trace {TRACE_A}  2025-01-02 03:04:05.000 UTC  service=shop  cost=$0.009475 + unknown
invoke_agent Planner  100.0 ms  [cost=$0.009475 + unknown]
├── chat gpt-4o  20.0 ms  [in=1000, out=200, cost=$0.004]
└── execute_tool ask  73.0 ms
    └── invoke_agent Searcher  65.0 ms  [cost=$0.005475 + unknown]
        ├── chat claude-sonnet-4-5  30.0 ms  [in=3000, out=100, cost=$0.005475]
        └── chat scripted-model  3.0 ms  [in=10, out=5, cost=unknown]
"""
TREE_B = f"""\
trace {TRACE_B}  2025-01-02 03:05:05.000 UTC  service=shop  cost=unknown
invoke_agent Planner  1.50 s  [cost=unknown, error=builtins.ValueError (boom)]
└── chat gpt-4o  1.40 s  [cost=unknown, error=builtins.ValueError (boom)]
"""
TREE_C = f"""\
trace {TRACE_C}  2025-01-02 03:06:05.000 UTC  service=shop  cost=$0.001204
invoke_agent Searcher  30.0 ms  [cost=$0.001204]
└── chat deepseek-chat  28.0 ms  [in=10000, out=1000, cost=$0.001204]
"""
# scripted-model at $1000 a million input tokens: 10 of them, $0.01.
SCRIPTED_PRICE = (
    '[[price]]\nprovider = "openai"\nmodels = ["scripted-model"]\ninput = 1000\noutput = 0\n'
)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    write_store(tmp_path / ".otelscope")
    return tmp_path


@pytest.mark.parametrize(("trace_id", "tree"), [("a1", TREE_A), ("b2", TREE_B), ("c3", TREE_C)])
def test_show_gives_the_cost_of_each_call_agent_and_trace(store: Path, trace_id, tree) -> None:
    result = otelscope("show", trace_id, cwd=store)
    assert (result.returncode, result.stdout, result.stderr) == (0, tree, "")


def test_show_takes_the_users_prices(store: Path) -> None:
    (store / "prices.toml").write_text(SCRIPTED_PRICE)
    by_option = otelscope("show", "--prices", "prices.toml", "a1", cwd=store)
    by_environment = otelscope(
        "show", "a1", cwd=store, env=clean_environment(OTELSCOPE_PRICES="prices.toml")
    )
    assert (
        by_option.stdout
        == by_environment.stdout
        == (
            TREE_A.replace("$0.009475 + unknown", "$0.01948")
            .replace("$0.005475 + unknown", "$0.01548")
            .replace("out=5, cost=unknown", "out=5, cost=$0.01")
        )
    )


def test_show_with_a_malformed_price_file_is_an_error(store: Path) -> None:
    (store / "prices.json").write_text('{"price": [{"provider": "openai"')
    result = otelscope("show", "a1", "--prices", "prices.json", cwd=store)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(
        "otelscope: error: price file prices.json: not valid JSON: Expecting "
    )
    # The list shows no cost: it needs no prices.
    listed = otelscope("show", "--prices", "prices.json", cwd=store)
    assert listed.returncode == 0


def test_the_run_summary_counts_says_the_cost_when_known() -> None:
    counts = SpanCounts(
        trace_ids={TRACE_A},
        model_calls=2,
        input_tokens=34,
        output_tokens=13,
        priced_model_calls=1,
        cost_usd=0.00014,
    )
    assert counts_line(counts) == (
        "1 trace, 0 agent calls, 2 model calls, 34 tokens in / 13 out ($0.00014 + unknown), "
        "0 errors"
    )
    counts.priced_model_calls = 2
    assert "34 tokens in / 13 out ($0.00014), 0 errors" in counts_line(counts)
    # No call priced: no cost said (the tree and `stats` say which are unknown).
    counts.priced_model_calls, counts.cost_usd = 0, 0.0
    assert "34 tokens in / 13 out, 0 errors" in counts_line(counts)


def test_a_process_counts_the_cost_of_its_model_calls(monkeypatch) -> None:
    monkeypatch.delenv(PRICES_ENV, raising=False)
    counter = CountingSpanProcessor()
    provider = TracerProvider()
    provider.add_span_processor(counter)
    record(provider)
    provider.shutdown()
    counts = counter.snapshot()
    assert (counts.model_calls, counts.priced_model_calls) == (5, 3)
    assert Decimal(repr(counts.cost_usd)) == Decimal("0.010679")


def test_a_process_with_a_malformed_price_file_prices_nothing(tmp_path, monkeypatch) -> None:
    (tmp_path / "prices.toml").write_text("price = [")
    monkeypatch.setenv(PRICES_ENV, str(tmp_path / "prices.toml"))
    counter = CountingSpanProcessor()
    provider = TracerProvider()
    provider.add_span_processor(counter)
    record(provider)
    provider.shutdown()
    counts = counter.snapshot()
    assert (counts.model_calls, counts.priced_model_calls, counts.cost_usd) == (5, 0, 0.0)


CHATS = (
    "from opentelemetry import trace\n"
    "tracer = trace.get_tracer('app')\n"
    "def chat(model, tokens_in, tokens_out):\n"
    "    attributes = {'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model,\n"
    "        'gen_ai.usage.input_tokens': tokens_in, 'gen_ai.usage.output_tokens': tokens_out}\n"
    "    tracer.start_span('chat ' + model, attributes=attributes).end()\n"
    "with tracer.start_as_current_span('work'):\n"
    "    chat('gpt-4o', 24, 8)\n"
    "    chat('scripted-model', 10, 5)\n"
    "print('recorded')\n"
)
COUNTS = "otelscope: 1 trace, 0 agent calls, 2 model calls, 34 tokens in / 13 out"


def test_the_run_summary_says_the_runs_cost(tmp_path: Path) -> None:
    result = otelscope("run", sys.executable, "-c", CHATS, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "recorded\n")
    assert result.stderr.startswith(f"{COUNTS} ($0.00014 + unknown), 0 errors\n")
    (tmp_path / "prices.toml").write_text(SCRIPTED_PRICE)
    env = clean_environment(OTELSCOPE_PRICES=str(tmp_path / "prices.toml"))
    priced = otelscope("run", sys.executable, "-c", CHATS, cwd=tmp_path, env=env)
    assert priced.stderr.startswith(f"{COUNTS} ($0.01014), 0 errors\n")


def test_a_malformed_price_file_leaves_the_run_alone_and_is_said(tmp_path: Path) -> None:
    (tmp_path / "prices.toml").write_text("[[price]]\ninput = -1\n")
    env = clean_environment(OTELSCOPE_PRICES=str(tmp_path / "prices.toml"))
    result = otelscope("run", sys.executable, "-c", CHATS, cwd=tmp_path, env=env)
    assert (result.returncode, result.stdout) == (0, "recorded\n")
    assert result.stderr.startswith(
        f"{COUNTS}, 0 errors\n"
        f"otelscope: cost unknown: price file {tmp_path / 'prices.toml'}: price 1: needs a "
        "provider (its gen_ai.provider.name, e.g. openai)\n"
    )
