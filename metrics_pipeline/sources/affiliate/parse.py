"""Parse and validate the affiliate network's CSV files. Pure functions: bytes in, frames out.

Layout: `affiliate/<YYYY-MM-DD>/<name>.csv`, the folder's day being the partition. A file whose
name starts with `catalog` or `products` (any case: `catalogue.csv`, `Products-2026-09-01.csv`)
is the product catalogue snapshot of that day; every other `.csv` holds events.

Networks name their columns differently, so headers are matched through aliases (`tid` is
the tracking id, `type` the event type, ...) after lower-casing and turning spaces and
hyphens into underscores; columns the loader does not know are kept as `extra_columns`.
Every cell is read as text; money (`$1,234.50`, `-12.00`) stays exact decimal text until
Postgres casts it, percentages (`12.5%`) become exact fractions (`0.125`) via Decimal.

Refunds are exported either as negative amounts or as positive amounts with a refund type
or a refund flag column: whatever the file did, a refund lands with a negative revenue and
the cells as exported are kept next to it.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl
from polars.exceptions import PolarsError

from metrics_pipeline.landing.exports import LandingFileError
from metrics_pipeline.landing.ingestion import Rejection
from metrics_pipeline.landing.storable import NUL_REASON, has_nul
from metrics_pipeline.landing.truncation import csv_cut_short, ends_without_line_break, last_row_cut_short
from metrics_pipeline.security.pii import scrub_pii_value

SOURCE = "affiliate"
EVENT_TYPES = ("click", "conversion", "refund", "rebill")

# Canonical column -> the header names that mean it (after normalising the header).
EVENT_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "event_id": ("event_id", "id", "transaction_id", "txn_id", "receipt"),
    "event_type": ("event_type", "type", "transaction_type"),
    "occurred_at": ("occurred_at", "timestamp", "event_time", "time"),
    "tracking_id": ("tracking_id", "tid", "campaign_tracking_id"),
    "product_id": ("product_id", "product", "item"),
    "revenue": ("revenue", "amount", "sale_amount"),
    "source": ("source", "traffic_source"),
    "refund_flag": ("refund_flag", "is_refund", "refund", "refunded"),
}
REQUIRED_EVENT_COLUMNS = ("event_id", "event_type", "occurred_at", "tracking_id", "product_id", "revenue")

CATALOGUE_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "product_id": ("product_id", "id", "product", "item"),
    "title": ("title", "name", "product_title"),
    "vendor": ("vendor", "vendor_id"),
    "category": ("category",),
    "commission_rate": ("commission_rate", "commission_pct", "commission_percent"),
    "commission_amount": ("commission_amount", "commission", "avg_commission"),
    "gravity": ("gravity",),
    "refund_rate": ("refund_rate", "refund_pct"),
    "is_rebill": ("is_rebill", "rebill", "recurring", "has_rebill"),
}
REQUIRED_CATALOGUE_COLUMNS = tuple(CATALOGUE_COLUMN_ALIASES)

EVENTS_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.String(),
    "event_type": pl.String(),
    "occurred_at": pl.Datetime("us", "UTC"),
    "event_date": pl.Date(),
    "tracking_id": pl.String(),
    "product_id": pl.String(),
    "revenue": pl.String(),  # a validated, signed decimal literal; Postgres casts it to numeric
    "revenue_as_exported": pl.String(),
    "event_type_as_exported": pl.String(),
    "refund_flag_as_exported": pl.String(),
    "source": pl.String(),
    "extra_columns": pl.String(),  # a JSON object of the unknown columns' text
    "source_file": pl.String(),
    "source_row_number": pl.Int32(),
    "ingestion_run_id": pl.String(),
}
CATALOGUE_SCHEMA: dict[str, pl.DataType] = {
    "snapshot_date": pl.Date(),
    "product_id": pl.String(),
    "title": pl.String(),
    "vendor": pl.String(),
    "category": pl.String(),
    "commission_rate": pl.String(),
    "commission_amount": pl.String(),
    "gravity": pl.String(),
    "refund_rate": pl.String(),
    "is_rebill": pl.Boolean(),
    "extra_columns": pl.String(),
    "source_file": pl.String(),
    "source_row_number": pl.Int32(),
    "ingestion_run_id": pl.String(),
}

# The extension in any case (`.CSV` means the same); the folder's day as the layout says.
_KEY_PATTERN = re.compile(r"^affiliate/(\d{4}-\d{2}-\d{2})/([^/]+\.(?i:csv))$")
_CATALOGUE_NAME = re.compile(r"^(catalog|products)", re.IGNORECASE)
_INTEGER = r"(?:\d{1,3}(?:,\d{3})+|\d+)"
# An optional minus (before or after a dollar sign), digits grouped by commas or not, up to 6 decimals.
_MONEY = re.compile(rf"^(-?)\$?(-?)({_INTEGER}(?:\.\d{{1,6}})?)$")
_MONEY_INTEGER_DIGITS = 14  # amounts are numeric(20, 6)
_GRAVITY_PATTERN = r"^\d{1,10}(?:\.\d{1,6})?$"  # gravity is numeric(14, 4): 10 digits before the point
_PERCENT = re.compile(r"^(\d{1,3}(?:\.\d{1,4})?)\s*%$")
_TRUE = ("1", "true", "yes", "y", "t")
_FALSE = ("0", "false", "no", "n", "f")
_REFUND_FLAG_TRUE = (*_TRUE, "refund", "refunded")
_TIMESTAMP_WITH_ZONE = ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z")
_TIMESTAMP_WITHOUT_ZONE = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M")
_SPARE_COLUMNS = 16
_SPARE_COLUMN_PREFIX = "_spare_"
_SHOWN_VALUE_CHARS = 200


class AffiliateFileError(LandingFileError):
    """The whole file cannot be landed (wrong header, undecodable bytes)."""


@dataclass(frozen=True)
class AffiliateFile:
    key: str  # relative to the exports root
    day: date  # the folder's day: the partition
    kind: str  # events | catalogue


@dataclass(frozen=True)
class ParsedFile:
    rows: pl.DataFrame  # EVENTS_SCHEMA or CATALOGUE_SCHEMA, only the valid rows
    rejections: list[Rejection]
    processed: int  # data rows read (blank lines excluded)


def parse_affiliate_key(key: str) -> AffiliateFile | None:
    """`affiliate/<YYYY-MM-DD>/<name>.csv` -> its day and kind; None if the key is not one."""
    match = _KEY_PATTERN.match(key)
    if not match:
        return None
    try:
        day = date.fromisoformat(match.group(1))
    except ValueError:
        return None
    kind = "catalogue" if _CATALOGUE_NAME.match(match.group(2)) else "events"
    return AffiliateFile(key=key, day=day, kind=kind)


def normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def resolve_header(
    header: list[str], aliases: dict[str, tuple[str, ...]], required: tuple[str, ...], file: str
) -> dict[str, str]:
    """Header column (as written) -> canonical name, for the columns the loader knows.

    Raises AffiliateFileError naming the missing columns (with the names accepted for
    them), a column named twice, or two columns meaning the same thing.
    """
    normalised = [normalise_header(column) for column in header]
    duplicated = sorted({n for n in normalised if n and normalised.count(n) > 1})
    if duplicated:
        raise AffiliateFileError(file, f"header names a column more than once: {', '.join(duplicated)}")
    meaning = {alias: canonical for canonical, names in aliases.items() for alias in names}
    resolved: dict[str, str] = {}
    by_canonical: dict[str, list[str]] = {}
    for written, name in zip(header, normalised):
        if name in meaning:
            resolved[written] = meaning[name]
            by_canonical.setdefault(meaning[name], []).append(written)
    clashes = [
        f"{' and '.join(repr(w) for w in written)} both mean {canonical}"
        for canonical, written in by_canonical.items()
        if len(written) > 1
    ]
    if clashes:
        raise AffiliateFileError(file, f"header is ambiguous: {'; '.join(clashes)}")
    missing = [c for c in required if c not in by_canonical]
    if missing:
        described = ", ".join(f"{c} (or {' / '.join(aliases[c][1:])})" if len(aliases[c]) > 1 else c for c in missing)
        raise AffiliateFileError(file, f"header is missing column(s) {described}")
    return resolved


def read_text_frame(data: bytes, file: str) -> tuple[pl.DataFrame, list[str]]:
    """(every column as text plus `source_row_number` (header = 1) and `_has_extra_fields`,
    the header as written); blank lines dropped."""
    try:
        text = data.decode("utf-8-sig")  # strips a UTF-8 BOM
    except UnicodeDecodeError as exc:
        raise AffiliateFileError(file, f"is not UTF-8 text (byte {exc.start})") from None
    header_line = text.split("\n", 1)[0].rstrip("\r")
    if not header_line.strip():
        raise AffiliateFileError(file, "is empty or has no header line")
    header = [column.strip() for column in pl.read_csv(io.StringIO(header_line + "\n")).columns]
    cut = csv_cut_short(text, len(header))
    if cut:
        raise AffiliateFileError(file, f"{cut}; nothing of it was landed")
    # Spare columns catch rows with more fields than the header (an unquoted comma in an
    # amount, say): such a row is rejected, not silently shifted into the wrong columns.
    spare = [f"{_SPARE_COLUMN_PREFIX}{i}" for i in range(_SPARE_COLUMNS)]
    positional = [f"_c{i}" for i in range(len(header))]
    try:
        frame = pl.read_csv(
            io.StringIO(text),
            has_header=False,
            skip_rows=1,
            schema={column: pl.String for column in [*positional, *spare]},
            truncate_ragged_lines=True,
            missing_columns="insert",
        ).with_row_index("source_row_number", offset=2)
    except PolarsError as exc:  # a quote in the middle of a field, say: not CSV we can split into rows
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise AffiliateFileError(file, f"is not readable CSV ({first_line}); nothing of it was landed") from None
    frame = frame.with_columns(
        pl.any_horizontal(pl.col(c).is_not_null() for c in spare).alias("_has_extra_fields")
    ).drop(spare)
    frame = frame.filter(
        ~pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in positional)
        | pl.col("_has_extra_fields")
    )
    return frame.rename(dict(zip(positional, header))), header


def money_literal(text: str) -> str | None:
    """'$1,234.50' -> '1234.50', '-$12' -> '-12', '$-12' -> '-12'; None if not an amount."""
    match = _MONEY.match(text.strip())
    if not match or (match.group(1) and match.group(2)):
        return None
    sign = "-" if (match.group(1) or match.group(2)) else ""
    digits = match.group(3).replace(",", "")
    if len(digits.split(".")[0].lstrip("0")) > _MONEY_INTEGER_DIGITS:
        return None  # more than numeric(20, 6) holds: the row is quarantined, not the file refused
    return sign + digits


def fraction_literal(text: str) -> str | None:
    """'12.5%' -> '0.125'; '0.125' -> '0.125'; None when neither a percent (0-100%) nor a
    fraction from 0 to 1 (a bare '12.5' is ambiguous, so it is refused)."""
    value = text.strip()
    match = _PERCENT.match(value)
    if match:
        number = Decimal(match.group(1)) / 100
    elif re.match(r"^\d+(?:\.\d{1,6})?$", value):
        number = Decimal(value)
    else:
        return None
    if number > 1:
        return None
    return format(number.normalize(), "f") if number else "0"


def _blank_to_null(column: str) -> pl.Expr:
    trimmed = pl.col(column).str.strip_chars()
    return pl.when(trimmed.str.len_chars() > 0).then(trimmed).alias(column)


def _problem_builder(problems: list[pl.Expr]):
    def problem(field: str, bad: pl.Expr, message: str, show_value: bool = True) -> None:
        text = pl.lit(f"{field}: {message}")
        if show_value:
            shown = pl.col(field).str.slice(0, _SHOWN_VALUE_CHARS).fill_null("")
            text = text + pl.lit(" (got '") + shown + pl.lit("')")
        problems.append(pl.when(bad.fill_null(False)).then(pl.struct(field=pl.lit(field), reason=text)))

    return problem


def _extra_columns(frame: pl.DataFrame, extras: list[str]) -> pl.Series:
    if not extras:
        return pl.Series("extra_columns", ["{}"] * frame.height, dtype=pl.String)
    records = frame.select(extras).to_dicts()
    # A partner's column we do not know may hold a customer's email or IP address: never as is.
    return pl.Series(
        "extra_columns", [json.dumps(scrub_pii_value(r), ensure_ascii=False) for r in records], dtype=pl.String
    )


def _split(frame: pl.DataFrame, problems: list[pl.Expr], header: list[str]) -> tuple[pl.DataFrame, list[Rejection]]:
    extra_fields = pl.when(pl.col("_has_extra_fields")).then(
        pl.struct(field=pl.lit("*"), reason=pl.lit(f"row has more fields than the header's {len(header)}"))
    )
    unstorable = [
        pl.when(has_nul(f"_raw_{i}")).then(pl.struct(field=pl.lit(column), reason=pl.lit(f"{column}: {NUL_REASON}")))
        for i, column in enumerate(header)
    ]
    checked = frame.with_columns(
        pl.concat_list([extra_fields, *problems, *unstorable]).list.drop_nulls().alias("_problems")
    )
    is_bad = pl.col("_problems").list.len() > 0
    bad = checked.filter(is_bad)
    rejections = []
    for record in bad.select("source_row_number", "_problems", *[f"_raw_{i}" for i in range(len(header))]).to_dicts():
        found = record["_problems"]
        if any(p["field"] == "*" for p in found):
            # Its cells are shifted, so what the other checks say about them would mislead.
            found = [p for p in found if p["field"] == "*"]
        raw = {column: record[f"_raw_{i}"] for i, column in enumerate(header)}
        rejections.append(
            Rejection(
                row_number=record["source_row_number"],
                fields=tuple(dict.fromkeys(p["field"] for p in found)),
                reason="; ".join(p["reason"] for p in found),
                raw_record=raw,
            )
        )
    return checked.filter(~is_bad), rejections


def _prepare(
    data: bytes, file: str, aliases: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> tuple[pl.DataFrame, list[str], list[str]]:
    """(frame with canonical columns trimmed (blank = null), the raw cells as `_raw_<i>`,
    extras by their written names; the header as written; the extra columns' names)."""
    frame, header = read_text_frame(data, file)
    resolved = resolve_header(header, aliases, required, file)
    extras = [column for column in header if column not in resolved]
    frame = frame.with_columns(pl.col(column).alias(f"_raw_{i}") for i, column in enumerate(header))
    frame = frame.rename(resolved)
    for canonical in aliases:
        if canonical not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(canonical))
    frame = frame.with_columns(_blank_to_null(c) for c in aliases)
    return frame, header, extras


def parse_events(data: bytes, affiliate_file: AffiliateFile, *, source_file: str, run_id: str) -> ParsedFile:
    """An events file's valid rows (EVENTS_SCHEMA) and rejections with reasons."""
    frame, header, extras = _prepare(data, source_file, EVENT_COLUMN_ALIASES, REQUIRED_EVENT_COLUMNS)
    has_flag_column = any(normalise_header(c) in EVENT_COLUMN_ALIASES["refund_flag"] for c in header)
    exported_type = pl.col("event_type")
    typed = frame.with_columns(
        exported_type.str.to_lowercase().alias("_type"),
        pl.col("refund_flag").str.to_lowercase().alias("_flag"),
        pl.col("revenue").map_elements(money_literal, return_dtype=pl.String).alias("_amount"),
        pl.col("occurred_at")
        .str.replace(r"^(\d{4}-\d{2}-\d{2})[ tT]", "${1}T")
        .str.replace(r"\s*[zZ]$", "+00:00")
        .str.replace(r"\s+([+-]\d{2}:?\d{2})$", "${1}")
        .alias("_occurred_text"),
    )
    text = pl.col("_occurred_text")
    typed = typed.with_columns(
        pl.coalesce([text.str.to_datetime(f, strict=False, time_unit="us") for f in _TIMESTAMP_WITH_ZONE])
        .dt.convert_time_zone("UTC")
        .alias("_occurred_utc"),
        pl.coalesce([text.str.to_datetime(f, strict=False, time_unit="us") for f in _TIMESTAMP_WITHOUT_ZONE]).alias(
            "_occurred_naive"
        ),
    )
    flagged = pl.col("_flag").is_in(list(_REFUND_FLAG_TRUE))
    typed = typed.with_columns(
        pl.when(flagged & pl.col("_type").is_in(["conversion", "rebill", "refund"]))
        .then(pl.lit("refund"))
        .otherwise(pl.col("_type"))
        .alias("_effective_type"),
        pl.col("_amount").str.contains(r"^-").alias("_negative"),
        pl.col("_amount").str.contains(r"^-?0+(?:\.0+)?$").alias("_zero"),
    )

    problems: list[pl.Expr] = []
    problem = _problem_builder(problems)
    for column in ("event_id", "event_type", "occurred_at", "tracking_id", "product_id"):
        problem(column, pl.col(column).is_null(), "required", show_value=False)
    problem(
        "event_type",
        pl.col("_type").is_not_null() & ~pl.col("_type").is_in(list(EVENT_TYPES)),
        f"unknown event type, expected one of {', '.join(EVENT_TYPES)}",
    )
    problem(
        "refund_flag",
        pl.col("_flag").is_not_null() & ~pl.col("_flag").is_in([*_REFUND_FLAG_TRUE, *_FALSE]),
        "must be yes/no, true/false or 1/0",
    )
    problem("refund_flag", flagged & (pl.col("_type") == "click"), "a click cannot be refunded")
    no_time = pl.col("occurred_at").is_not_null() & pl.col("_occurred_utc").is_null()
    problem(
        "occurred_at",
        no_time & pl.col("_occurred_naive").is_not_null(),
        "needs a time zone offset, like 2026-09-01T12:34:56Z or +02:00",
    )
    problem(
        "occurred_at",
        no_time & pl.col("_occurred_naive").is_null(),
        "must be an ISO 8601 timestamp with a time zone, like 2026-09-01T12:34:56Z",
    )
    is_click = pl.col("_type") == "click"
    problem(
        "revenue",
        pl.col("revenue").is_null() & pl.col("_type").is_in(["conversion", "refund", "rebill"]),
        "required on a conversion, refund or rebill",
        show_value=False,
    )
    problem(
        "revenue",
        pl.col("revenue").is_not_null() & pl.col("_amount").is_null(),
        "must be an amount like 1234.50, $1,234.50 or -12.00 (at most 6 decimals)",
    )
    problem("revenue", is_click & pl.col("_negative") & ~pl.col("_zero"), "a click's revenue must not be negative")
    problem(
        "revenue",
        is_click & ~pl.col("_negative") & ~pl.col("_zero"),
        "a click carries no revenue (only blank or 0)",
    )
    problem(
        "revenue",
        pl.col("_effective_type").is_in(["conversion", "rebill"]) & pl.col("_negative") & ~pl.col("_zero"),
        "negative on a conversion or rebill: only refunds (by type or refund flag) may be negative",
    )
    good, rejections = _split(typed, problems, header)

    absolute = pl.col("_amount").fill_null("0").str.replace(r"^-", "")
    signed = (
        pl.when(pl.col("_effective_type") == "click")
        .then(pl.lit("0"))
        .when((pl.col("_effective_type") == "refund") & ~pl.col("_zero"))
        .then(pl.lit("-") + absolute)
        .otherwise(absolute)
    )
    rows = good.select(
        pl.col("event_id"),
        pl.col("_effective_type").alias("event_type"),
        pl.col("_occurred_utc").alias("occurred_at"),
        pl.lit(affiliate_file.day, dtype=pl.Date).alias("event_date"),
        pl.col("tracking_id"),
        pl.col("product_id"),
        signed.alias("revenue"),
        pl.col("revenue").alias("revenue_as_exported"),
        pl.col("event_type").alias("event_type_as_exported"),
        (pl.col("refund_flag") if has_flag_column else pl.lit(None, dtype=pl.String)).alias("refund_flag_as_exported"),
        pl.col("source"),
        _extra_columns(good, extras),
        pl.lit(source_file).alias("source_file"),
        pl.col("source_row_number").cast(pl.Int32),
        pl.lit(run_id).alias("ingestion_run_id"),
    ).cast(EVENTS_SCHEMA)
    return ParsedFile(rows, rejections, frame.height)


def parse_catalogue(data: bytes, affiliate_file: AffiliateFile, *, source_file: str, run_id: str) -> ParsedFile:
    """A catalogue snapshot's valid rows (CATALOGUE_SCHEMA) and rejections with reasons.

    A product id repeated in the file keeps its first row; the later ones are rejected.
    """
    frame, header, extras = _prepare(data, source_file, CATALOGUE_COLUMN_ALIASES, REQUIRED_CATALOGUE_COLUMNS)
    typed = frame.with_columns(
        pl.col("commission_rate").map_elements(fraction_literal, return_dtype=pl.String).alias("_commission_rate"),
        pl.col("refund_rate").map_elements(fraction_literal, return_dtype=pl.String).alias("_refund_rate"),
        pl.col("commission_amount").map_elements(money_literal, return_dtype=pl.String).alias("_commission_amount"),
        pl.col("gravity").str.replace_all(",", "").alias("_gravity"),
        pl.col("is_rebill").str.to_lowercase().alias("_rebill"),
        pl.col("product_id").is_first_distinct().alias("_first_of_product"),
    )
    problems: list[pl.Expr] = []
    problem = _problem_builder(problems)
    problem("product_id", pl.col("product_id").is_null(), "required", show_value=False)
    problem(
        "product_id",
        pl.col("product_id").is_not_null() & ~pl.col("_first_of_product"),
        "appears more than once in the file; the first row is kept",
    )
    for column in ("commission_rate", "refund_rate"):
        problem(
            column,
            pl.col(column).is_not_null() & pl.col(f"_{column}").is_null(),
            "must be a percent like 12.5% or a fraction from 0 to 1",
        )
    problem(
        "commission_amount",
        pl.col("commission_amount").is_not_null()
        & (pl.col("_commission_amount").is_null() | pl.col("_commission_amount").str.starts_with("-")),
        "must be an amount of zero or more like 24.50 or $1,234.50",
    )
    problem(
        "gravity",
        pl.col("gravity").is_not_null() & ~pl.col("_gravity").str.contains(_GRAVITY_PATTERN),
        "must be a number of zero or more, below 10,000,000,000",
    )
    problem(
        "is_rebill",
        pl.col("_rebill").is_not_null() & ~pl.col("_rebill").is_in([*_TRUE, *_FALSE]),
        "must be yes/no, true/false or 1/0",
    )
    good, rejections = _split(typed, problems, header)
    rows = good.select(
        pl.lit(affiliate_file.day, dtype=pl.Date).alias("snapshot_date"),
        pl.col("product_id"),
        pl.col("title"),
        pl.col("vendor"),
        pl.col("category"),
        pl.col("_commission_rate").alias("commission_rate"),
        pl.col("_commission_amount").alias("commission_amount"),
        pl.col("_gravity").alias("gravity"),
        pl.col("_refund_rate").alias("refund_rate"),
        pl.when(pl.col("_rebill").is_in(list(_TRUE)))
        .then(True)
        .when(pl.col("_rebill").is_in(list(_FALSE)))
        .then(False)
        .alias("is_rebill"),
        _extra_columns(good, extras),
        pl.lit(source_file).alias("source_file"),
        pl.col("source_row_number").cast(pl.Int32),
        pl.lit(run_id).alias("ingestion_run_id"),
    ).cast(CATALOGUE_SCHEMA)
    return ParsedFile(rows, rejections, frame.height)


def parse_file(data: bytes, affiliate_file: AffiliateFile, *, source_file: str, run_id: str) -> ParsedFile:
    """A file's valid rows and rejections; a file whose last row has no line break after it and
    does not validate was most likely cut inside its last field, and fails whole."""
    parse = parse_catalogue if affiliate_file.kind == "catalogue" else parse_events
    parsed = parse(data, affiliate_file, source_file=source_file, run_id=run_id)
    if parsed.rejections and ends_without_line_break(data.decode("utf-8", errors="replace")):
        last = max(parsed.rejections, key=lambda r: r.row_number)
        landed_rows = parsed.rows["source_row_number"]
        if landed_rows.is_empty() or last.row_number > landed_rows.max():
            raise AffiliateFileError(
                source_file, f"{last_row_cut_short(last.row_number, last.reason)}; nothing of it was landed"
            )
    return parsed


def day_of_key(key: str) -> date | None:
    """The partition day of an object key; None when the key is not in this source's layout."""
    info = parse_affiliate_key(key)
    return info.day if info else None
