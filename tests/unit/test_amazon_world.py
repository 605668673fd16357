"""The sandbox's Amazon Ads exports: deterministic, overlapping formats, the quirks, one bad row."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from metrics_pipeline.sandbox.amazon_world import amazon_config_sections, write_amazon_exports
from metrics_pipeline.sources.amazon_ads.parse import parse_report, parse_report_key

START, END, SEED = date(2026, 9, 1), date(2026, 10, 31), 20260901
CURRENCY = {"acme-outdoor": "USD", "bloom-uk": "GBP"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("amazon")
    return root, write_amazon_exports(root, START, END, SEED)


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.csv"))}


def test_the_same_arguments_give_the_same_bytes_and_the_seed_changes_them(world, tmp_path):
    root, _ = world
    write_amazon_exports(tmp_path / "again", START, END, SEED)
    assert files(tmp_path / "again") == files(root)
    write_amazon_exports(tmp_path / "other", START, END, SEED + 1)
    key = "amazon_ads/acme-outdoor/amazon/2026-09-01.csv"
    assert (tmp_path / "other" / key).read_bytes() != (root / key).read_bytes()


def test_every_day_has_sales_and_a_keyword_report_per_brand_and_formats_overlap(world):
    root, amazon = world
    days = (END - START).days + 1
    assert len(amazon.sales_keys) == 2 * days
    keyword_days = {(k.split("/")[1], k.rsplit("/", 1)[1][:10]) for k in amazon.keyword_report_keys}
    assert len(keyword_days) == 2 * days
    assert {brand for brand, _ in amazon.overlapping_days} == {"acme-outdoor", "bloom-uk"}
    assert {brand for brand, _ in amazon.days_without_amazon_report} == {"acme-outdoor", "bloom-uk"}
    folders = {k.split("/")[2] for k in amazon.keyword_report_keys}
    assert folders == {"amazon", "helium10", "zonguru"}
    for brand, day in amazon.overlapping_days:
        assert any((root / f"amazon_ads/{brand}/amazon/{day}.{ext}").is_file() for ext in ("csv", "xlsx"))


def test_the_real_loader_reads_every_file_and_quarantines_only_the_negative_clicks_row(world):
    root, amazon = world
    rejected, landed, kinds = [], 0, set()
    for key in [*amazon.keyword_report_keys, *amazon.sales_keys]:
        report_file = parse_report_key(key)
        parsed = parse_report(
            (root / key).read_bytes(),
            report_file,
            brand_currency=CURRENCY[report_file.brand_slug],
            source_file=key,
            run_id="r",
        )
        landed += parsed.rows.height
        rejected += [(key, r.row_number, r.fields) for r in parsed.rejections]
        kinds |= (
            set(parsed.rows.select("ad_type", "targeting_type").unique().rows()) if "ad_type" in parsed.rows else set()
        )
    bad = amazon.negative_clicks_row
    assert rejected == [(bad.relative_key, bad.row_number, (bad.field,))]
    assert landed > 1000
    # product targets and automatic groups (Match Type "-") land; so do Sponsored Brands and Display
    assert kinds == {
        ("SP", "keyword"),
        ("SP", "product"),
        ("SP", "auto"),
        ("SB", "keyword"),
        ("SB", "product"),
        ("SB", "auto"),
        ("SD", "product"),
        ("SD", "audience"),
    }


def test_the_console_reports_every_kind_of_target_and_ad_product(world):
    root, amazon = world
    sponsored_products = "".join(
        (root / k).read_text(encoding="utf-8")
        for k in amazon.keyword_report_keys
        if "/amazon/" in k and k.endswith(".csv") and "_sponsored-" not in k
    )
    assert ',"asin=""B0RIVAL123""",-,' in sponsored_products  # product targeting, CSV-quoted
    assert 'category=""Men\'s Rain Coats""' in sponsored_products
    for group in ("close-match", "loose-match", "substitutes", "complements"):
        assert f",{group},-," in sponsored_products
    brands = [k for k in amazon.keyword_report_keys if k.endswith("_sponsored-brands.csv")]
    display = [k for k in amazon.keyword_report_keys if k.endswith("_sponsored-display.xlsx")]
    assert brands and display and set(display) <= set(amazon.xlsx_keys)
    assert "14 Day Total Sales ," in (root / brands[0]).read_text(encoding="utf-8")
    assert (root / display[0]).read_bytes()[:2] == b"PK"  # a real workbook (a zip), not CSV text
    assert any(k.endswith(".xlsx") and "_sponsored-" not in k for k in amazon.xlsx_keys)


def test_the_quirks_are_there(world):
    root, amazon = world
    amazon_files = b"".join(
        (root / k).read_bytes() for k in amazon.keyword_report_keys if "/amazon/" in k and k.endswith(".csv")
    ).decode()
    assert re.search(r'"\$\d{1,3}(,\d{3})+\.\d\d"', amazon_files)  # "$1,234.50"
    assert "£" in amazon_files and re.search(r",\d+\.\d+%,", amazon_files)  # 12.5%
    assert ",," in amazon_files  # blank cells: no portfolio, no sales
    assert '"rain jacket, men"' in amazon_files  # a search term with a comma
    assert '"Sep 01, 2026"' in amazon_files and "7 Day Total Sales ," in amazon_files
    brand, day, asin = amazon.ad_sales_above_total
    rows = list(csv.DictReader(io.StringIO((root / f"amazon_ads/{brand}/sales/{day}.csv").read_text())))
    [row] = [r for r in rows if r["ASIN"] == asin]

    def amount(text):
        return Decimal(re.sub(r"[^\d.]", "", text))

    assert amount(row["Ad Sales"]) > amount(row["Total Sales"])


def test_re_exports_report_more_sales_than_amazon_so_double_counting_would_show(world):
    root, amazon = world
    brand, day = next((b, d) for b, d in amazon.overlapping_days if b == "acme-outdoor")

    def sales(folder, column):
        text = (root / f"amazon_ads/{brand}/{folder}/{day}.csv").read_text()
        return sum(Decimal(re.sub(r"[^\d.]", "", r[column]) or "0") for r in csv.DictReader(io.StringIO(text)))

    assert sales("helium10", "Sales") > sales("amazon", "7 Day Total Sales ") > 0


def test_any_short_range_keeps_the_bad_row_and_the_floor_case(tmp_path):
    amazon = write_amazon_exports(tmp_path, date(2027, 1, 1), date(2027, 1, 7), 7)
    assert (tmp_path / amazon.negative_clicks_row.relative_key).is_file()
    assert amazon.ad_sales_above_total[1] == date(2027, 1, 1) + timedelta(days=3)


def test_config_sections_map_asins_and_name_the_uk_brand():
    sections = amazon_config_sections()
    assert sections["acme-outdoor"] == {"asin_skus": {"B0ACME0001": "AO-RAIN-01", "B0ACME0002": "AO-TRAIL-02"}}
    assert sections["bloom-beauty"] == {"brand_slug": "bloom-uk", "asin_skus": {"B0BLOOM001": "BB-SERUM-30"}}
