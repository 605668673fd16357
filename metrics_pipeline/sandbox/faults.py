"""What the stand-in servers share for fault injection: a queue of faults tests can steer."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class FaultQueue:
    """Mixin: the server keeps `_faults` (consumed as calls match them) under `_lock`."""

    _faults: list[Any]
    _lock: threading.Lock | threading.RLock

    def queue_fault(self, *faults: Any) -> None:
        with self._lock:
            self._faults.extend(faults)

    def _take_fault(self, matches: Callable[[Any], bool]) -> Any | None:
        """Remove and return the first queued fault `matches` accepts: each fault answers once."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if matches(fault):
                    return self._faults.pop(index)
        return None

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> tuple[Any, ...]:
        with self._lock:
            return tuple(self._faults)
