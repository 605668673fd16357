from datetime import UTC, date, datetime

from metrics_pipeline.landing.exports import ExportObject
from metrics_pipeline.landing.new_files import (
    FileCursor,
    contiguous_ranges,
    new_objects_since,
)


def obj(key: str, second: int) -> ExportObject:
    modified = datetime(2026, 10, 1, 12, 0, second, tzinfo=UTC)
    return ExportObject(key=key, uri=f"s3://b/{key}", size=1, modified=modified, etag=str(second))


def test_first_tick_sees_everything_and_the_next_nothing():
    listing = [obj("a", 1), obj("b", 2), obj("c", 2)]
    new, cursor = new_objects_since(FileCursor(), listing)
    assert [o.key for o in new] == ["a", "b", "c"]
    assert cursor.keys_at_modified == {"b", "c"}
    again, same = new_objects_since(FileCursor.from_json(cursor.to_json()), listing)
    assert again == [] and same == cursor


def test_a_file_landing_in_the_same_second_as_the_cursor_is_still_new():
    _, cursor = new_objects_since(FileCursor(), [obj("a", 5)])
    new, cursor = new_objects_since(cursor, [obj("a", 5), obj("b", 5)])
    assert [o.key for o in new] == ["b"]
    assert cursor.keys_at_modified == {"a", "b"}


def test_a_reuploaded_file_is_new_again():
    _, cursor = new_objects_since(FileCursor(), [obj("a", 1), obj("b", 2)])
    new, _ = new_objects_since(cursor, [obj("a", 3), obj("b", 2)])
    assert [o.key for o in new] == ["a"]


def test_contiguous_ranges():
    days = [date(2026, 9, d) for d in (5, 1, 2, 3, 9, 10, 2)]
    assert contiguous_ranges(days) == [
        (date(2026, 9, 1), date(2026, 9, 3)),
        (date(2026, 9, 5), date(2026, 9, 5)),
        (date(2026, 9, 9), date(2026, 9, 10)),
    ]
    assert contiguous_ranges([]) == []
    # Runs cross month and year ends (the Google Ads and Meta connectors read one API range per run).
    across = [date(2026, 9, 30), date(2026, 10, 1), date(2026, 12, 31), date(2027, 1, 1)]
    assert contiguous_ranges(across) == [
        (date(2026, 9, 30), date(2026, 10, 1)),
        (date(2026, 12, 31), date(2027, 1, 1)),
    ]
