/* The API's edges: names, options, opening, getters, and many threads at once. */
#include <unistd.h>

#include "support.h"

TEST(status_names_and_version) {
  CHECK_STR(tessera_status_name(TESSERA_OK), "OK");
  CHECK_STR(tessera_status_name(TESSERA_NO_SEATS), "NO_SEATS");
  CHECK_STR(tessera_status_name(TESSERA_MAINTENANCE_EXPIRED), "MAINTENANCE_EXPIRED");
  CHECK_STR(tessera_status_name(TESSERA_UNAVAILABLE), "UNAVAILABLE");
  CHECK_STR(tessera_status_name(TESSERA_CONFIG_ERROR), "CONFIG_ERROR");
  CHECK_STR(tessera_status_name(TESSERA_INVALID_ARGUMENT), "INVALID_ARGUMENT");
  CHECK_STR(tessera_status_name((tessera_status)77), "UNKNOWN");
  CHECK_STR(tessera_version(), TESSERA_VERSION_STRING);
}

TEST(options_init_sets_the_size_and_clears_the_rest) {
  tessera_options o;
  memset(&o, 0xff, sizeof o);
  tessera_options_init(&o);
  CHECK_INT(o.struct_size, sizeof o);
  CHECK(o.app == NULL && o.on_lease_lost == NULL && o.user_data == NULL && o.request_timeout_ms == 0);
  tessera_options literal = TESSERA_OPTIONS_INIT;
  CHECK_INT(literal.struct_size, sizeof literal);
}

static char *write_conf(const char *text) {
  static char path[64];
  snprintf(path, sizeof path, "/tmp/tessera-c-api-XXXXXX");
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
  close(fd);
  return path;
}

TEST(opening_a_missing_or_malformed_file_is_a_config_error_naming_it) {
  tessera_error err;
  CHECK(tessera_client_open("/nonexistent/client_property.conf", NULL, &err) == NULL);
  CHECK_INT(err.code, TESSERA_CONFIG_ERROR);
  CHECK_STR(err.message, "/nonexistent/client_property.conf: cannot read: no such file");
  CHECK_INT(err.line, 0);
  char *path = write_conf("[GLOBAL]\nLICENSE_SERVERS = a:1\nLICENSE_CACHE_PERIOD = 9999\n");
  CHECK(tessera_client_open(path, NULL, &err) == NULL);
  CHECK_INT(err.code, TESSERA_CONFIG_ERROR);
  CHECK_INT(err.line, 3);
  char want[256];
  snprintf(want, sizeof want, "%s:3: LICENSE_CACHE_PERIOD must be an integer 0..3600, got \"9999\"", path);
  CHECK_STR(err.message, want);
  unlink(path);
  CHECK(tessera_client_open(NULL, NULL, &err) == NULL);
  CHECK_INT(err.code, TESSERA_INVALID_ARGUMENT);
  CHECK(tessera_client_open(NULL, NULL, NULL) == NULL); /* err may be NULL */
}

TEST(bad_options_are_invalid_arguments) {
  char *path = write_conf("");
  tessera_error err;
  tessera_options o;
  tessera_options_init(&o);
  o.release_date = "2026-13-01";
  CHECK(tessera_client_open(path, &o, &err) == NULL);
  CHECK_INT(err.code, TESSERA_INVALID_ARGUMENT);
  CHECK_STR(err.message, "release date must be a date written YYYY-MM-DD, got \"2026-13-01\"");
  tessera_options_init(&o);
  o.struct_size = 8;
  CHECK(tessera_client_open(path, &o, &err) == NULL);
  CHECK_CONTAINS(err.message, "tessera_options_init()");
  tessera_options_init(&o);
  o.request_timeout_ms = -1;
  CHECK(tessera_client_open(path, &o, &err) == NULL);
  CHECK_INT(err.code, TESSERA_INVALID_ARGUMENT);
  unlink(path);
}

typedef struct logged {
  int warnings;
  char first[256];
} logged;

static void on_log(tessera_log_level level, const char *message, void *user_data) {
  logged *l = user_data;
  if (level == TESSERA_LOG_WARN && l->warnings++ == 0) snprintf(l->first, sizeof l->first, "%s", message);
}

TEST(warnings_are_kept_and_logged_and_the_servers_and_ids_can_be_read) {
  char *path = write_conf("[GLOBAL]\nLICENSE_SERVERS = a:1;https://b\nCOLOR = blue\n");
  logged l = {0};
  tessera_options o;
  tessera_options_init(&o);
  o.on_log = on_log;
  o.user_data = &l;
  o.client_id = "my-client";
  tessera_client *c = tessera_client_open(path, &o, NULL);
  CHECK(c != NULL);
  char want[256];
  snprintf(want, sizeof want, "%s:3: unknown key COLOR in [GLOBAL]; ignored", path);
  CHECK_INT(tessera_client_warning_count(c), 1);
  CHECK_STR(tessera_client_warning(c, 0), want);
  CHECK(tessera_client_warning(c, 1) == NULL);
  CHECK_INT(l.warnings, 1);
  CHECK_STR(l.first, want);
  CHECK_INT(tessera_client_server_count(c), 2);
  CHECK_STR(tessera_client_server(c, 0), "http://a:1");
  CHECK_STR(tessera_client_server(c, 1), "https://b:443");
  CHECK(tessera_client_server(c, 2) == NULL);
  CHECK_STR(tessera_client_current_server(c), "http://a:1");
  CHECK_STR(tessera_client_id(c), "my-client");
  tessera_client_close(c);
  tessera_client_close(NULL);
  unlink(path);
}

TEST(a_random_client_id_is_a_uuid) {
  char *path = write_conf("");
  tessera_client *a = tessera_client_open(path, NULL, NULL), *b = tessera_client_open(path, NULL, NULL);
  CHECK(a && b);
  CHECK_INT(strlen(tessera_client_id(a)), 36);
  CHECK(tessera_client_id(a)[14] == '4');
  CHECK(strcmp(tessera_client_id(a), tessera_client_id(b)) != 0);
  tessera_client_close(a);
  tessera_client_close(b);
  unlink(path);
}

typedef struct worker {
  tessera_client *c;
  int ok, denied;
  tessera_error last;
} worker;

static void *checkout_loop(void *arg) {
  worker *w = arg;
  for (int i = 0; i < 25; i++) {
    tessera_lease *l = NULL;
    tessera_error err;
    tessera_status s = tessera_checkout(w->c, "asr.engine", 1, &l, &err);
    if (s == TESSERA_OK) {
      w->ok++;
      tessera_lease_id(l);
      tessera_lease_held(l);
      tessera_lease_release(l, NULL);
    } else {
      w->denied++;
      w->last = err;
    }
  }
  return NULL;
}

TEST(many_threads_check_out_and_release_through_one_client) {
  fake_options lots = {.seats = 100};
  fake_server *a = fake_start(&lots);
  for (int cache = 0; cache <= 30; cache += 30) {
    tessera_options o = test_options(NULL);
    tessera_client *c = open_client(servers_of(a, NULL), cache, NULL, &o);
    worker w[8];
    pthread_t t[8];
    for (int i = 0; i < 8; i++) {
      w[i] = (worker){.c = c};
      pthread_create(&t[i], NULL, checkout_loop, &w[i]);
    }
    int ok = 0, denied = 0;
    for (int i = 0; i < 8; i++) {
      pthread_join(t[i], NULL);
      ok += w[i].ok;
      denied += w[i].denied;
      if (w[i].denied) fprintf(stderr, "denied: %s: %s\n", tessera_status_name(w[i].last.code), w[i].last.message);
    }
    CHECK_INT(ok, 200);
    CHECK_INT(denied, 0);
    tessera_client_close(c);
    CHECK_INT(fake_lease_count(a), 0);
  }
  fake_stop(a);
}
