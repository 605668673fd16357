"""Dagster resources: thin handles on the warehouse, the configuration and the exports root.

None of them carries a connection string or key in its config, so nothing secret is
shown in the Dagster UI or stored in run metadata: values are resolved at run time.
"""

from __future__ import annotations

import functools

import dagster as dg
import psycopg
from dagster_aws.s3 import S3Resource

from metrics_pipeline import warehouse
from metrics_pipeline.config import PipelineConfig, load_config
from metrics_pipeline.landing.exports import ExportsStore, open_exports_store
from metrics_pipeline.warehouse.migrations import apply_migrations


@functools.cache
def _migrated_database_url(url: str) -> str:
    with psycopg.connect(url) as conn:
        apply_migrations(conn)
    return url


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse `metrics_pipeline.warehouse` resolves, migrated once per process."""

    def url(self) -> str:
        return _migrated_database_url(warehouse.database_url())


class PipelineConfigResource(dg.ConfigurableResource):
    path: str

    def load(self) -> PipelineConfig:
        return load_config(self.path)


class ExportsResource(dg.ConfigurableResource):
    uri: str
    s3: S3Resource

    def store(self) -> ExportsStore:
        if self.uri.startswith("s3://"):
            return open_exports_store(self.uri, s3_client=self.s3.get_client())
        return open_exports_store(self.uri)
