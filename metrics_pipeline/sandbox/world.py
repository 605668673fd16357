"""The sandbox's whole world on disk: every partner's export files and the config.yaml for them.

``build_world(root)`` writes, under ``root``:

- ``config.yaml``: workspaces, clients, CPM and FX rates and every platform connection
  (config_document.py);
- ``exports/media_partner/<client_slug>/<YYYY-MM-DD>.csv``: the paid-media partner's daily
  exports, with their quirks and planted anomalies (media_partner_world.py);
- ``exports/pixel/...``: the storefronts' pixel events (commerce_world.py);
- ``exports/amazon_ads/...``: two brands' Amazon Ads exports in three formats and their sales
  (amazon_world.py), described on ``SandboxWorld.amazon``;
- ``exports/affiliate/...``: the affiliate network's files (affiliate_world.py).

The Google Ads, Meta, Shopify and TikTok worlds (``PlatformWorlds``) are built here once, for the config's
connections and the pixel files, and kept on the result, so a session serves those same objects.
The same arguments always give byte-identical files; the wall clock is never read.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from metrics_pipeline.sandbox.affiliate_world import write_affiliate_exports
from metrics_pipeline.sandbox.amazon_world import AmazonWorld, write_amazon_exports
from metrics_pipeline.sandbox.commerce_world import CommerceWorld, build_commerce_world
from metrics_pipeline.sandbox.config_document import config_document, render_config
from metrics_pipeline.sandbox.google_ads_world import GoogleAdsWorld, build_google_ads_world
from metrics_pipeline.sandbox.media_partner_world import (
    DEFAULT_DAYS,
    DEFAULT_SEED,
    DEFAULT_START,
    CpmChange,
    MalformedRow,
    WrongHeaderFile,
    write_media_partner_exports,
)
from metrics_pipeline.sandbox.meta_world import MetaWorld, build_meta_world
from metrics_pipeline.sandbox.tiktok_world import TikTokWorld, build_tiktok_world


@dataclass(frozen=True)
class PlatformWorlds:
    """The worlds the API stand-ins serve (each with its own fixed seed). The commerce world takes
    seconds to build, so a session builds them once and hands the same objects round."""

    google_ads: GoogleAdsWorld
    meta: MetaWorld
    commerce: CommerceWorld
    tiktok: TikTokWorld

    def __iter__(self):
        return iter((self.google_ads, self.meta, self.commerce, self.tiktok))


def build_platform_worlds() -> PlatformWorlds:
    google_ads, meta = build_google_ads_world(), build_meta_world()
    return PlatformWorlds(
        google_ads, meta, build_commerce_world(google_world=google_ads, meta_world=meta), build_tiktok_world()
    )


@dataclass(frozen=True)
class SandboxWorld:
    root: Path
    config_path: Path
    exports_dir: Path
    start: date
    end: date  # inclusive
    client_slugs: tuple[str, ...]
    malformed_row: MalformedRow
    wrong_header_file: WrongHeaderFile
    cpm_changes: tuple[CpmChange, ...]
    amazon: AmazonWorld | None = None  # the Amazon Ads exports (sandbox/amazon_world.py)
    platforms: PlatformWorlds | None = field(default=None, compare=False, repr=False)


def build_world(
    root: Path,
    *,
    start: date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    platforms: PlatformWorlds | None = None,
) -> SandboxWorld:
    """Write the world under `root` (created if needed; files of the same names
    are overwritten, nothing else is removed) and describe it. `platforms`: worlds
    already built (by default they are built here)."""
    root = Path(root)
    end = start + timedelta(days=days - 1)
    exports_dir = root / "exports"
    config_path = root / "config.yaml"

    partner = write_media_partner_exports(exports_dir, start=start, days=days, seed=seed)
    if platforms is None:
        platforms = build_platform_worlds()
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_bytes(render_config(config_document(start, partner.cpm_changes, platforms), seed))
    platforms.commerce.write_pixel_exports(exports_dir)
    amazon = write_amazon_exports(exports_dir, start, end, seed)
    write_affiliate_exports(exports_dir, start=start, days=days, seed=seed)

    return SandboxWorld(
        root=root,
        config_path=config_path,
        exports_dir=exports_dir,
        start=start,
        end=end,
        client_slugs=partner.client_slugs,
        malformed_row=partner.malformed_row,
        wrong_header_file=partner.wrong_header_file,
        cpm_changes=partner.cpm_changes,
        amazon=amazon,
        platforms=platforms,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the sandbox world of media-partner exports.")
    parser.add_argument("--root", type=Path, required=True, help="folder to write config.yaml and exports/ to")
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START, help="first day, YYYY-MM-DD")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)

    world = build_world(args.root, start=args.start, days=args.days, seed=args.seed)
    file_count = len(world.client_slugs) * ((world.end - world.start).days + 1)
    changes = ", ".join(f"{c.client_slug} {c.old_cpm}->{c.new_cpm} on {c.effective_from}" for c in world.cpm_changes)
    print(
        f"wrote {file_count} exports for {len(world.client_slugs)} clients, {world.start}..{world.end}, "
        f"to {world.exports_dir}; malformed row: {world.malformed_row.relative_key} line "
        f"{world.malformed_row.row_number} ({world.malformed_row.field}); wrong header: "
        f"{world.wrong_header_file.relative_key}; CPM changes: {changes}"
    )


if __name__ == "__main__":
    main()
