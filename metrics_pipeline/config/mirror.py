"""Mirror the validated configuration into the `config` schema, which dbt reads as sources."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import psycopg

from metrics_pipeline.config import PipelineConfig
from metrics_pipeline.landing.ingestion import copy_frame, read_sql

SQL_DIR = Path(__file__).parent / "sql"


@dataclass(frozen=True)
class ConfigTables:
    """One frame per config table, in load order (parents before children)."""

    workspaces: pl.DataFrame
    clients: pl.DataFrame
    media_partner_cpm_rates: pl.DataFrame
    connections: pl.DataFrame
    connection_account_clients: pl.DataFrame
    fx_rates: pl.DataFrame
    attribution_settings: pl.DataFrame
    amazon_brands: pl.DataFrame
    amazon_asin_skus: pl.DataFrame
    affiliate_tracking_prefixes: pl.DataFrame

    def frames(self) -> dict[str, pl.DataFrame]:
        return {
            "workspaces": self.workspaces,
            "clients": self.clients,
            "media_partner_cpm_rates": self.media_partner_cpm_rates,
            "connections": self.connections,
            "connection_account_clients": self.connection_account_clients,
            "fx_rates": self.fx_rates,
            "attribution_settings": self.attribution_settings,
            "amazon_brands": self.amazon_brands,
            "amazon_asin_skus": self.amazon_asin_skus,
            "affiliate_tracking_prefixes": self.affiliate_tracking_prefixes,
        }

    def row_counts(self) -> dict[str, int]:
        return {table: frame.height for table, frame in self.frames().items()}


def config_tables(config: PipelineConfig) -> ConfigTables:
    """The rows of each config table; CPMs stay decimal strings so nothing passes through float."""
    workspaces = pl.DataFrame(
        {
            "workspace_slug": [w.slug for w in config.workspaces],
            "workspace_name": [w.name for w in config.workspaces],
            "reporting_currency": [w.reporting_currency for w in config.workspaces],
        },
        schema={"workspace_slug": pl.String, "workspace_name": pl.String, "reporting_currency": pl.String},
    )
    clients = pl.DataFrame(
        [
            {
                "client_slug": c.slug,
                "workspace_slug": c.workspace_slug,
                "client_name": c.name,
                "currency": c.currency,
                "timezone": c.timezone,
                "pixel_site_id": c.pixel_site_id,
            }
            for c in config.clients
        ],
        schema={
            column: pl.String
            for column in ("client_slug", "workspace_slug", "client_name", "currency", "timezone", "pixel_site_id")
        },
    )
    rates = pl.DataFrame(
        [
            {"client_slug": c.slug, "effective_from": r.effective_from, "cpm": str(r.cpm)}
            for c in config.clients
            for r in c.cpm_rates
        ],
        schema={"client_slug": pl.String, "effective_from": pl.Date, "cpm": pl.String},
    )
    connections = pl.DataFrame(
        [
            {
                "connection_id": c.id,
                "workspace_slug": c.workspace_slug,
                "client_slug": c.client_slug,
                "provider": c.provider,
                # COPY's text form of a Postgres array; ids are digits only, so no quoting needed.
                "account_ids": "{" + ",".join(c.account_ids) + "}",
                "manager_customer_id": c.manager_customer_id,
                "status": c.status,
                "sync_frequency": c.sync_frequency,
                "lookback_days": c.lookback_days,
            }
            for c in config.connections
        ],
        schema={
            "connection_id": pl.String,
            "workspace_slug": pl.String,
            "client_slug": pl.String,
            "provider": pl.String,
            "account_ids": pl.String,
            "manager_customer_id": pl.String,
            "status": pl.String,
            "sync_frequency": pl.String,
            "lookback_days": pl.Int32,
        },
    )
    account_clients = pl.DataFrame(
        [
            {"connection_id": c.id, "account_id": account_id, "client_slug": client_slug}
            for c in config.connections
            for account_id, client_slug in c.account_clients
        ],
        schema={"connection_id": pl.String, "account_id": pl.String, "client_slug": pl.String},
    )
    fx_rates = pl.DataFrame(
        [
            {
                "from_currency": r.from_currency,
                "to_currency": r.to_currency,
                "effective_from": r.effective_from,
                "rate": str(r.rate),
            }
            for r in config.fx_rates
        ],
        schema={"from_currency": pl.String, "to_currency": pl.String, "effective_from": pl.Date, "rate": pl.String},
    )
    attribution = pl.DataFrame(
        [
            {
                "workspace_slug": w.slug,
                "lookback_days": w.attribution.lookback_days,
                "position_based_first": str(w.attribution.position_based_first),
                "position_based_last": str(w.attribution.position_based_last),
                "time_decay_half_life_days": str(w.attribution.time_decay_half_life_days),
                "journey_inactivity_days": w.attribution.journey_inactivity_days,
                "pnl_model": w.attribution.pnl_model,
            }
            for w in config.workspaces
        ],
        schema={
            "workspace_slug": pl.String,
            "lookback_days": pl.Int32,
            "position_based_first": pl.String,
            "position_based_last": pl.String,
            "time_decay_half_life_days": pl.String,
            "journey_inactivity_days": pl.Int32,
            "pnl_model": pl.String,
        },
    )
    amazon_clients = [c for c in config.clients if c.amazon is not None]
    amazon_brands = pl.DataFrame(
        [
            {"brand_slug": c.amazon.brand_slug, "client_slug": c.slug, "currency": c.amazon.currency}
            for c in amazon_clients
        ],
        schema={"brand_slug": pl.String, "client_slug": pl.String, "currency": pl.String},
    )
    amazon_asin_skus = pl.DataFrame(
        [
            {"brand_slug": c.amazon.brand_slug, "asin": asin, "sku": sku}
            for c in amazon_clients
            for asin, sku in c.amazon.asin_skus
        ],
        schema={"brand_slug": pl.String, "asin": pl.String, "sku": pl.String},
    )
    affiliate_prefixes = pl.DataFrame(
        [
            {"tracking_id_prefix": prefix, "client_slug": c.slug, "currency": c.affiliate.currency}
            for c in config.clients
            if c.affiliate is not None
            for prefix in c.affiliate.tracking_id_prefixes
        ],
        schema={"tracking_id_prefix": pl.String, "client_slug": pl.String, "currency": pl.String},
    )
    return ConfigTables(
        workspaces,
        clients,
        rates,
        connections,
        account_clients,
        fx_rates,
        attribution,
        amazon_brands=amazon_brands,
        amazon_asin_skus=amazon_asin_skus,
        affiliate_tracking_prefixes=affiliate_prefixes,
    )


def sync_config_tables(conn: psycopg.Connection, config: PipelineConfig) -> ConfigTables:
    tables = config_tables(config)
    with conn.transaction():
        conn.execute(read_sql(SQL_DIR, "replace_config"))
        for table, frame in tables.frames().items():
            copy_frame(conn, f"config.{table}", frame)
    return tables
