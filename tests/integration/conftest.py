from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from metrics_pipeline.sandbox import SandboxS3, SandboxWorld, build_world


@dataclass(frozen=True)
class ServedWorld:
    world: SandboxWorld
    s3: SandboxS3
    exports_uri: str


@pytest.fixture(scope="module")
def served_world(tmp_path_factory) -> Iterator[ServedWorld]:
    """The default sandbox world behind the local S3 server, with the AWS env pointing at it.

    moto keeps buckets per process, so every module uploads under a prefix of its own.
    """
    world = build_world(tmp_path_factory.mktemp("world"))
    prefix = f"exports-{secrets.token_hex(4)}"
    saved = dict(os.environ)
    with SandboxS3() as s3:
        s3.upload_tree(world.exports_dir, prefix=prefix, remove_others=True)
        os.environ.update(s3.environment())
        os.environ["METRICS_CONFIG"] = str(world.config_path)
        os.environ["METRICS_EXPORTS_URI"] = s3.exports_uri(prefix=prefix)
        try:
            yield ServedWorld(world, s3, s3.exports_uri(prefix=prefix))
        finally:
            os.environ.clear()
            os.environ.update(saved)


def all_days(world: SandboxWorld):
    from datetime import timedelta

    day = world.start
    while day <= world.end:
        yield day
        day += timedelta(days=1)


def data_rows(path: Path) -> int:
    """Non-blank data rows of a CSV file, counted with the csv module (an independent oracle)."""
    import csv
    import io

    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return sum(1 for row in rows[1:] if any(cell.strip() for cell in row))


@pytest.fixture
def restore_environ() -> Iterator[None]:
    """For code that sets os.environ itself (the CLI does): put everything back afterwards."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_pipeline(start, end):
    """The nightly job over [start, end] as one run, in process, on an ephemeral instance."""
    import dagster as dg

    from metrics_pipeline.definitions import defs

    return defs.resolve_job_def("media_partner_daily").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        tags={
            "dagster/asset_partition_range_start": start.isoformat(),
            "dagster/asset_partition_range_end": end.isoformat(),
        },
        raise_on_error=False,
    )
