"""The store page as text: its embedded data, its escaping, and that it loads nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from otelscope.cost import PriceTable, costs_of, load_prices
from otelscope.viewer.html import render_waterfall_html, trace_view
from otelscope.viewer.store_page import render_store_html
from tests.viewer.store_traces import (
    BIDI_NAME,
    CRITIC,
    FIRST,
    HOSTILE_CONVERSATION,
    HOSTILE_TRACE,
    HOSTILE_VALUE,
    INDEXING,
    NEWEST_FIRST,
    SECOND,
    THIRD,
    all_spans,
    store_traces,
    write_prices,
)
from tests.viewer.traces import HOSTILE, HOSTILE_MESSAGE

BLOCK = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.DOTALL)
ASSETS = Path(__file__).resolve().parents[2] / "src" / "otelscope" / "viewer"


@pytest.fixture(scope="module")
def prices(tmp_path_factory) -> PriceTable:
    return load_prices(write_prices(tmp_path_factory.mktemp("prices")))


@pytest.fixture(scope="module")
def page(prices) -> str:
    return render_store_html(store_traces(), title=HOSTILE, source="/s", total=9, prices=prices)


def blocks(page: str) -> dict[str, str]:
    return dict(BLOCK.findall(page))


def store_data(page: str) -> dict:
    return json.loads(blocks(page)["store-data"])


def entry(
    position: int,
    trace_id: str,
    start: str,
    *,
    root: str = "invoke_agent Friday",
    duration: tuple[int, str] = (40_000_000, "40.0 ms"),
    agents: tuple[str, ...] = ("Friday",),
    models: tuple[str, ...] = ("test-gpt",),
    tokens: tuple[int, int],
    cost: str,
    errors: int = 0,
    spans: int = 3,
    conversations: tuple[str, ...] = ("chat-42",),
) -> dict:
    start_s = {"00:00": 0, "00:30": 30, "01:00": 60, "01:30": 90, "02:00": 120, "02:30": 150}
    return {
        "position": position,
        "traceId": trace_id,
        "startMs": 1_764_316_800_000 + start_s[start] * 1000,
        "startText": f"2025-11-28 08:{start}.000",
        "service": "weather-bot",
        "root": root,
        "durationNano": duration[0],
        "durationText": duration[1],
        "agents": list(agents),
        "agentCalls": len(agents),
        "modelCalls": len(models),
        "models": list(models),
        "inputTokens": tokens[0],
        "outputTokens": tokens[1],
        "costText": cost,
        "errorCount": errors,
        "spanCount": spans,
        "conversations": list(conversations),
    }


def test_the_list_holds_every_trace_newest_first_with_its_figures(page):
    data = store_data(page)

    assert data["traces"] == [
        entry(
            0,
            HOSTILE_TRACE,
            "02:30",
            root=BIDI_NAME,
            duration=(10_000_000, "10.0 ms"),
            agents=(HOSTILE,),
            tokens=(10, 10),
            cost="$0.0001",
            spans=2,
            conversations=(HOSTILE_CONVERSATION,),
        ),
        entry(1, THIRD, "02:00", models=("gpt-4o-2024-08-06",), tokens=(1000, 100), cost="$0.0035"),
        entry(
            2,
            INDEXING,
            "01:30",
            root="index_documents travel-notes",
            duration=(5_000_000, "5.0 ms"),
            agents=(),
            models=("scripted-embedding",),
            tokens=(20, 0),
            cost="unknown",
            spans=2,
            conversations=(),
        ),
        entry(3, SECOND, "01:00", tokens=(2000, 100), cost="$0.0043", errors=1),
        entry(
            4,
            CRITIC,
            "00:30",
            root="invoke_agent Critic",
            duration=(30_000_000, "30.0 ms"),
            agents=("Critic",),
            models=("test-gpt", "scripted-model"),
            tokens=(110, 55),
            cost="$0.0006 + unknown",
            conversations=("chat-7",),
        ),
        entry(5, FIRST, "00:00", tokens=(1000, 200), cost="$0.0036"),
    ]


def test_the_store_figures_and_the_filters_choices(page):
    data = store_data(page)
    del data["traces"], data["sessions"]

    assert data == {
        "title": HOSTILE,
        "source": "/s",
        "total": 9,
        "spanCount": 16,
        "errorCount": 1,
        # 0.0036 + 0.0006 + 0.0043 + 0.0035 + 0.0001; scripted models have no price.
        "costText": "$0.0121 + unknown",
        "agents": [HOSTILE, "Critic", "Friday"],
        "models": ["gpt-4o-2024-08-06", "scripted-embedding", "scripted-model", "test-gpt"],
        "conversations": [HOSTILE_CONVERSATION, "chat-42", "chat-7"],
    }


def test_sessions_group_the_traces_by_conversation_turns_oldest_first(page):
    assert store_data(page)["sessions"] == [
        {
            "id": HOSTILE_CONVERSATION,
            "turns": [0],
            "startText": "2025-11-28 08:02:30.000",
            "lastStartText": "2025-11-28 08:02:30.000",
            "agents": [HOSTILE],
            "modelCalls": 1,
            "inputTokens": 10,
            "outputTokens": 10,
            "errorCount": 0,
            "costText": "$0.0001",
        },
        {
            "id": "chat-42",
            # FIRST, SECOND, THIRD: positions in the newest-first list.
            "turns": [5, 3, 1],
            "startText": "2025-11-28 08:00:00.000",
            "lastStartText": "2025-11-28 08:02:00.000",
            "agents": ["Friday"],
            "modelCalls": 3,
            "inputTokens": 4000,
            "outputTokens": 400,
            "errorCount": 1,
            "costText": "$0.0114",
        },
        {
            "id": "chat-7",
            "turns": [4],
            "startText": "2025-11-28 08:00:30.000",
            "lastStartText": "2025-11-28 08:00:30.000",
            "agents": ["Critic"],
            "modelCalls": 2,
            "inputTokens": 110,
            "outputTokens": 55,
            "errorCount": 0,
            "costText": "$0.0006 + unknown",
        },
    ]


def test_each_trace_has_its_waterfall_block_as_the_one_trace_page_draws_it(page, prices):
    found = blocks(page)
    by_id = {trace[0].trace_id: trace for trace in store_traces()}
    costs = costs_of(all_spans(), prices)

    assert sorted(found) == ["store-data"] + [f"trace-data-{n}" for n in range(6)]
    for position, trace_id in enumerate(NEWEST_FIRST):
        shown = json.loads(found[f"trace-data-{position}"])
        alone = render_waterfall_html(by_id[trace_id], title="t", prices=prices)
        assert shown == json.loads(blocks(alone)["waterfall-data"])["traces"][0]
        assert shown == json.loads(json.dumps(trace_view(by_id[trace_id], costs), default=vars))


def test_cost_of_each_call_and_what_it_comes_from(page):
    second = json.loads(blocks(page)["trace-data-3"])
    third = json.loads(blocks(page)["trace-data-1"])
    critic = json.loads(blocks(page)["trace-data-4"])

    assert second["costText"] == "$0.0043"
    agent, chat, tool = second["rows"]
    # (2000 - 500) x $2 + 500 x $1 + 100 x $8 per million tokens.
    assert chat["cost"] == {
        "text": "$0.0043",
        "facts": [
            ["cost", "$0.0043"],
            ["priced as", "openai test-gpt, price of 2025-11-01"],
            [
                "computed",
                "1,500 input \u00d7 $2.00/M + 500 cache-read input \u00d7 $1.00/M "
                "+ 100 output \u00d7 $8.00/M",
            ],
            ["price source", "the tests' contract"],
        ],
    }
    assert agent["cost"] == {
        "text": "$0.0043",
        "facts": [["cost", "$0.0043"], ["model calls under it", "1 priced"]],
    }
    assert tool["cost"] is None
    # gpt-4o at the shipped table's $2.50 in and $10 out: 1000 x 2.5 + 100 x 10.
    assert third["rows"][1]["cost"]["facts"][:3] == [
        ["cost", "$0.0035"],
        ["priced as", "openai gpt-4o-2024-08-06, price of 2025-12-01"],
        ["computed", "1,000 input \u00d7 $2.50/M + 100 output \u00d7 $10.00/M"],
    ]
    assert critic["rows"][0]["cost"]["facts"] == [
        ["cost", "$0.0006 + unknown"],
        ["model calls under it", "1 priced, 1 of unknown cost"],
    ]
    assert critic["rows"][2]["cost"]["facts"] == [
        ["cost", "unknown"],
        ["unknown because", "no price for scripted-model"],
    ]


def test_no_value_can_close_a_script_or_open_a_tag(page):
    markup = BLOCK.sub("", page)

    # Every "</script>" ends one of the page's own script elements.
    assert page.count("</script>") == page.count("<script") == 8
    for hostile in (HOSTILE, HOSTILE_MESSAGE, HOSTILE_CONVERSATION, HOSTILE_VALUE):
        assert hostile not in page
    assert "<img" not in page and "<svg" not in page
    for text in blocks(page).values():
        assert "<" not in text and ">" not in text and "&" not in text
    assert "<title>&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</title>" in markup
    page.encode("ascii")
    # The bidi override is kept in the data (escaped in JSON) and drawn visibly by the script.
    assert "\\u202etxt.exe" in blocks(page)["store-data"]


def test_no_asset_can_end_the_element_it_is_inlined_in():
    for asset in ASSETS.glob("*.js"):
        text = asset.read_text(encoding="ascii").lower()
        assert "</script" not in text and "<script" not in text and "<!--" not in text, asset
    for asset in ASSETS.glob("*.css"):
        assert "</style" not in asset.read_text(encoding="ascii").lower(), asset


def test_the_policy_allows_exactly_the_inline_style_and_script(page):
    (policy,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    (script,) = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    (style,) = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)

    def source_hash(source: str) -> str:
        digest = hashlib.sha256(source.encode()).digest()
        return "'sha256-" + base64.b64encode(digest).decode() + "'"

    assert policy == (
        f"default-src 'none'; script-src {source_hash(script)}; style-src {source_hash(style)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    # The shared waterfall first, then the store page's own script.
    assert script.index("var otelscopeWaterfall") < script.index('getElementById("store-data")')


def test_the_page_references_nothing_outside_itself(page):
    # The data and the (hostile) title are text; the rest is the page's own markup.
    markup = re.sub(r"<title>.*?</title>", "", BLOCK.sub("", page))

    # The data holds the price table's sources, as text; the markup names no address.
    assert "http://" not in markup and "https://" not in markup
    for reference in ("src=", "href=", "url(", "@import", "@font-face", "file:", "action="):
        assert reference not in markup
