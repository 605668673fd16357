"""The sandbox Graph API server, driven by the real facebook-business SDK: what it serves, hides and refuses."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
import requests
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.adreportrun import AdReportRun
from facebook_business.adobjects.campaign import Campaign
from facebook_business.api import FacebookAdsApi
from facebook_business.exceptions import FacebookRequestError

from metrics_pipeline.config import Connection
from metrics_pipeline.operations.call_retry import BackoffPolicy, GiveUp, Retry
from metrics_pipeline.sandbox.meta_server import (
    EXPIRED_ACCESS_TOKEN,
    GRAPH_API_VERSION,
    Fault,
    MetaSandboxServer,
)
from metrics_pipeline.sandbox.meta_world import (
    ACME_ACCOUNT_ID,
    CITRUS_ACCOUNT_ID,
    END,
    RESTATED_DAY,
    MetaWorld,
    build_meta_world,
)
from metrics_pipeline.sources.meta.client import GraphCaller, classify_graph_error, meta_api
from metrics_pipeline.sources.meta.extract import (
    ACCOUNT_INSIGHT_FIELDS,
    INSIGHT_FIELDS,
    all_pages,
    fetch_entities,
    insights_params,
)

pytestmark = pytest.mark.integration

ACME = f"act_{ACME_ACCOUNT_ID}"


@pytest.fixture(scope="module")
def world() -> MetaWorld:
    return build_meta_world()


@pytest.fixture(scope="module")
def server(world: MetaWorld) -> Iterator[MetaSandboxServer]:
    with MetaSandboxServer(world, faults=()) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(server: MetaSandboxServer) -> MetaSandboxServer:
    server.as_of = END
    server.clear_faults()
    server.reset_requests()
    return server


def api_for(server: MetaSandboxServer, account_id: str = ACME_ACCOUNT_ID, token: str | None = None) -> FacebookAdsApi:
    account = server.world.account(account_id)
    environ = server.environment()
    if token is not None:
        environ[f"{account.credentials_env_prefix}_ACCESS_TOKEN"] = token
    connection = Connection(
        id=account.connection_id,
        workspace_slug=account.workspace_slug,
        provider="meta",
        client_slug=account.client_slug,
        account_ids=(account_id,),
        manager_customer_id=None,
        status="active",
        sync_frequency="daily",
        lookback_days=28,
        credentials_env_prefix=account.credentials_env_prefix,
    )
    return meta_api(connection, environ)


def caller() -> GraphCaller:
    return GraphCaller(BackoffPolicy(max_attempts=3, base_delay=0, max_delay=0), sleep=lambda seconds: None)


def spend(rows) -> Decimal:
    return sum((Decimal(row["spend"]) for row in rows), Decimal(0))


def test_the_sandbox_speaks_the_sdks_api_version():
    assert GRAPH_API_VERSION == FacebookAdsApi.API_VERSION


def test_edges_hide_deleted_and_archived_objects_unless_asked(sandbox, world):
    account = AdAccount(ACME, api=api_for(sandbox))
    by_default = {c["id"] for c in account.get_campaigns(fields=[Campaign.Field.name])}
    asked = {
        c["id"]
        for c in account.get_campaigns(
            fields=[Campaign.Field.name], params={"effective_status": ["ACTIVE", "PAUSED", "DELETED", "ARCHIVED"]}
        )
    }
    assert world.deleted_campaign.campaign_id not in by_default
    assert asked == {c.campaign_id for c in world.campaigns_of(ACME_ACCOUNT_ID)}


def test_ad_level_insights_never_return_deleted_ads_but_the_account_level_bills_them(sandbox, world):
    """Meta: <AD_ID>/insights works for a deleted object, act_<id>/insights?level=ad does not
    return its stats. The status filter still brings back archived ads."""
    account = AdAccount(ACME, api=api_for(sandbox))
    since, until = date(2026, 8, 3), date(2026, 8, 9)  # the deleted campaign was live then
    params = insights_params(since, until, ())
    filtered = list(account.get_insights(fields=list(INSIGHT_FIELDS), params=params))
    unfiltered = list(
        account.get_insights(fields=list(INSIGHT_FIELDS), params={k: v for k, v in params.items() if k != "filtering"})
    )
    billed = list(
        account.get_insights(
            fields=list(ACCOUNT_INSIGHT_FIELDS), params=insights_params(since, until, (), level="account")
        )
    )

    week = [since + timedelta(days=n) for n in range((until - since).days + 1)]
    ad_days = world.insights(ACME_ACCOUNT_ID, since, until, END)
    deleted = sum((Decimal(d.spend) for d in ad_days if d.ad.effective_status == "DELETED"), Decimal(0))
    archived = sum((Decimal(d.spend) for d in ad_days if d.ad.effective_status == "ARCHIVED"), Decimal(0))
    everything = sum(world.spend_by_day(ACME_ACCOUNT_ID, week, END).values(), Decimal(0))
    assert deleted > 0
    assert spend(filtered) == everything - deleted
    assert spend(unfiltered) == everything - deleted - archived
    assert world.deleted_campaign.campaign_id not in {row["campaign_id"] for row in filtered}
    # level=account: one row per day, the deleted ads' spend included
    assert {row["date_start"]: Decimal(row["spend"]) for row in billed} == {
        day.isoformat(): total for day, total in world.spend_by_day(ACME_ACCOUNT_ID, week, END).items()
    }


def test_a_deleted_ad_drops_out_of_ad_level_insights_from_then_on(world):
    with MetaSandboxServer(world, faults=()) as server:
        account = AdAccount(ACME, api=api_for(server))
        day = date(2026, 10, 20)
        params = insights_params(day, day, ())
        before = list(account.get_insights(fields=list(INSIGHT_FIELDS), params=params))
        gone = before[0]["ad_id"]
        server.delete_ad(gone)
        after = list(account.get_insights(fields=list(INSIGHT_FIELDS), params=params))
        assert gone not in {row["ad_id"] for row in after}
        assert spend(after) == spend(before) - Decimal(before[0]["spend"])
        ads = fetch_entities(api_for(server), ACME_ACCOUNT_ID, caller()).ads
        assert {a["id"]: a["effective_status"] for a in ads}[gone] == "DELETED"


def test_a_long_range_is_refused_with_code_1_every_time_and_shorter_ones_answer(world):
    with MetaSandboxServer(world, faults=(), max_insights_days=4) as server:
        account = AdAccount(ACME, api=api_for(server))
        for _ in range(2):
            with pytest.raises(FacebookRequestError) as refused:
                account.get_insights(
                    fields=list(INSIGHT_FIELDS), params=insights_params(END - timedelta(days=4), END, ())
                )
            assert refused.value.api_error_code() == 1
            assert "Please reduce the amount of data" in refused.value.api_error_message()
            assert isinstance(classify_graph_error(refused.value), GiveUp)  # not the transient code 1
        with pytest.raises(FacebookRequestError):
            account.get_insights(
                params={**insights_params(END - timedelta(days=9), END, ()), "fields": list(INSIGHT_FIELDS)},
                is_async=True,
            )
        assert list(
            account.get_insights(fields=list(INSIGHT_FIELDS), params=insights_params(END - timedelta(days=3), END, ()))
        )


def test_removed_windows_are_refused_and_engaged_view_and_unified_setting_answer(sandbox):
    account = AdAccount(ACME, api=api_for(sandbox))
    day = date(2026, 10, 20)
    with pytest.raises(FacebookRequestError) as refused:
        account.get_insights(fields=list(INSIGHT_FIELDS), params=insights_params(day, day, ("7d_click", "7d_view")))
    assert "action_attribution_windows[1] must be one of" in refused.value.api_error_message()
    rows = list(
        account.get_insights(fields=list(INSIGHT_FIELDS), params=insights_params(day, day, ("7d_click", "1d_ev")))
    )
    windowed = [entry for row in rows for entry in row.get("actions", []) if "7d_click" in entry]
    assert windowed and all("1d_ev" in entry for entry in windowed)
    unified = list(
        account.get_insights(
            fields=list(INSIGHT_FIELDS),
            params=insights_params(day, day, ("7d_click",), use_unified_attribution_setting=True),
        )
    )
    assert unified and all(
        set(entry) == {"action_type", "value"} for row in unified for entry in row.get("actions", [])
    )


def test_listings_page_with_cursors_and_a_usable_next_link(world):
    with MetaSandboxServer(world, page_size=3, faults=()) as small_pages:
        entities = fetch_entities(api_for(small_pages), ACME_ACCOUNT_ID, caller())
        assert sorted(a["id"] for a in entities.ads) == sorted(a.ad_id for a in world.ads_of(ACME_ACCOUNT_ID))
        assert small_pages.count("ads", with_cursor=True) >= len(world.ads_of(ACME_ACCOUNT_ID)) // 3

        token = small_pages.world.account(ACME_ACCOUNT_ID).access_token
        first = requests.get(
            f"{small_pages.base_url}/{GRAPH_API_VERSION}/{ACME}/ads",
            params={"access_token": token, "fields": "name"},
            timeout=10,
        ).json()
        assert len(first["data"]) == 3 and "after" in first["paging"]["cursors"]
        second = requests.get(first["paging"]["next"], params={"access_token": token}, timeout=10).json()
        assert second["data"] and second["data"][0]["id"] not in {row["id"] for row in first["data"]}
        assert token not in first["paging"]["next"]


def test_a_report_runs_through_its_states_before_its_rows_can_be_read(sandbox, world):
    account = AdAccount(ACME, api=api_for(sandbox))
    since, until = date(2026, 10, 1), date(2026, 10, 14)
    report = account.get_insights(
        params={**insights_params(since, until, ("7d_click",)), "fields": list(INSIGHT_FIELDS)}, is_async=True
    )
    assert isinstance(report, AdReportRun)

    with pytest.raises(FacebookRequestError):
        list(report.get_result())  # not started yet
    states = []
    for _ in range(sandbox.polls_until_done):
        report.api_get(fields=[AdReportRun.Field.async_status, AdReportRun.Field.async_percent_completion])
        states.append((report[AdReportRun.Field.async_status], report[AdReportRun.Field.async_percent_completion]))
    assert [s for s, _ in states] == ["Job Not Started", "Job Running", "Job Completed"]
    assert states[-1][1] == 100

    rows = all_pages(lambda: report.get_result(params={"limit": 500}), caller(), "report rows")
    assert len(rows) == len(world.insights(ACME_ACCOUNT_ID, since, until, END))
    purchase = next(a for row in rows for a in row.get("actions", []) if a["action_type"].endswith("purchase"))
    assert "7d_click" in purchase and "1d_view" not in purchase  # only the requested windows


def test_the_restated_day_and_the_renamed_ad_depend_on_the_servers_day(sandbox, world):
    account = AdAccount(ACME, api=api_for(sandbox))

    def day_spend() -> Decimal:
        params = insights_params(RESTATED_DAY, RESTATED_DAY, ())
        return spend(account.get_insights(fields=list(INSIGHT_FIELDS), params=params))

    def renamed_ad_name() -> str:
        ads = account.get_ads(fields=["name"], params={"effective_status": ["ACTIVE"]})
        return next(ad["name"] for ad in ads if ad["id"] == world.renamed_ad.ad_id)

    sandbox.as_of = date(2026, 9, 1)
    assert renamed_ad_name() == world.renamed_ad.old_name
    assert day_spend() == 0  # the future has no data
    sandbox.as_of = date(2026, 10, 16)
    original = day_spend()
    sandbox.as_of = date(2026, 10, 17)
    assert day_spend() > original > 0
    assert renamed_ad_name() == world.renamed_ad.new_name


def test_an_expired_token_gets_the_graph_apis_oauth_error(sandbox):
    with pytest.raises(FacebookRequestError) as caught:
        AdAccount(ACME, api=api_for(sandbox, token=EXPIRED_ACCESS_TOKEN)).api_get(fields=["name"])
    error = caught.value
    assert (error.http_status(), error.api_error_code(), error.api_error_type()) == (400, 190, "OAuthException")
    assert isinstance(classify_graph_error(error), GiveUp)
    assert sandbox.count(token="expired") == 1


def test_a_token_reaches_only_its_own_accounts(sandbox):
    with pytest.raises(FacebookRequestError) as caught:
        AdAccount(f"act_{CITRUS_ACCOUNT_ID}", api=api_for(sandbox, ACME_ACCOUNT_ID)).api_get(fields=["name"])
    assert caught.value.api_error_code() == 100


def test_queued_faults_answer_once_each_in_the_graph_apis_shape(sandbox):
    sandbox.queue_fault(Fault("rate_limit", "account"), Fault("server_error", "account"))
    account = AdAccount(ACME, api=api_for(sandbox))
    errors = []
    for _ in range(2):
        with pytest.raises(FacebookRequestError) as caught:
            account.api_get(fields=["name"])
        errors.append(caught.value)
    account.api_get(fields=["name"])

    rate_limit, server_error = errors
    assert (rate_limit.http_status(), rate_limit.api_error_code()) == (400, 80004)
    assert "estimated_time_to_regain_access" in rate_limit.http_headers()["X-Business-Use-Case-Usage"]
    assert classify_graph_error(rate_limit) == Retry("rate limited (code 80004)", after=60.0)
    assert (server_error.http_status(), server_error.api_transient_error()) == (500, True)
    assert isinstance(classify_graph_error(server_error), Retry)
    assert sandbox.pending_faults == ()
    assert [r.status for r in sandbox.requests] == [400, 500, 200]


def test_a_fault_must_name_a_known_kind_and_route():
    with pytest.raises(ValueError, match="kind"):
        Fault("timeout", "insights")
    with pytest.raises(ValueError, match="route"):
        Fault("rate_limit", "campaign")


def test_unsupported_requests_are_refused_not_answered_wrongly(sandbox):
    account = AdAccount(ACME, api=api_for(sandbox))
    params = insights_params(date(2026, 10, 1), date(2026, 10, 1), ())
    with pytest.raises(FacebookRequestError) as caught:
        list(account.get_insights(fields=["spend"], params={**params, "level": "campaign"}))
    assert caught.value.api_error_code() == 100
    with pytest.raises(FacebookRequestError), pytest.warns(UserWarning, match="no_such_field"):
        list(account.get_insights(fields=["no_such_field"], params=params))


def test_start_is_idempotent_and_stop_frees_the_port(world):
    server = MetaSandboxServer(world)
    url = server.start()
    assert server.start() == url
    port = int(url.rsplit(":", 1)[1])
    server.stop()
    server.stop()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))
