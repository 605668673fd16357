from urllib.parse import parse_qs, urlparse

import pytest

from metrics_pipeline.warehouse import dagster_storage_url, dbt_environment, redact, with_database


def test_tcp_url_for_dagster_uses_psycopg2_and_the_dagster_schema():
    url = dagster_storage_url("postgresql://etl:s%40cret@db.internal:6543/warehouse?sslmode=require")
    parsed = urlparse(url)
    assert parsed.scheme == "postgresql+psycopg2"
    assert (parsed.hostname, parsed.port, parsed.username, parsed.path) == ("db.internal", 6543, "etl", "/warehouse")
    assert parsed.password == "s%40cret"
    query = parse_qs(parsed.query)
    assert query["options"] == ["-csearch_path=dagster"]
    assert query["sslmode"] == ["require"]


def test_socket_url_for_dagster_keeps_the_socket_directory_as_host_parameter():
    url = dagster_storage_url("postgresql://postgres:@/metrics?host=/work/main/.pgdata")
    parsed = urlparse(url)
    assert parsed.path == "/metrics"
    assert parse_qs(parsed.query)["host"] == ["/work/main/.pgdata"]


def test_dbt_environment_from_url_and_from_keyword_string():
    env = dbt_environment("postgresql://etl:pw@db:6543/warehouse")
    assert env == {
        "METRICS_PG_HOST": "db",
        "METRICS_PG_PORT": "6543",
        "METRICS_PG_USER": "etl",
        "METRICS_PG_PASSWORD": "pw",
        "METRICS_PG_DBNAME": "warehouse",
        "PGOPTIONS": "-c jit=off -c lock_timeout=1min",
    }
    other = dbt_environment(with_database("postgresql://postgres:@/metrics?host=/x/.pgdata", "metrics_test"))
    assert (other["METRICS_PG_HOST"], other["METRICS_PG_DBNAME"]) == ("/x/.pgdata", "metrics_test")


def test_dbt_sessions_keep_the_users_pgoptions(monkeypatch):
    monkeypatch.setenv("PGOPTIONS", "-c jit=on -c statement_timeout=0 -c lock_timeout=5s")
    assert (
        dbt_environment("postgresql://etl:pw@db/w")["PGOPTIONS"]
        == "-c jit=on -c statement_timeout=0 -c lock_timeout=5s"
    )
    monkeypatch.setenv("PGOPTIONS", "-c statement_timeout=0")
    assert (
        dbt_environment("postgresql://etl:pw@db/w")["PGOPTIONS"]
        == "-c statement_timeout=0 -c jit=off -c lock_timeout=1min"
    )


def test_dbt_lock_timeout_is_configurable_and_checked(monkeypatch):
    monkeypatch.delenv("PGOPTIONS", raising=False)
    monkeypatch.setenv("METRICS_DBT_LOCK_TIMEOUT", "30s")
    assert dbt_environment("postgresql://etl:pw@db/w")["PGOPTIONS"] == "-c jit=off -c lock_timeout=30s"
    monkeypatch.setenv("METRICS_DBT_LOCK_TIMEOUT", "30 seconds; drop table x")
    with pytest.raises(ValueError, match="METRICS_DBT_LOCK_TIMEOUT"):
        dbt_environment("postgresql://etl:pw@db/w")


def test_redact_hides_the_password():
    assert "pw" not in redact("postgresql://etl:pw@db:6543/warehouse")
    assert "***" in redact("postgresql://etl:pw@db:6543/warehouse")
