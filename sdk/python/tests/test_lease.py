"""Heartbeats, re-checkout after a lost lease, heartbeat failover within a pool, and release."""

from __future__ import annotations

import threading
import time
from typing import Any, Dict

from conftest import Events, MakeClient
from fake_server import Fleet, ScriptedReply
from tessera_client import LeaseLost, LeaseRenewed, LicenseClientError

# Fake servers ask for a heartbeat every 50 ms so these tests run in well under a second, with a
# lease time no stall of a busy test machine can outlast; EXPIRING leases lapse after 0.3 s.
FAST: Dict[str, Any] = {"heartbeat_seconds": 0.05, "lease_seconds": 30}
EXPIRING: Dict[str, Any] = {"heartbeat_seconds": 0.05, "lease_seconds": 0.3}


class TestHeartbeats:
    def test_heartbeats_are_sent_every_heartbeat_seconds_for_the_lease(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(**FAST)
        r = make_client([a]).checkout("asr.engine")
        assert r.ok
        lease_id = r.lease.lease_id
        a.wait_until(lambda: len(a.recorded("heartbeat")) >= 3)
        assert all(q.lease_id == lease_id and q.body == {} for q in a.recorded("heartbeat"))
        assert r.lease.held

    def test_a_heartbeat_answer_updates_expires_at(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start(heartbeat_seconds=0.05, lease_seconds=3600)
        r = make_client([a]).checkout("asr.engine")
        assert r.ok
        first = r.lease.expires_at
        a.wait_until(lambda: len(a.recorded("heartbeat")) >= 2)
        deadline = time.monotonic() + 5
        while r.lease.expires_at == first and time.monotonic() < deadline:
            time.sleep(0.01)
        assert r.lease.expires_at > first

    def test_the_period_is_never_longer_than_half_the_lease(self, fleet: Fleet, make_client: MakeClient) -> None:
        # A server that asks for heartbeats every 60 s on a 0.2 s lease would let it lapse in between.
        a = fleet.start(heartbeat_seconds=60, lease_seconds=0.2)
        r = make_client([a]).checkout("asr.engine")
        assert r.ok
        a.wait_until(lambda: len(a.recorded("heartbeat")) >= 2)

    def test_a_failed_heartbeat_is_reported_as_an_error_event_and_retried_on_the_next_period(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(**FAST)
        r = make_client([a]).checkout("asr.engine")
        assert r.ok
        errors = Events()
        r.lease.on("error", errors)
        a.script("heartbeat", ScriptedReply(status=500, code="INTERNAL"), times=2)
        a.wait_until(lambda: len(a.recorded("heartbeat")) >= 4)
        errors.wait(2)
        assert len(errors.items) == 2
        err = errors.items[0]
        assert isinstance(err, LicenseClientError)
        assert (err.code, err.status, err.server) == ("INTERNAL", 500, a.url)
        assert err.message == f"heartbeat of lease {r.lease.lease_id} to {a.url} failed: HTTP 500 INTERNAL"
        assert r.lease.held
        assert len(a.recorded("checkout")) == 1, "no re-checkout while the lease is still within its life"

    def test_a_callback_that_raises_does_not_stop_the_others_or_the_heartbeats(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(**FAST)
        r = make_client([a]).checkout("asr.engine")
        assert r.ok

        def broken(_: LicenseClientError) -> None:
            raise RuntimeError("a bug in the application")

        errors = Events()
        r.lease.on("error", broken).on("error", errors)
        a.script("heartbeat", ScriptedReply(status=503, code="UNAVAILABLE"), times=2)
        errors.wait(2)
        beats = len(a.recorded("heartbeat"))
        a.wait_until(lambda: len(a.recorded("heartbeat")) >= beats + 2)
        assert r.lease.held

    def test_off_stops_a_callback(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start(**FAST)
        r = make_client([a]).checkout("asr.engine")
        assert r.ok
        removed, kept = Events(), Events()
        r.lease.on("error", removed).on("error", kept).off("error", removed)
        a.script("heartbeat", ScriptedReply(status=500, code="INTERNAL"))
        kept.wait(1)
        assert removed.items == []


class TestReCheckout:
    def test_after_lease_gone_the_sdk_checks_out_again_and_updates_the_lease_ids_in_place(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(**FAST)
        r = make_client([a]).checkout("asr.engine", 2)
        assert r.ok
        lease = r.lease
        old_id = lease.lease_id
        renewed = Events()
        lease.on("renewed", renewed)
        a.revoke(old_id, "SEATS_REDUCED")
        e = renewed.wait()
        assert isinstance(e, LeaseRenewed)
        assert (e.previous_lease_id, e.reason, e.server) == (old_id, "SEATS_REDUCED", a.url)
        assert lease.lease_id != old_id
        assert e.lease_id == lease.lease_id
        assert lease.count == 2
        assert lease.lease_id in a.leases
        assert lease.held
        again = a.recorded("checkout")[1].body
        assert (again["feature"], again["count"]) == ("asr.engine", 2)
        # Heartbeats continue for the new id.
        a.wait_for(lambda q: q.route == "heartbeat" and q.lease_id == lease.lease_id)

    def test_re_checkout_after_lease_gone_follows_the_failover_rules_to_another_pool(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(pool_id="p1", **FAST)
        b = fleet.start(pool_id="p2", **FAST)
        r = make_client([a, b]).checkout("asr.engine")
        assert r.ok and r.lease.server == a.url
        renewed = Events()
        r.lease.on("renewed", renewed)
        a.set_seats("asr.engine", 0)
        a.revoke(r.lease.lease_id, "LICENSE_UNINSTALLED")
        e = renewed.wait()
        assert e.server == b.url
        assert (r.lease.server, r.lease.pool_id) == (b.url, "p2")

    def test_when_re_checkout_is_refused_the_lease_reports_lost_keeps_trying_and_reports_renewed_once_a_seat_frees(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(**FAST)
        r = make_client([a]).checkout("asr.engine")
        assert r.ok
        lost, renewed = Events(), Events()
        r.lease.on("lost", lost).on("renewed", renewed)
        a.set_seats("asr.engine", 0)
        a.revoke(r.lease.lease_id, "SEATS_REDUCED")
        e = lost.wait()
        assert isinstance(e, LeaseLost)
        assert (e.code, e.reason) == ("NO_SEATS", "SEATS_REDUCED")
        assert not r.lease.held and not r.lease.released
        tries = len(a.recorded("checkout"))
        a.wait_until(lambda: len(a.recorded("checkout")) >= tries + 2)
        assert len(lost.items) == 1, "lost is reported once, not at every try"

        a.set_seats("asr.engine", 1)
        e2 = renewed.wait()
        assert e2.reason == "SEATS_REDUCED"
        assert r.lease.held
        assert r.lease.lease_id in a.leases

    def test_a_server_unreachable_past_the_lease_expiry_is_given_up_and_the_seat_checked_out_elsewhere(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(pool_id="shared", **EXPIRING)
        b = fleet.start(pool_id="shared", **EXPIRING)
        r = make_client([a, b]).checkout("asr.engine")
        assert r.ok
        errors, renewed = Events(), Events()
        r.lease.on("error", errors).on("renewed", renewed)
        a.wait_until(lambda: len(a.recorded("heartbeat")) >= 2)
        a.stop()
        e = renewed.wait()
        assert e.reason == "UNREACHABLE"
        assert r.lease.server == b.url
        assert len(errors.items) >= 2, "heartbeats were retried before giving up"
        assert "connection refused" in errors.items[0].message
        # Not before the lease had lapsed: a lease's heartbeats go one after another, so the last
        # one that got through was sent after the one before it arrived; its lease time counts from then.
        answered = [q for q in a.requests if q.route in ("checkout", "heartbeat")]
        assert renewed.times[0] >= answered[-2].at + 0.3


class TestHeartbeatFailoverWithinAPool:
    def test_a_heartbeat_its_server_cannot_answer_moves_to_a_server_of_the_same_pool_that_holds_the_lease(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(pool_id="cloud", **FAST)
        b = fleet.start(pool_id="cloud", **FAST)
        r = make_client([a, b]).checkout("asr.engine")
        assert r.ok
        lease_id = r.lease.lease_id
        a.share_lease(lease_id, b)  # Cloud nodes on one database: the other node knows every lease of the pool
        renewed = Events()
        r.lease.on("renewed", renewed)
        a.stop()
        b.wait_until(lambda: len([q for q in b.recorded("heartbeat") if q.lease_id == lease_id]) >= 2)
        assert r.lease.server == b.url
        assert r.lease.lease_id == lease_id, "the same lease, not a new checkout"
        assert r.lease.held
        assert renewed.items == []
        assert b.recorded("checkout") == []
        r.lease.release()
        assert b.recorded("release")[0].lease_id == lease_id, "released where it is kept now"

    def test_a_release_its_server_cannot_take_goes_to_a_server_of_the_same_pool(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(pool_id="cloud", **FAST)
        b = fleet.start(pool_id="cloud", **FAST)
        r = make_client([a, b]).checkout("asr.engine")
        assert r.ok
        lease_id = r.lease.lease_id
        a.share_lease(lease_id, b)
        a.always("release", ScriptedReply(status=503, code="UNAVAILABLE"))
        r.lease.release()
        assert b.recorded("release")[0].lease_id == lease_id
        assert lease_id not in b.leases

    def test_servers_of_other_pools_are_not_asked_to_keep_a_lease(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start(pool_id="pool-a", **FAST)
        b = fleet.start(pool_id="pool-b", **FAST)
        r = make_client([a, b]).checkout("asr.engine")
        assert r.ok
        a.always("heartbeat", ScriptedReply(status=503, code="UNAVAILABLE"))
        a.wait_until(lambda: len(a.recorded("heartbeat")) >= 3)
        assert b.recorded("heartbeat") == []
        assert r.lease.server == a.url


class TestRelease:
    def test_release_sends_delete_and_stops_heartbeats(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start(**FAST)
        r = make_client([a]).checkout("asr.engine")
        assert r.ok
        lease_id = r.lease.lease_id
        r.lease.release()
        assert [q.lease_id for q in a.recorded("release")] == [lease_id]
        assert a.leases == {}
        assert r.lease.released and not r.lease.held
        assert r.lease.lease_id == lease_id, "a released lease still says what it was"
        beats = len(a.recorded("heartbeat"))
        time.sleep(0.15)
        assert len(a.recorded("heartbeat")) == beats
        r.lease.release()
        assert len(a.recorded("release")) == 1, "releasing twice sends one DELETE"

    def test_a_lease_is_a_context_manager_that_releases_on_exit_even_after_an_exception(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start()
        client = make_client([a])
        r = client.checkout("asr.engine")
        assert r.ok
        try:
            with r.lease as lease:
                assert lease is r.lease and lease.held
                raise KeyError("the application failed")
        except KeyError:
            pass
        assert r.lease.released
        assert a.leases == {}

    def test_release_does_not_raise_when_the_server_is_gone(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start(**FAST)
        r = make_client([a]).checkout("asr.engine")
        assert r.ok
        a.stop()
        r.lease.release()
        assert r.lease.released

    def test_a_lease_released_during_its_re_checkout_gives_the_new_seat_back(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(**FAST)
        r = make_client([a]).checkout("asr.engine")
        assert r.ok
        gate = threading.Event()
        a.script("checkout", ScriptedReply(gate=gate))  # the re-checkout is granted once the gate opens
        a.revoke(r.lease.lease_id)
        a.wait_until(lambda: len(a.recorded("checkout")) == 2)
        released = threading.Thread(target=r.lease.release)
        released.start()
        released.join(0.2)
        assert released.is_alive(), "the release waits for the re-checkout in flight"
        gate.set()
        released.join(10)
        assert not released.is_alive()
        assert a.leases == {}, "the seat granted by the re-checkout was released"
        assert len(a.recorded("release")) == 1
