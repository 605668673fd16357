"""metrics-pipeline: batch ELT for marketing analytics on Dagster, dbt and Postgres."""
