"""Dagster wiring, one module per domain; `metrics_pipeline.definitions` autoloads them all."""
