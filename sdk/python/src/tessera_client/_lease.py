"""A held lease: the public :class:`Lease` handle and the internal :class:`Seat` that keeps it.

They are two objects because of the release cache: a released seat may live on, still
heartbeating, and be handed to a later checkout. That checkout gets a fresh handle, so a stale
reference (or stale callbacks) from the first user cannot release or observe the second user's seat.

Threads: a seat's heartbeat, re-checkout and release run under the seat's lock, so a release
waits for an exchange in flight and then releases the lease the server holds now. Callbacks are
called after that lock is let go, on the client's background thread.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Callable, Dict, List, Literal, Optional, Type, Union, overload

from ._failover import Failover, Granted
from ._scheduler import Round, Scheduler, Task
from ._server_address import ServerAddress
from ._transport import (
    HttpFailure,
    HttpOutcome,
    HttpResponse,
    Transport,
    heartbeat_path,
    lease_path,
    send_unless_down,
    server_error,
)
from ._types import LeaseLost, LeaseRenewed, LicenseClientError

#: Heartbeat period when a server sends none that makes sense, and the floor that keeps a bad one from spinning.
FALLBACK_HEARTBEAT_SECONDS = 30.0
MIN_HEARTBEAT_SECONDS = 0.01
#: Lease time assumed when a server sends none that makes sense.
FALLBACK_LEASE_SECONDS = 120.0

LeaseEvent = Literal["renewed", "lost", "error"]


@dataclass(frozen=True)
class LeaseInfo:
    """What a lease is, as the application sees it (a snapshot; a lease's attributes read the latest)."""

    lease_id: str
    feature: str
    count: int
    license_id: str
    pool_id: str
    #: URL of the server holding the lease.
    server: str
    #: RFC 3339, from the server: when the lease lapses without another heartbeat.
    expires_at: str
    heartbeat_seconds: float
    lease_seconds: float


class SeatContext:
    """What a seat needs from its client."""

    def __init__(
        self,
        *,
        transport: Transport,
        failover: Failover,
        scheduler: Scheduler,
        clock: Callable[[], float],
        logger: logging.Logger,
        forget: Callable[[Seat], None],
        owner_lock: threading.Lock,
    ) -> None:
        self.transport = transport
        self.failover = failover
        self.scheduler = scheduler
        self.clock = clock
        self.logger = logger
        self.forget = forget
        #: The client's lock, under which a cached seat is handed to a new owner.
        self.owner_lock = owner_lock


def _positive(value: float) -> bool:
    return value > 0 and value != float("inf")


class Seat:
    """Internal: one seat on a server and the heartbeats that keep it."""

    def __init__(self, ctx: SeatContext, request: Dict[str, Any], granted: Granted, sent_at: float) -> None:
        self._ctx = ctx
        self.request = request
        self.lock = threading.Lock()
        self.state: Literal["held", "lost", "ended"] = "held"
        #: The application's handle, or None while the seat sits in the release cache.
        self.owner: Optional[Lease] = None
        self._task: Optional[Task] = None
        self._ended = False
        # Why the seat was lost, kept for the events of later re-checkout attempts.
        self._lost_reason = "EXPIRED"
        self._adopt(granted, sent_at)

    def _adopt(self, granted: Granted, sent_at: float) -> None:
        r = granted.response
        self.address: ServerAddress = granted.server
        self.info = LeaseInfo(
            lease_id=r.lease_id,
            feature=r.feature,
            count=r.count,
            license_id=r.license_id,
            pool_id=r.pool_id,
            server=granted.server.url,
            expires_at=r.expires_at,
            heartbeat_seconds=r.heartbeat_seconds,
            lease_seconds=r.lease_seconds,
        )
        self._lease_seconds = float(r.lease_seconds) if _positive(r.lease_seconds) else FALLBACK_LEASE_SECONDS
        # Guard against a server that sends nonsense: a zero period would spin, and one longer
        # than the lease would let it lapse between heartbeats.
        hb = float(r.heartbeat_seconds) if _positive(r.heartbeat_seconds) else FALLBACK_HEARTBEAT_SECONDS
        self._heartbeat_seconds = max(MIN_HEARTBEAT_SECONDS, min(hb, self._lease_seconds / 2))
        # Measured from when the request was sent, on our own monotonic clock: the server extended
        # the lease no earlier than that, and the server's wall clock may differ from ours.
        self._deadline = sent_at + self._lease_seconds
        # Whether the server still holds info.lease_id, so releasing it means a DELETE.
        self._server_holds = True

    def start(self) -> None:
        with self.lock:
            self._schedule()

    def _schedule(self) -> None:
        if self.state != "ended":
            self._task = self._ctx.scheduler.call_later(self._heartbeat_seconds, self._tick)

    def _tick(self, shared: Round) -> None:
        """One heartbeat period, on the client's background thread."""
        notices: List[Callable[[], None]] = []
        with self.lock:
            if self.state == "ended":
                return
            self._task = None
            if self.state == "lost":
                self._recover(shared, self._lost_reason, notices)
            else:
                self._heartbeat(shared, notices)
            self._schedule()
        for notice in notices:
            notice()

    def _send(
        self, shared: Optional[Round], server: ServerAddress, method: str, path: str, body: Any = None
    ) -> HttpOutcome:
        down = None if shared is None else shared.down
        return send_unless_down(self._ctx.transport, down, server, method, path, body)

    def _heartbeat(self, shared: Round, notices: List[Callable[[], None]]) -> None:
        lease_id = self.info.lease_id
        server = self.address
        sent_at = self._ctx.clock()
        out = self._send(shared, server, "POST", heartbeat_path(lease_id), {})
        if isinstance(out, HttpResponse) and 200 <= out.status < 300:
            self._extended(out, sent_at)
            return
        if isinstance(out, HttpResponse) and out.status == 410:
            self._server_holds = False
            err = server_error(out.status, out.body)
            self._recover(shared, err.reason or err.code, notices)
            return

        # Its server cannot answer, but another server of the same pool (a Cloud node on the same
        # database) holds the same lease: keep it alive there and stay there. A peer that does not
        # know the lease changes nothing; the rules below still apply.
        if self._heartbeat_peer(shared, lease_id, server, sent_at):
            return

        # Transport error, 5xx or an unexpected answer: the lease may well still be held, so keep
        # heartbeating until its deadline; only after that is it surely gone from that server.
        if isinstance(out, HttpFailure):
            code, why, status = "UNAVAILABLE", out.why, None
        else:
            code, status = server_error(out.status, out.body).code, out.status
            why = f"HTTP {out.status} {code}"
        error = LicenseClientError(
            code, f"heartbeat of lease {lease_id} to {server.url} failed: {why}", server=server.url, status=status
        )
        self._ctx.logger.warning("%s", error.message)
        self._notice(notices, "error", error)
        if self._ctx.clock() >= self._deadline:
            self._server_holds = False
            self._recover(shared, "UNREACHABLE", notices)

    def _extended(self, out: HttpResponse, sent_at: float) -> None:
        expires_at = out.body.get("expiresAt") if isinstance(out.body, dict) else None
        if isinstance(expires_at, str):
            self.info = dataclasses.replace(self.info, expires_at=expires_at)
        self._deadline = sent_at + self._lease_seconds

    def _heartbeat_peer(self, shared: Round, lease_id: str, failed: ServerAddress, sent_at: float) -> bool:
        """Heartbeats the lease on another server of its pool; True (and moved there) if one extended it."""
        for peer in self._ctx.failover.peers_in_pool(failed, self.info.pool_id, shared.down):
            out = self._send(shared, peer, "POST", heartbeat_path(lease_id), {})
            if not isinstance(out, HttpResponse) or not 200 <= out.status < 300:
                continue
            self._extended(out, sent_at)
            self.address = peer
            self.info = dataclasses.replace(self.info, server=peer.url)
            self._ctx.logger.debug(
                "lease %s: heartbeat moved from %s to %s (same pool)", lease_id, failed.url, peer.url
            )
            return True
        return False

    def _recover(self, shared: Round, reason: str, notices: List[Callable[[], None]]) -> None:
        """The seat is gone from its server: check out the same feature and count again, anywhere."""
        if self._drop_if_unowned():
            # A cached seat nobody is using: taking a new one would hold a seat for no one.
            return
        previous_lease_id = self.info.lease_id
        sent_at = self._ctx.clock()
        result = self._ctx.failover.checkout(self.request, shared.down)
        if isinstance(result, Granted):
            self._adopt(result, sent_at)
            self.state = "held"
            self._ctx.logger.debug("lease %s re-checked out as %s (%s)", previous_lease_id, self.info.lease_id, reason)
            event = LeaseRenewed(
                previous_lease_id=previous_lease_id, lease_id=self.info.lease_id, server=self.info.server, reason=reason
            )
            self._notice(notices, "renewed", event)
            return
        if self._drop_if_unowned():
            return  # released into the cache while we were trying
        if self.state == "held":
            self.state = "lost"
            self._lost_reason = reason
            self._ctx.logger.warning("lease %s lost and not regained: %s", previous_lease_id, result.message)
            self._notice(notices, "lost", LeaseLost(code=result.code, message=result.message, reason=reason))

    def _notice(self, notices: List[Callable[[], None]], event: LeaseEvent, payload: Any) -> None:
        owner = self.owner
        if owner is not None:
            notices.append(functools.partial(owner._emit, event, payload))

    def _drop_if_unowned(self) -> bool:
        """Ends the seat if no lease handle owns it; checked under the client's lock, so a checkout
        cannot take it from the release cache at the same moment."""
        with self._ctx.owner_lock:
            unowned = self.owner is None
            if unowned:
                self.state = "ended"
        if unowned:
            self._drop()
        return unowned

    def _drop(self) -> None:
        """Ends a seat whose lease is already gone: nothing to send."""
        self.state = "ended"
        self._ended = True
        self._cancel_task()
        self._ctx.forget(self)

    def _cancel_task(self) -> None:
        if self._task is not None:
            self._ctx.scheduler.cancel(self._task)
            self._task = None

    def end(self, shared: Optional[Round] = None) -> None:
        """Stops heartbeats and releases the lease on its server.

        Never raises for a server's sake: a failed release only means the seat stays taken until
        the lease lapses on its own.
        """
        with self.lock:  # waits for a heartbeat or re-checkout in flight
            if self._ended:
                return
            self._ended = True
            self.state = "ended"
            self._cancel_task()
            if self._server_holds:
                self._release_on_server(shared)
        self._ctx.forget(self)

    def _release_on_server(self, shared: Optional[Round]) -> None:
        lease_id = self.info.lease_id
        path = lease_path(lease_id)
        out = self._send(shared, self.address, "DELETE", path)
        if isinstance(out, HttpFailure) or out.status >= 500:
            # Its server is down: a server of the same pool holds the same lease and can free it.
            down = None if shared is None else shared.down
            for peer in self._ctx.failover.peers_in_pool(self.address, self.info.pool_id, down):
                again = self._send(shared, peer, "DELETE", path)
                if isinstance(again, HttpResponse) and again.status < 300:
                    out = again
                    break
        if isinstance(out, HttpFailure) or out.status >= 300:
            why = out.why if isinstance(out, HttpFailure) else f"HTTP {out.status}"
            self._ctx.logger.warning("release of lease %s on %s failed: %s", lease_id, self.address.url, why)


RenewedCallback = Callable[[LeaseRenewed], None]
LostCallback = Callable[[LeaseLost], None]
ErrorCallback = Callable[[LicenseClientError], None]
_AnyCallback = Union[RenewedCallback, LostCallback, ErrorCallback]


class Lease:
    """A seat checked out from a license server; made by :meth:`LicenseClient.checkout`.

    The client heartbeats it until it is released. If the server says it is gone (``410
    LEASE_GONE``), or stays unreachable past the lease's expiry, the client checks out the same
    feature and count again (from any server, by the failover rules) and this object's ids change
    in place; ``renewed`` or ``lost`` callbacks say so.

    A lease is a context manager: leaving the ``with`` block releases it.

    Example::

        result = client.checkout("asr.engine")
        if result.ok:
            with result.lease as lease:
                lease.on("lost", lambda e: print(f"license lost: {e.message}"))
                transcribe()
    """

    def __init__(self, seat: Seat, releaser: Callable[[Seat], None], logger: logging.Logger) -> None:
        self._seat: Optional[Seat] = seat
        self._last = seat.info
        self._releaser = releaser
        self._logger = logger
        self._lock = threading.Lock()
        self._callbacks: Dict[str, List[_AnyCallback]] = {"renewed": [], "lost": [], "error": []}
        seat.owner = self

    @property
    def info(self) -> LeaseInfo:
        """A snapshot of what the lease is now."""
        seat = self._seat
        return seat.info if seat is not None else self._last

    @property
    def lease_id(self) -> str:
        return self.info.lease_id

    @property
    def feature(self) -> str:
        return self.info.feature

    @property
    def count(self) -> int:
        return self.info.count

    @property
    def license_id(self) -> str:
        return self.info.license_id

    @property
    def pool_id(self) -> str:
        return self.info.pool_id

    @property
    def server(self) -> str:
        """URL of the server holding the lease."""
        return self.info.server

    @property
    def expires_at(self) -> str:
        """RFC 3339, from the server's last answer."""
        return self.info.expires_at

    @property
    def heartbeat_seconds(self) -> float:
        return self.info.heartbeat_seconds

    @property
    def lease_seconds(self) -> float:
        return self.info.lease_seconds

    @property
    def held(self) -> bool:
        """True while the SDK believes a server holds a seat for this lease."""
        seat = self._seat
        return seat is not None and seat.state == "held"

    @property
    def released(self) -> bool:
        """True once :meth:`release` was called (or the client closed)."""
        return self._seat is None

    def release(self) -> None:
        """Gives the seat back.

        With a release cache the seat is kept (still heartbeating) for ``LICENSE_CACHE_PERIOD``
        seconds for a later checkout of the same feature, count and release date; otherwise
        ``DELETE /v1/leases/{id}`` is sent now. Never raises for a server's sake; calling it again
        does nothing.
        """
        seat = self._detach()
        if seat is not None:
            self._releaser(seat)

    def __enter__(self) -> Lease:
        return self

    def __exit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.release()

    @overload
    def on(self, event: Literal["renewed"], callback: RenewedCallback) -> Lease: ...

    @overload
    def on(self, event: Literal["lost"], callback: LostCallback) -> Lease: ...

    @overload
    def on(self, event: Literal["error"], callback: ErrorCallback) -> Lease: ...

    def on(self, event: LeaseEvent, callback: Any) -> Lease:
        """Calls ``callback`` on each ``event``; returns the lease, so calls chain.

        - ``renewed`` (:class:`LeaseRenewed`): the seat was lost and checked out again; the ids changed.
        - ``lost`` (:class:`LeaseLost`): the seat was lost and re-checkout refused; the client keeps
          trying every heartbeat period and calls ``renewed`` if it succeeds. Release to stop it.
        - ``error`` (:class:`LicenseClientError`): a heartbeat failed; retried next period. Informational.

        Callbacks run on the client's background thread: keep them short, and hand real work to
        your own threads. An exception in a callback is logged and does not stop the others.
        """
        if event not in self._callbacks:
            raise ValueError(f'unknown lease event "{event}" (expected renewed, lost or error)')
        with self._lock:
            self._callbacks[event] = [*self._callbacks[event], callback]
        return self

    def off(self, event: LeaseEvent, callback: Callable[..., None]) -> Lease:
        """Stops calling ``callback`` on ``event`` (no-op when it was not registered)."""
        with self._lock:
            self._callbacks[event] = [c for c in self._callbacks.get(event, []) if c is not callback]
        return self

    def _emit(self, event: LeaseEvent, payload: Any) -> None:
        for callback in self._callbacks[event]:
            try:
                callback(payload)
            except Exception:
                self._logger.exception("tessera_client: a lease %s callback raised", event)

    def _detach(self) -> Optional[Seat]:
        """The handle stops speaking for its seat; returns the seat if it had one."""
        with self._lock:
            seat = self._seat
            if seat is None:
                return None
            self._last = seat.info
            self._seat = None
        if seat.owner is self:
            seat.owner = None
        return seat

    def __repr__(self) -> str:
        state = "released" if self.released else "held" if self.held else "lost"
        info = self.info
        return f"<Lease {info.lease_id} {info.feature}x{info.count} on {info.server}, {state}>"
