"""The whole sandbox at once: the world on disk and every stand-in server serving it.

`demo`, `dev` and the end-to-end tests all start it the same way, so the environment the
real connectors see (endpoints, fake credentials, the trusted sandbox CA) is set in one place.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from metrics_pipeline.sandbox.commerce_world import CommerceWorld
from metrics_pipeline.sandbox.google_ads_server import GoogleAdsSandboxServer
from metrics_pipeline.sandbox.google_ads_world import GoogleAdsWorld
from metrics_pipeline.sandbox.meta_server import MetaSandboxServer
from metrics_pipeline.sandbox.meta_world import MetaWorld
from metrics_pipeline.sandbox.notification_servers import SlackWebhookServer, SmtpSandboxServer
from metrics_pipeline.sandbox.s3 import SANDBOX_PREFIX, SandboxS3
from metrics_pipeline.sandbox.shopify_server import ShopifySandboxServer
from metrics_pipeline.sandbox.tiktok_server import TikTokSandboxServer
from metrics_pipeline.sandbox.world import SandboxWorld, build_platform_worlds, build_world

# The sandbox compresses time: a rate limit that asks for a minute is retried in a blink.
SANDBOX_RETRY_BASE_DELAY = "0.05"
# A fixed, public key: sandbox data is synthetic. Real deployments set their own secret.
SANDBOX_PII_KEY = "sandbox-pii-key-not-a-secret"


@dataclass(frozen=True)
class SandboxSession:
    world: SandboxWorld
    google_ads_world: GoogleAdsWorld
    meta_world: MetaWorld
    commerce_world: CommerceWorld
    s3: SandboxS3
    google_ads: GoogleAdsSandboxServer
    meta: MetaSandboxServer
    shopify: ShopifySandboxServer
    exports_uri: str
    slack: SlackWebhookServer
    smtp: SmtpSandboxServer
    tiktok: TikTokSandboxServer | None = None

    def set_platform_clock(self, as_of: date) -> None:
        """What Meta, TikTok and Shopify answer depends on their clock: restatements, new orders, refunds."""
        self.meta.as_of = as_of
        self.shopify.as_of = as_of
        if self.tiktok is not None:
            self.tiktok.as_of = as_of

    def environment(self) -> dict[str, str]:
        return {
            **self.s3.environment(),
            **self.google_ads.environment(),
            **self.meta.environment(),
            **self.shopify.environment(),
            **(self.tiktok.environment() if self.tiktok is not None else {}),
            **self.slack.environment(),
            **self.smtp.environment(),
            "METRICS_PII_KEY": os.environ.get("METRICS_PII_KEY") or SANDBOX_PII_KEY,
            "METRICS_CONFIG": str(self.world.config_path),
            "METRICS_EXPORTS_URI": self.exports_uri,
            "METRICS_RETRY_BASE_DELAY": SANDBOX_RETRY_BASE_DELAY,
        }

    def use_credential_store(self, url: str) -> list[str]:
        """Move every connection's sandbox credentials from the environment into the encrypted
        store of `url`, so the connectors take the path real deployments should: the store.

        The key is the operator's METRICS_CREDENTIALS_KEYS when set, else one made for this
        session (kept only in this process's environment). Returns the credential variables
        removed from os.environ.
        """
        from metrics_pipeline.config import load_config
        from metrics_pipeline.security.credentials import (
            KEYS_VARIABLE,
            allowed_names,
            generate_key_entry,
            parse_key_ring,
            put_credential,
        )
        from metrics_pipeline.warehouse import connect

        os.environ.setdefault(KEYS_VARIABLE, generate_key_entry("sandbox"))
        ring = parse_key_ring(os.environ[KEYS_VARIABLE])
        moved = []
        with connect(url) as conn:
            for connection in load_config(self.world.config_path).connections:
                for name in allowed_names(connection.provider):
                    variable = f"{connection.credentials_env_prefix}_{name.upper()}"
                    value = os.environ.get(variable)
                    if value:
                        put_credential(conn, ring, connection.id, name, value)
                        moved.append(variable)
        for variable in moved:
            del os.environ[variable]
        return moved

    def describe(self) -> str:
        return (
            f"sandbox: {len(self.world.client_slugs)} clients; partner exports {self.world.start} .. "
            f"{self.world.end} at {self.exports_uri}; Google Ads gRPC at {self.google_ads.endpoint}; "
            f"Meta Graph API at {self.meta.base_url}; Shopify GraphQL at {self.shopify.base_url}"
            + (f"; TikTok Marketing API at {self.tiktok.base_url}" if self.tiktok is not None else "")
            + f"; alerts to a Slack webhook at {self.slack.base_url} and SMTP at 127.0.0.1:{self.smtp.port}"
        )


@contextmanager
def sandbox_session(
    root: Path, *, exports_prefix: str = SANDBOX_PREFIX, set_environ: bool = True
) -> Iterator[SandboxSession]:
    """Build the world under `root`, serve it, and (by default) point os.environ at it.

    The environment is restored on exit, so tests can nest this safely.
    """
    # The files on disk and the servers answer from the same platform worlds, built once.
    platforms = build_platform_worlds()
    world = build_world(root, platforms=platforms)
    saved = dict(os.environ)
    with (
        SandboxS3() as s3,
        GoogleAdsSandboxServer(platforms.google_ads) as google_ads,
        MetaSandboxServer(platforms.meta) as meta,
        ShopifySandboxServer(platforms.commerce, clock_scale=float(SANDBOX_RETRY_BASE_DELAY)) as shopify,
        TikTokSandboxServer(platforms.tiktok) as tiktok,
        SlackWebhookServer() as slack,
        SmtpSandboxServer() as smtp,
    ):
        _write_smtp_port(world.config_path, smtp.port)
        s3.upload_tree(world.exports_dir, prefix=exports_prefix, remove_others=True)
        session = SandboxSession(
            world=world,
            google_ads_world=google_ads.world,
            meta_world=meta.world,
            commerce_world=platforms.commerce,
            s3=s3,
            google_ads=google_ads,
            meta=meta,
            shopify=shopify,
            exports_uri=s3.exports_uri(prefix=exports_prefix),
            slack=slack,
            smtp=smtp,
            tiktok=tiktok,
        )
        # Meta and Shopify answer up to their clock; run them at today so intraday sees today.
        session.set_platform_clock(max(meta.as_of, date.today()))
        if set_environ:
            os.environ.update(session.environment())
        try:
            yield session
        finally:
            if set_environ:
                os.environ.clear()
                os.environ.update(saved)


def _write_smtp_port(config_path: Path, port: int) -> None:
    """The world's config names the SMTP stand-in's port, known only once it listens."""
    import yaml

    from metrics_pipeline.sandbox.config_document import with_smtp_port

    text = config_path.read_text(encoding="utf-8")
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    document = with_smtp_port(yaml.safe_load(text), port)
    body = yaml.safe_dump(document, sort_keys=False, default_flow_style=False, allow_unicode=True)
    config_path.write_text(header + body, encoding="utf-8")
