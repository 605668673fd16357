"""The same export loaded by dlt (dlthub.com), what a team might pick instead of our landing.

dlt runs its fastest Postgres path, as its Postgres destination page documents ("Fast loading
with Arrow tables and CSV"): the file is read into Arrow record batches by pyarrow, dlt writes
them out as CSV and streams that into Postgres with COPY, skipping its row-by-row normalizer.
Its intermediate files are left uncompressed (`data_writer.disable_compression`, from dlt's
"Optimizing dlt" page): gzip is on by default and cost dlt a third to a half of its time here.
Loading parquet through ADBC, its other fast path, measured no faster (2 million rows: 17-19 s
against 18-21 s) with twice the memory and one more package, so it is not the one compared.
The columns are typed as the landing table's (money as decimal, never float), and the rows go
into a table shaped exactly like the landing table (constraints, indexes, defaulted columns), so
every side stores the same bytes. dlt validates nothing beyond Arrow's type parsing, keeps no
quarantine and no ingestion log, and does not replace a day in one transaction; it adds steps of
its own (extract to files, normalize, load, its state tables). The ratios weigh the two paths as
a whole, not like for like.

dlt is a bench-only extra (`pip install -e '.[bench]'`, which `make bench` does). Without it the
figure is recorded as not measured. Each load runs in a child process, like the landing's, so
its peak resident memory is its own.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

from metrics_pipeline.sources.media_partner.parse import DEFAULT_BLOCK_BYTES, EXPECTED_COLUMNS

DLT_DATASET = "bench_dlt"
DLT_TABLE = "daily_exports"
DLT_PIPELINE = "metrics_bench_dlt"
LOADER_FILE_FORMAT = "csv"  # dlt's documented fast path into Postgres: Arrow -> CSV -> COPY
NOT_INSTALLED = "not measured: dlt not installed"
# The export's column names as the landing table spells them (the others are the same).
RENAMED_COLUMNS = {"date": "report_date", "ctr": "reported_ctr"}
# Arrow types per export column, matching raw_media_partner.daily_exports; money as decimal
# (numeric(20, 6) there), as a careful dlt user would declare it rather than let it infer float.
ARROW_TYPES = {
    "date": "date32",
    "campaign_name": "string",
    "strategy_name": "string",
    "placement_name": "string",
    "creative_name": "string",
    "impressions": "int64",
    "clicks": "int64",
    "ctr": "string",
    "conversions": "int64",
    "conversion_revenue": "decimal128(20, 6)",
}
assert tuple(ARROW_TYPES) == EXPECTED_COLUMNS


def dlt_installed() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("dlt", "pyarrow"))


def landing_column_names(columns: list[str] | tuple[str, ...]) -> list[str]:
    """The export's header in the landing table's column names."""
    return [RENAMED_COLUMNS.get(name, name) for name in columns]


def dlt_credentials(url: str) -> str:
    """The warehouse's libpq URL or key=value string as the postgresql:// URL dlt parses.

    dlt wants a password even when the server asks for none (an empty one will do), and puts
    the host straight into the URL: a Unix-socket directory (the embedded server's) goes in
    the query string instead, where libpq reads it.
    """
    from metrics_pipeline.warehouse import connection_params

    params = connection_params(url)
    user = quote(params.pop("user", os.environ.get("USER", "postgres")), safe="")
    password = quote(params.pop("password", ""), safe="")
    database = quote(params.pop("dbname", "postgres"), safe="")
    host = params.pop("host", "127.0.0.1")
    port = params.pop("port", "5432")
    if host.startswith("/"):
        authority, params = "", {"host": host, "port": port, **params}
    else:
        authority = f"{host}:{port}"
    query = f"?{urlencode(params)}" if params else ""
    return f"postgresql://{user}:{password}@{authority}/{database}{query}"


def child_env(base: dict[str, str], url: str, data_dir: Path) -> dict[str, str]:
    """The child's environment: the destination, and dlt kept off the network and out of ~/.dlt.

    dlt reads its configuration from environment variables named SECTION__KEY.
    """
    return {
        **base,
        "METRICS_DATABASE_URL": url,
        "DESTINATION__POSTGRES__CREDENTIALS": dlt_credentials(url),
        # dlt sends anonymous usage telemetry by default; a benchmark must not call out
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        # its fastest setting: the files it writes and COPYs again are not gzipped (on by default)
        "NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION": "true",
        # its working files and local state in the bench's temp dir, fresh for every load
        "DLT_DATA_DIR": str(data_dir),
        "DLT_PROJECT_DIR": str(data_dir),
    }


def dlt_ratios(
    *,
    dlt_seconds: float,
    landing_seconds: float,
    bare_copy_seconds: float,
    dlt_peak_rss_mb: float,
    landing_peak_rss_mb: float,
) -> dict[str, float]:
    """Time and memory of dlt over ours and over bare COPY: above 1 means dlt takes more."""
    return {
        "dlt_vs_landing_time": round(dlt_seconds / landing_seconds, 3),
        "dlt_vs_bare_copy_time": round(dlt_seconds / bare_copy_seconds, 3),
        "dlt_vs_landing_peak_rss": round(dlt_peak_rss_mb / landing_peak_rss_mb, 3),
    }


def dlt_figures(
    *,
    rows: int,
    seconds: list[float],
    peak_rss_mb: list[float],
    landing_seconds: float,
    bare_copy_seconds: float,
    landing_peak_rss_mb: float,
    versions: dict[str, str | None],
) -> dict:
    best = min(seconds)
    return {
        "measured": True,
        "dlt_version": versions.get("dlt"),
        "pyarrow_version": versions.get("pyarrow"),
        "loader_file_format": LOADER_FILE_FORMAT,
        "compression": False,
        "seconds": round(best, 3),
        "rows_per_second": round(rows / best),
        "peak_rss_mb": round(max(peak_rss_mb), 1),
        **dlt_ratios(
            dlt_seconds=best,
            landing_seconds=landing_seconds,
            bare_copy_seconds=bare_copy_seconds,
            dlt_peak_rss_mb=max(peak_rss_mb),
            landing_peak_rss_mb=landing_peak_rss_mb,
        ),
    }


def not_measured(reason: str = NOT_INSTALLED) -> dict:
    return {"measured": False, "reason": reason}


def render_dlt_markdown(dlt: dict) -> list[str]:
    title = "### dlt, same export, same Postgres, same table shape"
    if not dlt.get("measured"):
        reason = dlt.get("reason", NOT_INSTALLED)
        hint = " (`pip install -e '.[bench]'`, which `make bench` does)" if reason == NOT_INSTALLED else ""
        return [title, "", f"dlt {reason}{hint}.", ""]
    return [
        title,
        "",
        "| figure | value |",
        "|---|---|",
        f"| dlt {dlt['dlt_version']} (pyarrow {dlt['pyarrow_version']}): Arrow batches, loader file format "
        f"`{dlt['loader_file_format']}`{'' if dlt.get('compression', True) else ' uncompressed'}, COPY "
        f"| {dlt['seconds']:.2f} s ({dlt['rows_per_second']:,} rows/s) |",
        f"| dlt time / our landing's | **{dlt['dlt_vs_landing_time']:.2f}** |",
        f"| dlt time / bare COPY's | **{dlt['dlt_vs_bare_copy_time']:.2f}** |",
        f"| peak RSS of the dlt process | {dlt['peak_rss_mb']:.0f} MB "
        f"({dlt['dlt_vs_landing_peak_rss']:.2f} of our landing's) |",
        "",
        "Above 1, dlt takes longer (or more memory). dlt reads the file into Arrow, writes it out as "
        "CSV and COPYs that; it validates nothing beyond types, and keeps no quarantine or ingestion log.",
        "",
    ]


def dlt_in_child(url: str, export_path: Path, work_dir: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, rows in the table) of one dlt load, in a child process."""
    with tempfile.TemporaryDirectory(prefix="dlt-", dir=work_dir) as data_dir:
        completed = subprocess.run(
            [sys.executable, "-m", "metrics_pipeline.bench.dlt_landing", str(export_path)],
            stdout=subprocess.PIPE,
            env=child_env(dict(os.environ), url, Path(data_dir)),
            cwd=data_dir,
            check=True,
        )
    return parse_child_result(completed.stdout)


def parse_child_result(stdout: bytes) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, rows) from the child's last line: dlt may print lines of its own."""
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    return result["seconds"], result["peak_rss_mb"], result["loaded"]


def drop_dataset(conn) -> None:
    """dlt's tables and its own bookkeeping (_dlt_loads, _dlt_version, state), so each load is a first."""
    conn.execute(f"drop schema if exists {DLT_DATASET} cascade")
    conn.commit()


def _child(export_path: str) -> None:
    import dlt
    import psycopg
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    from metrics_pipeline.bench.landing import peak_rss_mb

    url = os.environ["METRICS_DATABASE_URL"]
    types = {
        "date32": pa.date32(),
        "string": pa.string(),
        "int64": pa.int64(),
        "decimal128(20, 6)": pa.decimal128(20, 6),
    }
    column_types = {name: types[kind] for name, kind in ARROW_TYPES.items()}

    @dlt.resource(name=DLT_TABLE, write_disposition="append")
    def export():
        with pa_csv.open_csv(
            export_path,
            read_options=pa_csv.ReadOptions(block_size=DEFAULT_BLOCK_BYTES),
            convert_options=pa_csv.ConvertOptions(column_types=column_types, strings_can_be_null=False),
        ) as reader:
            for batch in reader:
                yield batch.rename_columns(landing_column_names(batch.schema.names))

    pipeline = dlt.pipeline(
        pipeline_name=DLT_PIPELINE,
        destination="postgres",  # credentials from DESTINATION__POSTGRES__CREDENTIALS (child_env)
        dataset_name=DLT_DATASET,
    )
    started = time.perf_counter()
    pipeline.run(export(), loader_file_format=LOADER_FILE_FORMAT)
    seconds = time.perf_counter() - started
    with psycopg.connect(url) as conn:
        [loaded] = conn.execute(f"select count(*) from {DLT_DATASET}.{DLT_TABLE}").fetchone()
    print(json.dumps({"seconds": seconds, "loaded": loaded, "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    _child(sys.argv[1])
