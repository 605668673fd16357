"""Alert events' lifecycle: TRIGGERED -> ACKNOWLEDGED -> RESOLVED, or DISMISSED, and who did it.

    TRIGGERED     raised by the evaluator (operations/alert_rules.py)
    ACKNOWLEDGED  someone is on it (from TRIGGERED)
    RESOLVED      fixed: by a person (from TRIGGERED or ACKNOWLEDGED), or by 'auto' when the
                  rule's condition cleared (sql/resolve_alert_events.sql)
    DISMISSED     not worth acting on (from TRIGGERED or ACKNOWLEDGED)

RESOLVED and DISMISSED are final. Every change is a row of ops.alert_event_transitions (from,
to, by, note, when); ops.alert_events keeps the current status, who set it when with the note,
and who acknowledged / resolved / dismissed it when (what marts.fct_alert_events shows BI).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

TRIGGERED, ACKNOWLEDGED, RESOLVED, DISMISSED = "TRIGGERED", "ACKNOWLEDGED", "RESOLVED", "DISMISSED"
STATUSES = (TRIGGERED, ACKNOWLEDGED, RESOLVED, DISMISSED)
OPEN_STATUSES = (TRIGGERED, ACKNOWLEDGED)
ALLOWED = {
    TRIGGERED: (ACKNOWLEDGED, RESOLVED, DISMISSED),
    ACKNOWLEDGED: (RESOLVED, DISMISSED),
    RESOLVED: (),
    DISMISSED: (),
}
ACTIONS = {"ack": ACKNOWLEDGED, "resolve": RESOLVED, "dismiss": DISMISSED}
RESERVED_NAMES = ("auto", "evaluator")  # the pipeline's own names in changed_by
MAX_NOTE = 2000


class TransitionError(ValueError):
    """A change the lifecycle does not allow, or of an alert that does not exist."""


def check_transition(alert_event_id: int, current: str, wanted: str) -> None:
    """Raise TransitionError unless `current` may become `wanted`."""
    if wanted not in STATUSES:
        raise TransitionError(f"unknown status {wanted!r}: one of {', '.join(STATUSES)}")
    if wanted in ALLOWED[current]:
        return
    if current == wanted:
        raise TransitionError(f"alert {alert_event_id} is already {current}")
    if not ALLOWED[current]:
        raise TransitionError(f"alert {alert_event_id} is {current}, which is final: it cannot become {wanted}")
    raise TransitionError(
        f"alert {alert_event_id} is {current}: it can become {' or '.join(ALLOWED[current])}, not {wanted}"
    )


def check_actor(by: str) -> str:
    name = (by or "").strip()
    if not name:
        raise TransitionError("--by: a name is required (who acknowledges, resolves or dismisses)")
    if name.lower() in RESERVED_NAMES:
        raise TransitionError(f"--by: {name!r} is the pipeline's own name; give yours")
    return name


@dataclass(frozen=True)
class Transition:
    alert_event_id: int
    from_status: str
    to_status: str
    changed_by: str
    note: str | None
    changed_at: datetime


def transition(
    conn: psycopg.Connection, alert_event_id: int, wanted: str, by: str, note: str | None = None
) -> Transition:
    """Move one alert event to `wanted` (ACKNOWLEDGED, RESOLVED or DISMISSED) as `by`, in one
    transaction; the row is locked so two people (or the evaluator) cannot both change it."""
    by = check_actor(by)
    if note is not None and len(note) > MAX_NOTE:
        raise TransitionError(f"--note: at most {MAX_NOTE} characters (got {len(note)})")
    with conn.transaction():
        row = conn.execute(
            "select status from ops.alert_events where alert_event_id = %s for update", (alert_event_id,)
        ).fetchone()
        if row is None:
            raise TransitionError(f"no alert with id {alert_event_id} (`metrics-pipeline alerts list` shows them)")
        check_transition(alert_event_id, row[0], wanted)
        column = {ACKNOWLEDGED: "acknowledged", RESOLVED: "resolved", DISMISSED: "dismissed"}[wanted]
        [(changed_at,)] = conn.execute(
            sql.SQL(
                "update ops.alert_events set status = %s, status_changed_at = clock_timestamp(),"
                " status_changed_by = %s, status_note = %s, {at} = clock_timestamp(), {by} = %s"
                " where alert_event_id = %s returning status_changed_at"
            ).format(at=sql.Identifier(f"{column}_at"), by=sql.Identifier(f"{column}_by")),
            (wanted, by, note, by, alert_event_id),
        ).fetchall()
        conn.execute(
            "insert into ops.alert_event_transitions"
            " (alert_event_id, from_status, to_status, changed_by, note, changed_at)"
            " values (%s, %s, %s, %s, %s, %s)",
            (alert_event_id, row[0], wanted, by, note, changed_at),
        )
    return Transition(alert_event_id, row[0], wanted, by, note, changed_at)


def history(conn: psycopg.Connection, alert_event_id: int) -> list[tuple]:
    """(from, to, by, note, at) of every change of one alert event, in the order they were made."""
    return conn.execute(
        "select from_status, to_status, changed_by, note, changed_at from ops.alert_event_transitions"
        " where alert_event_id = %s order by transition_id",
        (alert_event_id,),
    ).fetchall()
