"""Pure helpers of the dlt comparison in the landing benchmark: ratios, child settings, markdown."""

import pytest

from metrics_pipeline.bench.__main__ import render_landing_markdown
from metrics_pipeline.bench.dlt_landing import (
    ARROW_TYPES,
    NOT_INSTALLED,
    child_env,
    dlt_credentials,
    dlt_figures,
    dlt_ratios,
    landing_column_names,
    not_measured,
    parse_child_result,
    render_dlt_markdown,
)
from metrics_pipeline.sources.media_partner.parse import EXPECTED_COLUMNS, LANDING_SCHEMA


def test_ratios_are_dlt_over_ours_and_over_bare_copy():
    ratios = dlt_ratios(
        dlt_seconds=30.0, landing_seconds=12.0, bare_copy_seconds=10.0, dlt_peak_rss_mb=300.0, landing_peak_rss_mb=200.0
    )
    assert ratios == {"dlt_vs_landing_time": 2.5, "dlt_vs_bare_copy_time": 3.0, "dlt_vs_landing_peak_rss": 1.5}


def test_figures_take_the_best_time_and_the_highest_memory_of_the_rounds():
    figures = dlt_figures(
        rows=1_000_000,
        seconds=[25.0, 20.0],
        peak_rss_mb=[300.0, 350.0],
        landing_seconds=10.0,
        bare_copy_seconds=8.0,
        landing_peak_rss_mb=175.0,
        versions={"dlt": "1.31.0", "pyarrow": "26.0.1"},
    )
    assert figures["measured"] and figures["seconds"] == 20.0 and figures["rows_per_second"] == 50_000
    assert figures["peak_rss_mb"] == 350.0
    assert figures["dlt_vs_landing_time"] == 2.0 and figures["dlt_vs_bare_copy_time"] == 2.5
    assert figures["dlt_vs_landing_peak_rss"] == 2.0
    assert figures["loader_file_format"] == "csv"


def test_dlt_columns_are_the_landing_tables_names_and_types():
    names = landing_column_names(EXPECTED_COLUMNS)
    assert set(names) <= set(LANDING_SCHEMA)
    assert "report_date" in names and "reported_ctr" in names
    typed = dict(zip(names, ARROW_TYPES.values(), strict=True))
    assert typed["report_date"] == "date32" and typed["impressions"] == "int64"
    assert typed["conversion_revenue"].startswith("decimal128")  # money never as float


def test_the_child_is_pointed_at_the_bench_database_kept_off_the_network_and_out_of_home(tmp_path):
    url = "host=127.0.0.1 port=5432 user=u dbname=metrics_bench"
    env = child_env({"PATH": "/bin", "HOME": "/root"}, url, tmp_path)
    assert env["DESTINATION__POSTGRES__CREDENTIALS"] == "postgresql://u:@127.0.0.1:5432/metrics_bench"
    assert env["METRICS_DATABASE_URL"] == url
    assert env["RUNTIME__DLTHUB_TELEMETRY"] == "false"
    assert env["NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION"] == "true"
    assert env["DLT_DATA_DIR"] == str(tmp_path) and env["PATH"] == "/bin"


def test_markdown_shows_both_ratios():
    figures = dlt_figures(
        rows=200_000,
        seconds=[4.0],
        peak_rss_mb=[400.0],
        landing_seconds=2.0,
        bare_copy_seconds=1.0,
        landing_peak_rss_mb=200.0,
        versions={"dlt": "1.31.0", "pyarrow": "26.0.1"},
    )
    text = "\n".join(render_dlt_markdown(figures))
    assert "| dlt time / our landing's | **2.00** |" in text
    assert "| dlt time / bare COPY's | **4.00** |" in text
    assert "400 MB (2.00 of our landing's)" in text
    assert "dlt 1.31.0 (pyarrow 26.0.1): Arrow batches, loader file format `csv` uncompressed, COPY" in text


def test_without_dlt_the_figure_says_not_measured_and_why():
    assert not_measured() == {"measured": False, "reason": NOT_INSTALLED}
    text = "\n".join(render_dlt_markdown(not_measured()))
    assert "not measured: dlt not installed" in text and "make bench" in text
    failed = "\n".join(render_dlt_markdown(not_measured("not measured: the dlt load failed (exit 1)")))
    assert "dlt not measured: the dlt load failed (exit 1)." in failed and "pip install" not in failed


def _landing(**extra):
    return {
        "rows": 200_000,
        "file_bytes": 20_000_000,
        "bare_copy_seconds": 1.0,
        "bare_copy_rows_per_second": 200_000,
        "landing_seconds": 1.5,
        "landing_rows_per_second": 133_333,
        "landing_vs_bare_copy": 0.667,
        "landing_peak_rss_mb": 200.0,
        "larger_file_rows": 800_000,
        "larger_file_bytes": 80_000_000,
        "larger_file_peak_rss_mb": 200.0,
        "block_bytes": 2 * 1024 * 1024,
        "rounds": 2,
        **extra,
    }


def test_the_landing_section_includes_dlt_when_recorded_and_reads_older_results_without_it():
    assert "### dlt" in "\n".join(render_landing_markdown(_landing(dlt=not_measured())))
    assert "### dlt" not in "\n".join(render_landing_markdown(_landing()))


@pytest.mark.parametrize("name", ["date", "ctr"])
def test_only_the_two_differently_named_columns_are_renamed(name):
    assert landing_column_names([name]) != [name]
    assert landing_column_names(["impressions"]) == ["impressions"]


def test_the_figures_are_the_childs_last_stdout_line():
    # dlt may print lines of its own first
    stdout = b'some dlt log line\n{"seconds": 1.5, "loaded": 10, "peak_rss_mb": 99.0}\n'
    assert parse_child_result(stdout) == (1.5, 99.0, 10)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # what with_database gives the bench: a key=value string, no password (trust auth)
        (
            "host=127.0.0.1 port=5432 user=postgres dbname=metrics_bench",
            "postgresql://postgres:@127.0.0.1:5432/metrics_bench",
        ),
        # characters that mean something in a URL are escaped
        ("postgresql://loader:p%40ss%2Fw@db.local:6543/wh", "postgresql://loader:p%40ss%2Fw@db.local:6543/wh"),
        # the embedded server listens on a Unix socket: its directory goes in the query string
        (
            "host=/work/.pgdata port=5432 user=postgres dbname=metrics_bench",
            "postgresql://postgres:@/metrics_bench?host=%2Fwork%2F.pgdata&port=5432",
        ),
        # other libpq options are kept
        ("host=h port=5 user=u dbname=d sslmode=require", "postgresql://u:@h:5/d?sslmode=require"),
    ],
)
def test_dlt_credentials_are_a_url_dlt_accepts(url, expected):
    assert dlt_credentials(url) == expected
