"""What the terminal shows after a run: landing per source, the marts, P&L, and status."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from metrics_pipeline import warehouse
from metrics_pipeline.landing.ingestion import SQL_DIR as LANDING_SQL_DIR
from metrics_pipeline.landing.ingestion import read_sql

SQL_DIR = Path(__file__).parent / "sql"

MART_TABLES = (
    "dim_ad_entities",
    "fct_ad_entity_daily",
    "fct_pnl_daily",
    "fct_media_partner_daily",
    "fct_amazon_keyword_daily",
    "fct_sales_daily",
    "fct_affiliate_daily",
    "weekly_summaries",
    "monthly_summaries",
)


def print_run_report(url: str, run_id: str) -> None:
    """What this run landed, per source and status, and every file or account that failed."""
    with warehouse.connect(url) as conn:
        by_status = conn.execute(
            "select source, status, count(*), sum(records_loaded), sum(records_rejected) "
            "from ops.ingestion_logs where run_id = %s group by source, status order by source, status",
            (run_id,),
        ).fetchall()
        problems = conn.execute(
            "select target, status, message from ops.ingestion_logs "
            "where run_id = %s and status in ('failed', 'partial') order by partition_key, target",
            (run_id,),
        ).fetchall()
    print("\nlanding (this run)")
    print_table(["source", "status", "attempts", "rows landed", "rows quarantined"], by_status)
    for target, status, message in problems:
        detail = message if message.startswith(target) else f"{target}: {message}"
        print(f"  {status.upper()} {detail}")


def print_marts_report(url: str) -> None:
    """Row counts of the marts, the monthly client summaries and the P&L per ad account."""
    with warehouse.connect(url) as conn:
        counts = [
            (table, conn.execute(f"select count(*) from marts.{table}").fetchone()[0])
            for table in MART_TABLES
            if table_exists(conn, "marts", table)
        ]
        headline = (
            conn.execute(read_sql(SQL_DIR, "monthly_headline")).fetchall()
            if table_exists(conn, "marts", "monthly_summaries")
            else []
        )
    if counts:
        print("\nmarts")
        print_table(["table", "rows"], counts)
    if headline:
        print("\nmonthly media-partner summaries (spend and revenue in each client's currency)")
        print_table(
            ["month", "client", "cur", "spend", "revenue", "ROAS", "top campaign by spend"],
            headline,
        )
    print_amazon_and_affiliate_report(url)
    print_attribution_report(url)
    print_pnl_report(url)


def print_attribution_report(url: str) -> None:
    """Per workspace and channel: the Markov removal effect and what three models credit it."""
    with warehouse.connect(url) as conn:
        if not (
            table_exists(conn, "marts", "fct_attribution_links")
            and table_exists(conn, "intermediate", "int_attribution__markov_removal_effects")
        ):
            return
        rows = conn.execute(read_sql(SQL_DIR, "attribution_by_channel")).fetchall()
    if rows:
        print("\nfirst-party attribution per channel (pixel journeys; markov = data-driven, by removal effect)")
        print_table(["workspace", "channel", "cur", "orders", "removal effect", "last touch", "linear", "markov"], rows)


def print_amazon_and_affiliate_report(url: str) -> None:
    with warehouse.connect(url) as conn:
        keywords = sales = affiliate = []
        if table_exists(conn, "marts", "fct_amazon_keyword_daily"):
            keywords = conn.execute(read_sql(SQL_DIR, "amazon_keywords_top")).fetchall()
        if column_exists(conn, "marts", "fct_sales_daily", "asin"):
            sales = conn.execute(read_sql(SQL_DIR, "amazon_sales_by_channel")).fetchall()
        if table_exists(conn, "marts", "fct_affiliate_daily"):
            affiliate = conn.execute(read_sql(SQL_DIR, "affiliate_by_campaign")).fetchall()
    if keywords:
        print("\nAmazon keywords, top 8 by spend (the winning export format per keyword and day)")
        print_table(
            ["brand", "campaign > keyword (match)", "cur", "spend", "sales", "ACOS", "ROAS", "conv. rate"], keywords
        )
    if sales:
        print("\nAmazon sales: total, ad-attributed and organic (never below 0)")
        print_table(["brand", "cur", "SKUs", "total", "ad", "organic", "units", "organic units"], sales)
    if affiliate:
        print("\naffiliate campaigns (tracking ids)")
        print_table(
            [
                "client",
                "tracking id",
                "cur",
                "clicks",
                "conv.",
                "refunds",
                "rebills",
                "gross",
                "net",
                "EPC",
                "refund rate",
            ],
            affiliate,
        )


def column_exists(conn, schema: str, table: str, column: str) -> bool:
    return conn.execute(
        "select exists (select 1 from information_schema.columns "
        "where table_schema = %s and table_name = %s and column_name = %s)",
        (schema, table, column),
    ).fetchone()[0]


def table_exists(conn, schema: str, table: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (f"{schema}.{table}",)).fetchone()[0]


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    print("  " + "  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  " + "  ".join("-" * w for w in widths))
    for row in cells:
        print("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths)))


def print_pnl_report(url: str) -> None:
    with warehouse.connect(url) as conn:
        if not table_exists(conn, "marts", "fct_pnl_daily"):
            return
        accounts = conn.execute(read_sql(SQL_DIR, "pnl_by_account")).fetchall()
        drift = conn.execute(read_sql(SQL_DIR, "pnl_restatements")).fetchall()
        campaigns = (
            conn.execute(read_sql(SQL_DIR, "pnl_profit_by_campaign")).fetchall()
            if column_exists(conn, "marts", "fct_pnl_daily", "poas")
            else []
        )
        today = conn.execute(read_sql(SQL_DIR, "pnl_snapshot_by_account")).fetchall()
    print("\nP&L, closed days, per ad account (account currency; reporting currency after the slash)")
    print_table(["platform", "account", "client", "cur", "days", "spend", "revenue", "ROAS", "spend (rep.)"], accounts)
    if campaigns:
        print("\nprofit per campaign, closed days (attributed with each workspace's P&L model; top 12 by spend)")
        print_table(
            ["platform", "campaign", "cur", "spend", "attributed rev.", "COGS", "gross profit", "ROAS", "POAS"],
            campaigns,
        )
    if today:
        print("\nP&L snapshot: today so far, per ad account (latest intraday capture)")
        print_table(["platform", "account", "day", "cur", "spend", "revenue", "captured"], today)
    if drift:
        print("\nrestated days: what the EOD P&L first said, and what it says now")
        print_table(["platform", "account", "day", "first spend", "spend now", "drift"], drift)


def print_status(url: str, source: str | None, limit: int) -> None:
    """The latest attempt per source, partition and file, then the latest alerts."""
    with warehouse.connect(url) as conn:
        rows = conn.execute(read_sql(LANDING_SQL_DIR, "latest_ingestion_attempts"), {"source": source}).fetchall()
    shown = rows[:limit]
    print_table(
        ["source", "partition", "target", "status", "processed", "loaded", "rejected", "finished", "message"],
        [
            (
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[10].strftime("%Y-%m-%d %H:%M:%S") if r[10] else "-",
                (r[7] or "").removeprefix(f"{r[2]}: ")[:160],
            )
            for r in shown
        ],
    )
    tally: dict[str, int] = {}
    for row in rows:
        tally[row[3]] = tally.get(row[3], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(tally.items())) or "no attempts yet"
    more = f" (showing {len(shown)}; --limit for more)" if len(rows) > len(shown) else ""
    print(f"\nlatest attempt per source, partition and file: {summary}{more}")
    with warehouse.connect(url) as conn:
        alerts = conn.execute(read_sql(SQL_DIR, "latest_alert_events"), {"limit": 10}).fetchall()
    if alerts:
        print("\nlatest alerts (ops.alert_events)")
        print_table(
            [
                "triggered",
                "severity",
                "workspace",
                "rule",
                "entity",
                "day",
                "value",
                "baseline",
                "threshold",
                "cur",
                "status",
            ],
            [(a[0].strftime("%Y-%m-%d %H:%M"), *a[1:]) for a in alerts],
        )
