import gzip
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from metrics_pipeline.security.pii import IP_REMOVED, hash_ip
from metrics_pipeline.sources.pixel.parse import (
    EVENT_SCHEMA,
    UTF8_BOM,
    PixelFileError,
    is_gzip,
    iter_blocks,
    iter_event_chunks,
    parse_events,
    parse_pixel_key,
)

KEY = b"unit-test-pii-key-0123456789"
DAY = date(2026, 9, 1)
FILE = "s3://bucket/exports/pixel/2026-09-01/events.jsonl"
SITES = {"site-acme": "acme", "site-bloom": "bloom"}
IP = "203.0.113.7"


def event(event_id="e1", /, **overrides) -> dict:
    record = {
        "event_id": event_id,
        "site_id": "site-acme",
        "event_type": "page_view",
        "occurred_at": "2026-09-01T12:00:00Z",
        "visitor_id": "v1",
        "ip": IP,
    }
    record.update(overrides)
    return {k: v for k, v in record.items() if v is not ...}


def lines(*records) -> bytes:
    return ("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n").encode()


def parse(data: bytes, file: str = FILE, sites=SITES):
    return parse_events(data, file=file, event_date=DAY, known_sites=sites, pii_key=KEY)


def only_rejection(data: bytes):
    parsed = parse(data)
    assert parsed.events.height == 0
    [rejection] = parsed.rejections
    return rejection


def test_key_layout():
    assert parse_pixel_key("pixel/2026-09-01/part-0001.jsonl").event_date == DAY
    assert parse_pixel_key("pixel/2026-09-01/batch/part.jsonl.gz").event_date == DAY
    assert parse_pixel_key("pixel/2026-02-30/a.jsonl") is None
    assert parse_pixel_key("pixel/2026-09-01/a.json") is None
    assert parse_pixel_key("pixel/a.jsonl") is None
    assert parse_pixel_key("media_partner/acme/2026-09-01.csv") is None


def test_a_valid_event_lands_typed_with_every_column():
    record = event(
        session_id="s1",
        page_url=" https://acme.example/p?x=1 ",
        landing_page="https://acme.example/",
        referrer="https://google.com/",
        utm_source="google",
        utm_medium="cpc",
        utm_campaign="fall",
        utm_term="boots",
        utm_content="ad-1",
        utm_id="123",
        gclid="g-1",
        fbclid="f-1",
        ttclid="t-1",
        checkout_token="tok",
        order_value="19.90",
        currency="USD",
        user_agent="Mozilla/5.0",
        occurred_at="2026-09-01T12:00:00.123456-04:00",
        unknown_key={"ignored": True},
    )
    parsed = parse(lines(record))
    assert parsed.rejections == [] and parsed.processed == 1 and parsed.status == "completed"
    assert parsed.events.schema == EVENT_SCHEMA
    [row] = parsed.events.to_dicts()
    assert row["occurred_at"] == datetime(2026, 9, 1, 16, 0, 0, 123456, tzinfo=UTC)
    assert row["event_date"] == DAY and row["source_line"] == 1
    assert row["page_url"] == "https://acme.example/p?x=1"  # stripped
    assert row["order_value"] == Decimal("19.90")
    assert row["ttclid"] == "t-1" and row["checkout_token"] == "tok" and row["currency"] == "USD"
    assert row["ip_hash"] == hash_ip(IP, KEY)
    assert "ip" not in parsed.events.columns and "unknown_key" not in parsed.events.columns


def test_time_stamps_in_any_offset_become_utc():
    stamps = {
        "a": "2026-09-01T12:00:00Z",
        "b": "2026-09-01T14:00:00+02:00",
        "c": "2026-09-01 07:00:00-0500",
        "d": "2026-09-01T12:00Z",
        "e": "2026-09-01T12:00:00.5+00",
    }
    parsed = parse(lines(*[event(k, occurred_at=v) for k, v in stamps.items()]))
    assert parsed.rejections == []
    got = dict(zip(parsed.events["event_id"], parsed.events["occurred_at"]))
    assert {k: v.replace(microsecond=0) for k, v in got.items()} == {
        k: datetime(2026, 9, 1, 12, tzinfo=UTC) for k in stamps
    }
    assert got["e"].microsecond == 500000


@pytest.mark.parametrize("field", ["event_id", "site_id", "event_type", "visitor_id", "occurred_at"])
@pytest.mark.parametrize("value", [..., None, "", "   "])
def test_each_required_field(field, value):
    rejection = only_rejection(lines(event(**{field: value})))
    assert rejection.row_number == 1
    assert rejection.fields == (field,)
    assert rejection.reason == f"{field}: required"


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"site_id": "site-unknown"}, "site_id", "unknown site id"),
        ({"event_type": "PageView"}, "event_type", "lower-case letters and underscores"),
        ({"event_type": "page-view"}, "event_type", "lower-case letters and underscores"),
        ({"occurred_at": "2026-09-01T12:00:00"}, "occurred_at", "needs a time zone offset"),
        ({"occurred_at": "yesterday"}, "occurred_at", "must be an ISO 8601 timestamp"),
        ({"occurred_at": "2026-02-30T12:00:00Z"}, "occurred_at", "must be an ISO 8601 timestamp"),
        ({"order_value": "-5.00"}, "order_value", "must not be negative"),
        ({"order_value": -5}, "order_value", "must not be negative"),
        ({"order_value": "12,50"}, "order_value", "plain decimal amount"),
        ({"order_value": "1e3"}, "order_value", "plain decimal amount"),
        ({"order_value": "1.1234567"}, "order_value", "plain decimal amount"),
        ({"order_value": "123456789012345"}, "order_value", "plain decimal amount"),
        ({"order_value": True}, "order_value", "plain decimal amount"),
        ({"visitor_id": {"id": 1}}, "visitor_id", "not an object or array"),
        ({"event_id": ["e1"]}, "event_id", "not an object or array"),
        ({"user_agent": "nul\u0000byte"}, "user_agent", "NUL character"),
    ],
)
def test_each_field_rule_names_its_line_field_and_reason(overrides, field, reason):
    bad = event("bad", **overrides)
    data = lines(event("fine"), "", bad, event("fine-too"))
    parsed = parse(data)
    assert sorted(parsed.events["event_id"]) == ["fine", "fine-too"]
    [rejection] = parsed.rejections
    assert rejection.row_number == 3  # blank lines count
    assert rejection.fields == (field,)
    assert reason in rejection.reason and rejection.reason.startswith(f"{field}: ")
    assert parsed.processed == 3 and parsed.status == "partial"


@pytest.mark.parametrize("literal", ["1e400", "1E2", "-0.5", "0.1234567", "123456789012345"])
def test_order_value_json_numbers_outside_numeric_20_6_are_rejected_not_rounded(literal):
    line = json.dumps(event(order_value="PLACEHOLDER")).replace('"PLACEHOLDER"', literal)
    rejection = only_rejection(lines(line))
    assert rejection.fields == ("order_value",) and f"(got '{literal}')" in rejection.reason
    assert rejection.raw_record["order_value"] == literal


def test_several_problems_of_one_line_are_reported_together():
    rejection = only_rejection(lines(event(site_id="nope", event_type="X", visitor_id="", order_value="-1")))
    assert rejection.fields == ("visitor_id", "site_id", "event_type", "order_value")
    assert rejection.reason.count(";") == 3


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"event_id": "e1", ', "invalid JSON"),
        ("{'event_id': 'e1'}", "invalid JSON"),
        ('{"event_id": "e1"} {"event_id": "e2"}', "invalid JSON"),
        ('{"event_id": NaN}', "invalid JSON"),
        ('["e1", "site-acme"]', "not a JSON object (got an array)"),
        ('"e1"', "not a JSON object (got a string)"),
        ("42", "not a JSON object (got a number)"),
        ("null", "not a JSON object (got null)"),
    ],
)
def test_a_line_that_is_no_json_object_is_rejected_whole(line, reason):
    parsed = parse(lines(event("before"), line, event("after")))
    assert sorted(parsed.events["event_id"]) == ["after", "before"]
    [rejection] = parsed.rejections
    assert (rejection.row_number, rejection.fields) == (2, ("*",))
    assert rejection.reason.startswith(reason)
    assert rejection.raw_record == {"line": line.strip()}


def test_a_line_that_is_not_utf8_is_rejected_and_the_rest_parses():
    data = lines(event("before")) + b'{"event_id": "caf\xe9"}\n' + lines(event("after"))
    parsed = parse(data)
    assert sorted(parsed.events["event_id"]) == ["after", "before"]
    [rejection] = parsed.rejections
    assert rejection.row_number == 2 and "not UTF-8" in rejection.reason


def test_blank_lines_crlf_and_a_bom_are_fine_and_lines_keep_their_numbers():
    data = b"\xef\xbb\xbf" + lines(event("e1")).replace(b"\n", b"\r\n") + b"\r\n  \n" + lines(event("e2"))[:-1]
    parsed = parse(data)
    assert parsed.rejections == [] and parsed.processed == 2
    assert parsed.events.select("event_id", "source_line").rows() == [("e1", 1), ("e2", 4)]


def test_gzip_is_detected_by_its_bytes_not_its_name():
    plain = lines(event("e1"), "{broken", event("e2"))
    compressed = gzip.compress(plain)
    assert is_gzip(compressed) and not is_gzip(plain)
    expected = parse(plain)
    for name in ("events.jsonl", "events.jsonl.gz"):
        parsed = parse(compressed, file=f"pixel/2026-09-01/{name}")
        assert parsed.events.equals(expected.events)
        assert parsed.rejections == expected.rejections
    # A plain file named .gz is read as the text it is.
    assert parse(plain, file="pixel/2026-09-01/events.jsonl.gz").events.equals(expected.events)


def test_concatenated_gzip_members_are_one_file():
    data = gzip.compress(lines(event("e1"))) + gzip.compress(lines(event("e2")))
    assert sorted(parse(data).events["event_id"]) == ["e1", "e2"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data[:-4] + bytes(b ^ 0xFF for b in data[-4:]),  # wrong length in the trailer
        lambda data: data[:10] + bytes(b ^ 0x55 for b in data[10:40]) + data[40:],  # corrupt deflate data
    ],
)
def test_a_damaged_gzip_fails_the_whole_file_naming_it(damage):
    data = damage(gzip.compress(lines(*[event(f"e{i}") for i in range(500)])))
    with pytest.raises(PixelFileError) as raised:
        parse(data, file="s3://bucket/pixel/2026-09-01/broken.jsonl.gz")
    assert raised.value.file == "s3://bucket/pixel/2026-09-01/broken.jsonl.gz"
    assert "s3://bucket/pixel/2026-09-01/broken.jsonl.gz" in str(raised.value) and "gzip" in str(raised.value)
    # Block by block too (the loader's way): the error surfaces, possibly after some blocks.
    with pytest.raises(PixelFileError):
        for _ in iter_event_chunks(data, file="f", event_date=DAY, known_sites=SITES, pii_key=KEY, chunk_bytes=512):
            pass


def test_duplicate_event_ids_keep_the_first_line_and_are_counted_not_rejected():
    parsed = parse(
        lines(
            event("e1", visitor_id="first"),
            event("e2"),
            event("e1", visitor_id="second"),
            event("e1", visitor_id="third", event_type="BAD"),  # rejected, so no duplicate
            event(" e2 "),  # the same id once stripped
        )
    )
    assert parsed.events.select("event_id", "visitor_id", "source_line").rows() == [
        ("e1", "first", 1),
        ("e2", "v1", 2),
    ]
    assert parsed.duplicates == 2
    assert [r.row_number for r in parsed.rejections] == [4]
    assert parsed.processed == 5 and parsed.status == "partial"


def test_json_numbers_for_order_value_stay_exact():
    text = (
        '{"event_id":"a","site_id":"site-acme","event_type":"checkout_completed","occurred_at":"2026-09-01T12:00:00Z",'
        '"visitor_id":"v","order_value":0.1}\n'
        '{"event_id":"b","site_id":"site-acme","event_type":"checkout_completed","occurred_at":"2026-09-01T12:00:00Z",'
        '"visitor_id":"v","order_value" : 0.2}\n'
        '{"event_id":"c","site_id":"site-acme","event_type":"checkout_completed","occurred_at":"2026-09-01T12:00:00Z",'
        '"visitor_id":"v","order_value":12345678901234.999999}\n'
        '{"event_id":"d","site_id":"site-acme","event_type":"checkout_completed","occurred_at":"2026-09-01T12:00:00Z",'
        '"visitor_id":"v","order_value":0.30000000000000004}\n'
        '{"event_id":"e","order_value":7,"site_id":"site-acme","event_type":"checkout_completed",'
        '"occurred_at":"2026-09-01T12:00:00Z","visitor_id":"v"}\n'
    )
    parsed = parse(text.encode())
    values = dict(zip(parsed.events["event_id"], parsed.events["order_value"]))
    assert values == {
        "a": Decimal("0.1"),
        "b": Decimal("0.2"),
        "c": Decimal("12345678901234.999999"),  # a float would give ...235.0
        "e": Decimal("7"),
    }
    assert values["a"] + values["b"] == Decimal("0.3")
    # 17 decimals is more than numeric(20, 6) holds: refused rather than rounded.
    [rejection] = parsed.rejections
    assert rejection.row_number == 4 and rejection.fields == ("order_value",)
    assert "0.30000000000000004" in rejection.reason
    assert rejection.raw_record["order_value"] == "0.30000000000000004"  # the literal, as read


def test_numbers_and_booleans_in_text_fields_land_as_their_json_text():
    line = json.dumps(event(visitor_id=12345678901234567890, session_id="X", utm_id=True)).replace('"X"', "1.50")
    parsed = parse(lines(line))
    [row] = parsed.events.to_dicts()
    assert (row["visitor_id"], row["session_id"], row["utm_id"]) == ("12345678901234567890", "1.50", "true")
    # ... the same when a bad line in the block sends it through the slow path.
    parsed = parse(lines("{oops", line))
    [row] = parsed.events.to_dicts()
    assert (row["visitor_id"], row["session_id"], row["utm_id"]) == ("12345678901234567890", "1.50", "true")


def test_a_key_name_inside_a_string_is_left_alone():
    tricky = event(page_url='x","order_value":5,"y', referrer='{"event_id": 1}')
    [row] = parse(lines(tricky)).events.to_dicts()
    assert row["page_url"] == 'x","order_value":5,"y' and row["referrer"] == '{"event_id": 1}'
    assert row["order_value"] is None


def test_the_ip_is_hashed_with_the_key_and_never_kept():
    data = lines(
        event("e1", ip=f" {IP} "),
        event("e2", ip="2001:db8::1"),
        event("e3", ip=None),
        event("e4", ip=...),
        event("bad", ip=IP, event_type="Nope"),
        '{"event_id": "cut", "ip": "' + IP + '", ',
        event("upper-case-key", IP=IP, site_id="nope"),
    )
    parsed = parse(data)
    hashes = dict(zip(parsed.events["event_id"], parsed.events["ip_hash"]))
    assert hashes == {"e1": hash_ip(IP, KEY), "e2": hash_ip("2001:db8::1", KEY), "e3": None, "e4": None}
    assert hash_ip(IP, KEY) != hash_ip(IP, b"another-key-of-enough-length")
    assert IP not in parsed.events.write_csv() and "2001:db8::1" not in parsed.events.write_csv()
    assert len(parsed.rejections) == 3
    for rejection in parsed.rejections:
        shown = json.dumps(rejection.raw_record) + rejection.reason
        assert IP not in shown
        assert "ip" not in {k.lower() for k in rejection.raw_record}
    assert parsed.rejections[0].raw_record["event_id"] == "bad"  # the rest of the record, as read


def test_urls_and_rejected_lines_lose_personal_data_but_keep_attribution_parameters():
    page = "https://shop.example/p?utm_source=meta&email=jane%40example.com&fbclid=IwAR-1&phone=555-0100"
    landing = "https://shop.example/?gclid=Cj0KCQ&name=Jane+Doe&utm_campaign=spring&ttclid=E.C.P"
    referrer = "https://mail.example/u/0/?visitor=2001:db8:85a3::8a2e:370:7334"
    clean = "https://shop.example/c?utm_source=google&utm_medium=cpc&gclid=Cj0-clean"
    data = lines(
        event("e1", page_url=page, landing_page=landing, referrer=referrer),
        event("e2", page_url=clean, landing_page=clean),
        event("bad", event_type="Nope", page_url=page, note="call jane@example.com from 198.51.100.4"),
        '{"event_id": "cut", "page_url": "https://x.example/?e=jane@example.com&ip=2001:db8:85a3::8a2e:370:7334", ',
    )
    parsed = parse(data)
    rows = {row["event_id"]: row for row in parsed.events.to_dicts()}
    assert rows["e1"]["page_url"] == "https://shop.example/p?utm_source=meta&fbclid=IwAR-1"
    assert rows["e1"]["landing_page"] == "https://shop.example/?gclid=Cj0KCQ&utm_campaign=spring&ttclid=E.C.P"
    assert rows["e1"]["referrer"] == f"https://mail.example/u/0/?visitor={IP_REMOVED}"
    assert rows["e2"]["page_url"] == clean and rows["e2"]["landing_page"] == clean  # untouched
    shown = "".join(json.dumps(r.raw_record) + r.reason for r in parsed.rejections)
    assert len(parsed.rejections) == 2
    for personal in ("jane", "555-0100", "198.51.100.4", "2001:db8:85a3"):
        assert personal not in shown, personal
    assert parsed.rejections[0].raw_record["page_url"].startswith("https://shop.example/p?utm_source=meta")


def test_blocks_end_on_line_breaks_and_keep_line_numbers():
    data = lines(*[event(f"e{i}") for i in range(30)])
    blocks = list(iter_blocks(data, FILE, chunk_bytes=700))
    assert len(blocks) > 3
    assert b"".join(block for _, block in blocks) == data
    assert all(block.endswith(b"\n") for _, block in blocks)
    assert [first for first, _ in blocks][0] == 1
    chunks = list(iter_event_chunks(data, file=FILE, event_date=DAY, known_sites=SITES, pii_key=KEY, chunk_bytes=700))
    numbers = [n for c in chunks for n in c.events["source_line"].to_list()]
    assert numbers == list(range(1, 31))
    # A line longer than a block is read whole.
    long_line = lines(event("long", page_url="x" * 5000))
    [(first, block)] = list(iter_blocks(long_line, FILE, chunk_bytes=100))
    assert (first, block) == (1, long_line)


class Trickle:
    """A stream that hands out at most 3 bytes per read, as a slow network read might."""

    def __init__(self, data: bytes):
        self.data, self.position = data, 0

    def read(self, size=-1):
        size = len(self.data) if size is None or size < 0 else min(size, 3)
        chunk = self.data[self.position : self.position + size]
        self.position += len(chunk)
        return chunk


def test_a_stream_gives_the_same_blocks_as_the_bytes():
    plain = UTF8_BOM + lines(*[event(f"e{i}") for i in range(30)])
    for data in (plain, gzip.compress(plain)):
        from_bytes = list(iter_blocks(data, FILE, chunk_bytes=700))
        from_stream = list(iter_blocks(Trickle(data), FILE, chunk_bytes=700))
        assert b"".join(b for _, b in from_stream) == b"".join(b for _, b in from_bytes) == plain[len(UTF8_BOM) :]
        assert from_stream[0][0] == 1 and all(block.endswith(b"\n") for _, block in from_stream)


def test_an_empty_file_is_no_events():
    for data in (b"", b"\n\n", gzip.compress(b"")):
        parsed = parse(data)
        assert parsed.events.height == 0 and parsed.rejections == [] and parsed.processed == 0
        assert parsed.events.schema == EVENT_SCHEMA


def test_no_known_sites_rejects_every_event():
    parsed = parse(lines(event("e1")), sites={})
    assert parsed.events.height == 0 and parsed.rejections[0].fields == ("site_id",)


def test_the_ip_hasher_remembers_addresses_and_stays_right_when_it_forgets():
    import polars as pl

    from metrics_pipeline.sources.pixel.parse import IpHasher

    hasher = IpHasher(KEY, capacity=3)
    template = parse(lines(event("x"))).events.drop("ip_hash")
    for batch in (["1.1.1.1", "2.2.2.2", None], ["2.2.2.2", "3.3.3.3"], ["4.4.4.4", "5.5.5.5", "1.1.1.1"]):
        frame = pl.concat([template] * len(batch)).with_columns(pl.Series("ip", batch, dtype=pl.String))
        result = hasher.replace_ip(frame)
        assert result.schema == EVENT_SCHEMA
        assert result["ip_hash"].to_list() == [hash_ip(ip, KEY) for ip in batch]
