"""The store page in headless Chromium: what a person opening `otelscope view`'s file sees.

Screenshots of every run are kept in test-artifacts/ at the repository root
(each test that takes one prints its path).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from otelscope.cost import load_prices
from otelscope.viewer.store_page import render_store_html
from tests.viewer.browser import RENDER_TIMEOUT_S, alert_recording_chromium, open_waterfall
from tests.viewer.store_traces import (
    CRITIC,
    FIRST,
    HOSTILE_CONVERSATION,
    HOSTILE_TRACE,
    HOSTILE_VALUE,
    INDEXING,
    NEWEST_FIRST,
    SECOND,
    THIRD,
    store_traces,
    write_prices,
)
from tests.viewer.test_waterfall_browser import ARTIFACTS
from tests.viewer.traces import HOSTILE, HOSTILE_MESSAGE

WIDTH, HEIGHT = 1400, 1000

LISTED = """
return Array.from(document.querySelectorAll('#list .trace-row')).map(function (row) {
  return row.dataset.traceId;
});
"""
CELLS = """
return Array.from(document.querySelectorAll('#list .trace-row')).map(function (row) {
  return Array.from(row.cells).map(function (cell) { return cell.textContent; });
});
"""
SESSIONS = """
return Array.from(document.querySelectorAll('#list tbody.session')).map(function (body) {
  var head = body.querySelector('.session-row');
  return {
    id: head.dataset.conversation || null,
    head: head.textContent,
    turns: Array.from(body.querySelectorAll('.trace-row')).map(function (row) {
      var turn = row.querySelector('.turn');
      return [turn ? turn.textContent : null, row.dataset.traceId];
    })
  };
});
"""
SHOWN_TRACE = """
var section = document.querySelector('#traces section.trace');
return section ? section.dataset.traceId : null;
"""
SELECTED = """
return Array.from(document.querySelectorAll('#list .trace-row.selected')).map(function (row) {
  return row.dataset.traceId;
});
"""
FACTS = """
return Array.from(arguments[0].querySelectorAll('.kv-item')).map(function (item) {
  return [item.querySelector('.kv-key').textContent, item.querySelector('.kv-value').textContent];
});
"""


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    yield from alert_recording_chromium(profile, width=WIDTH, height=HEIGHT)


@pytest.fixture(scope="module")
def page_path(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("store-page")
    prices = load_prices(write_prices(directory))
    html = render_store_html(
        store_traces(), title="otelscope traces", source="/home/you/app/.otelscope", total=6,
        prices=prices,
    )  # fmt: skip
    path = directory / "view.html"
    path.write_text(html, encoding="ascii")
    return path


@pytest.fixture
def page(driver, page_path):
    # A fresh load per test: no filter, mode or selection carried over.
    driver.get("about:blank")
    open_waterfall(driver, page_path)
    driver.get_log("browser")
    return driver


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    print(f"screenshot: {path}")
    return path


def _listed(page) -> list[str]:
    return page.execute_script(LISTED)


def _type_in(page, element_id: str, text: str) -> None:
    box = page.find_element(By.ID, element_id)
    box.clear()
    box.send_keys(text)


def _press(page, *keys: str) -> None:
    """Keys typed at the page itself, as when nothing in particular has the focus."""
    page.execute_script("document.activeElement && document.activeElement.blur();")
    body = page.find_element(By.TAG_NAME, "body")
    for key in keys:
        body.send_keys(key)


def _severe(page) -> list[dict]:
    return [entry for entry in page.get_log("browser") if entry["level"] == "SEVERE"]


def _open_span(page, span_id: str) -> None:
    page.find_element(By.CSS_SELECTOR, f'#traces .row[data-span-id="{span_id}"]').click()
    WebDriverWait(page, RENDER_TIMEOUT_S).until(
        lambda current: current.find_element(By.ID, "details").is_displayed()
    )


def _shot(page, name: str) -> Path:
    path = _artifact(name)
    path.unlink(missing_ok=True)
    assert page.save_screenshot(str(path))
    assert path.stat().st_size > 0
    return path


def test_screenshots_of_the_page_are_saved(page, page_path):
    page.find_element(By.CSS_SELECTOR, f'.trace-row[data-trace-id="{SECOND}"]').click()
    _open_span(page, "3300000000000002")
    _shot(page, "store-page-details.png")
    _press(page, Keys.ESCAPE, "s")
    _shot(page, "store-page-sessions.png")
    assert _severe(page) == []

    # The README's picture (docs/images/store-page.png): the store without
    # its hostile trace, a turn of a conversation selected.
    clean = page_path.with_name("clean.html")
    html = render_store_html(
        store_traces()[:-1], title="otelscope traces", source="/home/you/app/.otelscope",
        total=5, prices=load_prices(page_path.with_name("prices.toml")),
    )  # fmt: skip
    clean.write_text(html, encoding="ascii")
    open_waterfall(page, clean)
    page.find_element(By.CSS_SELECTOR, f'.trace-row[data-trace-id="{SECOND}"]').click()
    _shot(page, "store-page.png")
    assert _severe(page) == []


def test_the_list_shows_each_trace_newest_first_with_its_figures(page):
    assert _listed(page) == NEWEST_FIRST
    cells = page.execute_script(CELLS)
    assert cells[1] == [
        "2025-11-28 08:02:00.000",
        "weather-bot",
        "invoke_agent Friday",
        "40.0 ms",
        "Friday",
        "1",
        "1000 / 100",
        "$0.0035",
        "0",
    ]
    assert [row[7] for row in cells] == [
        "$0.0001",
        "$0.0035",
        "unknown",
        "$0.0043",
        "$0.0006 + unknown",
        "$0.0036",
    ]
    assert [row[8] for row in cells] == ["0", "0", "0", "1", "0", "0"]
    summary = page.find_element(By.CSS_SELECTOR, "#page-summary .store-figures").text
    assert summary == " \u00b7 ".join(
        ["6 traces", "3 sessions", "16 spans", "1 error", "cost $0.0121 + unknown"]
    )
    assert page.find_element(By.ID, "match-count").text == "6 of 6 traces"


@pytest.mark.parametrize(
    ("control", "value", "expected"),
    [
        ("filter-agent", "Critic", [CRITIC]),
        ("filter-agent", HOSTILE, [HOSTILE_TRACE]),
        ("filter-model", "gpt-4o-2024-08-06", [THIRD]),
        ("filter-model", "test-gpt", [HOSTILE_TRACE, SECOND, CRITIC, FIRST]),
        ("filter-status", "error", [SECOND]),
        ("filter-status", "ok", [HOSTILE_TRACE, THIRD, INDEXING, CRITIC, FIRST]),
        ("filter-conversation", "chat-42", [THIRD, SECOND, FIRST]),
        ("filter-conversation", HOSTILE_CONVERSATION, [HOSTILE_TRACE]),
    ],
)
def test_each_filter_keeps_the_traces_it_names(page, control, value, expected):
    Select(page.find_element(By.ID, control)).select_by_value(value)

    assert _listed(page) == expected
    assert page.find_element(By.ID, "match-count").text == f"{len(expected)} of 6 traces"


def test_a_time_range_keeps_the_traces_that_started_in_it(page):
    _type_in(page, "filter-from", "2025-11-28 08:01")
    _type_in(page, "filter-to", "2025-11-28T08:02:00Z")
    # From included, to excluded: 08:01:00 and 08:01:30, not 08:02:00.
    assert _listed(page) == [INDEXING, SECOND]

    _type_in(page, "filter-to", "yesterday")
    box = page.find_element(By.ID, "filter-to")
    assert box.get_attribute("aria-invalid") == "true"
    assert _listed(page) == [HOSTILE_TRACE, THIRD, INDEXING, SECOND]

    page.find_element(By.ID, "filter-clear").click()
    assert _listed(page) == NEWEST_FIRST
    assert box.get_attribute("value") == ""


def test_filters_combine_and_say_when_nothing_matches(page):
    Select(page.find_element(By.ID, "filter-conversation")).select_by_value("chat-42")
    Select(page.find_element(By.ID, "filter-status")).select_by_value("ok")
    assert _listed(page) == [THIRD, FIRST]

    Select(page.find_element(By.ID, "filter-agent")).select_by_value("Critic")
    assert _listed(page) == []
    assert page.find_element(By.CSS_SELECTOR, "#list .no-match").text == (
        "No trace matches these filters."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An attribute value (the tool's arguments), whatever its case.
        ("PARIS", [THIRD, SECOND, FIRST]),
        # A span name that is not the root's.
        ("embeddings scripted", [INDEXING]),
        # An attribute key.
        ("cache_read.input", [SECOND]),
        # Markup in a value is text to search, not markup.
        ("<svg onload", [HOSTILE_TRACE]),
        ("no such text", []),
    ],
)
def test_search_looks_in_span_names_and_attributes(page, text, expected):
    _type_in(page, "search", text)

    assert _listed(page) == expected


def test_sessions_group_the_traces_by_conversation_turns_oldest_first(page):
    page.find_element(By.ID, "view-sessions").click()
    sessions = page.execute_script(SESSIONS)

    assert [session["id"] for session in sessions] == [
        HOSTILE_CONVERSATION,
        "chat-42",
        "chat-7",
        None,
    ]
    chat_42 = sessions[1]
    assert chat_42["turns"] == [
        ["turn 1 of 3", FIRST],
        ["turn 2 of 3", SECOND],
        ["turn 3 of 3", THIRD],
    ]
    assert chat_42["head"] == (
        "chat-42" + " \u00b7 ".join(
            [
                "3 turns",
                "2025-11-28 08:00:00.000 \u2013 2025-11-28 08:02:00.000",
                "Friday",
                "3 model calls",
                "4000 / 400 tokens",
                "cost $0.0114",
                "1 error",
            ]
        )
    )  # fmt: skip
    assert "cost $0.0006 + unknown" in sessions[2]["head"]
    assert sessions[3] == {"id": None, "head": "No conversation id", "turns": [[None, INDEXING]]}
    assert page.find_element(By.ID, "match-count").text == "3 sessions, 6 traces"

    # Filters apply to the turns; a session with none left is not shown.
    Select(page.find_element(By.ID, "filter-status")).select_by_value("error")
    (only,) = page.execute_script(SESSIONS)
    assert only["turns"] == [["turn 2 of 3", SECOND]]
    assert "3 turns (1 shown)" in only["head"]


def test_selecting_a_trace_shows_its_waterfall(page):
    # The newest trace is shown first.
    assert page.execute_script(SHOWN_TRACE) == HOSTILE_TRACE

    page.find_element(By.CSS_SELECTOR, f'.trace-row[data-trace-id="{SECOND}"]').click()

    assert page.execute_script(SHOWN_TRACE) == SECOND
    assert page.execute_script(SELECTED) == [SECOND]
    rows = page.find_elements(By.CSS_SELECTOR, "#traces .row")
    assert [row.find_element(By.CLASS_NAME, "span-name").text for row in rows] == [
        "invoke_agent Friday",
        "chat test-gpt",
        "execute_tool get_weather",
    ]
    meta = page.find_element(By.CSS_SELECTOR, "#traces .trace-meta").text
    assert meta.startswith("40.0 ms \u00b7 3 spans \u00b7 1 error \u00b7 cost $0.0043 \u00b7 ")
    session = page.find_element(By.CSS_SELECTOR, "#traces .trace-session")
    assert session.find_element(By.TAG_NAME, "span").text == (
        "conversation chat-42 \u00b7 turn 2 of 3"
    )
    assert page.execute_script("return location.hash") == f"#{SECOND}"

    # The address names it: opened again, the page shows it.
    page.refresh()
    WebDriverWait(page, RENDER_TIMEOUT_S).until(
        lambda current: current.execute_script("return document.body.dataset.rendered") == "true"
    )
    assert page.execute_script(SHOWN_TRACE) == SECOND

    # Its conversation's turns, one click away.
    page.find_element(By.CSS_SELECTOR, "#traces .show-session").click()
    (chat_42,) = page.execute_script(SESSIONS)
    assert [turn[1] for turn in chat_42["turns"]] == [FIRST, SECOND, THIRD]


def test_the_keyboard_moves_through_traces_spans_and_views(page):
    _press(page, "j")
    assert page.execute_script(SHOWN_TRACE) == THIRD
    _press(page, "j", Keys.ARROW_DOWN)
    assert page.execute_script(SHOWN_TRACE) == SECOND
    _press(page, "k")
    assert page.execute_script(SHOWN_TRACE) == INDEXING
    _press(page, "k", "k", "k")  # stops at the first
    assert page.execute_script(SHOWN_TRACE) == HOSTILE_TRACE
    _press(page, "j", "j", "j")

    details = page.find_element(By.ID, "details")
    _press(page, "n")
    assert details.get_attribute("data-span-id") == "3300000000000001"
    _press(page, "n", "n")
    assert details.get_attribute("data-span-id") == "3300000000000003"
    _press(page, "p")
    assert details.get_attribute("data-span-id") == "3300000000000002"
    assert details.is_displayed()
    _press(page, Keys.ESCAPE)
    assert not details.is_displayed()

    _press(page, "s")
    assert page.find_element(By.ID, "view-sessions").get_attribute("aria-pressed") == "true"
    _press(page, "s")
    assert page.find_element(By.ID, "view-traces").get_attribute("aria-pressed") == "true"

    _press(page, "/")
    assert page.switch_to.active_element.get_attribute("id") == "search"
    # Typed into the box, "s" and "p" are text, not keys of the page.
    page.switch_to.active_element.send_keys("scripted-model")
    assert _listed(page) == [CRITIC]
    page.switch_to.active_element.send_keys(Keys.ENTER)
    assert page.execute_script(SHOWN_TRACE) == CRITIC

    keys = page.find_element(By.ID, "keys")
    assert not keys.is_displayed()
    _press(page, "?")
    assert keys.is_displayed()
    assert "next / previous trace" in keys.text
    _press(page, Keys.ESCAPE)
    assert not keys.is_displayed()
    assert _severe(page) == []


def test_cost_figures_are_the_price_tables(page):
    page.find_element(By.CSS_SELECTOR, f'.trace-row[data-trace-id="{SECOND}"]').click()
    _open_span(page, "3300000000000002")
    facts = page.find_element(By.CSS_SELECTOR, "#details .cost-facts")

    # (2000 - 500) x $2 + 500 x $1 + 100 x $8 per million tokens.
    assert page.execute_script(FACTS, facts) == [
        ["cost", "$0.0043"],
        ["priced as", "openai test-gpt, price of 2025-11-01"],
        [
            "computed",
            "1,500 input \u00d7 $2.00/M + 500 cache-read input \u00d7 $1.00/M + 100 output "
            "\u00d7 $8.00/M",
        ],
        ["price source", "the tests' contract"],
    ]
    label = page.find_element(By.CSS_SELECTOR, '#traces .row[data-span-id="3300000000000002"]')
    assert label.find_element(By.CSS_SELECTOR, ".bar-label .cost").text == "$0.0043"

    page.find_element(By.CSS_SELECTOR, f'.trace-row[data-trace-id="{CRITIC}"]').click()
    _open_span(page, "2200000000000003")
    facts = page.find_element(By.CSS_SELECTOR, "#details .cost-facts")
    assert page.execute_script(FACTS, facts) == [
        ["cost", "unknown"],
        ["unknown because", "no price for scripted-model"],
    ]
    _open_span(page, "2200000000000001")
    facts = page.find_element(By.CSS_SELECTOR, "#details .cost-facts")
    assert page.execute_script(FACTS, facts) == [
        ["cost", "$0.0006 + unknown"],
        ["model calls under it", "1 priced, 1 of unknown cost"],
    ]


def test_hostile_values_are_shown_as_text_and_run_nothing(page):
    # The hostile trace is the newest: shown as the page opens.
    root = page.find_element(By.CSS_SELECTOR, f'.trace-row[data-trace-id="{HOSTILE_TRACE}"] .root')
    # The right-to-left override is drawn as an escape: it reverses nothing.
    assert root.text == "invoke_agent \\u202etxt.exe"
    assert "\u202e" not in page.execute_script("return document.body.innerText")
    row = f'.trace-row[data-trace-id="{HOSTILE_TRACE}"]'
    agents = page.find_element(By.CSS_SELECTOR, f"{row} .agents")
    assert agents.text == HOSTILE

    _open_span(page, "6600000000000002")
    message = page.find_element(
        By.CSS_SELECTOR, '.content-block[data-key="gen_ai.input.messages"] .part-text'
    )
    assert message.text == HOSTILE_MESSAGE
    assert page.find_element(By.CSS_SELECTOR, "#details .details-name").text == HOSTILE
    note = page.find_element(By.CSS_SELECTOR, '#details .attributes .kv-item[data-key="note"]')
    assert note.find_element(By.CLASS_NAME, "kv-value").text == HOSTILE_VALUE
    assert page.find_element(By.CSS_SELECTOR, "#details .event-name").text == "</script>"
    page.find_element(By.ID, "view-sessions").click()
    head = page.find_element(By.CSS_SELECTOR, "#list .session-row .session-id")
    assert head.text == HOSTILE_CONVERSATION

    scripts = page.execute_script(
        "return Array.from(document.scripts).map(function (s) { return s.type; });"
    )
    assert scripts.count("") == 1 and scripts.count("application/json") == 7
    for tag in ("img", "svg", "iframe", "object"):
        assert page.execute_script(f"return document.querySelectorAll('{tag}').length") == 0
    assert page.execute_script("return window.__alerts") == []
    assert _severe(page) == []
