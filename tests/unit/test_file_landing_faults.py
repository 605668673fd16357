"""Pure helpers of the file landing for bad input: is a file cut short, which day a key
outside the layout means, which keys clash, and a download cut short naming its file."""

from __future__ import annotations

import io
import socket
import threading
from datetime import UTC, date, datetime

import boto3
import pytest
from botocore.config import Config

from metrics_pipeline.landing.exports import (
    ExportObject,
    ExportReadError,
    FileChangedError,
    S3ExportsStore,
    _SizeCheckedStream,
    list_by_day,
    loose_day_of_key,
    why_outside_layout,
)
from metrics_pipeline.landing.file_days import unit_clashes
from metrics_pipeline.landing.truncation import csv_cut_short, ends_without_line_break
from metrics_pipeline.operations.failures import cause_of
from metrics_pipeline.sources.media_partner.parse import ExportFile, parse_export_key

HEADER = "a,b,c\n"


def obj(key: str, size: int = 0) -> ExportObject:
    return ExportObject(key, f"s3://bucket/{key}", size, datetime(2026, 9, 1, tzinfo=UTC), "etag")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (HEADER + "1,2,3\n", None),
        (HEADER + "1,2,3", None),  # no final line break, every field there: looks complete
        (HEADER + '1,2,"x, y"\n', None),
        (HEADER + '1,2,"multi\nline"\n', None),
        (HEADER + '1,2,"say ""hi"""\n', None),  # escaped quotes come in pairs
        (HEADER + '1,2,"x, ', "ends inside a quoted field"),
        (HEADER + '1,2,"multi\n', "ends inside a quoted field"),  # cut after a line break inside quotes
        (HEADER + "1,2", "ends mid-row (truncated?): the last line has 2 of 3 fields"),
        (HEADER + "1,2,3\n4", "1 of 3 fields"),
        ("", None),
    ],
)
def test_csv_cut_short(text, problem):
    found = csv_cut_short(text, 3)
    assert (found is None) if problem is None else (problem in found)


def test_ends_without_line_break():
    assert ends_without_line_break("a,b")
    assert (
        not ends_without_line_break("a,b\n")
        and not ends_without_line_break("a,b\r")
        and not ends_without_line_break("")
    )


def test_a_key_outside_the_layout_says_why_and_which_day_it_means():
    layout = "media_partner/<client>/<YYYY-MM-DD>.csv"
    assert loose_day_of_key("media_partner/acme/2026-9-1.csv") == date(2026, 9, 1)
    assert loose_day_of_key("pixel/2026-09-01/a.jsonl") == date(2026, 9, 1)
    assert loose_day_of_key("media_partner/acme/2026-13-40.csv") is None
    assert loose_day_of_key("media_partner/acme/latest.csv") is None
    assert why_outside_layout("media_partner/acme/2026-9-1.csv", layout) == (
        f"not {layout}: its date must be written YYYY-MM-DD, zero-padded (2026-09-01)"
    )
    assert why_outside_layout("media_partner/acme/2026-09-01.txt", layout) == f"not {layout}"

    listing = list_by_day(
        [
            obj("media_partner/acme/2026-09-01.csv"),
            obj("media_partner/acme/2026-09-01.CSV"),  # the extension in any case
            obj("media_partner/acme/2026-9-2.csv"),
            obj("media_partner/acme/notes.txt"),
        ],
        parse_export_key,
        lambda info: info.report_date,
        layout,
    )
    assert [o.key for o, _ in listing.files_of(date(2026, 9, 1))] == [
        "media_partner/acme/2026-09-01.CSV",
        "media_partner/acme/2026-09-01.csv",
    ]
    assert [(i.obj.key, i.day) for i in listing.ignored] == [
        ("media_partner/acme/2026-9-2.csv", date(2026, 9, 2)),
        ("media_partner/acme/notes.txt", None),
    ]
    assert [i.obj.key for i in listing.ignored_of(date(2026, 9, 2))] == ["media_partner/acme/2026-9-2.csv"]
    assert [i.obj.key for i in listing.ignored_without_day] == ["media_partner/acme/notes.txt"]


def test_two_files_of_one_unit_clash_and_name_each_other():
    day = date(2026, 9, 1)
    files = [
        (obj("media_partner/acme/2026-09-01.CSV"), ExportFile("k1", "acme", day)),
        (obj("media_partner/acme/2026-09-01.csv"), ExportFile("k2", "acme", day)),
        (obj("media_partner/bloom/2026-09-01.csv"), ExportFile("k3", "bloom", day)),
    ]
    clashes = unit_clashes(files, lambda info: f"client and day ({info.client_slug}, {info.report_date})")
    assert sorted(clashes) == ["media_partner/acme/2026-09-01.CSV", "media_partner/acme/2026-09-01.csv"]
    assert (
        "s3://bucket/media_partner/acme/2026-09-01.csv is a file of the same client and day (acme, 2026-09-01)"
        in (clashes["media_partner/acme/2026-09-01.CSV"])
    )
    assert unit_clashes(files, None) == {}


@pytest.mark.parametrize("chunk", [None, 3, 100])
def test_a_read_at_another_size_than_listed_fails_the_file(chunk):
    def read_all(stream):
        if chunk is None:
            return stream.read()
        data = b""
        while block := stream.read(chunk):
            data += block
        return data

    assert read_all(_SizeCheckedStream(io.BytesIO(b"0123456789"), obj("k", 10))) == b"0123456789"
    for listed in (12, 8):  # cut short, or grown / replaced since the listing
        with pytest.raises(FileChangedError, match=f"read .* bytes where the exports root listed {listed}") as raised:
            read_all(_SizeCheckedStream(io.BytesIO(b"0123456789"), obj("k", listed)))
        assert raised.value.file == "s3://bucket/k" and cause_of(raised.value).kind == "transient"


def test_an_s3_download_cut_short_of_its_content_length_fails_naming_the_file():
    """A loopback server answers GetObject with a Content-Length 20 bytes longer than the body
    it sends, then closes: the real boto3 client refuses the short body and the error names
    the object, as a transient storage failure."""
    body = b"h1,h2\n1,2\n3,4\n"
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(10)

    def serve() -> None:
        for _ in range(2):
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: "
                    + str(len(body) + 20).encode()
                    + b"\r\nConnection: close\r\n\r\n"
                    + body
                )

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    try:
        client = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{server.getsockname()[1]}",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=5),
        )
        store = S3ExportsStore("bucket", "exports", client)
        for read in (
            lambda: store.read_bytes("media_partner/acme/2026-09-01.csv"),
            lambda: _read_in_blocks(store.open("media_partner/acme/2026-09-01.csv")),
        ):
            with pytest.raises(ExportReadError) as raised:
                read()
            assert str(raised.value).startswith("s3://bucket/exports/media_partner/acme/2026-09-01.csv: the download")
            assert cause_of(raised.value).kind == "transient"
    finally:
        server.close()
        worker.join(timeout=10)


def _read_in_blocks(stream) -> bytes:
    data = b""
    while block := stream.read(4):
        data += block
    return data


def test_the_files_check_fails_on_failed_files_and_warns_on_ignored_ones():
    import dagster as dg

    from metrics_pipeline.landing.outcomes import FAILED, IGNORED, DayOutcome, FileOutcome, progress_line
    from metrics_pipeline.lib.source_assets import files_check_result

    key = dg.AssetKey(["media_partner", "daily_exports"])
    ignored = FileOutcome("s3://b/media_partner/acme/2026-9-1.csv", "", IGNORED, message="not the layout")
    failed = FileOutcome("s3://b/media_partner/acme/2026-09-02.csv", "daily_exports", FAILED, message="cut")
    assert files_check_result(key, [], []).passed
    warned = files_check_result(key, [], [ignored])
    assert not warned.passed and warned.severity == dg.AssetCheckSeverity.WARN
    assert "2026-9-1.csv: not the layout" in warned.metadata["ignored_files"].value
    assert files_check_result(key, [failed], [ignored]).severity == dg.AssetCheckSeverity.ERROR
    line = progress_line(1, 1, DayOutcome("2026-09-01", files=[failed], ignored=[ignored]), "media-partner")
    assert line.endswith("1 file(s) failed, 1 file(s) ignored (outside the layout)")
