"""The benchmark's generated export must be one the pipeline lands whole, row for row."""

from metrics_pipeline.bench.landing import BENCH_DAY, CLIENT, write_export
from metrics_pipeline.sources.media_partner.parse import parse_export, parse_export_key


def test_the_generated_export_is_valid_and_exact(tmp_path):
    path = tmp_path / "export.csv"
    write_export(path, 1_000)
    key = f"media_partner/{CLIENT}/{BENCH_DAY.isoformat()}.csv"
    parsed = parse_export(path.read_bytes(), parse_export_key(key), source_file=key, run_id="r")
    assert parsed.rejections == [] and parsed.rows.height == 1_000
    assert parsed.rows["creative_name"].n_unique() == 1_000
    # money stays a decimal literal with two places, as a real export writes it
    assert parsed.rows["conversion_revenue"].str.contains(r"^\d+\.\d{2}$").all()
