"""The Dagster code location: every module under `metrics_pipeline.defs` is loaded."""

import dagster as dg

import metrics_pipeline.defs

defs = dg.load_defs(defs_root=metrics_pipeline.defs)
