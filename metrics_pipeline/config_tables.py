"""Mirror the validated configuration into the `config` schema, which dbt reads as sources."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import psycopg

from metrics_pipeline.config import PipelineConfig
from metrics_pipeline.ingestion import SQL_DIR, copy_frame, read_sql


@dataclass(frozen=True)
class ConfigTables:
    workspaces: pl.DataFrame
    clients: pl.DataFrame
    media_partner_cpm_rates: pl.DataFrame

    def row_counts(self) -> dict[str, int]:
        return {
            "workspaces": self.workspaces.height,
            "clients": self.clients.height,
            "media_partner_cpm_rates": self.media_partner_cpm_rates.height,
        }


def config_tables(config: PipelineConfig) -> ConfigTables:
    """The rows of each config table; CPMs stay decimal strings so nothing passes through float."""
    workspaces = pl.DataFrame(
        {
            "workspace_slug": [w.slug for w in config.workspaces],
            "workspace_name": [w.name for w in config.workspaces],
        },
        schema={"workspace_slug": pl.String, "workspace_name": pl.String},
    )
    clients = pl.DataFrame(
        [
            {
                "client_slug": c.slug,
                "workspace_slug": c.workspace_slug,
                "client_name": c.name,
                "currency": c.currency,
                "timezone": c.timezone,
            }
            for c in config.clients
        ],
        schema={
            column: pl.String
            for column in ("client_slug", "workspace_slug", "client_name", "currency", "timezone")
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
    return ConfigTables(workspaces, clients, rates)


def sync_config_tables(conn: psycopg.Connection, config: PipelineConfig) -> ConfigTables:
    tables = config_tables(config)
    with conn.transaction():
        conn.execute(read_sql(SQL_DIR, "replace_config"))
        copy_frame(conn, "config.workspaces", tables.workspaces)
        copy_frame(conn, "config.clients", tables.clients)
        copy_frame(conn, "config.media_partner_cpm_rates", tables.media_partner_cpm_rates)
    return tables
