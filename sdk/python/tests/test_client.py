"""Checkout, failover, authentication and features(), against fake License Servers."""

from __future__ import annotations

import base64
import re

import pytest

from conftest import MakeClient
from fake_server import Fleet, ScriptedReply
from tessera_client import (
    CheckoutDenial,
    ClientAuth,
    ClientConfig,
    LicenseClient,
    LicenseClientError,
)


class TestCheckout:
    def test_a_grant_returns_a_lease_carrying_the_server_ids_and_the_request_carries_the_client_info(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(pool_id="pool_a")
        client = make_client(
            [a], app="dictate", version="4.2.0", release_date="2026-03-01", client_id="cli_1", host="ws-17"
        )
        r = client.checkout("asr.engine", 2)
        assert r.ok
        assert r.code is None and r.message == ""
        assert r.server == a.url
        lease = r.lease
        assert (lease.feature, lease.count, lease.pool_id, lease.server) == ("asr.engine", 2, "pool_a", a.url)
        assert lease.license_id == f"lic_{a.port}"
        assert lease.lease_id in a.leases
        assert lease.held and not lease.released
        assert a.recorded("checkout")[0].body == {
            "feature": "asr.engine",
            "count": 2,
            "client": {
                "id": "cli_1",
                "host": "ws-17",
                "app": "dictate",
                "version": "4.2.0",
                "releaseDate": "2026-03-01",
            },
        }
        assert a.recorded("checkout")[0].headers["content-type"] == "application/json"

    def test_count_defaults_to_1_and_a_per_checkout_release_date_overrides_the_client_one(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start()
        client = make_client([a], release_date="2026-03-01")
        assert client.checkout("asr.engine", release_date="2025-12-31").ok
        body = a.recorded("checkout")[0].body
        assert body["count"] == 1
        assert body["client"]["releaseDate"] == "2025-12-31"
        assert isinstance(body["client"]["id"], str) and body["client"]["id"] != ""

    def test_invalid_arguments_raise_instead_of_asking_a_server(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start()
        client = make_client([a])
        with pytest.raises(ValueError, match="count must be an integer >= 1, got 0"):
            client.checkout("asr.engine", 0)
        with pytest.raises(ValueError, match="count must be an integer >= 1, got 9007199254740992"):
            client.checkout("asr.engine", 2**53)
        with pytest.raises(TypeError):
            client.checkout("asr.engine", 1.5)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            client.checkout("asr.engine", True)
        with pytest.raises(ValueError, match='release_date must be a date written YYYY-MM-DD, got "2026-02-30"'):
            client.checkout("asr.engine", release_date="2026-02-30")
        with pytest.raises(ValueError, match="release_date"):
            client.checkout("asr.engine", release_date="2026-3-1")
        with pytest.raises(ValueError):
            client.checkout("")
        with pytest.raises(TypeError):
            client.checkout(None)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            LicenseClient(ClientConfig(servers=(a.address,), cache_seconds=0), release_date="3/1/2026")
        with pytest.raises(ValueError, match="at least one server"):
            LicenseClient(ClientConfig(servers=(), cache_seconds=0))
        with pytest.raises(ValueError, match="cache_seconds"):
            LicenseClient(ClientConfig(servers=(a.address,), cache_seconds=-1))
        assert a.requests == []

    @pytest.mark.parametrize(
        "status,code",
        [
            (409, "NO_SEATS"),
            (404, "UNKNOWN_FEATURE"),
            (403, "LICENSE_EXPIRED"),
            (403, "MAINTENANCE_EXPIRED"),
            (401, "UNAUTHORIZED"),
            (400, "BAD_REQUEST"),
            (429, "RATE_LIMITED"),
            (503, "CLOCK_TAMPERED"),
        ],
    )
    def test_a_denial_from_the_first_server_is_a_result_and_final(
        self, fleet: Fleet, make_client: MakeClient, status: int, code: str
    ) -> None:
        a = fleet.start(pool_id="shared")
        b = fleet.start(pool_id="shared")
        a.script("checkout", ScriptedReply(status=status, code=code, message=f"said {code}"))
        r = make_client([a, b]).checkout("asr.engine")
        assert not r.ok
        assert r.code == code
        assert r.server == a.url
        assert r.lease is None
        assert r.message.startswith(f"{a.url}: said {code}"), r.message
        assert b.recorded("checkout") == [], "no failover after a final answer"

    def test_a_4xx_without_a_tessera_envelope_maps_by_status(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start()
        a.script("checkout", ScriptedReply(status=401, body="nope"))
        r = make_client([a]).checkout("asr.engine")
        assert not r.ok and r.code == "UNAUTHORIZED"
        a.script("checkout", ScriptedReply(status=418, body={"teapot": True}))
        r2 = make_client([a]).checkout("asr.engine")
        assert not r2.ok and r2.code == "BAD_REQUEST"
        assert "HTTP 418" in r2.message

    def test_unavailable_when_no_server_can_be_reached_naming_each_server_and_why(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        dead1 = fleet.dead_address()
        dead2 = fleet.dead_address()
        r = make_client([dead1, dead2]).checkout("asr.engine")
        assert not r.ok
        assert r.code == "UNAVAILABLE"
        assert r.server is None
        assert re.search(
            f"{re.escape(dead1.url)}: connection refused \\(ECONNREFUSED\\); "
            f"{re.escape(dead2.url)}: connection refused",
            r.message,
        ), r.message


class TestFailover:
    def test_connection_refused_goes_on_to_the_next_server(self, fleet: Fleet, make_client: MakeClient) -> None:
        dead = fleet.dead_address()
        b = fleet.start()
        r = make_client([dead, b]).checkout("asr.engine")
        assert r.ok and r.lease.server == b.url

    def test_5xx_goes_on_to_the_next_server(self, fleet: Fleet, make_client: MakeClient) -> None:
        a, b, c = (fleet.start(pool_id="shared") for _ in range(3))
        a.script("checkout", ScriptedReply(status=500, code="INTERNAL"))
        b.script("checkout", ScriptedReply(status=503, code="UNAVAILABLE", message="commit failed"))
        r = make_client([a, b, c]).checkout("asr.engine")
        assert r.ok and r.lease.server == c.url

    def test_5xx_on_every_server_is_unavailable_with_each_status_in_the_message(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start()
        a.script("checkout", ScriptedReply(status=500, code="INTERNAL", message="boom"))
        r = make_client([a]).checkout("asr.engine")
        assert r == CheckoutDenial(
            code="UNAVAILABLE", message=f"no license server could be reached: {a.url}: HTTP 500 INTERNAL: boom"
        )

    def test_a_request_timeout_goes_on_to_the_next_server(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start()
        b = fleet.start()
        a.script("checkout", ScriptedReply(hang=True))
        # Long enough for b to answer on a busy machine: a hung server costs exactly this.
        r = make_client([a, b], request_timeout=2.0).checkout("asr.engine")
        assert r.ok and r.lease.server == b.url

    def test_a_timeout_is_described_in_the_unavailable_message(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start()
        a.script("checkout", ScriptedReply(hang=True))
        r = make_client([a], request_timeout=0.2).checkout("asr.engine")
        assert not r.ok
        assert r.message == f"no license server could be reached: {a.url}: no answer within 200 ms"

    def test_a_201_with_a_malformed_body_goes_on_to_the_next_server(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start()
        b = fleet.start()
        a.script("checkout", ScriptedReply(status=201, body={"leaseId": "x"}))
        r = make_client([a, b]).checkout("asr.engine")
        assert r.ok and r.lease.server == b.url

    def test_a_redirect_is_a_failure_of_that_server(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start()
        b = fleet.start()
        a.script("checkout", ScriptedReply(status=307, body={}))
        r = make_client([a, b]).checkout("asr.engine")
        assert r.ok and r.lease.server == b.url
        a.script("checkout", ScriptedReply(status=302, body={}))
        r2 = make_client([a]).checkout("asr.engine")
        assert not r2.ok and "unexpected redirect (HTTP 302)" in r2.message

    def test_the_server_that_last_worked_is_asked_first_the_others_keep_configured_order(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a, b, c = (fleet.start(pool_id="shared") for _ in range(3))
        client = make_client([a, b, c])
        a.always("checkout", ScriptedReply(status=500, code="INTERNAL"))
        first = client.checkout("asr.engine")
        assert first.ok and first.lease.server == b.url
        assert client.current_server == b.url

        a.clear_scripts()
        second = client.checkout("asr.engine")
        assert second.ok and second.lease.server == b.url, "sticky: b first although a is back"
        assert len(a.recorded("checkout")) == 1

        b.always("checkout", ScriptedReply(status=500, code="INTERNAL"))
        third = client.checkout("asr.engine")
        assert third.ok and third.lease.server == a.url, "after b: a before c, as configured"
        assert c.recorded("checkout") == []


class TestNoSeatsAndPools:
    def test_no_seats_goes_on_to_a_server_of_a_different_pool(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start(pool_id="pool_a", seats={"asr.engine": 0})
        b = fleet.start(pool_id="pool_b")
        r = make_client([a, b]).checkout("asr.engine")
        assert r.ok
        assert (r.lease.server, r.lease.pool_id) == (b.url, "pool_b")
        # Pools were learned lazily through GET /v1/features.
        assert len(a.recorded("features")) == 1
        assert len(b.recorded("features")) == 1

    def test_no_seats_does_not_go_on_to_a_server_of_the_same_pool(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start(pool_id="shared", seats={"asr.engine": 0})
        b = fleet.start(pool_id="shared")
        r = make_client([a, b]).checkout("asr.engine")
        assert not r.ok
        assert (r.code, r.server) == ("NO_SEATS", a.url)
        assert "skipped, same pool shared as a server with no seats" in r.message
        assert b.recorded("checkout") == []

    def test_no_seats_skips_servers_of_the_full_pool_but_reaches_another_pool_after_them(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(pool_id="p1", seats={"asr.engine": 0})
        b = fleet.start(pool_id="p1")
        c = fleet.start(pool_id="p2")
        r = make_client([a, b, c]).checkout("asr.engine")
        assert r.ok and r.lease.server == c.url
        assert b.recorded("checkout") == []

    def test_a_server_whose_pool_cannot_be_learned_is_passed_over_like_an_unreachable_one(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(pool_id="p1", seats={"asr.engine": 0})
        b = fleet.start(pool_id="p2")
        c = fleet.start(pool_id="p3")
        b.script("features", ScriptedReply(status=500, code="INTERNAL"))
        r = make_client([a, b, c]).checkout("asr.engine")
        assert r.ok and r.lease.server == c.url
        assert b.recorded("checkout") == []

    def test_a_pool_learned_from_an_earlier_checkout_needs_no_features_request(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(pool_id="p1", seats={"asr.engine": 1})
        b = fleet.start(pool_id="p1")
        client = make_client([a, b])
        assert client.checkout("asr.engine").ok
        r = client.checkout("asr.engine")
        assert not r.ok and r.code == "NO_SEATS"
        assert a.recorded("features") == []
        assert len(b.recorded("features")) == 1

    def test_no_seats_stays_the_answer_when_other_pools_cannot_help_and_says_what_they_said(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(pool_id="p1", seats={"asr.engine": 0})
        b = fleet.start(pool_id="p2", seats={})
        dead = fleet.dead_address()
        r = make_client([a, b, dead]).checkout("asr.engine")
        assert not r.ok
        assert (r.code, r.server) == ("NO_SEATS", a.url)
        assert re.search(
            f"also tried: {re.escape(b.url)}: UNKNOWN_FEATURE: .*; "
            f"{re.escape(dead.url)}: could not learn its pool: connection refused",
            r.message,
        ), r.message


class TestAuthentication:
    def test_http_basic_auth_is_sent_on_every_request_when_configured(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(auth=("acct_42", "pä:ss"), heartbeat_seconds=0.05)
        client = make_client([a], auth=ClientAuth("acct_42", "pä:ss"))
        r = client.checkout("asr.engine")
        assert r.ok
        a.wait_for(lambda q: q.route == "heartbeat")
        r.lease.release()
        client.features()
        want = "Basic " + base64.b64encode("acct_42:pä:ss".encode("utf-8")).decode("ascii")
        assert sorted({q.route for q in a.requests}) == ["checkout", "features", "heartbeat", "release"]
        for q in a.requests:
            assert q.headers.get("authorization") == want, f"{q.method} {q.path}"

    def test_no_authorization_header_without_credentials(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start()
        assert make_client([a]).checkout("asr.engine").ok
        assert "authorization" not in a.requests[0].headers

    def test_wrong_credentials_are_an_unauthorized_result(self, fleet: Fleet, make_client: MakeClient) -> None:
        a = fleet.start(auth=("u", "right"))
        r = make_client([a], auth=ClientAuth("u", "wrong")).checkout("asr.engine")
        assert not r.ok and r.code == "UNAUTHORIZED"


class TestFeatures:
    def test_returns_the_current_server_features_and_pool_failing_over_past_a_dead_server(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        dead = fleet.dead_address()
        a = fleet.start(pool_id="p1", seats={"asr.engine": 3, "tts.voice": 1})
        client = make_client([dead, a])
        f = client.features()
        assert (f.server, f.pool_id) == (a.url, "p1")
        assert [(x["feature"], x["total"], x["available"]) for x in f.features] == [
            ("asr.engine", 3, 3),
            ("tts.voice", 1, 1),
        ]
        assert client.current_server == a.url

    def test_raises_license_client_error_with_the_server_code_for_a_4xx_or_unavailable(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(auth=("u", "p"))
        with pytest.raises(LicenseClientError) as info:
            make_client([a]).features()
        assert (info.value.code, info.value.status, info.value.server) == ("UNAUTHORIZED", 401, a.url)
        dead = fleet.dead_address()
        with pytest.raises(LicenseClientError) as info2:
            make_client([dead]).features()
        assert info2.value.code == "UNAVAILABLE"
        assert "connection refused" in str(info2.value)


class TestRoundsOfBackgroundWork:
    """The background thread shares what it learned of unreachable servers across one round."""

    def test_a_server_found_down_earlier_in_the_round_is_not_asked_again(
        self, fleet: Fleet, make_client: MakeClient
    ) -> None:
        a = fleet.start(pool_id="shared")
        b = fleet.start(pool_id="shared")
        client = make_client([a, b])
        request = {"feature": "asr.engine", "count": 1, "client": {"id": "c"}}
        down = {a.url: "no answer within 5000 ms"}
        granted = client._failover.checkout(request, down)
        assert not isinstance(granted, CheckoutDenial) and granted.server.url == b.url
        assert a.recorded("checkout") == []

        b.stop()
        down = {a.url: "no answer within 5000 ms"}
        denied = client._failover.checkout(request, down)
        assert isinstance(denied, CheckoutDenial) and denied.code == "UNAVAILABLE"
        # b answered last, so it is asked first now; a is passed over with the reason already known.
        assert denied.message == (
            f"no license server could be reached: {b.url}: connection refused (ECONNREFUSED); "
            f"{a.url}: no answer within 5000 ms"
        )
        assert down[b.url].startswith("connection refused"), "a failure found now is kept for the rest of the round"
        assert a.recorded("checkout") == []
