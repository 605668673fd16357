"""dbt as the tests run it: the project's own executable, project and profiles, against one
warehouse, with its compiled files and logs in a folder of the test's."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from metrics_pipeline.lib.dbt_project import DBT_PROJECT_DIR, dbt_executable, window_environment
from metrics_pipeline.warehouse import dbt_environment


def run_dbt(
    url: str,
    target: Path,
    command: str,
    *arguments: str,
    window: tuple[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """`dbt <command> <arguments>` against the warehouse at `url`; `window` is the nightly build
    window (none: every day, whatever this process's environment says). Never raises: the
    caller asserts on the return code and the output."""
    return subprocess.run(
        [
            dbt_executable(),
            command,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            *arguments,
        ],
        cwd=DBT_PROJECT_DIR,
        env={
            **os.environ,
            **dbt_environment(url),
            **window_environment(window),
            "DBT_LOG_PATH": str(target),
            **(env or {}),
        },
        capture_output=True,
        text=True,
    )
