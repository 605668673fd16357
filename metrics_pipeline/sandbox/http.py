"""The HTTP plumbing the stand-in servers share: serving on loopback in a thread, and for the
platform APIs (Meta, Shopify) tokens, faults, clock, request log and answers a fault delays or cuts."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from metrics_pipeline.sandbox.faults import FaultQueue


class ServesWhileOpen:
    """Mixin: a server with start() and stop() serves inside a `with` block."""

    def start(self) -> str:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


class LoopbackHTTPServer(ServesWhileOpen):
    """Mixin: the server sets `_host`, `_requested_port`, `_httpd = _thread = None` and
    implements `_request_handler()`; it gets start/stop, a context manager and `base_url`."""

    _host: str
    _requested_port: int
    _httpd: ThreadingHTTPServer | None
    _thread: threading.Thread | None

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self) -> str:
        """Start serving (once) and return the base URL."""
        if self._httpd is not None:
            return self.base_url
        httpd = ThreadingHTTPServer((self._host, self._requested_port), self._request_handler())
        httpd.daemon_threads = True
        thread = threading.Thread(target=httpd.serve_forever, name=type(self).__name__, daemon=True)
        thread.start()
        self._httpd, self._thread = httpd, thread
        return self.base_url

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        assert self._thread is not None
        self._thread.join()
        self._httpd = self._thread = None

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() first")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"


@dataclass(frozen=True)
class Response:
    """One answer, as a server's `handle` decides it; the request handler only writes it out."""

    status: int
    body: Any  # JSON-serialisable, or bytes sent as they are (Content-Type from `headers`)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    cut_short: bool = False  # send half the body, then close the connection

    def delivered_badly(self, fault_kind: str, seconds: float) -> Response:
        """This answer as a `slow` fault (`seconds` late) or a `dropped` one (cut short) delivers it."""
        return Response(self.status, self.body, self.headers, delay=seconds, cut_short=fault_kind == "dropped")


class QuietJSONHandler(BaseHTTPRequestHandler):
    """Writes a `Response` out; subclasses route the request (do_GET, do_POST, ...) to their server."""

    protocol_version = "HTTP/1.1"  # keep-alive: clients' requests.Session reuses connections
    # Headers and body go out in two writes: without this, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every answer on a kept-alive connection.
    disable_nagle_algorithm = True
    json_content_type = "application/json; charset=utf-8"

    def json_default(self, value: Any) -> Any:
        raise TypeError(f"not JSON serialisable: {value!r}")

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, response: Response) -> None:
        if isinstance(response.body, bytes):
            payload = response.body
            content_type = response.headers.get("Content-Type", "text/plain")
        else:
            payload = json.dumps(response.body, default=self.json_default).encode("utf-8")
            content_type = self.json_content_type
        if response.delay:
            time.sleep(response.delay)
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                if name.lower() != "content-type":
                    self.send_header(name, value)
            self.end_headers()
            if response.cut_short:
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped waiting (its timeout): nothing to say

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # each server keeps its own request log for tests; one line per request on stderr is noise


class PlatformAPIServer(LoopbackHTTPServer, FaultQueue):
    """Base of the stand-ins for a platform's HTTP API (Meta, Shopify): served on loopback, a queue
    of faults, the access tokens it accepts, a request log for tests, and the platform's clock.

    Subclasses call `__init__` first, keep their records in `_records` and implement
    `_request_handler()`; everything here is guarded by `_lock`.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        as_of: date,
        faults: Iterable[Any],
        tokens: dict[str, str],
        disabled_tokens: Iterable[str] = (),
    ) -> None:
        self._host = host
        self._requested_port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._as_of = as_of
        self._faults = list(faults)
        self._records: list[Any] = []
        self._tokens = dict(tokens)  # token -> whose it is (an ad account, a shop)
        self._disabled_tokens = set(disabled_tokens)  # known but refused: expired, revoked

    @property
    def as_of(self) -> date:
        """The day the platform is asked on: it answers as it stood at the end of that day."""
        with self._lock:
            return self._as_of

    @as_of.setter
    def as_of(self, value: date) -> None:
        with self._lock:
            self._as_of = value

    @property
    def requests(self) -> tuple[Any, ...]:
        with self._lock:
            return tuple(self._records)

    def reset_requests(self) -> None:
        with self._lock:
            self._records.clear()

    def _count(self, **criteria: Any) -> int:
        """How many records have every criterion's value (a None criterion matches anything)."""
        wanted = {name: value for name, value in criteria.items() if value is not None}
        return sum(1 for record in self.requests if all(getattr(record, k) == v for k, v in wanted.items()))

    def disable_token(self, token: str) -> None:
        """Refuse the token from now on (subclasses name it as their platform does: expire, revoke)."""
        with self._lock:
            self._disabled_tokens.add(token)

    def enable_token(self, token: str) -> None:
        with self._lock:
            self._disabled_tokens.discard(token)

    def _token_state(self, token: str | None, disabled: str) -> str:
        """missing | `disabled` | unknown | ok: what the request's token is, never the token itself."""
        with self._lock:
            if not token:
                return "missing"
            if token in self._disabled_tokens:
                return disabled
            return "ok" if token in self._tokens else "unknown"
