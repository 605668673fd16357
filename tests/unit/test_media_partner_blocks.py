"""Reading an export block by block gives exactly what reading it whole gives."""

from __future__ import annotations

import io

import polars as pl
import pytest

from metrics_pipeline.landing.streaming import prefetched
from metrics_pipeline.sources.media_partner.parse import (
    EXPECTED_COLUMNS,
    ExportFileError,
    iter_record_blocks,
    parse_export,
    parse_export_blocks,
    parse_export_key,
)

KEY = "media_partner/acme-outdoor/2026-09-01.csv"
FILE = "s3://bucket/" + KEY
EXPORT = (
    "\ufeff" + ",".join(EXPECTED_COLUMNS) + "\r\n"
    '2026-09-01,"Fall Sale, Outerwear",Prospecting,"Homepage, top",Banner A,"12,345",120,0.97%,3,"1,234.50"\r\n'
    '2026-09-01,"Two\nLines",Retargeting,Sidebar,"Banner ""B""",999,0,0%,0,0\r\n'
    "\r\n"
    "2026-09-01,Always On,Retargeting,Sidebar,Banner C,-5,0,0%,0,0\r\n"
    "2026-09-01,Always On,Retargeting,Sidebar,Banner D,10,1,10%,0,0,extra\r\n"
    "2026-09-01,Ünïcode Café,Retargeting,Sidebar,Banner E,7,1,14%,1,3.50\r\n"
).encode("utf-8")


def whole():
    return parse_export(EXPORT, parse_export_key(KEY), source_file=FILE, run_id="r")


def in_blocks(data: bytes, block_bytes: int):
    return list(
        parse_export_blocks(
            io.BytesIO(data), parse_export_key(KEY), source_file=FILE, run_id="r", block_bytes=block_bytes
        )
    )


@pytest.mark.parametrize("block_bytes", [1, 7, 64, 150, 10_000])
def test_blocks_give_the_same_rows_rejections_and_row_numbers(block_bytes):
    expected = whole()
    blocks = in_blocks(EXPORT, block_bytes)
    assert pl.concat([b.rows for b in blocks]).equals(expected.rows)
    assert [r for b in blocks for r in b.rejections] == expected.rejections
    assert sum(b.processed for b in blocks) == expected.processed
    # the quoted line break stayed inside its record, and numbering ran on across blocks
    assert expected.rows["campaign_name"].to_list()[1] == "Two\nLines"
    assert [r.row_number for r in expected.rejections] == [5, 6]
    assert expected.rows["source_row_number"].to_list() == [2, 3, 7]


def test_record_blocks_never_cut_inside_quotes_or_characters():
    for block_bytes in range(1, 40):
        blocks = list(iter_record_blocks(io.BytesIO(EXPORT), block_bytes))
        assert b"".join(data for _, data in blocks) == EXPORT
        for offset, data in blocks:
            assert EXPORT[offset : offset + len(data)] == data
            assert data.count(b'"') % 2 == 0
            data.decode("utf-8")  # no character split across blocks


def test_a_bad_byte_deep_in_the_file_names_its_offset():
    broken = EXPORT + b"2026-09-01,C,S,P,\xff,1,1,1%,0,0\n"
    with pytest.raises(ExportFileError, match=r"is not UTF-8 text \(byte " + str(len(EXPORT) + 17) + r"\)"):
        in_blocks(broken, 64)


def test_an_empty_file_fails_by_name():
    with pytest.raises(ExportFileError, match=f"{FILE}: is empty"):
        in_blocks(b"", 64)


def test_a_wrong_header_fails_before_any_block():
    with pytest.raises(ExportFileError, match="missing column"):
        in_blocks(b"date,campaign\n2026-09-01,A\n", 4)


def test_prefetched_keeps_order_and_raises_where_the_producer_failed():
    def produce():
        yield from range(5)
        raise ValueError("block 6 is broken")

    seen = []
    with pytest.raises(ValueError, match="block 6"), prefetched(produce()) as items:
        for item in items:
            seen.append(item)
    assert seen == [0, 1, 2, 3, 4]


def test_leaving_early_stops_the_producer():
    produced = []

    def produce():
        for n in range(1000):
            produced.append(n)
            yield n

    with prefetched(produce(), depth=1) as items:
        assert next(items) == 0
    # the worker was joined: it stopped a bounded number of items ahead, not at the end
    assert len(produced) <= 4


def test_a_file_cut_mid_row_fails_even_when_read_in_blocks():
    cut = EXPORT + b"2026-09-01,Always On,Retargeting,Sidebar,Banner F,10"
    with pytest.raises(ExportFileError, match="ends mid-row .* 6 of 10 fields"):
        in_blocks(cut, 16)
    # a complete last row without a line break is no truncation
    assert sum(b.rows.height for b in in_blocks(EXPORT.rstrip(b"\r\n"), 16)) == whole().rows.height
