"""The S3 sandbox: a loopback moto server that real boto3 clients reach through
nothing but the environment it hands out."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from metrics_pipeline.sandbox.s3 import SANDBOX_BUCKET, SANDBOX_PREFIX, SandboxS3
from metrics_pipeline.sandbox.world import SandboxWorld, build_world

pytestmark = pytest.mark.integration

# Anything botocore might read instead of (or on top of) the sandbox's values.
AMBIENT_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_REGION",
    "AWS_ENDPOINT_URL_S3",
    "AWS_CA_BUNDLE",
)


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> SandboxWorld:
    return build_world(tmp_path_factory.mktemp("world"), days=7)


@pytest.fixture()
def env_only_client(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Build a boto3 S3 client from the given variables alone: no ~/.aws, no ambient AWS_*."""

    def make(environment: dict[str, str]):
        for name in AMBIENT_AWS_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return boto3.session.Session().client("s3")

    return make


def world_files(world: SandboxWorld) -> dict[str, bytes]:
    return {
        path.relative_to(world.exports_dir).as_posix(): path.read_bytes()
        for path in sorted(world.exports_dir.rglob("*"))
        if path.is_file()
    }


def test_a_fresh_client_reads_back_the_uploaded_world(small_world: SandboxWorld, env_only_client) -> None:
    expected = world_files(small_world)
    with SandboxS3() as sandbox:
        assert sandbox.endpoint_url.startswith("http://127.0.0.1:")
        partner_files = [key for key in expected if key.startswith("media_partner/")]
        # The partner's 3 clients × 7 days, next to the commerce world's pixel files.
        # remove_others: another test of this process may have served its own world here
        assert sandbox.upload_tree(small_world.exports_dir, remove_others=True) == len(expected)
        assert len(partner_files) == 3 * 7
        assert sandbox.exports_uri() == f"s3://{SANDBOX_BUCKET}/{SANDBOX_PREFIX}" == "s3://metrics-sandbox/exports"

        environment = sandbox.environment()
        assert environment["AWS_ENDPOINT_URL"] == sandbox.endpoint_url
        s3 = env_only_client(environment)

        listed = [
            entry["Key"]
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=SANDBOX_BUCKET, Prefix=f"{SANDBOX_PREFIX}/")
            for entry in page.get("Contents", [])
        ]
        assert sorted(listed) == sorted(f"{SANDBOX_PREFIX}/{key}" for key in expected)

        # Byte for byte, including the awkward files (BOM, CRLF, broken header and row).
        for key, content in expected.items():
            body = s3.get_object(Bucket=SANDBOX_BUCKET, Key=f"{SANDBOX_PREFIX}/{key}")["Body"].read()
            assert body == content, key
        assert any(content.startswith(b"\xef\xbb\xbf") for content in expected.values())
        assert small_world.malformed_row.relative_key in expected
        assert small_world.wrong_header_file.relative_key in expected


def test_start_is_idempotent_and_uploads_can_repeat(small_world: SandboxWorld) -> None:
    sandbox = SandboxS3()
    try:
        endpoint = sandbox.start()
        assert sandbox.start() == endpoint == sandbox.endpoint_url
        first = sandbox.upload_tree(small_world.exports_dir, bucket="repeat-bucket", prefix="a/b")
        second = sandbox.upload_tree(small_world.exports_dir, bucket="repeat-bucket", prefix="a/b")
        assert first == second == len(world_files(small_world))
        response = sandbox.client().list_objects_v2(Bucket="repeat-bucket", Prefix="a/b/media_partner/")
        assert response["KeyCount"] == 21
    finally:
        sandbox.stop()


def test_an_upload_replaces_an_earlier_world_under_the_same_prefix(small_world: SandboxWorld, tmp_path) -> None:
    # moto's buckets are shared by the whole process: another demo or test that uploaded a
    # bigger world to the same prefix must not leak into the world served now.
    smaller = tmp_path / "smaller"
    (smaller / "media_partner").mkdir(parents=True)
    (smaller / "media_partner" / "only.csv").write_bytes(b"a,b\n1,2\n")
    with SandboxS3() as sandbox:
        sandbox.upload_tree(small_world.exports_dir, bucket="replace-bucket", prefix="world")
        # without remove_others an upload overlays: the first world's files stay
        sandbox.upload_tree(smaller, bucket="replace-bucket", prefix="world")
        overlaid = sandbox.client().list_objects_v2(Bucket="replace-bucket", Prefix="world/")["KeyCount"]
        assert overlaid == len(world_files(small_world)) + 1
        assert sandbox.upload_tree(smaller, bucket="replace-bucket", prefix="world", remove_others=True) == 1
        sandbox.client().put_object(Bucket="replace-bucket", Key="world-other/kept.csv", Body=b"x")
        sandbox.upload_tree(smaller, bucket="replace-bucket", prefix="world", remove_others=True)
        pages = sandbox.client().get_paginator("list_objects_v2").paginate(Bucket="replace-bucket")
        listed = sorted(entry["Key"] for page in pages for entry in page.get("Contents", []))
    # A sibling prefix that merely starts with the same letters is not touched.
    assert listed == ["world-other/kept.csv", "world/media_partner/only.csv"]


def test_stop_releases_the_endpoint() -> None:
    sandbox = SandboxS3()
    sandbox.start()
    s3 = sandbox.client()
    s3.list_buckets()
    sandbox.stop()

    with pytest.raises(RuntimeError):
        _ = sandbox.endpoint_url
    with pytest.raises(EndpointConnectionError):
        s3.list_buckets()


def test_a_busy_port_fails_fast_instead_of_hanging() -> None:
    with SandboxS3() as running:
        port = int(running.endpoint_url.rsplit(":", 1)[1])
        with pytest.raises(OSError, match=str(port)):
            SandboxS3(port=port).start()
