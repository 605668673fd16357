"""The sandbox world: deterministic, complete, and awkward in exactly the documented ways."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from metrics_pipeline.config import load_config
from metrics_pipeline.sandbox.media_partner_world import DEFAULT_DAYS, DEFAULT_START, EXPORT_COLUMNS
from metrics_pipeline.sandbox.world import SandboxWorld, build_world

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
BOM = b"\xef\xbb\xbf"
NAME_COLUMNS = ("campaign_name", "strategy_name", "placement_name", "creative_name")
COUNT_COLUMNS = ("impressions", "clicks", "conversions")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> SandboxWorld:
    return build_world(tmp_path_factory.mktemp("world"))


def export_paths(world: SandboxWorld) -> list[Path]:
    """The media partner's exports (the Amazon ones have tests of their own)."""
    return sorted((world.exports_dir / "media_partner").rglob("*.csv"))


def relative_key(world: SandboxWorld, path: Path) -> str:
    return path.relative_to(world.exports_dir).as_posix()


def read_export(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, cells)]) the way a tolerant reader sees the file:
    BOM dropped, CRLF or LF, trailing blank lines skipped."""
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    rows = [(reader.line_num, cells) for cells in reader if cells]
    return header, rows


def parse_count(text: str) -> int:
    if not re.fullmatch(r"\d{1,3}(,\d{3})+|\d+", text):
        raise ValueError(f"not a count: {text!r}")
    return int(text.replace(",", ""))


def parse_money(text: str) -> Decimal:
    if not re.fullmatch(r"(\d{1,3}(,\d{3})+|\d+)\.\d{2}", text):
        raise ValueError(f"not an amount with two decimals: {text!r}")
    return Decimal(text.replace(",", ""))


def check_good_row(cells: dict[str, str], file_day: date) -> None:
    """Raise if the row is not a valid export row."""
    assert cells["date"] == file_day.isoformat()
    assert all(cells[column] for column in NAME_COLUMNS)
    impressions, clicks, conversions = (parse_count(cells[column]) for column in COUNT_COLUMNS)
    revenue = parse_money(cells["conversion_revenue"])
    assert 100 <= impressions
    assert 0 <= clicks <= impressions
    assert 0 <= conversions <= clicks
    assert (revenue == 0) == (conversions == 0)
    expected_ctr = (Decimal(clicks) * 100 / impressions).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert cells["ctr"] == f"{expected_ctr}%"


def is_good_row(cells: dict[str, str], file_day: date) -> bool:
    try:
        check_good_row(cells, file_day)
    except (AssertionError, ValueError, InvalidOperation):
        return False
    return True


# --------------------------------------------------------------------------- #


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    first = build_world(tmp_path / "a", days=10)
    second = build_world(tmp_path / "b", days=10)

    def snapshot(world: SandboxWorld) -> dict[str, bytes]:
        return {p.relative_to(world.root).as_posix(): p.read_bytes() for p in world.root.rglob("*") if p.is_file()}

    first_files, second_files = snapshot(first), snapshot(second)
    partner_files = [key for key in first_files if key.startswith("exports/media_partner/")]
    assert len(partner_files) == 3 * 10 and "config.yaml" in first_files
    assert first_files == second_files
    assert first.malformed_row == second.malformed_row
    assert first.wrong_header_file == second.wrong_header_file
    assert first.cpm_changes == second.cpm_changes


def test_the_seed_changes_the_numbers(tmp_path: Path) -> None:
    first = build_world(tmp_path / "a", days=10, seed=1)
    second = build_world(tmp_path / "b", days=10, seed=2)
    key = "media_partner/acme-outdoor/2026-09-01.csv"
    assert (first.exports_dir / key).read_bytes() != (second.exports_dir / key).read_bytes()


def test_every_client_has_one_export_per_day(world: SandboxWorld) -> None:
    assert world.start == DEFAULT_START
    assert world.end == date(2026, 10, 31)
    assert len(world.client_slugs) >= 3
    days = [world.start + timedelta(days=n) for n in range(DEFAULT_DAYS)]
    assert len(days) >= 60
    expected = sorted(f"media_partner/{slug}/{day.isoformat()}.csv" for slug in world.client_slugs for day in days)
    assert sorted(relative_key(world, path) for path in export_paths(world)) == expected


def test_every_row_is_valid_except_the_one_malformed_row(world: SandboxWorld) -> None:
    bad_rows = []
    for path in export_paths(world):
        key = relative_key(world, path)
        if key == world.wrong_header_file.relative_key:
            continue
        header, rows = read_export(path)
        assert header == list(EXPORT_COLUMNS), key
        assert rows, f"{key} has no data rows"
        file_day = date.fromisoformat(path.stem)
        for line_number, cells in rows:
            assert len(cells) == len(EXPORT_COLUMNS), (key, line_number)
            if not is_good_row(dict(zip(header, cells)), file_day):
                bad_rows.append((key, line_number))
    assert bad_rows == [(world.malformed_row.relative_key, world.malformed_row.row_number)]


def test_the_malformed_row_is_where_the_world_says(world: SandboxWorld) -> None:
    malformed = world.malformed_row
    header, rows = read_export(world.exports_dir / malformed.relative_key)
    assert malformed.row_number >= 2
    assert len(rows) >= 2, "the rest of the file should still have good rows"
    cells = dict(zip(header, dict(rows)[malformed.row_number]))

    with pytest.raises(ValueError):
        parse_count(cells[malformed.field])
    assert malformed.field in COUNT_COLUMNS
    assert malformed.field in malformed.reason_hint
    assert cells[malformed.field] in malformed.reason_hint
    # Only that one field is broken; the other cells are well-formed.
    assert cells["date"] == Path(malformed.relative_key).stem
    for column in set(COUNT_COLUMNS) - {malformed.field}:
        parse_count(cells[column])
    parse_money(cells["conversion_revenue"])


def test_the_wrong_header_file_is_where_the_world_says(world: SandboxWorld) -> None:
    wrong = world.wrong_header_file
    header, rows = read_export(world.exports_dir / wrong.relative_key)
    assert wrong.missing_columns == tuple(sorted(wrong.missing_columns))
    assert wrong.missing_columns
    assert tuple(sorted(set(EXPORT_COLUMNS) - set(header))) == wrong.missing_columns
    assert len(header) == len(EXPORT_COLUMNS)
    assert rows and all(len(cells) == len(EXPORT_COLUMNS) for _, cells in rows)
    # The two anomalies are in different files, neither on the first day.
    assert wrong.relative_key != world.malformed_row.relative_key
    for key in (wrong.relative_key, world.malformed_row.relative_key):
        assert Path(key).stem != world.start.isoformat()


def test_real_export_quirks_are_spread_over_several_files(world: SandboxWorld) -> None:
    files_with: dict[str, set[str]] = defaultdict(set)

    def saw(quirk: str, key: str) -> None:
        files_with[quirk].add(key)

    for path in export_paths(world):
        key = relative_key(world, path)
        raw = path.read_bytes()
        if raw.startswith(BOM):
            saw("bom", key)
        if b"\r\n" in raw:
            assert raw.count(b"\r\n") == raw.count(b"\n"), f"{key} mixes line ends"
            saw("crlf", key)
        else:
            saw("lf", key)
        if raw.endswith(b"\n\n") or raw.endswith(b"\r\n\r\n"):
            saw("trailing_blank_line", key)
        if raw.endswith(b"\n\n\n") or raw.endswith(b"\r\n\r\n\r\n"):
            saw("two_trailing_blank_lines", key)

        header, rows = read_export(path)
        for _, row in rows:
            cells = dict(zip(header, row))
            if any("," in cells[column] for column in NAME_COLUMNS if column in cells):
                saw("comma_in_name", key)
            if any("," in cells[column] for column in COUNT_COLUMNS):
                saw("thousands_in_count", key)
            if "," in cells.get("conversion_revenue", ""):
                saw("thousands_in_revenue", key)

    quirks = (
        "bom",
        "crlf",
        "lf",
        "trailing_blank_line",
        "two_trailing_blank_lines",
        "comma_in_name",
        "thousands_in_count",
        "thousands_in_revenue",
    )
    for quirk in quirks:
        clients = {key.split("/")[1] for key in files_with[quirk]}
        assert len(files_with[quirk]) >= 2, f"{quirk} appears in {sorted(files_with[quirk])}"
        assert len(clients) >= 2, f"{quirk} only appears for {clients}"
    # Quirks are the exception, not the rule.
    total = len(export_paths(world))
    for quirk in ("bom", "crlf", "trailing_blank_line", "thousands_in_count"):
        assert len(files_with[quirk]) < total / 2, quirk


def test_names_with_commas_are_quoted_in_the_raw_file(world: SandboxWorld) -> None:
    raw = (world.exports_dir / f"media_partner/{world.client_slugs[0]}/{world.start}.csv").read_bytes()
    assert re.search(rb',"[^",]+, [^"]+",', raw)


def test_entities_are_stable_and_creatives_come_and_go(world: SandboxWorld) -> None:
    for slug in world.client_slugs:
        creatives_per_day = []
        for path in sorted((world.exports_dir / "media_partner" / slug).glob("*.csv")):
            if relative_key(world, path) == world.wrong_header_file.relative_key:
                continue
            _, rows = read_export(path)
            paths = [tuple(cells[1:5]) for _, cells in rows]
            assert len(paths) == len(set(paths)), f"{path.name} repeats a creative"
            creatives_per_day.append(frozenset(paths))
        every_creative = frozenset().union(*creatives_per_day)
        always_live = frozenset.intersection(*creatives_per_day)
        assert always_live, f"{slug}: no creative runs the whole range"
        assert always_live != every_creative, f"{slug}: every creative is in every file"
        campaigns = {creative[0] for creative in every_creative}
        assert 2 <= len(campaigns) <= 4


def test_impressions_span_hundreds_to_hundreds_of_thousands(world: SandboxWorld) -> None:
    impressions = []
    for path in export_paths(world):
        if relative_key(world, path) in (world.wrong_header_file.relative_key, world.malformed_row.relative_key):
            continue
        _, rows = read_export(path)
        impressions += [parse_count(cells[5]) for _, cells in rows]
    assert min(impressions) < 1_000
    assert max(impressions) >= 100_000
    assert max(impressions) < 1_000_000


def test_config_matches_the_strict_loader_shape(world: SandboxWorld) -> None:
    document = yaml.safe_load(world.config_path.read_text(encoding="utf-8"))
    assert set(document) == {"workspaces", "fx_rates", "notifications"}
    assert len(document["workspaces"]) == 2
    # The real loader accepts it, ad-platform connections and FX rates included.
    config = load_config(world.config_path)
    assert {c.provider for c in config.connections} == {"google_ads", "meta", "shopify", "tiktok"}
    assert {(r.from_currency, r.to_currency) for r in config.fx_rates} >= {("GBP", "USD")}
    # alerts and sync failures go to the sandbox's Slack webhook and SMTP stand-ins
    assert {c.type for c in config.notifications.channels} == {"slack", "email"}
    assert set(config.notifications.sync_failures) == {c.name for c in config.notifications.channels}
    assert all(rule.notify for w in config.workspaces for rule in w.alert_rules)

    clients = []
    for workspace in document["workspaces"]:
        assert set(workspace) == {"slug", "name", "reporting_currency", "connections", "clients", "alert_rules"}
        assert SLUG.match(workspace["slug"]) and workspace["name"]
        for client in workspace["clients"]:
            assert set(client) - {"pixel_site_id", "amazon", "affiliate"} == {
                "slug",
                "name",
                "currency",
                "timezone",
                "media_partner",
            }
            assert SLUG.match(client["slug"]) and client["name"]
            assert re.fullmatch(r"[A-Z]{3}", client["currency"])
            ZoneInfo(client["timezone"])
            assert set(client["media_partner"]) == {"cpm_rates"}
            clients.append(client)

    assert tuple(client["slug"] for client in clients) == world.client_slugs
    assert len({client["currency"] for client in clients}) >= 2
    assert len({client["timezone"] for client in clients}) >= 2

    for client in clients:
        rates = client["media_partner"]["cpm_rates"]
        for rate in rates:
            assert set(rate) == {"effective_from", "cpm"}
            assert type(rate["effective_from"]) is date
            assert isinstance(rate["cpm"], str) and Decimal(rate["cpm"]) >= 0
        assert rates[0]["effective_from"] <= world.start
        starts = [rate["effective_from"] for rate in rates]
        assert starts == sorted(set(starts))


def test_config_rates_agree_with_the_cpm_changes(world: SandboxWorld) -> None:
    document = yaml.safe_load(world.config_path.read_text(encoding="utf-8"))
    rates_by_client = {
        client["slug"]: [
            (rate["effective_from"], Decimal(rate["cpm"])) for rate in client["media_partner"]["cpm_rates"]
        ]
        for workspace in document["workspaces"]
        for client in workspace["clients"]
    }
    changed = {change.client_slug for change in world.cpm_changes}
    for change in world.cpm_changes:
        rates = rates_by_client[change.client_slug]
        assert rates[-1] == (change.effective_from, change.new_cpm)
        assert rates[-2][1] == change.old_cpm != change.new_cpm
    for slug in set(world.client_slugs) - changed:
        assert len(rates_by_client[slug]) == 1


def test_the_default_cpm_change_is_mid_month_and_not_on_a_monday(world: SandboxWorld) -> None:
    assert world.cpm_changes
    first = world.cpm_changes[0]
    assert first.effective_from.month == world.start.month
    assert 10 <= first.effective_from.day <= 20
    for change in world.cpm_changes:
        assert world.start < change.effective_from <= world.end
        assert change.effective_from.day != 1
        assert change.effective_from.weekday() != 0


@pytest.mark.parametrize(
    ("start", "days"),
    [
        (date(2026, 2, 23), 7),  # starts on a Monday
        (date(2026, 9, 28), 7),  # spans a month boundary
        (date(2027, 1, 1), 31),
        (date(2026, 11, 1), 30),  # the 16th, the natural pick, is a Monday
        (date(2026, 6, 24), 8),  # a last-month change would naturally land on July 1st
    ],
)
def test_other_ranges_keep_every_anomaly(tmp_path: Path, start: date, days: int) -> None:
    world = build_world(tmp_path, start=start, days=days)
    end = start + timedelta(days=days - 1)
    assert world.end == end
    assert len(export_paths(world)) == len(world.client_slugs) * days
    assert (world.exports_dir / world.malformed_row.relative_key).is_file()
    assert (world.exports_dir / world.wrong_header_file.relative_key).is_file()
    for change in world.cpm_changes:
        assert start < change.effective_from <= end
        assert change.effective_from.day != 1
        assert change.effective_from.weekday() != 0
    document = yaml.safe_load(world.config_path.read_text(encoding="utf-8"))
    for workspace in document["workspaces"]:
        for client in workspace["clients"]:
            assert client["media_partner"]["cpm_rates"][0]["effective_from"] <= start


def test_too_short_a_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        build_world(tmp_path, days=3)
