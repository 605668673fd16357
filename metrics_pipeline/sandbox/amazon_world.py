"""A deterministic synthetic world of Amazon Ads exports for two brands.

``write_amazon_exports(exports_dir, start, end, seed)`` writes, under ``amazon_ads/``:

- ``<brand>/amazon/<day>.csv``: Amazon's own Sponsored Products search-term report, every day but
  a few (when the console export was not downloaded); some days as ``<day>.xlsx``, the console's
  default download (numbers, dates and percentages as typed cells);
- ``acme-outdoor/amazon/<day>_sponsored-brands.csv`` and ``<day>_sponsored-display.xlsx``: the
  console's Sponsored Brands search-term report and Sponsored Display targeting report (14-day
  attribution columns, no search term or match type in SD's), on the days of Amazon's own report;
- ``acme-outdoor/helium10/<day>.csv``: Helium 10's re-export of the same facts on some days, with
  a 14-day attribution (sales a little higher), and on the days Amazon's own file is missing;
- ``bloom-uk/zonguru/<day>.csv``: ZonGuru's re-export on some days;
- ``<brand>/sales/<day>.csv``: sales per ASIN, total and ad-attributed, every day.

Quirks real exports have: money with currency symbols and thousands separators (``"$1,234.50"``),
percentages (``12.5%``), blank cells (no portfolio, no sales), a search term with a comma, dates
written three ways, a trailing-space header, an ad-attributed figure above the total (the
attribution window outruns the day's sales), and exactly one row with negative clicks. Not every
row is a keyword: product targets (``asin="B0..."``, ``category="..."``) and automatic targeting
groups (``close-match``, ``loose-match``, ``substitutes``, ``complements``) have Match Type ``-``,
as do Sponsored Display's audiences (``views=(...)``).

Names, numbers and layout come from ``(start, end, seed)`` through string-seeded
``random.Random`` streams and integer cents: the same arguments give the same bytes. The formats
are written out here on their own, not imported from the loader: the sandbox stands in for
Amazon, Helium 10 and ZonGuru, so the loader is tested against it, not against itself.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import xlsxwriter

AMAZON_DIR = "amazon_ads"
FORMAT_PRECEDENCE = ("amazon", "helium10", "zonguru")  # who wins a keyword-day both report

AMAZON_HEADER = (
    "Date",
    "Portfolio name",
    "Currency",
    "Campaign Name",
    "Ad Group Name",
    "Targeting",
    "Match Type",
    "Customer Search Term",
    "Impressions",
    "Clicks",
    "Click-Thru Rate (CTR)",
    "Cost Per Click (CPC)",
    "Spend",
    "7 Day Total Sales ",
    "Total Advertising Cost of Sales (ACOS) ",
    "Total Return on Advertising Spend (ROAS)",
    "7 Day Total Orders (#)",
    "7 Day Total Units (#)",
    "7 Day Conversion Rate",
)
HELIUM10_HEADER = (
    "Date",
    "Portfolio",
    "Campaign Name",
    "Ad Group Name",
    "Keyword",
    "Match Type",
    "Search Term",
    "Impressions",
    "Clicks",
    "CTR",
    "Spend",
    "CPC",
    "Orders",
    "Sales",
    "ACoS",
    "ROAS",
    "Conversion Rate",
)
ZONGURU_HEADER = (
    "Report Date",
    "Portfolio Name",
    "Campaign",
    "Ad Group",
    "Keyword / Target",
    "Match",
    "Search Query",
    "Impr.",
    "Clicks",
    "Ad Spend",
    "Ad Orders",
    "Ad Sales",
    "CTR",
    "CPC",
    "ACoS",
)
SALES_HEADER = ("Date", "ASIN", "Title", "Total Sales", "Units", "Ad Sales", "Ad Units")
SPONSORED_BRANDS_HEADER = (
    "Date",
    "Portfolio name",
    "Currency",
    "Campaign Name",
    "Ad Group Name",
    "Targeting",
    "Match Type",
    "Customer Search Term",
    "Cost Type",
    "Impressions",
    "Clicks",
    "Click-Thru Rate (CTR)",
    "Spend",
    "Cost Per Click (CPC)",
    "14 Day Total Sales ",
    "Total Advertising Cost of Sales (ACOS) ",
    "Total Return on Advertising Spend (ROAS)",
    "14 Day Total Orders (#)",
    "14 Day Total Units (#)",
    "14 Day Conversion Rate",
)
SPONSORED_DISPLAY_HEADER = (
    "Date",
    "Portfolio name",
    "Currency",
    "Campaign Name",
    "Ad Group Name",
    "Targeting",
    "Cost Type",
    "Bid Optimization",
    "Impressions",
    "Viewable Impressions",
    "Clicks",
    "Click-Thru Rate (CTR)",
    "Spend",
    "Cost Per Click (CPC)",
    "14 Day Total Orders (#)",
    "14 Day Total Units (#)",
    "14 Day Total Sales ",
    "14 Day Detail Page Views (DPV)",
)


@dataclass(frozen=True)
class _Keyword:
    portfolio: str | None
    campaign: str
    ad_group: str
    text: str  # the keyword or targeting expression
    match_type: str  # exact | phrase | broad | auto | product | audience (the last two: Match Type "-")
    search_terms: tuple[str, ...]
    asin: str


@dataclass(frozen=True)
class _Product:
    asin: str
    sku: str | None  # None: not in the configured mapping
    title: str
    price_cents: int


@dataclass(frozen=True)
class _Brand:
    client_slug: str
    brand_slug: str
    currency: str
    symbol: str
    products: tuple[_Product, ...]
    keywords: tuple[_Keyword, ...]
    re_export: str  # the other tool this brand also exports from
    brands_keywords: tuple[_Keyword, ...] = ()  # Sponsored Brands
    display_targets: tuple[_Keyword, ...] = ()  # Sponsored Display (no search terms: one row each)


_BRANDS = (
    _Brand(
        client_slug="acme-outdoor",
        brand_slug="acme-outdoor",
        currency="USD",
        symbol="$",
        products=(
            _Product("B0ACME0001", "AO-RAIN-01", "Acme Rain Shell, Men's", 8_900),
            _Product("B0ACME0002", "AO-TRAIL-02", "Acme Trail Runner", 12_900),
            _Product("B0ACME0003", None, "Acme Camp Lantern", 2_900),
        ),
        keywords=(
            _Keyword(
                "Outerwear",
                "SP - Rain Shells - Exact",
                "Rain Jackets",
                "rain jacket",
                "exact",
                ("rain jacket", "rain jacket, men", "rain jacket mens"),
                "B0ACME0001",
            ),
            _Keyword(
                "Outerwear",
                "SP - Rain Shells - Exact",
                "Rain Jackets",
                "waterproof jacket",
                "phrase",
                ("waterproof jacket", "lightweight waterproof jacket"),
                "B0ACME0001",
            ),
            _Keyword(
                "Outerwear",
                "SP - Auto - Core",
                "Auto",
                "close-match",
                "auto",
                ("packable rain coat", "b0acme0001"),
                "B0ACME0001",
            ),
            _Keyword(
                None,
                "SP - Trail Shoes, Broad",
                "Trail Running",
                "trail running shoes",
                "broad",
                ("trail running shoes", "trail shoes women"),
                "B0ACME0002",
            ),
            _Keyword(
                None,
                "SP - Trail Shoes, Broad",
                "Camping",
                "camping lantern",
                "broad",
                ("camping lantern", "led lantern, rechargeable"),
                "B0ACME0003",
            ),
            _Keyword(
                "Outerwear",
                "SP - Product Targeting",
                "Competitor ASINs",
                'asin="B0RIVAL123"',
                "product",
                ("b0rival123",),  # the product page the ad showed on
                "B0ACME0001",
            ),
            _Keyword(
                "Outerwear",
                "SP - Product Targeting",
                "Rain Coat Category",
                'category="Men\'s Rain Coats"',
                "product",
                ("b0rival456", "b0rival789"),
                "B0ACME0001",
            ),
            _Keyword("Outerwear", "SP - Auto - Core", "Auto", "substitutes", "auto", ("b0rival123",), "B0ACME0001"),
        ),
        re_export="helium10",
        brands_keywords=(
            _Keyword(
                "Outerwear",
                "SB - Acme Brand",
                "Headline",
                "acme rain",
                "broad",
                ("acme rain jacket", "acme jacket"),
                "B0ACME0001",
            ),
            _Keyword(
                "Outerwear",
                "SB - Acme Brand",
                "Headline",
                'keyword-group="Keywords related to your brand"',
                "auto",
                ("acme outdoor",),
                "B0ACME0001",
            ),
            _Keyword(None, "SB - Trail Video", "Video", 'asin="B0RIVAL999"', "product", ("*",), "B0ACME0002"),
        ),
        display_targets=(
            _Keyword(
                None, "SD - Retargeting", "Views", "views=(exact-product lookback=30)", "audience", ("",), "B0ACME0001"
            ),
            _Keyword(None, "SD - Contextual", "Similar", "similar-product", "product", ("",), "B0ACME0002"),
            _Keyword(
                None, "SD - Contextual", "Categories", 'category="Camping Lanterns"', "product", ("",), "B0ACME0003"
            ),
        ),
    ),
    _Brand(
        client_slug="bloom-beauty",
        brand_slug="bloom-uk",
        currency="GBP",
        symbol="£",
        products=(
            _Product("B0BLOOM001", "BB-SERUM-30", "Bloom Vitamin C Serum, 30ml", 2_400),
            _Product("B0BLOOM002", None, "Bloom Night Cream", 3_200),
        ),
        keywords=(
            _Keyword(
                "Skincare",
                "SP - Serums",
                "Vitamin C",
                "vitamin c serum",
                "exact",
                ("vitamin c serum", "vitamin c serum, face"),
                "B0BLOOM001",
            ),
            _Keyword(
                "Skincare",
                "SP - Serums",
                "Vitamin C",
                "face serum",
                "broad",
                ("face serum", "brightening face serum"),
                "B0BLOOM001",
            ),
            _Keyword("Skincare", "SP - Auto", "Auto", "loose-match", "auto", ("night cream",), "B0BLOOM002"),
            _Keyword("Skincare", "SP - Auto", "Auto", "complements", "auto", ("b0bloom001",), "B0BLOOM002"),
            _Keyword(
                "Skincare",
                "SP - Competitors",
                "Serum ASINs",
                'asin-expanded="B0RIVALUK1"',
                "product",
                ("b0rivaluk1",),
                "B0BLOOM001",
            ),
        ),
        re_export="zonguru",
    ),
)


@dataclass(frozen=True)
class AmazonBadRow:
    relative_key: str
    row_number: int  # line in the file, header = 1
    field: str
    reason_hint: str


@dataclass(frozen=True)
class AmazonWorld:
    """What the exports hold, for tests to find."""

    brand_slugs: tuple[str, ...]
    keyword_report_keys: tuple[str, ...]  # every search-term / targeting report, SB and SD included
    sales_keys: tuple[str, ...]
    # (brand, day) pairs with two formats, and those Amazon's own report is missing from
    overlapping_days: tuple[tuple[str, date], ...]
    days_without_amazon_report: tuple[tuple[str, date], ...]
    negative_clicks_row: AmazonBadRow
    ad_sales_above_total: tuple[str, date, str]  # (brand, day, ASIN) whose organic sales floor at 0
    xlsx_keys: tuple[str, ...] = ()  # the .xlsx downloads among keyword_report_keys


@dataclass(frozen=True)
class _KeywordRow:
    keyword: _Keyword
    search_term: str
    impressions: int
    clicks: int
    spend_cents: int
    orders: int
    sales_cents: int


def _stream(seed: int, *labels: object) -> random.Random:
    return random.Random("/".join([str(seed), "amazon", *map(str, labels)]))


def _keyword_rows(brand: _Brand, day: date, seed: int, ad_type: str = "SP") -> tuple[_KeywordRow, ...]:
    keywords = {"SP": brand.keywords, "SB": brand.brands_keywords, "SD": brand.display_targets}[ad_type]
    rng = _stream(seed, brand.brand_slug, day.isoformat(), *([ad_type] if ad_type != "SP" else []))
    prices = {p.asin: p.price_cents for p in brand.products}
    rows = []
    for keyword in keywords:
        for search_term in keyword.search_terms:
            impressions = rng.randint(150, 4_000)
            clicks = max(1, round(impressions * rng.uniform(0.003, 0.03)))
            spend_cents = round(clicks * rng.uniform(35, 160))
            orders = round(clicks * rng.uniform(0.0, 0.18))
            sales_cents = orders * prices[keyword.asin]
            rows.append(_KeywordRow(keyword, search_term, impressions, clicks, spend_cents, orders, sales_cents))
    return tuple(rows)


def _per_click(row: _KeywordRow) -> int:
    return (row.spend_cents + row.clicks // 2) // row.clicks


def _money(cents: int, symbol: str = "", thousands: bool = True) -> str:
    amount = Decimal(cents).scaleb(-2)
    return f"{symbol}{amount:,.2f}" if thousands else f"{symbol}{amount:.2f}"


def _ratio(numerator: int, denominator: int, percent: bool, places: int = 2) -> str:
    if denominator == 0:
        return ""
    value = Decimal(numerator) * (100 if percent else 1) / Decimal(denominator)
    text = str(value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
    return f"{text}%" if percent else text


def _render_xlsx(header: tuple[str, ...], rows: list[list]) -> bytes:
    """One worksheet as the console writes it: typed cells (text stays text, numbers numbers,
    a date a date), percentages and money by number format only. Fixed document times, so the
    same rows give the same bytes."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": datetime(2026, 1, 1)})
    sheet = workbook.add_worksheet("Sheet1")
    formats = {
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "percent": workbook.add_format({"num_format": "0.00%"}),
        "money": workbook.add_format({"num_format": "#,##0.00"}),
    }
    sheet.write_row(0, 0, header)
    for row_index, cells in enumerate(rows, start=1):
        for column, cell in enumerate(cells):
            name = header[column].lower()
            if cell is None:
                continue
            if isinstance(cell, datetime):
                sheet.write_datetime(row_index, column, cell, formats["date"])
            elif isinstance(cell, float) and "rate" in name:
                sheet.write_number(row_index, column, cell, formats["percent"])
            elif isinstance(cell, float):
                sheet.write_number(row_index, column, cell, formats["money"])
            elif isinstance(cell, int):
                sheet.write_number(row_index, column, cell)
            else:
                sheet.write_string(row_index, column, cell)
    workbook.close()
    return buffer.getvalue()


def _render(header: tuple[str, ...], rows: list[list[str]], crlf: bool) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _amazon_cells(brand: _Brand, day: date, row: _KeywordRow) -> list[str]:
    keyword = row.keyword
    return [
        day.strftime("%b %d, %Y"),  # "Sep 01, 2026": quoted, it has a comma
        keyword.portfolio or "",
        brand.currency,
        keyword.campaign,
        keyword.ad_group,
        keyword.text,
        _console_match_type(keyword),
        row.search_term,
        str(row.impressions),
        str(row.clicks),
        _ratio(row.clicks, row.impressions, percent=True),
        _money(_per_click(row), brand.symbol),
        _money(row.spend_cents, brand.symbol),
        _money(row.sales_cents, brand.symbol) if row.orders else "",  # Amazon leaves no-sale cells blank
        _ratio(row.spend_cents, row.sales_cents, percent=True),
        _ratio(row.sales_cents, row.spend_cents, percent=False),
        str(row.orders) if row.orders else "",
        str(row.orders) if row.orders else "",
        _ratio(row.orders, row.clicks, percent=True),
    ]


def _console_match_type(keyword: _Keyword) -> str:
    """The console writes "-" for every target that is not a keyword."""
    return keyword.match_type.upper() if keyword.match_type in ("exact", "phrase", "broad") else "-"


def _sponsored_brands_cells(brand: _Brand, day: date, row: _KeywordRow) -> list[str]:
    keyword = row.keyword
    return [
        day.strftime("%b %d, %Y"),
        keyword.portfolio or "",
        brand.currency,
        keyword.campaign,
        keyword.ad_group,
        keyword.text,
        _console_match_type(keyword),
        row.search_term,
        "CPC",
        str(row.impressions),
        str(row.clicks),
        _ratio(row.clicks, row.impressions, percent=True),
        _money(row.spend_cents, brand.symbol),
        _money(_per_click(row), brand.symbol),
        _money(row.sales_cents, brand.symbol) if row.orders else "",
        _ratio(row.spend_cents, row.sales_cents, percent=True),
        _ratio(row.sales_cents, row.spend_cents, percent=False),
        str(row.orders) if row.orders else "",
        str(row.orders) if row.orders else "",
        _ratio(row.orders, row.clicks, percent=True),
    ]


def _sponsored_display_cells(brand: _Brand, day: date, row: _KeywordRow) -> list:
    """Typed cells, as the console's .xlsx holds them: numbers are numbers, the date a date."""
    keyword = row.keyword
    return [
        datetime(day.year, day.month, day.day),
        keyword.portfolio,
        brand.currency,
        keyword.campaign,
        keyword.ad_group,
        keyword.text,
        "CPC",
        "Optimize for page visits",
        row.impressions,
        row.impressions * 7 // 10,
        row.clicks,
        row.clicks / row.impressions,
        row.spend_cents / 100,
        _per_click(row) / 100,
        row.orders,
        row.orders,
        row.sales_cents / 100 if row.orders else None,
        row.clicks * 2,
    ]


def _helium10_cells(brand: _Brand, day: date, row: _KeywordRow) -> list[str]:
    keyword = row.keyword
    sales_cents = row.sales_cents * 105 // 100  # Adtomic's 14-day window sees a little more
    return [
        day.isoformat(),
        keyword.portfolio or "",
        keyword.campaign,
        keyword.ad_group,
        keyword.text,
        keyword.match_type.capitalize() if keyword.match_type != "product" else "-",
        row.search_term,
        f"{row.impressions:,}",
        str(row.clicks),
        _ratio(row.clicks, row.impressions, percent=True, places=1),
        _money(row.spend_cents, brand.symbol),
        _money(_per_click(row), brand.symbol),
        str(row.orders),
        _money(sales_cents, brand.symbol),
        _ratio(row.spend_cents, sales_cents, percent=True, places=1) or "-",
        _ratio(sales_cents, row.spend_cents, percent=False),
        _ratio(row.orders, row.clicks, percent=True, places=1),
    ]


def _zonguru_cells(brand: _Brand, day: date, row: _KeywordRow) -> list[str]:
    keyword = row.keyword
    sales_cents = row.sales_cents * 102 // 100
    return [
        day.strftime("%m/%d/%Y"),
        keyword.portfolio or "",
        keyword.campaign,
        keyword.ad_group,
        keyword.text,
        keyword.match_type if keyword.match_type != "product" else "-",
        row.search_term,
        str(row.impressions),
        str(row.clicks),
        _money(row.spend_cents, thousands=False),
        str(row.orders),
        _money(sales_cents, thousands=False),
        _ratio(row.clicks, row.impressions, percent=True),
        _money(_per_click(row), thousands=False),
        _ratio(row.spend_cents, sales_cents, percent=True),
    ]


_CELLS = {"amazon": _amazon_cells, "helium10": _helium10_cells, "zonguru": _zonguru_cells}
_HEADERS = {"amazon": AMAZON_HEADER, "helium10": HELIUM10_HEADER, "zonguru": ZONGURU_HEADER}


def _formats_of_day(brand: _Brand, offset: int) -> tuple[str, ...]:
    """Amazon's own report most days; the re-export on some days, alone when Amazon's is missing."""
    amazon_missing = offset % 9 == 5
    re_export = offset % 4 == 1 if brand.re_export == "helium10" else offset % 3 == 2
    formats = () if amazon_missing else ("amazon",)
    if re_export or amazon_missing:
        formats += (brand.re_export,)
    return formats


NEGATIVE_CLICKS_OFFSET = 1  # the first re-export day of acme-outdoor (Helium 10)
XLSX_OFFSET = 2  # Amazon's own report downloaded as .xlsx (the console's default) that day
AD_ABOVE_TOTAL_OFFSET = 3


def write_amazon_exports(exports_dir, start: date, end: date, seed: int) -> AmazonWorld:
    keyword_keys, sales_keys, overlaps, missing, xlsx_keys = [], [], [], [], []
    negative: AmazonBadRow | None = None
    above_total: tuple[str, date, str] | None = None
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        for brand in _BRANDS:
            rows = _keyword_rows(brand, day, seed)
            formats = _formats_of_day(brand, offset)
            if len(formats) > 1:
                overlaps.append((brand.brand_slug, day))
            if "amazon" not in formats:
                missing.append((brand.brand_slug, day))
            for position, folder in enumerate(formats):
                cells = [_CELLS[folder](brand, day, row) for row in rows]
                as_xlsx = folder == "amazon" and offset % 5 == XLSX_OFFSET
                key = f"{AMAZON_DIR}/{brand.brand_slug}/{folder}/{day.isoformat()}.{'xlsx' if as_xlsx else 'csv'}"
                if folder == "helium10" and offset == NEGATIVE_CLICKS_OFFSET and negative is None:
                    clicks_column = HELIUM10_HEADER.index("Clicks")
                    cells[1][clicks_column] = f"-{cells[1][clicks_column]}"
                    negative = AmazonBadRow(key, 3, "clicks", f"clicks is negative: {cells[1][clicks_column]!r}")
                path = exports_dir / key
                path.parent.mkdir(parents=True, exist_ok=True)
                if as_xlsx:  # the same text cells, as a workbook holds text
                    path.write_bytes(_render_xlsx(_HEADERS[folder], cells))
                    xlsx_keys.append(key)
                else:
                    path.write_bytes(_render(_HEADERS[folder], cells, crlf=(offset + position) % 2 == 0))
                keyword_keys.append(key)
            if "amazon" in formats and brand.brands_keywords:
                key = f"{AMAZON_DIR}/{brand.brand_slug}/amazon/{day.isoformat()}_sponsored-brands.csv"
                brands_rows = _keyword_rows(brand, day, seed, "SB")
                cells = [_sponsored_brands_cells(brand, day, row) for row in brands_rows]
                (exports_dir / key).write_bytes(_render(SPONSORED_BRANDS_HEADER, cells, crlf=True))
                keyword_keys.append(key)
            if "amazon" in formats and brand.display_targets:
                key = f"{AMAZON_DIR}/{brand.brand_slug}/amazon/{day.isoformat()}_sponsored-display.xlsx"
                display_rows = _keyword_rows(brand, day, seed, "SD")
                cells = [_sponsored_display_cells(brand, day, row) for row in display_rows]
                (exports_dir / key).write_bytes(_render_xlsx(SPONSORED_DISPLAY_HEADER, cells))
                keyword_keys.append(key)
                xlsx_keys.append(key)
            sales_key = f"{AMAZON_DIR}/{brand.brand_slug}/sales/{day.isoformat()}.csv"
            counted = rows if formats else ()
            sales_rows, above = _sales_rows(brand, day, counted, seed, offset)
            if above and above_total is None:
                above_total = (brand.brand_slug, day, above)
            path = exports_dir / sales_key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_render(SALES_HEADER, sales_rows, crlf=False))
            sales_keys.append(sales_key)
    assert negative is not None and above_total is not None  # any range of MIN_DAYS days has both
    return AmazonWorld(
        brand_slugs=tuple(b.brand_slug for b in _BRANDS),
        keyword_report_keys=tuple(keyword_keys),
        xlsx_keys=tuple(xlsx_keys),
        sales_keys=tuple(sales_keys),
        overlapping_days=tuple(overlaps),
        days_without_amazon_report=tuple(missing),
        negative_clicks_row=negative,
        ad_sales_above_total=above_total,
    )


def _sales_rows(brand: _Brand, day: date, keyword_rows, seed: int, offset: int) -> tuple[list[list[str]], str | None]:
    rng = _stream(seed, brand.brand_slug, "sales", day.isoformat())
    above = None
    lines = []
    for index, product in enumerate(brand.products):
        ad_cents = sum(r.sales_cents for r in keyword_rows if r.keyword.asin == product.asin)
        ad_units = sum(r.orders for r in keyword_rows if r.keyword.asin == product.asin)
        organic_units = rng.randint(0, 12)
        units, total_cents = ad_units + organic_units, (ad_units + organic_units) * product.price_cents
        if offset == AD_ABOVE_TOTAL_OFFSET and index == 0 and ad_units > 0:
            # Ads claim orders the day's sales report has not caught up with yet.
            units, total_cents = ad_units - 1, (ad_units - 1) * product.price_cents
            above = product.asin
        lines.append(
            [
                day.isoformat(),
                product.asin,
                product.title,
                _money(total_cents, brand.symbol),
                str(units),
                _money(ad_cents, brand.symbol),
                str(ad_units),
            ]
        )
    if offset == AD_ABOVE_TOTAL_OFFSET and above is None:
        # No ad orders on the first product that day: claim one anyway, so the case is always there.
        product = brand.products[0]
        lines[0][5], lines[0][6] = _money(product.price_cents, brand.symbol), "1"
        lines[0][3], lines[0][4] = _money(0, brand.symbol), "0"
        above = product.asin
    return lines, above


def amazon_config_sections() -> dict[str, dict]:
    """The `amazon:` section of each sandbox client that sells on Amazon, by client slug."""
    sections = {}
    for brand in _BRANDS:
        section: dict = {}
        if brand.brand_slug != brand.client_slug:
            section["brand_slug"] = brand.brand_slug
        section["asin_skus"] = {p.asin: p.sku for p in brand.products if p.sku is not None}
        sections[brand.client_slug] = section
    return sections
