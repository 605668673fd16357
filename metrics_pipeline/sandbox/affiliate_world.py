"""A deterministic affiliate network (ClickBank-style) for the sandbox world.

``write_affiliate_exports(exports_dir)`` writes, for one client (acme-outdoor, USD, whose
campaign tracking ids start with ``acme-``):

- ``affiliate/<YYYY-MM-DD>/events.csv``: a day's clicks, conversions, refunds and rebills
  (a hundred or two a day), the day being the client's local (New York) day;
- ``affiliate/<YYYY-MM-DD>/products.csv``: the product catalogue snapshot, on the first day
  and every Monday.

With the quirks real exports have: two header templates (``Receipt,Type,Time,TID,Item,
Amount,Source,Refund Flag,Affiliate Sub ID`` with local times and offsets, and the plain
``event_id,...,revenue,source`` with UTC ``Z`` times), amounts like ``$1,249.00``, event types
in any case, blank revenue on clicks, refunds either as positive amounts with the refund flag
set or as negative amounts, rebills, percentages like ``12.5%`` and blank cells in the
catalogue; and a few malformed rows (an unknown event type, a negative click revenue), recorded
on the returned ``AffiliateWorld`` so tests can find them.

Everything derives from the seed through string-seeded ``random.Random`` streams (SHA-512, so
independent of ``PYTHONHASHSEED``) and integer cents; the wall clock is never read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

AFFILIATE_DIR = "affiliate"
DEFAULT_START = date(2026, 9, 1)
DEFAULT_DAYS = 61  # 2026-09-01 .. 2026-10-31
DEFAULT_SEED = 20260901

CLIENT_SLUG = "acme-outdoor"
TRACKING_ID_PREFIX = "acme-"
CURRENCY = "USD"
_ZONE = ZoneInfo("America/New_York")

# The network's formats, stated here on their own rather than imported from the loader: the
# sandbox stands in for the network, so the loader is tested against it, not against itself.
RECEIPT_HEADER = ("Receipt", "Type", "Time", "TID", "Item", "Amount", "Source", "Refund Flag", "Affiliate Sub ID")
PLAIN_HEADER = ("event_id", "event_type", "occurred_at", "tracking_id", "product_id", "revenue", "source")
CATALOGUE_HEADER = (
    "Product ID",
    "Title",
    "Vendor",
    "Category",
    "Commission Rate",
    "Commission Amount",
    "Gravity",
    "Refund Rate",
    "Rebill",
)


@dataclass(frozen=True)
class _Product:
    product_id: str
    title: str
    vendor: str
    category: str  # blank in the catalogue for one product, as real snapshots have
    price_cents: int
    commission_rate_tenths: int  # 125 = 12.5%
    refund_rate_tenths: int
    is_rebill: bool


_PRODUCTS = (
    _Product("TRAILGUIDE", "Backcountry Trail Guide", "trailpress", "E-business & E-marketing", 3_700, 750, 62, False),
    _Product("GEARCLUB", "Gear Club Membership", "gearclub", "Sports", 2_995, 500, 91, True),
    _Product("CAMPCHEF", "Camp Chef Masterclass", "campchef", "", 124_900, 125, 45, False),
    _Product("KNOTS101", "Knots 101", "knotty", "Sports", 1_750, 600, 110, False),
)
# Campaign tracking id -> (products it promotes, typical daily clicks per product, conversion rate %)
_CAMPAIGNS = (
    ("acme-fb-fall", ("TRAILGUIDE", "GEARCLUB"), 40, 5),
    ("acme-yt-reviews", ("CAMPCHEF", "GEARCLUB"), 25, 3),
    ("acme-email-list", ("TRAILGUIDE", "KNOTS101", "CAMPCHEF"), 15, 8),
)
_SOURCES = ("facebook", "youtube", "email")


@dataclass(frozen=True)
class MalformedAffiliateRow:
    relative_key: str  # under the exports root
    row_number: int  # line in the file; 1 is the header
    field: str  # the loader's name of the bad column
    reason_hint: str


@dataclass(frozen=True)
class AffiliateWorld:
    start: date
    end: date
    client_slug: str
    tracking_id_prefix: str
    currency: str
    event_files: tuple[str, ...]  # relative keys
    catalogue_files: tuple[str, ...]
    malformed_rows: tuple[MalformedAffiliateRow, ...]


def affiliate_config_section() -> dict:
    """The `affiliate` entry of the client's config (see CLIENT_SLUG)."""
    return {"tracking_id_prefixes": [TRACKING_ID_PREFIX], "currency": CURRENCY}


def _stream(seed: int, *labels: object) -> random.Random:
    digest = hashlib.sha512("/".join(map(str, ("affiliate", seed, *labels))).encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def _money(cents: int, dollar_style: bool) -> str:
    """'$1,249.00' or '1249.00' (negative: '-$47.00' / '-47.00')."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    if dollar_style:
        return f"{sign}${whole:,}.{fraction:02d}"
    return f"{sign}{whole}.{fraction:02d}"


def _moment(day: date, rng: random.Random) -> datetime:
    """A moment of the client's local day, as an aware local datetime."""
    seconds = rng.randrange(24 * 3600)
    local = datetime.combine(day, time()) + timedelta(seconds=seconds)
    return local.replace(tzinfo=_ZONE)


@dataclass(frozen=True)
class _Event:
    event_id: str
    kind: str  # click | conversion | refund | rebill | (malformed) chargeback
    at: datetime
    tracking_id: str
    product: _Product
    cents: int  # positive; a refund's sign is the file style's business
    source: str


def day_events(day: date, seed: int) -> list[_Event]:
    """The network's events of one client local day, well-formed, in time order (the files'
    malformed rows are added on top when they are written)."""
    rng = _stream(seed, "events", day.isoformat())
    events: list[_Event] = []
    by_id = {p.product_id: p for p in _PRODUCTS}
    weekend = day.weekday() >= 5
    for campaign_index, (tracking_id, product_ids, clicks_per_product, rate_percent) in enumerate(_CAMPAIGNS):
        source = _SOURCES[campaign_index]
        for product_id in product_ids:
            product = by_id[product_id]
            clicks = max(1, round(clicks_per_product * rng.uniform(0.6, 1.4) * (1.2 if weekend else 1.0)))
            for _ in range(clicks):
                events.append(_Event("", "click", _moment(day, rng), tracking_id, product, 0, source))
                if rng.randrange(100) < rate_percent:
                    events.append(
                        _Event("", "conversion", _moment(day, rng), tracking_id, product, product.price_cents, source)
                    )
            # refunds and rebills of earlier sales arrive on their own days
            if rng.randrange(1000) < product.refund_rate_tenths * 2:
                events.append(
                    _Event("", "refund", _moment(day, rng), tracking_id, product, product.price_cents, source)
                )
            if product.is_rebill:
                for _ in range(rng.randrange(3)):
                    events.append(
                        _Event("", "rebill", _moment(day, rng), tracking_id, product, product.price_cents, source)
                    )
    events.sort(key=lambda e: (e.at, e.tracking_id, e.product.product_id, e.kind))
    stamp = day.strftime("%Y%m%d")
    return [
        _Event(
            f"{'H' if e.kind == 'click' else 'R'}{stamp}{n:04d}",
            e.kind,
            e.at,
            e.tracking_id,
            e.product,
            e.cents,
            e.source,
        )
        for n, e in enumerate(events, start=1)
    ]


def _receipt_style(day: date) -> bool:
    """Even days use the receipt template (local times, flagged refunds), odd days the plain one."""
    return day.toordinal() % 2 == 0


def _render_events(events: list[_Event], day: date, rng: random.Random) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if _receipt_style(day) else "\n")
    if _receipt_style(day):
        writer.writerow(RECEIPT_HEADER)
        for event in events:
            kind = event.kind
            flag = ""
            if kind == "refund":  # as a sale with the refund flag set, the amount positive
                kind, flag = "Conversion", "Y"
            elif kind == "conversion":
                kind, flag = "Conversion", "N"
            elif kind == "rebill":
                kind, flag = "REBILL", "N"
            amount = "" if event.kind == "click" else _money(event.cents, dollar_style=True)
            sub_id = f"sub{rng.randrange(1, 6)}" if rng.randrange(3) == 0 else ""
            writer.writerow(
                (
                    event.event_id,
                    kind,
                    event.at.isoformat(timespec="seconds"),
                    event.tracking_id,
                    event.product.product_id,
                    amount,
                    event.source,
                    flag,
                    sub_id,
                )
            )
    else:
        writer.writerow(PLAIN_HEADER)
        for event in events:
            cents = -event.cents if event.kind == "refund" else event.cents  # refunds as negative amounts
            amount = ("0" if rng.randrange(2) else "") if event.kind == "click" else _money(cents, dollar_style=False)
            at = event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            writer.writerow(
                (event.event_id, event.kind, at, event.tracking_id, event.product.product_id, amount, event.source)
            )
    return buffer.getvalue()


def _render_catalogue(day: date, seed: int) -> str:
    rng = _stream(seed, "catalogue", day.isoformat())
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CATALOGUE_HEADER)
    for product in _PRODUCTS:
        commission = product.price_cents * product.commission_rate_tenths // 1000
        gravity = "" if product.product_id == "KNOTS101" else f"{rng.randrange(50, 2500) / 10:.1f}"
        rebill = {True: "Yes", False: "No"}[product.is_rebill] if product.product_id != "CAMPCHEF" else ""
        writer.writerow(
            (
                product.product_id,
                product.title,
                product.vendor,
                product.category,
                f"{product.commission_rate_tenths / 10:g}%",
                _money(commission, dollar_style=True),
                gravity,
                f"{product.refund_rate_tenths / 10:g}%",
                rebill,
            )
        )
    return buffer.getvalue()


def write_affiliate_exports(
    exports_dir: Path, *, start: date = DEFAULT_START, days: int = DEFAULT_DAYS, seed: int = DEFAULT_SEED
) -> AffiliateWorld:
    """Write the network's files under `exports_dir`/affiliate/ and describe them."""
    exports_dir = Path(exports_dir)
    end = start + timedelta(days=days - 1)
    event_files, catalogue_files, malformed = [], [], []
    # The malformed rows: an unknown event type and a click with negative revenue, on two days
    # of different templates, a third of the way and two thirds of the way into the range.
    unknown_type_day = start + timedelta(days=days // 3)
    negative_click_day = start + timedelta(days=(2 * days) // 3)
    if _receipt_style(unknown_type_day) == _receipt_style(negative_click_day):
        negative_click_day += timedelta(days=1)
    for offset in range(days):
        day = start + timedelta(days=offset)
        folder = f"{AFFILIATE_DIR}/{day.isoformat()}"
        if offset == 0 or day.weekday() == 0:
            key = f"{folder}/products.csv"
            _write(exports_dir / key, _render_catalogue(day, seed))
            catalogue_files.append(key)
        events = day_events(day, seed)
        rng = _stream(seed, "render", day.isoformat())
        key = f"{folder}/events.csv"
        text = _render_events(events, day, rng)
        lines = text.splitlines(keepends=True)
        line_end = "\r\n" if _receipt_style(day) else "\n"
        if day in (unknown_type_day, negative_click_day):
            # inserted after the 10th data row, so it sits at line 12 (header = 1)
            bad_id = f"X{day.strftime('%Y%m%d')}0001"
            moment = datetime.combine(day, time(12)).replace(tzinfo=_ZONE)
            if day == unknown_type_day:
                cells = _bad_row(day, bad_id, moment, "chargeback", "47.00")
                malformed.append(MalformedAffiliateRow(key, 12, "event_type", "unknown event type"))
            else:
                cells = _bad_row(day, bad_id, moment, "click", "-0.50")
                malformed.append(MalformedAffiliateRow(key, 12, "revenue", "a click's revenue must not be negative"))
            lines.insert(11, cells + line_end)
        _write(exports_dir / key, "".join(lines))
        event_files.append(key)
    return AffiliateWorld(
        start=start,
        end=end,
        client_slug=CLIENT_SLUG,
        tracking_id_prefix=TRACKING_ID_PREFIX,
        currency=CURRENCY,
        event_files=tuple(event_files),
        catalogue_files=tuple(catalogue_files),
        malformed_rows=tuple(malformed),
    )


def _bad_row(day: date, event_id: str, moment: datetime, kind: str, amount: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="")
    if _receipt_style(day):
        writer.writerow(
            (
                event_id,
                kind,
                moment.isoformat(timespec="seconds"),
                "acme-fb-fall",
                "TRAILGUIDE",
                amount,
                "facebook",
                "N",
                "",
            )
        )
    else:
        writer.writerow(
            (
                event_id,
                kind,
                moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "acme-fb-fall",
                "TRAILGUIDE",
                amount,
                "facebook",
            )
        )
    return buffer.getvalue()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
