"""The waterfall page in headless Chromium: what a person opening the file sees.

A screenshot of every run is kept in test-artifacts/ at the repository root.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from otelscope.store.records import SpanRecord
from otelscope.viewer.html import render_waterfall_html
from tests.viewer.browser import (
    RENDER_TIMEOUT_S,
    BrowserMissingError,
    alert_recording_chromium,
    open_waterfall,
    require_browser,
    take_screenshot,
)
from tests.viewer.traces import (
    CHAT_1_ID,
    FAILED_TOOL_ID,
    HOSTILE,
    HOSTILE_MESSAGE,
    INSTANT_TOOL_ID,
    OLDER_TRACE_ID,
    SERVED_TRACE_ID,
    TRACE_ID,
    agent_trace,
    older_trace,
    served_trace,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WIDTH, HEIGHT = 1280, 900
# From waterfall.css: the narrowest a bar gets, and the indentation per tree level.
MIN_BAR_WIDTH_PX = 3
INDENT_PX = 18
# Layout rounds to device pixels.
TOLERANCE_PX = 1.0

BAR_GEOMETRY = """
return Array.from(document.querySelectorAll('.bar')).map(function (bar) {
  var track = bar.parentElement.getBoundingClientRect();
  var box = bar.getBoundingClientRect();
  return {spanId: bar.dataset.spanId, left: box.left - track.left, width: box.width,
          trackWidth: track.width};
});
"""
NAME_POSITIONS = """
var positions = {};
document.querySelectorAll('.row').forEach(function (row) {
  positions[row.dataset.spanId] = row.querySelector('.span-name').getBoundingClientRect().left;
});
return positions;
"""


def _spans() -> list[SpanRecord]:
    return agent_trace() + older_trace()


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    yield from alert_recording_chromium(profile, width=WIDTH, height=HEIGHT)


@pytest.fixture(scope="module")
def page_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("waterfall") / "waterfall.html"
    path.write_text(render_waterfall_html(_spans(), title=HOSTILE), encoding="ascii")
    return path


@pytest.fixture(scope="module")
def served_page_path(tmp_path_factory) -> Path:
    """A trace across two services beside a single-service one."""
    path = tmp_path_factory.mktemp("waterfall") / "served.html"
    page = render_waterfall_html(served_trace() + agent_trace(), title="served")
    path.write_text(page, encoding="ascii")
    return path


@pytest.fixture
def page(driver, page_path):
    open_waterfall(driver, page_path)
    driver.get_log("browser")  # Start each test with an empty console.
    return driver


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def _open_details(page, element) -> None:
    element.click()
    WebDriverWait(page, RENDER_TIMEOUT_S).until(
        lambda current: current.find_element(By.ID, "details").is_displayed()
    )


def _attribute_shown(page, key: str) -> str:
    selector = f'#details .attributes .kv-item[data-key="{key}"] .kv-value'
    return page.find_element(By.CSS_SELECTOR, selector).text


# The details panel's Content section as data: each block's key and title,
# each message's role and each part's kind, label and text, as drawn.
CONTENT_SHOWN = """
return Array.from(document.querySelectorAll('#details .content-block')).map(function (block) {
  return {
    key: block.dataset.key,
    title: block.querySelector('.content-title').textContent,
    messages: Array.from(block.querySelectorAll('.message')).map(function (message) {
      var role = message.querySelector('.message-role');
      return {
        role: role ? role.textContent : null,
        parts: Array.from(message.querySelectorAll('.part')).map(function (part) {
          var label = part.querySelector('.part-label');
          var text = part.querySelector('.part-text');
          return [part.dataset.kind, label ? label.textContent : null,
                  text ? text.textContent : null];
        })
      };
    })
  };
});
"""


def test_a_screenshot_of_the_page_is_saved(page):
    png = _artifact("waterfall.png")
    png.unlink(missing_ok=True)

    assert page.save_screenshot(str(png))
    assert _png_size(png) == (WIDTH, HEIGHT)


def test_one_bar_per_span_placed_by_its_start_and_duration(page):
    bars = page.execute_script(BAR_GEOMETRY)
    spans = {span.span_id: span for span in _spans()}

    assert sorted(bar["spanId"] for bar in bars) == sorted(spans)
    for bar in bars:
        span = spans[bar["spanId"]]
        trace = [other for other in spans.values() if other.trace_id == span.trace_id]
        trace_start = min(other.start_unix_nano for other in trace)
        trace_duration = max(other.end_unix_nano for other in trace) - trace_start
        px_per_nano = bar["trackWidth"] / trace_duration
        expected_left = (span.start_unix_nano - trace_start) * px_per_nano
        expected_width = max(span.duration_nano * px_per_nano, MIN_BAR_WIDTH_PX)
        assert bar["width"] > 0
        assert bar["left"] == pytest.approx(expected_left, abs=TOLERANCE_PX), span.name
        assert bar["width"] == pytest.approx(expected_width, abs=TOLERANCE_PX), span.name
    (instant,) = [bar for bar in bars if bar["spanId"] == INSTANT_TOOL_ID]
    assert instant["width"] == pytest.approx(MIN_BAR_WIDTH_PX, abs=0.01)


def test_children_are_indented_one_level_deeper_than_their_parents(page):
    name_left = page.execute_script(NAME_POSITIONS)
    spans = _spans()
    shown_as_roots = [span.span_id for span in spans if span.parent_span_id not in name_left]

    for span in spans:
        if span.parent_span_id in name_left:
            indent = name_left[span.span_id] - name_left[span.parent_span_id]
            assert indent == pytest.approx(INDENT_PX, abs=0.5), span.name
    root_left = {name_left[span_id] for span_id in shown_as_roots}
    assert len(root_left) == 1
    # The embeddings span's parent is not in the data: a root, marked as such.
    assert "e000000000000002" in shown_as_roots
    orphan = page.find_element(By.CSS_SELECTOR, '.row[data-span-id="e000000000000002"] .orphan')
    assert orphan.text == "parent missing"


def test_traces_are_sections_newest_first(page):
    sections = page.find_elements(By.CSS_SELECTOR, "section.trace")

    assert [section.get_attribute("data-trace-id") for section in sections] == [
        TRACE_ID,
        OLDER_TRACE_ID,
    ]
    assert [section.find_element(By.CLASS_NAME, "trace-name").text for section in sections] == [
        "invoke_agent Friday",
        "invoke_workflow sequential_pipeline",
    ]


def test_the_failed_tool_is_red_with_its_error_type(page):
    error_bars = page.find_elements(By.CSS_SELECTOR, ".bar.error")
    row = page.find_element(By.CSS_SELECTOR, f'.row[data-span-id="{FAILED_TOOL_ID}"]')

    assert [bar.get_attribute("data-span-id") for bar in error_bars] == [FAILED_TOOL_ID]
    assert error_bars[0].value_of_css_property("background-color") == "rgba(220, 38, 38, 1)"
    assert row.find_element(By.CSS_SELECTOR, ".bar-label .error-type").text == "ValueError"
    assert row.find_element(By.CSS_SELECTOR, ".status-badge.error").text == "ERROR"


def test_clicking_the_chat_bar_shows_its_attributes(page):
    bar = page.find_element(By.CSS_SELECTOR, f'.bar[data-span-id="{CHAT_1_ID}"]')
    _open_details(page, bar)
    page.save_screenshot(str(_artifact("waterfall-details.png")))
    details = page.find_element(By.ID, "details")

    assert details.get_attribute("data-span-id") == CHAT_1_ID
    assert details.find_element(By.CLASS_NAME, "details-name").text == "chat scripted-model"
    assert _attribute_shown(page, "gen_ai.usage.input_tokens") == "24"
    assert _attribute_shown(page, "gen_ai.usage.output_tokens") == "8"
    assert _attribute_shown(page, "gen_ai.response.finish_reasons") == '["completed"]'
    facts = details.find_element(By.CSS_SELECTOR, '.facts .kv-item[data-key="span id"]')
    assert facts.find_element(By.CLASS_NAME, "kv-value").text == CHAT_1_ID
    resource = details.find_element(By.CSS_SELECTOR, '.resource [data-key="service.name"]')
    assert resource.find_element(By.CLASS_NAME, "kv-value").text == "weather-bot"

    page.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    assert not details.is_displayed()


def test_react_steps_show_their_round(page):
    names = [
        row.find_element(By.CLASS_NAME, "span-name").text
        for row in page.find_elements(By.CSS_SELECTOR, f'section[data-trace-id="{TRACE_ID}"] .row')
    ]
    assert names[1] == "react step #1"
    assert names[4] == "react step #2"
    step = page.find_element(By.CSS_SELECTOR, '.row[data-span-id="b000000000000002"]')
    _open_details(page, step)
    assert page.find_element(By.CLASS_NAME, "details-name").text == "react step #2"


def test_the_details_panel_lays_out_captured_messages(page):
    _open_details(page, page.find_element(By.CSS_SELECTOR, f'.bar[data-span-id="{CHAT_1_ID}"]'))
    page.save_screenshot(str(_artifact("waterfall-content.png")))

    assert page.execute_script(CONTENT_SHOWN) == [
        {
            "key": "gen_ai.system_instructions",
            "title": "system",
            "messages": [{"role": None, "parts": [["text", None, "Be brief."]]}],
        },
        {
            "key": "gen_ai.input.messages",
            "title": "input",
            "messages": [{"role": "user", "parts": [["text", None, HOSTILE_MESSAGE]]}],
        },
        {
            "key": "gen_ai.output.messages",
            "title": "output",
            "messages": [
                {
                    "role": "assistant",
                    "parts": [
                        ["text", None, "Checking."],
                        [
                            "tool_call",
                            "tool_call get_weather (call_1)",
                            '{\n  "city": "Paris"\n}',
                        ],
                    ],
                }
            ],
        },
    ]
    # Laid out above, so not repeated as one long string among the attributes.
    keys = page.execute_script(
        "return Array.from(document.querySelectorAll('#details .attributes .kv-item'))"
        ".map(function (item) { return item.dataset.key; });"
    )
    assert not [key for key in keys if key.endswith(("messages", "instructions"))]
    assert "gen_ai.request.model" in keys
    # The JSON as recorded is one click away.
    toggle = page.find_element(
        By.CSS_SELECTOR, '.content-block[data-key="gen_ai.system_instructions"] summary'
    )
    toggle.click()
    recorded = page.find_element(
        By.CSS_SELECTOR, '.content-block[data-key="gen_ai.system_instructions"] .recorded-text'
    )
    assert recorded.text == '[{"type": "text", "content": "Be brief."}]'


def test_a_script_in_a_message_is_shown_as_text_and_runs_nothing(page):
    _open_details(page, page.find_element(By.CSS_SELECTOR, f'.bar[data-span-id="{CHAT_1_ID}"]'))
    text = page.find_element(
        By.CSS_SELECTOR, '.content-block[data-key="gen_ai.input.messages"] .part-text'
    )

    assert text.text == HOSTILE_MESSAGE
    assert text.find_elements(By.XPATH, "./*") == []
    assert page.execute_script("return document.querySelectorAll('script').length") == 2
    assert page.execute_script("return document.querySelectorAll('img').length") == 0
    assert page.execute_script("return window.__alerts") == []
    assert [entry for entry in page.get_log("browser") if entry["level"] == "SEVERE"] == []


def test_the_hostile_value_is_shown_as_text_and_runs_nothing(page):
    row = page.find_element(By.CSS_SELECTOR, f'.row[data-span-id="{FAILED_TOOL_ID}"] .span-name')
    _open_details(page, row)
    arguments = page.find_element(
        By.CSS_SELECTOR, '.content-block[data-key="gen_ai.tool.call.arguments"] .part-text'
    )

    assert arguments.text == HOSTILE
    assert page.find_element(By.ID, "page-title").text == HOSTILE
    assert page.title == HOSTILE
    assert page.execute_script("return document.querySelectorAll('img').length") == 0
    assert page.execute_script("return window.__alerts") == []


def test_every_row_opens_without_script_errors(page):
    for row in page.find_elements(By.CSS_SELECTOR, ".row"):
        _open_details(page, row)
        assert page.find_element(By.ID, "details").get_attribute("data-span-id") == (
            row.get_attribute("data-span-id")
        )

    assert [entry for entry in page.get_log("browser") if entry["level"] == "SEVERE"] == []


SERVICE_LABELS = """
return Array.from(arguments[0].querySelectorAll('.row')).map(function (row) {
  var label = row.querySelector('.service-label');
  var name = row.querySelector('.span-name').getBoundingClientRect();
  var cell = row.querySelector('.tree-cell').getBoundingClientRect();
  var box = label ? label.getBoundingClientRect() : null;
  return {name: row.querySelector('.span-name').textContent, service: row.dataset.service,
          label: label ? label.textContent : null,
          afterName: box ? box.left >= name.right : null,
          inCell: box ? box.right <= cell.right && box.width > 0 : null};
});
"""


def test_rows_of_a_trace_across_services_name_their_service(driver, served_page_path):
    open_waterfall(driver, served_page_path)
    driver.get_log("browser")
    driver.save_screenshot(str(_artifact("waterfall-services.png")))
    served, single = (
        driver.find_element(By.CSS_SELECTOR, f'section.trace[data-trace-id="{trace_id}"]')
        for trace_id in (SERVED_TRACE_ID, TRACE_ID)
    )

    assert driver.execute_script(SERVICE_LABELS, served) == [
        {"name": name, "service": service, "label": service, "afterName": True, "inCell": True}
        for name, service in [
            ("invoke_agent Calculator", "weather-bot"),
            ("execute_tool add", "weather-bot"),
            ("tools/call add", "calc-server"),
            ("add", "calc-server"),
            ("chat scripted-model", "weather-bot"),
        ]
    ]
    assert served.find_element(By.CLASS_NAME, "trace-meta").text == (
        "20.0 ms \u00b7 5 spans \u00b7 services weather-bot, calc-server \u00b7 "
        f"2025-11-28 08:00:00.000000000 UTC \u00b7 trace {SERVED_TRACE_ID}"
    )
    # One service: the header names it, the rows do not repeat it.
    assert single.find_elements(By.CLASS_NAME, "service-label") == []
    assert (
        "\u00b7 service weather-bot \u00b7" in single.find_element(By.CLASS_NAME, "trace-meta").text
    )
    assert [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"] == []


def test_take_screenshot_writes_a_png_of_the_requested_size(page_path, tmp_path):
    png = tmp_path / "shots" / "page.png"

    take_screenshot(page_path, png, width=1000, height=700)

    assert _png_size(png) == (1000, 700)


def test_a_missing_browser_names_the_make_target(tmp_path):
    chromium, chromedriver = tmp_path / "chromium", tmp_path / "chromedriver"

    with pytest.raises(BrowserMissingError) as missing:
        require_browser(chromium, chromedriver)

    assert str(missing.value) == (
        f"{chromium} and {chromedriver} not found: run `make browser-deps` "
        "(installs Debian's chromium and chromium-driver)"
    )
