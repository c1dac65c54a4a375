"""``otelscope show``: the list, one trace's tree, the HTML page, and the errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from otelscope.store import LocalStoreSpanExporter
from otelscope.store.index_db import INDEX_FILE_NAME
from otelscope.store.otlp_json import encode_line
from tests.cli.launches import clean_environment, otelscope
from tests.cli.stores import FAILED_TRACE, WEATHER_TRACE, write_store
from tests.store.spans import plain_span

BIG_USAGE = {"gen_ai.usage.input_tokens": 1_234_567, "gen_ai.usage.output_tokens": 12_345_678}

LIST = f"""\
TRACE         START (UTC)     DURATION SPANS TOKENS I/O ERR  ROOT
{FAILED_TRACE[:12]}  01-02 03:05:05    1.50 s     2        0/0   2  invoke_agent Friday
{WEATHER_TRACE[:12]}  01-02 03:04:05   50.0 ms     4       24/8   0  invoke_agent Friday
"""

WEATHER_TREE = f"""\
trace {WEATHER_TRACE}  2025-01-02 03:04:05.000 UTC  service=shop  cost=$0.00014
invoke_agent Friday  50.0 ms  [model=gpt-4o, in=24, out=8, cost=$0.00014]
└── react step #1  39.0 ms  [finish=tool_calls]
    ├── chat gpt-4o  10.0 ms  [finish=tool_calls, in=24, out=8, cost=$0.00014]
    └── execute_tool get_weather  25.0 ms
"""

FAILED_TREE = f"""\
trace {FAILED_TRACE}  2025-01-02 03:05:05.000 UTC  service=shop  cost=unknown
invoke_agent Friday  1.50 s  [cost=unknown, error=builtins.ValueError (boom)]
└── chat gpt-4o  1.40 s  [cost=unknown, error=builtins.ValueError (boom)]
"""

NOT_FOUND_HINT = "(`otelscope show` lists the stored traces)"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    write_store(tmp_path / ".otelscope")
    return tmp_path


def test_list_shows_the_newest_trace_first(store: Path) -> None:
    result = otelscope("show", cwd=store)
    assert (result.returncode, result.stdout, result.stderr) == (0, LIST, "")


def test_list_is_cut_at_the_limit(store: Path) -> None:
    result = otelscope("show", "--limit", "1", cwd=store)
    assert result.stdout == "".join(LIST.splitlines(keepends=True)[:2]) + (
        "(the 1 newest of 2 traces; --limit N shows more)\n"
    )


@pytest.mark.parametrize(
    ("trace_id", "tree"),
    [(WEATHER_TRACE, WEATHER_TREE), ("4BF92", WEATHER_TREE), ("4bf9e", FAILED_TREE)],
)
def test_a_trace_id_or_unique_prefix_shows_its_tree(store: Path, trace_id, tree) -> None:
    result = otelscope("show", trace_id, cwd=store)
    assert (result.returncode, result.stdout, result.stderr) == (0, tree, "")


def test_store_option_and_environment_name_the_store(store: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    by_option = otelscope("show", "--store", store / ".otelscope", cwd=elsewhere)
    env = clean_environment(OTELSCOPE_STORE_DIR=str(store / ".otelscope"))
    by_environment = otelscope("show", cwd=elsewhere, env=env)
    assert by_option.stdout == by_environment.stdout == LIST


def test_html_writes_the_newest_trace_or_the_one_asked_for(store: Path) -> None:
    newest = otelscope("show", "--html", "newest.html", cwd=store)
    chosen = otelscope("show", "--html", "chosen.html", "4bf92", cwd=store)
    assert newest.stdout == f"wrote newest.html (trace {FAILED_TRACE}, 2 spans)\n"
    assert chosen.stdout == f"wrote chosen.html (trace {WEATHER_TRACE}, 4 spans)\n"
    newest_page = (store / "newest.html").read_text(encoding="utf-8")
    chosen_page = (store / "chosen.html").read_text(encoding="utf-8")
    assert newest_page.startswith("<!DOCTYPE html>")
    assert FAILED_TRACE in newest_page and WEATHER_TRACE not in newest_page
    assert WEATHER_TRACE in chosen_page and FAILED_TRACE not in chosen_page


def test_html_into_a_missing_directory_is_an_error(store: Path) -> None:
    result = otelscope("show", "--html", "no/such/dir/page.html", cwd=store)
    assert result.returncode == 1
    assert result.stderr == (
        "otelscope: error: cannot write no/such/dir/page.html: No such file or directory\n"
    )


def test_unknown_and_ambiguous_ids_are_errors(store: Path) -> None:
    unknown = otelscope("show", "5f", cwd=store)
    ambiguous = otelscope("show", "--html", "page.html", "4bf9", cwd=store)
    assert (unknown.returncode, unknown.stdout) == (1, "")
    assert unknown.stderr == f"otelscope: error: no trace id starts with '5f' {NOT_FOUND_HINT}\n"
    assert (ambiguous.returncode, ambiguous.stdout) == (1, "")
    assert ambiguous.stderr == (
        f"otelscope: error: 2 traces start with '4bf9': {WEATHER_TRACE}, {FAILED_TRACE} "
        f"{NOT_FOUND_HINT}\n"
    )
    assert not (store / "page.html").exists()


def test_a_missing_store_is_an_error_that_says_what_to_do(tmp_path: Path) -> None:
    result = otelscope("show", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"otelscope: error: no trace store at {tmp_path / '.otelscope'}: run a program with "
        "`otelscope run` to create one (or point OTELSCOPE_STORE_DIR at an existing store)\n"
    )


def test_an_empty_store_lists_nothing(tmp_path: Path) -> None:
    (tmp_path / ".otelscope").mkdir()
    listed = otelscope("show", cwd=tmp_path)
    page = otelscope("show", "--html", "page.html", cwd=tmp_path)
    assert (listed.returncode, listed.stdout) == (
        0,
        f"no traces in {tmp_path / '.otelscope'} yet\n",
    )
    assert (page.returncode, page.stderr) == (
        1,
        "otelscope: error: the store holds no traces to write a page of\n",
    )


def test_corrupt_lines_are_reported_once_and_skipped(store: Path) -> None:
    data = store / ".otelscope" / "traces.jsonl"
    with data.open("a", encoding="utf-8") as file:
        file.write("this is not json\n")
        file.write('{"resourceSpans": 5}\n')
    result = otelscope("show", cwd=store)
    assert (result.returncode, result.stdout) == (0, LIST)
    warning = f"otelscope: warning: skipped 2 unreadable lines in the store (first: {data}:2: "
    assert result.stderr.startswith(warning)
    assert result.stderr.count("\n") == 1


def test_the_list_fits_80_columns_and_cuts_long_root_names(tmp_path: Path) -> None:
    store = tmp_path / ".otelscope"
    long_name = "invoke_workflow a_pipeline_whose_name_goes_on_and_on"
    spans = [
        plain_span(
            0x7A01 << 112,
            1,
            long_name,
            {"gen_ai.operation.name": "chat", **BIG_USAGE},
            service="app",
        ),
        plain_span(0x7A02 << 112, 2, "invoke_agent Friday", service="app"),
    ]
    LocalStoreSpanExporter(store).export(spans)

    result = otelscope("show", cwd=tmp_path, env=clean_environment(COLUMNS="200"))
    narrow = otelscope("show", cwd=tmp_path)

    lines = narrow.stdout.splitlines()
    assert max(len(line) for line in lines) == 80
    assert lines[1].startswith("7a0200000000  ")
    assert lines[1].endswith("  invoke_agent Friday")
    assert lines[2].endswith("     1 1.2M/12.3M   0  invoke_workflow a_…")
    # A wider terminal gets the whole name.
    assert result.stdout.splitlines()[2].endswith(f"  {long_name}")


def test_a_damaged_index_is_rebuilt_and_the_answers_stay(store: Path) -> None:
    index = store / ".otelscope" / INDEX_FILE_NAME
    for companion in ("-wal", "-shm"):
        index.with_name(index.name + companion).unlink(missing_ok=True)
    index.write_bytes(b"garbage, not SQLite" * 50)

    listed = otelscope("show", cwd=store)
    tree = otelscope("show", "4bf92", cwd=store)

    assert (listed.returncode, listed.stdout, listed.stderr) == (0, LIST, "")
    assert (tree.returncode, tree.stdout) == (0, WEATHER_TREE)
    assert index.read_bytes().startswith(b"SQLite format 3\x00")


def test_a_trace_across_rotated_files_shows_whole(tmp_path: Path) -> None:
    store = tmp_path / ".otelscope"
    trace = 0x7B00
    spans = [
        plain_span(trace, 2, "chat gpt-4o", service="agent", parent_id=1),
        plain_span(trace, 3, "tools/call add", service="calc_server", parent_id=1),
        plain_span(trace, 1, "invoke_agent Calculator", service="agent"),
    ]
    one_line = len(encode_line(spans[:1]))
    for span in spans:
        LocalStoreSpanExporter(store, max_file_bytes=one_line + 10).export([span])
    trace_id = f"{trace:032x}"

    tree = otelscope("show", trace_id, cwd=tmp_path)
    page = otelscope("show", "--html", "page.html", trace_id, cwd=tmp_path)

    assert len(list(store.glob("traces*.jsonl"))) == 3
    assert tree.returncode == 0
    assert tree.stdout.splitlines()[1].startswith("invoke_agent Calculator")
    for name in ("chat gpt-4o", "tools/call add", "service=calc_server"):
        assert name in tree.stdout
    assert page.stdout == f"wrote page.html (trace {trace_id}, 3 spans)\n"
