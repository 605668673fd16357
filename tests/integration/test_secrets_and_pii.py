"""No secret and no raw PII anywhere: the whole sandbox through the real connectors.

The sandbox's credentials go into the encrypted store (the demo's path) and leave the
environment; the daily pipeline then runs in process (Google Ads over gRPC, Meta and Shopify
over HTTP, the partner's and the pixel's files over S3, dbt) while every Python log record,
everything written to stdout / stderr and the Dagster event log and run record are kept.
A second run happens after the platforms refused three of the credentials (a revoked Google
refresh token, an expired Meta token, a revoked Shopify token). Then:

- no credential value (nor a Google OAuth access token the sandbox issued) is in any of
  that output, in any table of the database, in an ingestion log or state message, or in the
  exceptions the connectors raise for a refused credential;
- the refused credentials are marked `error` with the platform's reason;
- no email address or IP address of the sandbox world is in any table (only keyed hashes);
- the five README queries, run as a client's own login, return that client's rows only;
- `dbt docs generate` works against the built warehouse.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import tempfile
from datetime import date

import dagster as dg
import psycopg
import pytest
from dagster._serdes import serialize_value

from metrics_pipeline import warehouse
from metrics_pipeline.config import load_config
from metrics_pipeline.lib.dbt_project import DBT_PROJECT_DIR, dbt_executable
from metrics_pipeline.sandbox.session import sandbox_session
from metrics_pipeline.security.bi_access import LoginScope, add_login, remove_login
from metrics_pipeline.security.credentials import KEYS_VARIABLE, allowed_names, connection_secrets
from metrics_pipeline.warehouse import PROJECT_ROOT
from tests.conftest import fetch_all
from tests.integration.test_bi_access import login_url

pytestmark = pytest.mark.integration

START, END = date(2026, 10, 25), date(2026, 10, 31)
BI_QUERIES = sorted((PROJECT_ROOT / "docs" / "bi_queries").glob("*.sql"))
PASSWORD = "acme-dashboard-password"


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


def run_daily(instance: dg.DagsterInstance, start: date, end: date, captured: _Captured) -> dg.ExecuteInProcessResult:
    from metrics_pipeline.definitions import defs

    with capture_everything(captured):
        result = defs.resolve_job_def("daily_pipeline").execute_in_process(
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


@pytest.fixture(scope="module")
def story(tmp_path_factory, database_url):
    """The sandbox run twice (all well; then three credentials refused), output captured."""
    saved = dict(os.environ)
    captured = _Captured()
    try:
        with sandbox_session(tmp_path_factory.mktemp("sandbox"), exports_prefix=f"sec-{secrets.token_hex(4)}") as sb:
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
            instance = dg.DagsterInstance.ephemeral()
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
            second = run_daily(instance, END, END, captured)
            refused = {"google": google, "meta": meta, "shopify": shop}
            exceptions = refused_exceptions(refused)
            # Access tokens the sandbox's OAuth endpoint issued are secrets too.
            issued = dict(sb.google_ads._access_tokens)  # noqa: SLF001 - the sandbox's own record
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
                "url": database_url,
            }
    finally:
        os.environ.clear()
        os.environ.update(saved)


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


def everything_in_the_database(url: str) -> dict[str, list[str]]:
    """Every row of every table of every schema, as text, by table."""
    tables = fetch_all(
        url,
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')",
    )
    rows = {}
    with psycopg.connect(url) as conn:
        for schema, table in tables:
            rows[f"{schema}.{table}"] = [
                text for (text,) in conn.execute(f'select t::text from "{schema}"."{table}" as t')
            ]
    return rows


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


def secret_pattern(story) -> re.Pattern:
    values = [*story["secrets"].values(), *story["issued_tokens"]]
    assert all(len(v) >= 8 for v in values)  # distinctive enough to grep for
    return re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))


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


def test_no_secret_stored_in_plain_text_anywhere_in_the_database(story):
    pattern = secret_pattern(story)
    leaks = {
        table: len(hits)
        for table, rows in everything_in_the_database(story["url"]).items()
        if (hits := [row for row in rows if pattern.search(row)])
    }
    assert leaks == {}


def test_no_raw_email_or_ip_address_of_the_world_in_any_table(story):
    world = story["session"].commerce_world
    emails = {c.email.lower() for c in world.customers} | {o.email.lower() for o in world.orders if o.email}
    ips = {event["ip"] for event in world.events if event["ip"]}
    assert len(emails) > 20 and len(ips) > 20
    email_like = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
    ip_like = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
    found: dict[str, set[str]] = {}
    rows_scanned = 0
    for table, rows in everything_in_the_database(story["url"]).items():
        for row in rows:
            rows_scanned += 1
            hits = {m.lower() for m in email_like.findall(row)} & emails
            hits |= set(ip_like.findall(row)) & ips
            if hits:
                found.setdefault(table, set()).update(hits)
    assert rows_scanned > 5_000
    assert found == {}
    # The hashes did land: one per customer with an email, and per event with an IP.
    [(hashed,)] = fetch_all(story["url"], "select count(*) from raw_shopify.customers where email_hash is not null")
    assert hashed > 0


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
