"""Parse and validate one Amazon Ads export (a search-term report or a sales file). Pure: bytes in,
frames out.

Every cell is read as text first; the file's format (formats.py) says which column is which
landing field and the field's kind says how it is checked and cast. Money stays a decimal
string (symbols and thousands separators removed) until Postgres casts it to numeric: nothing
passes through float. A bad row is quarantined with its reason; the rest of the file lands.

Cells the exports leave empty (or fill with "-") in a count or money column mean none: 0.
A currency symbol that the brand's configured currency does not use ("£" in a USD brand's
file) rejects the row, as does a `Currency` column naming another currency.

An `.xlsx` file (the console's default download) is read with calamine (fastexcel, through
polars) with every cell as text: calamine writes a number cell with at most 15 significant
digits, Excel's own precision, so 12.34 stays "12.34" (never 12.339999999999999) and money
keeps its exact cents; a date cell ("2026-09-01 00:00:00", or a bare day serial such as "46266")
becomes its ISO date. The rows then take the same path as a CSV file's.

Each search-term row says what its "Targeting" is (`targeting_type`: keyword, product, auto or
audience) and which ad product it belongs to (`ad_type`: SP, SB, SD, from the report's header).
Product and audience targets have no match type (the console writes "-"): theirs is null.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
from polars.exceptions import PolarsError

from metrics_pipeline.landing.exports import LandingFileError
from metrics_pipeline.landing.ingestion import Rejection
from metrics_pipeline.landing.storable import NUL_REASON, has_nul, too_many_integer_digits
from metrics_pipeline.landing.truncation import (
    csv_cut_short,
    ends_without_line_break,
    last_row_cut_short,
    zip_cut_short,
)
from metrics_pipeline.security.pii import scrub_pii_json_column
from metrics_pipeline.sources.amazon_ads.formats import (
    AUDIENCE_TARGETING,
    AUDIENCE_TARGETING_PREFIXES,
    AUTO_TARGETING,
    AUTO_TARGETING_GROUPS,
    AUTO_TARGETING_PREFIXES,
    COUNT,
    CURRENCY,
    CURRENCY_SYMBOLS,
    DATE,
    EXPRESSION_MATCH_TYPES,
    FIELD_KINDS,
    FORMATS,
    KEYWORD_TARGETING,
    MATCH_TYPES,
    MONEY,
    NAME,
    PRODUCT_TARGETING,
    PRODUCT_TARGETING_PREFIXES,
    SALES_FOLDER,
    ReportFormat,
    format_of_headers,
    normalise_header,
)

SOURCE = "amazon_ads"
EXPORTS_PREFIX = "amazon_ads/"

KEYWORD_LANDING_SCHEMA: dict[str, pl.DataType] = {
    "brand_slug": pl.String(),
    "source_format": pl.String(),
    "ad_type": pl.String(),  # SP | SB | SD
    "report_date": pl.Date(),
    "portfolio_name": pl.String(),
    "campaign_name": pl.String(),
    "ad_group_name": pl.String(),
    "keyword_text": pl.String(),
    "match_type": pl.String(),  # null for product and audience targets
    "targeting_type": pl.String(),  # keyword | product | auto | audience
    "search_term": pl.String(),
    "impressions": pl.Int64(),
    "clicks": pl.Int64(),
    "spend": pl.String(),  # a validated decimal literal; Postgres casts it to numeric
    "orders": pl.Int64(),
    "sales": pl.String(),
    "currency": pl.String(),
    "reported_ctr": pl.String(),
    "reported_cpc": pl.String(),
    "reported_acos": pl.String(),
    "reported_roas": pl.String(),
    "reported_conversion_rate": pl.String(),
    "extra_columns": pl.String(),  # JSON text; Postgres casts it to jsonb
    "source_file": pl.String(),
    "source_row_number": pl.Int32(),
    "ingestion_run_id": pl.String(),
}

SALES_LANDING_SCHEMA: dict[str, pl.DataType] = {
    "brand_slug": pl.String(),
    "report_date": pl.Date(),
    "asin": pl.String(),
    "total_sales": pl.String(),
    "total_units": pl.Int64(),
    "ad_sales": pl.String(),
    "ad_units": pl.Int64(),
    "currency": pl.String(),
    "extra_columns": pl.String(),
    "source_file": pl.String(),
    "source_row_number": pl.Int32(),
    "ingestion_run_id": pl.String(),
}

# <YYYY-MM-DD>.csv, or with a label after the day (several reports of one folder and day:
# 2026-09-01_sponsored-brands.xlsx); .csv or .xlsx in any case (`.CSV` is what some Windows
# export tools write, and means the same).
_KEY_PATTERN = re.compile(r"^amazon_ads/([^/]+)/([^/]+)/(\d{4}-\d{2}-\d{2})(?:[_-][^/]*)?\.((?i:csv|xlsx))$")
_EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (its 1900-02-29 bug included)
_EXCEL_SERIAL = r"^\d{1,6}(?:\.\d+)?$"
_INTEGER = r"(?:\d{1,3}(?:,\d{3})+|\d+)"
_AMOUNT = rf"{_INTEGER}(?:\.\d{{1,6}})?"
_MAX_COUNT_DIGITS = 15  # far above any real daily count, well inside bigint
_MONEY_INTEGER_DIGITS = 14  # spend, sales: numeric(20, 6)
_NONE_MARKERS = ("", "-", "--", "—", "–")
_SYMBOL_CLASS = "[" + "".join(re.escape(s) for s in CURRENCY_SYMBOLS) + "]"
_ASIN = r"^[A-Z0-9]{10}$"
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%b %d, %Y", "%d.%m.%Y")
_SPARE_COLUMNS = 16
_SPARE_PREFIX = "_spare_"
_EXTRA_PREFIX = "_extra_"


class ExportFileError(LandingFileError):
    """The whole file cannot be landed (wrong header, undecodable bytes, unknown brand)."""


@dataclass(frozen=True)
class ReportFile:
    key: str  # relative to the exports root
    brand_slug: str
    folder: str  # amazon | helium10 | zonguru | sales
    report_date: date

    @property
    def is_xlsx(self) -> bool:
        return self.key.lower().endswith(".xlsx")

    @property
    def is_sales(self) -> bool:
        return self.folder == SALES_FOLDER

    @property
    def format(self) -> ReportFormat:
        """The folder's usual format (Amazon's folder: the header may say SB or SD)."""
        return FORMATS[self.folder]


@dataclass(frozen=True)
class ParsedReport:
    rows: pl.DataFrame  # KEYWORD_LANDING_SCHEMA or SALES_LANDING_SCHEMA, only the valid rows
    rejections: list[Rejection]
    processed: int  # data rows read (blank lines excluded)
    ad_type: str | None = None  # SP | SB | SD of a search-term report; None for a sales file

    @property
    def status(self) -> str:
        return "partial" if self.rejections else "completed"


def parse_report_key(key: str) -> ReportFile | None:
    """`amazon_ads/<brand>/<amazon|helium10|zonguru|sales>/<YYYY-MM-DD>[_<label>].<csv|xlsx>` -> its parts;
    else None."""
    match = _KEY_PATTERN.match(key)
    if not match or match.group(2) not in FORMATS:
        return None
    try:
        report_date = date.fromisoformat(match.group(3))
    except ValueError:
        return None
    return ReportFile(key=key, brand_slug=match.group(1), folder=match.group(2), report_date=report_date)


# --------------------------------------------------------------------------- #
# Cells: money, counts, percentages (expressions, so a whole column is checked at once)
# --------------------------------------------------------------------------- #


def _is_none_marker(text: pl.Expr) -> pl.Expr:
    return text.is_null() | text.is_in(list(_NONE_MARKERS))


def money_symbol(column: str) -> pl.Expr:
    """The currency symbol written in the cell, if any."""
    return pl.col(column).str.extract(f"({_SYMBOL_CLASS})", 1)


def _bare_money(column: str) -> pl.Expr:
    return pl.col(column).str.replace_all(rf"{_SYMBOL_CLASS}|\s", "")


def money_problem(column: str) -> pl.Expr:
    """Null when the cell is a usable amount; otherwise what is wrong with it."""
    text, bare = pl.col(column), _bare_money(column)
    return (
        pl.when(_is_none_marker(text))
        .then(pl.lit(None, pl.String))
        .when(bare.str.contains(rf"^{_AMOUNT}$"))
        .then(pl.lit(None, pl.String))
        .when(bare.str.contains(rf"^(?:-{_AMOUNT}|\({_AMOUNT}\)|{_AMOUNT}-)$"))
        .then(pl.lit("must be zero or more"))
        .when(text.str.contains("%"))
        .then(pl.lit("is a percentage where an amount is expected"))
        .otherwise(pl.lit("is not an amount (at most 6 decimals)"))
    )


def money_value(column: str) -> pl.Expr:
    """The amount as a plain decimal literal ("1234.50"); "0" for an empty cell."""
    return (
        pl.when(_is_none_marker(pl.col(column)))
        .then(pl.lit("0"))
        .otherwise(_bare_money(column).str.replace_all(",", ""))
    )


def count_problem(column: str) -> pl.Expr:
    text = pl.col(column)
    return (
        pl.when(_is_none_marker(text))
        .then(pl.lit(None, pl.String))
        .when(
            text.str.contains(rf"^{_INTEGER}$") & (text.str.replace_all(",", "").str.len_chars() <= _MAX_COUNT_DIGITS)
        )
        .then(pl.lit(None, pl.String))
        .when(text.str.contains(rf"^-\s*{_INTEGER}$"))
        .then(pl.lit("must be zero or more"))
        .otherwise(pl.lit("is not a whole number"))
    )


def count_value(column: str) -> pl.Expr:
    return (
        pl.when(_is_none_marker(pl.col(column)))
        .then(pl.lit(0, pl.Int64))
        .otherwise(pl.col(column).str.replace_all(",", "").cast(pl.Int64, strict=False))
    )


def _scalar(expression_of_column, cell: str | None):
    return pl.DataFrame({"cell": [cell]}, schema={"cell": pl.String}).select(expression_of_column("cell").alias("out"))[
        "out"
    ][0]


def parse_money_cell(cell: str | None) -> tuple[str | None, str | None, str | None]:
    """(decimal literal, currency symbol, problem) of one cell, by the same expressions the parser uses."""
    problem = _scalar(money_problem, cell)
    return (None if problem else _scalar(money_value, cell), _scalar(money_symbol, cell), problem)


def parse_count_cell(cell: str | None) -> tuple[int | None, str | None]:
    problem = _scalar(count_problem, cell)
    return (None if problem else _scalar(count_value, cell), problem)


def parse_report_date(text: str | None) -> date | None:
    """A date as the tools write it: 2026-09-01, 09/01/2026, Sep 01, 2026, 01.09.2026."""
    if text is None:
        return None
    for layout in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), layout).date()
        except ValueError:
            continue
    return None


def classify_targeting(match_type: str | None, targeting: str | None) -> tuple[str | None, str | None]:
    """(match type, targeting type) of a row from its Match Type and Targeting cells; the
    targeting type is None when the cells say nothing we know (the row is then rejected).

    A keyword has a match type (exact, phrase, broad); an automatic target is one of the
    targeting groups with match type "-" (kept as match type 'auto', as the re-export tools
    write it); a product or audience expression (asin="B0...", category="...", views=(...))
    has match type "-" (or none at all, in Sponsored Display's report) and keeps none.
    """
    value = (match_type or "").strip().lower()
    target = (targeting or "").strip().lower()
    if value in MATCH_TYPES:
        kept = MATCH_TYPES[value]
        return kept, AUTO_TARGETING if kept == "auto" else KEYWORD_TARGETING
    if value not in _NONE_MARKERS and value not in EXPRESSION_MATCH_TYPES:
        return None, None
    if target in AUTO_TARGETING_GROUPS or target.startswith(AUTO_TARGETING_PREFIXES):
        return "auto", AUTO_TARGETING
    if target.startswith(PRODUCT_TARGETING_PREFIXES):
        return None, PRODUCT_TARGETING
    if target.startswith(AUDIENCE_TARGETING_PREFIXES):
        return None, AUDIENCE_TARGETING
    return None, None


def normalise_match_type(match_type: str | None, keyword_text: str | None) -> str | None:
    """exact | phrase | broad | auto, or None (no match type, or none we know)."""
    return classify_targeting(match_type, keyword_text)[0]


# --------------------------------------------------------------------------- #
# Reading
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _Columns:
    frame: pl.DataFrame  # mapped fields by field name, other columns as _extra_<i>; all text
    extra_headers: dict[str, str]  # _extra_<i> -> the header as written
    original_headers: dict[str, str]  # frame column -> the header as written
    report_format: ReportFormat  # the format the header says the file is in
    ends_open: bool = False  # the text ends without a line break (its last row may be cut)


def xlsx_to_csv_text(data: bytes, file: str) -> str:
    """The first worksheet of an .xlsx workbook as CSV text, every cell as calamine writes it
    as text (numbers with at most 15 significant digits, no float noise); a date cell is its day
    serial here (see `_excel_serials_to_dates`). Blank cells are empty fields. A workbook cut
    short fails whole: calamine cannot open a zip without its directory, which is at its end."""
    cut = zip_cut_short(data)
    if cut:
        raise ExportFileError(file, f"{cut}; nothing of it was landed")
    try:
        sheet = pl.read_excel(
            io.BytesIO(data),
            engine="calamine",
            has_header=False,
            read_options={"header_row": None, "dtypes": "string"},
        )
    except Exception as exc:  # calamine's errors have no public base class to name
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExportFileError(file, f"is not a readable .xlsx workbook ({reason})") from None
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(sheet.iter_rows())
    return buffer.getvalue()


def _excel_serials_to_dates(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """A date cell of a workbook reads as "2026-09-01 00:00:00" (date-formatted) or as its day
    serial ("46266", a number cell): make either the ISO date."""

    def iso_date(column: str) -> pl.Expr:
        days = pl.col(column).str.extract(r"^(\d+)", 1).cast(pl.Int64, strict=False)
        return (pl.lit(_EXCEL_EPOCH) + pl.duration(days=days)).dt.to_string("%Y-%m-%d")

    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_EXCEL_SERIAL))
        .then(iso_date(c))
        .when(pl.col(c).str.contains(r"^\d{4}-\d{2}-\d{2}[ T]00:00:00$"))
        .then(pl.col(c).str.slice(0, 10))
        .otherwise(pl.col(c))
        .alias(c)
        for c in columns
    )


def read_report_text(data: bytes, file: str, folder: str, *, is_xlsx: bool = False) -> _Columns:
    """Every column as text, named by landing field, with `source_row_number` (header = 1); the
    format is the folder's, or for Amazon's own folder the report its header shows."""
    if is_xlsx:
        text = xlsx_to_csv_text(data, file)
    else:
        try:
            text = data.decode("utf-8-sig")  # strips a UTF-8 BOM
        except UnicodeDecodeError as exc:
            raise ExportFileError(file, f"is not UTF-8 text (byte {exc.start})") from None
    header_line = text.split("\n", 1)[0].rstrip("\r")
    headers = [h.strip() for h in next(csv.reader([header_line]), [])]
    report_format = format_of_headers(folder, headers)
    names: list[str] = []
    fields_seen: dict[str, str] = {}
    extra_headers: dict[str, str] = {}
    original_headers: dict[str, str] = {}
    for position, header in enumerate(headers):
        field = report_format.field_of_header(header)
        if field is not None and field in fields_seen:
            raise ExportFileError(file, f"columns {fields_seen[field]!r} and {header!r} both carry {field}")
        if field is None:
            if not header:
                header = f"column {position + 1}"
            if normalise_header(header) in {normalise_header(h) for h in extra_headers.values()}:
                raise ExportFileError(file, f"header names column {header!r} more than once")
            name = f"{_EXTRA_PREFIX}{position}"
            extra_headers[name] = header
        else:
            name = field
            fields_seen[field] = header
        names.append(name)
        original_headers[name] = header
    missing = [report_format.usual_header(f) for f in report_format.required if f not in fields_seen]
    if missing:
        raise ExportFileError(
            file,
            f"header is missing column(s) {', '.join(missing)} of the {report_format.label} format"
            + (f"; unexpected: {', '.join(extra_headers.values())}" if extra_headers else ""),
        )
    cut = csv_cut_short(text, len(names))
    if cut:
        raise ExportFileError(file, f"{cut}; nothing of it was landed")
    # Spare columns catch rows with more fields than the header (an unquoted comma in a search
    # term, say): such a row is rejected, not silently shifted into the wrong columns.
    spare = [f"{_SPARE_PREFIX}{i}" for i in range(_SPARE_COLUMNS)]
    try:
        frame = pl.read_csv(
            io.StringIO(text),
            has_header=False,
            skip_rows=1,
            schema={column: pl.String for column in [*names, *spare]},
            truncate_ragged_lines=True,
            missing_columns="insert",
        ).with_row_index("source_row_number", offset=2)
    except PolarsError as exc:  # a quote in the middle of a field, say: not CSV we can split into rows
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ExportFileError(file, f"is not readable CSV ({first_line}); nothing of it was landed") from None
    frame = frame.with_columns(
        pl.any_horizontal(pl.col(c).is_not_null() for c in spare).alias("_has_extra_fields")
    ).drop(spare)
    stripped = frame.with_columns([pl.col(c).str.strip_chars().alias(c) for c in names])
    non_blank = stripped.filter(
        ~pl.all_horizontal((pl.col(c).is_null() | (pl.col(c) == "")) for c in names) | pl.col("_has_extra_fields")
    )
    # An empty cell is null from here on: "" and a missing cell mean the same.
    non_blank = non_blank.with_columns([pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in names])
    if is_xlsx:
        non_blank = _excel_serials_to_dates(non_blank, [c for c in names if FIELD_KINDS.get(c) == DATE])
    # A workbook's text is ours (csv.writer ends every row); only a CSV file's last row can be cut.
    ends_open = not is_xlsx and ends_without_line_break(text) and "\n" in text.rstrip("\r\n")
    return _Columns(non_blank, extra_headers, original_headers, report_format, ends_open)


# --------------------------------------------------------------------------- #
# Validation
# --------------------------------------------------------------------------- #


def parse_report(
    data: bytes, report_file: ReportFile, *, brand_currency: str, source_file: str, run_id: str
) -> ParsedReport:
    columns = read_report_text(data, source_file, report_file.folder, is_xlsx=report_file.is_xlsx)
    parsed = validate_report(
        columns, report_file, brand_currency=brand_currency, source_file=source_file, run_id=run_id
    )
    if columns.ends_open and parsed.rejections and columns.frame.height:
        last = parsed.rejections[-1]
        if last.row_number == columns.frame["source_row_number"].max():
            raise ExportFileError(
                source_file, f"{last_row_cut_short(last.row_number, last.reason)}; nothing of it was landed"
            )
    return parsed


def validate_report(
    columns: _Columns, report_file: ReportFile, *, brand_currency: str, source_file: str, run_id: str
) -> ParsedReport:
    frame = columns.frame
    present = set(frame.columns)
    header_count = len(columns.original_headers)
    problems: list[pl.Expr] = [
        pl.when(pl.col("_has_extra_fields")).then(
            pl.struct(field=pl.lit("*"), reason=pl.lit(f"row has more fields than the header's {header_count}"))
        )
    ]

    def problem(field: str, message: pl.Expr, show_value: bool = True) -> None:
        text = pl.lit(f"{field}: ") + message
        if show_value:
            text = text + pl.lit(" (got '") + pl.col(field).fill_null("") + pl.lit("')")
        problems.append(pl.when(message.is_not_null()).then(pl.struct(field=pl.lit(field), reason=text)))

    def flag(condition: pl.Expr, text: str) -> pl.Expr:
        return pl.when(condition).then(pl.lit(text))

    allowed_symbols = pl.Series(
        [s for s, codes in CURRENCY_SYMBOLS.items() if brand_currency in codes], dtype=pl.String
    )
    expected_day = report_file.report_date
    for field in [c for c in frame.columns if c in FIELD_KINDS]:
        kind = FIELD_KINDS[field]
        if kind == NAME:
            problem(field, flag(pl.col(field).is_null(), "required"), show_value=False)
            if field == "asin":
                problem(
                    field,
                    flag(
                        pl.col(field).is_not_null() & ~pl.col(field).str.contains(_ASIN),
                        "must be 10 upper-case letters or digits",
                    ),
                )
        elif kind == COUNT:
            problem(field, count_problem(field))
        elif kind == MONEY:
            problem(field, money_problem(field))
            problem(
                field,
                flag(
                    too_many_integer_digits(_bare_money(field), _MONEY_INTEGER_DIGITS),
                    f"is too large for the warehouse (at most {_MONEY_INTEGER_DIGITS} digits before the point)",
                ),
            )
            problem(
                field,
                flag(
                    money_symbol(field).is_not_null() & ~money_symbol(field).is_in(allowed_symbols),
                    f"currency symbol contradicts the brand's currency {brand_currency}",
                ),
            )
        elif kind == CURRENCY:
            problem(
                field,
                flag(
                    pl.col(field).is_not_null() & (pl.col(field).str.to_uppercase() != brand_currency),
                    f"must be the brand's currency {brand_currency}",
                ),
            )
        elif kind == DATE:
            values = frame[field].drop_nulls().unique().to_list()
            on_the_day = [v for v in values if parse_report_date(v) == expected_day]
            on_the_day = pl.Series(on_the_day, dtype=pl.String)
            problem(
                field,
                flag(
                    ~pl.col(field).is_in(on_the_day) | pl.col(field).is_null(),
                    f"must be the file's date {expected_day.isoformat()}",
                ),
            )

    for column in frame.columns:
        if not column.startswith("_") and frame.schema[column] == pl.String:
            problem(column, flag(has_nul(column), NUL_REASON), show_value=False)

    if not report_file.is_sales:
        # The match type is checked with the targeting (Sponsored Display's report has no match
        # type column at all). Few distinct (match type, targeting) pairs: classify each once, then join them back.
        match_column = "match_type" if "match_type" in present else None
        keyed = frame.with_columns(
            (pl.col(match_column) if match_column else pl.lit(None, pl.String)).alias("_match_cell")
        )
        pairs = keyed.select("_match_cell", "keyword_text").unique()
        classified = [classify_targeting(m, k) for m, k in pairs.rows()]
        pairs = pairs.with_columns(
            pl.Series("_match_type", [c[0] for c in classified], dtype=pl.String),
            pl.Series("_targeting_type", [c[1] for c in classified], dtype=pl.String),
        )
        frame = keyed.join(pairs, on=["_match_cell", "keyword_text"], how="left", nulls_equal=True).sort(
            "source_row_number"
        )
        problems.append(
            pl.when(pl.col("_targeting_type").is_null() & pl.col("keyword_text").is_not_null()).then(
                pl.struct(
                    field=pl.lit(match_column or "keyword_text"),
                    reason=pl.lit(f"{match_column or 'keyword_text'}: ")
                    + pl.lit("must be exact, phrase, broad or auto, or '-' with a product, audience or automatic ")
                    + pl.lit("targeting expression (got '")
                    + pl.col("_match_cell").fill_null("")
                    + pl.lit("' with targeting '")
                    + pl.col("keyword_text")
                    + pl.lit("')"),
                )
            )
        )

    checked = frame.with_columns(pl.concat_list(problems).list.drop_nulls().alias("_problems"))
    is_bad = pl.col("_problems").list.len() > 0
    bad, good = checked.filter(is_bad), checked.filter(~is_bad)

    extra = (
        pl.struct([pl.col(name).alias(header) for name, header in columns.extra_headers.items()]).struct.json_encode()
        if columns.extra_headers
        else pl.lit("{}")
    )

    def text_or_null(field: str) -> pl.Expr:
        return pl.col(field) if field in present else pl.lit(None, pl.String)

    common_tail = [
        pl.lit(brand_currency).alias("currency"),
        extra.alias("extra_columns"),
        pl.lit(source_file).alias("source_file"),
        pl.col("source_row_number").cast(pl.Int32),
        pl.lit(run_id).alias("ingestion_run_id"),
    ]
    if report_file.is_sales:
        rows = good.select(
            pl.lit(report_file.brand_slug).alias("brand_slug"),
            pl.lit(report_file.report_date).alias("report_date"),
            pl.col("asin"),
            money_value("total_sales").alias("total_sales"),
            count_value("total_units").alias("total_units"),
            money_value("ad_sales").alias("ad_sales"),
            count_value("ad_units").alias("ad_units"),
            *common_tail,
        ).cast(SALES_LANDING_SCHEMA)
        rows = rows.select(list(SALES_LANDING_SCHEMA))
    else:
        rows = good.select(
            pl.lit(report_file.brand_slug).alias("brand_slug"),
            pl.lit(report_file.folder).alias("source_format"),
            pl.lit(columns.report_format.ad_type).alias("ad_type"),
            pl.lit(report_file.report_date).alias("report_date"),
            text_or_null("portfolio_name").alias("portfolio_name"),
            pl.col("campaign_name"),
            pl.col("ad_group_name"),
            pl.col("keyword_text"),
            pl.col("_match_type").alias("match_type"),
            pl.col("_targeting_type").alias("targeting_type"),
            text_or_null("search_term").alias("search_term"),
            count_value("impressions").alias("impressions"),
            count_value("clicks").alias("clicks"),
            money_value("spend").alias("spend"),
            count_value("orders").alias("orders"),
            money_value("sales").alias("sales"),
            *[
                text_or_null(f).alias(f)
                for f in ("reported_ctr", "reported_cpc", "reported_acos", "reported_roas", "reported_conversion_rate")
            ],
            *common_tail,
        )
        rows = rows.select(list(KEYWORD_LANDING_SCHEMA)).cast(KEYWORD_LANDING_SCHEMA)
    if columns.extra_headers:  # a column we do not know may hold an email or IP address: never as is
        rows = rows.with_columns(scrub_pii_json_column(rows["extra_columns"]))

    original = columns.original_headers
    raw_frame = columns.frame.filter(pl.col("source_row_number").is_in(bad["source_row_number"].implode()))
    raw_by_row = {
        record.pop("source_row_number"): {original[k]: v for k, v in record.items()}
        for record in raw_frame.select(["source_row_number", *original]).to_dicts()
    }
    rejections = [
        _rejection(row_number, found, raw_by_row[row_number])
        for row_number, found in zip(bad["source_row_number"].to_list(), bad["_problems"].to_list())
    ]
    return ParsedReport(
        rows=rows,
        rejections=rejections,
        processed=frame.height,
        ad_type=None if report_file.is_sales else columns.report_format.ad_type,
    )


def _rejection(row_number: int, found: list[dict[str, str]], raw_record: dict) -> Rejection:
    if any(p["field"] == "*" for p in found):
        # Its cells are shifted, so what the other checks say about them would mislead.
        found = [p for p in found if p["field"] == "*"]
    return Rejection(
        row_number=row_number,
        fields=tuple(dict.fromkeys(p["field"] for p in found)),
        reason="; ".join(p["reason"] for p in found),
        raw_record=raw_record,
    )


def day_of_key(key: str) -> date | None:
    """The partition day of an object key; None when the key is not in this source's layout."""
    info = parse_report_key(key)
    return info.report_date if info else None
