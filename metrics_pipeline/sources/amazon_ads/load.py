"""Land one day of Amazon Ads exports: every brand's search-term reports (each format) and sales
files for that day, in one transaction.

Per file the unit of replacement is (brand, format, day) for a search-term report and
(brand, day) for a sales file: its landed and quarantined rows are deleted and the file is
COPYed in again, so reruns never duplicate or lose rows. Every format's rows land as they
are (source-faithful); which format counts for a keyword-day is decided downstream by the
documented precedence (formats.FORMAT_PRECEDENCE), and each losing file's log row says how
many of its keyword-days were superseded and by which format. A file that cannot be read
(wrong header, unknown brand) fails on its own and leaves its previously landed rows alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg

from metrics_pipeline.config import PipelineConfig
from metrics_pipeline.landing.exports import ExportObject, ExportsStore, objects_by_day
from metrics_pipeline.landing.ingestion import (
    copy_frame,
    fail_attempts,
    finish_attempt,
    read_sql,
    replace_rejections,
    start_attempt,
)
from metrics_pipeline.sources.amazon_ads.formats import FORMAT_PRECEDENCE
from metrics_pipeline.sources.amazon_ads.parse import (
    EXPORTS_PREFIX,
    SOURCE,
    ExportFileError,
    ParsedReport,
    ReportFile,
    parse_report,
    parse_report_key,
)

SQL_DIR = Path(__file__).parent / "sql"
KEYWORD_TABLE = "raw_amazon_ads.keyword_reports"
SALES_TABLE = "raw_amazon_ads.sales_reports"
__all__ = ["EXPORTS_PREFIX", "land_days", "land_day", "list_reports"]


@dataclass(frozen=True)
class FileOutcome:
    file: str
    brand_slug: str
    folder: str  # amazon | helium10 | zonguru | sales
    status: str  # completed | partial | failed
    processed: int = 0
    loaded: int = 0
    rejected: int = 0
    superseded_keyword_days: int = 0
    message: str | None = None


@dataclass
class DayOutcome:
    partition_key: str
    files: list[FileOutcome] = field(default_factory=list)
    removed_rows: int = 0

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def failed_files(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "failed"]


@dataclass(frozen=True)
class _Attempt:
    export: ExportObject
    report_file: ReportFile
    log_id: int
    parsed: ParsedReport | None = None
    error: str | None = None


def reports_by_day(objects: Iterable[ExportObject]) -> dict[date, list[tuple[ExportObject, ReportFile]]]:
    """Group Amazon export objects by report day; keys outside the layout are skipped."""
    return objects_by_day(objects, parse_report_key, lambda info: info.report_date)


def list_reports(store: ExportsStore) -> dict[date, list[tuple[ExportObject, ReportFile]]]:
    return reports_by_day(store.list(EXPORTS_PREFIX))


def land_day(
    url: str,
    store: ExportsStore,
    config: PipelineConfig,
    day: date,
    files: list[tuple[ExportObject, ReportFile]],
    *,
    run_id: str,
    log: Callable[[str], None] = lambda message: None,
    detail: Callable[[str], None] = lambda message: None,
) -> DayOutcome:
    partition_key = day.isoformat()
    attempts: list[_Attempt] = []
    for obj, report_file in files:
        log_id = start_attempt(url, source=SOURCE, partition_key=partition_key, target=obj.uri, run_id=run_id)
        try:
            attempts.append(_read_and_validate(store, config, obj, report_file, log_id, run_id))
        except Exception as exc:  # storage unreachable, say: nothing of the day is landed
            attempts.append(_Attempt(obj, report_file, log_id))
            fail_attempts(url, [a.log_id for a in attempts], f"{type(exc).__name__}: {exc}")
            raise
    outcome = DayOutcome(partition_key)
    try:
        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute(read_sql(SQL_DIR, "lock_partition"), {"partition_key": partition_key})
            [(removed,)] = conn.execute(
                read_sql(SQL_DIR, "delete_days_of_vanished_files"),
                {
                    "report_date": day,
                    "present_folders": sorted({f"{a.report_file.brand_slug}/{a.report_file.folder}" for a in attempts}),
                },
            ).fetchall()
            outcome.removed_rows = int(removed)
            conn.execute(
                read_sql(SQL_DIR, "delete_rejections_of_vanished_files"),
                {"partition_key": partition_key, "present_files": [a.export.uri for a in attempts]},
            )
            for attempt in attempts:
                _write_rows(conn, attempt, partition_key)
            # Only once every file of the day is in can a file know what beat it.
            superseded = _superseded_by_file(conn, day)
            for attempt in attempts:
                outcome.files.append(_finish(conn, attempt, superseded.get(attempt.export.uri, [])))
    except Exception as exc:
        # The data transaction rolled back: nothing of this day changed. Say so in every log row.
        fail_attempts(url, [a.log_id for a in attempts], f"{type(exc).__name__}: {exc}")
        raise
    for file_outcome in outcome.files:
        (log if file_outcome.status != "completed" else detail)(_describe(partition_key, file_outcome))
    if outcome.removed_rows:
        log(f"{partition_key}: removed {outcome.removed_rows} rows of files no longer in the exports root")
    return outcome


def _read_and_validate(
    store: ExportsStore,
    config: PipelineConfig,
    obj: ExportObject,
    report_file: ReportFile,
    log_id: int,
    run_id: str,
) -> _Attempt:
    try:
        client = config.amazon_brand(report_file.brand_slug)
        if client is None or client.amazon is None:
            raise ExportFileError(
                obj.uri,
                f"unknown Amazon brand {report_file.brand_slug!r}: give a client of {config.source_path} "
                f"an `amazon:` section with brand_slug {report_file.brand_slug}",
            )
        parsed = parse_report(
            store.read_bytes(obj.key),
            report_file,
            brand_currency=client.amazon.currency,
            source_file=obj.uri,
            run_id=run_id,
        )
    except ExportFileError as exc:
        return _Attempt(obj, report_file, log_id, error=str(exc))
    return _Attempt(obj, report_file, log_id, parsed=parsed)


def _write_rows(conn: psycopg.Connection, attempt: _Attempt, partition_key: str) -> None:
    if attempt.parsed is None:
        return
    report_file = attempt.report_file
    if report_file.is_sales:
        conn.execute(
            read_sql(SQL_DIR, "delete_sales_report_day"),
            {"brand_slug": report_file.brand_slug, "report_date": report_file.report_date},
        )
        copy_frame(conn, SALES_TABLE, attempt.parsed.rows)
    else:
        conn.execute(
            read_sql(SQL_DIR, "delete_keyword_report_day"),
            {
                "brand_slug": report_file.brand_slug,
                "source_format": report_file.folder,
                "report_date": report_file.report_date,
            },
        )
        copy_frame(conn, KEYWORD_TABLE, attempt.parsed.rows)
    replace_rejections(
        conn,
        source=SOURCE,
        partition_key=partition_key,
        source_file=attempt.export.uri,
        log_id=attempt.log_id,
        rejections=attempt.parsed.rejections,
    )


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


def _finish(conn: psycopg.Connection, attempt: _Attempt, superseded: list[tuple[str, int]]) -> FileOutcome:
    report_file = attempt.report_file
    if attempt.parsed is None:
        finish_attempt(conn, attempt.log_id, status="failed", message=attempt.error)
        return FileOutcome(
            attempt.export.uri, report_file.brand_slug, report_file.folder, "failed", message=attempt.error
        )
    parsed = attempt.parsed
    messages = [f"row {r.row_number}: {r.reason}" for r in parsed.rejections[:5]]
    if len(parsed.rejections) > 5:
        messages.append(f"and {len(parsed.rejections) - 5} more in ops.rejected_rows")
    if superseded_text := superseded_message(superseded):
        messages.append(superseded_text)
    message = "; ".join(messages) or None
    finish_attempt(
        conn,
        attempt.log_id,
        status=parsed.status,
        processed=parsed.processed,
        loaded=parsed.rows.height,
        rejected=len(parsed.rejections),
        message=message,
    )
    return FileOutcome(
        attempt.export.uri,
        report_file.brand_slug,
        report_file.folder,
        parsed.status,
        parsed.processed,
        parsed.rows.height,
        len(parsed.rejections),
        sum(count for _, count in superseded),
        message,
    )


def _describe(partition_key: str, outcome: FileOutcome) -> str:
    if outcome.status == "failed":
        return f"{partition_key}: FAILED {outcome.message}"  # the message names the file
    text = f"{partition_key}: {outcome.file}: {outcome.loaded} rows landed"
    if outcome.message:
        text += f" ({outcome.message})"
    return text


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
    available = list_reports(store)
    outcomes = []
    for position, day in enumerate(days, start=1):
        files = available.get(day, [])
        outcome = land_day(url, store, config, day, files, run_id=run_id, log=log, detail=detail)
        outcomes.append(outcome)
        if files:
            log(
                f"[{position}/{len(days)}] {day.isoformat()}: {len(files)} Amazon file(s), "
                f"{outcome.loaded} rows landed, {outcome.rejected} quarantined, "
                f"{len(outcome.failed_files)} file(s) failed"
            )
    return outcomes
