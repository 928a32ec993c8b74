/* Heartbeats, taking a lease over within its pool, re-checkout after it is gone, release (the Node SDK's lease tests). */
#include <dirent.h>

#include "support.h"

TEST(heartbeats_are_sent_every_heartbeat_period_for_the_lease) {
  fake_server *a = fake_start(NULL); /* heartbeatSeconds 0.05 */
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  CHECK(tessera_lease_heartbeat_seconds(l) > 0.049 && tessera_lease_heartbeat_seconds(l) < 0.051);
  WAIT_FOR(fake_count(a, ROUTE_HEARTBEAT, tessera_lease_id(l)) >= 3);
  CHECK(tessera_lease_held(l));
  tessera_lease_release(l, NULL);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(the_heartbeat_period_is_never_longer_than_half_the_lease) {
  fake_options slow = {.heartbeat_seconds = 30, .lease_seconds = 0.2};
  fake_server *a = fake_start(&slow);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  CHECK(tessera_lease_heartbeat_seconds(l) > 0.099 && tessera_lease_heartbeat_seconds(l) < 0.101);
  WAIT_FOR(fake_count(a, ROUTE_HEARTBEAT, NULL) >= 2);
  tessera_lease_release(l, NULL);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(a_failed_heartbeat_is_retried_on_the_next_period_and_the_lease_kept) {
  fake_server *a = fake_start(NULL);
  events e;
  tessera_options o = test_options(&e);
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  char id[128];
  snprintf(id, sizeof id, "%s", tessera_lease_id(l));
  fake_script(a, ROUTE_HEARTBEAT, 503, "UNAVAILABLE", NULL, 2);
  WAIT_FOR(fake_count(a, ROUTE_HEARTBEAT, id) >= 4);
  CHECK_STR(tessera_lease_id(l), id);
  CHECK(tessera_lease_held(l));
  CHECK_INT(events_renewed(&e) + events_lost(&e), 0);
  CHECK_INT(fake_count(a, ROUTE_CHECKOUT, NULL), 1);
  tessera_lease_release(l, NULL);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(after_lease_gone_the_library_checks_out_again_and_updates_the_ids) {
  fake_server *a = fake_start(NULL);
  events e;
  tessera_options o = test_options(&e);
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  char first[128];
  snprintf(first, sizeof first, "%s", tessera_lease_id(l));
  const char *old_pointer = tessera_lease_id(l);
  fake_revoke(a, first, "REVOKED_BY_ADMIN");
  WAIT_FOR(events_renewed(&e) == 1);
  CHECK_STR(e.previous, first);
  CHECK_STR(e.current, tessera_lease_id(l));
  CHECK(strcmp(first, tessera_lease_id(l)) != 0);
  CHECK_STR(e.server, fake_url(a));
  CHECK_STR(e.reason, "REVOKED_BY_ADMIN");
  CHECK_STR(old_pointer, first); /* a string handed out stays valid until release */
  CHECK(tessera_lease_held(l));
  CHECK_INT(fake_count(a, ROUTE_CHECKOUT, NULL), 2);
  tessera_lease_release(l, NULL);
  CHECK_INT(fake_lease_count(a), 0);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(a_re_checkout_follows_the_failover_rules_to_another_pool) {
  fake_options one = {.seats = 1};
  fake_server *a = fake_start(&one), *b = fake_start(NULL);
  events e;
  tessera_options o = test_options(&e);
  tessera_client *c = open_client(servers_of(a, b, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  char first[128];
  snprintf(first, sizeof first, "%s", tessera_lease_id(l));
  fake_set_seats(a, 0);
  fake_revoke(a, first, "SEATS_REDUCED");
  WAIT_FOR(events_renewed(&e) == 1);
  CHECK_STR(tessera_lease_server(l), fake_url(b));
  CHECK_STR(e.server, fake_url(b));
  CHECK_STR(e.reason, "SEATS_REDUCED");
  tessera_lease_release(l, NULL);
  tessera_client_close(c);
  fake_stop(a);
  fake_stop(b);
}

TEST(a_refused_re_checkout_is_lost_keeps_trying_and_is_renewed_once_a_seat_frees) {
  fake_options one = {.seats = 1};
  fake_server *a = fake_start(&one);
  events e;
  tessera_options o = test_options(&e);
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  fake_set_seats(a, 0);
  fake_revoke(a, tessera_lease_id(l), "SEATS_REDUCED");
  WAIT_FOR(events_lost(&e) == 1);
  CHECK_INT(e.code, TESSERA_NO_SEATS);
  CHECK_STR(e.reason, "SEATS_REDUCED");
  CHECK_CONTAINS(e.message, "all seats are in use");
  CHECK(!tessera_lease_held(l));
  int tries = fake_count(a, ROUTE_CHECKOUT, NULL);
  WAIT_FOR(fake_count(a, ROUTE_CHECKOUT, NULL) >= tries + 2); /* keeps trying, every period */
  CHECK_INT(events_lost(&e), 1);                              /* and says so once */
  fake_set_seats(a, 1);
  WAIT_FOR(events_renewed(&e) == 1);
  CHECK_STR(e.reason, "SEATS_REDUCED");
  CHECK(tessera_lease_held(l));
  tessera_lease_release(l, NULL);
  CHECK_INT(fake_lease_count(a), 0);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(a_server_unreachable_past_the_lease_deadline_is_given_up_and_the_seat_taken_elsewhere) {
  fake_options fast = {.heartbeat_seconds = 0.05, .lease_seconds = (double)check_scaled(400) / 1000};
  fake_server *a = fake_start(&fast), *b = fake_start(&fast);
  events e;
  tessera_options o = test_options(&e);
  o.request_timeout_ms = (int)check_scaled(200);
  tessera_client *c = open_client(servers_of(a, b, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  CHECK_STR(tessera_lease_server(l), fake_url(a));
  /* Down right after a heartbeat was answered, so the last good one is not a stalled thread's period earlier. */
  int beats = fake_count(a, ROUTE_HEARTBEAT, NULL);
  WAIT_FOR(fake_count(a, ROUTE_HEARTBEAT, NULL) > beats);
  int64_t down_at = check_now_ms();
  fake_down(a);
  WAIT_FOR(events_renewed(&e) == 1);
  /* Not before the deadline: the lease time after the last good heartbeat (just before the down). */
  CHECK(check_now_ms() - down_at >= check_scaled(400) - 100);
  CHECK_STR(e.reason, "UNREACHABLE");
  CHECK_STR(tessera_lease_server(l), fake_url(b));
  CHECK(tessera_lease_held(l));
  tessera_lease_release(l, NULL);
  tessera_client_close(c);
  fake_stop(a);
  fake_stop(b);
}

TEST(a_heartbeat_its_server_cannot_answer_moves_to_a_server_of_the_same_pool_holding_the_lease) {
  fake_options cloud = {.pool_id = "cloud"};
  fake_server *a = fake_start(&cloud), *b = fake_start(&cloud);
  events e;
  tessera_options o = test_options(&e);
  tessera_client *c = open_client(servers_of(a, b, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  char id[128];
  snprintf(id, sizeof id, "%s", tessera_lease_id(l));
  fake_share_lease(b, a, id); /* Cloud nodes on one database: the other node knows every lease of the pool */
  fake_down(a);
  WAIT_FOR(fake_count(b, ROUTE_HEARTBEAT, id) >= 2);
  CHECK_STR(tessera_lease_server(l), fake_url(b));
  CHECK_STR(tessera_lease_id(l), id);
  CHECK(tessera_lease_held(l));
  CHECK_INT(events_moved(&e), 1);
  CHECK_STR(e.previous, fake_url(a));
  CHECK_STR(e.server, fake_url(b));
  CHECK_INT(events_renewed(&e), 0);
  CHECK_INT(fake_count(b, ROUTE_CHECKOUT, NULL), 0);
  tessera_lease_release(l, NULL);
  char *released = fake_lease_of(b, ROUTE_RELEASE, 0);
  CHECK_STR(released, id);
  free(released);
  tessera_client_close(c);
  fake_stop(a);
  fake_stop(b);
}

TEST(a_release_its_server_cannot_take_goes_to_a_server_of_the_same_pool) {
  fake_options cloud = {.pool_id = "cloud"};
  fake_server *a = fake_start(&cloud), *b = fake_start(&cloud);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, b, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  char id[128];
  snprintf(id, sizeof id, "%s", tessera_lease_id(l));
  fake_share_lease(b, a, id);
  fake_script(a, ROUTE_RELEASE, 503, "UNAVAILABLE", NULL, -1);
  CHECK_INT(tessera_lease_release(l, NULL), TESSERA_OK);
  CHECK_INT(fake_count(b, ROUTE_RELEASE, id), 1);
  CHECK(!fake_has_lease(b, id));
  tessera_client_close(c);
  fake_stop(a);
  fake_stop(b);
}

TEST(servers_of_other_pools_are_not_asked_to_keep_a_lease) {
  fake_options pa = {.pool_id = "pool-a"}, pb = {.pool_id = "pool-b"};
  fake_server *a = fake_start(&pa), *b = fake_start(&pb);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, b, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  fake_script(a, ROUTE_HEARTBEAT, 503, "UNAVAILABLE", NULL, -1);
  WAIT_FOR(fake_count(a, ROUTE_HEARTBEAT, NULL) >= 3);
  CHECK_INT(fake_count(b, ROUTE_HEARTBEAT, NULL), 0);
  CHECK_STR(tessera_lease_server(l), fake_url(a));
  tessera_lease_release(l, NULL);
  tessera_client_close(c);
  fake_stop(a);
  fake_stop(b);
}

TEST(release_sends_delete_and_stops_heartbeats) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  char id[128];
  snprintf(id, sizeof id, "%s", tessera_lease_id(l));
  WAIT_FOR(fake_count(a, ROUTE_HEARTBEAT, id) >= 1);
  CHECK_INT(tessera_lease_release(l, NULL), TESSERA_OK);
  CHECK_INT(fake_count(a, ROUTE_RELEASE, id), 1);
  CHECK(!fake_has_lease(a, id));
  int beats = fake_count(a, ROUTE_HEARTBEAT, id);
  check_sleep_ms(check_scaled(300)); /* six periods */
  CHECK_INT(fake_count(a, ROUTE_HEARTBEAT, id), beats);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(release_succeeds_when_the_server_is_gone) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  fake_down(a);
  tessera_error err;
  CHECK_INT(tessera_lease_release(l, &err), TESSERA_OK);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(a_lease_released_during_its_re_checkout_gives_the_new_seat_back) {
  fake_server *a = fake_start(NULL), *b = fake_start(NULL);
  events e;
  tessera_options o = test_options(&e);
  o.request_timeout_ms = (int)check_scaled(1000);
  tessera_client *c = open_client(servers_of(a, b, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  /* The re-checkout hangs on a until the timeout, then b grants; the release comes meanwhile. */
  fake_script_hang(a, ROUTE_CHECKOUT, 1);
  fake_revoke(a, tessera_lease_id(l), "EXPIRED");
  WAIT_FOR(fake_count(a, ROUTE_CHECKOUT, NULL) == 2);
  CHECK_INT(tessera_lease_release(l, NULL), TESSERA_OK); /* waits for the re-checkout in flight */
  CHECK_INT(fake_count(b, ROUTE_CHECKOUT, NULL), 1);
  CHECK_INT(fake_count(b, ROUTE_RELEASE, NULL), 1);
  CHECK_INT(fake_lease_count(b), 0);
  CHECK_INT(fake_lease_count(a), 0);
  CHECK_INT(events_renewed(&e), 0);
  tessera_client_close(c);
  fake_stop(a);
  fake_stop(b);
}

typedef struct release_in_callback {
  tessera_lease *other; /* released inside the callback, when set */
  int calls;
} release_in_callback;

static void release_on_renewed(tessera_lease *lease, const char *previous, const char *current, const char *server,
                               const char *reason, void *user_data) {
  (void)previous, (void)current, (void)server, (void)reason, (void)user_data;
  release_in_callback *r = tessera_lease_user_data(lease);
  r->calls++;
  if (r->other) tessera_lease_release(r->other, NULL);
  tessera_lease_release(lease, NULL);
}

TEST(a_callback_may_release_its_own_lease_and_another_one) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  o.on_lease_renewed = release_on_renewed;
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c), *other = must_checkout(c);
  release_in_callback r = {.other = other};
  tessera_lease_set_user_data(l, &r);
  CHECK(tessera_lease_user_data(l) == &r);
  fake_revoke(a, tessera_lease_id(l), "EXPIRED");
  WAIT_FOR(fake_lease_count(a) == 0); /* both released, from the heartbeat thread */
  CHECK_INT(r.calls, 1);
  tessera_client_close(c);
  fake_stop(a);
}

static int thread_count(void) {
  DIR *d = opendir("/proc/self/task");
  int n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

TEST(one_heartbeat_thread_per_client_never_one_per_lease) {
  fake_options many = {.seats = 200};
  fake_server *a = fake_start(&many);
  int before = thread_count(); /* this thread and the fake server's */
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  CHECK_INT(thread_count(), before + 1);
  tessera_lease *leases[200];
  for (int i = 0; i < 200; i++) leases[i] = must_checkout(c);
  WAIT_FOR(fake_count(a, ROUTE_HEARTBEAT, tessera_lease_id(leases[199])) >= 2);
  CHECK_INT(thread_count(), before + 1);
  CHECK_INT(fake_lease_count(a), 200);
  tessera_client_close(c); /* releases all 200 and frees their handles */
  CHECK_INT(fake_lease_count(a), 0);
  CHECK_INT(thread_count(), before);
  fake_stop(a);
}
