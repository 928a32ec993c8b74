"""Server selection: which server to ask, in what order, and when an answer ends the search.

Used for first checkouts and for re-checkouts after a lease is gone alike, so both follow the
same rules. Safe to use from many threads.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, Union

from ._server_address import ServerAddress
from ._transport import (
    FEATURES_PATH,
    LEASES_PATH,
    HttpOutcome,
    HttpResponse,
    ServerError,
    Transport,
    send_unless_down,
    server_error,
)
from ._types import SERVER_DENIALS, CheckoutDenial, DenialCode, LicenseClientError


@dataclass(frozen=True)
class CheckoutResponse:
    """A server's ``201`` answer to ``POST /v1/leases``."""

    lease_id: str
    feature: str
    count: int
    license_id: str
    expires_at: str
    heartbeat_seconds: float
    lease_seconds: float
    pool_id: str


@dataclass(frozen=True)
class Granted:
    server: ServerAddress
    response: CheckoutResponse


class Failover:
    def __init__(self, servers: Sequence[ServerAddress], transport: Transport, logger: logging.Logger) -> None:
        self._servers = tuple(servers)
        self._transport = transport
        self._logger = logger
        self._lock = threading.Lock()
        # The server that last gave a real answer; asked first next time.
        self._sticky: Optional[ServerAddress] = None
        # What we have learned of each server's seat pool, by server URL.
        self._pools: Dict[str, str] = {}

    def order(self) -> List[ServerAddress]:
        """The sticky server first, then the rest in configured order."""
        first = self._sticky
        if first is None:
            return list(self._servers)
        return [first, *(s for s in self._servers if s is not first)]

    def current(self) -> ServerAddress:
        """The server checkouts go to first right now."""
        return self.order()[0]

    def learn_pool(self, server: ServerAddress, pool_id: str) -> None:
        with self._lock:
            self._pools[server.url] = pool_id

    def _pool_of(self, server: ServerAddress, down: Optional[Dict[str, str]] = None) -> Tuple[Optional[str], str]:
        """A server's pool id, from memory or from its ``GET /v1/features``.

        :returns: ``(pool_id, "")``, or ``(None, why not)``.
        """
        with self._lock:
            known = self._pools.get(server.url)
        if known is not None:
            return known, ""
        body = _features_body(send_unless_down(self._transport, down, server, "GET", FEATURES_PATH))
        if isinstance(body, str):
            return None, f"could not learn its pool: {body}"
        pool_id: str = body["poolId"]
        self.learn_pool(server, pool_id)
        return pool_id, ""

    def peers_in_pool(
        self, server: ServerAddress, pool_id: str, down: Optional[Dict[str, str]] = None
    ) -> List[ServerAddress]:
        """The other configured servers, in configured order, that serve pool ``pool_id``.

        Known from earlier answers, or learned now from their ``GET /v1/features``. Servers of one
        pool share their leases (Cloud nodes on one database), so any of them can keep one alive.
        """
        peers = []
        for s in self._servers:
            if s.url == server.url:
                continue
            if self._pool_of(s, down)[0] == pool_id:
                peers.append(s)
        return peers

    def features(self) -> Tuple[ServerAddress, Dict[str, Any]]:
        """``GET /v1/features``, failing over like a checkout on transport errors and 5xx.

        :raises LicenseClientError: with the server's code for a 4xx, or ``UNAVAILABLE``.
        """
        notes: List[str] = []
        for server in self.order():
            out = self._transport.request(server, "GET", FEATURES_PATH)
            if isinstance(out, HttpResponse) and 400 <= out.status < 500:
                err = server_error(out.status, out.body)
                raise LicenseClientError(err.code, f"{server.url}: {err.message}", server=server.url, status=out.status)
            body = _features_body(out)
            if isinstance(body, str):
                notes.append(f"{server.url}: {body}")
                continue
            self.learn_pool(server, body["poolId"])
            self._sticky = server
            return server, body
        raise LicenseClientError("UNAVAILABLE", f"no license server could be reached: {'; '.join(notes)}")

    def checkout(
        self, request: Dict[str, Any], down: Optional[Dict[str, str]] = None
    ) -> Union[Granted, CheckoutDenial]:
        """Asks servers in order until one grants or gives a final answer.

        - Transport errors, malformed answers and 5xx go on to the next server, except 503
          ``CLOCK_TAMPERED``, which is a final denial: it is a deliberate refusal by a server that
          works, which its operator must fix, not an outage that another server papers over.
        - ``NO_SEATS`` goes on only to servers of another pool (same pool means the same seats);
          once seats are being searched for, later refusals from other pools are noted and the
          search goes on, and the result stays ``NO_SEATS`` if nobody grants.
        - Any other 4xx from the first server that answers is the result.

        ``down``: servers found unreachable earlier in the same round of background work (see
        :func:`send_unless_down`); None for an application's own checkout, which asks every server.
        """
        notes: List[str] = []
        no_seats: Optional[CheckoutDenial] = None
        full_pools: Set[str] = set()
        answered_by: Optional[ServerAddress] = None
        order = self.order()

        for i, server in enumerate(order):
            if no_seats is not None and full_pools:
                pool_id, why = self._pool_of(server, down)
                if pool_id is None:
                    notes.append(f"{server.url}: {why}")
                    continue
                if pool_id in full_pools:
                    notes.append(f"{server.url}: skipped, same pool {pool_id} as a server with no seats")
                    continue

            out = send_unless_down(self._transport, down, server, "POST", LEASES_PATH, request)
            if not isinstance(out, HttpResponse):
                notes.append(f"{server.url}: {out.why}")
                self._logger.debug("license server %s unreachable (%s); trying the next", server.url, out.why)
                continue
            if 200 <= out.status < 300:
                granted = _checkout_response(out.body)
                if granted is None:
                    notes.append(f"{server.url}: HTTP {out.status} with a body that is not a checkout response")
                    continue
                answered_by = answered_by or server
                self.learn_pool(server, granted.pool_id)
                self._finish(answered_by)
                return Granted(server, granted)
            err = server_error(out.status, out.body)
            if (out.status >= 500 and err.code != "CLOCK_TAMPERED") or out.status < 400:
                notes.append(f"{server.url}: HTTP {out.status} {err.code}: {err.message}")
                self._logger.debug("license server %s failed (HTTP %d); trying the next", server.url, out.status)
                continue
            answered_by = answered_by or server
            denial = _to_denial(out.status, err, server)
            if denial.code == "NO_SEATS":
                no_seats = no_seats or denial
                if i < len(order) - 1:
                    # If that server's pool cannot be learned, the next servers are simply tried: the
                    # pool rule only saves pointless requests, the servers enforce the seat counts.
                    pool_id, _ = self._pool_of(server, down)
                    if pool_id is not None:
                        full_pools.add(pool_id)
                continue
            if no_seats is not None:
                notes.append(f"{server.url}: {denial.code}: {denial.message}")
                continue
            self._finish(answered_by)
            return denial

        self._finish(answered_by)
        if no_seats is not None:
            also = f" (also tried: {'; '.join(notes)})" if notes else ""
            return CheckoutDenial(code="NO_SEATS", message=no_seats.message + also, server=no_seats.server)
        return CheckoutDenial(code="UNAVAILABLE", message=f"no license server could be reached: {'; '.join(notes)}")

    def _finish(self, answered_by: Optional[ServerAddress]) -> None:
        # Sticky means "reachable and speaking Tessera": the first server that answered at all.
        # A grant found by overflowing to another pool does not move it, so the next checkout
        # of another feature still starts where that feature is most likely to be.
        if answered_by is not None:
            self._sticky = answered_by


def _to_denial(status: int, err: ServerError, server: ServerAddress) -> CheckoutDenial:
    """Maps a 4xx (or a 503 CLOCK_TAMPERED) to a denial result."""
    code: DenialCode
    if err.enveloped and err.code in SERVER_DENIALS:
        code = err.code  # type: ignore[assignment]  # checked against SERVER_DENIALS just above
    elif status in (401, 403):
        code = "UNAUTHORIZED"
    elif status == 429:
        code = "RATE_LIMITED"
    else:
        code = "BAD_REQUEST"
    detail = err.message if code == err.code else f"HTTP {status} {err.code}: {err.message}"
    return CheckoutDenial(code=code, message=f"{server.url}: {detail}", server=server.url)


def _features_body(out: HttpOutcome) -> Union[Dict[str, Any], str]:
    if not isinstance(out, HttpResponse):
        return out.why
    if out.status != 200:
        err = server_error(out.status, out.body)
        return f"HTTP {out.status} {err.code}: {err.message}"
    body = out.body
    if not isinstance(body, dict) or not isinstance(body.get("poolId"), str):
        return "HTTP 200 with a body that is not a features response"
    if not isinstance(body.get("features"), list):
        return "HTTP 200 with a body that is not a features response"
    return body


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _checkout_response(body: Any) -> Optional[CheckoutResponse]:
    if not isinstance(body, dict):
        return None
    lease_id = body.get("leaseId")
    strings = ("feature", "licenseId", "expiresAt", "poolId")
    if not isinstance(lease_id, str) or lease_id == "" or not all(isinstance(body.get(k), str) for k in strings):
        return None
    if not all(_is_number(body.get(k)) for k in ("count", "heartbeatSeconds", "leaseSeconds")):
        return None
    return CheckoutResponse(
        lease_id=lease_id,
        feature=body["feature"],
        count=body["count"],
        license_id=body["licenseId"],
        expires_at=body["expiresAt"],
        heartbeat_seconds=body["heartbeatSeconds"],
        lease_seconds=body["leaseSeconds"],
        pool_id=body["poolId"],
    )
