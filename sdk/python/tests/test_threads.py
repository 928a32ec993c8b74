"""Threads: one background thread per client, checkouts from many threads, close() from anywhere;
and the HTTP connections behind them (kept alive, reopened when a server closed them)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import List

import pytest

import tessera_client._transport as transport_module
from conftest import Events, MakeClient
from fake_server import Fleet, ScriptedReply
from tessera_client import DEFAULT_REQUEST_TIMEOUT, ClientClosedError, ClientConfig, Lease, LeaseRenewed, LicenseClient


def client_threads() -> List[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "tessera-client"]


def test_a_client_has_one_background_thread_however_many_leases_it_holds(
    fleet: Fleet, make_client: MakeClient
) -> None:
    a = fleet.start(seats={"asr.engine": 300}, heartbeat_seconds=0.05)
    before = len(client_threads())
    client = make_client([a])
    assert len(client_threads()) == before, "no thread before the first lease"
    leases = []
    for _ in range(200):
        r = client.checkout("asr.engine")
        assert r.ok
        leases.append(r.lease)
    a.wait_until(lambda: len({q.lease_id for q in a.recorded("heartbeat")}) == 200, timeout=20)
    assert len(client_threads()) == before + 1
    client.close()
    assert len(client_threads()) == before, "close() ends the thread"
    assert a.leases == {}
    assert all(lease.released for lease in leases)


def test_checkouts_and_releases_from_many_threads_are_safe(fleet: Fleet, make_client: MakeClient) -> None:
    a = fleet.start(seats={"asr.engine": 160})
    client = make_client([a])

    def take(_: int) -> Lease:
        r = client.checkout("asr.engine")
        assert r.ok, r.message
        return r.lease

    with ThreadPoolExecutor(max_workers=16) as pool:
        leases = list(pool.map(take, range(160)))
    assert len({lease.lease_id for lease in leases}) == 160
    assert a.in_use("asr.engine") == 160
    r = client.checkout("asr.engine")
    assert not r.ok and r.code == "NO_SEATS"

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(Lease.release, leases))
    assert a.leases == {}
    assert len(a.recorded("release")) == 160


def test_the_release_cache_hands_each_cached_seat_to_one_thread_only(fleet: Fleet, make_client: MakeClient) -> None:
    a = fleet.start(seats={"asr.engine": 40})
    client = make_client([a], cache_seconds=30)
    first = [client.checkout("asr.engine") for _ in range(20)]
    for r in first:
        assert r.ok
        r.lease.release()

    def take(_: int) -> str:
        r = client.checkout("asr.engine")
        assert r.ok
        return r.lease.lease_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(take, range(20)))
    assert len(set(ids)) == 20, "no cached seat was handed out twice"
    assert len(a.recorded("checkout")) == 20, "every one came from the cache"


def test_close_during_a_checkout_gives_its_seat_back_and_the_checkout_raises(
    fleet: Fleet, make_client: MakeClient
) -> None:
    a = fleet.start()
    client = make_client([a])
    gate = threading.Event()
    a.script("checkout", ScriptedReply(gate=gate))  # granted, once the gate opens
    outcome: List[BaseException] = []

    def checkout() -> None:
        try:
            client.checkout("asr.engine")
        except BaseException as err:  # noqa: B902 - recorded for the assertion below
            outcome.append(err)

    t = threading.Thread(target=checkout)
    t.start()
    a.wait_until(lambda: len(a.recorded("checkout")) == 1)
    closing = threading.Thread(target=client.close)
    closing.start()
    a.wait_until(lambda: client._closing)  # close() has begun and waits for the checkout in flight
    gate.set()
    t.join(10)
    closing.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], ClientClosedError)
    assert a.leases == {}
    assert len(a.recorded("release")) == 1


def test_close_costs_one_request_per_unreachable_server_not_one_per_lease(
    fleet: Fleet, make_client: MakeClient
) -> None:
    a = fleet.start(seats={"asr.engine": 20})
    client = make_client([a], request_timeout=2.0)  # the checkouts must get through on a busy machine
    for _ in range(20):
        assert client.checkout("asr.engine").ok
    a.always("release", ScriptedReply(hang=True))
    client.close()
    assert len(a.recorded("release")) == 1, "the first timeout spoke for the other 19 leases"


def test_close_from_a_lease_callback_on_the_background_thread_does_not_deadlock(
    fleet: Fleet, make_client: MakeClient
) -> None:
    a = fleet.start(heartbeat_seconds=0.05)
    client = make_client([a])
    r = client.checkout("asr.engine")
    assert r.ok
    done = Events()

    def on_error(_: object) -> None:
        client.close()
        done(True)

    r.lease.on("error", on_error)
    a.script("heartbeat", ScriptedReply(status=500, code="INTERNAL"))
    done.wait()
    assert r.lease.released
    a.wait_until(lambda: a.leases == {})


def test_a_lease_released_from_its_own_callback_is_released_once(fleet: Fleet, make_client: MakeClient) -> None:
    a = fleet.start(heartbeat_seconds=0.05, lease_seconds=30)
    client = make_client([a])
    r = client.checkout("asr.engine")
    assert r.ok
    lease = r.lease
    renewed = Events()

    def on_renewed(e: LeaseRenewed) -> None:
        lease.release()
        renewed(e)

    lease.on("renewed", on_renewed)
    a.revoke(lease.lease_id)
    e = renewed.wait()
    assert lease.released
    a.wait_until(lambda: a.leases == {})
    assert [q.lease_id for q in a.recorded("release")] == [e.lease_id]


class TestConnections:
    def test_sequential_requests_reuse_one_kept_alive_connection(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start()
        client = make_client([a])
        for _ in range(10):
            r = client.checkout("asr.engine")
            assert r.ok
            r.lease.release()
        assert len({q.client_port for q in a.requests}) == 1

    def test_a_connection_the_server_closed_while_idle_is_replaced(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start()
        a.close_after_response = True
        client = make_client([a])
        for _ in range(5):
            r = client.checkout("asr.engine")
            assert r.ok
            r.lease.release()
        assert len(a.recorded("checkout")) == 5
        assert len({q.client_port for q in a.requests}) == 10

    def test_a_request_on_a_connection_closed_unseen_is_sent_again_once_on_a_new_one(
        self, fleet: Fleet, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The race the idle check cannot see: the server closes just as the request goes out.
        monkeypatch.setattr(transport_module, "_still_open", lambda conn: True)
        a = fleet.start()
        a.close_after_response = True
        client = make_client([a])
        for _ in range(5):
            r = client.checkout("asr.engine")
            assert r.ok, r.message
            r.lease.release()
        assert len(a.recorded("checkout")) == 5, "each checkout reached the server once"
        assert len(a.recorded("release")) == 5

    def test_the_resend_after_a_stale_connection_opens_a_new_one_rather_than_taking_another_idle_one(
        self, fleet: Fleet, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(transport_module, "_still_open", lambda conn: True)
        a = fleet.start()
        client = make_client([a])
        # Two requests at once leave two idle connections, both of which the server then closes.
        a.close_after_response = True
        gate = threading.Event()
        a.script("features", ScriptedReply(gate=gate), times=2)
        with ThreadPoolExecutor(max_workers=2) as pool:
            both = [pool.submit(client.features) for _ in range(2)]
            a.wait_until(lambda: len(a.recorded("features")) == 2)
            gate.set()
            for f in both:
                f.result()
        assert len({q.client_port for q in a.requests}) == 2
        r = client.checkout("asr.engine")
        assert r.ok, r.message
        assert len(a.recorded("checkout")) == 1

    def test_the_default_request_timeout_is_5_seconds(self, fleet: Fleet) -> None:
        assert DEFAULT_REQUEST_TIMEOUT == 5.0
        with LicenseClient(ClientConfig(servers=(fleet.start().address,))) as client:
            assert client._transport.timeout == 5.0
