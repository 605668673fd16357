import dagster as dg
from dagster_aws.s3 import S3Resource
from dagster_dbt import DbtCliResource

from metrics_pipeline.lib.dbt_project import DBT_PROJECT, dbt_executable
from metrics_pipeline.lib.resources import ExportsResource, PipelineConfigResource, WarehouseResource


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(),
            "pipeline_config": PipelineConfigResource(path=dg.EnvVar("METRICS_CONFIG")),
            # S3Resource builds a boto3 client, which honours AWS_ENDPOINT_URL (the sandbox).
            "exports": ExportsResource(uri=dg.EnvVar("METRICS_EXPORTS_URI"), s3=S3Resource()),
            # The virtualenv's dbt, whether or not the venv is on PATH.
            "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
        }
    )
