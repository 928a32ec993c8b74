/* Checkout, failover, credentials and features, against fake servers (the Node SDK's client tests). */
#include <cjson/cJSON.h>

#include "support.h"

static tessera_status try_checkout(tessera_client *c, tessera_error *err) {
  tessera_lease *l = NULL;
  tessera_status s = tessera_checkout(c, "asr.engine", 1, &l, err);
  if (l) tessera_lease_release(l, NULL);
  return s;
}

TEST(grant_returns_a_lease_with_the_server_ids_and_the_request_carries_the_client_info) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  o.client_id = "client-1";
  o.version = "4.2.0";
  o.release_date = "2026-03-01";
  o.host = "build-box";
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_lease *l = NULL;
  tessera_error err;
  CHECK_INT(tessera_checkout(c, "asr.engine", 2, &l, &err), TESSERA_OK);
  CHECK_INT(err.code, TESSERA_OK);
  CHECK_STR(err.message, "");
  CHECK_STR(tessera_lease_feature(l), "asr.engine");
  CHECK_INT(tessera_lease_count(l), 2);
  CHECK_STR(tessera_lease_server(l), fake_url(a));
  CHECK(strncmp(tessera_lease_id(l), "lease_", 6) == 0);
  CHECK(strncmp(tessera_lease_license_id(l), "lic_", 4) == 0);
  CHECK(strncmp(tessera_lease_pool_id(l), "pool_", 5) == 0);
  CHECK(tessera_lease_expires_at(l) > 1700000000000LL);
  CHECK(tessera_lease_held(l));
  char *body = fake_body(a, ROUTE_CHECKOUT, 0);
  cJSON *b = cJSON_Parse(body);
  const cJSON *client = cJSON_GetObjectItem(b, "client");
  CHECK_STR(cJSON_GetObjectItem(b, "feature")->valuestring, "asr.engine");
  CHECK_INT(cJSON_GetObjectItem(b, "count")->valueint, 2);
  CHECK_STR(cJSON_GetObjectItem(client, "id")->valuestring, "client-1");
  CHECK_STR(cJSON_GetObjectItem(client, "host")->valuestring, "build-box");
  CHECK_STR(cJSON_GetObjectItem(client, "app")->valuestring, "c-tests");
  CHECK_STR(cJSON_GetObjectItem(client, "version")->valuestring, "4.2.0");
  CHECK_STR(cJSON_GetObjectItem(client, "releaseDate")->valuestring, "2026-03-01");
  cJSON_Delete(b);
  free(body);
  CHECK_INT(tessera_lease_release(l, NULL), TESSERA_OK);
  CHECK_INT(fake_lease_count(a), 0);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(a_per_checkout_release_date_overrides_the_client_one_and_none_sends_none) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_checkout_options co;
  tessera_checkout_options_init(&co);
  co.release_date = "2025-12-31";
  tessera_lease *l = NULL;
  CHECK_INT(tessera_checkout_ex(c, "asr.engine", 1, &co, &l, NULL), TESSERA_OK);
  tessera_lease_release(l, NULL);
  CHECK_INT(tessera_checkout(c, "asr.engine", 1, &l, NULL), TESSERA_OK);
  tessera_lease_release(l, NULL);
  char *first = fake_body(a, ROUTE_CHECKOUT, 0), *second = fake_body(a, ROUTE_CHECKOUT, 1);
  CHECK_CONTAINS(first, "\"releaseDate\":\"2025-12-31\"");
  CHECK(strstr(second, "releaseDate") == NULL);
  CHECK(strstr(second, "\"id\":\"") != NULL); /* a random client id when none is given */
  free(first);
  free(second);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(invalid_arguments_are_refused_without_asking_a_server) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_lease *l = (tessera_lease *)&l;
  tessera_error err;
  CHECK_INT(tessera_checkout(c, "asr.engine", 0, &l, &err), TESSERA_INVALID_ARGUMENT);
  CHECK(l == NULL);
  CHECK_STR(err.message, "count must be an integer >= 1, got 0");
  CHECK_INT(tessera_checkout(c, "", 1, &l, &err), TESSERA_INVALID_ARGUMENT);
  CHECK_STR(err.message, "feature must be a non-empty string");
  CHECK_INT(tessera_checkout(c, NULL, 1, &l, &err), TESSERA_INVALID_ARGUMENT);
  CHECK_INT(tessera_checkout(c, "asr.engine", 1, NULL, &err), TESSERA_INVALID_ARGUMENT);
  tessera_checkout_options co;
  tessera_checkout_options_init(&co);
  co.release_date = "2026-02-30";
  CHECK_INT(tessera_checkout_ex(c, "asr.engine", 1, &co, &l, &err), TESSERA_INVALID_ARGUMENT);
  CHECK_STR(err.message, "release date must be a date written YYYY-MM-DD, got \"2026-02-30\"");
  co.struct_size = 0;
  CHECK_INT(tessera_checkout_ex(c, "asr.engine", 1, &co, &l, &err), TESSERA_INVALID_ARGUMENT);
  CHECK_INT(tessera_lease_release(NULL, &err), TESSERA_INVALID_ARGUMENT);
  CHECK_INT(fake_count(a, ROUTE_CHECKOUT, NULL), 0);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(a_refusal_from_the_first_server_is_the_result_and_no_other_server_is_asked) {
  static const struct {
    int status;
    const char *code;
    tessera_status want;
  } cases[] = {
      {404, "UNKNOWN_FEATURE", TESSERA_UNKNOWN_FEATURE},     {403, "LICENSE_EXPIRED", TESSERA_LICENSE_EXPIRED},
      {403, "MAINTENANCE_EXPIRED", TESSERA_MAINTENANCE_EXPIRED}, {401, "UNAUTHORIZED", TESSERA_UNAUTHORIZED},
      {400, "BAD_REQUEST", TESSERA_BAD_REQUEST},             {429, "RATE_LIMITED", TESSERA_RATE_LIMITED},
      {503, "CLOCK_TAMPERED", TESSERA_CLOCK_TAMPERED},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fake_server *a = fake_start(NULL), *b = fake_start(NULL);
    fake_script(a, ROUTE_CHECKOUT, cases[i].status, cases[i].code, NULL, 1);
    tessera_options o = test_options(NULL);
    tessera_client *c = open_client(servers_of(a, b, NULL), 0, NULL, &o);
    tessera_error err;
    CHECK_INT(try_checkout(c, &err), cases[i].want);
    CHECK_STR(tessera_status_name(err.code), cases[i].code);
    char want[256];
    snprintf(want, sizeof want, "%s: scripted", fake_url(a));
    CHECK_STR(err.message, want);
    CHECK_INT(fake_count(b, ROUTE_CHECKOUT, NULL), 0);
    tessera_client_close(c);
    fake_stop(a);
    fake_stop(b);
  }
}

TEST(a_4xx_without_a_tessera_envelope_maps_by_status) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_error err;
  fake_script_raw(a, ROUTE_CHECKOUT, 403, "<html>forbidden</html>", 1);
  CHECK_INT(try_checkout(c, &err), TESSERA_UNAUTHORIZED);
  char want[256];
  snprintf(want, sizeof want, "%s: HTTP 403 HTTP_403: HTTP 403 without a Tessera error body", fake_url(a));
  CHECK_STR(err.message, want);
  fake_script_raw(a, ROUTE_CHECKOUT, 418, NULL, 1);
  CHECK_INT(try_checkout(c, &err), TESSERA_BAD_REQUEST);
  fake_script_raw(a, ROUTE_CHECKOUT, 429, NULL, 1);
  CHECK_INT(try_checkout(c, &err), TESSERA_RATE_LIMITED);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(unavailable_when_no_server_can_be_reached_naming_each_server_and_why) {
  char dead1[64], dead2[64], servers[160];
  snprintf(dead1, sizeof dead1, "%s", dead_address());
  snprintf(dead2, sizeof dead2, "%s", dead_address());
  snprintf(servers, sizeof servers, "%s;%s", dead1, dead2);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers, 0, NULL, &o);
  tessera_error err;
  CHECK_INT(try_checkout(c, &err), TESSERA_UNAVAILABLE);
  char want[512];
  snprintf(want, sizeof want,
           "no license server could be reached: http://%s: connection refused (ECONNREFUSED); http://%s: connection "
           "refused (ECONNREFUSED)",
           dead1, dead2);
  CHECK_STR(err.message, want);
  tessera_client_close(c);
}

TEST(connection_refused_5xx_timeout_and_a_malformed_grant_go_on_to_the_next_server) {
  fake_server *a = fake_start(NULL), *b = fake_start(NULL);
  char servers[256];
  snprintf(servers, sizeof servers, "%s;%s;%s", dead_address(), fake_address(a), fake_address(b));
  tessera_options o = test_options(NULL);
  o.request_timeout_ms = (int)check_scaled(300);
  tessera_client *c = open_client(servers, 0, NULL, &o);
  tessera_lease *l;
  fake_script(a, ROUTE_CHECKOUT, 500, "INTERNAL", NULL, 1);
  CHECK_INT(tessera_checkout(c, "asr.engine", 1, &l, NULL), TESSERA_OK);
  CHECK_STR(tessera_lease_server(l), fake_url(b));
  tessera_lease_release(l, NULL);
  /* b is sticky now: make it hang, then answer garbage; a grants each time. */
  fake_script_hang(b, ROUTE_CHECKOUT, 1);
  CHECK_INT(tessera_checkout(c, "asr.engine", 1, &l, NULL), TESSERA_OK);
  CHECK_STR(tessera_lease_server(l), fake_url(a));
  tessera_lease_release(l, NULL);
  fake_script_raw(a, ROUTE_CHECKOUT, 201, "{\"leaseId\":\"x\"}", 1);
  CHECK_INT(tessera_checkout(c, "asr.engine", 1, &l, NULL), TESSERA_OK);
  CHECK_STR(tessera_lease_server(l), fake_url(b));
  tessera_lease_release(l, NULL);
  tessera_client_close(c);
  fake_stop(a);
  fake_stop(b);
}

TEST(5xx_on_every_server_is_unavailable_with_each_status_in_the_message) {
  fake_server *a = fake_start(NULL), *b = fake_start(NULL);
  fake_script(a, ROUTE_CHECKOUT, 500, "INTERNAL", NULL, 1);
  fake_script(b, ROUTE_CHECKOUT, 503, "UNAVAILABLE", NULL, 1);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, b, NULL), 0, NULL, &o);
  tessera_error err;
  CHECK_INT(try_checkout(c, &err), TESSERA_UNAVAILABLE);
  char want[512];
  snprintf(want, sizeof want,
           "no license server could be reached: %s: HTTP 500 INTERNAL: scripted; %s: HTTP 503 UNAVAILABLE: scripted",
           fake_url(a), fake_url(b));
  CHECK_STR(err.message, want);
  tessera_client_close(c);
  fake_stop(a);
  fake_stop(b);
}

TEST(the_server_that_last_answered_is_asked_first) {
  fake_server *a = fake_start(NULL), *b = fake_start(NULL);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, b, NULL), 0, NULL, &o);
  CHECK_STR(tessera_client_current_server(c), fake_url(a));
  fake_script(a, ROUTE_CHECKOUT, 503, "UNAVAILABLE", NULL, 1);
  tessera_lease *l = must_checkout(c);
  tessera_lease_release(l, NULL);
  CHECK_STR(tessera_client_current_server(c), fake_url(b));
  l = must_checkout(c);
  CHECK_STR(tessera_lease_server(l), fake_url(b));
  tessera_lease_release(l, NULL);
  CHECK_INT(fake_count(a, ROUTE_CHECKOUT, NULL), 1);
  CHECK_INT(fake_count(b, ROUTE_CHECKOUT, NULL), 2);
  tessera_client_close(c);
  fake_stop(a);
  fake_stop(b);
}

TEST(no_seats_goes_on_to_a_server_of_another_pool_but_not_of_the_same_pool) {
  fake_options same = {.pool_id = "pool-1", .seats = 1}, other = {.pool_id = "pool-2", .seats = 1};
  fake_server *a = fake_start(&same), *b = fake_start(&same), *x = fake_start(&other);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, b, x, NULL), 0, NULL, &o);
  tessera_lease *held = must_checkout(c); /* a's only seat */
  tessera_lease *l = must_checkout(c);
  CHECK_STR(tessera_lease_server(l), fake_url(x));
  CHECK_INT(fake_count(b, ROUTE_CHECKOUT, NULL), 0); /* same pool as a: skipped */
  tessera_error err;
  CHECK_INT(try_checkout(c, &err), TESSERA_NO_SEATS);
  /* x answers NO_SEATS too: the first NO_SEATS is the answer, and b's skip is noted. */
  char want[512];
  snprintf(want, sizeof want, "%s: all seats are in use (also tried: %s: skipped, same pool pool-1 as a server with no seats)",
           fake_url(a), fake_url(b));
  CHECK_STR(err.message, want);
  CHECK_INT(fake_count(x, ROUTE_CHECKOUT, NULL), 2);
  CHECK_INT(fake_count(b, ROUTE_CHECKOUT, NULL), 0);
  tessera_lease_release(l, NULL);
  tessera_lease_release(held, NULL);
  tessera_client_close(c);
  fake_stop(a);
  fake_stop(b);
  fake_stop(x);
}

TEST(no_seats_stays_the_answer_when_other_pools_cannot_help_and_says_what_they_said) {
  fake_options one = {.pool_id = "pool-1", .seats = 1};
  fake_server *a = fake_start(&one), *b = fake_start(NULL);
  fake_script(a, ROUTE_CHECKOUT, 409, "NO_SEATS", NULL, 1);
  fake_script(b, ROUTE_CHECKOUT, 404, "UNKNOWN_FEATURE", NULL, 1);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, b, NULL), 0, NULL, &o);
  tessera_error err;
  CHECK_INT(try_checkout(c, &err), TESSERA_NO_SEATS);
  char want[512];
  snprintf(want, sizeof want, "%s: scripted (also tried: %s: UNKNOWN_FEATURE: %s: scripted)", fake_url(a),
           fake_url(b), fake_url(b));
  CHECK_STR(err.message, want);
  tessera_client_close(c);
  fake_stop(a);
  fake_stop(b);
}

TEST(a_server_whose_pool_cannot_be_learned_is_passed_over_and_a_learned_pool_needs_no_request) {
  fake_options p1 = {.pool_id = "pool-1", .seats = 1}, p2 = {.pool_id = "pool-2"};
  fake_server *a = fake_start(&p1), *b = fake_start(&p2), *x = fake_start(&p2);
  fake_script(b, ROUTE_FEATURES, 500, "INTERNAL", NULL, -1);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, b, x, NULL), 0, NULL, &o);
  tessera_lease *held = must_checkout(c); /* a learns its pool from the grant */
  int features_before = fake_count(a, ROUTE_FEATURES, NULL);
  tessera_lease *l = must_checkout(c);
  CHECK_STR(tessera_lease_server(l), fake_url(x));
  CHECK_INT(fake_count(a, ROUTE_FEATURES, NULL), features_before);
  CHECK_INT(features_before, 0);
  CHECK_INT(fake_count(b, ROUTE_CHECKOUT, NULL), 0);
  tessera_lease_release(l, NULL);
  tessera_lease_release(held, NULL);
  tessera_client_close(c);
  fake_stop(a);
  fake_stop(b);
  fake_stop(x);
}

TEST(http_basic_auth_is_sent_when_configured_and_wrong_credentials_are_unauthorized) {
  fake_options secured = {.username = "acct_1", .password = "p:ss w\xc3\xb6rd"};
  fake_server *a = fake_start(&secured);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 0,
                                  "[AUTHENTICATION]\nAUTHENTICATION_USERNAME = acct_1\n"
                                  "AUTHENTICATION_PASSWORD = p:ss w\xc3\xb6rd\n",
                                  &o);
  tessera_lease *l = must_checkout(c);
  tessera_lease_release(l, NULL);
  char *auth = fake_auth(a, ROUTE_RELEASE, 0);
  CHECK_STR(auth, "Basic YWNjdF8xOnA6c3Mgd8O2cmQ=");
  free(auth);
  tessera_client_close(c);

  c = open_client(servers_of(a, NULL), 0,
                  "[AUTHENTICATION]\nAUTHENTICATION_USERNAME = acct_1\nAUTHENTICATION_PASSWORD = wrong\n", &o);
  tessera_error err;
  CHECK_INT(try_checkout(c, &err), TESSERA_UNAUTHORIZED);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(no_authorization_header_without_credentials) {
  fake_server *a = fake_start(NULL);
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers_of(a, NULL), 0, NULL, &o);
  tessera_lease *l = must_checkout(c);
  tessera_lease_release(l, NULL);
  CHECK(fake_auth(a, ROUTE_CHECKOUT, 0) == NULL);
  tessera_client_close(c);
  fake_stop(a);
}

TEST(features_come_from_the_current_server_failing_over_past_a_dead_one) {
  fake_server *a = fake_start(NULL);
  char servers[128];
  snprintf(servers, sizeof servers, "%s;%s", dead_address(), fake_address(a));
  tessera_options o = test_options(NULL);
  tessera_client *c = open_client(servers, 0, NULL, &o);
  tessera_feature_list *list = NULL;
  CHECK_INT(tessera_features(c, &list, NULL), TESSERA_OK);
  CHECK_STR(list->server, fake_url(a));
  CHECK(strncmp(list->pool_id, "pool_", 5) == 0);
  CHECK_INT(list->count, 1);
  CHECK_STR(list->features[0].feature, "asr.engine");
  CHECK_INT(list->features[0].total, 5);
  CHECK_INT(list->features[0].available, 5);
  CHECK_INT(list->features[0].license_count, 1);
  CHECK_STR(list->features[0].licenses[0].maintenance_until, "2030-01-01");
  CHECK(list->features[0].licenses[0].expires == NULL);
  tessera_feature_list_free(list);
  CHECK_STR(tessera_client_current_server(c), fake_url(a));

  tessera_error err;
  fake_script(a, ROUTE_FEATURES, 401, "UNAUTHORIZED", NULL, 1);
  CHECK_INT(tessera_features(c, &list, &err), TESSERA_UNAUTHORIZED);
  CHECK(list == NULL);
  fake_down(a);
  CHECK_INT(tessera_features(c, &list, &err), TESSERA_UNAVAILABLE);
  CHECK_CONTAINS(err.message, "no license server could be reached: ");
  tessera_client_close(c);
  fake_stop(a);
}
