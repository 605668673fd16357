"""Apply `staging_sql/NNNN_name.sql` in order, once each, recorded in `ops.schema_migrations`.

Each file runs in its own transaction together with its bookkeeping row, under an
advisory lock so two processes starting at once do not race. A file that changed
after it was applied is an error: migrations are append-only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from metrics_pipeline.warehouse import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "staging_sql"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Any constant works; it only has to be the same for every process of this project.
_ADVISORY_LOCK_KEY = 7_301_202_611


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_lower_snake.sql")
        migrations.append(Migration(version=match.group(1), path=path))
    versions = [m.version for m in migrations]
    duplicates = sorted({v for v in versions if versions.count(v) > 1})
    if duplicates:
        raise MigrationError(f"{directory}: more than one migration numbered {', '.join(duplicates)}")
    return migrations


def apply_migrations(conn: psycopg.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations; return the file names applied now (empty when up to date)."""
    migrations = discover(directory)
    applied_now: list[str] = []
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (_ADVISORY_LOCK_KEY,))
        conn.execute("create schema if not exists ops")
        conn.execute(
            """
            create table if not exists ops.schema_migrations (
                version    text primary key,
                filename   text not null,
                checksum   text not null,
                applied_at timestamptz not null default now()
            )
            """
        )
        recorded = {
            version: (filename, checksum)
            for version, filename, checksum in conn.execute(
                "select version, filename, checksum from ops.schema_migrations"
            )
        }
        for migration in migrations:
            if migration.version in recorded:
                filename, checksum = recorded[migration.version]
                if checksum != migration.checksum:
                    raise MigrationError(
                        f"{migration.path.name} changed after it was applied (as {filename}); "
                        "add a new migration instead of editing an applied one"
                    )
                continue
            with conn.transaction():
                conn.execute(migration.sql)
                conn.execute(
                    "insert into ops.schema_migrations (version, filename, checksum) values (%s, %s, %s)",
                    (migration.version, migration.path.name, migration.checksum),
                )
            applied_now.append(migration.path.name)
    return applied_now
