"""The sandbox: a deterministic synthetic world and loopback stand-ins that serve it.

``build_world`` writes every partner's export files and the client config;
``SandboxS3`` serves an exports tree over an S3-compatible server on 127.0.0.1,
so the real S3 connectors run against it with no credentials.

Names are re-exported lazily: importing the package loads neither boto3 nor moto,
and ``python -m metrics_pipeline.sandbox.world`` runs without runpy warning that
the module was already imported by its package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from metrics_pipeline.sandbox.media_partner_world import (
        DEFAULT_DAYS,
        DEFAULT_SEED,
        DEFAULT_START,
        EXPORT_COLUMNS,
        CpmChange,
        MalformedRow,
        WrongHeaderFile,
    )
    from metrics_pipeline.sandbox.s3 import SANDBOX_BUCKET, SANDBOX_PREFIX, SandboxS3
    from metrics_pipeline.sandbox.world import SandboxWorld, build_world

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_SEED",
    "DEFAULT_START",
    "EXPORT_COLUMNS",
    "SANDBOX_BUCKET",
    "SANDBOX_PREFIX",
    "CpmChange",
    "MalformedRow",
    "SandboxS3",
    "SandboxWorld",
    "WrongHeaderFile",
    "build_world",
]

_MODULE_OF = {
    "SANDBOX_BUCKET": "s3",
    "SANDBOX_PREFIX": "s3",
    "SandboxS3": "s3",
    "DEFAULT_DAYS": "media_partner_world",
    "DEFAULT_SEED": "media_partner_world",
    "DEFAULT_START": "media_partner_world",
    "EXPORT_COLUMNS": "media_partner_world",
    "CpmChange": "media_partner_world",
    "MalformedRow": "media_partner_world",
    "SandboxWorld": "world",
    "WrongHeaderFile": "media_partner_world",
    "build_world": "world",
}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
