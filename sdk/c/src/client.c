/* Opening and closing a client; what the modules share of it (lock, log, curl handles). */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

void tsr_lock(tessera_client *c) { pthread_mutex_lock(&c->mu); }
void tsr_unlock(tessera_client *c) { pthread_mutex_unlock(&c->mu); }

void tsr_log(tessera_client *c, tessera_log_level level, const char *fmt, ...) {
  if (c->on_log == NULL) return;
  char message[TESSERA_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  c->on_log(level, message, c->user_data);
}

CURL *tsr_take_curl(tessera_client *c) {
  pthread_mutex_lock(&c->idle_mu);
  CURL *h = c->idle_count > 0 ? c->idle[--c->idle_count] : NULL;
  pthread_mutex_unlock(&c->idle_mu);
  return h ? h : tsr_curl_new(&c->tr);
}

void tsr_give_curl(tessera_client *c, CURL *h) {
  if (h == NULL) return;
  pthread_mutex_lock(&c->idle_mu);
  if (c->idle_count == c->idle_cap) {
    size_t cap = c->idle_cap ? c->idle_cap * 2 : 4;
    CURL **grown = realloc(c->idle, cap * sizeof *grown);
    if (grown) c->idle = grown, c->idle_cap = cap;
  }
  /* Last in, first out: the handle used last has the warmest connections. */
  if (c->idle_count < c->idle_cap) {
    c->idle[c->idle_count++] = h;
    h = NULL;
  }
  pthread_mutex_unlock(&c->idle_mu);
  if (h) curl_easy_cleanup(h);
}

/** Which steps of opening are done, so that a failure undoes exactly those. */
enum { HAS_CURL = 1, HAS_MU = 2, HAS_WAKE = 4, HAS_CHANGED = 8, HAS_IDLE_MU = 16 };

static void client_free(tessera_client *c, int has) {
  for (size_t i = 0; i < c->idle_count; i++) curl_easy_cleanup(c->idle[i]);
  free(c->idle);
  if (c->thread_curl) curl_easy_cleanup(c->thread_curl);
  tsr_transport_free(&c->tr);
  for (size_t i = 0; c->pools && i < c->cfg.server_count; i++) free(c->pools[i]);
  free(c->pools);
  free(c->memo.down);
  free(c->memo.why);
  tsr_config_free(&c->cfg);
  free(c->client_id);
  free(c->host);
  free(c->app);
  free(c->version);
  free(c->release_date);
  if (has & HAS_IDLE_MU) pthread_mutex_destroy(&c->idle_mu);
  if (has & HAS_CHANGED) pthread_cond_destroy(&c->changed);
  if (has & HAS_WAKE) pthread_cond_destroy(&c->wake);
  if (has & HAS_MU) pthread_mutex_destroy(&c->mu);
  if (has & HAS_CURL) curl_global_cleanup();
  free(c);
}

/*
 * The size of tessera_options in version 0.1, the first: a program built against this header
 * passes at least this much. Fields added later go after `user_data`; read one only when
 * o->struct_size covers it, so that programs built against an older header keep working.
 */
#define OPTIONS_V1_SIZE (offsetof(tessera_options, user_data) + sizeof(void *))

static tessera_status check_options(const tessera_options *o, tessera_error *err) {
  if (o == NULL) return TESSERA_OK;
  if (o->struct_size < OPTIONS_V1_SIZE)
    return tsr_error(err, TESSERA_INVALID_ARGUMENT, 0,
                     "tessera_options.struct_size is %zu; initialise the options with tessera_options_init()",
                     o->struct_size);
  if (o->release_date && !tsr_is_iso_date(o->release_date))
    return tsr_error(err, TESSERA_INVALID_ARGUMENT, 0, "release date must be a date written YYYY-MM-DD, got \"%s\"",
                     o->release_date);
  if (o->request_timeout_ms < 0)
    return tsr_error(err, TESSERA_INVALID_ARGUMENT, 0, "request_timeout_ms must be >= 0, got %d", o->request_timeout_ms);
  return TESSERA_OK;
}

/** Copies what the client keeps of the options; fills in the client id and host name. */
static int copy_options(tessera_client *c, const tessera_options *o) {
  tessera_options none;
  tessera_options_init(&none);
  if (o == NULL) o = &none;
  char uuid[37], host[256];
  if (o->client_id == NULL && tsr_random_uuid(uuid) != 0) return 0;
  if (o->host == NULL && gethostname(host, sizeof host) != 0) strcpy(host, "localhost");
  host[sizeof host - 1] = '\0';
  c->client_id = tsr_strdup(o->client_id ? o->client_id : uuid);
  c->host = tsr_strdup(o->host ? o->host : host);
  c->app = tsr_strdup(o->app);
  c->version = tsr_strdup(o->version);
  c->release_date = tsr_strdup(o->release_date);
  c->on_lost = o->on_lease_lost;
  c->on_renewed = o->on_lease_renewed;
  c->on_moved = o->on_lease_moved;
  c->on_log = o->on_log;
  c->user_data = o->user_data;
  return c->client_id && c->host && (!o->app || c->app) && (!o->version || c->version) &&
         (!o->release_date || c->release_date);
}

static int init_sync(tessera_client *c, int *has) {
  pthread_condattr_t attr;
  if (pthread_mutex_init(&c->mu, NULL) != 0) return 0;
  *has |= HAS_MU;
  if (pthread_condattr_init(&attr) != 0) return 0;
  int ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&c->wake, &attr) == 0;
  pthread_condattr_destroy(&attr);
  if (!ok) return 0;
  *has |= HAS_WAKE;
  if (pthread_cond_init(&c->changed, NULL) != 0) return 0;
  *has |= HAS_CHANGED;
  if (pthread_mutex_init(&c->idle_mu, NULL) != 0) return 0;
  *has |= HAS_IDLE_MU;
  return 1;
}

tessera_client *tessera_client_open(const char *conf_path, const tessera_options *opts, tessera_error *err) {
  if (conf_path == NULL) {
    tsr_error(err, TESSERA_INVALID_ARGUMENT, 0, "conf_path must not be NULL");
    return NULL;
  }
  if (check_options(opts, err) != TESSERA_OK) return NULL;
  tessera_client *c = calloc(1, sizeof *c);
  if (c == NULL) {
    tsr_error(err, TESSERA_OUT_OF_MEMORY, 0, "out of memory");
    return NULL;
  }
  int has = 0;
  if (tsr_config_load(conf_path, &c->cfg, err) != TESSERA_OK) {
    client_free(c, has);
    return NULL;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    tsr_error(err, TESSERA_INTERNAL, 0, "libcurl could not be initialised");
    client_free(c, has);
    return NULL;
  }
  has |= HAS_CURL;
  c->cache_ms = (int64_t)c->cfg.cache_seconds * 1000;
  c->wake_at = INT64_MAX;
  size_t n = c->cfg.server_count;
  c->pools = calloc(n, sizeof *c->pools);
  c->memo.down = calloc(n, 1);
  c->memo.why = calloc(n, sizeof *c->memo.why);
  if (!copy_options(c, opts) || !c->pools || !c->memo.down || !c->memo.why ||
      tsr_transport_init(&c->tr, opts ? opts->request_timeout_ms : 0, c->cfg.username, c->cfg.password) != TESSERA_OK) {
    tsr_error(err, TESSERA_OUT_OF_MEMORY, 0, "out of memory");
    client_free(c, has);
    return NULL;
  }
  if (!init_sync(c, &has) || (c->thread_curl = tsr_curl_new(&c->tr)) == NULL || tsr_heartbeat_start(c) != 0) {
    tsr_error(err, TESSERA_INTERNAL, 0, "the client's heartbeat thread or curl handle could not be made");
    client_free(c, has);
    return NULL;
  }
  for (size_t i = 0; i < c->cfg.warning_count; i++) tsr_log(c, TESSERA_LOG_WARN, "%s", c->cfg.warnings[i]);
  tsr_error_clear(err);
  return c;
}

void tessera_client_close(tessera_client *c) {
  if (c == NULL) return;
  if (pthread_equal(pthread_self(), c->thread)) {
    /* Waiting for the heartbeat thread from that very thread would hang for ever. */
    fputs("tessera: tessera_client_close() called from a callback of the same client; aborting\n", stderr);
    abort();
  }
  tsr_lock(c);
  c->closing = 1;
  pthread_cond_broadcast(&c->wake);
  while (c->calls > 0) pthread_cond_wait(&c->changed, &c->mu);
  tsr_unlock(c);
  pthread_join(c->thread, NULL);
  /* Alone now: no call in progress, no heartbeat thread. */
  while (c->seats != NULL) {
    tsr_seat *s = c->seats;
    tsr_seat_unlink(c, s);
    s->state = SEAT_ENDED;
    free(s->owner);
    tsr_seat_end(c, c->thread_curl, s);
    tsr_seat_free(s);
  }
  client_free(c, HAS_CURL | HAS_MU | HAS_WAKE | HAS_CHANGED | HAS_IDLE_MU);
}

size_t tessera_client_warning_count(const tessera_client *c) { return c ? c->cfg.warning_count : 0; }

const char *tessera_client_warning(const tessera_client *c, size_t i) {
  return c && i < c->cfg.warning_count ? c->cfg.warnings[i] : NULL;
}

size_t tessera_client_server_count(const tessera_client *c) { return c ? c->cfg.server_count : 0; }

const char *tessera_client_server(const tessera_client *c, size_t i) {
  return c && i < c->cfg.server_count ? c->cfg.servers[i].url : NULL;
}

const char *tessera_client_current_server(tessera_client *c) {
  if (c == NULL) return NULL;
  tsr_lock(c);
  size_t i = c->has_sticky ? c->sticky : 0;
  tsr_unlock(c);
  return c->cfg.servers[i].url;
}

const char *tessera_client_id(const tessera_client *c) { return c ? c->client_id : NULL; }

tessera_status tessera_features(tessera_client *c, tessera_feature_list **out, tessera_error *err) {
  if (out) *out = NULL;
  if (c == NULL || out == NULL) return tsr_error(err, TESSERA_INVALID_ARGUMENT, 0, "client and out must not be NULL");
  tsr_lock(c);
  if (c->closing) {
    tsr_unlock(c);
    return tsr_error(err, TESSERA_CLOSED, 0, "the client is closed");
  }
  c->calls++;
  tsr_unlock(c);
  CURL *h = tsr_take_curl(c);
  tessera_status s = h ? tsr_features(c, h, out, err) : tsr_error(err, TESSERA_OUT_OF_MEMORY, 0, "out of memory");
  tsr_give_curl(c, h);
  tsr_lock(c);
  c->calls--;
  pthread_cond_broadcast(&c->changed);
  tsr_unlock(c);
  return s;
}
