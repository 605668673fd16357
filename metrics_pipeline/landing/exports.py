"""The exports root (`METRICS_EXPORTS_URI`): an `s3://bucket/prefix` or a local folder.

Both look the same to loaders: list objects under a relative prefix, read one.
Keys are always relative to the root and use `/`, e.g.
`media_partner/acme-outdoor/2026-09-01.csv`.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Generic, Protocol, TypeVar
from urllib.parse import urlparse

from metrics_pipeline.operations.failures import PERMANENT, TRANSIENT, FailureCause


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

    def write_bytes(self, key: str, data: bytes) -> None:
        """Create or replace one object whole (the retention archive writes here)."""
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

    def write_bytes(self, key: str, data: bytes) -> None:
        # written beside, then renamed: a reader never sees half a file, a failed write no file
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        partial.replace(path)


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
        stream = self.open(key)
        try:
            return stream.read()
        finally:
            stream.close()

    def open(self, key: str) -> BinaryIO:
        body = self.client.get_object(Bucket=self.bucket, Key=self._full_key(key))["Body"]
        return _NamedS3Body(body, f"s3://{self.bucket}/{self._full_key(key)}")  # type: ignore[return-value]

    def write_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._full_key(key), Body=data)


class ExportReadError(ConnectionError):
    """The storage broke off while an object was read (a download shorter than its
    Content-Length, a connection reset). Like any storage failure it rolls the day back and is
    transient, so the retry sensor runs the day again; the message names the file."""


class _NamedS3Body:
    """botocore's StreamingBody, whose errors name the object. botocore already refuses a body
    shorter than its Content-Length (IncompleteReadError / ResponseStreamingError on the read
    that reaches the end), so a cut-off download never looks like a short file."""

    def __init__(self, body: Any, uri: str):
        self._body = body
        self._uri = uri

    def read(self, size: int | None = -1) -> bytes:
        from botocore.exceptions import BotoCoreError

        try:
            return self._body.read() if size is None or size < 0 else self._body.read(size)
        except BotoCoreError as exc:
            raise ExportReadError(f"{self._uri}: the download broke off ({type(exc).__name__}: {exc})") from exc

    def close(self) -> None:
        self._body.close()


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

# A date in a key however it is written (2026-9-1 as well as 2026-09-01), to tell which day a
# key outside the layout was probably meant for.
_LOOSE_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")


@dataclass(frozen=True)
class IgnoredObject:
    """An object under a source's prefix whose key is outside the source's layout."""

    obj: ExportObject
    day: date | None  # the day its key seems to mean, if a date can be read from it at all
    reason: str


@dataclass(frozen=True)
class FileListing(Generic[KeyInfo]):
    """One listing of a source's prefix: the objects in its layout by day (each day's in key
    order), and the ones outside it, which are logged as ignored, never silently dropped."""

    by_day: dict[date, list[tuple[ExportObject, KeyInfo]]]
    ignored: list[IgnoredObject] = field(default_factory=list)

    def files_of(self, day: date) -> list[tuple[ExportObject, KeyInfo]]:
        return list(self.by_day.get(day, []))

    def ignored_of(self, day: date) -> list[IgnoredObject]:
        return [i for i in self.ignored if i.day == day]

    @property
    def ignored_without_day(self) -> list[IgnoredObject]:
        return [i for i in self.ignored if i.day is None]


def loose_day_of_key(key: str) -> date | None:
    """The first real date written YYYY-M-D (padded or not) in a key, or None."""
    for match in _LOOSE_DATE.finditer(key):
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return None


def why_outside_layout(key: str, layout: str) -> str:
    """What an operator needs to rename a key the source does not recognise."""
    day = loose_day_of_key(key)
    if day is not None and day.isoformat() not in key:
        return f"not {layout}: its date must be written YYYY-MM-DD, zero-padded ({day.isoformat()})"
    return f"not {layout}"


def list_by_day(
    objects: Iterable[ExportObject],
    parse_key: Callable[[str], KeyInfo | None],
    day_of: Callable[[KeyInfo], date],
    layout: str,
) -> FileListing[KeyInfo]:
    """A source's objects grouped by the day their key names; keys `parse_key` does not
    recognise become `IgnoredObject`s with the reason and the day they seem to mean."""
    grouped: dict[date, list[tuple[ExportObject, KeyInfo]]] = defaultdict(list)
    ignored: list[IgnoredObject] = []
    for obj in objects:
        info = parse_key(obj.key)
        if info is None:
            ignored.append(IgnoredObject(obj, loose_day_of_key(obj.key), why_outside_layout(obj.key, layout)))
        else:
            grouped[day_of(info)].append((obj, info))
    by_day = {day: sorted(files, key=lambda pair: pair[0].key) for day, files in grouped.items()}
    return FileListing(by_day, sorted(ignored, key=lambda i: i.obj.key))


class LandingFileError(ValueError):
    """The whole file cannot be landed as it is (wrong header, undecodable bytes, unknown
    client); its message names the file. Retrying cannot help until the file is replaced."""

    failure_cause = FailureCause(PERMANENT, "unreadable file")

    def __init__(self, file: str, problem: str):
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


class FileChangedError(LandingFileError):
    """Fewer or more bytes came than the listing said the object holds: a download cut short,
    or a file replaced or still being written while it was read. Reading it again later may
    well succeed, so it is transient."""

    failure_cause = FailureCause(TRANSIENT, "file cut short or changed while read")


class _SizeCheckedStream:
    """An object's stream that counts what it gives and, at its end, compares the count with
    the size the listing gave: a short read fails the file instead of landing part of it.
    Errors of the storage itself (a dropped connection) pass through untouched: they roll the
    whole day back, as storage that went away affects every file."""

    def __init__(self, raw: BinaryIO, obj: ExportObject):
        self._raw = raw
        self._obj = obj
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        whole = size is None or size < 0
        data = self._raw.read() if whole else self._raw.read(size)
        self.bytes_read += len(data)
        if whole or (not data and size) or self.bytes_read > self._obj.size:
            check_size(self._obj, self.bytes_read)
        return data

    def close(self) -> None:
        self._raw.close()


def check_size(obj: ExportObject, bytes_read: int) -> None:
    """A read that ended at another size than the listing's fails its file (`FileChangedError`)."""
    if bytes_read != obj.size:
        raise FileChangedError(
            obj.uri,
            f"read {bytes_read} bytes where the exports root listed {obj.size}: cut short or changed while it was "
            "read; nothing of it was landed",
        )


def open_checked(store: ExportsStore, obj: ExportObject) -> BinaryIO:
    """`store.open(obj.key)` whose end is checked against the listed size."""
    return _SizeCheckedStream(store.open(obj.key), obj)  # type: ignore[return-value]


def read_checked(store: ExportsStore, obj: ExportObject) -> bytes:
    """`store.read_bytes(obj.key)`, checked against the listed size like `open_checked`."""
    data = store.read_bytes(obj.key)
    check_size(obj, len(data))
    return data
