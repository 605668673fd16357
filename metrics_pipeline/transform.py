"""The dbt project as Dagster sees it, and keeping its manifest current."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from metrics_pipeline.warehouse import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# The build window (macros/build_window.sql) as environment variables rather than `--vars`: dbt
# re-parses the whole project whenever the vars change, and the macros read these only while
# executing, so every windowed build reuses the last parse.
WINDOW_ENV_START, WINDOW_ENV_END = "METRICS_DBT_WINDOW_START", "METRICS_DBT_WINDOW_END"
_SOURCES = ("models", "macros", "tests", "seeds", "snapshots", "dbt_project.yml", "profiles.yml")


def dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def manifest_is_stale(project_dir: Path = DBT_PROJECT_DIR) -> bool:
    manifest = project_dir / "target" / "manifest.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    for name in _SOURCES:
        path = project_dir / name
        files = [path] if path.is_file() else (path.rglob("*") if path.exists() else [])
        if any(f.is_file() and f.stat().st_mtime > built for f in files):
            return True
    return False


def ensure_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """Run `dbt parse` when the manifest is missing or older than the project's files.

    Parsing needs no database connection, so loading the Dagster definitions never
    starts or reaches Postgres.
    """
    if manifest_is_stale(project_dir):
        subprocess.run(
            [dbt_executable(), "parse", "--quiet", "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)],
            check=True,
            cwd=project_dir,
            env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        )
    return project_dir / "target" / "manifest.json"


def window_environment(window: tuple[str, str] | None) -> dict[str, str]:
    """The environment that gives a dbt build its window (first and last day, ISO dates); a
    whole build sets both empty, so a window left in the environment by an earlier run in the
    same process is not picked up."""
    first, last = window or ("", "")
    return {WINDOW_ENV_START: first, WINDOW_ENV_END: last}
