"""Parse and validate one media-partner CSV export. Pure functions: bytes in, frames out.

Every cell is read as text first, so that one bad cell quarantines its row with a
reason instead of failing the file; the typed landing frame is then built by explicit
casts (`LANDING_SCHEMA`). Money stays a decimal string until Postgres parses it into
`numeric`: nothing passes through float.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

import polars as pl
from polars.exceptions import PolarsError

from metrics_pipeline.landing.exports import LandingFileError
from metrics_pipeline.landing.ingestion import Rejection
from metrics_pipeline.landing.storable import NUL_REASON, has_nul, too_many_integer_digits
from metrics_pipeline.landing.truncation import csv_cut_short, ends_without_line_break, last_row_cut_short

SOURCE = "media_partner"
EXPECTED_COLUMNS = (
    "date",
    "campaign_name",
    "strategy_name",
    "placement_name",
    "creative_name",
    "impressions",
    "clicks",
    "ctr",
    "conversions",
    "conversion_revenue",
)
NAME_COLUMNS = ("campaign_name", "strategy_name", "placement_name", "creative_name")
COUNT_COLUMNS = ("impressions", "clicks", "conversions")
MONEY_COLUMNS = ("conversion_revenue",)

# What lands in raw_media_partner.daily_exports, in this order.
LANDING_SCHEMA: dict[str, pl.DataType] = {
    "client_slug": pl.String(),
    "report_date": pl.Date(),
    "campaign_name": pl.String(),
    "strategy_name": pl.String(),
    "placement_name": pl.String(),
    "creative_name": pl.String(),
    "impressions": pl.Int64(),
    "clicks": pl.Int64(),
    "reported_ctr": pl.String(),
    "conversions": pl.Int64(),
    "conversion_revenue": pl.String(),  # a validated decimal literal; Postgres casts it to numeric
    "source_file": pl.String(),
    "source_row_number": pl.Int32(),
    "ingestion_run_id": pl.String(),
}

# The extension in any case: `.CSV` is what some Windows export tools write, and means the same.
_KEY_PATTERN = re.compile(r"^media_partner/([^/]+)/(\d{4}-\d{2}-\d{2})\.(?i:csv)$")
# Plain digits, or digits grouped in threes by commas: "1234", "1,234"; never "1,2".
_INTEGER = r"(?:\d{1,3}(?:,\d{3})+|\d+)"
_COUNT_PATTERN = rf"^{_INTEGER}$"
_MONEY_PATTERN = rf"^{_INTEGER}(?:\.\d{{1,6}})?$"
_MAX_COUNT_DIGITS = 15  # far above any real daily count, well inside bigint
_MONEY_INTEGER_DIGITS = 14  # conversion_revenue is numeric(20, 6)
_SPARE_COLUMNS = 16
_SPARE_COLUMN_PREFIX = "_spare_"
# Validation holds several text columns per cell while it runs, so a block costs about 25x
# its size in memory: 2 MiB keeps a landing near 180 MB whatever the file size, and larger
# blocks measured no faster (320 MB export, 1-8 MiB blocks).
DEFAULT_BLOCK_BYTES = 2 * 1024 * 1024


class ExportFileError(LandingFileError):
    """The whole file cannot be landed (wrong header, undecodable bytes, unknown client)."""


@dataclass(frozen=True)
class ExportFile:
    key: str  # relative to the exports root
    client_slug: str
    report_date: date


@dataclass(frozen=True)
class ParsedExport:
    rows: pl.DataFrame  # LANDING_SCHEMA, only the valid rows
    rejections: list[Rejection]
    processed: int  # data rows read (blank lines excluded)

    @property
    def status(self) -> str:
        return "partial" if self.rejections else "completed"


def parse_export_key(key: str) -> ExportFile | None:
    """`media_partner/<client_slug>/<YYYY-MM-DD>.csv` → its client and day; None if not one."""
    match = _KEY_PATTERN.match(key)
    if not match:
        return None
    try:
        report_date = date.fromisoformat(match.group(2))
    except ValueError:
        return None
    return ExportFile(key=key, client_slug=match.group(1), report_date=report_date)


def read_export_text(data: bytes, file: str) -> pl.DataFrame:
    """Every column as text, with `source_row_number` (header = 1); blank lines dropped."""
    text = _decode(data, file, offset=0, encoding="utf-8-sig")  # utf-8-sig strips a BOM
    header_line, _, body = text.partition("\n")
    header = header_columns(header_line, file)
    _refuse_truncated(body, len(header), file)
    frame, _ = _text_frame(body, header, 2, file)
    return frame


def iter_export_text(stream: BinaryIO, file: str, *, block_bytes: int = DEFAULT_BLOCK_BYTES) -> Iterator[pl.DataFrame]:
    """`read_export_text` block by block: whole records of about `block_bytes` each.

    Memory is set by the block size, not the file's; row numbers run on across blocks as
    if the file had been read in one go. A block never ends inside a quoted field, so a
    name with a line break in it stays one record.
    """
    for frame, _ in _iter_text_blocks(stream, file, block_bytes=block_bytes):
        yield frame


def _iter_text_blocks(stream: BinaryIO, file: str, *, block_bytes: int) -> Iterator[tuple[pl.DataFrame, bool]]:
    """(frame, whether its text ends without a line break: only the file's last block can)."""
    blocks = iter_record_blocks(stream, block_bytes)
    first = next(blocks, None)
    if first is None:
        raise ExportFileError(file, "is empty: not even a header line")
    offset, data = first
    header_end = data.find(b"\n")
    header_bytes, data = (data, b"") if header_end < 0 else (data[: header_end + 1], data[header_end + 1 :])
    header = header_columns(_decode(header_bytes, file, offset=0, encoding="utf-8-sig"), file)
    next_row_number = 2
    pending = [(offset + len(header_bytes), data)] if data else []
    for offset, data in itertools.chain(pending, blocks):
        text = _decode(data, file, offset=offset)
        _refuse_truncated(text, len(header), file)
        frame, records = _text_frame(text, header, next_row_number, file)
        next_row_number += records
        yield frame, ends_without_line_break(text)


def iter_record_blocks(stream: BinaryIO, block_bytes: int) -> Iterator[tuple[int, bytes]]:
    """(byte offset, bytes) blocks of whole CSV records, each cut after a line end that lies
    outside quotes (an even number of `"` before it), so no record and no UTF-8 character
    is ever split."""
    carry = b""
    consumed = 0
    while True:
        chunk = stream.read(block_bytes)
        if not chunk:
            if carry:
                yield consumed, carry
            return
        buffer = carry + chunk
        cut = _last_record_end(buffer)
        if cut <= 0:  # one record longer than a block: read on
            carry = buffer
            continue
        yield consumed, buffer[:cut]
        consumed += cut
        carry = buffer[cut:]


def _last_record_end(buffer: bytes) -> int:
    position = buffer.rfind(b"\n")
    while position >= 0:
        if buffer.count(b'"', 0, position) % 2 == 0:
            return position + 1
        position = buffer.rfind(b"\n", 0, position)
    return 0


def _decode(data: bytes, file: str, *, offset: int, encoding: str = "utf-8") -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ExportFileError(file, f"is not UTF-8 text (byte {offset + exc.start})") from None


def header_columns(header_line: str, file: str) -> list[str]:
    """The header's column names, normalised; the file fails if one we need is missing."""
    header_line = header_line.split("\n", 1)[0].rstrip("\r")
    header = [column.strip().lower() for column in pl.read_csv(io.StringIO(header_line + "\n")).columns]
    missing = [column for column in EXPECTED_COLUMNS if column not in header]
    if missing:
        unexpected = [column for column in header if column not in EXPECTED_COLUMNS]
        detail = f"; unexpected: {', '.join(unexpected)}" if unexpected else ""
        raise ExportFileError(file, f"header is missing column(s) {', '.join(missing)}{detail}")
    if len(set(header)) != len(header):
        raise ExportFileError(file, "header names a column more than once")
    return header


def _text_frame(body: str, header: list[str], first_row_number: int, file: str) -> tuple[pl.DataFrame, int]:
    """The records of `body` as text columns, blank lines dropped, and how many records it held."""
    # Spare columns catch rows with more fields than the header (an unquoted comma in a
    # name, say): such a row is rejected, not silently shifted into the wrong columns.
    spare = [f"{_SPARE_COLUMN_PREFIX}{i}" for i in range(_SPARE_COLUMNS)]
    try:
        frame = pl.read_csv(
            io.StringIO(body),
            has_header=False,
            schema={column: pl.String for column in [*header, *spare]},
            truncate_ragged_lines=True,
            missing_columns="insert",
        ).with_row_index("source_row_number", offset=first_row_number)
    except PolarsError as exc:  # a quote in the middle of a field, say: not CSV we can split into rows
        raise ExportFileError(file, f"is not readable CSV ({_first_line(exc)}); nothing of it was landed") from None
    records = frame.height
    frame = frame.with_columns(
        pl.any_horizontal(pl.col(c).is_not_null() for c in spare).alias("_has_extra_fields")
    ).drop(spare)
    return (
        frame.filter(~pl.all_horizontal(pl.col(c).is_null() for c in header) | pl.col("_has_extra_fields")),
        records,
    )


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _refuse_truncated(body: str, header_fields: int, file: str) -> None:
    """A file cut short (an upload or a copy that stopped) ends inside a quoted field or in the
    middle of a row (see landing/truncation.py). Its other rows may be fine, but landing them
    would half-land a day the partner will send again in full: the whole file fails instead,
    and what landed before stays.

    `body` is the text after the header, or one block of it: blocks are cut after whole
    records, so only the file's final block can end without a line break or inside quotes."""
    problem = csv_cut_short(body, header_fields)
    if problem:
        raise ExportFileError(file, f"{problem}; nothing of the file was landed")


def _refuse_cut_last_row(parsed: ParsedExport, frame: pl.DataFrame, ends_open: bool, file: str) -> None:
    """A last row with no line break after it that does not validate was most likely cut
    inside its last field: the file fails whole instead of landing `partial`."""
    if not ends_open or not parsed.rejections or frame.height == 0:
        return
    last = parsed.rejections[-1]
    if last.row_number == frame["source_row_number"].max():
        raise ExportFileError(file, f"{last_row_cut_short(last.row_number, last.reason)}; nothing of it was landed")


def validate_export(frame: pl.DataFrame, export_file: ExportFile, *, source_file: str, run_id: str) -> ParsedExport:
    """Split a text frame into typed landing rows and rejections with reasons."""
    expected_date = export_file.report_date.isoformat()
    clean = frame.with_columns([pl.col(c).str.strip_chars().alias(c) for c in EXPECTED_COLUMNS])
    problems: list[pl.Expr] = [
        pl.when(pl.col("_has_extra_fields")).then(
            pl.struct(
                field=pl.lit("*"),
                reason=pl.lit(f"row has more fields than the header's {len(frame.columns) - 2}"),
            )
        )
    ]

    def problem(column: str, bad: pl.Expr, message: str, show_value: bool = True) -> None:
        text = pl.lit(f"{column}: {message}")
        if show_value:
            text = text + pl.lit(" (got '") + pl.col(column).fill_null("") + pl.lit("')")
        problems.append(pl.when(bad).then(pl.struct(field=pl.lit(column), reason=text)))

    problem(
        "date",
        pl.col("date").is_null() | (pl.col("date") != expected_date),
        f"must be the file's date {expected_date}",
    )
    for column in NAME_COLUMNS:
        problem(column, pl.col(column).is_null() | (pl.col(column) == ""), "required", show_value=False)
    for column in COUNT_COLUMNS:
        problem(
            column,
            pl.col(column).is_null()
            | ~pl.col(column).str.contains(_COUNT_PATTERN)
            | (pl.col(column).str.replace_all(",", "").str.len_chars() > _MAX_COUNT_DIGITS),
            "must be a whole number of zero or more",
        )
    for column in MONEY_COLUMNS:
        problem(
            column,
            pl.col(column).is_null() | ~pl.col(column).str.contains(_MONEY_PATTERN),
            "must be an amount of zero or more with at most 6 decimals",
        )
        problem(
            column,
            too_many_integer_digits(column, _MONEY_INTEGER_DIGITS),
            f"is too large for the warehouse (at most {_MONEY_INTEGER_DIGITS} digits before the point)",
        )
    for column in EXPECTED_COLUMNS:
        problem(column, has_nul(column), NUL_REASON, show_value=False)

    checked = clean.with_columns(pl.concat_list(problems).list.drop_nulls().alias("_problems"))
    is_bad = pl.col("_problems").list.len() > 0
    bad = checked.filter(is_bad)
    good = checked.filter(~is_bad)

    rows = good.select(
        pl.lit(export_file.client_slug).alias("client_slug"),
        pl.lit(export_file.report_date).alias("report_date"),
        *[pl.col(c) for c in NAME_COLUMNS],
        *[pl.col(c).str.replace_all(",", "").cast(pl.Int64).alias(c) for c in ("impressions", "clicks")],
        pl.col("ctr").alias("reported_ctr"),
        pl.col("conversions").str.replace_all(",", "").cast(pl.Int64),
        pl.col("conversion_revenue").str.replace_all(",", ""),
        pl.lit(source_file).alias("source_file"),
        pl.col("source_row_number").cast(pl.Int32),
        pl.lit(run_id).alias("ingestion_run_id"),
    ).cast(LANDING_SCHEMA)

    original_columns = [c for c in frame.columns if c not in ("source_row_number", "_has_extra_fields")]
    originals = frame.filter(pl.col("source_row_number").is_in(bad["source_row_number"].implode()))
    raw_by_row = {
        record.pop("source_row_number"): record
        for record in originals.select(["source_row_number", *original_columns]).to_dicts()
    }
    rejections = [
        _rejection(row_number, found, raw_by_row[row_number])
        for row_number, found in zip(bad["source_row_number"].to_list(), bad["_problems"].to_list())
    ]
    return ParsedExport(rows=rows, rejections=rejections, processed=frame.height)


def _rejection(row_number: int, found: list[dict[str, str]], raw_record: dict) -> Rejection:
    if any(p["field"] == "*" for p in found):
        # Its cells are shifted, so what the other checks say about them would mislead.
        found = [p for p in found if p["field"] == "*"]
    return Rejection(
        row_number=row_number,
        fields=tuple(p["field"] for p in found),
        reason="; ".join(p["reason"] for p in found),
        raw_record=raw_record,
    )


def parse_export(data: bytes, export_file: ExportFile, *, source_file: str, run_id: str) -> ParsedExport:
    frame = read_export_text(data, source_file)
    parsed = validate_export(frame, export_file, source_file=source_file, run_id=run_id)
    text = data.decode("utf-8", errors="replace")
    _refuse_cut_last_row(parsed, frame, ends_without_line_break(text.partition("\n")[2]), source_file)
    return parsed


def parse_export_blocks(
    stream: BinaryIO,
    export_file: ExportFile,
    *,
    source_file: str,
    run_id: str,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> Iterator[ParsedExport]:
    """`parse_export` block by block (see `iter_export_text`); an unreadable header or a
    byte that is not UTF-8 raises ExportFileError, possibly after some blocks were yielded."""
    for frame, ends_open in _iter_text_blocks(stream, source_file, block_bytes=block_bytes):
        parsed = validate_export(frame, export_file, source_file=source_file, run_id=run_id)
        _refuse_cut_last_row(parsed, frame, ends_open, source_file)
        yield parsed


def day_of_key(key: str) -> date | None:
    """The partition day of an object key; None when the key is not in this source's layout."""
    info = parse_export_key(key)
    return info.report_date if info else None
