"""A `GoogleAdsClient` for one configured connection, exactly as it runs against Google.

Only two settings differ in the sandbox, both read from the environment:
`METRICS_GOOGLE_ADS_ENDPOINT` (None: the SDK's default, googleads.googleapis.com) and
`METRICS_GOOGLE_OAUTH_TOKEN_URI` (Google's token endpoint unless set).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import google.auth.transport.requests
from google.ads.googleads.client import GoogleAdsClient
from google.oauth2.credentials import Credentials

from metrics_pipeline.config import Connection

# One API version for the queries, the error metadata key and the sandbox that serves them.
API_VERSION = "v26"
ENDPOINT_VARIABLE = "METRICS_GOOGLE_ADS_ENDPOINT"
TOKEN_URI_VARIABLE = "METRICS_GOOGLE_OAUTH_TOKEN_URI"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


def login_customer_id(connection: Connection, secrets: Mapping[str, str]) -> str | None:
    """The manager the calls go through: the connection's MCC, else <PREFIX>_LOGIN_CUSTOMER_ID if set."""
    return connection.manager_customer_id or secrets.get("login_customer_id")


def oauth_credentials(secrets: Mapping[str, str], environ: Mapping[str, str]) -> Credentials:
    # token=None: the first use refreshes, so nothing but the refresh token is ever stored.
    return Credentials(
        token=None,
        refresh_token=secrets["refresh_token"],
        client_id=secrets["client_id"],
        client_secret=secrets["client_secret"],
        token_uri=environ.get(TOKEN_URI_VARIABLE) or GOOGLE_TOKEN_URI,
    )


def build_client(
    connection: Connection, secrets: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> GoogleAdsClient:
    """`secrets` is `connection.credentials()`: the values never go anywhere but the SDK."""
    environ = os.environ if environ is None else environ
    return GoogleAdsClient(
        credentials=oauth_credentials(secrets, environ),
        developer_token=secrets["developer_token"],
        endpoint=environ.get(ENDPOINT_VARIABLE) or None,
        login_customer_id=login_customer_id(connection, secrets),
        version=API_VERSION,
        use_proto_plus=True,
    )


def refresh_access_token(client: GoogleAdsClient) -> None:
    """Exchange the refresh token now, outside gRPC.

    Left to gRPC's auth plugin, a revoked refresh token surfaces as an UNAVAILABLE call
    error, which looks transient and would be retried; refreshed here it raises
    google.auth's RefreshError, which we can tell apart and give up on at once.
    """
    client.credentials.refresh(google.auth.transport.requests.Request())
