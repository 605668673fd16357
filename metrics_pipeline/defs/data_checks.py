"""Asset checks on landing tables and on the P&L; what they measure is in
`metrics_pipeline/operations/landing_checks.py`. Failures show in the UI with their numbers."""

import dagster as dg
import psycopg

from metrics_pipeline.lib.resources import WarehouseResource
from metrics_pipeline.operations.landing_checks import (
    LANDING_TABLES,
    freshness_hours,
    future_dated_rows,
    negative_money_rows,
    restatement_drift,
    rows_against_file_totals,
    stale_sources,
)

FUTURE_CHECK = "no_future_dates"
MONEY_CHECK = "no_negative_money"
TOTALS_CHECK = "rows_match_source_totals"
RESTATEMENT_CHECK = "restatement_drift"
FRESHNESS_CHECK = "sources_fresh"
PNL_KEY = dg.AssetKey(["marts", "fct_pnl_daily"])


def _specs() -> list[dg.AssetCheckSpec]:
    specs = []
    for landing in LANDING_TABLES:
        key = dg.AssetKey(list(landing.asset_key))
        specs.append(
            dg.AssetCheckSpec(
                FUTURE_CHECK,
                asset=key,
                description=f"No row of {landing.table} is about a day after tomorrow (UTC) by {landing.day_column}.",
            )
        )
        if landing.money_columns:
            specs.append(
                dg.AssetCheckSpec(
                    MONEY_CHECK,
                    asset=key,
                    description=f"No {', '.join(landing.money_columns)} below zero in {landing.table}.",
                )
            )
        if landing.file_column:
            specs.append(
                dg.AssetCheckSpec(
                    TOTALS_CHECK,
                    asset=key,
                    description="Every file's landed rows equal its own row count less its quarantined rows.",
                )
            )
    return specs


def _md(headers: list[str], rows: list[tuple]) -> dg.MetadataValue:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return dg.MetadataValue.md("\n".join(lines) if rows else "none")


@dg.multi_asset_check(specs=_specs(), can_subset=True, name="landing_table_checks")
def landing_table_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    selected = context.selected_asset_check_keys
    with psycopg.connect(warehouse.url()) as conn:
        for landing in LANDING_TABLES:
            key = dg.AssetKey(list(landing.asset_key))
            if dg.AssetCheckKey(key, FUTURE_CHECK) in selected:
                outcome = future_dated_rows(conn, landing)
                yield dg.AssetCheckResult(
                    asset_key=key,
                    check_name=FUTURE_CHECK,
                    passed=outcome.passed,
                    metadata={"future_rows": outcome.count, "latest_days": _md(["day", "rows"], outcome.examples)},
                )
            if dg.AssetCheckKey(key, MONEY_CHECK) in selected:
                outcome = negative_money_rows(conn, landing)
                yield dg.AssetCheckResult(
                    asset_key=key,
                    check_name=MONEY_CHECK,
                    passed=outcome.passed,
                    metadata={"negative_values": outcome.count, "by_column": _md(["column", "rows"], outcome.examples)},
                )
            if dg.AssetCheckKey(key, TOTALS_CHECK) in selected:
                outcome = rows_against_file_totals(conn, landing)
                yield dg.AssetCheckResult(
                    asset_key=key,
                    check_name=TOTALS_CHECK,
                    passed=outcome.passed,
                    metadata={
                        "files_off": outcome.count,
                        "files": _md(
                            ["file", "day", "processed", "loaded", "rejected", "rows in table"], outcome.examples
                        ),
                    },
                )


@dg.asset_check(
    asset=PNL_KEY,
    name=RESTATEMENT_CHECK,
    description="Per ad account and closed day, how far the EOD spend moved from what the platform first "
    "reported. Restatements are normal (a warning, never an error); the largest moves are listed.",
)
def pnl_restatement_drift(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with psycopg.connect(warehouse.url()) as conn:
        restated, largest = restatement_drift(conn)
    return dg.AssetCheckResult(
        passed=restated == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "restated_account_days": restated,
            "largest_drifts": _md(
                ["platform", "account", "day", "currency", "first reported", "now", "drift"], largest
            ),
        },
    )


@dg.asset_check(
    asset=PNL_KEY,
    name=FRESHNESS_CHECK,
    description="Every source that has landed before landed again within METRICS_FRESHNESS_HOURS "
    "(default 26): the marts are not quietly built on a source that stopped arriving.",
)
def sources_fresh(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    max_hours = freshness_hours()
    with psycopg.connect(warehouse.url()) as conn:
        every, stale = stale_sources(conn, max_hours=max_hours)
    return dg.AssetCheckResult(
        passed=not stale,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "max_hours": max_hours,
            "stale_sources": ", ".join(row[0] for row in stale) or "none",
            "sources": _md(["source", "last landed", "hours since"], every),
        },
    )
