"""The exports root (`METRICS_EXPORTS_URI`): an `s3://bucket/prefix` or a local folder.

Both look the same to loaders: list objects under a relative prefix, read one.
Keys are always relative to the root and use `/`, e.g.
`media_partner/acme-outdoor/2026-09-01.csv`.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TypeVar
from urllib.parse import urlparse

from metrics_pipeline.operations.failures import PERMANENT, FailureCause


class ExportsError(RuntimeError):
    pass


@dataclass(frozen=True)
class ExportObject:
    key: str  # relative to the exports root
    uri: str  # full location, what messages and landed rows name
    size: int
    modified: datetime  # UTC
    etag: str


class ExportsStore(Protocol):
    uri: str

    def list(self, prefix: str) -> Iterator[ExportObject]: ...

    def read_bytes(self, key: str) -> bytes: ...

    def open(self, key: str) -> BinaryIO:
        """The object as a stream, for loaders that read it block by block."""
        ...


class LocalExportsStore:
    def __init__(self, root: Path):
        self.root = root.resolve()
        self.uri = str(self.root)

    def list(self, prefix: str) -> Iterator[ExportObject]:
        base = self.root / prefix
        if not base.exists():
            return
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            stat = path.stat()
            key = path.relative_to(self.root).as_posix()
            yield ExportObject(
                key=key,
                uri=str(path),
                size=stat.st_size,
                modified=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
                etag=f"{stat.st_size}-{stat.st_mtime_ns}",
            )

    def read_bytes(self, key: str) -> bytes:
        return (self.root / key).read_bytes()

    def open(self, key: str) -> BinaryIO:
        return (self.root / key).open("rb")


class S3ExportsStore:
    def __init__(self, bucket: str, prefix: str, client: Any):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"

    def _full_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def list(self, prefix: str) -> Iterator[ExportObject]:
        paginator = self.client.get_paginator("list_objects_v2")
        strip = len(self.prefix) + 1 if self.prefix else 0
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._full_key(prefix)):
            for item in page.get("Contents", []):
                full_key = item["Key"]
                if full_key.endswith("/"):
                    continue
                yield ExportObject(
                    key=full_key[strip:],
                    uri=f"s3://{self.bucket}/{full_key}",
                    size=int(item["Size"]),
                    modified=item["LastModified"].astimezone(UTC),
                    etag=str(item.get("ETag", "")).strip('"'),
                )

    def read_bytes(self, key: str) -> bytes:
        response = self.client.get_object(Bucket=self.bucket, Key=self._full_key(key))
        return response["Body"].read()

    def open(self, key: str) -> BinaryIO:
        # botocore's StreamingBody reads the HTTP response as asked and raises when the
        # connection ends before Content-Length: a cut-off download is an error, not a short file.
        return self.client.get_object(Bucket=self.bucket, Key=self._full_key(key))["Body"]


def open_exports_store(uri: str | None = None, s3_client: Any = None) -> ExportsStore:
    """A store for `uri` (default `METRICS_EXPORTS_URI`); `s3_client` defaults to boto3's.

    boto3 honours `AWS_ENDPOINT_URL`, which is how the sandbox's S3 server is reached.
    """
    uri = (uri or os.environ.get("METRICS_EXPORTS_URI", "")).strip()
    if not uri:
        raise ExportsError("METRICS_EXPORTS_URI is not set: give an s3://bucket/prefix or a folder")
    parsed = urlparse(uri)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise ExportsError(f"{uri}: an S3 exports root needs a bucket, as in s3://bucket/prefix")
        if s3_client is None:
            import boto3

            s3_client = boto3.client("s3")
        return S3ExportsStore(parsed.netloc, parsed.path, s3_client)
    if parsed.scheme in ("", "file"):
        root = Path(parsed.path if parsed.scheme == "file" else uri)
        if not root.is_dir():
            raise ExportsError(f"{uri}: the exports folder does not exist")
        return LocalExportsStore(root)
    raise ExportsError(f"{uri}: unsupported exports root; use s3://bucket/prefix or a local folder")


KeyInfo = TypeVar("KeyInfo")


def objects_by_day(
    objects: Iterable[ExportObject],
    parse_key: Callable[[str], KeyInfo | None],
    day_of: Callable[[KeyInfo], date],
) -> dict[date, list[tuple[ExportObject, KeyInfo]]]:
    """A source's objects grouped by the day their key names, each day's in key order;
    keys `parse_key` does not recognise (outside the source's layout) are skipped."""
    grouped: dict[date, list[tuple[ExportObject, KeyInfo]]] = defaultdict(list)
    for obj in objects:
        info = parse_key(obj.key)
        if info is not None:
            grouped[day_of(info)].append((obj, info))
    return {day: sorted(files, key=lambda pair: pair[0].key) for day, files in grouped.items()}


class LandingFileError(ValueError):
    """The whole file cannot be landed as it is (wrong header, undecodable bytes, unknown
    client); its message names the file. Retrying cannot help until the file is replaced."""

    failure_cause = FailureCause(PERMANENT, "unreadable file")

    def __init__(self, file: str, problem: str):
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")
