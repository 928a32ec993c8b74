"""Fixtures: fake License Servers and clients, all stopped and closed after each test."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterator, List, Optional, Sequence, Union

import pytest

from fake_server import FakeLicenseServer, Fleet
from tessera_client import ClientAuth, ClientConfig, LicenseClient, ServerAddress

MakeClient = Callable[..., LicenseClient]


@pytest.fixture
def fleet() -> Iterator[Fleet]:
    f = Fleet()
    yield f
    f.stop_all()


@pytest.fixture
def make_client() -> Iterator[MakeClient]:
    """A client for fake servers, cache off unless asked for; closed after the test.

    Requests wait the SDK's own 5 s by default: a busy test machine can make a fake server slow,
    and only the tests about timeouts may depend on one.
    """
    made: List[LicenseClient] = []

    def make(
        servers: Sequence[Union[FakeLicenseServer, ServerAddress]],
        *,
        cache_seconds: float = 0,
        auth: Optional[ClientAuth] = None,
        **opts: Any,
    ) -> LicenseClient:
        addresses = tuple(s.address if isinstance(s, FakeLicenseServer) else s for s in servers)
        client = LicenseClient(ClientConfig(servers=addresses, cache_seconds=cache_seconds, auth=auth), **opts)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


class Events:
    """Collects a lease's callbacks from the background thread, and waits for them."""

    def __init__(self) -> None:
        self.items: List[Any] = []
        #: When each item came (time.monotonic()).
        self.times: List[float] = []
        self._cond = threading.Condition()

    def __call__(self, item: Any) -> None:
        with self._cond:
            self.items.append(item)
            self.times.append(time.monotonic())
            self._cond.notify_all()

    def wait(self, n: int = 1, timeout: float = 10.0) -> Any:
        """The n-th item (1-based), waiting for it up to ``timeout`` seconds."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.items) >= n, timeout):
                raise AssertionError(f"expected {n} event(s) within {timeout} s, got {len(self.items)}")
            return self.items[n - 1]
