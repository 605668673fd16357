import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from metrics_pipeline.config import load_config
from metrics_pipeline.sandbox import build_world
from metrics_pipeline.sandbox.affiliate_world import write_affiliate_exports
from metrics_pipeline.sources.affiliate.parse import parse_affiliate_key, parse_file


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    root = tmp_path_factory.mktemp("affiliate_world")
    return root, write_affiliate_exports(root)


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_same_arguments_give_byte_identical_files_and_the_seed_changes_them(tmp_path):
    def snapshot(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    first = write_affiliate_exports(tmp_path / "a", days=10)
    second = write_affiliate_exports(tmp_path / "b", days=10)
    assert first == second and snapshot(tmp_path / "a") == snapshot(tmp_path / "b")
    write_affiliate_exports(tmp_path / "c", days=10, seed=7)
    key = "affiliate/2026-09-01/events.csv"
    assert (tmp_path / "a" / key).read_bytes() != (tmp_path / "c" / key).read_bytes()


def test_one_events_file_a_day_and_a_catalogue_on_the_first_day_and_mondays(exports):
    root, world = exports
    assert (world.start, world.end) == (date(2026, 9, 1), date(2026, 10, 31))
    days = [world.start + timedelta(days=n) for n in range(61)]
    assert world.event_files == tuple(f"affiliate/{d}/events.csv" for d in days)
    assert world.catalogue_files == tuple(
        f"affiliate/{d}/products.csv" for d in days if d == world.start or d.weekday() == 0
    )
    for key in world.event_files + world.catalogue_files:
        parsed_key = parse_affiliate_key(key)
        assert parsed_key is not None and parsed_key.kind == ("catalogue" if "products" in key else "events")
    counts = [len(rows(root / key)) - 1 for key in world.event_files]
    assert 50 <= min(counts) and max(counts) <= 400


def test_the_files_have_the_quirks_of_real_exports(exports):
    root, world = exports
    headers = {tuple(rows(root / key)[0]) for key in world.event_files}
    assert len(headers) == 2  # two templates, one with aliases (Receipt, TID, Item, Amount, Refund Flag)
    cells = [row for key in world.event_files for row in rows(root / key)[1:]]
    receipt = [row for row in cells if len(row) == 9]
    plain = [row for row in cells if len(row) == 7]
    assert any(row[1] == "Conversion" and row[7] == "Y" for row in receipt)  # a refund by its flag
    assert any(row[1] == "refund" and row[5].startswith("-") for row in plain)  # a refund by its sign
    assert any(row[1] == "REBILL" for row in receipt) and any(row[1] == "rebill" for row in plain)
    assert any(row[5] == "$1,249.00" for row in receipt)
    assert any(row[1] == "click" and row[5] == "" for row in plain)
    assert all(row[2].endswith("-04:00") for row in receipt)  # New York local times (DST until November)
    assert all(row[2].endswith("Z") for row in plain)
    catalogue = rows(root / world.catalogue_files[0])
    assert "12.5%" in {row[4] for row in catalogue[1:]}
    assert "" in {cell for row in catalogue[1:] for cell in row}  # blank cells


def test_only_the_malformed_rows_are_refused_by_the_loader(exports):
    root, world = exports
    assert [(m.field, m.reason_hint) for m in world.malformed_rows] == [
        ("event_type", "unknown event type"),
        ("revenue", "a click's revenue must not be negative"),
    ]
    refused, landed = [], 0
    for key in world.event_files + world.catalogue_files:
        parsed = parse_file((root / key).read_bytes(), parse_affiliate_key(key), source_file=key, run_id="r")
        refused += [(key, r.row_number, r.fields, r.reason) for r in parsed.rejections]
        landed += parsed.rows.height
    assert [(key, row, fields) for key, row, fields, _ in refused] == [
        (m.relative_key, m.row_number, (m.field,)) for m in world.malformed_rows
    ]
    assert all(m.reason_hint in reason for m, (_, _, _, reason) in zip(world.malformed_rows, refused))
    assert landed > 61 * 50


def test_the_sandbox_config_gives_the_client_its_tracking_prefix(tmp_path):
    world = build_world(tmp_path, days=7)
    config = load_config(world.config_path)
    affiliate = {c.slug: c.affiliate for c in config.clients if c.affiliate is not None}
    assert {slug: (a.tracking_id_prefixes, a.currency) for slug, a in affiliate.items()} == {
        "acme-outdoor": (("acme-",), "USD")
    }
    assert (world.exports_dir / "affiliate/2026-09-07/events.csv").is_file()
