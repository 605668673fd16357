"""Shared Dagster wiring: resources, partitions, the dbt project and the asset factories."""
