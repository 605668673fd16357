"""No secret and no raw PII anywhere: the whole sandbox through the real connectors.

The sandbox's credentials go into the encrypted store (the demo's path) and leave the
environment; the daily pipeline then runs in process over three days (Google Ads over gRPC,
Meta and Shopify over HTTP, the partner's and the pixel's files over S3, dbt's models; not dbt's
tests, which write no table) while every Python log record, everything written to stdout /
stderr and the Dagster event log and run record are kept. A second run of the API landing
assets happens after the platforms refused three of the credentials (a revoked Google refresh
token, an expired Meta token, a revoked Shopify token). Then:

- no credential value (nor a Google OAuth access token the sandbox issued, nor the credential
  store's key, nor the PII key) is in any of that output, in any table of the database (the
  Dagster instance keeps its runs and event log in the same database, schema `dagster`), in
  dbt's logs, in an ingestion log or state message, or in the exceptions the connectors raise
  for a refused credential;
- the refused credentials are marked `error` with the platform's reason;
- no email address or IP address (v4 or v6) of the sandbox world is in any table (only keyed
  hashes), nor the personal data planted where a real export has it: `?email=` / `&phone=` /
  `&name=` and addresses in pixel URLs and Shopify landing pages, unknown columns of an
  affiliate file, and rejected rows;
- the five README queries, run as a client's own login, return that client's rows only;
- `dbt docs generate` works against the built warehouse.

The database is scanned once, on the server (`scan_database`: per table, the rows cast to text
and searched with PostgreSQL regular expressions, only distinct matches returned), and a test
writes each kind of leak into a table to show the scan finds it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import ipaddress
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

import dagster as dg
import psycopg
import pytest
from dagster._serdes import serialize_value

from metrics_pipeline import warehouse
from metrics_pipeline.config import load_config
from metrics_pipeline.lib.dbt_project import DBT_PROJECT_DIR, dbt_executable
from metrics_pipeline.sandbox.notification_servers import WebhookFault
from metrics_pipeline.sandbox.session import sandbox_session
from metrics_pipeline.security.bi_access import LoginScope, add_login, remove_login
from metrics_pipeline.security.credentials import KEYS_VARIABLE, allowed_names, connection_secrets
from metrics_pipeline.security.pii import EMAIL_REMOVED, IP_REMOVED
from metrics_pipeline.warehouse import PROJECT_ROOT
from tests.conftest import fetch_all
from tests.integration.test_bi_access import login_url

pytestmark = pytest.mark.integration

# Three days (the planted day in the middle) are enough data for every check, and cheap to land.
START, END = date(2026, 10, 26), date(2026, 10, 28)
BI_QUERIES = sorted((PROJECT_ROOT / "docs" / "bi_queries").glob("*.sql"))
PASSWORD = "acme-dashboard-password"
PLANTED_DAY = date(2026, 10, 27)
# Personal data planted where real exports carry it; none of it may reach a table.
PLANTED_EMAIL = "planted.person@example.org"
PLANTED_PHONE = "555-0142-77"
PLANTED_NAME = "Plantedperson"  # only as `name=`: a name in free text is not recognisable
PLANTED_IPV4 = "198.51.100.77"
PLANTED_IPV6 = "2001:db8:4006:812::200e"


class _Captured:
    """Everything a run printed or logged, as one text."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        return "\n".join(self.parts)


@contextlib.contextmanager
def capture_everything(into: _Captured):
    """Python logging (every logger, DEBUG up, with the records' arguments), sys.stdout/stderr,
    and file descriptors 1 and 2 (what subprocesses write)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    root, handler = logging.getLogger(), Keep(logging.DEBUG)
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    out, err = io.StringIO(), io.StringIO()
    fd_file = tempfile.TemporaryFile()
    saved_fds = (os.dup(1), os.dup(2))
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd_file.fileno(), 1)
    os.dup2(fd_file.fileno(), 2)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield
    finally:
        os.dup2(saved_fds[0], 1)
        os.dup2(saved_fds[1], 2)
        root.removeHandler(handler)
        root.setLevel(previous_level)
        fd_file.seek(0)
        into.parts += [out.getvalue(), err.getvalue(), fd_file.read().decode("utf-8", "replace")]
        for record in records:
            # As a handler would show it (traceback included), and every attribute it carries.
            into.parts.append(f"{record.name} {logging.Formatter().format(record)} {record.__dict__!r}")


def run_daily(
    instance: dg.DagsterInstance, start: date, end: date, captured: _Captured, *, api_landing_only: bool = False
) -> dg.ExecuteInProcessResult:
    """The daily pipeline over [start, end], but for dbt's tests: they write no table and log no
    row, and took most of the time. `api_landing_only`: just the API landing assets (what a
    refused credential touches)."""
    from metrics_pipeline.definitions import defs
    from metrics_pipeline.defs.dbt_models import metrics_dbt_models
    from metrics_pipeline.sources.registry import API_SOURCES

    job = defs.resolve_job_def("daily_pipeline")
    graph = job.asset_layer.asset_graph
    if api_landing_only:
        assets = {dg.AssetKey([s.name, t.name]) for s in API_SOURCES for t in s.tables}
    else:
        assets = set(graph.get_all_asset_keys())
    checks = {key for key in graph.asset_check_keys if key.asset_key in assets} - set(metrics_dbt_models.check_keys)
    with capture_everything(captured):
        result = job.get_subset(asset_selection=assets, asset_check_selection=checks).execute_in_process(
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": start.isoformat(),
                "dagster/asset_partition_range_end": end.isoformat(),
            },
            raise_on_error=False,
        )
    # What the UI shows: the run (tags, config) and every event of its log.
    captured.parts.append(serialize_value(instance.get_run_by_id(result.run_id)))
    captured.parts.extend(serialize_value(entry) for entry in instance.all_logs(result.run_id))
    return result


def planted_files(sb, site_id: str) -> dict[str, str]:
    """A pixel file and an affiliate file with personal data where real exports have it: in
    page, landing and referrer URLs, in a column the loader does not know, in rejected rows."""
    page = (
        f"https://www.acme-outdoor.com/account?utm_source=newsletter&utm_medium=email&email={quote(PLANTED_EMAIL)}"
        f"&phone={PLANTED_PHONE}&fbclid=IwAR-planted"
    )
    landing = f"https://www.acme-outdoor.com/?name={PLANTED_NAME}&gclid=Cj0-planted&e={PLANTED_EMAIL}"
    referrer = f"https://mail.example/u/0/?from={PLANTED_IPV6}&ip={PLANTED_IPV4}"

    def pixel_event(event_id: str, **overrides) -> str:
        event = {
            "event_id": event_id,
            "site_id": site_id,
            "event_type": "page_view",
            "occurred_at": f"{PLANTED_DAY}T10:00:00Z",
            "visitor_id": "v-planted",
            "session_id": "s-planted",
            "page_url": page,
            "landing_page": landing,
            "referrer": referrer,
            "ip": PLANTED_IPV6,
            **overrides,
        }
        return json.dumps(event)

    pixel = "\n".join(
        [
            pixel_event("planted-1"),
            pixel_event("planted-2", page_url=f"https://www.acme-outdoor.com/u/{PLANTED_EMAIL}/orders"),
            pixel_event("planted-bad", event_type="Not A Type", note=f"write to <{PLANTED_EMAIL}>"),
            f'{{"event_id": "planted-cut", "page_url": "{page}", "ip": "{PLANTED_IPV4}", ',
        ]
    )
    affiliate = (
        "Receipt,Type,Time,TID,Item,Amount,Source,Buyer Email,Buyer IP,Buyer Phone,Note\n"
        f"P202610270001,click,{PLANTED_DAY}T09:00:00Z,acme-email-list,TRAILGUIDE,,email,"
        f"{PLANTED_EMAIL},{PLANTED_IPV6},{PLANTED_PHONE},from {PLANTED_IPV4}\n"
        f"P202610270002,conversion,{PLANTED_DAY}T09:05:00Z,acme-email-list,TRAILGUIDE,not money,email,"
        f"{PLANTED_EMAIL},{PLANTED_IPV4},{PLANTED_PHONE},see ticket 42\n"
    )
    return {
        f"pixel/{PLANTED_DAY}/{site_id}-planted.jsonl": pixel + "\n",
        f"affiliate/{PLANTED_DAY}/planted-events.csv": affiliate,
    }


def plant_personal_data(sb, exports_prefix: str) -> list[str]:
    """Add `planted_files` to the world's exports, and give some web orders' Shopify landing pages
    and referrers the form fields an email campaign's links carry (`?email=<the customer's
    address>`), as stores' newsletters do. Returns the customers' emails so planted."""
    site_id = sb.commerce_world.shops[0].pixel_site_id
    root = sb.world.exports_dir
    for key, text in planted_files(sb, site_id).items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    # The whole tree again: the world's files and these.
    sb.s3.upload_tree(root, prefix=exports_prefix)
    world = sb.commerce_world
    sessions = world._sessions_by_id  # noqa: SLF001 - the sandbox's own record of each visit
    planted = []
    orders = [o for o in world.orders if o.session_id and START <= o.created_at.date() <= END]
    for order in orders[:6]:
        customer = world.customer(order.shop_domain, order.customer_id)
        session = sessions[order.session_id]
        separator = "&" if "?" in session.landing_url else "?"
        sessions[order.session_id] = dataclasses.replace(
            session,
            landing_url=f"{session.landing_url}{separator}email={quote(customer.email)}&phone={PLANTED_PHONE}",
            referrer=f"https://mail.example/?to={customer.email}&ip={PLANTED_IPV4}",
        )
        planted.append(customer.email.lower())
    assert len(planted) == 6
    return planted


def dagster_instance(url: str, home: Path) -> dg.DagsterInstance:
    """An instance like the deployment's (dagster_home/dagster.yaml): runs and event log in the
    warehouse, schema `dagster`, so the table scans read the event log too."""
    warehouse.ensure_dagster_schema(url)
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        "storage:\n  postgres:\n    postgres_url: " + json.dumps(warehouse.dagster_storage_url(url)) + "\n"
        "telemetry:\n  enabled: false\n"
    )
    return dg.DagsterInstance.from_config(str(home))


def dbt_logs_since(started: float) -> str:
    """dbt's own log files (dagster-dbt gives each invocation a target folder with its dbt.log)
    and run results written since `started`."""
    texts = []
    for path in sorted((DBT_PROJECT_DIR / "target").rglob("*")):
        if path.name in ("dbt.log", "run_results.json") and path.stat().st_mtime >= started:
            texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


@pytest.fixture(scope="module")
def story(tmp_path_factory, database_url):
    """The sandbox run twice (all well; then three credentials refused), output captured."""
    saved = dict(os.environ)
    captured = _Captured()
    exports_prefix = f"sec-{secrets.token_hex(4)}"
    started = time.time() - 1
    try:
        with sandbox_session(tmp_path_factory.mktemp("sandbox"), exports_prefix=exports_prefix) as sb:
            config = load_config(sb.world.config_path)
            environment = sb.environment()
            secret_values = {
                f"{c.id}/{name}": environment[f"{c.credentials_env_prefix}_{name.upper()}"]
                for c in config.connections
                for name in allowed_names(c.provider)
                if environment.get(f"{c.credentials_env_prefix}_{name.upper()}")
            }
            os.environ.pop(KEYS_VARIABLE, None)
            moved = sb.use_credential_store(database_url)
            # The process's own secrets: the credential store's key (made for this session) and
            # the PII key (the sandbox's is public, but a deployment's is not).
            store_keys = [entry.partition(":")[2] for entry in os.environ[KEYS_VARIABLE].split(",")]
            process_secrets = [*store_keys, os.environ["METRICS_PII_KEY"]]
            planted_emails = plant_personal_data(sb, exports_prefix)
            dagster_home = tmp_path_factory.mktemp("dagster_home")
            instance = dagster_instance(database_url, dagster_home)
            sb.set_platform_clock(date.today())
            first = run_daily(instance, START, END, captured)
            first_states = fetch_all(database_url, "select status, count(*) from ops.connection_states group by 1")
            first_credentials = fetch_all(
                database_url, "select status, count(*) from credentials.connection_credentials group by 1"
            )

            google = next(c for c in config.connections if c.provider == "google_ads")
            meta = next(c for c in config.connections if c.provider == "meta")
            shop = next(c for c in config.connections if c.provider == "shopify")
            sb.google_ads.revoke_refresh_token(google.credentials_env_prefix)
            sb.meta.expire_token(secret_values[f"{meta.id}/access_token"])
            sb.shopify.revoke_token(secret_values[f"{shop.id}/access_token"])
            # Only what the refused credentials touch runs again: dbt and the files have nothing new.
            second = run_daily(instance, END, END, captured, api_landing_only=True)
            refused = {"google": google, "meta": meta, "shopify": shop}
            exceptions = refused_exceptions(refused)
            # The deliver_notifications sensor then notices the permanent failures and sends them to
            # the sandbox's Slack webhook (the URL's path is its secret; it answers 500 once) and SMTP.
            sb.slack.queue_fault(WebhookFault(500))
            notify(sb, captured)
            # Access tokens the sandbox's OAuth endpoint issued are secrets too.
            issued = dict(sb.google_ads._access_tokens)  # noqa: SLF001 - the sandbox's own record
            issued.update(dict.fromkeys(sb.tiktok._grants))  # noqa: SLF001 - TikTok's refreshed access tokens
            yield {
                "session": sb,
                "config": config,
                "secrets": secret_values,
                "moved": moved,
                "first": first,
                "second": second,
                "captured": captured,
                "first_states": first_states,
                "first_credentials": first_credentials,
                "refused": refused,
                "exceptions": exceptions,
                "issued_tokens": list(issued),
                "process_secrets": process_secrets,
                "notification_secrets": [sb.slack.path.rsplit("/", 1)[1], sb.slack.path, sb.smtp.password],
                "notified": {"slack": sb.slack.texts, "email": sb.smtp.subjects},
                "planted_emails": planted_emails,
                "dbt_logs": dbt_logs_since(started),
                "dagster_files": files_text(dagster_home),
                "url": database_url,
            }
    finally:
        os.environ.clear()
        os.environ.update(saved)


def files_text(root: Path) -> str:
    """Every file under `root` (the instance's compute logs and storage), as text."""
    return "\n".join(p.read_text(errors="replace") for p in sorted(root.rglob("*")) if p.is_file())


def refused_exceptions(refused) -> list[str]:
    """The text of what each connector raises for its refused credential, traceback included."""
    import traceback

    from metrics_pipeline.sources.google_ads.extract import GoogleAdsSession
    from metrics_pipeline.sources.meta.client import GraphCaller, MetaSettings, meta_api
    from metrics_pipeline.sources.meta.extract import fetch_account_info
    from metrics_pipeline.sources.shopify.client import ShopifyClient
    from metrics_pipeline.sources.shopify.extract import fetch_shop

    meta = refused["meta"]
    texts = []
    attempts = {
        "google": lambda: GoogleAdsSession(refused["google"], environ=os.environ).authenticate(),
        "meta": lambda: fetch_account_info(
            meta_api(meta), meta.account_ids[0], GraphCaller(MetaSettings.from_environ().retry_policy)
        ),
        "shopify": lambda: fetch_shop(
            ShopifyClient(refused["shopify"].shop_domain, connection_secrets(refused["shopify"])["access_token"])
        ),
    }
    for name, attempt in attempts.items():
        try:
            attempt()
        except Exception as exc:  # noqa: BLE001 - whatever it is, its text must be clean
            texts.append(f"{name}: {exc!s} {exc!r} " + "".join(traceback.format_exception(exc)))
        else:
            raise AssertionError(f"{name}: the refused credential was accepted")
    return texts


# What the scans look for, in PostgreSQL's regular expressions (AREs): every table's rows are
# cast to text and searched on the server, and only the distinct matches come back. (Reading
# the rows into Python took most of this module's time: the event log alone is large.)
EMAIL_LIKE = r"[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+"
IPV4_LIKE = r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?!\d)"
IPV6_LIKE = r"(?<![0-9a-fA-F:])[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?![0-9a-fA-F:])"
SCAN = """
with rows as materialized (select t::text as r from {table} as t)
select 'email', lower(replace(m[1], '%%40', '@')) from rows, regexp_matches(r, %(email)s, 'gi') as m
union select 'ip', m[1] from rows, regexp_matches(r, %(ipv4)s, 'g') as m
union select 'ip', lower(m[1]) from rows, regexp_matches(r, %(ipv6)s, 'g') as m
union select 'secret', m[1] from rows, regexp_matches(r, %(secrets)s, 'g') as m
union select 'planted', lower(m[1]) from rows, regexp_matches(r, %(planted)s, 'gi') as m
union select 'rows', count(*)::text from rows
"""


@dataclasses.dataclass
class Found:
    """What the scan of one table found: emails (lowercased, `%40` decoded), IPv4 and IPv6
    addresses (each also in its compressed form), secret values and planted literals."""

    emails: set[str] = dataclasses.field(default_factory=set)
    ips: set[str] = dataclasses.field(default_factory=set)
    secrets: set[str] = dataclasses.field(default_factory=set)
    planted: set[str] = dataclasses.field(default_factory=set)
    rows: int = 0


def literal_alternation(values) -> str:
    """An ARE matching any of `values` as written (longest first, so none is cut short)."""
    # re.escape escapes only punctuation, and an ARE reads a backslashed punctuation mark as itself.
    return "|".join(re.escape(v) for v in sorted(set(values), key=len, reverse=True))


def scan_database(conn: psycopg.Connection, secret_values, planted_literals, tables=None) -> dict[str, Found]:
    """Every row of every table of every schema (or of `tables`), searched on the server."""
    if tables is None:
        tables = [
            f'"{schema}"."{table}"'
            for schema, table in conn.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')"
            )
        ]
    params = {
        "email": EMAIL_LIKE,
        "ipv4": IPV4_LIKE,
        "ipv6": IPV6_LIKE,
        "secrets": literal_alternation(secret_values),
        "planted": literal_alternation(planted_literals),
    }
    found = {}
    for table in tables:
        result = found[table] = Found()
        for kind, match in conn.execute(SCAN.format(table=table), params):
            if kind == "email":
                result.emails.add(match)
            elif kind == "ip":
                result.ips.add(match)
                with contextlib.suppress(ValueError):
                    result.ips.add(ipaddress.ip_address(match).compressed)
            elif kind == "secret":
                result.secrets.add(match)
            elif kind == "planted":
                result.planted.add(match)
            else:
                result.rows = int(match)
    return found


def planted_literals(story) -> list[str]:
    """What was planted that no pattern recognises: the phone number, the name, and each planted
    email as a URL encodes it."""
    emails = [*story["planted_emails"], PLANTED_EMAIL]
    return [PLANTED_PHONE, PLANTED_NAME, *(quote(email) for email in emails)]


def notify(sb, captured: _Captured) -> None:
    """Two ticks of the deliver_notifications sensor, the second after the (sandbox-scaled) backoff."""
    from metrics_pipeline.defs.alerting import deliver_notifications
    from metrics_pipeline.lib.resources import PipelineConfigResource, WarehouseResource
    from metrics_pipeline.operations.notifications import retry_delay_seconds
    from metrics_pipeline.operations.run_retries import delay_scale

    resources = {
        "warehouse": WarehouseResource(),
        "pipeline_config": PipelineConfigResource(path=str(sb.world.config_path)),
    }
    with capture_everything(captured):
        for tick in range(2):
            if tick:
                time.sleep(retry_delay_seconds(1, delay_scale()) + 0.5)
            with dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), resources=resources) as context:
                captured.parts.append(str(deliver_notifications(context).skip_message))


@pytest.fixture(scope="module")
def scanned(story) -> dict[str, Found]:
    """The database after both runs, scanned once for the tests that read it."""
    with psycopg.connect(story["url"]) as conn:
        return scan_database(conn, secret_values(story), planted_literals(story))


def test_the_pipeline_ran_on_the_stored_credentials_alone(story):
    assert story["first"].success
    # Every credential moved out of the environment, into the store, under the session's key.
    assert len(story["moved"]) == len(story["secrets"]) > 0
    assert not any(variable in os.environ for variable in story["moved"])
    stored = fetch_all(
        story["url"], "select connection_id || '/' || credential_name, key_id from credentials.connection_credentials"
    )
    assert {name for name, _ in stored} == set(story["secrets"]) and {key for _, key in stored} == {"sandbox"}
    # After the first run every account synced and every credential is active.
    assert [status for status, _ in story["first_states"]] == ["ok"]
    assert story["first_credentials"] == [("active", len(story["secrets"]))]
    [(pnl_rows,)] = fetch_all(story["url"], "select count(*) from marts.fct_pnl_daily where kind = 'eod'")
    assert pnl_rows > 0


def test_refused_credentials_are_marked_with_the_platforms_reason(story):
    statuses = {
        connection: (status, error)
        for connection, status, error in fetch_all(
            story["url"], "select connection_id, status, last_error from credentials.connection_credentials"
        )
    }
    refused_ids = {c.id for c in story["refused"].values()}
    for connection_id, (status, error) in statuses.items():
        if connection_id in refused_ids:
            assert status == "error" and error, connection_id
        else:
            assert (status, error) == ("active", None), connection_id
    assert "invalid_grant" in statuses[story["refused"]["google"].id][1]
    assert "190" in statuses[story["refused"]["meta"].id][1]
    assert "401" in statuses[story["refused"]["shopify"].id][1]


def secret_values(story) -> list[str]:
    values = [
        *story["secrets"].values(),
        *story["issued_tokens"],
        *story["process_secrets"],
        *story["notification_secrets"],
        PASSWORD,
    ]
    assert all(len(v) >= 8 for v in values)  # distinctive enough to grep for
    return values


def secret_pattern(story) -> re.Pattern:
    return re.compile(literal_alternation(secret_values(story)))


def test_no_secret_in_logs_output_the_dagster_event_log_or_exceptions(story):
    pattern = secret_pattern(story)
    captured = story["captured"].text
    assert len(captured) > 100_000  # the runs did log (dbt, dagster, the connectors)
    assert "invalid_grant" in captured and "190" in captured  # the failures were logged
    # Where a value shows, what precedes it (the value itself masked).
    found = sorted({captured[max(0, m.start() - 120) : m.start()] + "<secret>" for m in pattern.finditer(captured)})
    assert found == []
    assert len(story["exceptions"]) == 3
    for text in story["exceptions"]:
        assert not pattern.search(text), text[:200]


def test_no_secret_in_dbt_logs_or_the_dagster_instances_files(story):
    pattern = secret_pattern(story)
    dbt_logs = story["dbt_logs"]
    assert "fct_pnl_daily" in dbt_logs  # dbt did log the runs
    assert not pattern.search(dbt_logs)
    assert not pattern.search(story["dagster_files"])


def test_permanent_sync_failures_were_notified_once_each_through_a_retry(story):
    notices = fetch_all(story["url"], "select source, target from ops.sync_failure_notices order by 1, 2")
    assert {source for source, _ in notices} >= {"google_ads"}
    deliveries = fetch_all(
        story["url"], "select channel, status, attempts, last_error from ops.notification_deliveries order by 1"
    )
    assert len(deliveries) == 2 * len(notices) and {status for _, status, _, _ in deliveries} == {"sent"}
    assert ("sandbox-slack", "sent", 2, "Slack webhook answered HTTP 500: rollup_error") in deliveries
    assert len(story["notified"]["slack"]) == len(story["notified"]["email"]) == len(notices)
    assert all(text.startswith("[SYNC FAILED] ") for text in story["notified"]["slack"])


def test_the_dagster_event_log_is_in_the_scanned_database(story):
    [(events,)] = fetch_all(
        story["url"], "select count(*) from dagster.event_logs where run_id = %s", (story["first"].run_id,)
    )
    assert events > 100


def test_no_secret_stored_in_plain_text_anywhere_in_the_database(scanned):
    assert '"dagster"."event_logs"' in scanned
    leaks = {table: found.secrets for table, found in scanned.items() if found.secrets}
    assert leaks == {}


def world_emails_and_ips(world) -> tuple[set[str], set[str]]:
    emails = {c.email.lower() for c in world.customers} | {o.email.lower() for o in world.orders if o.email}
    ips = {event["ip"] for event in world.events if event["ip"]}
    return emails, ips | {ipaddress.ip_address(ip).compressed for ip in ips}


def test_no_raw_email_or_ip_address_of_the_world_in_any_table(story, scanned):
    emails, ips = world_emails_and_ips(story["session"].commerce_world)
    assert len(emails) > 20 and len(ips) > 20
    assert any(":" in ip for ip in ips)  # IPv6 visitors too
    found = {
        table: hits for table, result in scanned.items() if (hits := (result.emails & emails) | (result.ips & ips))
    }
    assert sum(result.rows for result in scanned.values()) > 5_000
    assert found == {}
    # The hashes did land: one per customer with an email, and per event with an IP.
    [(hashed,)] = fetch_all(story["url"], "select count(*) from raw_shopify.customers where email_hash is not null")
    assert hashed > 0


def test_no_planted_personal_data_in_any_table_and_attribution_kept(story, scanned):
    url = story["url"]
    planted_emails = set(story["planted_emails"]) | {PLANTED_EMAIL}
    planted_ips = {PLANTED_IPV4, PLANTED_IPV6}
    found = {
        table: hits
        for table, result in scanned.items()
        if (hits := (result.emails & planted_emails) | (result.ips & planted_ips) | result.planted)
    }
    assert found == {}
    # The planted rows did land, with their attribution parameters intact ...
    events = dict(
        fetch_all(
            url,
            "select event_id, page_url || ' ' || landing_page from raw_pixel.events where event_id like 'planted-%'",
        )
    )
    assert set(events) == {"planted-1", "planted-2"}
    assert (
        "utm_source=newsletter&utm_medium=email" in events["planted-1"] and "fbclid=IwAR-planted" in events["planted-1"]
    )
    assert "gclid=Cj0-planted" in events["planted-1"] and EMAIL_REMOVED in events["planted-2"]
    [(referrer,)] = fetch_all(url, "select referrer from raw_pixel.events where event_id = 'planted-1'")
    assert referrer == f"https://mail.example/u/0/?from={IP_REMOVED}"
    # ... and so did the rejected ones and the unknown columns, without what was personal.
    rejected = fetch_all(
        url, "select source, raw_record::text from ops.rejected_rows where source_file like '%planted%'"
    )
    assert sorted(source for source, _ in rejected) == ["affiliate", "pixel", "pixel"]
    [(extra,)] = fetch_all(url, "select extra_columns::text from raw_affiliate.events where event_id = 'P202610270001'")
    assert IP_REMOVED in extra and "redacted" in extra
    referrers = [
        site
        for (site,) in fetch_all(
            url, "select referring_site from raw_shopify.orders where referring_site like '%mail.example%'"
        )
    ]
    assert len(referrers) == 6 and all(site == f"https://mail.example/?to={EMAIL_REMOVED}" for site in referrers)


def test_the_scan_finds_every_kind_of_leak_it_looks_for(story):
    """The scans above pass only because nothing is there: each thing they look for, written into
    a table (in a transaction rolled back), is found, in the forms a leak would take."""
    world_emails, world_ips = world_emails_and_ips(story["session"].commerce_world)
    secret = secret_values(story)[0]
    email = sorted(world_emails)[0]
    ipv4 = sorted(ip for ip in world_ips if "." in ip)[0]
    ipv6 = ipaddress.ip_address(sorted(ip for ip in world_ips if ":" in ip)[0])
    notes = [
        f"Authorization: Bearer {secret}",
        f"https://shop.example/?email={quote(email.upper())}&x=1",
        f"from {ipv4}, then {ipv6.exploded}",
        f'{{"Buyer Phone": "{PLANTED_PHONE}", "url": "/?name={PLANTED_NAME.upper()}"}}',
        f"https://www.acme-outdoor.com/u/{PLANTED_IPV6}/",
    ]
    with psycopg.connect(story["url"]) as conn:
        conn.execute("create table public.leak_probe (id int, note text, details jsonb)")
        conn.cursor().executemany(
            "insert into public.leak_probe values (%s, %s, %s)",
            [(i, note, json.dumps({"note": note})) for i, note in enumerate(notes)],
        )
        found = scan_database(conn, secret_values(story), planted_literals(story), tables=["public.leak_probe"])
        conn.rollback()
    probe = found["public.leak_probe"]
    assert probe.rows == len(notes)
    assert probe.secrets == {secret}
    assert email in probe.emails
    assert {ipv4, ipv6.compressed, PLANTED_IPV6} <= probe.ips
    assert {PLANTED_PHONE, PLANTED_NAME.lower()} <= probe.planted


def test_the_readme_queries_as_a_client_login_return_only_that_clients_rows(story):
    url, client = story["url"], "acme-outdoor"
    login, analyst = f"bi_acme_{secrets.token_hex(3)}", f"bi_all_{secrets.token_hex(3)}"
    assert len(BI_QUERIES) == 5
    with psycopg.connect(url, autocommit=True) as conn:
        add_login(conn, login, PASSWORD, LoginScope(client_slug=client))
        add_login(conn, analyst, PASSWORD, LoginScope(all_rows=True))
    try:
        for path in BI_QUERIES:
            query = path.read_text()
            with psycopg.connect(login_url(url, login, PASSWORD)) as conn:
                cursor = conn.execute(query)
                assert cursor.description[0].name == "client_slug", path.name
                mine = cursor.fetchall()
            with psycopg.connect(login_url(url, analyst, PASSWORD)) as conn:
                everyone = conn.execute(query).fetchall()
            assert mine, path.name  # the client has data for every question
            assert {row[0] for row in mine} == {client}, path.name
            assert len({row[0] for row in everyone}) > 1, path.name  # other clients exist, and are hidden
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            remove_login(conn, login)
            remove_login(conn, analyst)


def test_dbt_docs_generate_works_against_the_built_warehouse(story, tmp_path):
    env = {**os.environ, **warehouse.dbt_environment(story["url"]), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    target = tmp_path / "target"
    completed = subprocess.run(
        [
            dbt_executable(),
            "docs",
            "generate",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    catalog = json.loads((target / "catalog.json").read_text())
    assert "model.metrics_pipeline.fct_pnl_daily" in catalog["nodes"]
    assert (target / "index.html").exists()
