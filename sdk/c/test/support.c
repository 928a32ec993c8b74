#include "support.h"

#include <stdarg.h>
#include <unistd.h>

static void on_renewed(tessera_lease *lease, const char *previous, const char *current, const char *server,
                       const char *reason, void *user_data) {
  (void)lease;
  events *e = user_data;
  pthread_mutex_lock(&e->mu);
  e->renewed++;
  snprintf(e->previous, sizeof e->previous, "%s", previous);
  snprintf(e->current, sizeof e->current, "%s", current);
  snprintf(e->server, sizeof e->server, "%s", server);
  snprintf(e->reason, sizeof e->reason, "%s", reason);
  pthread_mutex_unlock(&e->mu);
}

static void on_lost(tessera_lease *lease, tessera_status code, const char *message, const char *reason,
                    void *user_data) {
  (void)lease;
  events *e = user_data;
  pthread_mutex_lock(&e->mu);
  e->lost++;
  e->code = code;
  snprintf(e->message, sizeof e->message, "%s", message);
  snprintf(e->reason, sizeof e->reason, "%s", reason);
  pthread_mutex_unlock(&e->mu);
}

static void on_moved(tessera_lease *lease, const char *lease_id, const char *previous_server, const char *server,
                     void *user_data) {
  (void)lease;
  events *e = user_data;
  pthread_mutex_lock(&e->mu);
  e->moved++;
  snprintf(e->current, sizeof e->current, "%s", lease_id);
  snprintf(e->previous, sizeof e->previous, "%s", previous_server);
  snprintf(e->server, sizeof e->server, "%s", server);
  pthread_mutex_unlock(&e->mu);
}

tessera_options test_options(events *e) {
  tessera_options o;
  tessera_options_init(&o);
  o.request_timeout_ms = (int)check_scaled(1000);
  o.app = "c-tests";
  if (e) {
    memset(e, 0, sizeof *e);
    pthread_mutex_init(&e->mu, NULL);
    o.on_lease_renewed = on_renewed;
    o.on_lease_lost = on_lost;
    o.on_lease_moved = on_moved;
    o.user_data = e;
  }
  return o;
}

tessera_client *open_client(const char *servers, int cache_seconds, const char *extra, const tessera_options *opts) {
  char path[] = "/tmp/tessera-c-test-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fprintf(f, "[GLOBAL]\nLICENSE_SERVERS = %s\nLICENSE_CACHE_PERIOD = %d\n%s", servers, cache_seconds,
          extra ? extra : "");
  fclose(f);
  tessera_error err;
  tessera_client *c = tessera_client_open(path, opts, &err);
  unlink(path);
  if (c == NULL) CHECK_FAIL("tessera_client_open: %s: %s", tessera_status_name(err.code), err.message);
  return c;
}

const char *servers_of(fake_server *first, ...) {
  static char buf[1024];
  buf[0] = '\0';
  va_list ap;
  va_start(ap, first);
  for (fake_server *f = first; f != NULL; f = va_arg(ap, fake_server *)) {
    if (buf[0]) strcat(buf, ";");
    strcat(buf, fake_address(f));
  }
  va_end(ap);
  return buf;
}

const char *dead_address(void) {
  static char buf[64];
  fake_server *f = fake_start(NULL);
  snprintf(buf, sizeof buf, "%s", fake_address(f));
  fake_stop(f);
  return buf;
}

#define COUNTER(name)                \
  int events_##name(events *e) {     \
    pthread_mutex_lock(&e->mu);      \
    int n = e->name;                 \
    pthread_mutex_unlock(&e->mu);    \
    return n;                        \
  }
COUNTER(renewed)
COUNTER(lost)
COUNTER(moved)

tessera_lease *must_checkout(tessera_client *c) {
  tessera_lease *l = NULL;
  tessera_error err;
  tessera_status s = tessera_checkout(c, "asr.engine", 1, &l, &err);
  if (s != TESSERA_OK) CHECK_FAIL("checkout: %s: %s", tessera_status_name(s), err.message);
  CHECK(l != NULL);
  return l;
}
