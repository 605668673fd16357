"""Stand-ins for where notifications go: a Slack incoming webhook and an SMTP server, on loopback.

SlackWebhookServer behaves like https://hooks.slack.com/services/<T>/<B>/<token> as Slack
documents it (api.slack.com/messaging/webhooks, the 2016-05-17 changelog on webhook errors):
POST a JSON body with `text` -> 200 `ok`; a body that is not JSON with a non-empty `text` ->
400 `invalid_payload`; a path other than the webhook's -> 404 `no_service`. Faults, each served
once to the next POST: `WebhookFault(500)` (`rollup_error`), `WebhookFault(429, retry_after=30)`
(`rate_limited`, with Retry-After), or any other status and body.

SmtpSandboxServer is a tiny SMTP receiver (socketserver; the stdlib's smtpd is gone in 3.12):
EHLO/HELO, AUTH PLAIN / LOGIN (when a password is set, checked), MAIL, RCPT, DATA, RSET, NOOP,
QUIT; no STARTTLS (the sandbox channel says `starttls: false`). Accepted messages are kept in
`messages`; `queue_fault(SmtpFault(451))` answers the next DATA with that code once.
"""

from __future__ import annotations

import base64
import json
import secrets
import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler

from metrics_pipeline.sandbox.faults import FaultQueue
from metrics_pipeline.sandbox.http import LoopbackHTTPServer, ServesWhileOpen

WEBHOOK_URL_VARIABLE = "METRICS_SLACK_WEBHOOK_URL"
SMTP_PASSWORD_VARIABLE = "METRICS_SMTP_PASSWORD"
SMTP_USERNAME = "alerts@sandbox.example"


@dataclass(frozen=True)
class WebhookFault:
    status: int
    body: str | None = None
    retry_after: int | None = None

    def answer(self) -> str:
        if self.body is not None:
            return self.body
        return {429: "rate_limited", 500: "rollup_error", 404: "no_service", 400: "invalid_payload"}.get(
            self.status, "error"
        )


class SlackWebhookServer(LoopbackHTTPServer, FaultQueue):
    def __init__(self, host: str = "127.0.0.1", port: int = 0, token: str | None = None):
        self._host, self._requested_port = host, port
        self._httpd = self._thread = None
        # the path is the credential, as on hooks.slack.com: long and random, like a real one
        self.path = f"/services/T0SANDBOX/B0SANDBOX/{token or secrets.token_urlsafe(24)}"
        self.received: list[dict] = []  # the JSON bodies accepted
        self.requests: list[tuple[str, int]] = []  # (path, status answered) of every POST
        self._faults: list[WebhookFault] = []
        self._lock = threading.Lock()

    @property
    def webhook_url(self) -> str:
        return self.base_url + self.path

    def environment(self) -> dict[str, str]:
        return {WEBHOOK_URL_VARIABLE: self.webhook_url}

    @property
    def texts(self) -> list[str]:
        with self._lock:
            return [body["text"] for body in self.received]

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
                return  # the path is a secret: never logged

            def _answer(self, status: int, body: str, retry_after: int | None = None) -> None:
                with server._lock:
                    server.requests.append((self.path, status))
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                if retry_after is not None:
                    self.send_header("Retry-After", str(retry_after))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path != server.path:
                    self._answer(404, "no_service")
                    return
                fault = server._take_fault(lambda _: True)
                if fault is not None:
                    self._answer(fault.status, fault.answer(), fault.retry_after)
                    return
                try:
                    body = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    body = None
                if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
                    self._answer(400, "invalid_payload")
                    return
                with server._lock:
                    server.received.append(body)
                self._answer(200, "ok")

        return Handler


@dataclass(frozen=True)
class SmtpFault:
    code: int  # the answer to the next DATA (e.g. 451 try later, 554 rejected)
    text: str = "sandbox fault"


@dataclass
class _Envelope:
    sender: str | None = None
    recipients: list[str] = field(default_factory=list)


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: _ThreadingSmtp

    def _reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode("utf-8"))

    def _read(self) -> str | None:
        raw = self.rfile.readline(4096)
        return None if not raw else raw.decode("utf-8", "replace").rstrip("\r\n")

    def handle(self) -> None:
        owner = self.server.owner
        self._reply("220 sandbox-smtp ready")
        envelope, authenticated = _Envelope(), owner.password is None
        while (line := self._read()) is not None:
            verb, _, argument = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                if verb == "EHLO":
                    self._reply("250-sandbox-smtp")
                    self._reply("250-AUTH PLAIN LOGIN")
                    self._reply("250 8BITMIME")
                else:
                    self._reply("250 sandbox-smtp")
            elif verb == "AUTH":
                authenticated = self._auth(argument, owner)
            elif verb == "MAIL":
                if not authenticated:
                    self._reply("530 5.7.0 Authentication required")
                    continue
                envelope = _Envelope(sender=argument.partition(":")[2].strip().strip("<>").split(">")[0])
                self._reply("250 OK")
            elif verb == "RCPT":
                if envelope.sender is None:
                    self._reply("503 need MAIL first")
                    continue
                envelope.recipients.append(argument.partition(":")[2].strip().strip("<>").split(">")[0])
                self._reply("250 OK")
            elif verb == "DATA":
                if not envelope.recipients:
                    self._reply("503 need RCPT first")
                    continue
                self._reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while (data := self.rfile.readline(65536)) not in (b"", b".\r\n", b".\n"):
                    lines.append(data[1:] if data.startswith(b".") else data)  # dot-stuffing
                fault = owner._take_fault(lambda _: True)
                if fault is not None:
                    self._reply(f"{fault.code} {fault.text}")
                else:
                    owner._accept(envelope, b"".join(lines))
                    self._reply("250 OK queued")
                envelope = _Envelope()
            elif verb == "RSET":
                envelope = _Envelope()
                self._reply("250 OK")
            elif verb == "NOOP":
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 command not implemented")

    def _auth(self, argument: str, owner: SmtpSandboxServer) -> bool:
        mechanism, _, initial = argument.partition(" ")
        try:
            if mechanism.upper() == "PLAIN":
                if not initial:
                    self._reply("334 ")
                    initial = self._read() or ""
                _, username, password = base64.b64decode(initial).decode("utf-8").split("\0")
            elif mechanism.upper() == "LOGIN":
                self._reply("334 " + base64.b64encode(b"Username:").decode())
                username = base64.b64decode(self._read() or "").decode("utf-8")
                self._reply("334 " + base64.b64encode(b"Password:").decode())
                password = base64.b64decode(self._read() or "").decode("utf-8")
            else:
                self._reply("504 unrecognized authentication type")
                return False
        except (ValueError, UnicodeDecodeError):
            self._reply("501 malformed authentication")
            return False
        if username == owner.username and password == owner.password:
            self._reply("235 2.7.0 Authentication successful")
            return True
        self._reply("535 5.7.8 Authentication credentials invalid")
        return False


class _ThreadingSmtp(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: SmtpSandboxServer


class SmtpSandboxServer(ServesWhileOpen, FaultQueue):
    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, username: str = SMTP_USERNAME, password: str | None = None
    ):
        self._host, self._requested_port = host, port
        self.username = username
        self.password = password if password is not None else "smtp-" + secrets.token_urlsafe(18)
        self.messages: list[tuple[str, list[str], Message]] = []  # (sender, recipients, message)
        self._faults: list[SmtpFault] = []
        self._lock = threading.Lock()
        self._server: _ThreadingSmtp | None = None
        self._thread: threading.Thread | None = None

    def _accept(self, envelope: _Envelope, data: bytes) -> None:
        with self._lock:
            self.messages.append((envelope.sender or "", list(envelope.recipients), message_from_bytes(data)))

    def start(self) -> str:
        if self._server is None:
            server = _ThreadingSmtp((self._host, self._requested_port), _SmtpHandler)
            server.owner = self
            thread = threading.Thread(target=server.serve_forever, name="SmtpSandboxServer", daemon=True)
            thread.start()
            self._server, self._thread = server, thread
        return f"smtp://{self._host}:{self.port}"

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        assert self._thread is not None
        self._thread.join()
        self._server = self._thread = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SmtpSandboxServer is not running; call start() first")
        return self._server.server_address[1]

    def environment(self) -> dict[str, str]:
        return {SMTP_PASSWORD_VARIABLE: self.password}

    @property
    def subjects(self) -> list[str]:
        with self._lock:
            return [str(message["Subject"]) for _, _, message in self.messages]
