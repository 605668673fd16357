"""The paid-media partner's daily CSV exports: one file per client and day, as the partner writes them.

``write_media_partner_exports(exports_dir, start, days, seed)`` writes
``media_partner/<client_slug>/<YYYY-MM-DD>.csv`` with the quirks real exports have (UTF-8 BOM, CRLF
line ends, trailing blank lines, thousands separators, quoted names with commas) and exactly one
malformed row, one file with a wrong header and a mid-month CPM change, all described on the
returned ``MediaPartnerExports`` so tests can find them. ``CLIENTS`` is the sandbox's fixed cast
of clients, which the config document (config_document.py) lists too.

Everything is derived from ``(start, days, seed)`` through string-seeded ``random.Random``
streams (seeded via SHA-512, so independent of ``PYTHONHASHSEED``) and integer arithmetic for
money: the same arguments always give byte-identical files. The wall clock is never read.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

DEFAULT_START = date(2026, 9, 1)
DEFAULT_DAYS = 61  # 2026-09-01 .. 2026-10-31
DEFAULT_SEED = 20260901

# Short ranges could not hold the anomalies on distinct days (and a CPM change
# that is neither on the first day of the range, a 1st, nor a Monday).
MIN_DAYS = 7

MEDIA_PARTNER_DIR = "media_partner"
# The partner's format, stated here on its own rather than imported from the loader:
# the sandbox stands in for the partner, so the loader is tested against it, not itself.
EXPORT_COLUMNS = (
    "date",
    "campaign_name",
    "strategy_name",
    "placement_name",
    "creative_name",
    "impressions",
    "clicks",
    "ctr",
    "conversions",
    "conversion_revenue",
)
# The wrong-header file uses the column names of an older export template.
WRONG_HEADER_RENAMES = {"creative_name": "creative", "conversion_revenue": "revenue"}

_CENT = Decimal("0.01")


# --------------------------------------------------------------------------- #
# What the exports hold that tests look for
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class MalformedRow:
    relative_key: str  # under the exports root, e.g. "media_partner/acme-outdoor/2026-09-09.csv"
    row_number: int  # line number in the file; 1 is the header line
    field: str  # column name holding the bad value
    reason_hint: str  # short human text, e.g. "impressions is not an integer: '12O4'"


@dataclass(frozen=True)
class WrongHeaderFile:
    relative_key: str
    missing_columns: tuple[str, ...]  # expected column names absent from the header, sorted


@dataclass(frozen=True)
class CpmChange:
    client_slug: str
    effective_from: date
    old_cpm: Decimal
    new_cpm: Decimal


# --------------------------------------------------------------------------- #
# The fixed cast: who the clients are. Entities and numbers come from the seed.
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _CpmChangePlan:
    new_cpm: Decimal
    # The change lands on the allowed day closest to this day of month, in the
    # first (or last) month of the range, so it is mid-month for any range.
    target_day_of_month: int
    in_last_month: bool


@dataclass(frozen=True)
class ClientProfile:
    workspace_slug: str
    slug: str
    name: str
    currency: str
    timezone: str
    base_cpm: Decimal
    cpm_change: _CpmChangePlan | None
    # Always-on campaign: live every day, so no client ever has an empty file.
    # Its name has a comma, so quoted names show up in every file.
    evergreen_campaign: str
    seasonal_campaigns: tuple[str, ...]
    creative_themes: tuple[str, ...]
    average_order_value_cents: int
    weekday_factors: tuple[float, ...]  # Monday .. Sunday


WORKSPACE_NAMES = {"northstar": "Northstar Agency", "harbor": "Harbor Collective"}

CLIENTS = (
    ClientProfile(
        workspace_slug="northstar",
        slug="acme-outdoor",
        name="Acme Outdoor",
        currency="USD",
        timezone="America/New_York",
        base_cpm=Decimal("12.50"),
        cpm_change=_CpmChangePlan(Decimal("14.00"), target_day_of_month=16, in_last_month=False),
        evergreen_campaign="Always On, Core Range",
        seasonal_campaigns=(
            "Fall Sale, Outerwear",
            "Trail Running Launch",
            "Après-Ski Preview",
            "Black Friday Early Access",
        ),
        creative_themes=("Rain Shell", "Down Jacket", "Trail Shoes", "Hiking Pack"),
        average_order_value_cents=8_900,
        weekday_factors=(1.0, 1.02, 1.0, 0.98, 0.95, 1.15, 1.2),  # outdoor: weekend browsing
    ),
    ClientProfile(
        workspace_slug="northstar",
        slug="bloom-beauty",
        name="Bloom Beauty",
        currency="GBP",
        timezone="Europe/London",
        base_cpm=Decimal("9.75"),
        cpm_change=None,
        evergreen_campaign="Evergreen, Skincare Essentials",
        seasonal_campaigns=(
            "Autumn Glow Edit",
            "Gift Sets, Holiday Preview",
            "Serum Relaunch",
            "Loyalty Double Points",
        ),
        creative_themes=("Vitamin C Serum", "Night Cream", "Lip Kit", "SPF 50 Fluid"),
        average_order_value_cents=4_200,
        weekday_factors=(0.95, 1.0, 1.0, 1.05, 1.1, 0.9, 0.85),
    ),
    ClientProfile(
        workspace_slug="harbor",
        slug="citrus-kitchen",
        name="Citrus Kitchen",
        currency="EUR",
        timezone="Europe/Berlin",
        base_cpm=Decimal("9.80"),
        cpm_change=_CpmChangePlan(Decimal("8.90"), target_day_of_month=14, in_last_month=True),
        evergreen_campaign="Brand Always-On, DACH",
        seasonal_campaigns=(
            "Meal Kits, Autumn Menu",
            "Oktoberfest Specials",
            "New Customer 30% Off",
            "Pumpkin Week",
        ),
        creative_themes=("Family Box", "Veggie Box", "Pasta Night", "Quick 20-Minute Meals"),
        average_order_value_cents=6_450,
        weekday_factors=(1.15, 1.1, 1.0, 0.95, 0.9, 0.85, 1.05),  # people plan meals on Sun/Mon
    ),
)

_STRATEGY_NAMES = (
    "Prospecting - Lookalike 1%",
    "Retargeting, 30-Day Site Visitors",
    "Contextual - Lifestyle",
    "In-Market Audiences",
    "Retargeting, Cart Abandoners",
    "Broad Reach - CTV",
)
_PLACEMENT_NAMES = (
    "Homepage Takeover",
    "In-Feed Native, Mobile",
    "Pre-Roll 15s",
    "Sidebar 300x250",
    "Newsletter Sponsorship",
    "Interstitial, App",
)
_CREATIVE_FORMATS = ("Static 1080x1080", "Video 15s", "Carousel, 5 Cards", "Native Card")


# --------------------------------------------------------------------------- #
# Planning: entities, live windows and daily numbers (pure, no I/O)
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _CreativePlan:
    campaign: str
    strategy: str
    placement: str
    creative: str
    first_day: int  # day offsets into the range, inclusive
    last_day: int
    base_impressions: float
    click_rate: float
    conversion_rate: float
    order_value_factor: float

    def is_live(self, day_offset: int) -> bool:
        return self.first_day <= day_offset <= self.last_day


@dataclass(frozen=True)
class _ExportRow:
    day: date
    campaign: str
    strategy: str
    placement: str
    creative: str
    impressions: int
    clicks: int
    conversions: int
    revenue_cents: int


@dataclass(frozen=True)
class _ExportFile:
    client_slug: str
    day_offset: int
    day: date
    rows: tuple[_ExportRow, ...]

    @property
    def relative_key(self) -> str:
        return f"{MEDIA_PARTNER_DIR}/{self.client_slug}/{self.day.isoformat()}.csv"


def _stream(seed: int, *labels: object) -> random.Random:
    """An independent random stream per purpose (structure, one per client and
    day for metrics, anomalies, quirks), so that one part's draws never depend
    on how many draws another part made."""
    return random.Random("/".join([str(seed), *map(str, labels)]))


def _campaign_flight(rng: random.Random, days: int) -> tuple[int, int]:
    # Seasonal campaigns never start on day 0, so not every creative is in every file.
    first = rng.randint(1, max(1, days // 3))
    if rng.random() < 0.5:
        return first, days - 1
    return first, rng.randint(min(first + max(2, days // 4), days - 1), days - 1)


def _creative_window(rng: random.Random, flight: tuple[int, int], is_first: bool) -> tuple[int, int]:
    # The first creative of a placement runs the whole flight; the others rotate in and out.
    first, last = flight
    if is_first or rng.random() < 0.5:
        return first, last
    starts = rng.randint(first, first + (last - first) // 2)
    return starts, rng.randint(min(starts + 2, last), last)


def _plan_creatives(profile: ClientProfile, seed: int, days: int) -> tuple[_CreativePlan, ...]:
    rng = _stream(seed, "structure", profile.slug)
    campaigns = [(profile.evergreen_campaign, (0, days - 1))]
    for name in rng.sample(profile.seasonal_campaigns, rng.randint(1, 3)):
        campaigns.append((name, _campaign_flight(rng, days)))
    creative_names = [f"{fmt} - {theme}" for theme in profile.creative_themes for fmt in _CREATIVE_FORMATS]

    plans = []
    for campaign, flight in campaigns:
        for strategy in rng.sample(_STRATEGY_NAMES, rng.randint(1, 3)):
            for placement in rng.sample(_PLACEMENT_NAMES, rng.randint(1, 3)):
                for index, creative in enumerate(rng.sample(creative_names, rng.randint(1, 3))):
                    first_day, last_day = _creative_window(rng, flight, is_first=index == 0)
                    plans.append(
                        _CreativePlan(
                            campaign=campaign,
                            strategy=strategy,
                            placement=placement,
                            creative=creative,
                            first_day=first_day,
                            last_day=last_day,
                            # Log-uniform: a few hundred to ~160k impressions a day.
                            base_impressions=10 ** rng.uniform(2.6, 5.2),
                            click_rate=rng.uniform(0.002, 0.025),
                            conversion_rate=rng.uniform(0.01, 0.06),
                            order_value_factor=rng.uniform(0.7, 1.4),
                        )
                    )
    return tuple(plans)


def _daily_row(plan: _CreativePlan, profile: ClientProfile, day: date, rng: random.Random) -> _ExportRow:
    weekday_factor = profile.weekday_factors[day.weekday()]
    impressions = max(100, round(plan.base_impressions * weekday_factor * rng.uniform(0.8, 1.2)))
    clicks = min(impressions, round(impressions * plan.click_rate * rng.uniform(0.8, 1.2)))
    conversions = min(clicks, round(clicks * plan.conversion_rate * rng.uniform(0.6, 1.4)))
    revenue_cents = 0
    if conversions:
        order_value = profile.average_order_value_cents * plan.order_value_factor
        revenue_cents = max(1, round(conversions * order_value * rng.uniform(0.85, 1.15)))
    return _ExportRow(
        day=day,
        campaign=plan.campaign,
        strategy=plan.strategy,
        placement=plan.placement,
        creative=plan.creative,
        impressions=impressions,
        clicks=clicks,
        conversions=conversions,
        revenue_cents=revenue_cents,
    )


def _plan_files(seed: int, start: date, days: int) -> tuple[_ExportFile, ...]:
    """Every export, ordered by day then client (the order quirks are spread over)."""
    creatives_by_client = {profile.slug: _plan_creatives(profile, seed, days) for profile in CLIENTS}
    files = []
    for day_offset in range(days):
        day = start + timedelta(days=day_offset)
        for profile in CLIENTS:
            rng = _stream(seed, "metrics", profile.slug, day.isoformat())
            rows = tuple(
                _daily_row(plan, profile, day, rng)
                for plan in creatives_by_client[profile.slug]
                if plan.is_live(day_offset)
            )
            files.append(_ExportFile(profile.slug, day_offset, day, rows))
    return tuple(files)


# --------------------------------------------------------------------------- #
# CPM rates
# --------------------------------------------------------------------------- #


def _cpm_change_day(start: date, end: date, plan: _CpmChangePlan) -> date:
    """The allowed day closest to the target day of month. Allowed: after the
    first day of the range (so the first rate is in force on `start`), not a
    1st and not a Monday (so it is neither a month nor a week boundary)."""
    month = end if plan.in_last_month else start
    target = month.replace(day=plan.target_day_of_month)
    days_after_start = (start + timedelta(days=offset) for offset in range(1, (end - start).days + 1))
    candidates = [day for day in days_after_start if day.day != 1 and day.weekday() != 0]
    return min(candidates, key=lambda day: (abs((day - target).days), day))


def _cpm_changes(start: date, end: date) -> tuple[CpmChange, ...]:
    return tuple(
        CpmChange(
            client_slug=profile.slug,
            effective_from=_cpm_change_day(start, end, profile.cpm_change),
            old_cpm=profile.base_cpm,
            new_cpm=profile.cpm_change.new_cpm,
        )
        for profile in CLIENTS
        if profile.cpm_change is not None
    )


# --------------------------------------------------------------------------- #
# Anomalies
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _Corruption:
    relative_key: str
    row_index: int  # index into the file's data rows
    field: str
    bad_value: str
    reason_hint: str


def _corrupt_value(rng: random.Random, row: _ExportRow) -> tuple[str, str, str]:
    """(field, bad value, reason hint) for one of the typos seen in real exports."""
    kind = rng.choice(("letter_o", "negative", "placeholder"))
    if kind == "letter_o":
        digits = str(row.impressions)  # always >= 100, so at least 3 digits
        position = digits.find("0", 1)
        position = position if position > 0 else 1
        bad = digits[:position] + "O" + digits[position + 1 :]
        return "impressions", bad, f"impressions is not an integer: {bad!r}"
    if kind == "negative":
        bad = f"-{row.impressions}"
        return "impressions", bad, f"impressions is negative: {bad!r}"
    return "clicks", "n/a", "clicks is not an integer: 'n/a'"


def _choose_anomalies(seed: int, files: Sequence[_ExportFile]) -> tuple[_Corruption, WrongHeaderFile]:
    """One malformed row and one wrong-header file, for different clients on
    different days, never on the range's first day (so day one loads cleanly)."""
    rng = _stream(seed, "anomalies")
    malformed_file = rng.choice([f for f in files if f.day_offset > 0 and len(f.rows) >= 2])
    row_index = rng.randrange(len(malformed_file.rows))
    field, bad_value, reason = _corrupt_value(rng, malformed_file.rows[row_index])
    corruption = _Corruption(malformed_file.relative_key, row_index, field, bad_value, reason)

    header_file = rng.choice(
        [
            f
            for f in files
            if f.day_offset > 0
            and f.client_slug != malformed_file.client_slug
            and f.day_offset != malformed_file.day_offset
        ]
    )
    wrong_header = WrongHeaderFile(header_file.relative_key, tuple(sorted(WRONG_HEADER_RENAMES)))
    return corruption, wrong_header


# --------------------------------------------------------------------------- #
# Rendering
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _FileStyle:
    utf8_bom: bool
    crlf: bool
    trailing_blank_lines: int
    thousands_separators: bool


# Each quirk hits every N-th file (by day, then client) from a seeded phase. The
# periods are coprime to the number of clients, so a quirk moves across clients
# instead of always landing on the same one, and any range of at least
# MIN_DAYS days shows every quirk at least once.
_THOUSANDS_PERIOD, _BOM_PERIOD, _CRLF_PERIOD, _ONE_BLANK_PERIOD, _TWO_BLANKS_PERIOD = 4, 5, 7, 11, 13


def _file_styles(seed: int, file_count: int) -> tuple[_FileStyle, ...]:
    rng = _stream(seed, "quirks")
    periods = (_THOUSANDS_PERIOD, _BOM_PERIOD, _CRLF_PERIOD, _ONE_BLANK_PERIOD, _TWO_BLANKS_PERIOD)
    thousands, bom, crlf, one_blank, two_blanks = (rng.randrange(period) for period in periods)

    def style(n: int) -> _FileStyle:
        blank_lines = 2 if n % _TWO_BLANKS_PERIOD == two_blanks else int(n % _ONE_BLANK_PERIOD == one_blank)
        return _FileStyle(
            utf8_bom=n % _BOM_PERIOD == bom,
            crlf=n % _CRLF_PERIOD == crlf,
            trailing_blank_lines=blank_lines,
            thousands_separators=n % _THOUSANDS_PERIOD == thousands,
        )

    return tuple(style(n) for n in range(file_count))


def _format_count(value: int, thousands_separators: bool) -> str:
    return f"{value:,}" if thousands_separators else str(value)


def _format_ctr(clicks: int, impressions: int) -> str:
    # Informational only: the partner rounds to two decimals and adds a percent sign.
    percent = (Decimal(clicks) * 100 / Decimal(impressions)).quantize(_CENT, ROUND_HALF_UP)
    return f"{percent}%"


def _format_revenue(cents: int, thousands_separators: bool) -> str:
    amount = Decimal(cents).scaleb(-2)
    return f"{amount:,.2f}" if thousands_separators else f"{amount:.2f}"


def _row_cells(row: _ExportRow, thousands_separators: bool) -> dict[str, str]:
    return {
        "date": row.day.isoformat(),
        "campaign_name": row.campaign,
        "strategy_name": row.strategy,
        "placement_name": row.placement,
        "creative_name": row.creative,
        "impressions": _format_count(row.impressions, thousands_separators),
        "clicks": _format_count(row.clicks, thousands_separators),
        "ctr": _format_ctr(row.clicks, row.impressions),
        "conversions": _format_count(row.conversions, thousands_separators),
        "conversion_revenue": _format_revenue(row.revenue_cents, thousands_separators),
    }


def _render_export(
    export: _ExportFile,
    style: _FileStyle,
    header: Sequence[str],
    corruption: _Corruption | None,
) -> bytes:
    line_end = "\r\n" if style.crlf else "\n"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for index, row in enumerate(export.rows):
        cells = _row_cells(row, style.thousands_separators)
        if corruption is not None and corruption.row_index == index:
            cells[corruption.field] = corruption.bad_value
        writer.writerow(cells[column] for column in EXPORT_COLUMNS)
    buffer.write(line_end * style.trailing_blank_lines)
    text = ("\ufeff" if style.utf8_bom else "") + buffer.getvalue()
    return text.encode("utf-8")


@dataclass(frozen=True)
class MediaPartnerExports:
    client_slugs: tuple[str, ...]
    malformed_row: MalformedRow
    wrong_header_file: WrongHeaderFile
    cpm_changes: tuple[CpmChange, ...]


def write_media_partner_exports(
    exports_dir: Path, *, start: date = DEFAULT_START, days: int = DEFAULT_DAYS, seed: int = DEFAULT_SEED
) -> MediaPartnerExports:
    """Write every export under `exports_dir`/media_partner/ (files of the same names are
    overwritten, nothing else is removed) and describe the anomalies planted in them."""
    if days < MIN_DAYS:
        raise ValueError(f"a sandbox world needs at least {MIN_DAYS} days, got {days}")
    end = start + timedelta(days=days - 1)
    files = _plan_files(seed, start, days)
    corruption, wrong_header = _choose_anomalies(seed, files)

    for export, style in zip(files, _file_styles(seed, len(files)), strict=True):
        is_wrong_header = export.relative_key == wrong_header.relative_key
        header = [WRONG_HEADER_RENAMES.get(c, c) for c in EXPORT_COLUMNS] if is_wrong_header else EXPORT_COLUMNS
        is_malformed = export.relative_key == corruption.relative_key
        path = Path(exports_dir) / export.relative_key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_render_export(export, style, header, corruption if is_malformed else None))

    return MediaPartnerExports(
        client_slugs=tuple(profile.slug for profile in CLIENTS),
        malformed_row=MalformedRow(
            relative_key=corruption.relative_key,
            row_number=corruption.row_index + 2,  # line 1 is the header
            field=corruption.field,
            reason_hint=corruption.reason_hint,
        ),
        wrong_header_file=wrong_header,
        cpm_changes=_cpm_changes(start, end),
    )
