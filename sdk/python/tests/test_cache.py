"""The release cache (LICENSE_CACHE_PERIOD) and close()."""

from __future__ import annotations

import time

import pytest

from conftest import MakeClient
from fake_server import Fleet
from tessera_client import ClientClosedError


def test_a_released_lease_is_reused_by_a_checkout_of_the_same_feature_and_count_without_a_request(
    fleet: Fleet, make_client: MakeClient
) -> None:
    a = fleet.start()
    client = make_client([a], cache_seconds=30)
    first = client.checkout("asr.engine", 2)
    assert first.ok
    first.lease.release()
    assert a.recorded("release") == [], "kept, not released"
    assert a.in_use("asr.engine") == 2
    assert first.lease.released

    second = client.checkout("asr.engine", 2)
    assert second.ok
    assert second.lease.lease_id == first.lease.lease_id
    assert len(a.recorded("checkout")) == 1, "no second POST"
    assert second.lease is not first.lease, "a fresh handle"
    assert second.lease.held


def test_a_cached_lease_keeps_heartbeating(fleet: Fleet, make_client: MakeClient) -> None:
    a = fleet.start(heartbeat_seconds=0.05)
    client = make_client([a], cache_seconds=30)
    r = client.checkout("asr.engine")
    assert r.ok
    r.lease.release()
    beats = len(a.recorded("heartbeat"))
    a.wait_until(lambda: len(a.recorded("heartbeat")) >= beats + 2)
    assert all(q.lease_id == r.lease.lease_id for q in a.recorded("heartbeat"))


def test_a_different_feature_count_or_release_date_is_not_served_from_the_cache(
    fleet: Fleet, make_client: MakeClient
) -> None:
    a = fleet.start(seats={"asr.engine": 10, "tts.voice": 10})
    client = make_client([a], cache_seconds=30)
    r = client.checkout("asr.engine")
    assert r.ok
    r.lease.release()
    for other in (
        client.checkout("asr.engine", 2),
        client.checkout("tts.voice"),
        client.checkout("asr.engine", release_date="2026-01-01"),
    ):
        assert other.ok
        assert other.lease.lease_id != r.lease.lease_id
    assert len(a.recorded("checkout")) == 4


def test_the_old_handle_of_a_reused_seat_cannot_release_it(fleet: Fleet, make_client: MakeClient) -> None:
    a = fleet.start()
    client = make_client([a], cache_seconds=30)
    first = client.checkout("asr.engine")
    assert first.ok
    first.lease.release()
    second = client.checkout("asr.engine")
    assert second.ok
    first.lease.release()
    assert second.lease.held
    assert a.recorded("release") == []


def test_after_the_period_the_cached_lease_is_really_released(fleet: Fleet, make_client: MakeClient) -> None:
    a = fleet.start()
    client = make_client([a], cache_seconds=0.5)
    r = client.checkout("asr.engine")
    assert r.ok
    released_at = time.monotonic()
    r.lease.release()
    delete = a.wait_for(lambda q: q.route == "release")
    assert time.monotonic() - released_at >= 0.5, "not before the period"
    assert delete.lease_id == r.lease.lease_id
    assert a.leases == {}

    again = client.checkout("asr.engine")
    assert again.ok
    assert again.lease.lease_id != r.lease.lease_id, "the expired cache entry is not reused"


def test_cache_period_0_releases_at_once(fleet: Fleet, make_client: MakeClient) -> None:
    a = fleet.start()
    client = make_client([a], cache_seconds=0)
    r = client.checkout("asr.engine")
    assert r.ok
    r.lease.release()
    assert [q.lease_id for q in a.recorded("release")] == [r.lease.lease_id]
    again = client.checkout("asr.engine")
    assert again.ok
    assert len(a.recorded("checkout")) == 2


def test_a_cached_lease_the_server_revokes_is_dropped_not_checked_out_again(
    fleet: Fleet, make_client: MakeClient
) -> None:
    a = fleet.start(heartbeat_seconds=0.05)
    client = make_client([a], cache_seconds=30)
    r = client.checkout("asr.engine")
    assert r.ok
    r.lease.release()
    a.revoke(r.lease.lease_id)
    a.wait_until(lambda: any(q.status == 410 for q in a.recorded("heartbeat")))  # LEASE_GONE
    time.sleep(0.15)
    beats = a.recorded("heartbeat")
    assert [q.status for q in beats if q.status == 410] == [410], "the dropped seat stops heartbeating"
    assert beats[-1].status == 410
    assert len(a.recorded("checkout")) == 1, "no seat taken for nobody"
    again = client.checkout("asr.engine")
    assert again.ok
    assert again.lease.lease_id != r.lease.lease_id


def test_close_releases_held_and_cached_leases_stops_heartbeats_and_later_checkouts_raise(
    fleet: Fleet, make_client: MakeClient
) -> None:
    a = fleet.start(heartbeat_seconds=0.05)
    b = fleet.start(heartbeat_seconds=0.05, seats={"tts.voice": 2})
    client = make_client([a], cache_seconds=30)
    other = make_client([b], cache_seconds=30)
    held = client.checkout("asr.engine")
    cached = client.checkout("asr.engine", 2)
    assert held.ok and cached.ok
    kept = other.checkout("tts.voice")
    assert kept.ok
    cached.lease.release()
    assert len(a.leases) == 2

    client.close()
    assert a.leases == {}
    released = sorted(q.lease_id or "" for q in a.recorded("release"))
    assert released == sorted([held.lease.lease_id, cached.lease.lease_id])
    assert held.lease.released and not held.lease.held
    with pytest.raises(ClientClosedError, match="closed"):
        client.checkout("asr.engine")
    client.close()  # idempotent

    beats = len(a.recorded("heartbeat"))
    time.sleep(0.15)
    assert len(a.recorded("heartbeat")) == beats, "no heartbeats after close"
    assert len(b.leases) == 1, "another client is unaffected"
    other.close()
    assert b.leases == {}


def test_a_client_is_a_context_manager_that_closes_on_exit(fleet: Fleet, make_client: MakeClient) -> None:
    a = fleet.start()
    with make_client([a], cache_seconds=30) as client:
        r = client.checkout("asr.engine")
        assert r.ok
    assert a.leases == {}
    assert r.lease.released
