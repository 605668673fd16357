"""Which export files are new since a sensor's last tick, and which partitions they touch.

The cursor is the newest modification time seen plus the keys modified at exactly that
instant (object stores stamp to the second, so several files can share one). A file
re-uploaded later gets a newer stamp and counts as new again, which is what a restated
export needs. The cursor stays small however many files the root holds.

`contiguous_ranges` (days folded into runs) is the one copy: the file sensors ask for a run
of partitions at once with it, and the Google Ads and Meta connectors one API range per run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from metrics_pipeline.landing.exports import ExportObject


@dataclass(frozen=True)
class FileCursor:
    modified: datetime | None = None
    keys_at_modified: frozenset[str] = frozenset()

    def to_json(self) -> str:
        return json.dumps(
            {
                "modified": self.modified.isoformat() if self.modified else None,
                "keys_at_modified": sorted(self.keys_at_modified),
            }
        )

    @classmethod
    def from_json(cls, text: str | None) -> FileCursor:
        if not text:
            return cls()
        data = json.loads(text)
        modified = datetime.fromisoformat(data["modified"]) if data.get("modified") else None
        return cls(modified, frozenset(data.get("keys_at_modified", [])))

    def is_new(self, obj: ExportObject) -> bool:
        if self.modified is None or obj.modified > self.modified:
            return True
        return obj.modified == self.modified and obj.key not in self.keys_at_modified


def new_objects_since(cursor: FileCursor, objects: Iterable[ExportObject]) -> tuple[list[ExportObject], FileCursor]:
    listing = list(objects)
    new = sorted((o for o in listing if cursor.is_new(o)), key=lambda o: (o.modified, o.key))
    if not new:
        return [], cursor
    newest = new[-1].modified
    at_newest = {o.key for o in listing if o.modified == newest}
    if newest == cursor.modified:
        at_newest |= cursor.keys_at_modified
    return new, FileCursor(newest, frozenset(at_newest))


def contiguous_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted distinct days folded into inclusive (first, last) runs of consecutive days."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges
