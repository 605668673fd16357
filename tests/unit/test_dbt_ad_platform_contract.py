"""Union by contract: every enabled ad platform ends in int_<platform>__entities and
int_<platform>__ad_daily, contract-enforced to one shape, and the unified marts read them
through macros/union_ad_platforms.sql (checked on the parsed manifest: no database needed)."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from metrics_pipeline.lib.dbt_project import DBT_PROJECT_DIR, ensure_manifest

SUFFIXES = ("entities", "ad_daily")
# the marts that read every platform through the macro, and what they read
UNIFIED_MARTS = {"dim_ad_entities": "entities", "fct_ad_entity_daily": "ad_daily", "fct_pnl_daily": "ad_daily"}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(ensure_manifest().read_text())


@pytest.fixture(scope="module")
def platforms() -> list[str]:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return project["vars"]["enabled_ad_platforms"]


def _model(manifest: dict, name: str) -> dict:
    return manifest["nodes"][f"model.metrics_pipeline.{name}"]


def _macro_columns(suffix: str) -> list[str]:
    """The column list union_ad_platforms selects, read from the macro's source."""
    source = (DBT_PROJECT_DIR / "macros" / "union_ad_platforms.sql").read_text()
    block = re.search(rf"'{suffix}': \[(.*?)\]", source, re.S)
    assert block, f"no '{suffix}' list in union_ad_platforms.sql"
    return re.findall(r"'(\w+)'", block.group(1))


def test_the_default_platforms_are_every_ad_platform(platforms):
    assert platforms == ["google_ads", "meta", "tiktok_ads", "media_partner", "amazon_ads", "affiliate"]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_every_platform_has_the_model_with_one_enforced_contract(manifest, platforms, suffix):
    expected = _macro_columns(suffix)
    shapes = {}
    for platform in platforms:
        node = _model(manifest, f"int_{platform}__{suffix}")
        assert node["config"]["contract"]["enforced"], f"int_{platform}__{suffix}: contract not enforced"
        assert node["fqn"][1:3] == ["intermediate", platform]
        shapes[platform] = [(name, column["data_type"]) for name, column in node["columns"].items()]
        assert [name for name, _ in shapes[platform]] == expected, f"int_{platform}__{suffix}: columns"
        assert all(data_type for _, data_type in shapes[platform]), (
            f"int_{platform}__{suffix}: a column has no data_type"
        )
    first = platforms[0]
    for platform in platforms[1:]:
        assert shapes[platform] == shapes[first], f"int_{platform}__{suffix} differs from int_{first}__{suffix}"


def test_the_unified_marts_read_every_enabled_platform_through_the_macro(manifest, platforms):
    for mart, suffix in UNIFIED_MARTS.items():
        node = _model(manifest, mart)
        assert "macro.metrics_pipeline.union_ad_platforms" in node["depends_on"]["macros"], mart
        reads = {dep.split(".")[-1] for dep in node["depends_on"]["nodes"]}
        assert {f"int_{p}__{suffix}" for p in platforms} <= reads, mart
        # nothing platform-specific besides the contract models
        platform_reads = {r for r in reads if any(r.startswith(f"int_{p}__") for p in platforms)}
        assert platform_reads == {f"int_{p}__{suffix}" for p in platforms}, mart
