"""What one landing attempt produced, in the same shape for every source.

File sources report a `DayOutcome` per partition day holding one `FileOutcome` per file; API
sources report one `TargetOutcome` per account or shop. The Dagster wiring, the CLI and the
retry decisions read only these types, so a new source needs no new reporting code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from metrics_pipeline.operations.failures import FailureCause

COMPLETED, PARTIAL, FAILED = "completed", "partial", "failed"
IGNORED = "ignored"  # a key outside the source's layout: logged with its reason, never landed


@dataclass(frozen=True)
class FileOutcome:
    file: str  # the object's URI, as in ops.ingestion_logs.target
    table: str  # the landing table it writes, without schema: "daily_exports", "sales_reports"
    status: str  # completed | partial | failed | ignored
    processed: int = 0
    loaded: int = 0
    rejected: int = 0
    duplicates: int = 0  # valid rows dropped because their id had already landed
    superseded: int = 0  # keyword-days another export format won (Amazon)
    message: str | None = None
    cause: FailureCause | None = None  # why it failed, decided where the error was caught
    folder: str | None = None  # a source's sub-layout, e.g. Amazon's amazon | helium10 | zonguru | sales


@dataclass
class DayOutcome:
    partition_key: str
    files: list[FileOutcome] = field(default_factory=list)
    vanished_rows: int = 0  # rows of files no longer in the exports root, deleted
    ignored: list[FileOutcome] = field(default_factory=list)  # keys outside the layout, status IGNORED

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def failed_files(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == FAILED]


@dataclass(frozen=True)
class TargetOutcome:
    """One account (Google customer, Meta ad account) or shop of one connection."""

    connection_id: str
    account_id: str  # as in ops.connection_states: customer id, ad account id, shop domain
    status: str  # completed | failed
    state: str  # ops.connection_states status: ok | auth_error | error
    partition_keys: tuple[str, ...] = ()  # the partitions logged for it
    rows_loaded: int = 0  # the main table's rows (ad-day metrics, insights, orders)
    counts: tuple[tuple[str, int], ...] = ()  # other tables' rows, (name, count)
    message: str | None = None
    cause: FailureCause | None = None  # why it failed, decided where the error was caught
    target: str = ""  # as in ops.ingestion_logs.target (customers/<id>, act_<id>); default account_id

    def __post_init__(self) -> None:
        if not self.target:
            object.__setattr__(self, "target", self.account_id)

    def count(self, name: str) -> int:
        return dict(self.counts).get(name, 0)

    @property
    def retryable(self) -> bool:
        return self.cause is not None and self.cause.retryable


def describe_file(partition_key: str, outcome: FileOutcome) -> str:
    """A file's log line; a failed file's message names the file already."""
    if outcome.status == FAILED:
        return f"{partition_key}: FAILED {outcome.message}"
    if outcome.status == IGNORED:
        return f"{partition_key}: IGNORED {outcome.file}: {outcome.message}"
    text = f"{partition_key}: {outcome.file}: {outcome.loaded} rows landed"
    if outcome.duplicates:
        text += f", {outcome.duplicates} duplicate id(s) dropped"
    if outcome.message:
        text += f" ({outcome.message})"
    return text


def report_day(outcome: DayOutcome, *, log: Callable[[str], None], detail: Callable[[str], None]) -> None:
    """Problems at info level, clean files at debug, then what vanished."""
    for file_outcome in [*outcome.files, *outcome.ignored]:
        (log if file_outcome.status != COMPLETED else detail)(describe_file(outcome.partition_key, file_outcome))
    if outcome.vanished_rows:
        log(f"{outcome.partition_key}: removed {outcome.vanished_rows} rows of files no longer in the exports root")


def progress_line(position: int, total: int, outcome: DayOutcome, what: str) -> str:
    line = (
        f"[{position}/{total}] {outcome.partition_key}: {len(outcome.files)} {what} file(s), "
        f"{outcome.loaded} rows landed, {outcome.rejected} quarantined"
    )
    if outcome.duplicates:
        line += f", {outcome.duplicates} duplicate id(s) dropped"
    line += f", {len(outcome.failed_files)} file(s) failed"
    if outcome.ignored:
        line += f", {len(outcome.ignored)} file(s) ignored (outside the layout)"
    return line
