"""`python -m metrics_pipeline.bench [--size small|default|large]` (what `make bench` runs).

Measures on this machine and writes bench/results.json and bench/results.md. Runs in a
database of its own (`metrics_bench`) on the warehouse's server: METRICS_DATABASE_URL's,
else the embedded one. Nothing here is asserted on; the figures are for reading.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psycopg

from metrics_pipeline import warehouse
from metrics_pipeline.bench.celery_figure import measure_scale_out, scale_out_markdown
from metrics_pipeline.bench.databases import drop_database, fresh_database
from metrics_pipeline.bench.dlt_landing import render_dlt_markdown
from metrics_pipeline.bench.landing import figures_dict, measure_landing
from metrics_pipeline.bench.nightly import measure_nightly, render_nightly_markdown
from metrics_pipeline.bench.shopify_first_sync import measure_shopify_first_sync, render_shopify_markdown
from metrics_pipeline.bench.transform import measure_transform, render_transform_markdown

LANDING_ROWS = {"small": 200_000, "default": 2_000_000, "large": 5_000_000}
BENCH_DATABASE = "metrics_bench"
# What `make bench` measures, in this order; --parts picks some (a large run takes hours).
PARTS = ("landing", "transform", "nightly", "scale_out", "shopify")
PACKAGES = ("dagster", "dagster-dbt", "dbt-core", "dbt-postgres", "polars", "psycopg")


def machine() -> dict:
    memory_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def source_commit() -> str | None:
    """The commit measured, with "+changes" when the tree differs from it; None outside git."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=warehouse.PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=warehouse.PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{commit}+changes" if changed else commit


def render_markdown(results: dict) -> str:
    m = results["machine"]
    commit = f" of commit {results['commit']}" if results.get("commit") else ""
    lines = [
        "# Benchmark results",
        "",
        f"`make bench` (size `{results['size']}`){commit}, {results['measured_at']}.",
        "",
        f"- Machine: {m['platform']}, {m['cpus']} CPUs, {m['memory_gb']} GB; Python {m['python']}; "
        f"PostgreSQL {results['postgres']}",
        "- Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
    ]
    if "bench_seconds" in results:
        lines.append(
            f"- Whole run: {results['bench_seconds'] / 60:.1f} min; 1-minute load average "
            f"{results.get('load_average_at_start', '?')} at the start, "
            f"{results.get('load_average_at_end', '?')} at the end ({m['cpus']} CPUs)"
        )
    lines.append("")
    if "landing" in results:
        lines += render_landing_markdown(results["landing"])
    if "transform" in results:
        lines += render_transform_markdown(results["transform"])
    if "nightly" in results:
        lines += render_nightly_markdown(results["nightly"])
    if "scale_out" in results:
        lines += scale_out_markdown(results["scale_out"])
    if "shopify" in results:
        lines += render_shopify_markdown(results["shopify"])
    return "\n".join(lines)


def render_landing_markdown(landing: dict) -> list[str]:
    lines = [
        "## Landing: full path vs bare COPY (media-partner export, same rows, same Postgres)",
        "",
        "| figure | value |",
        "|---|---|",
        f"| rows / file size | {landing['rows']:,} / {landing['file_bytes'] / 1e6:.0f} MB |",
        f"| bare COPY | {landing['bare_copy_seconds']:.2f} s ({landing['bare_copy_rows_per_second']:,} rows/s) |",
        f"| landing (read, parse, validate, COPY, log) | {landing['landing_seconds']:.2f} s "
        f"({landing['landing_rows_per_second']:,} rows/s) |",
        f"| landing / bare COPY throughput (target ≥ 0.70) | **{landing['landing_vs_bare_copy']:.2f}** |",
        f"| peak RSS of the landing process | {landing['landing_peak_rss_mb']:.0f} MB |",
        f"| peak RSS, file 4x larger ({landing['larger_file_rows']:,} rows, "
        f"{landing['larger_file_bytes'] / 1e6:.0f} MB) | {landing['larger_file_peak_rss_mb']:.0f} MB |",
        f"| block size | {landing['block_bytes'] // (1024 * 1024)} MiB |",
        "",
        f"Best of {landing['rounds']} alternating rounds for each timing.",
        "",
    ]
    if "dlt" in landing:  # results from before the dlt comparison have none
        lines += render_dlt_markdown(landing["dlt"])
    return lines


def progress(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def parse_parts(text: str) -> tuple[str, ...]:
    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [part for part in chosen if part not in PARTS]
    if unknown or not chosen:
        raise SystemExit(f"--parts: choose from {', '.join(PARTS)} (got {text!r})")
    return tuple(part for part in PARTS if part in chosen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrics_pipeline.bench", description=__doc__)
    parser.add_argument("--size", choices=sorted(LANDING_ROWS), default="default")
    parser.add_argument("--out", type=Path, default=warehouse.PROJECT_ROOT / "bench")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)} (default: all)"
    )
    args = parser.parse_args(argv)
    parts = parse_parts(args.parts)
    server_url = warehouse.database_url()
    with psycopg.connect(server_url) as conn:
        postgres = conn.execute("show server_version").fetchone()[0]
    results = {
        "size": args.size,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": source_commit(),
        "machine": machine(),
        "postgres": postgres,
        # other work on the machine inflates every timing: the load says how much there was
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }
    work_dir = Path(tempfile.mkdtemp(prefix="metrics-bench-"))
    started = time.perf_counter()
    try:
        if "landing" in parts:
            progress("== landing: full path vs bare COPY vs dlt")
            url = fresh_database(server_url, BENCH_DATABASE)
            results["landing"] = figures_dict(measure_landing(url, work_dir, LANDING_ROWS[args.size], log=progress))
        if "transform" in parts:
            progress("== transform: full vs incremental dbt builds at 1 and 2 years of history")
            (work_dir / "transform").mkdir()
            results["transform"] = measure_transform(server_url, args.size, progress, work_dir / "transform")
        if "nightly" in parts:
            progress("== nightly: the daily_pipeline job end to end on agency-scale history")
            (work_dir / "nightly").mkdir()
            results["nightly"] = measure_nightly(server_url, args.size, progress, work_dir / "nightly")
        if "scale_out" in parts:
            # Skipped (and says why) when no Celery broker answers; the other figures stand either way.
            progress("== scale-out: the nightly job on two Celery workers vs in one process")
            results["scale_out"] = measure_scale_out(server_url, log=progress)
        if "shopify" in parts:
            progress("== shopify: a first sync by bulk operation vs page by page")
            (work_dir / "shopify").mkdir()
            results["shopify"] = measure_shopify_first_sync(server_url, args.size, progress, work_dir / "shopify")
        results["bench_seconds"] = round(time.perf_counter() - started, 1)
        results["load_average_at_end"] = round(os.getloadavg()[0], 2)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
        if "landing" in parts:
            drop_database(server_url, BENCH_DATABASE)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.out / "results.md").write_text(render_markdown(results), encoding="utf-8")
    print(render_markdown(results))
    print(f"written: {args.out / 'results.json'}, {args.out / 'results.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
