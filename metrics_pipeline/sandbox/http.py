"""The lifecycle the HTTP stand-in servers share: serve on loopback in a thread, stop cleanly."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


class LoopbackHTTPServer:
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

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() first")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"
