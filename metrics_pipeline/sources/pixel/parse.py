"""Parse and validate one pixel-events export (JSON Lines, optionally gzip). Pure functions.

A file is read in blocks of whole lines (`iter_event_chunks`), so a large export never has
to be held as one frame; `parse_events` is the one-block convenience. Per block:

1. split into lines with their physical line numbers (1 = the first line; blank lines are
   skipped but still counted), in polars;
2. the values of known keys that are JSON numbers or booleans are quoted by a regex that is
   anchored on the key (`{"order_value": 12.50` → `{"order_value": "12.50"`), so every
   value arrives as its literal text and money never passes through float (a known key
   whose value is an object or array rejects its line);
3. polars' NDJSON reader decodes every known key as text in one pass. Only when it refuses
   a block (a line that is not JSON, or not an object) does Python's `json` find the
   offending lines, which are rejected; the rest is decoded by polars again, so a valid
   line lands the same whichever way its block went;
4. vectorised checks produce the typed frame (`EVENT_SCHEMA`) and the rejections;
5. duplicate event ids within the block keep their first line and are counted, not
   rejected (duplicates across blocks, files and days are dropped by the landing insert);
6. `ip` is replaced by `hash_ip(ip, key)`; the address itself is in no frame and in no
   rejection's raw record;
7. `page_url`, `landing_page` and `referrer` lose personal data (`pii.scrub_url`: `?email=`,
   `&phone=`, `&name=`... are dropped, email and IP addresses replaced; utm_* and click ids
   stay as written), and so does every text of a rejection's raw record (`scrub_pii_value`).
   Nothing of it is hashed, so this needs no key.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO

import polars as pl
from polars.exceptions import PanicException, PolarsError

from metrics_pipeline.landing.exports import LandingFileError
from metrics_pipeline.landing.ingestion import Rejection
from metrics_pipeline.security.pii import (
    MAY_HOLD_PII,
    hash_ip,
    scrub_flagged,
    scrub_pii_text,
    scrub_pii_value,
    scrub_url,
)

SOURCE = "pixel"
FIELDS = (
    "event_id",
    "site_id",
    "event_type",
    "occurred_at",
    "visitor_id",
    "session_id",
    "page_url",
    "landing_page",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "utm_id",
    "gclid",
    "fbclid",
    "ttclid",
    "checkout_token",
    "order_value",
    "currency",
    "ip",
    "user_agent",
)
REQUIRED_FIELDS = ("event_id", "site_id", "event_type", "visitor_id", "occurred_at")
# Landed as they come (stripped; blank is NULL). occurred_at, order_value and ip are converted.
TEXT_FIELDS = tuple(f for f in FIELDS if f not in ("occurred_at", "order_value", "ip"))
URL_FIELDS = ("page_url", "landing_page", "referrer")  # landed through `pii.scrub_url`
LINE_FIELD = "*"  # Rejection.fields of a line that could not be read as a JSON object

# What parse produces for raw_pixel.events, in table order; the loader adds source_file and
# ingestion_run_id.
EVENT_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.String(),
    "site_id": pl.String(),
    "event_type": pl.String(),
    "occurred_at": pl.Datetime("us", "UTC"),
    "event_date": pl.Date(),
    "visitor_id": pl.String(),
    "session_id": pl.String(),
    "page_url": pl.String(),
    "landing_page": pl.String(),
    "referrer": pl.String(),
    "utm_source": pl.String(),
    "utm_medium": pl.String(),
    "utm_campaign": pl.String(),
    "utm_term": pl.String(),
    "utm_content": pl.String(),
    "utm_id": pl.String(),
    "gclid": pl.String(),
    "fbclid": pl.String(),
    "ttclid": pl.String(),
    "checkout_token": pl.String(),
    "order_value": pl.Decimal(20, 6),  # numeric(20, 6): validated text, cast exactly
    "currency": pl.String(),
    "ip_hash": pl.String(),
    "user_agent": pl.String(),
    "source_line": pl.Int32(),
}

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
DEFAULT_CHUNK_BYTES = 32 * 1024 * 1024  # of decompressed text per block

# The extension in any case: `.JSONL` or `.jsonl.GZ` means the same.
_KEY_PATTERN = re.compile(r"^pixel/(\d{4}-\d{2}-\d{2})/(.+\.(?i:jsonl(?:\.gz)?))$")
_TEXT_SCHEMA = {field: pl.String() for field in FIELDS}

# The key-anchored patterns are safe on any line that is valid JSON: a `"` directly after
# `{` or `,` (and JSON whitespace) cannot be inside a string, where it would be escaped.
_WS = r"[ \t\r]*"
_KNOWN_KEY = r"[{,]" + _WS + r'"(?:' + "|".join(FIELDS) + r')"' + _WS + ":" + _WS
_JSON_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
# A line with some value that is not a string or null (cheap, and a superset of the rest).
_NON_STRING_VALUE = r'"' + _WS + ":" + _WS + r"[-0-9tf\[{]"
_SCALAR_OF_KNOWN_KEY = "(" + _KNOWN_KEY + ")(" + _JSON_NUMBER + r"|true|false)\b"
_NESTED_OF_KNOWN_KEY = _KNOWN_KEY + r"[\[{]"

_EVENT_TYPE = r"^[a-z_]+$"
_ORDER_VALUE = r"^[0-9]{1,14}(?:\.[0-9]{1,6}0*)?$"  # numeric(20, 6); trailing zeros are exact
_TIMESTAMP_WITH_ZONE = ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z")
_TIMESTAMP_WITHOUT_ZONE = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M")
_SHOWN_VALUE_CHARS = 200
_NOT_A_SCALAR = "must be a string, number or boolean, not an object or array"

# For text that could not be parsed: the value after an "ip" key, and anything like an IPv4.
_IP_VALUE = re.compile(r'("ip"?\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\]\s]*)', re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_REDACTED = "[redacted]"


class PixelFileError(LandingFileError):
    """The whole file cannot be landed (a truncated or corrupt gzip stream, say)."""


@dataclass(frozen=True)
class PixelFile:
    key: str  # relative to the exports root
    event_date: date  # the folder's day: the partition


@dataclass(frozen=True)
class EventChunk:
    events: pl.DataFrame  # EVENT_SCHEMA, valid events, one row per event id
    rejections: list[Rejection]
    processed: int  # non-blank lines read
    duplicates: int  # valid lines dropped because their event id came earlier in the block


@dataclass(frozen=True)
class ParsedEvents:
    events: pl.DataFrame
    rejections: list[Rejection]
    processed: int
    duplicates: int

    @property
    def status(self) -> str:
        return "partial" if self.rejections else "completed"


def parse_pixel_key(key: str) -> PixelFile | None:
    """`pixel/<YYYY-MM-DD>/<anything>.jsonl[.gz]` → its day; None if the key is not one."""
    match = _KEY_PATTERN.match(key)
    if not match:
        return None
    try:
        return PixelFile(key=key, event_date=date.fromisoformat(match.group(1)))
    except ValueError:
        return None


class _Prefixed:
    """A stream with bytes already read from it put back in front (the gzip magic we peeked)."""

    def __init__(self, prefix: bytes, rest: BinaryIO):
        self._prefix = prefix
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if not self._prefix:
            return self._rest.read(size)
        if size is None or size < 0:
            data, self._prefix = self._prefix + self._rest.read(), b""
            return data
        data, self._prefix = self._prefix[:size], self._prefix[size:]
        if len(data) < size:
            data += self._rest.read(size - len(data))
        return data


def is_gzip(data: bytes) -> bool:
    """By content, whatever the name says: gzip streams start with the bytes 1f 8b."""
    return data[:2] == GZIP_MAGIC


def iter_blocks(
    source: bytes | BinaryIO, file: str, chunk_bytes: int | None = DEFAULT_CHUNK_BYTES
) -> Iterator[tuple[int, bytes]]:
    """(number of the block's first line, block) over the decompressed text.

    `source` is the file's bytes or a stream of them (read as the blocks are needed, so a
    large export is never held whole). Every block but the last ends with a line break;
    `chunk_bytes=None` gives one block. A gzip stream that is truncated or corrupt raises
    `PixelFileError`, possibly after some blocks were yielded: the caller must discard what
    it took from the file.
    """
    stream: BinaryIO = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    magic = stream.read(len(GZIP_MAGIC))
    stream = _Prefixed(magic, stream)
    size = -1 if chunk_bytes is None else chunk_bytes
    if is_gzip(magic):
        unzipped = gzip.GzipFile(fileobj=stream)

        def read() -> bytes:
            try:
                return unzipped.read(size)
            except (EOFError, OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
                raise PixelFileError(
                    file,
                    f"is not a readable gzip stream (truncated or corrupt: {exc}); nothing of it was landed",
                ) from None
    else:

        def read() -> bytes:
            return stream.read(size)

    first_line = 1
    pending = b""
    at_start = True
    while True:
        block = read()
        if not block:
            break
        if pending:
            block = pending + block
        if at_start:
            at_start = False
            if block.startswith(UTF8_BOM):
                block = block[len(UTF8_BOM) :]
        cut = block.rfind(b"\n") + 1
        if cut == 0:  # a line longer than a block: keep reading
            pending = block
            continue
        pending = block[cut:]
        yield first_line, block[:cut]
        first_line += block.count(b"\n", 0, cut)
    if pending:
        yield first_line, pending


def iter_event_chunks(
    data: bytes | BinaryIO,
    *,
    file: str,
    event_date: date,
    known_sites: Mapping[str, str],
    pii_key: bytes,
    chunk_bytes: int | None = DEFAULT_CHUNK_BYTES,
) -> Iterator[EventChunk]:
    """Parse a file block by block; see the module docstring. May raise `PixelFileError`."""
    sites = pl.Series("site_id", sorted(known_sites), dtype=pl.String)
    ip_hasher = IpHasher(pii_key)  # a file's later blocks mostly repeat addresses already hashed
    for first_line, block in iter_blocks(data, file, chunk_bytes):
        chunk = parse_block(block, first_line, event_date=event_date, known_sites=sites, ip_hasher=ip_hasher)
        if block.strip() and not block.endswith(b"\n"):
            _refuse_cut_last_line(chunk, first_line + block.count(b"\n"), file)
        yield chunk


def _refuse_cut_last_line(chunk: EventChunk, last_line: int, file: str) -> None:
    """A last line with no line break after it that is not JSON was cut short (a complete
    JSON object ends with `}`): the file fails whole rather than land `partial`."""
    for rejection in chunk.rejections:
        if rejection.row_number == last_line and rejection.fields == (LINE_FIELD,):
            raise PixelFileError(
                file,
                f"ends mid-line (truncated?): line {last_line} has no line break and is not JSON "
                f"({rejection.reason}); nothing of it was landed",
            )


def parse_events(
    data: bytes,
    *,
    file: str,
    event_date: date,
    known_sites: Mapping[str, str],
    pii_key: bytes,
) -> ParsedEvents:
    """The whole file as one block: its valid events (one per event id) and its rejections."""
    chunks = list(
        iter_event_chunks(
            data, file=file, event_date=event_date, known_sites=known_sites, pii_key=pii_key, chunk_bytes=None
        )
    )
    return ParsedEvents(
        events=pl.concat([c.events for c in chunks]) if chunks else pl.DataFrame(schema=EVENT_SCHEMA),
        rejections=[r for c in chunks for r in c.rejections],
        processed=sum(c.processed for c in chunks),
        duplicates=sum(c.duplicates for c in chunks),
    )


def parse_block(
    block: bytes, first_line: int, *, event_date: date, known_sites: pl.Series, ip_hasher: IpHasher
) -> EventChunk:
    lines, rejections = _split_lines(block, first_line)
    processed = lines.height + len(rejections)
    decoded, line_problems = _decode(lines)
    rejections += [
        Rejection(number, fields, _safe_text(reason), _raw_record(text))
        for number, fields, reason, text in line_problems
    ]
    events, bad = _validate(decoded, event_date=event_date, known_sites=known_sites)
    if bad.height:
        wanted = pl.col("line_number").is_in(bad["line_number"].implode())
        originals = dict(lines.filter(wanted).select("line_number", "line").iter_rows())
        rejections += [
            _field_rejection(number, found, originals[number])
            for number, found in zip(bad["line_number"].to_list(), bad["_problems"].to_list())
        ]
    unique = events.filter(pl.col("event_id").is_first_distinct())
    return EventChunk(
        events=ip_hasher.replace_ip(without_personal_data_in_urls(unique)),
        rejections=sorted(rejections, key=lambda r: r.row_number),
        processed=processed,
        duplicates=events.height - unique.height,
    )


def _split_lines(block: bytes, first_line: int) -> tuple[pl.DataFrame, list[Rejection]]:
    """Non-blank lines (stripped) with their numbers, and rejections of lines that are not UTF-8."""
    rejections: list[Rejection] = []
    try:
        lines = pl.Series("line", [block.decode("utf-8")], dtype=pl.String).str.split("\n").explode()
    except UnicodeDecodeError:
        texts: list[str | None] = []
        for offset, raw in enumerate(block.split(b"\n")):
            try:
                texts.append(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                texts.append(None)
                if raw.strip():
                    rejections.append(
                        Rejection(
                            first_line + offset,
                            (LINE_FIELD,),
                            f"line is not UTF-8 text (byte {exc.start + 1} of the line)",
                            {"line": _redact_text(raw.decode("utf-8", "replace"))},
                        )
                    )
        lines = pl.Series("line", texts, dtype=pl.String)
    frame = (
        pl.DataFrame({"line": lines})
        .with_row_index("line_number", offset=first_line)
        .with_columns(pl.col("line_number").cast(pl.Int64), pl.col("line").str.strip_chars())
        .filter(pl.col("line").str.len_bytes() > 0)
    )
    return frame, rejections


def _decode(lines: pl.DataFrame) -> tuple[pl.DataFrame, list[tuple[int, tuple[str, ...], str, str]]]:
    """(line_number + every known key as text, [(line, fields, reason, text) of refused lines])."""
    # Values of known keys that are numbers or booleans become their literal text.
    index = lines.with_row_index("_i").filter(pl.col("line").str.contains(_NON_STRING_VALUE))
    json_text = lines["line"]
    problems: list[tuple[int, tuple[str, ...], str, str]] = []
    if index.height:
        json_text = json_text.clone().scatter(
            index["_i"], index["line"].str.replace_all(_SCALAR_OF_KNOWN_KEY, '${1}"${2}"')
        )
        nested = index.filter(pl.col("line").str.contains(_NESTED_OF_KNOWN_KEY))
        refused: set[int] = set()
        for i, number, text in nested.select("_i", "line_number", "line").iter_rows():
            fields = _nested_known_fields(text)
            if fields:
                refused.add(i)
                reason = "; ".join(f"{f}: {_NOT_A_SCALAR}" for f in fields)
                problems.append((number, fields, reason, text))
        if refused:
            keep = ~pl.Series(range(lines.height)).is_in(pl.Series(sorted(refused)).implode())
            lines, json_text = lines.filter(keep), json_text.filter(keep)
    work = lines.with_columns(json_text.alias("json"))
    try:
        return _read_json_lines(work), problems
    except _DECODE_ERRORS:
        pass
    # Some line is not a JSON object: Python's parser names it; polars decodes the rest.
    verdicts = [_json_problem(text) for text in work["json"].to_list()]
    for number, text, verdict in zip(work["line_number"].to_list(), work["line"].to_list(), verdicts):
        if verdict is not None:
            problems.append((number, (LINE_FIELD,), verdict, text))
    work = work.filter(pl.Series([v is None for v in verdicts], dtype=pl.Boolean))
    frames, refused_by_polars = _bisect(work)
    problems += refused_by_polars
    decoded = pl.concat(frames) if frames else _empty_decoded()
    return decoded, problems


_DECODE_ERRORS = (PolarsError, PanicException, ValueError)


def _read_json_lines(work: pl.DataFrame) -> pl.DataFrame:
    if work.height == 0:
        return _empty_decoded()
    data = work["json"].str.join("\n").cast(pl.Binary).item()
    decoded = pl.read_ndjson(data, schema=_TEXT_SCHEMA)
    if decoded.height != work.height:  # never seen; but never let rows slip against lines
        raise ValueError(f"{work.height} lines decoded into {decoded.height} rows")
    return decoded.with_columns(work["line_number"]).select("line_number", *FIELDS)


def _bisect(work: pl.DataFrame) -> tuple[list[pl.DataFrame], list[tuple[int, tuple[str, ...], str, str]]]:
    """Decode what polars accepts; lines it refuses (where Python's parser did not) are rejected."""
    try:
        return [_read_json_lines(work)], []
    except _DECODE_ERRORS as exc:
        if work.height == 1:
            [(number, text)] = work.select("line_number", "line").rows()
            reason = _redact_text(f"invalid JSON: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            return [], [(number, (LINE_FIELD,), reason, text)]
    middle = work.height // 2
    first_frames, first_problems = _bisect(work.slice(0, middle))
    second_frames, second_problems = _bisect(work.slice(middle))
    return first_frames + second_frames, first_problems + second_problems


def _empty_decoded() -> pl.DataFrame:
    return pl.DataFrame(schema={"line_number": pl.Int64(), **_TEXT_SCHEMA})


_normalized_time_stamp = (
    pl.col("occurred_at").str.replace(r"^(\d{4}-\d{2}-\d{2})[ tT]", "${1}T").str.replace(r"[zZ]$", "+00:00")
)


def _parsed(formats: tuple[str, ...]) -> pl.Expr:
    text = pl.col("_occurred_text")
    return pl.coalesce([text.str.to_datetime(f, strict=False, time_unit="us") for f in formats])


def _validate(decoded: pl.DataFrame, *, event_date: date, known_sites: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(typed valid events incl. `ip`, bad rows as line_number + `_problems`)."""
    clean = decoded.with_columns(
        [
            pl.when(pl.col(f).str.strip_chars().str.len_bytes() > 0).then(pl.col(f).str.strip_chars()).alias(f)
            for f in FIELDS
        ]
    )
    clean = clean.with_columns(_normalized_time_stamp.alias("_occurred_text"))
    clean = clean.with_columns(_parsed(_TIMESTAMP_WITH_ZONE[:1]).dt.convert_time_zone("UTC").alias("_occurred_utc"))
    # The rarer forms (no seconds; no zone, to say so) are tried only when some value needs them.
    if (clean["occurred_at"].is_not_null() & clean["_occurred_utc"].is_null()).any():
        clean = clean.with_columns(
            pl.coalesce(pl.col("_occurred_utc"), _parsed(_TIMESTAMP_WITH_ZONE[1:]).dt.convert_time_zone("UTC")),
            _parsed(_TIMESTAMP_WITHOUT_ZONE).alias("_occurred_naive"),
        )
    else:
        clean = clean.with_columns(pl.lit(None, dtype=pl.Datetime("us")).alias("_occurred_naive"))
    problems: list[pl.Expr] = []

    def problem(field: str, bad: pl.Expr, message: str, show_value: bool = True) -> None:
        text = pl.lit(f"{field}: {message}")
        if show_value:
            shown = pl.col(field).str.slice(0, _SHOWN_VALUE_CHARS).fill_null("")
            text = text + pl.lit(" (got '") + shown + pl.lit("')")
        problems.append(pl.when(bad).then(pl.struct(field=pl.lit(field), reason=text)))

    for field in REQUIRED_FIELDS:
        problem(field, pl.col(field).is_null(), "required", show_value=False)
    for field in FIELDS:
        if field != "ip":  # never stored, so a NUL in it harms nothing
            has_nul = pl.col(field).str.contains("\x00", literal=True)
            problem(field, has_nul, "contains a NUL character", show_value=False)
    problem(
        "site_id",
        pl.col("site_id").is_not_null() & ~pl.col("site_id").is_in(known_sites.implode()),
        "unknown site id: no client in the configuration has it as pixel_site_id",
    )
    problem(
        "event_type",
        pl.col("event_type").is_not_null() & ~pl.col("event_type").str.contains(_EVENT_TYPE),
        "must be lower-case letters and underscores, like page_view",
    )
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
    bad_value = pl.col("order_value").is_not_null() & ~pl.col("order_value").str.contains(_ORDER_VALUE)
    negative = pl.col("order_value").str.contains(r"^-[0-9]")
    problem("order_value", bad_value & negative, "must not be negative")
    problem(
        "order_value",
        bad_value & ~negative.fill_null(False),
        "must be a plain decimal amount (at most 14 digits before the point and 6 after)",
    )

    checked = clean.with_columns(pl.concat_list(problems).list.drop_nulls().alias("_problems"))
    is_bad = pl.col("_problems").list.len() > 0
    bad = checked.filter(is_bad).select("line_number", "_problems")
    events = checked.filter(~is_bad).select(
        *[pl.col(f) for f in TEXT_FIELDS],
        pl.col("_occurred_utc").alias("occurred_at"),
        pl.lit(event_date, dtype=pl.Date).alias("event_date"),
        pl.col("order_value").cast(pl.Decimal(20, 6)),  # exact: the text was checked above
        pl.col("ip"),
        pl.col("line_number").cast(pl.Int32).alias("source_line"),
    )
    return events, bad


def without_personal_data_in_urls(events: pl.DataFrame) -> pl.DataFrame:
    """`URL_FIELDS` through `scrub_url`; only values the cheap pattern flags reach Python."""
    return events.with_columns(scrub_flagged(events[field], scrub_url, MAY_HOLD_PII) for field in URL_FIELDS)


class IpHasher:
    """`hash_ip` once per distinct address, remembering up to `capacity` of them (a file's
    later blocks mostly repeat its visitors' addresses)."""

    def __init__(self, key: bytes, capacity: int = 1_000_000):
        self.key = key
        self.capacity = capacity
        self._known = pl.DataFrame(schema={"ip": pl.String(), "ip_hash": pl.String()})

    def replace_ip(self, events: pl.DataFrame) -> pl.DataFrame:
        """`ip` → `ip_hash`; the column `ip` is dropped. Returns EVENT_SCHEMA."""
        addresses = events["ip"].drop_nulls().unique()
        new = addresses.filter(~addresses.is_in(self._known["ip"].implode()))
        if new.len():
            if self._known.height + new.len() > self.capacity:
                self._known = self._known.clear()
                new = addresses
            hashed = pl.DataFrame(
                {"ip": new, "ip_hash": [hash_ip(address, self.key) for address in new.to_list()]},
                schema={"ip": pl.String(), "ip_hash": pl.String()},
            )
            self._known = pl.concat([self._known, hashed], rechunk=False)
        return (
            events.join(self._known, on="ip", how="left", maintain_order="left")
            .select(list(EVENT_SCHEMA))
            .cast(EVENT_SCHEMA)
        )


def _first_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A repeated key keeps its first value, as polars' reader does."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        result.setdefault(key, value)
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json_problem(text: str) -> str | None:
    """Why a line is not a JSON object, or None if it is one."""
    try:
        value = json.loads(text, object_pairs_hook=_first_wins, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg} (column {exc.colno})"
    except (ValueError, RecursionError) as exc:
        return f"invalid JSON: {exc}"
    if not isinstance(value, dict):
        kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
        kind = kinds.get(type(value), "a number")
        return f"not a JSON object (got {kind})"
    return None


def _nested_known_fields(text: str) -> tuple[str, ...]:
    try:
        value = json.loads(text, object_pairs_hook=_first_wins, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return ()  # its syntax error is reported when the block is decoded
    if not isinstance(value, dict):
        return ()
    return tuple(f for f in FIELDS if isinstance(value.get(f), (dict, list)))


def _raw_record(text: str) -> dict[str, Any]:
    """The line as read, for ops.rejected_rows: the object's keys with numbers as their
    literal text, or the line itself if it is no object; never an IP address."""
    try:
        value = json.loads(
            text, object_pairs_hook=_first_wins, parse_float=str, parse_int=str, parse_constant=_refuse_constant
        )
    except (ValueError, RecursionError):
        return {"line": _redact_text(text)}
    if not isinstance(value, dict):
        return {"line": _redact_text(text)}
    return _without_ip(value)


def _without_ip(value: Any) -> Any:
    return scrub_pii_value(_safe_values(value))


def _safe_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {_safe_text(k): _safe_values(v) for k, v in value.items() if k.strip().lower() != "ip"}
    if isinstance(value, list):
        return [_safe_values(v) for v in value]
    if isinstance(value, str):
        return _safe_text(value)
    return value


def _redact_text(text: str) -> str:
    text = _IPV4.sub(_REDACTED, _IP_VALUE.sub(lambda m: m.group(1) + f'"{_REDACTED}"', text))
    return _safe_text(scrub_pii_text(text))


def _safe_text(text: str) -> str:
    """Storable in Postgres text and jsonb: no NUL, no lone surrogates."""
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _field_rejection(number: int, found: list[dict[str, str]], text: str) -> Rejection:
    fields = tuple(dict.fromkeys(p["field"] for p in found))
    return Rejection(
        row_number=number,
        fields=fields,
        reason=_safe_text("; ".join(p["reason"] for p in found)),
        raw_record=_raw_record(text),
    )


def day_of_key(key: str) -> date | None:
    """The partition day of an object key; None when the key is not in this source's layout."""
    info = parse_pixel_key(key)
    return info.event_date if info else None
