"""A small, scriptable License Server for the SDK's tests.

The client protocol v1 on 127.0.0.1 and a free port, with in-memory seat counts, and hooks to make
it misbehave on demand. The Python twin of the Node SDK's ``test-support/fake-server.ts``.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
import secrets
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Set, Tuple
from urllib.parse import unquote

from tessera_client import ServerAddress

_LEASE_PATH_RE = re.compile(r"/v1/leases/([^/]+)(/heartbeat)?")


@dataclass
class RecordedRequest:
    route: str  # checkout | heartbeat | release | features | other
    method: str
    path: str
    headers: Dict[str, str]
    body: Any
    lease_id: Optional[str] = None
    #: The client's port: the same for requests on one kept-alive connection.
    client_port: int = 0
    #: When it arrived (time.monotonic()).
    at: float = 0.0
    #: The status it was answered with, once answered (0 before, or when never answered).
    status: int = 0


@dataclass
class ScriptedReply:
    status: int = 500
    code: Optional[str] = None
    message: Optional[str] = None
    reason: Optional[str] = None
    #: Raw JSON body to send instead of an error envelope.
    body: Any = None
    #: Never answer (to exercise client timeouts); the connection stays open until stop().
    hang: bool = False
    #: Seconds to wait before answering normally.
    delay: float = 0.0
    #: Wait until this event is set (at most 10 s), then answer normally.
    gate: Optional[threading.Event] = None


@dataclass
class _Script:
    route: str
    reply: ScriptedReply
    times: float


@dataclass
class FakeLease:
    feature: str
    count: int


def _now_plus(seconds: float) -> str:
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops connections of a many-threaded client

    def __init__(self, fake: FakeLicenseServer) -> None:
        self.fake = fake
        self.open_sockets: Set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up or refuses the certificate is part of the tests, not noise

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real server speaks
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: _Server
    recorded: Optional[RecordedRequest] = None

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        pass

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()  # a client that refuses the certificate ends here
        super().setup()

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        self.server.fake._handle(self, raw)

    do_GET = do_POST = do_DELETE = do_PUT = _any


class FakeLicenseServer:
    def __init__(
        self,
        *,
        pool_id: Optional[str] = None,
        seats: Optional[Dict[str, int]] = None,
        heartbeat_seconds: float = 30,
        lease_seconds: float = 120,
        auth: Optional[Tuple[str, str]] = None,
        tls: Optional[Tuple[str, str]] = None,
    ) -> None:
        """``tls``: (certificate file, key file) to speak HTTPS instead of HTTP."""
        self.requests: List[RecordedRequest] = []
        #: Close each connection after its response, without a "Connection: close" header.
        self.close_after_response = False
        self.leases: Dict[str, FakeLease] = {}
        self.heartbeat_seconds = heartbeat_seconds
        self.lease_seconds = lease_seconds
        self._auth = auth
        self._seats: Dict[str, int] = dict(seats if seats is not None else {"asr.engine": 5})
        self._scripts: List[_Script] = []
        self._gone: Dict[str, str] = {}
        self._cond = threading.Condition()
        self._stopped = threading.Event()
        self._httpd = _Server(self)
        self.secure = tls is not None
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            # The handshake runs in the connection's own thread, not in the accept loop.
            self._httpd.socket = context.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.port: int = self._httpd.server_address[1]
        self.pool_id = pool_id if pool_id is not None else f"pool_{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.secure else 'http'}://127.0.0.1:{self.port}"

    @property
    def address(self) -> ServerAddress:
        return ServerAddress(host="127.0.0.1", port=self.port, secure=self.secure, url=self.url)

    def set_seats(self, feature: str, total: int) -> None:
        with self._cond:
            self._seats[feature] = total

    def in_use(self, feature: str) -> int:
        with self._cond:
            return sum(lease.count for lease in self.leases.values() if lease.feature == feature)

    def script(self, route: str, reply: ScriptedReply, times: float = 1) -> None:
        """The next ``times`` requests on ``route`` get ``reply`` instead of the normal answer."""
        with self._cond:
            self._scripts.append(_Script(route, reply, times))

    def always(self, route: str, reply: ScriptedReply) -> None:
        self.script(route, reply, float("inf"))

    def clear_scripts(self) -> None:
        with self._cond:
            self._scripts.clear()

    def revoke(self, lease_id: str, reason: str = "REVOKED_BY_ADMIN") -> None:
        """Takes a lease away: its next heartbeat gets 410 LEASE_GONE with this reason."""
        with self._cond:
            self.leases.pop(lease_id, None)
            self._gone[lease_id] = reason

    def share_lease(self, lease_id: str, other: FakeLicenseServer) -> None:
        """Makes ``other`` know this server's lease too, as Cloud nodes on one database do."""
        with self._cond:
            lease = self.leases[lease_id]
        with other._cond:
            other.leases[lease_id] = lease

    def recorded(self, route: str) -> List[RecordedRequest]:
        with self._cond:
            return [r for r in self.requests if r.route == route]

    def wait_for(self, match: Callable[[RecordedRequest], bool], timeout: float = 10.0) -> RecordedRequest:
        """The first recorded request (past or future) that matches; raises after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for r in self.requests:
                    if match(r):
                        return r
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"fake server {self.url}: no matching request within {timeout} s")
                self._cond.wait(left)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Waits until ``predicate()`` holds, re-checked at each request; raises after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"fake server {self.url}: condition not met within {timeout} s")
                self._cond.wait(min(left, 0.05))

    def stop(self) -> None:
        """Stops listening and drops open (keep-alive) connections, so clients see connection refused."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._httpd.sockets_lock:
            sockets = list(self._httpd.open_sockets)
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # --- request handling -------------------------------------------------------------------

    def _handle(self, h: _Handler, raw: str) -> None:
        path = h.path.split("?")[0]
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        m = _LEASE_PATH_RE.fullmatch(path)
        route = "other"
        if h.command == "POST" and path == "/v1/leases":
            route = "checkout"
        elif h.command == "GET" and path == "/v1/features":
            route = "features"
        elif m and h.command == "POST" and m.group(2):
            route = "heartbeat"
        elif m and h.command == "DELETE" and not m.group(2):
            route = "release"
        rec = RecordedRequest(
            route=route,
            method=h.command,
            path=path,
            headers={k.lower(): v for k, v in h.headers.items()},
            body=body,
            lease_id=unquote(m.group(1)) if m else None,
            client_port=h.client_address[1],
            at=time.monotonic(),
        )
        if self.close_after_response:
            h.close_connection = True  # silently, as a server does when an idle keep-alive connection times out
        with self._cond:
            self.requests.append(rec)
            self._cond.notify_all()
            script = self._take_script(route)
        h.recorded = rec

        if script is not None:
            if script.hang:
                self._stopped.wait()
                h.close_connection = True
                return
            if script.gate is not None:
                script.gate.wait(10)
            elif script.delay:
                time.sleep(script.delay)
            else:
                if script.body is not None:
                    self._send(h, script.status, script.body)
                else:
                    code = script.code or f"HTTP_{script.status}"
                    self._fail(h, script.status, code, script.message or f"scripted {code}", script.reason)
                return

        if raw == "" and (h.headers.get("Content-Type") or "").startswith("application/json"):
            # As the real server (fastify) does: a JSON content type promises a body.
            self._fail(h, 400, "BAD_REQUEST", "Body cannot be empty when content-type is set to 'application/json'")
            return

        if self._auth is not None:
            token = base64.b64encode(f"{self._auth[0]}:{self._auth[1]}".encode("utf-8")).decode("ascii")
            if h.headers.get("Authorization") != f"Basic {token}":
                self._fail(h, 401, "UNAUTHORIZED", "valid credentials are required")
                return

        if route == "checkout":
            self._checkout(h, body)
        elif route == "heartbeat":
            assert rec.lease_id is not None
            with self._cond:
                held = rec.lease_id in self.leases
                reason = self._gone.get(rec.lease_id, "UNKNOWN_LEASE")
            if not held:
                self._fail(h, 410, "LEASE_GONE", "this lease is no longer held", reason)
            else:
                self._send(h, 200, {"expiresAt": _now_plus(self.lease_seconds)})
        elif route == "release":
            with self._cond:
                self.leases.pop(rec.lease_id or "", None)
                self._cond.notify_all()
            self._send(h, 204, None)
        elif route == "features":
            with self._cond:
                seats = list(self._seats.items())
            features = [
                {
                    "feature": f,
                    "total": total,
                    "inUse": self.in_use(f),
                    "available": total - self.in_use(f),
                    "licenses": [],
                }
                for f, total in seats
            ]
            self._send(h, 200, {"poolId": self.pool_id, "features": features})
        else:
            self._fail(h, 404, "NOT_FOUND", "not found")

    def _take_script(self, route: str) -> Optional[ScriptedReply]:
        for i, s in enumerate(self._scripts):
            if s.route == route:
                s.times -= 1
                if s.times <= 0:
                    del self._scripts[i]
                return s.reply
        return None

    def _checkout(self, h: _Handler, body: Any) -> None:
        feature = body.get("feature") if isinstance(body, dict) else None
        client = body.get("client") if isinstance(body, dict) else None
        if not isinstance(feature, str) or not isinstance(client, dict) or not isinstance(client.get("id"), str):
            self._fail(h, 400, "BAD_REQUEST", "feature and client.id are required")
            return
        count = body.get("count", 1)
        with self._cond:
            total = self._seats.get(feature)
            if total is None:
                self._fail(h, 404, "UNKNOWN_FEATURE", f"no installed license has {feature}")
                return
            used = sum(lease.count for lease in self.leases.values() if lease.feature == feature)
            if used + count > total:
                self._fail(h, 409, "NO_SEATS", f"all {total} seats of {feature} are in use")
                return
            lease_id = f"lease_{secrets.token_hex(16)}"
            self.leases[lease_id] = FakeLease(feature, count)
        self._send(
            h,
            201,
            {
                "leaseId": lease_id,
                "feature": feature,
                "count": count,
                "licenseId": f"lic_{self.port}",
                "expiresAt": _now_plus(self.lease_seconds),
                "heartbeatSeconds": self.heartbeat_seconds,
                "leaseSeconds": self.lease_seconds,
                "poolId": self.pool_id,
            },
        )

    def _send(self, h: _Handler, status: int, payload: Any) -> None:
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        h.send_response(status)
        if data:
            h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
        if h.recorded is not None:
            with self._cond:
                h.recorded.status = status
                self._cond.notify_all()

    def _fail(self, h: _Handler, status: int, code: str, message: str, reason: Optional[str] = None) -> None:
        error: Dict[str, str] = {"code": code, "message": message}
        if reason is not None:
            error["reason"] = reason
        self._send(h, status, {"error": error})


@dataclass
class Fleet:
    """Starts fake servers; ``stop_all`` stops them."""

    servers: List[FakeLicenseServer] = field(default_factory=list)

    def start(self, **opts: Any) -> FakeLicenseServer:
        s = FakeLicenseServer(**opts)
        self.servers.append(s)
        return s

    def dead_address(self) -> ServerAddress:
        """An address where nothing listens: a server started and stopped at once."""
        s = FakeLicenseServer()
        s.stop()
        return s.address

    def stop_all(self) -> None:
        for s in self.servers:
            s.stop()
        self.servers.clear()
