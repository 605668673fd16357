"""What a source declares about itself, so the rest of the pipeline needs no list of sources.

Each `sources/<name>/__init__.py` declares one `FileSource` or `ApiSource`; `registry.SOURCES`
lists them. Dagster's assets, jobs, sensors and pools, the daily job's groups, the retry and
alert sensors' jobs, the status asset's inputs and the CLI's source names are all derived from
it. The callables are named as "module:function" and imported only when used, so declaring a
source never imports its SDK.

Adding a source is: its folder (with this declaration), one line in `registry.py`, a migration
in `staging_sql/`, and its dbt folders.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any


def resolve(reference: str) -> Callable[..., Any]:
    """The function a "package.module:function" reference names."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class LandingTable:
    """A table the source lands, and what the data checks (operations/landing_checks.py) know of it."""

    name: str  # raw_<source>.<name>; the Dagster asset key is [source, name]
    description: str = ""
    file_check: bool = True  # a file source: the check naming unreadable files sits on this table
    day_column: str | None = None  # the day (or instant) a row is about; None: no date/money checks
    money_columns: tuple[str, ...] = ()  # never negative
    row_totals: bool = False  # each file's logged row count must match its landed rows (source_file)


@dataclass(frozen=True)
class FileSource:
    """Daily files under `<prefix>` in the exports root (S3 or a folder), one partition per day.

    `land_days` is called as land_days(url, store, config, days, *, run_id, log, detail) and
    returns one landing.outcomes.DayOutcome per day; `day_of_key` maps an object key to its day
    (None: not this source's layout).
    """

    name: str
    title: str
    layout: str  # for people: "media_partner/<client>/<YYYY-MM-DD>.csv"
    prefix: str
    tables: tuple[LandingTable, ...]
    land_days: str
    day_of_key: str
    modules: str = ""  # the roles of the source's modules, for the README and the asset descriptions

    @property
    def job_name(self) -> str:
        return f"{self.name}_daily"

    def day_of(self, key: str) -> date | None:
        return resolve(self.day_of_key)(key)


@dataclass(frozen=True)
class ApiSource:
    """An API read per connection account (or shop).

    `sync` is called as sync(url, config, days, *, run_id, log) for a daily-partitioned source,
    sync(url, config, *, run_id, log) otherwise, and returns landing.outcomes.TargetOutcome per
    account; `snapshot` (optional) captures today's cumulative numbers for the intraday job.
    """

    name: str
    title: str
    tables: tuple[LandingTable, ...]  # the first is the one a reader cares about most
    sync: str
    partitioned: bool = True
    snapshot: str | None = None
    intraday_table: str | None = None
    target_noun: str = "account"  # "shop" for Shopify: what the check and metadata count
    modules: str = ""
    provider: str = ""  # the connections' `provider` in the config when it is not the source's name

    @property
    def connection_provider(self) -> str:
        return self.provider or self.name


Source = FileSource | ApiSource
