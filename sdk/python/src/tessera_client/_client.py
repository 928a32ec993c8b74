"""``LicenseClient``: checkout with failover, heartbeats, release and the release cache."""

from __future__ import annotations

import datetime
import logging
import os
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Callable, Dict, List, Optional, Set, Tuple, Type, Union

from ._config import ClientConfig, load_client_properties
from ._failover import Failover, Granted
from ._lease import Lease, Seat, SeatContext
from ._scheduler import Round, Scheduler, Task
from ._server_address import ServerAddress
from ._transport import Transport
from ._types import CheckoutDenial, CheckoutGrant, CheckoutResult, ClientClosedError
from ._version import __version__

#: Per-request timeout in seconds (connect, and each wait for the server); a timeout counts as a transport error.
DEFAULT_REQUEST_TIMEOUT = 5.0

_LOGGER = logging.getLogger("tessera_client")
# The largest integer every SDK and the server's JSON read exactly (JavaScript's safe integers).
_MAX_COUNT = 2**53 - 1
_ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

@dataclass(frozen=True)
class FeaturesResult:
    """The features of a server, as its ``GET /v1/features`` answered, and which server answered."""

    server: str
    pool_id: str
    #: One entry per feature, as the server sent it: ``feature``, ``total``, ``inUse``, ``available``, ``licenses``.
    features: List[Dict[str, Any]]


@dataclass
class _CachedSeat:
    key: Tuple[str, int, Optional[str]]
    seat: Seat
    task: Optional[Task] = None


def _check_release_date(value: Optional[str], what: str) -> None:
    if value is None:
        return
    ok = isinstance(value, str) and _ISO_DATE_RE.fullmatch(value) is not None
    if ok:
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            ok = False
    if not ok:
        raise ValueError(f'{what} must be a date written YYYY-MM-DD, got "{value}"')


class LicenseClient:
    """Checks seats out of Tessera license servers for one application.

    - :meth:`checkout` asks the servers in failover order; a refusal is a result, not an exception.
    - Granted leases heartbeat on the client's one background thread, and are checked out again if lost.
    - Released seats are kept for ``cache_seconds`` and reused by a checkout of the same feature,
      count and release date, so an app that opens and closes a feature in a loop does not churn the server.
    - :meth:`close` (or leaving a ``with`` block) releases everything.

    Safe to share between threads.

    Example::

        with LicenseClient.from_file("client_property.conf", app="myapp", release_date="2026-03-01") as client:
            result = client.checkout("asr.engine")
            if not result.ok:
                sys.exit(f"no license: {result.code}: {result.message}")
            with result.lease:
                run_engine()
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        app: Optional[str] = None,
        version: Optional[str] = None,
        release_date: Optional[str] = None,
        client_id: Optional[str] = None,
        host: Optional[str] = None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        logger: Optional[logging.Logger] = None,
    ) -> None:
        """
        :param config: servers in failover order, cache period, credentials; usually from
            :meth:`from_file` or :func:`parse_client_properties`.
        :param app: application name sent with each checkout.
        :param version: application version sent with each checkout.
        :param release_date: the application's release date, ``YYYY-MM-DD``, set at build time;
            servers compare it with each license's maintenance date. None means "released today".
        :param client_id: id of this client; default a random UUID.
        :param host: host name sent with each checkout (:meth:`from_file` fills in this machine's).
        :param request_timeout: seconds per request before it counts as a transport error.
        :param logger: where the SDK logs (default the ``tessera_client`` logger); it prints nothing itself.
        :raises ValueError: for an empty server list, a negative cache period or a malformed ``release_date``.
        """
        if not config.servers:
            raise ValueError("LicenseClient needs at least one server")
        if not config.cache_seconds >= 0 or config.cache_seconds == float("inf"):
            raise ValueError(f"cache_seconds must be a number >= 0, got {config.cache_seconds}")
        if not request_timeout > 0:
            raise ValueError(f"request_timeout must be a number > 0, got {request_timeout}")
        _check_release_date(release_date, "release_date")
        self._config = config
        self._logger = logger or _LOGGER
        self._clock: Callable[[], float] = time.monotonic
        self._transport = Transport(
            timeout=request_timeout, auth=config.auth, user_agent=f"tessera-client-python/{__version__}"
        )
        self._lock = threading.Lock()
        self._failover = Failover(config.servers, self._transport, self._logger)
        self._scheduler = Scheduler("tessera-client", self._logger, self._clock)
        self._ctx = SeatContext(
            transport=self._transport,
            failover=self._failover,
            scheduler=self._scheduler,
            clock=self._clock,
            logger=self._logger,
            forget=self._forget,
            owner_lock=self._lock,
        )
        info: Dict[str, str] = {"id": client_id if client_id is not None else str(uuid.uuid4())}
        for key, value in (("host", host), ("app", app), ("version", version), ("releaseDate", release_date)):
            if value is not None:
                info[key] = value
        self._client_info = info

        self._changed = threading.Condition(self._lock)  # in-flight checkouts finished
        self._seats: Set[Seat] = set()  # every seat not yet ended: held by the app or cached
        self._cache: List[_CachedSeat] = []
        self._in_flight = 0
        self._closing = False
        self._closed = threading.Event()

    @classmethod
    def from_file(
        cls,
        path: Union[str, "os.PathLike[str]"],
        *,
        app: Optional[str] = None,
        version: Optional[str] = None,
        release_date: Optional[str] = None,
        client_id: Optional[str] = None,
        host: Optional[str] = None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        logger: Optional[logging.Logger] = None,
    ) -> LicenseClient:
        """Reads ``client_property.conf`` at ``path`` and makes a client from it.

        The parser's warnings are logged (``logging.WARNING``) and kept in :attr:`warnings`. The
        host name sent with checkouts is this machine's unless ``host`` says otherwise.

        :raises ConfigError: when the file cannot be read or is malformed (message ``FILE:LINE: ...``).
        :raises ValueError: for a malformed ``release_date``.
        """
        config = load_client_properties(path)
        client = cls(
            config,
            app=app,
            version=version,
            release_date=release_date,
            client_id=client_id,
            host=host if host is not None else socket.gethostname(),
            request_timeout=request_timeout,
            logger=logger,
        )
        for warning in config.warnings:
            client._logger.warning("%s", warning)
        return client

    @property
    def warnings(self) -> Tuple[str, ...]:
        """The config parser's warnings (unknown keys and sections, ...), each ``FILE:LINE: ...``."""
        return self._config.warnings

    @property
    def servers(self) -> Tuple[ServerAddress, ...]:
        """The configured servers, in failover order as written."""
        return self._config.servers

    @property
    def current_server(self) -> str:
        """URL of the server the next request goes to first (the one that last answered, else the first)."""
        return self._failover.current().url

    @property
    def client_id(self) -> str:
        return self._client_info["id"]

    def checkout(self, feature: str, count: int = 1, *, release_date: Optional[str] = None) -> CheckoutResult:
        """Checks out ``count`` seats of ``feature`` (``POST /v1/leases``), failing over between servers.

        A cached seat of the same feature, count and release date is reused without a request.

        :returns: a :class:`CheckoutGrant` (``ok`` True, ``lease``) or a :class:`CheckoutDenial`
            (``ok`` False, ``code``, ``message``, ``server``); ``UNAVAILABLE`` when no server could be reached.
        :raises TypeError, ValueError: for invalid arguments, before any request.
        :raises ClientClosedError: after :meth:`close`.
        """
        if self._closing:
            raise ClientClosedError("LicenseClient is closed")
        if not isinstance(feature, str):
            raise TypeError(f"feature must be a string, got {type(feature).__name__}")
        if feature == "":
            raise ValueError("feature must be a non-empty string")
        if not isinstance(count, int) or isinstance(count, bool):
            raise TypeError(f"count must be an integer, got {count!r}")
        if count < 1 or count > _MAX_COUNT:
            raise ValueError(f"count must be an integer >= 1, got {count}")
        _check_release_date(release_date, "release_date")
        date = release_date if release_date is not None else self._client_info.get("releaseDate")

        # The release date is part of the key: a seat granted under one maintenance check must not
        # be handed to a caller who claims a different date.
        key = (feature, count, date)
        with self._lock:
            if self._closing:
                raise ClientClosedError("LicenseClient is closed")
            cached = self._take_from_cache(key)
            if cached is None:
                self._in_flight += 1
            else:
                # Owned before the lock is let go, so the background thread cannot drop it as unused.
                reused = Lease(cached, self._release, self._logger)
        if cached is not None:
            self._logger.debug("reusing cached lease %s (%s x%d)", cached.info.lease_id, feature, count)
            return CheckoutGrant(lease=reused, server=reused.server)

        try:
            client = dict(self._client_info)
            if date is not None:
                client["releaseDate"] = date
            request: Dict[str, Any] = {"feature": feature, "count": count, "client": client}
            sent_at = self._clock()
            result = self._failover.checkout(request)
            if isinstance(result, CheckoutDenial):
                return result
            return self._hold(request, result, sent_at)
        finally:
            with self._lock:
                self._in_flight -= 1
                self._changed.notify_all()

    def _hold(self, request: Dict[str, Any], granted: Granted, sent_at: float) -> CheckoutGrant:
        seat = Seat(self._ctx, request, granted, sent_at)
        with self._lock:
            closing = self._closing
            if not closing:
                self._seats.add(seat)
        if closing:
            # close() ran while this request was in flight: give the seat straight back.
            seat.end()
            raise ClientClosedError("LicenseClient was closed during the checkout")
        lease = Lease(seat, self._release, self._logger)
        seat.start()
        return CheckoutGrant(lease=lease, server=lease.server)

    def features(self) -> FeaturesResult:
        """The features of the current server (``GET /v1/features``), failing over like a checkout.

        :raises LicenseClientError: with the server's code, or ``UNAVAILABLE`` if none answered.
        """
        server, body = self._failover.features()
        return FeaturesResult(server=server.url, pool_id=body["poolId"], features=body["features"])

    def close(self) -> None:
        """Releases every lease, cached ones included, and stops the background thread.

        Leases still held by the app become released (``lease.released``); later checkouts raise
        :class:`ClientClosedError`. Calling it again does nothing. Never raises for a server's sake.
        """
        with self._lock:
            if self._closing:
                already = True
            else:
                already = False
                self._closing = True
                while self._in_flight > 0:
                    self._changed.wait()
                entries = self._cache[:]
                self._cache.clear()
                seats = list(self._seats)
        if already:
            # Another thread is closing; wait for it, unless this is the background thread, which
            # that close() is itself waiting for.
            if threading.current_thread() is not self._scheduler.thread:
                self._closed.wait()
            return
        for entry in entries:
            if entry.task is not None:
                self._scheduler.cancel(entry.task)
        shared = Round()  # one unreachable server costs one timeout, not one per lease
        for seat in seats:
            owner = seat.owner
            if owner is not None:
                owner._detach()
            seat.end(shared)
        self._scheduler.stop()
        self._transport.close()
        self._closed.set()

    def __enter__(self) -> LicenseClient:
        return self

    def __exit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.close()

    def _release(self, seat: Seat) -> None:
        """A lease handle let go of its seat: cache it, or release it now."""
        with self._lock:
            if not self._closing and self._config.cache_seconds > 0 and seat.state == "held":
                entry = _CachedSeat(key=_cache_key(seat), seat=seat)
                entry.task = self._scheduler.call_later(self._config.cache_seconds, lambda r: self._expire(entry, r))
                self._cache.append(entry)
                return
        seat.end()

    def _expire(self, entry: _CachedSeat, shared: Round) -> None:
        with self._lock:
            if entry not in self._cache:
                return
            self._cache.remove(entry)
        entry.seat.end(shared)

    def _take_from_cache(self, key: Tuple[str, int, Optional[str]]) -> Optional[Seat]:
        """The oldest cached seat for this key that still holds its lease (the lock is held)."""
        for i, entry in enumerate(self._cache):
            if entry.key == key and entry.seat.state == "held":
                del self._cache[i]
                if entry.task is not None:
                    self._scheduler.cancel(entry.task)
                return entry.seat
        return None

    def _forget(self, seat: Seat) -> None:
        with self._lock:
            self._seats.discard(seat)
            for i, entry in enumerate(self._cache):
                if entry.seat is seat:
                    del self._cache[i]
                    if entry.task is not None:
                        self._scheduler.cancel(entry.task)
                    break


def _cache_key(seat: Seat) -> Tuple[str, int, Optional[str]]:
    client = seat.request["client"]
    return (seat.request["feature"], seat.request["count"], client.get("releaseDate"))
