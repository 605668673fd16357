"""Overlap parsing with loading (partner exports and pixel events): a block is parsed on a
worker thread while the previous one is COPYed. polars releases the GIL while it parses and
writes CSV, so the two really run at once; `depth` bounds how many parsed blocks wait, which
bounds memory."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


@contextmanager
def prefetched(items: Iterable[T], *, depth: int = 1) -> Iterator[Iterator[T]]:
    """Iterate `items` on a worker thread, at most `depth` items ahead of the consumer.

    An exception raised while producing an item is raised to the consumer at that item.
    Leaving the block early (an error while loading, say) stops the worker and waits for
    it, so nothing reads the source after the caller has closed it.
    """
    handoff: queue.Queue = queue.Queue(maxsize=max(depth, 1))
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer((item, None)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, who re-raises it
            offer((_DONE, exc))
            return
        offer((_DONE, None))

    worker = threading.Thread(target=produce, name="prefetch", daemon=True)
    worker.start()

    def consume() -> Iterator[T]:
        while True:
            item, error = handoff.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item

    try:
        yield consume()
    finally:
        stop.set()
        worker.join()
