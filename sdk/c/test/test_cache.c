/* The release cache: LICENSE_CACHE_PERIOD (the Node SDK's cache tests). */
#include "support.h"

TEST(a_released_lease_is_reused_by_a_checkout_of_the_same_feature_and_count_without_a_request) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 30, NULL, &o);
  tessera_lease *l = must_checkout(c);
  char id[128];
  snprintf(id, sizeof id, "%s", tessera_lease_id(l));
  CHECK_INT(tessera_lease_release(l, NULL), TESSERA_OK);
  CHECK_INT(fake_count(a, ROUTE_RELEASE, NULL), 0);
  CHECK(fake_has_lease(a, id));
  l = must_checkout(c);
  CHECK_STR(tessera_lease_id(l), id);
  CHECK(tessera_lease_held(l));
  CHECK_INT(fake_count(a, ROUTE_CHECKOUT, NULL), 1);
  tessera_lease_release(l, NULL);
  tessera_client_close(c);
  CHECK_INT(fake_count(a, ROUTE_RELEASE, id), 1);
  fake_stop(a);
}

TEST(a_cached_lease_keeps_heartbeating) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 30, NULL, &o);
  tessera_lease *l = must_checkout(c);
  char id[128];
  snprintf(id, sizeof id, "%s", tessera_lease_id(l));
  tessera_lease_release(l, NULL);
  int beats = fake_count(a, ROUTE_HEARTBEAT, id);
  WAIT_FOR(fake_count(a, ROUTE_HEARTBEAT, id) >= beats + 3);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(a_different_feature_count_or_release_date_is_not_served_from_the_cache) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 30, NULL, &o);
  tessera_lease *l = must_checkout(c);
  tessera_lease_release(l, NULL);
  CHECK_INT(tessera_checkout(c, "asr.engine", 2, &l, NULL), TESSERA_OK);
  CHECK_INT(fake_count(a, ROUTE_CHECKOUT, NULL), 2);
  tessera_lease_release(l, NULL);
  tessera_checkout_options co;
  tessera_checkout_options_init(&co);
  co.release_date = "2026-01-01";
  CHECK_INT(tessera_checkout_ex(c, "asr.engine", 1, &co, &l, NULL), TESSERA_OK);
  CHECK_INT(fake_count(a, ROUTE_CHECKOUT, NULL), 3);
  tessera_lease_release(l, NULL);
  tessera_error err;
  CHECK_INT(tessera_checkout(c, "tts.engine", 1, &l, &err), TESSERA_UNKNOWN_FEATURE);
  CHECK_INT(fake_count(a, ROUTE_CHECKOUT, NULL), 4);
  tessera_client_close(c);
  CHECK_INT(fake_lease_count(a), 0);
  fake_stop(a);
}

TEST(after_the_period_the_cached_lease_is_really_released) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 1, NULL, &o);
  tessera_lease *l = must_checkout(c);
  char id[128];
  snprintf(id, sizeof id, "%s", tessera_lease_id(l));
  int64_t released_at = check_now_ms();
  tessera_lease_release(l, NULL);
  WAIT_FOR(fake_count(a, ROUTE_RELEASE, id) == 1);
  CHECK(check_now_ms() - released_at >= 1000);
  CHECK(!fake_has_lease(a, id));
  l = must_checkout(c); /* a new lease: the cache is empty */
  CHECK(strcmp(tessera_lease_id(l), id) != 0);
  tessera_lease_release(l, NULL);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(cache_period_0_releases_at_once) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  tessera_lease_release(l, NULL);
  CHECK_INT(fake_count(a, ROUTE_RELEASE, NULL), 1);
  CHECK_INT(fake_lease_count(a), 0);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(a_cached_lease_the_server_revokes_is_dropped_not_checked_out_again) {
  fake_server *a = fake_start(NULL);
  events e;
  tessera_options o = test_options(&e);
  tessera_client *c = open_client(servers_of(a, NULL), 30, NULL, &o);
  tessera_lease *l = must_checkout(c);
  char id[128];
  snprintf(id, sizeof id, "%s", tessera_lease_id(l));
  tessera_lease_release(l, NULL);
  int beats = fake_count(a, ROUTE_HEARTBEAT, id);
  fake_revoke(a, id, "REVOKED_BY_ADMIN");
  WAIT_FOR(fake_count(a, ROUTE_HEARTBEAT, id) > beats); /* soon one hears LEASE_GONE */
  check_sleep_ms(check_scaled(300));
  int after = fake_count(a, ROUTE_HEARTBEAT, id);
  check_sleep_ms(check_scaled(300)); /* six periods: no more heartbeats of a dropped seat */
  CHECK_INT(fake_count(a, ROUTE_HEARTBEAT, id), after);
  CHECK_INT(fake_count(a, ROUTE_CHECKOUT, NULL), 1);
  CHECK_INT(events_renewed(&e) + events_lost(&e), 0);
  l = must_checkout(c); /* not served the dropped seat */
  CHECK(strcmp(tessera_lease_id(l), id) != 0);
  CHECK_INT(fake_count(a, ROUTE_CHECKOUT, NULL), 2);
  tessera_lease_release(l, NULL);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(close_releases_held_and_cached_leases) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 30, NULL, &o);
  tessera_lease *held = must_checkout(c), *cached = must_checkout(c);
  (void)held;
  tessera_lease_release(cached, NULL);
  CHECK_INT(fake_lease_count(a), 2);
  tessera_client_close(c);
  CHECK_INT(fake_lease_count(a), 0);
  CHECK_INT(fake_count(a, ROUTE_RELEASE, NULL), 2);
  fake_stop(a);
}

TEST(a_lease_released_into_the_cache_during_its_re_checkout_keeps_the_new_seat_cached_and_tells_no_one) {
  fake_server *a = fake_start(NULL), *b = fake_start(NULL);
  events e;
  tessera_options o = test_options(&e);
  tessera_client *c = open_client(servers_of(a, b, NULL), 30, NULL, &o);
  tessera_lease *l = must_checkout(c);
  /* The re-checkout hangs on a until the timeout, then b grants; meanwhile the lease goes to the cache. */
  fake_script_hang(a, ROUTE_CHECKOUT, 1);
  fake_revoke(a, tessera_lease_id(l), "EXPIRED");
  WAIT_FOR(fake_count(a, ROUTE_CHECKOUT, NULL) == 2);
  CHECK_INT(tessera_lease_release(l, NULL), TESSERA_OK);
  /* b heartbeats the new lease only once the client has taken b's grant in (b holding it is not enough). */
  WAIT_FOR(fake_count(b, ROUTE_HEARTBEAT, NULL) >= 1);
  l = must_checkout(c); /* served from the cache: the seat b granted */
  CHECK_STR(tessera_lease_server(l), fake_url(b));
  CHECK_INT(fake_count(b, ROUTE_CHECKOUT, NULL), 1);
  CHECK_INT(events_renewed(&e) + events_lost(&e), 0);
  tessera_lease_release(l, NULL);
  tessera_client_close(c);
  CHECK_INT(fake_lease_count(b), 0);
  fake_stop(a);
  fake_stop(b);
}
