"""`metrics-pipeline demo`: the sandbox story, from first history through retention, a
restatement and intraday to alerts delivered."""

from __future__ import annotations

import argparse
from datetime import date, timedelta

from metrics_pipeline import warehouse
from metrics_pipeline.cli.reports import print_marts_report
from metrics_pipeline.cli.retention_story import archive_first_month, check_and_restore
from metrics_pipeline.cli.runner import SANDBOX_DIR, prepare_environment, run_intraday, run_range
from metrics_pipeline.cli.sandbox_database import ensure_sandbox_database, uses_embedded_server


def cmd_demo(args: argparse.Namespace) -> int:
    from metrics_pipeline.landing.exports import open_exports_store
    from metrics_pipeline.lib.partitions import nightly_range, restatement_window_days
    from metrics_pipeline.sandbox.google_ads_world import ADS_END, ADS_START
    from metrics_pipeline.sandbox.meta_world import RESTATED_DAY, RESTATED_FROM
    from metrics_pipeline.sandbox.session import sandbox_session
    from metrics_pipeline.sandbox.tiktok_world import RESTATED_DAY as TIKTOK_RESTATED_DAY

    embedded = uses_embedded_server()
    url = prepare_environment()
    ensure_sandbox_database(url, command="demo", embedded=embedded, claim=args.sandbox_database)
    with sandbox_session(SANDBOX_DIR / "world") as sandbox:
        world = sandbox.world
        print(sandbox.describe())
        moved = sandbox.use_credential_store(url)
        print(
            f"{len(moved)} sandbox credentials encrypted into credentials.connection_credentials "
            "(`metrics-pipeline credentials list`)"
        )
        print(
            "broken on purpose: a malformed row in "
            f"{world.malformed_row.relative_key} (row {world.malformed_row.row_number}), a wrong header in "
            f"{world.wrong_header_file.relative_key}, a bad pixel line and a duplicate event, an Amazon row with "
            "negative clicks and a keyword-day exported in two formats, malformed affiliate rows, one rate limit "
            f"and one server error per API, Meta restating {RESTATED_DAY} a week later, TikTok restating "
            f"{TIKTOK_RESTATED_DAY} and a deleted TikTok ad, a Shopify refund and a product cost change"
        )
        first_pass_end = RESTATED_FROM - timedelta(days=1)
        sandbox.set_platform_clock(first_pass_end)
        print(f"\n== 1. history as the platforms reported it by {first_pass_end}")
        ok = run_range(ADS_START, first_pass_end)
        print("\n== 2. retention: the first month of ad metrics moves to Parquet in the exports store")
        store = open_exports_store()
        archived = archive_first_month(url, store, ADS_START)
        sandbox.set_platform_clock(date.today())
        start, end = nightly_range(ADS_END, restatement_window_days(), ADS_START)
        print(f"\n== 3. the nightly run on {end + timedelta(days=1)}: re-land the restatement window {start} .. {end}")
        ok = run_range(start, end) and ok
        print("\n== 4. an intraday capture of today")
        ok = run_intraday() and ok
        print_marts_report(warehouse.database_url())
        ok = check_and_restore(url, store, archived) and ok
        print(
            "\n== 5. alerts: evaluate the rules, notify Slack and e-mail (the webhook fails once with 500, once with 429)"
        )
        notify_demo(sandbox, url)
    print("\nnext: `make dev` opens the Dagster UI on this instance; `metrics-pipeline status` lists every attempt")
    return 0 if ok else 1


def notify_demo(sandbox, url: str, *, rounds: int = 20) -> dict[str, int]:
    """What the evaluate_alert_rules and deliver_notifications sensors do after a run (the demo
    runs jobs in process, without the daemon): evaluate the rules, then send until nothing is
    due, the sandbox webhook answering 500 and then 429 (Retry-After 1 s) first, so the retry
    shows. Returns the messages each stand-in received."""
    import time
    from datetime import UTC, datetime

    from metrics_pipeline.config import load_config
    from metrics_pipeline.operations.alert_rules import evaluate_due_rules
    from metrics_pipeline.operations.notifications import deliver_due
    from metrics_pipeline.sandbox.notification_servers import WebhookFault

    settings = load_config(sandbox.world.config_path).notifications
    sandbox.slack.queue_fault(WebhookFault(500), WebhookFault(429, retry_after=1))
    with warehouse.connect(url, autocommit=True) as conn:
        evaluation = evaluate_due_rules(conn, datetime.now(UTC))
        print(f"evaluated {len(evaluation.evaluated)} rule(s): {len(evaluation.raised)} alert(s) raised")
        for workspace, rule, entity, day, current, _ in evaluation.raised:
            print(f"  {workspace}/{rule} on {entity} for {day}: {current:.2f}")
        for _ in range(rounds):
            report = deliver_due(conn, settings, datetime.now(UTC))
            for _, channel, error in report.retrying:
                print(f"  {channel}: {error}; retrying after the backoff")
            pending = conn.execute(
                "select count(*) from ops.notification_deliveries where status = 'pending'"
            ).fetchone()[0]
            if not pending:
                break
            time.sleep(1)
    delivered = {"slack": len(sandbox.slack.texts), "email": len(sandbox.smtp.messages)}
    print(f"alerts delivered: slack {delivered['slack']}, email {delivered['email']}")
    if sandbox.slack.texts:
        print("first Slack message:\n  " + sandbox.slack.texts[0].replace("\n", "\n  "))
    print("`metrics-pipeline alerts list` lists them; `metrics-pipeline alerts ack <id> --by <name>` acknowledges one")
    return delivered
