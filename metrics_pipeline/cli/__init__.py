"""`metrics-pipeline`: the command line."""

from metrics_pipeline.cli.main import main

__all__ = ["main"]
