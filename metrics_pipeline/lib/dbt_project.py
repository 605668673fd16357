"""The dbt project as Dagster sees it: its manifest, the build window, the translator and the run tags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject
from pydantic import Field

from metrics_pipeline.lib.partitions import run_day_range
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
            [
                dbt_executable(),
                "parse",
                "--quiet",
                "--project-dir",
                str(project_dir),
                "--profiles-dir",
                str(project_dir),
            ],
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


@contextmanager
def environment_for_a_subprocess(values: Mapping[str, str]) -> Iterator[None]:
    """`values` in os.environ while a subprocess is started (dagster-dbt builds the dbt
    process's environment from os.environ, with no argument for it), then os.environ as it was.

    Left in place, a run's window and warehouse would reach every later dbt call of the same
    process: a test's own `dbt test` after an in-process run compared only the run's days.
    """
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# dbt and landing tables: at most one dbt build at a time (see dagster_home/dagster.yaml).
DBT_RUN_TAGS = {"metrics_pipeline/dbt": "build"}
# Two cores: more parallel steps in one run only thrash.
BOUNDED_EXECUTION = {"execution": {"config": {"multiprocess": {"max_concurrent": 2}}}}
# A run tagged with this rebuilds the days around today only (the intraday snapshot refresh).
INTRADAY_WINDOW_TAG = "metrics_pipeline/dbt_window"
INTRADAY_WINDOW = "today"


class DbtBuildConfig(dg.Config):
    full_refresh: bool = Field(
        default=False,
        description="Rebuild every mart over all history instead of the run's days (after a "
        "change to the config tables, a model, or landed data outside the restatement window).",
    )


def dbt_build_window(tags: Mapping[str, str], today: date, full_refresh: bool = False) -> tuple[str, str] | None:
    """The first and last day a run's dbt build replaces: its partition days.

    A day-keyed mart then replaces only those days (macros/build_window.sql), so the nightly
    build costs the restatement window, not the history. A run that covers no days, or a full
    refresh, rebuilds everything (None); the intraday refresh rebuilds the days that can still be
    anyone's local today.
    """
    if full_refresh:
        return None
    days = run_day_range(dict(tags))
    if days is None and tags.get(INTRADAY_WINDOW_TAG) == INTRADAY_WINDOW:
        # local "today" is UTC today -1..+1 somewhere; yesterday's snapshot rows close into eod
        days = ((today - timedelta(days=2)).isoformat(), (today + timedelta(days=1)).isoformat())
    return days


def dbt_build_args(full_refresh: bool = False) -> list[str]:
    # the window travels in the environment (transform.window_environment), not as --vars
    return ["build", "--full-refresh"] if full_refresh else ["build"]


class LayeredTranslator(DagsterDbtTranslator):
    """Group dbt models by their layer folder: staging, intermediate, marts."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2 else None


def with_dbt_inputs(selection: dg.AssetSelection) -> dg.AssetSelection:
    """`selection` plus every dbt model it reads, so a subset build never meets a missing relation.

    Models in the unified marts read every platform's staging views; a job that lands one
    source still has to create the others' views on a fresh database.
    """
    return selection | (selection.upstream() & dg.AssetSelection.groups(*DBT_LAYERS))


DBT_LAYERS = ("staging", "intermediate", "marts")
DBT_VIEW_LAYERS = ("staging", "intermediate")


def intermediate_tables() -> dg.AssetSelection:
    """The intermediate models built as tables (dbt_project.yml): costly to rebuild, so a job
    that only needs the views of those layers (the intraday refresh) leaves them out."""
    manifest = json.loads(ensure_manifest().read_text())
    translator = LayeredTranslator()
    return dg.AssetSelection.assets(
        *(
            translator.get_asset_key(node)
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model"
            and node["fqn"][1:2] == ["intermediate"]
            and node["config"].get("materialized") == "table"
        )
    )
