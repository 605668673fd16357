"""UTM parameters and click ids from an order's landing URL (pure).

Shopify gives the landing page as the shop saw it: a full URL (`customerJourneySummary.lastVisit
.landingPage`) or, in older data, a path with its query (REST `landing_site`). What the attribution
models need is in the query: `utm_*`, Google's `gclid`, Meta's `fbclid`, TikTok's `ttclid`.

Real landing URLs are untidy, so this is lenient: keys are matched case-insensitively, a value is
percent- and plus-decoded and trimmed, an empty value counts as absent, the first non-empty value
of a repeated key wins, `&amp;` left over from HTML escaping is read as `&`, and what follows `#`
is ignored (a fragment never reaches the server, so it cannot be trusted to be the same visit).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from urllib.parse import parse_qsl, urlsplit

PARAMETERS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "utm_id",
    "gclid",
    "fbclid",
    "ttclid",
)


@dataclass(frozen=True)
class LandingParameters:
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    utm_id: str | None = None
    gclid: str | None = None
    fbclid: str | None = None
    ttclid: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def parse_landing_url(url: str | None) -> LandingParameters:
    """The tracking parameters of `url` (a full URL, a path with a query, or nothing)."""
    if not url or not url.strip():
        return LandingParameters()
    text = url.strip().replace("&amp;", "&")
    try:
        query = urlsplit(text).query
    except ValueError:  # e.g. an unbalanced '[' in the netloc: fall back to what follows '?'
        query = text.partition("?")[2].partition("#")[0]
    found: dict[str, str] = {}
    for raw_key, raw_value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        key = raw_key.strip().lower().removeprefix("amp;")
        value = raw_value.strip()
        if key in PARAMETERS and value and key not in found:
            found[key] = value
    return LandingParameters(**found)
