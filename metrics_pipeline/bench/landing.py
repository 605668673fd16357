"""Landing speed and memory: the full media-partner landing path against a bare COPY.

The same generated export is landed twice per round, alternately:
- `bare COPY`: Postgres parses the file straight into a table shaped like the landing
  table (same columns, constraints and indexes), nothing else;
- `landing`: what the pipeline does: read the file block by block, parse and validate in
  polars, COPY the valid rows, quarantine the rest, write the ingestion log, in one
  transaction that first deletes the partition.
Each landing runs in a child process, so its peak resident memory is its own; a file four
times larger shows whether memory follows the block size or the file size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path

import polars as pl
import psycopg
from psycopg import sql

from metrics_pipeline.bench import dlt_landing
from metrics_pipeline.sources.media_partner.parse import DEFAULT_BLOCK_BYTES, EXPECTED_COLUMNS

BENCH_DAY = date(2026, 9, 1)
CLIENT = "bench-client"
CONFIG = f"""
workspaces:
  - slug: bench
    name: Benchmark
    clients:
      - slug: {CLIENT}
        name: Benchmark Client
        media_partner: {{cpm_rates: [{{effective_from: 2026-01-01, cpm: "10.00"}}]}}
"""
BARE_SCHEMA, BARE_TABLE_NAME = "bench", "bare_copy"
BARE_TABLE = f"{BARE_SCHEMA}.{BARE_TABLE_NAME}"
# A Dagster run id's shape, so both sides store rows of the same width.
RUN_ID = "3f0c9a52-6f1e-4c8e-9a57-0d2b7e1c4a11"
# The bare table (and dlt's, bench/dlt_landing.py) is filled with exactly the rows the landing
# writes: the columns the file lacks get the same values from defaults, so every side stores and
# indexes the same bytes.
CREATE_SHAPED_TABLE = """
create schema if not exists {schema};
drop table if exists {table};
drop sequence if exists {sequence};
create table {table} (like raw_media_partner.daily_exports including all);
create sequence {sequence} start 2;
alter table {table}
    alter column client_slug set default {client},
    alter column source_file set default {source_file},
    alter column source_row_number set default nextval({sequence_name})::integer,
    alter column ingestion_run_id set default {run_id};
"""
# the file's columns, in the landing table's names
BARE_COLUMNS = (
    "report_date",
    "campaign_name",
    "strategy_name",
    "placement_name",
    "creative_name",
    "impressions",
    "clicks",
    "reported_ctr",
    "conversions",
    "conversion_revenue",
)


@dataclass(frozen=True)
class LandingFigures:
    rows: int
    file_bytes: int
    bare_copy_seconds: float
    landing_seconds: float
    bare_copy_rows_per_second: float
    landing_rows_per_second: float
    landing_vs_bare_copy: float  # landing throughput / bare COPY throughput
    block_bytes: int
    landing_peak_rss_mb: float
    larger_file_rows: int
    larger_file_bytes: int
    larger_file_peak_rss_mb: float
    rounds: int
    # the same export loaded by dlt (dlt_landing.py), or why it was not
    dlt: dict = field(default_factory=dlt_landing.not_measured)


def write_export(path: Path, rows: int, *, seed: int = 7) -> int:
    """A media-partner export of `rows` rows, every one valid, in the layout's CSV shape."""
    index = pl.int_range(0, rows, eager=True)
    frame = pl.DataFrame({"n": index}).select(
        pl.lit(BENCH_DAY.isoformat()).alias("date"),
        pl.format("Campaign {}, Always On", pl.col("n") % 40).alias("campaign_name"),
        pl.format("Strategy {}", pl.col("n") % 7).alias("strategy_name"),
        pl.format("Placement {}", pl.col("n") % 13).alias("placement_name"),
        pl.format("Creative {}", pl.col("n")).alias("creative_name"),
        ((pl.col("n") * 7919 + seed) % 50_000).alias("impressions"),
        ((pl.col("n") * 104_729 + seed) % 500).alias("clicks"),
        pl.lit("1.00%").alias("ctr"),
        ((pl.col("n") * 31 + seed) % 9).alias("conversions"),
        pl.format("{}.{}", (pl.col("n") * 13) % 900, ((pl.col("n") * 17) % 90 + 10)).alias("conversion_revenue"),
    )
    assert tuple(frame.columns) == EXPECTED_COLUMNS
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path)
    return path.stat().st_size


def create_shaped_table(conn: psycopg.Connection, schema: str, table: str, path: Path) -> None:
    """(Re)create `schema.table` shaped like the landing table, its missing columns defaulted."""
    sequence = f"{table}_row"
    conn.execute(
        sql.SQL(CREATE_SHAPED_TABLE).format(
            schema=sql.Identifier(schema),
            table=sql.Identifier(schema, table),
            sequence=sql.Identifier(schema, sequence),
            sequence_name=sql.Literal(f"{schema}.{sequence}"),
            client=sql.Literal(CLIENT),
            source_file=sql.Literal(str(path.resolve())),
            run_id=sql.Literal(RUN_ID),
        )
    )
    conn.commit()


def bare_copy_seconds(url: str, path: Path) -> float:
    with psycopg.connect(url) as conn:
        create_shaped_table(conn, BARE_SCHEMA, BARE_TABLE_NAME, path)
        started = time.perf_counter()
        with (
            conn.cursor().copy(
                f"copy {BARE_TABLE} ({', '.join(BARE_COLUMNS)}) from stdin with (format csv, header true)"
            ) as copy,
            path.open("rb") as source,
        ):
            while block := source.read(DEFAULT_BLOCK_BYTES):
                copy.write(block)
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute(f"drop table {BARE_TABLE}")
        conn.commit()
    return elapsed


def landing_in_child(url: str, exports_root: Path, config_path: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, rows landed) of the real landing, in a child process.

    The peak is the child's own VmHWM, read by the child: getrusage's figure for a child
    starts from the parent's size at fork, and this parent has just built the export.
    """
    completed = subprocess.run(
        [sys.executable, "-m", "metrics_pipeline.bench.landing", str(exports_root), str(config_path)],
        stdout=subprocess.PIPE,
        env={**os.environ, "METRICS_DATABASE_URL": url},
        check=True,
    )
    result = json.loads(completed.stdout)
    return result["seconds"], result["peak_rss_mb"], result["loaded"]


def peak_rss_mb() -> float:
    """This process's resident-set high-water mark (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def dlt_seconds(url: str, path: Path, work_dir: Path) -> tuple[float, float, int]:
    """One dlt load into a fresh table shaped like the landing table, as a first load."""
    with psycopg.connect(url) as conn:
        dlt_landing.drop_dataset(conn)
        create_shaped_table(conn, dlt_landing.DLT_DATASET, dlt_landing.DLT_TABLE, path)
    try:
        return dlt_landing.dlt_in_child(url, path, work_dir)
    finally:
        with psycopg.connect(url) as conn:
            dlt_landing.drop_dataset(conn)


def measure_landing(
    url: str, work_dir: Path, rows: int, *, rounds: int = 2, with_dlt: bool | None = None, log=print
) -> LandingFigures:
    if with_dlt is None:
        with_dlt = dlt_landing.dlt_installed()
    dlt_not_measured = "" if with_dlt else dlt_landing.NOT_INSTALLED
    if dlt_not_measured:
        log(f"landing: dlt {dlt_not_measured}")
    config_path = work_dir / "config.yaml"
    config_path.write_text(CONFIG, encoding="utf-8")
    exports_root = work_dir / "exports"
    export_path = exports_root / f"media_partner/{CLIENT}/{BENCH_DAY.isoformat()}.csv"
    log(f"landing: writing a {rows:,}-row export")
    file_bytes = write_export(export_path, rows)
    bare, landing, peak, dlt, dlt_peak = [], [], [], [], []
    for round_number in range(1, rounds + 1):
        bare.append(bare_copy_seconds(url, export_path))
        seconds, rss, loaded = landing_in_child(url, exports_root, config_path)
        if loaded != rows:
            raise RuntimeError(f"the landing loaded {loaded} rows of {rows}")
        landing.append(seconds)
        peak.append(rss)
        dlt_note = ""
        if not dlt_not_measured:
            try:
                dlt_time, dlt_rss, dlt_loaded = dlt_seconds(url, export_path, work_dir)
            except subprocess.CalledProcessError as error:
                # dlt's traceback is on stderr above; the figures of our own landing still stand
                dlt_not_measured = f"not measured: the dlt load failed (exit {error.returncode})"
                dlt_note = f", dlt {dlt_not_measured}"
            else:
                if dlt_loaded != rows:
                    raise RuntimeError(f"dlt loaded {dlt_loaded} rows of {rows}")
                dlt.append(dlt_time)
                dlt_peak.append(dlt_rss)
                dlt_note = f", dlt {dlt_time:.1f}s, peak RSS {dlt_rss:.0f} MB"
        log(
            f"landing: round {round_number}/{rounds}: bare COPY {bare[-1]:.1f}s, landing {seconds:.1f}s, "
            f"peak RSS {rss:.0f} MB{dlt_note}"
        )
    larger_rows = rows * 4
    log(f"landing: writing a {larger_rows:,}-row export (4x) for peak memory")
    larger_bytes = write_export(export_path, larger_rows)
    _, larger_rss, loaded = landing_in_child(url, exports_root, config_path)
    if loaded != larger_rows:
        raise RuntimeError(f"the landing loaded {loaded} rows of {larger_rows}")
    log(f"landing: 4x file peak RSS {larger_rss:.0f} MB")
    export_path.unlink()
    best_bare, best_landing = min(bare), min(landing)
    dlt_figures = (
        dlt_landing.dlt_figures(
            rows=rows,
            seconds=dlt,
            peak_rss_mb=dlt_peak,
            landing_seconds=best_landing,
            bare_copy_seconds=best_bare,
            landing_peak_rss_mb=max(peak),
            versions={name: _version(name) for name in ("dlt", "pyarrow")},
        )
        if not dlt_not_measured
        else dlt_landing.not_measured(dlt_not_measured)
    )
    return LandingFigures(
        rows=rows,
        file_bytes=file_bytes,
        bare_copy_seconds=round(best_bare, 3),
        landing_seconds=round(best_landing, 3),
        bare_copy_rows_per_second=round(rows / best_bare),
        landing_rows_per_second=round(rows / best_landing),
        landing_vs_bare_copy=round(best_bare / best_landing, 3),
        block_bytes=DEFAULT_BLOCK_BYTES,
        landing_peak_rss_mb=round(max(peak), 1),
        larger_file_rows=larger_rows,
        larger_file_bytes=larger_bytes,
        larger_file_peak_rss_mb=round(larger_rss, 1),
        rounds=rounds,
        dlt=dlt_figures,
    )


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def figures_dict(figures: LandingFigures) -> dict:
    return asdict(figures)


def _child(exports_root: str, config_path: str) -> None:
    from metrics_pipeline.config import load_config
    from metrics_pipeline.landing.exports import open_exports_store
    from metrics_pipeline.sources.media_partner.load import land_days

    url = os.environ["METRICS_DATABASE_URL"]
    config = load_config(config_path)
    store = open_exports_store(exports_root)
    started = time.perf_counter()
    [outcome] = land_days(url, store, config, [BENCH_DAY], run_id=RUN_ID)
    seconds = time.perf_counter() - started
    if outcome.failed_files:
        raise SystemExit(outcome.failed_files[0].message)
    print(json.dumps({"seconds": seconds, "loaded": outcome.loaded, "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])
