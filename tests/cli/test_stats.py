"""``otelscope stats``: the figures per agent and per model of a store written by
the real exporter, as text and as JSON, over all of it or a time window."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.cli.launches import clean_environment, otelscope
from tests.cost.stores import SECOND, write_store

ALL = """\
{store}, all spans
3 traces, 4 agent calls, 5 model calls, cost $0.01068 + unknown

AGENT     CALLS   ERRORS       P50      P95  TOKENS IN/OUT  COST
Planner       2  1 (50%)  100.0 ms   1.50 s       4010/305  $0.009475 + unknown
Searcher      2   0 (0%)   30.0 ms  65.0 ms     13010/1105  $0.006679 + unknown

MODEL                                 CALLS    ERRORS      P50      P95  TOKENS IN/OUT  COST
scripted-model                            1    0 (0%)   3.0 ms   3.0 ms           10/5  unknown
anthropic claude-sonnet-4-5-20250929      1    0 (0%)  30.0 ms  30.0 ms       3000/100  $0.005475
deepseek deepseek-chat                    1    0 (0%)  28.0 ms  28.0 ms     10000/1000  $0.001204
openai gpt-4o                             1  1 (100%)   1.40 s   1.40 s            0/0  unknown
openai gpt-4o-2024-08-06                  1    0 (0%)  20.0 ms  20.0 ms       1000/200  $0.004
"""


@pytest.fixture
def store(tmp_path: Path) -> Path:
    write_store(tmp_path / ".otelscope")
    return tmp_path


def test_stats_of_the_whole_store(store: Path) -> None:
    result = otelscope("stats", cwd=store)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == ALL.format(store=store / ".otelscope")


def cost(usd: float | None, priced: int, unpriced: int, text: str) -> dict[str, object]:
    return {"usd": usd, "priced_calls": priced, "unpriced_calls": unpriced, "text": text}


def test_stats_as_json(store: Path) -> None:
    result = otelscope("stats", "--json", "--store", store / ".otelscope", cwd=store)
    assert (result.returncode, result.stderr) == (0, "")
    figures = json.loads(result.stdout)
    assert figures["store"] == str(store / ".otelscope")
    assert (figures["since"], figures["until"], figures["traces"]) == (None, None, 3)
    assert figures["cost"] == cost(0.010679, 3, 2, "$0.01068 + unknown")
    assert figures["agents"] == [
        {
            "agent": "Planner",
            "calls": 2,
            "errors": 1,
            "error_rate": 0.5,
            "p50_ms": 100.0,
            "p95_ms": 1500.0,
            "input_tokens": 4010,
            "output_tokens": 305,
            "cost": cost(0.009475, 2, 2, "$0.009475 + unknown"),
        },
        {
            "agent": "Searcher",
            "calls": 2,
            "errors": 0,
            "error_rate": 0.0,
            "p50_ms": 30.0,
            "p95_ms": 65.0,
            "input_tokens": 13010,
            "output_tokens": 1105,
            "cost": cost(0.006679, 2, 1, "$0.006679 + unknown"),
        },
    ]
    models = {(row["provider"], row["model"]): row for row in figures["models"]}
    assert list(models) == [
        (None, "scripted-model"),
        ("anthropic", "claude-sonnet-4-5-20250929"),
        ("deepseek", "deepseek-chat"),
        ("openai", "gpt-4o"),
        ("openai", "gpt-4o-2024-08-06"),
    ]
    assert models[("anthropic", "claude-sonnet-4-5-20250929")] == {
        "provider": "anthropic",
        "model": "claude-sonnet-4-5-20250929",
        "calls": 1,
        "errors": 0,
        "error_rate": 0.0,
        "p50_ms": 30.0,
        "p95_ms": 30.0,
        "input_tokens": 3000,
        "output_tokens": 100,
        "cost": cost(0.005475, 1, 0, "$0.005475"),
    }
    failed = models[("openai", "gpt-4o")]
    assert (failed["errors"], failed["error_rate"], failed["p50_ms"]) == (1, 1.0, 1395.0)
    assert failed["cost"] == cost(None, 0, 1, "unknown")
    assert models[(None, "scripted-model")]["cost"] == cost(None, 0, 1, "unknown")


def test_a_window_holds_the_spans_that_started_in_it(store: Path) -> None:
    # Trace A starts at 03:04:05, B at 03:05:05, C at 03:06:05 (UTC).
    since = otelscope("stats", "--json", "--since", "2025-01-02T03:05:00Z", cwd=store)
    until = otelscope("stats", "--json", "--until", "2025-01-02 03:05:05", cwd=store)
    both = otelscope(
        "stats", "--since", "2025-01-02T04:05:00+01:00", "--until", "2025-01-02T03:06:00", cwd=store
    )
    later = json.loads(since.stdout)
    assert (later["since"], later["traces"]) == ("2025-01-02T03:05:00Z", 2)
    assert [row["agent"] for row in later["agents"]] == ["Planner", "Searcher"]
    assert later["cost"] == cost(0.001204, 1, 1, "$0.001204 + unknown")
    earlier = json.loads(until.stdout)
    assert (earlier["until"], earlier["traces"]) == ("2025-01-02T03:05:05Z", 1)
    assert earlier["cost"] == cost(0.009475, 2, 1, "$0.009475 + unknown")
    assert both.stdout == (
        f"{store / '.otelscope'}, since 2025-01-02 03:05:00 UTC until 2025-01-02 03:06:00 UTC\n"
        "1 trace, 1 agent call, 1 model call, cost unknown\n"
        "\n"
        "AGENT    CALLS    ERRORS     P50     P95  TOKENS IN/OUT  COST\n"
        "Planner      1  1 (100%)  1.50 s  1.50 s            0/0  unknown\n"
        "\n"
        "MODEL          CALLS    ERRORS     P50     P95  TOKENS IN/OUT  COST\n"
        "openai gpt-4o      1  1 (100%)  1.40 s  1.40 s            0/0  unknown\n"
    )


def test_the_last_hour(tmp_path: Path) -> None:
    # Trace A started an hour and a minute ago, B a minute later: before the last hour,
    # whenever the command runs. C, a minute after B, is in it for the next 59 s.
    write_store(tmp_path / ".otelscope", base=time.time_ns() - 3661 * SECOND)
    last_hour = json.loads(otelscope("stats", "--last", "1h", "--json", cwd=tmp_path).stdout)
    last_day = json.loads(otelscope("stats", "--last", "1d", "--json", cwd=tmp_path).stdout)
    assert last_hour["traces"] == 1
    assert [row["agent"] for row in last_hour["agents"]] == ["Searcher"]
    assert last_hour["cost"] == cost(0.001204, 1, 0, "$0.001204")
    assert last_day["traces"] == 3


def test_an_empty_window_says_so(store: Path) -> None:
    result = otelscope("stats", "--since", "2030-01-01", cwd=store)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"{store / '.otelscope'}, since 2030-01-01 00:00:00 UTC: no spans\n"


def test_user_prices_change_the_figures(store: Path) -> None:
    (store / "prices.toml").write_text(
        '[[price]]\nprovider = "openai"\nmodels = ["scripted-model"]\ninput = 1000\noutput = 0\n'
    )
    by_option = otelscope("stats", "--json", "--prices", "prices.toml", cwd=store)
    env = clean_environment(OTELSCOPE_PRICES=str(store / "prices.toml"))
    by_environment = otelscope("stats", "--json", cwd=store, env=env)
    assert by_option.stdout == by_environment.stdout
    # 10 tokens at $1000 a million: $0.01 more, and one unknown call fewer.
    assert json.loads(by_option.stdout)["cost"] == cost(0.020679, 4, 1, "$0.02068 + unknown")


@pytest.mark.parametrize(
    ("arguments", "status", "message"),
    [
        (
            ("--last", "1x"),
            2,
            "not a duration: '1x' (expected a whole number and a unit, s, m, h, d or w: "
            "30m, 1h, 7d)",
        ),
        (
            ("--since", "yesterday"),
            2,
            "not a time: 'yesterday' (expected ISO 8601, e.g. 2025-01-02 or 2025-01-02T03:04:05Z)",
        ),
        (("--prices", "missing.toml"), 1, "price file missing.toml: no such file"),
    ],
)
def test_bad_options_are_clear_errors(
    store: Path, arguments: tuple[str, ...], status: int, message: str
) -> None:
    result = otelscope("stats", *arguments, cwd=store)
    assert (result.returncode, result.stdout) == (status, "")
    assert result.stderr == f"otelscope: error: {message}\n"


def test_since_and_last_exclude_each_other(store: Path) -> None:
    result = otelscope("stats", "--since", "2025-01-01", "--last", "1h", cwd=store)
    assert result.returncode == 2
    assert "argument --last: not allowed with argument --since" in result.stderr


def test_a_malformed_price_file_is_an_error_not_a_crash(store: Path) -> None:
    (store / "prices.toml").write_text("[[price]]\nprovider = 'openai'\n")
    result = otelscope("stats", cwd=store, env=clean_environment(OTELSCOPE_PRICES="prices.toml"))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "otelscope: error: price file prices.toml: price 1: needs models, a list of model ids\n"
    )


def test_a_missing_store_is_an_error(tmp_path: Path) -> None:
    result = otelscope("stats", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(f"otelscope: error: no trace store at {tmp_path}")
