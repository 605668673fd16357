"""Landing pixel events from a local exports folder: gzip, duplicates, quarantine, reruns, no raw IPs."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import psycopg
import pytest

from metrics_pipeline.config import load_config
from metrics_pipeline.landing.exports import open_exports_store
from metrics_pipeline.security.pii import PiiKeyMissing, hash_ip
from metrics_pipeline.sources.pixel.load import land_days
from tests.conftest import fetch_all, write_file

pytestmark = pytest.mark.integration

DAY = date(2026, 9, 1)
NEXT_DAY = date(2026, 9, 2)
PII_KEY = "pixel-test-key-0123456789"
CONFIG = """
workspaces:
  - slug: ws
    name: Workspace
    clients:
      - slug: acme
        name: Acme
        pixel_site_id: site-acme
      - slug: bloom
        name: Bloom
        pixel_site_id: site-bloom
"""
IPS = ("203.0.113.7", "198.51.100.23", "2001:db8::42", "192.0.2.99")


def event(event_id: str, **overrides) -> dict:
    record = {
        "event_id": event_id,
        "site_id": "site-acme",
        "event_type": "page_view",
        "occurred_at": "2026-09-01T10:15:00+02:00",
        "visitor_id": f"visitor-{event_id}",
        "session_id": "session-1",
        "page_url": "https://acme.example/p/1?utm_source=google",
        "utm_source": "google",
        "gclid": f"gclid-{event_id}",
        "ip": IPS[0],
        "user_agent": "Mozilla/5.0",
    }
    record.update(overrides)
    return record


def jsonl(*records: dict | str) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n"


@pytest.fixture
def root(tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("METRICS_PII_KEY", PII_KEY)
    with psycopg.connect(database_url) as conn:
        conn.execute("truncate raw_pixel.events, ops.rejected_rows, ops.ingestion_logs")
    return tmp_path / "exports"


@pytest.fixture
def config(tmp_path):
    return load_config(write_file(tmp_path / "config.yaml", CONFIG))


def land(url, root, config, days=(DAY,), run_id="run-1", **kwargs):
    return land_days(url, open_exports_store(str(root)), config, list(days), run_id=run_id, **kwargs)


def events_table(url):
    return fetch_all(
        url,
        "select * from raw_pixel.events order by event_id",
    )


def rejected_table(url):
    return fetch_all(
        url,
        "select source, partition_key, source_file, row_number, fields, reason, raw_record::text "
        "from ops.rejected_rows order by source_file, row_number",
    )


def logs(url):
    return fetch_all(
        url,
        "select target, status, records_processed, records_loaded, records_rejected, message "
        "from ops.ingestion_logs where source = 'pixel' order by ingestion_log_id",
    )


def test_a_day_with_two_files_one_gzipped_lands(database_url, root, config):
    write_file(
        root / f"pixel/{DAY}/a.jsonl",
        jsonl(event("a1"), "", event("a2", order_value=0.1, event_type="checkout_completed", currency="USD")),
    )
    write_file(
        root / f"pixel/{DAY}/b.jsonl.gz",
        gzip.compress(
            jsonl(event("b1", ip=IPS[1], order_value="12345678901234.123456"), event("b2", ip=None)).encode()
        ),
    )
    # Gzip detected by its bytes, not its name.
    write_file(root / f"pixel/{DAY}/c.jsonl", gzip.compress(jsonl(event("c1", site_id="site-bloom")).encode()))
    write_file(root / f"pixel/{DAY}/notes.txt", "not an export")

    [outcome] = land(database_url, root, config)

    assert outcome.loaded == 5 and outcome.rejected == 0 and outcome.duplicates == 0 and not outcome.failed_files
    rows = {
        r[0]: r[1:]
        for r in fetch_all(
            database_url,
            "select event_id, occurred_at, event_date, order_value, ip_hash, source_file, source_line, "
            "site_id, ingestion_run_id from raw_pixel.events",
        )
    }
    assert set(rows) == {"a1", "a2", "b1", "b2", "c1"}
    occurred_at, event_date, order_value, ip_hash, source_file, source_line, _, run_id = rows["a2"]
    assert occurred_at == datetime(2026, 9, 1, 8, 15, tzinfo=UTC)
    assert event_date == DAY and run_id == "run-1"
    assert order_value == Decimal("0.1") and str(order_value) == "0.100000"
    assert ip_hash == hash_ip(IPS[0], PII_KEY.encode())
    assert source_file.endswith(f"pixel/{DAY}/a.jsonl") and source_line == 3  # line 2 is blank
    assert rows["b1"][2] == Decimal("12345678901234.123456")
    assert rows["b1"][3] == hash_ip(IPS[1], PII_KEY.encode())
    assert rows["b2"][3] is None
    assert rows["c1"][6] == "site-bloom"
    attempts = logs(database_url)
    assert [(t.rsplit("/", 1)[-1], s, p, landed, r) for t, s, p, landed, r, _ in attempts] == [
        ("notes.txt", "ignored", 0, 0, 0),  # outside the layout: said so, not silently skipped
        ("a.jsonl", "completed", 2, 2, 0),
        ("b.jsonl.gz", "completed", 2, 2, 0),
        ("c.jsonl", "completed", 1, 1, 0),
    ]
    assert "not pixel/<YYYY-MM-DD>/<name>.jsonl[.gz]" in attempts[0][-1]
    assert all("0 duplicate event ids dropped" in m for *_, m in attempts[1:])


def test_a_duplicate_across_files_and_days_lands_once(database_url, root, config):
    write_file(root / f"pixel/{DAY}/a.jsonl", jsonl(event("e1"), event("e2"), event("e1", visitor_id="again")))
    write_file(root / f"pixel/{DAY}/b.jsonl", jsonl(event("e2", visitor_id="from-b"), event("e3")))
    write_file(root / f"pixel/{NEXT_DAY}/a.jsonl", jsonl(event("e1", visitor_id="next-day"), event("e4")))

    first, second = land(database_url, root, config, days=(DAY, NEXT_DAY))

    placed = fetch_all(
        database_url,
        "select event_id, event_date, visitor_id, source_file, source_line from raw_pixel.events order by 1",
    )
    assert [(e, d, v, f.rsplit("pixel/", 1)[1], n) for e, d, v, f, n in placed] == [
        ("e1", DAY, "visitor-e1", f"{DAY}/a.jsonl", 1),  # the first line of the first file wins
        ("e2", DAY, "visitor-e2", f"{DAY}/a.jsonl", 2),
        ("e3", DAY, "visitor-e3", f"{DAY}/b.jsonl", 2),
        ("e4", NEXT_DAY, "visitor-e4", f"{NEXT_DAY}/a.jsonl", 2),
    ]
    assert [f.duplicates for f in first.files] == [1, 1] and [f.duplicates for f in second.files] == [1]
    assert first.rejected == second.rejected == 0  # duplicates are dropped, not quarantined
    messages = [m for *_, m in logs(database_url)]
    assert "1 duplicate event ids dropped" in messages[0] and "1 duplicate event ids dropped" in messages[2]

    # Re-landing either day, in either order, keeps every id where it is.
    before = events_table(database_url)
    land(database_url, root, config, days=(NEXT_DAY,))
    land(database_url, root, config, days=(DAY,))
    land(database_url, root, config, days=(NEXT_DAY, DAY))
    assert events_table(database_url) == before


def test_duplicates_across_blocks_of_one_file_keep_the_first_line(database_url, root, config):
    records = [event(f"e{i}") for i in range(40)] + [event("e3", visitor_id="late-copy")]
    write_file(root / f"pixel/{DAY}/big.jsonl", jsonl(*records))
    [outcome] = land(database_url, root, config, chunk_bytes=2_000)  # many blocks
    assert outcome.loaded == 40 and outcome.duplicates == 1
    small_blocks = events_table(database_url)
    assert fetch_all(database_url, "select visitor_id, source_line from raw_pixel.events where event_id = 'e3'") == [
        ("visitor-e3", 4)
    ]
    land(database_url, root, config)  # one block
    assert events_table(database_url) == small_blocks


def test_a_malformed_line_and_an_unknown_site_are_quarantined_and_the_rest_lands(database_url, root, config):
    write_file(
        root / f"pixel/{DAY}/a.jsonl",
        jsonl(
            event("ok1"),
            '{"event_id": "broken", "ip": "' + IPS[2] + '", "site_id": ',
            event("stranger", site_id="site-unknown", ip=IPS[3]),
            event("ok2"),
        ),
    )
    [outcome] = land(database_url, root, config)

    [file_outcome] = outcome.files
    assert (file_outcome.status, file_outcome.processed, file_outcome.loaded, file_outcome.rejected) == (
        "partial",
        4,
        2,
        2,
    )
    assert [r[0] for r in fetch_all(database_url, "select event_id from raw_pixel.events order by 1")] == ["ok1", "ok2"]
    rejected = fetch_all(
        database_url,
        "select row_number, fields, reason, raw_record, ingestion_log_id is not null from ops.rejected_rows "
        "where source = 'pixel' and partition_key = %s order by row_number",
        (DAY.isoformat(),),
    )
    (line2, fields2, reason2, raw2, logged2), (line3, fields3, reason3, raw3, logged3) = rejected
    assert (line2, fields2) == (2, "*") and reason2.startswith("invalid JSON") and logged2
    assert IPS[2] not in json.dumps(raw2) and '"broken"' in raw2["line"]
    assert (line3, fields3) == (3, "site_id") and "unknown site id" in reason3 and "site-unknown" in reason3
    assert raw3["event_id"] == "stranger" and "ip" not in raw3 and logged3
    [(status, processed, loaded, rejected_count, message)] = [a[1:] for a in logs(database_url)]
    assert (status, processed, loaded, rejected_count) == ("partial", 4, 2, 2)
    assert "line 2: invalid JSON" in message and "line 3: site_id: unknown site id" in message


def test_relanding_a_day_leaves_every_table_identical_row_for_row(database_url, root, config):
    write_file(root / f"pixel/{DAY}/a.jsonl", jsonl(event("e1"), "not json", event("e2", event_type="Bad Type")))
    write_file(
        root / f"pixel/{DAY}/b.jsonl.gz", gzip.compress(jsonl(event("e1"), event("e3", order_value=19.99)).encode())
    )
    write_file(root / f"pixel/{NEXT_DAY}/a.jsonl", jsonl(event("e3"), event("e4", occurred_at="yesterday")))
    land(database_url, root, config, days=(DAY, NEXT_DAY))
    events, rejected = events_table(database_url), rejected_table(database_url)
    assert len(events) == 2 and len(rejected) == 3

    for _ in range(3):
        land(database_url, root, config, days=(DAY,))
        land(database_url, root, config, days=(NEXT_DAY, DAY))
        assert events_table(database_url) == events
        assert rejected_table(database_url) == rejected
    assert len(logs(database_url)) == 3 + 3 * (2 + 3)  # one attempt row per file, every time


def test_a_truncated_gzip_re_upload_fails_that_file_only_and_keeps_its_previous_rows(database_url, root, config):
    good = root / f"pixel/{DAY}/a.jsonl"
    broken = root / f"pixel/{DAY}/b.jsonl.gz"
    write_file(good, jsonl(event("a1")))
    payload = jsonl("not json", *[event(f"b{i}") for i in range(200)])  # quarantined in the first block
    write_file(broken, gzip.compress(payload.encode()))
    land(database_url, root, config)
    events, rejected = events_table(database_url), rejected_table(database_url)
    assert len(events) == 201 and len(rejected) == 1

    # b is re-uploaded cut in half, a with one more event: a lands again, b keeps what it had.
    write_file(good, jsonl(event("a1"), event("a2")))
    data = gzip.compress(payload.encode())
    write_file(broken, data[: len(data) // 2])
    [outcome] = land(database_url, root, config, run_id="run-2", chunk_bytes=4_096)

    [failed] = outcome.failed_files
    assert failed.file == str(broken) and str(broken) in failed.message and "gzip" in failed.message
    after = events_table(database_url)
    assert [r[0] for r in after] == sorted(["a1", "a2", *[f"b{i}" for i in range(200)]])
    assert [r for r in after if r[0].startswith("b")] == [r for r in events if r[0].startswith("b")]
    assert rejected_table(database_url) == rejected  # b's quarantined line stays with its rows
    statuses = [(t.rsplit("/", 1)[-1], s) for t, s, *_ in logs(database_url)][-2:]
    assert statuses == [("a.jsonl", "completed"), ("b.jsonl.gz", "failed")]


def test_the_first_file_in_key_order_keeps_a_shared_event_however_the_day_was_landed_before(database_url, root, config):
    """b.jsonl lands alone; then a.jsonl (earlier in key order) arrives with one of b's ids.
    Each file replaces only its own rows, yet the re-landed day is the day landed from nothing:
    the shared id moves to a, and b drops it."""
    write_file(root / f"pixel/{DAY}/b.jsonl", jsonl(event("shared", visitor_id="from-b"), event("b1")))
    land(database_url, root, config)
    write_file(root / f"pixel/{DAY}/a.jsonl", jsonl(event("a1"), event("shared", visitor_id="from-a")))
    [outcome] = land(database_url, root, config, run_id="run-2")

    assert [(f.file.rsplit("/", 1)[-1], f.loaded, f.duplicates) for f in outcome.files] == [
        ("a.jsonl", 2, 0),
        ("b.jsonl", 1, 1),
    ]
    relanded = events_table(database_url)
    landed = {
        r[0]: r for r in fetch_all(database_url, "select event_id, visitor_id, source_file from raw_pixel.events")
    }
    assert landed["shared"][1] == "from-a" and landed["shared"][2].endswith("a.jsonl")

    with psycopg.connect(database_url) as conn:
        conn.execute("truncate raw_pixel.events, ops.rejected_rows")
    land(database_url, root, config, run_id="run-2")
    assert events_table(database_url) == relanded


def test_a_file_the_warehouse_refuses_fails_alone_and_the_next_file_still_lands(
    database_url, root, config, monkeypatch
):
    from metrics_pipeline.sources.pixel import load

    write_file(root / f"pixel/{DAY}/a.jsonl", jsonl(event("a1")))
    write_file(root / f"pixel/{DAY}/b.jsonl", jsonl("{", *[event(f"b{i}") for i in range(60)]))
    write_file(root / f"pixel/{DAY}/c.jsonl", jsonl(event("c1"), event("c2")))
    real_copy = load.copy_frame
    blocks_of_b = []

    def refusing_copy(conn, table, frame):
        if frame["source_file"][0].endswith("b.jsonl"):
            blocks_of_b.append(frame.height)
            if len(blocks_of_b) == 2:  # its second block: the first one is in already
                raise psycopg.errors.InvalidTextRepresentation("refused")
        return real_copy(conn, table, frame)

    monkeypatch.setattr(load, "copy_frame", refusing_copy)
    [outcome] = land(database_url, root, config, chunk_bytes=2_000)

    assert len(blocks_of_b) == 2
    assert [(f.file.rsplit("/", 1)[-1], f.status, f.loaded) for f in outcome.files] == [
        ("a.jsonl", "completed", 1),
        ("b.jsonl", "failed", 0),
        ("c.jsonl", "completed", 2),
    ]
    assert "b.jsonl" in outcome.failed_files[0].message and "refused" in outcome.failed_files[0].message
    assert [r[0] for r in events_table(database_url)] == ["a1", "c1", "c2"]
    assert rejected_table(database_url) == []  # b's quarantined first line went with it


def test_a_vanished_file_takes_its_events_and_quarantine_along(database_url, root, config):
    write_file(root / f"pixel/{DAY}/a.jsonl", jsonl(event("a1")))
    write_file(root / f"pixel/{DAY}/b.jsonl", jsonl(event("b1"), "{"))
    land(database_url, root, config)
    (root / f"pixel/{DAY}/b.jsonl").unlink()
    [outcome] = land(database_url, root, config)
    assert outcome.vanished_rows == 1  # b1; its quarantined line goes too
    assert [r[0] for r in events_table(database_url)] == ["a1"]
    assert rejected_table(database_url) == []


def test_no_raw_ip_address_reaches_any_table(database_url, root, config):
    write_file(
        root / f"pixel/{DAY}/a.jsonl",
        jsonl(
            *[event(f"e{i}", ip=ip) for i, ip in enumerate(IPS)],
            event("bad-type", event_type="PageView", ip=IPS[1]),
            event("nested", visitor_id={"id": 1}, ip=IPS[2]),
            '{"event_id": "cut", "ip": "' + IPS[3] + '"',
            '["' + IPS[0] + '"]',
            event("upper", IP=IPS[1], site_id="nope"),
        ),
    )
    [outcome] = land(database_url, root, config)
    assert outcome.loaded == len(IPS) and outcome.rejected == 5
    tables = fetch_all(
        database_url,
        "select string_agg(t::text, E'\\n') from ("
        " select e::text as t from raw_pixel.events e"
        " union all select r::text from ops.rejected_rows r"
        " union all select l::text from ops.ingestion_logs l) all_rows",
    )[0][0]
    for ip in IPS:
        assert ip not in tables
    assert hash_ip(IPS[2], PII_KEY.encode()) in tables


def test_the_key_is_required(database_url, root, config, monkeypatch):
    from metrics_pipeline.security.pii import PiiKeyMissing

    monkeypatch.delenv("METRICS_PII_KEY")
    write_file(root / f"pixel/{DAY}/a.jsonl", jsonl(event("e1")))
    with pytest.raises(PiiKeyMissing):
        land(database_url, root, config)
    assert events_table(database_url) == [] and logs(database_url) == []


def test_storage_failing_mid_day_changes_nothing_of_the_day_and_says_so(database_url, root, config):
    write_file(root / f"pixel/{DAY}/a.jsonl", jsonl(event("a1")))
    write_file(root / f"pixel/{DAY}/b.jsonl", jsonl(event("b1")))
    land(database_url, root, config)
    before = events_table(database_url)
    write_file(root / f"pixel/{DAY}/a.jsonl", jsonl(event("a1"), event("a2")))

    class FlakyStore:
        def __init__(self, inner):
            self.inner, self.uri = inner, inner.uri

        def list(self, prefix):
            return self.inner.list(prefix)

        def open(self, key):
            stream = self.inner.open(key)
            if not key.endswith("b.jsonl"):
                return stream

            class DroppedMidStream:  # the connection drops after the first bytes
                def read(self, size=-1):
                    if stream.tell() > 0:
                        raise ConnectionError("storage went away")
                    return stream.read(10)

                def close(self):
                    stream.close()

            return DroppedMidStream()

    with pytest.raises(ConnectionError):
        land_days(database_url, FlakyStore(open_exports_store(str(root))), config, [DAY], run_id="flaky")
    assert events_table(database_url) == before
    flaky = [(s, m) for _t, s, _p, _landed, _r, m in logs(database_url)][-2:]
    assert all(s == "failed" and "storage went away" in m for s, m in flaky)
    # the cause travels as data: a dropped connection is transient, so the retry sensor retries it
    assert fetch_all(database_url, "select distinct failure_kind from ops.ingestion_logs where run_id = 'flaky'") == [
        ("transient",)
    ]


def test_without_pixel_files_no_pii_key_is_needed_and_nothing_changes(root, config, database_url, monkeypatch):
    """A user who lands only other sources runs without METRICS_PII_KEY: the key is asked for
    only when a day has pixel files to hash. With files, a missing key stops before anything."""
    monkeypatch.delenv("METRICS_PII_KEY")
    root.mkdir(parents=True, exist_ok=True)
    said: list[str] = []
    outcomes = land(database_url, root, config, log=said.append)
    assert [(o.partition_key, o.files) for o in outcomes] == [(DAY.isoformat(), [])]
    assert any("no pixel files" in line for line in said)
    assert fetch_all(database_url, "select count(*) from ops.ingestion_logs") == [(0,)]
    write_file(root / f"pixel/{DAY.isoformat()}/a.jsonl", jsonl(event("e1")))
    with pytest.raises(PiiKeyMissing):
        land(database_url, root, config)
    assert events_table(database_url) == []
