"""Serve the sandbox world over an S3-compatible server on loopback.

The server is moto in server mode (``ThreadedMotoServer``), running in a daemon
thread of this process. The real S3 connectors talk to it unchanged but for
the endpoint: ``environment()`` gives the variables botocore reads
(``AWS_ENDPOINT_URL`` plus fake credentials, which the server accepts), and
``client()`` builds a client with the same settings passed explicitly, so no
request can ever reach real AWS whatever the surrounding environment says.

moto keeps its S3 state in module-level backends: every ``SandboxS3`` in one
process sees the same buckets, and the objects outlive ``stop()``.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

from metrics_pipeline.sandbox.http import ServesWhileOpen

SANDBOX_BUCKET = "metrics-sandbox"
SANDBOX_PREFIX = "exports"
SANDBOX_REGION = "us-east-1"  # the one region where CreateBucket takes no LocationConstraint
SANDBOX_ACCESS_KEY_ID = "sandbox"
# Long and unlike any word: the redaction removes every occurrence of a secret it knows of, and
# "sandbox" as the secret turned s3://metrics-sandbox/ into s3://metrics-[redacted]/ in messages.
SANDBOX_SECRET_ACCESS_KEY = "sandbox-secret-9f3c2a7e-not-a-real-key"


class SandboxS3(ServesWhileOpen):
    """moto's ThreadedMotoServer on 127.0.0.1, on a free port, in this process."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._requested_port = port
        self._server: ThreadedMotoServer | None = None
        self._endpoint_url: str | None = None

    def start(self) -> str:
        """Start serving (once) and return the endpoint URL."""
        if self._server is not None:
            return self.endpoint_url
        if self._requested_port:
            # ThreadedMotoServer binds inside its thread and waits for a ready
            # event that is never set if the bind fails: fail here instead of hanging.
            _ensure_port_is_free(self._host, self._requested_port)
        _quiet_request_log()
        server = ThreadedMotoServer(ip_address=self._host, port=self._requested_port, verbose=False)
        server.start()
        # With port 0 the OS picks the port; moto reports the bound address.
        host, port = server.get_host_and_port()
        self._server = server
        self._endpoint_url = f"http://{host}:{port}"
        return self._endpoint_url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stop()
        _close_listening_socket(self._server)
        self._server = None
        self._endpoint_url = None

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise RuntimeError("SandboxS3 is not running; call start() first")
        return self._endpoint_url

    def environment(self) -> dict[str, str]:
        """Variables that point any boto3/botocore client (or subprocess) at the sandbox."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": SANDBOX_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SANDBOX_SECRET_ACCESS_KEY,
            "AWS_DEFAULT_REGION": SANDBOX_REGION,
        }

    def client(self):
        """A boto3 S3 client for the sandbox, independent of os.environ and ~/.aws."""
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=SANDBOX_ACCESS_KEY_ID,
            aws_secret_access_key=SANDBOX_SECRET_ACCESS_KEY,
            region_name=SANDBOX_REGION,
            # An IP-address host cannot carry a bucket subdomain.
            config=Config(s3={"addressing_style": "path"}),
        )

    def upload_tree(
        self,
        local_dir: Path,
        bucket: str = SANDBOX_BUCKET,
        prefix: str = SANDBOX_PREFIX,
        *,
        remove_others: bool = False,
    ) -> int:
        """Upload every file under `local_dir` to `s3://bucket/prefix/<relative path>`, in sorted
        order, creating the bucket if needed. Returns the number of files.

        With `remove_others`, objects already under the prefix that are not in `local_dir` are
        deleted, so the prefix holds exactly this tree: moto's state is shared by the whole
        process, and an earlier world uploaded to the same prefix (another demo or test in this
        process) would otherwise be served as part of this one. Without it, the upload overlays
        (a test replacing one file of a served world).
        """
        local_dir = Path(local_dir)
        if not local_dir.is_dir():
            raise NotADirectoryError(local_dir)
        s3 = self.client()
        _ensure_bucket(s3, bucket)
        paths = sorted(path for path in local_dir.rglob("*") if path.is_file())
        keys = {_object_key(prefix, path.relative_to(local_dir)): path for path in paths}
        stale = [key for key in _keys_under(s3, bucket, prefix) if key not in keys] if remove_others else []
        for start in range(0, len(stale), 1000):  # DeleteObjects takes at most 1000 keys
            batch = [{"Key": key} for key in stale[start : start + 1000]]
            s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        for key, path in keys.items():
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
        return len(paths)

    def exports_uri(self, bucket: str = SANDBOX_BUCKET, prefix: str = SANDBOX_PREFIX) -> str:
        return f"s3://{bucket}/{prefix.strip('/')}".rstrip("/")


def _object_key(prefix: str, relative_path: Path) -> str:
    # as_posix: object keys use "/" whatever the local OS separator is.
    prefix = prefix.strip("/")
    return f"{prefix}/{relative_path.as_posix()}" if prefix else relative_path.as_posix()


def _keys_under(s3, bucket: str, prefix: str) -> list[str]:
    folder = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=folder)
    return [entry["Key"] for page in pages for entry in page.get("Contents", [])]


def _ensure_bucket(s3, bucket: str) -> None:
    existing = {entry["Name"] for entry in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)


def _ensure_port_is_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise OSError(f"cannot serve the S3 sandbox on {host}:{port}: {error}") from error


def _quiet_request_log() -> None:
    # werkzeug logs every request at INFO to stderr unless its logger was
    # configured; only quieten it when nobody has.
    werkzeug_logger = logging.getLogger("werkzeug")
    if werkzeug_logger.level == logging.NOTSET:
        werkzeug_logger.setLevel(logging.WARNING)


def _close_listening_socket(server: ThreadedMotoServer) -> None:
    # moto 5.2.5's stop() shuts the serve loop down but never closes the
    # listening socket, so the port would stay bound until garbage collection.
    wsgi_server = getattr(server, "_server", None)
    if wsgi_server is not None:
        wsgi_server.server_close()
