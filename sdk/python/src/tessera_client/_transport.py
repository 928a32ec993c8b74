"""One HTTP exchange with one server, reduced to what failover needs to decide.

Either the server answered (status and parsed JSON), or it could not be talked to (and why, in
words). Connections are kept alive per server in a small pool, so concurrent callers each get one
of their own and sequential calls reuse the same socket.
"""

from __future__ import annotations

import base64
import errno
import http.client
import json
import select
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import quote

from ._config import ClientAuth
from ._server_address import ServerAddress


@dataclass(frozen=True)
class HttpResponse:
    """The server answered: its status and its body parsed as JSON (None when empty or not JSON)."""

    status: int
    body: Any


@dataclass(frozen=True)
class HttpFailure:
    """The server could not be talked to; ``why`` says so in words a person can act on."""

    why: str


HttpOutcome = Union[HttpResponse, HttpFailure]


@dataclass(frozen=True)
class ServerError:
    """A server's error, from its ``{"error":{...}}`` envelope, or made up from the status when it sent none."""

    code: str
    message: str
    reason: Optional[str]
    #: False when the body was not a Tessera error envelope (a proxy's page, say).
    enveloped: bool


def server_error(status: int, body: Any) -> ServerError:
    """Reads the error envelope, or describes a bare status when there is none."""
    e = body.get("error") if isinstance(body, dict) else None
    if isinstance(e, dict) and isinstance(e.get("code"), str):
        code: str = e["code"]
        message = e.get("message")
        reason = e.get("reason")
        return ServerError(
            code=code,
            message=message if isinstance(message, str) else code,
            reason=reason if isinstance(reason, str) else None,
            enveloped=True,
        )
    return ServerError(
        code=f"HTTP_{status}", message=f"HTTP {status} without a Tessera error body", reason=None, enveloped=False
    )


def lease_path(lease_id: str) -> str:
    """``/v1/leases/{id}``, the id escaped as JavaScript's encodeURIComponent does."""
    return f"/v1/leases/{quote(lease_id, safe=_URI_COMPONENT_SAFE)}"


def heartbeat_path(lease_id: str) -> str:
    return f"{lease_path(lease_id)}/heartbeat"


LEASES_PATH = "/v1/leases"
FEATURES_PATH = "/v1/features"
_URI_COMPONENT_SAFE = "-_.!~*'()"

#: Idle keep-alive connections kept per server; more concurrent callers open more, briefly.
MAX_IDLE_CONNECTIONS_PER_SERVER = 4

_ERRNO_WORDS: Dict[str, str] = {
    "ECONNREFUSED": "connection refused",
    "ECONNRESET": "connection reset",
    "EPIPE": "connection reset",
    "EHOSTUNREACH": "host unreachable",
    "ENETUNREACH": "network unreachable",
    "ETIMEDOUT": "connection timed out",
}

# Failures of a reused keep-alive connection that the server closed while it sat idle: the
# request never reached the server, so it is sent again once on a fresh connection.
_STALE_CONNECTION_ERRORS = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    BrokenPipeError,
    ConnectionAbortedError,
)


def basic_auth(username: str, password: str) -> str:
    """RFC 7617 Basic credentials, UTF-8 encoded."""
    token = base64.b64encode(f"{username}:{password}".encode("utf-8")).decode("ascii")
    return f"Basic {token}"


def describe_failure(err: BaseException, timeout: float) -> str:
    """Turns socket and TLS exceptions into the same words the Node SDK uses."""
    if isinstance(err, socket.timeout):
        return f"no answer within {round(timeout * 1000)} ms"
    if isinstance(err, http.client.RemoteDisconnected):
        return "connection closed by the server"
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"TLS: certificate verify failed: {err.verify_message}"
    if isinstance(err, ssl.SSLError):
        return f"TLS: {err.reason or err}"
    if isinstance(err, socket.gaierror):
        if err.errno == socket.EAI_NONAME:
            return "host not found (ENOTFOUND)"
        if err.errno == socket.EAI_AGAIN:
            return "host name lookup failed (EAI_AGAIN)"
        return f"host name lookup failed: {err.strerror or err}"
    if isinstance(err, OSError) and err.errno is not None:
        name = errno.errorcode.get(err.errno)
        if name is not None:
            words = _ERRNO_WORDS.get(name)
            return f"{words} ({name})" if words else f"{err.strerror or name} ({name})"
    if isinstance(err, http.client.HTTPException):
        return f"bad HTTP answer: {type(err).__name__}{': ' + str(err) if str(err) else ''}"
    return str(err) or type(err).__name__


class Transport:
    """Requests to license servers over kept-alive connections; safe to use from many threads."""

    def __init__(self, *, timeout: float, auth: Optional[ClientAuth], user_agent: str) -> None:
        self.timeout = timeout
        self._headers: Dict[str, str] = {"Accept": "application/json", "User-Agent": user_agent}
        if auth is not None:
            self._headers["Authorization"] = basic_auth(auth.username, auth.password)
        self._idle: Dict[str, List[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._tls: Optional[ssl.SSLContext] = None
        self._closed = False

    def request(self, server: ServerAddress, method: str, path: str, body: Any = None) -> HttpOutcome:
        headers = self._headers
        payload: Optional[bytes] = None
        if body is not None:
            payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            headers = {**headers, "Content-Type": "application/json"}
        for attempt in (1, 2):
            conn, reused = self._take(server, fresh=attempt == 2)
            try:
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
            except _STALE_CONNECTION_ERRORS as err:
                conn.close()
                if reused and attempt == 1:
                    continue
                return HttpFailure(describe_failure(err, self.timeout))
            except (OSError, http.client.HTTPException) as err:
                conn.close()
                return HttpFailure(describe_failure(err, self.timeout))
            try:
                data = response.read()
            except (OSError, http.client.HTTPException) as err:
                conn.close()
                return HttpFailure(describe_failure(err, self.timeout))
            if response.will_close:
                conn.close()
            else:
                self._give(server, conn)
            if 300 <= response.status < 400:
                # A license server has no business redirecting, and following one could carry the
                # Authorization header somewhere unexpected; treat it as a failure of that server.
                return HttpFailure(f"unexpected redirect (HTTP {response.status})")
            return HttpResponse(response.status, _parse_json(data))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Closes the idle connections; requests still running close theirs when they end."""
        with self._lock:
            self._closed = True
            idle = [c for conns in self._idle.values() for c in conns]
            self._idle.clear()
        for conn in idle:
            conn.close()

    def _take(self, server: ServerAddress, fresh: bool) -> Tuple[http.client.HTTPConnection, bool]:
        """An idle connection to ``server`` that still looks open, else a new one (always new if ``fresh``)."""
        with self._lock:
            conns = None if fresh else self._idle.get(server.url)
            while conns:
                conn = conns.pop()
                if _still_open(conn):
                    return conn, True
                conn.close()
        if server.secure:
            if self._tls is None:
                self._tls = ssl.create_default_context()
            return http.client.HTTPSConnection(server.host, server.port, timeout=self.timeout, context=self._tls), False
        return http.client.HTTPConnection(server.host, server.port, timeout=self.timeout), False

    def _give(self, server: ServerAddress, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            conns = self._idle.setdefault(server.url, [])
            if not self._closed and len(conns) < MAX_IDLE_CONNECTIONS_PER_SERVER:
                conns.append(conn)
                return
        conn.close()


def send_unless_down(
    transport: Transport,
    down: Optional[Dict[str, str]],
    server: ServerAddress,
    method: str,
    path: str,
    body: Any = None,
) -> HttpOutcome:
    """A request, unless ``down`` (servers found unreachable a moment ago, by URL) already names the server.

    The client's one background thread shares ``down`` across one round of work, so that a server
    that stopped answering costs one timeout per round rather than one per lease.
    """
    if down is not None and server.url in down:
        return HttpFailure(down[server.url])
    out = transport.request(server, method, path, body)
    if down is not None and isinstance(out, HttpFailure):
        down[server.url] = out.why
    return out


def _still_open(conn: http.client.HTTPConnection) -> bool:
    """False when the server has closed an idle connection (its socket reads as ready: EOF)."""
    sock = conn.sock
    if sock is None:
        return False
    try:
        if hasattr(select, "poll"):
            # poll, not select: select refuses descriptors above 1023, common in big applications.
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return not poller.poll(0)
        readable, _, _ = select.select([sock], [], [], 0)
        return not readable
    except (OSError, ValueError):
        return False


def _parse_json(data: bytes) -> Any:
    if not data:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError:
        return None
