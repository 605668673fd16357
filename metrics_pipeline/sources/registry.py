"""Every source the pipeline lands, in the order a reader meets them. One line per source."""

from __future__ import annotations

from metrics_pipeline.sources import (
    affiliate,
    amazon_ads,
    google_ads,
    media_partner,
    meta,
    pixel,
    shopify,
    tiktok_ads,
)
from metrics_pipeline.sources.contract import ApiSource, FileSource, Source

SOURCES: tuple[Source, ...] = (
    media_partner.SOURCE,
    google_ads.SOURCE,
    meta.SOURCE,
    tiktok_ads.SOURCE,
    shopify.SOURCE,
    pixel.SOURCE,
    amazon_ads.SOURCE,
    affiliate.SOURCE,
)

FILE_SOURCES: tuple[FileSource, ...] = tuple(s for s in SOURCES if isinstance(s, FileSource))
API_SOURCES: tuple[ApiSource, ...] = tuple(s for s in SOURCES if isinstance(s, ApiSource))
SOURCE_NAMES: tuple[str, ...] = tuple(s.name for s in SOURCES)


def main_tables() -> list[tuple[str, str]]:
    """(source, table) of each source's main landing table: what the status asset waits for."""
    return [(s.name, s.tables[0].name) for s in SOURCES]
