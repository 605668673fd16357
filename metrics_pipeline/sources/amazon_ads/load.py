"""Land one day of Amazon Ads exports: every brand's search-term reports (each format) and sales
files for that day, in one transaction.

Each file replaces its own landed and quarantined rows (deleted, then the file is COPYed in
again), so reruns never duplicate or lose rows; one brand, folder and day can hold several
reports (Amazon's Sponsored Products, Brands and Display). Two files holding the same report
(brand, folder, ad type, day; for sales, brand and day), such as a .csv and an .xlsx download,
would count it twice: the second fails, naming the first. Every format's rows land as they
are (source-faithful); which format counts for a keyword-day is decided downstream by the
documented precedence (formats.FORMAT_PRECEDENCE), and each losing file's log row says how
many of its keyword-days were superseded and by which format. A file that cannot be read
(wrong header, unknown brand) fails on its own and leaves its previously landed rows alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

import psycopg

from metrics_pipeline.config import PipelineConfig
from metrics_pipeline.landing.exports import (
    ExportObject,
    ExportsStore,
    FileListing,
    IgnoredObject,
    list_by_day,
    read_checked,
)
from metrics_pipeline.landing.file_days import FileDayLanding, FileToLand, land_file_day, land_file_days
from metrics_pipeline.landing.ingestion import copy_frame, describe_rejections, read_sql, replace_rejections
from metrics_pipeline.landing.outcomes import FAILED, DayOutcome, FileOutcome
from metrics_pipeline.sources.amazon_ads import SOURCE as DECLARATION
from metrics_pipeline.sources.amazon_ads.formats import FORMAT_PRECEDENCE
from metrics_pipeline.sources.amazon_ads.parse import (
    EXPORTS_PREFIX,
    SOURCE,
    ExportFileError,
    ReportFile,
    parse_report,
    parse_report_key,
)

SQL_DIR = Path(__file__).parent / "sql"
KEYWORDS, SALES = "keyword_reports", "sales_reports"
__all__ = ["EXPORTS_PREFIX", "land_days", "land_day", "list_reports"]


def reports_by_day(objects: Iterable[ExportObject]) -> FileListing[ReportFile]:
    """Amazon export objects by report day, and the keys outside the layout."""
    return list_by_day(objects, parse_report_key, lambda info: info.report_date, DECLARATION.layout)


def list_reports(store: ExportsStore) -> FileListing[ReportFile]:
    return reports_by_day(store.list(EXPORTS_PREFIX))


def _table_of(report_file: ReportFile) -> str:
    return SALES if report_file.is_sales else KEYWORDS


def _landing(store: ExportsStore, config: PipelineConfig, run_id: str) -> FileDayLanding[ReportFile]:
    def remove_vanished(conn: psycopg.Connection, day: date, files, outcome: DayOutcome) -> None:
        [(removed,)] = conn.execute(
            read_sql(SQL_DIR, "delete_days_of_vanished_files"),
            {"report_date": day, "present_files": sorted(obj.uri for obj, _ in files)},
        ).fetchall()
        outcome.vanished_rows = int(removed)

    def write(conn: psycopg.Connection, file: FileToLand[ReportFile]) -> FileOutcome:
        obj, report_file = file.obj, file.info
        client = config.amazon_brand(report_file.brand_slug)
        if client is None or client.amazon is None:
            raise ExportFileError(
                obj.uri,
                f"unknown Amazon brand {report_file.brand_slug!r}: give a client of {config.source_path} "
                f"an `amazon:` section with brand_slug {report_file.brand_slug}",
            )
        parsed = parse_report(
            read_checked(store, obj),
            report_file,
            brand_currency=client.amazon.currency,
            source_file=obj.uri,
            run_id=run_id,
        )
        conn.execute(
            read_sql(SQL_DIR, "delete_sales_report_file" if report_file.is_sales else "delete_keyword_report_file"),
            {"source_file": obj.uri},
        )
        _refuse_a_second_file_of_one_report(conn, obj.uri, report_file, parsed.ad_type)
        copy_frame(conn, f"raw_amazon_ads.{_table_of(report_file)}", parsed.rows)
        replace_rejections(
            conn,
            source=SOURCE,
            partition_key=file.partition_key,
            source_file=obj.uri,
            log_id=file.log_id,
            rejections=parsed.rejections,
        )
        return FileOutcome(
            obj.uri,
            _table_of(report_file),
            parsed.status,
            parsed.processed,
            parsed.rows.height,
            len(parsed.rejections),
            message=describe_rejections(parsed.rejections[:5], len(parsed.rejections)),
            folder=report_file.folder,
        )

    def end(conn: psycopg.Connection, outcome: DayOutcome) -> None:
        # Only once every file of the day is in can a file know what beat it.
        superseded = _superseded_by_file(conn, date.fromisoformat(outcome.partition_key))
        for index, file_outcome in enumerate(outcome.files):
            beaten = superseded.get(file_outcome.file, [])
            if beaten and file_outcome.status != FAILED:
                message = "; ".join(filter(None, [file_outcome.message, superseded_message(beaten)]))
                outcome.files[index] = replace(
                    file_outcome, superseded=sum(count for _, count in beaten), message=message
                )

    return FileDayLanding(
        source=SOURCE,
        table_of=_table_of,
        write=write,
        remove_vanished=remove_vanished,
        end=end,
        # Each file replaces only its own rows (a folder and day may hold SP, SB and SD reports), so
        # the unit is the file: two keys that differ only in case (`.csv`, `.CSV`) both fail. A
        # .csv and an .xlsx of one report are caught by the report itself (the second fails).
        unit_of=lambda info: f"key in any letter case ({info.key.lower()})",
        what="Amazon",
    )


def _refuse_a_second_file_of_one_report(
    conn: psycopg.Connection, source_file: str, report_file: ReportFile, ad_type: str | None
) -> None:
    [(other,)] = conn.execute(
        read_sql(SQL_DIR, "other_sales_report_file" if report_file.is_sales else "other_keyword_report_file"),
        {
            "brand_slug": report_file.brand_slug,
            "source_format": report_file.folder,
            "ad_type": ad_type,
            "report_date": report_file.report_date,
            "source_file": source_file,
        },
    ).fetchall()
    if other is not None:
        what = "sales" if report_file.is_sales else f"{report_file.folder} {ad_type} search-term report"
        raise ExportFileError(
            source_file,
            f"holds the {what} of brand {report_file.brand_slug} for {report_file.report_date}, "
            f"which {other} already holds; keep one file per report and day (it would count twice)",
        )


def land_day(
    url: str,
    store: ExportsStore,
    config: PipelineConfig,
    day: date,
    files: list[tuple[ExportObject, ReportFile]],
    *,
    run_id: str,
    ignored: list[IgnoredObject] | None = None,
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
) -> DayOutcome:
    landing = _landing(store, config, run_id)
    return land_file_day(url, landing, day, files, ignored=ignored or (), run_id=run_id, log=log, detail=detail)


def _superseded_by_file(conn: psycopg.Connection, day: date) -> dict[str, list[tuple[str, int]]]:
    rows = conn.execute(
        read_sql(SQL_DIR, "superseded_keyword_days"), {"report_date": day, "precedence": list(FORMAT_PRECEDENCE)}
    ).fetchall()
    by_file: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for source_file, winning_format, count in rows:
        by_file[source_file].append((winning_format, int(count)))
    return by_file


def superseded_message(superseded: list[tuple[str, int]]) -> str | None:
    """What a losing file's log row says, e.g. '12 keyword-day(s) superseded by amazon'."""
    if not superseded:
        return None
    parts = ", ".join(f"{count} keyword-day(s) superseded by {winner}" for winner, count in superseded)
    return f"{parts} (precedence {' > '.join(FORMAT_PRECEDENCE)}; rows kept in raw, not counted)"


def land_days(
    url: str,
    store: ExportsStore,
    config: PipelineConfig,
    days: list[date],
    *,
    run_id: str,
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
) -> list[DayOutcome]:
    """Land each day in turn (one transaction per day), listing the exports root once."""
    landing = _landing(store, config, run_id)
    return land_file_days(url, landing, list_reports(store), days, run_id=run_id, log=log, detail=detail)
