"""The Amazon Ads export formats, declared: which header names carry which landing field.

Three tools export the same Sponsored Products search-term facts under different names:
Amazon's own console report (the system of record), Helium 10's Adtomic and ZonGuru. One
`ReportFormat` per tool maps its headers onto the landing fields of
`raw_amazon_ads.keyword_reports`; the sales-per-ASIN export has a format of its own. Amazon's
console also exports Sponsored Brands search-term and Sponsored Display targeting reports into
the same `amazon/` folder: which of the three a file is, is read off its header
(`format_of_headers`: 14-day attribution columns mean SB or SD, a search-term or match-type
column means SB), and each row keeps its ad type (SP, SB, SD). What a
field *is* (a count, an amount of money, a percentage kept as exported, a name) is the same in
every format, so it is declared once, in `FIELD_KINDS`, and the parser validates by kind.

Header names are matched case-insensitively with runs of whitespace collapsed and the ends
trimmed (Amazon's export writes "7 Day Total Sales " with a trailing space). A column whose
header maps to no field is kept, by its header, in the row's `extra_columns` JSON.

Amazon's names are those of the console's "Sponsored Products Search term report". Helium 10
(Adtomic) and ZonGuru publish no column reference we could confirm: their names below are the
ones their exports show in public screenshots and tutorials, with the variants seen listed as
aliases; the decision log says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The order in which formats win a keyword-day they both report (first wins): Amazon's own
# report is the system of record; Helium 10 and ZonGuru re-export what Amazon's API gave them,
# later and sometimes with a different attribution window. dbt reads the same order from the
# var `amazon_ads_format_precedence` (dbt_project.yml); a unit test keeps the two equal.
FORMAT_PRECEDENCE = ("amazon", "helium10", "zonguru")
SALES_FOLDER = "sales"

# Amazon's ad products; every re-export tool's report is Sponsored Products.
SPONSORED_PRODUCTS, SPONSORED_BRANDS, SPONSORED_DISPLAY = "SP", "SB", "SD"
AD_TYPES = (SPONSORED_PRODUCTS, SPONSORED_BRANDS, SPONSORED_DISPLAY)
# What a row's "Targeting" is: a keyword with a match type, a product or category expression
# (asin="B0...", category="..."), one of an automatic campaign's targeting groups, or (Sponsored
# Display) an audience (views=(...), purchases=(...), audience="...").
KEYWORD_TARGETING, PRODUCT_TARGETING, AUTO_TARGETING, AUDIENCE_TARGETING = "keyword", "product", "auto", "audience"
TARGETING_TYPES = (KEYWORD_TARGETING, PRODUCT_TARGETING, AUTO_TARGETING, AUDIENCE_TARGETING)

COUNT = "count"  # whole number >= 0; blank or "-" is 0
MONEY = "money"  # amount >= 0, optional currency symbol and thousands separators; blank or "-" is 0
NAME = "name"  # required text
OPTIONAL_TEXT = "optional_text"  # blank is null
MATCH_TYPE = "match_type"  # exact | phrase | broad | auto, or none (product, audience): checked with the targeting
DATE = "date"  # optional column; when present it must be the file's day
CURRENCY = "currency"  # optional column; when present it must be the brand's currency
PERCENT = "percent"  # informational ratio ("12.5%"): landed as exported, recomputed in the marts
REPORTED_MONEY = "reported_money"  # informational amount ("$0.85"): landed as exported
REPORTED_RATIO = "reported_ratio"  # informational plain ratio ("3.20"): landed as exported

FIELD_KINDS: dict[str, str] = {
    "report_date": DATE,
    "currency": CURRENCY,
    "portfolio_name": OPTIONAL_TEXT,
    "campaign_name": NAME,
    "ad_group_name": NAME,
    "keyword_text": NAME,
    "match_type": MATCH_TYPE,
    "search_term": OPTIONAL_TEXT,
    "impressions": COUNT,
    "clicks": COUNT,
    "spend": MONEY,
    "orders": COUNT,
    "sales": MONEY,
    "reported_ctr": PERCENT,
    "reported_cpc": REPORTED_MONEY,
    "reported_acos": PERCENT,
    "reported_roas": REPORTED_RATIO,
    "reported_conversion_rate": PERCENT,
    # the sales export
    "asin": NAME,
    "total_sales": MONEY,
    "total_units": COUNT,
    "ad_sales": MONEY,
    "ad_units": COUNT,
}

KEYWORD_FIELDS_REQUIRED = (
    "campaign_name",
    "ad_group_name",
    "keyword_text",
    "match_type",
    "impressions",
    "clicks",
    "spend",
    "orders",
    "sales",
)
SALES_FIELDS_REQUIRED = ("asin", "total_sales", "total_units", "ad_sales", "ad_units")

# Match types as the tools write them (lower-cased) -> the four we keep. The API's
# TARGETING_EXPRESSION(_PREDEFINED) are what re-exports built from it may show for product and
# automatic targets; the console writes "-" for both and the Targeting cell says which.
MATCH_TYPES = {
    "exact": "exact",
    "phrase": "phrase",
    "broad": "broad",
    "auto": "auto",
    "automatic": "auto",
    "exact match": "exact",
    "phrase match": "phrase",
    "broad match": "broad",
    "targeting_expression_predefined": "auto",
}
EXPRESSION_MATCH_TYPES = ("targeting_expression",)  # a product/audience expression: the Targeting cell says which
# Amazon writes "-" as the match type of an automatic campaign's rows and one of these
# targeting groups (or "*") as the targeting; such a row is 'auto'. Sponsored Brands' theme
# targeting (keyword-group="...") lets Amazon pick the keywords: automatic as well.
AUTO_TARGETING_GROUPS = ("*", "close-match", "loose-match", "substitutes", "complements")
AUTO_TARGETING_PREFIXES = ("keyword-group=",)
# Targeting expressions of product targeting (Sponsored Products, Brands and Display's contextual
# targeting) and of Sponsored Display's audiences, by how they start (lower-cased).
PRODUCT_TARGETING_PREFIXES = (
    "asin=",
    "asin-expanded=",
    "asin-same-as=",
    "category=",
    "brand=",
    "similar-product",
    "exact-product",
    "related-product",
)
AUDIENCE_TARGETING_PREFIXES = ("views=", "purchases=", "audience=", "remarketing", "in-market", "lifestyle", "interest")

# A currency symbol in a money cell, and the ISO codes it can stand for.
CURRENCY_SYMBOLS: dict[str, tuple[str, ...]] = {
    "$": ("USD", "CAD", "AUD", "NZD", "SGD", "MXN"),
    "£": ("GBP",),
    "€": ("EUR",),
}


@dataclass(frozen=True)
class ReportFormat:
    name: str  # the folder under amazon_ads/<brand_slug>/
    # landing field -> the header names that carry it, as the tool writes them (first = usual)
    headers: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    ad_type: str = SPONSORED_PRODUCTS
    title: str = ""  # how messages name it: "amazon (Sponsored Brands search-term report)"

    @property
    def label(self) -> str:
        return self.title or self.name

    def field_of_header(self, header: str) -> str | None:
        wanted = normalise_header(header)
        for field, names in self.headers.items():
            if any(normalise_header(name) == wanted for name in names):
                return field
        return None

    def usual_header(self, field: str) -> str:
        return self.headers[field][0]


def normalise_header(header: str) -> str:
    return re.sub(r"\s+", " ", header.replace("\ufeff", "")).strip().lower()


def _console_headers(window_days: int) -> dict[str, tuple[str, ...]]:
    """The console's search-term / targeting report headers; its sales, orders and conversion
    rate are named after the report's attribution window (7 days for SP, 14 for SB and SD)."""
    window = f"{window_days} Day"
    return {
        "report_date": ("Date", "Start Date"),
        "portfolio_name": ("Portfolio name",),
        "currency": ("Currency",),
        "campaign_name": ("Campaign Name",),
        "ad_group_name": ("Ad Group Name",),
        "keyword_text": ("Targeting", "Keyword"),
        "match_type": ("Match Type",),
        "search_term": ("Customer Search Term",),
        "impressions": ("Impressions",),
        "clicks": ("Clicks",),
        "reported_ctr": ("Click-Thru Rate (CTR)",),
        "reported_cpc": ("Cost Per Click (CPC)",),
        "spend": ("Spend", "Cost"),
        "sales": (f"{window} Total Sales", f"{window} Total Sales ($)"),
        "reported_acos": ("Total Advertising Cost of Sales (ACOS)",),
        "reported_roas": ("Total Return on Advertising Spend (ROAS)",),
        "orders": (f"{window} Total Orders (#)", f"{window} Total Orders"),
        "reported_conversion_rate": (f"{window} Conversion Rate",),
    }


AMAZON = ReportFormat(
    name="amazon",
    title="amazon (Sponsored Products search-term report)",
    headers=_console_headers(7),
    required=KEYWORD_FIELDS_REQUIRED,
)

# The console's other reports in the same folder: 14-day attribution, no "7 Day" columns.
# Sponsored Brands has a search-term report; Sponsored Display has none (its shoppers browse,
# they do not search), so its report is the targeting report, without search term or match type.
_AMAZON_14_DAY_HEADERS = _console_headers(14)
_FOURTEEN_DAY_FIELDS_REQUIRED = tuple(f for f in KEYWORD_FIELDS_REQUIRED if f != "match_type")

AMAZON_SPONSORED_BRANDS = ReportFormat(
    name="amazon",
    title="amazon (Sponsored Brands search-term report)",
    headers=_AMAZON_14_DAY_HEADERS,
    required=_FOURTEEN_DAY_FIELDS_REQUIRED,
    ad_type=SPONSORED_BRANDS,
)
AMAZON_SPONSORED_DISPLAY = ReportFormat(
    name="amazon",
    title="amazon (Sponsored Display targeting report)",
    headers=_AMAZON_14_DAY_HEADERS,
    required=_FOURTEEN_DAY_FIELDS_REQUIRED,
    ad_type=SPONSORED_DISPLAY,
)

HELIUM10 = ReportFormat(
    name="helium10",
    headers={
        "report_date": ("Date",),
        "portfolio_name": ("Portfolio", "Portfolio Name"),
        "campaign_name": ("Campaign Name", "Campaign"),
        "ad_group_name": ("Ad Group Name", "Ad Group"),
        "keyword_text": ("Keyword", "Target", "Keyword / Target"),
        "match_type": ("Match Type",),
        "search_term": ("Search Term", "Customer Search Term"),
        "impressions": ("Impressions",),
        "clicks": ("Clicks",),
        "reported_ctr": ("CTR",),
        "spend": ("Spend", "Ad Spend"),
        "reported_cpc": ("CPC",),
        "orders": ("Orders", "PPC Orders"),
        "sales": ("Sales", "PPC Sales"),
        "reported_acos": ("ACoS",),
        "reported_roas": ("ROAS",),
        "reported_conversion_rate": ("Conversion Rate", "CVR"),
    },
    required=KEYWORD_FIELDS_REQUIRED,
)

ZONGURU = ReportFormat(
    name="zonguru",
    headers={
        "report_date": ("Report Date", "Date"),
        "portfolio_name": ("Portfolio Name",),
        "campaign_name": ("Campaign",),
        "ad_group_name": ("Ad Group",),
        "keyword_text": ("Keyword / Target", "Keyword"),
        "match_type": ("Match",),
        "search_term": ("Search Query",),
        "impressions": ("Impr.", "Impressions"),
        "clicks": ("Clicks",),
        "spend": ("Ad Spend", "Cost"),
        "orders": ("Ad Orders",),
        "sales": ("Ad Sales",),
        "reported_ctr": ("CTR",),
        "reported_cpc": ("CPC",),
        "reported_acos": ("ACoS",),
        "reported_roas": ("RoAS", "ROAS"),
        "reported_conversion_rate": ("Conv. Rate",),
    },
    required=KEYWORD_FIELDS_REQUIRED,
)

SALES = ReportFormat(
    name=SALES_FOLDER,
    headers={
        "report_date": ("Date",),
        "currency": ("Currency",),
        "asin": ("ASIN", "(Child) ASIN", "Child ASIN"),
        "total_sales": ("Total Sales", "Ordered Product Sales"),
        "total_units": ("Total Units", "Units Ordered", "Units"),
        "ad_sales": ("Ad Sales", "Ad-Attributed Sales", "Advertising Sales"),
        "ad_units": ("Ad Units", "Ad-Attributed Units", "Advertising Units"),
    },
    required=SALES_FIELDS_REQUIRED,
)

KEYWORD_FORMATS: dict[str, ReportFormat] = {f.name: f for f in (AMAZON, HELIUM10, ZONGURU)}
FORMATS: dict[str, ReportFormat] = {**KEYWORD_FORMATS, SALES.name: SALES}


def format_of_headers(folder: str, headers: list[str]) -> ReportFormat:
    """The format of a file in `folder` with this header row. Only Amazon's own folder holds
    several reports: "14 Day" attribution columns mean Sponsored Brands or Display, and of
    those only Sponsored Brands has a search-term or match-type column."""
    if folder != AMAZON.name:
        return FORMATS[folder]
    names = {normalise_header(h) for h in headers}
    fourteen_day = {normalise_header(h) for h in (*_AMAZON_14_DAY_HEADERS["sales"], *_AMAZON_14_DAY_HEADERS["orders"])}
    if not names & fourteen_day:
        return AMAZON
    if names & {normalise_header("Customer Search Term"), normalise_header("Match Type")}:
        return AMAZON_SPONSORED_BRANDS
    return AMAZON_SPONSORED_DISPLAY


assert tuple(KEYWORD_FORMATS) == FORMAT_PRECEDENCE
assert all(field in FIELD_KINDS for f in FORMATS.values() for field in f.headers)
