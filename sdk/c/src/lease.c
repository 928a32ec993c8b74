/* Checkout, release (through the release cache) and what a program reads of a lease. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util.h"

/** The request body of a checkout, JSON (caller frees). */
static char *checkout_body(const tessera_client *c, const char *feature, int count, const char *release_date) {
  cJSON *o = cJSON_CreateObject();
  cJSON *client = cJSON_CreateObject();
  char *text = NULL;
  if (o && client && cJSON_AddStringToObject(o, "feature", feature) && cJSON_AddNumberToObject(o, "count", count) &&
      cJSON_AddStringToObject(client, "id", c->client_id) && cJSON_AddStringToObject(client, "host", c->host) &&
      (!c->app || cJSON_AddStringToObject(client, "app", c->app)) &&
      (!c->version || cJSON_AddStringToObject(client, "version", c->version)) &&
      (!release_date || cJSON_AddStringToObject(client, "releaseDate", release_date))) {
    cJSON_AddItemToObject(o, "client", client);
    client = NULL;
    char *printed = cJSON_PrintUnformatted(o);
    text = tsr_strdup(printed); /* ours to free(), whatever allocator cJSON was given */
    cJSON_free(printed);
  }
  cJSON_Delete(client);
  cJSON_Delete(o);
  return text;
}

/**
 * The release date is part of the key: a seat granted under one maintenance check must not be
 * handed to a caller who claims another date. A date has no newline, so the key is unambiguous.
 */
static char *cache_key(const char *feature, int count, const char *release_date) {
  tsr_buf b = {0};
  tsr_buf_printf(&b, "%d\n%s\n%s", count, release_date ? release_date : "", feature);
  return tsr_buf_take(&b);
}

static tessera_lease *new_handle(tessera_client *c, tsr_seat *s) {
  tessera_lease *l = calloc(1, sizeof *l);
  if (l == NULL) return NULL;
  l->c = c;
  l->seat = s;
  s->owner = l;
  return l;
}

/** The oldest cached seat for this key that still holds its lease, taken out of the cache (mu held). */
static tsr_seat *take_from_cache(tessera_client *c, const char *key) {
  for (tsr_seat *s = c->cache_head; s != NULL; s = s->cnext) {
    if (s->state == SEAT_HELD && strcmp(s->cache_key, key) == 0) {
      tsr_cache_remove(c, s);
      return s;
    }
  }
  return NULL;
}

static void end_call(tessera_client *c) {
  tsr_lock(c);
  c->calls--;
  pthread_cond_broadcast(&c->changed);
  tsr_unlock(c);
}

/** Asks the servers and makes a seat of the grant; the call is counted in c->calls. */
static tessera_status checkout_from_servers(tessera_client *c, char *body, char *key, tessera_lease **out,
                                            tessera_error *err) {
  CURL *h = tsr_take_curl(c);
  tsr_grant g;
  int64_t sent_at = tsr_mono_ms();
  tessera_status st = h ? tsr_failover_checkout(c, h, NULL, body, &g, err)
                        : tsr_error(err, TESSERA_OUT_OF_MEMORY, 0, "out of memory");
  tsr_seat *s = st == TESSERA_OK ? tsr_seat_new(&g, sent_at, body, key) : NULL;
  if (st == TESSERA_OK) {
    if (s == NULL) { /* the server holds a seat we cannot keep track of: give it back */
      tsr_seat untracked = {.lease_id = g.lease_id, .pool_id = g.pool_id, .server = g.server, .server_holds = 1};
      tsr_seat_end(c, h, &untracked);
      st = tsr_error(err, TESSERA_OUT_OF_MEMORY, 0, "out of memory");
    }
    tsr_grant_free(&g);
  }
  if (s == NULL) {
    free(body);
    free(key);
    tsr_give_curl(c, h);
    return st;
  }
  tsr_lock(c);
  tessera_lease *l = c->closing ? NULL : new_handle(c, s);
  if (l != NULL) {
    tsr_seat_link(c, s);
    tsr_heartbeat_poke(c, s->next_due);
  }
  int closing = c->closing;
  tsr_unlock(c);
  if (l == NULL) {
    /* close() ran while the request was in flight (or memory ran out): give the seat straight back. */
    s->state = SEAT_ENDED;
    tsr_seat_end(c, h, s);
    tsr_seat_free(s);
    tsr_give_curl(c, h);
    return closing ? tsr_error(err, TESSERA_CLOSED, 0, "the client was closed during the checkout")
                   : tsr_error(err, TESSERA_OUT_OF_MEMORY, 0, "out of memory");
  }
  tsr_give_curl(c, h);
  *out = l;
  tsr_error_clear(err);
  return TESSERA_OK;
}

tessera_status tessera_checkout_ex(tessera_client *c, const char *feature, int count,
                                   const tessera_checkout_options *opts, tessera_lease **out, tessera_error *err) {
  if (out) *out = NULL;
  if (c == NULL || out == NULL) return tsr_error(err, TESSERA_INVALID_ARGUMENT, 0, "client and out must not be NULL");
  if (feature == NULL || feature[0] == '\0')
    return tsr_error(err, TESSERA_INVALID_ARGUMENT, 0, "feature must be a non-empty string");
  if (count < 1) return tsr_error(err, TESSERA_INVALID_ARGUMENT, 0, "count must be an integer >= 1, got %d", count);
  /* Version 0.1's size; fields added later are read only when struct_size covers them. */
  if (opts && opts->struct_size < offsetof(tessera_checkout_options, release_date) + sizeof(char *))
    return tsr_error(err, TESSERA_INVALID_ARGUMENT, 0,
                     "tessera_checkout_options.struct_size is %zu; initialise the options with "
                     "tessera_checkout_options_init()",
                     opts->struct_size);
  const char *release_date = opts ? opts->release_date : NULL;
  if (release_date && !tsr_is_iso_date(release_date))
    return tsr_error(err, TESSERA_INVALID_ARGUMENT, 0, "release date must be a date written YYYY-MM-DD, got \"%s\"",
                     release_date);
  if (release_date == NULL) release_date = c->release_date;

  char *key = cache_key(feature, count, release_date);
  if (key == NULL) return tsr_error(err, TESSERA_OUT_OF_MEMORY, 0, "out of memory");
  tsr_lock(c);
  if (c->closing) {
    tsr_unlock(c);
    free(key);
    return tsr_error(err, TESSERA_CLOSED, 0, "the client is closed");
  }
  tsr_seat *cached = take_from_cache(c, key);
  tessera_lease *l = cached ? new_handle(c, cached) : NULL;
  if (cached && l == NULL) tsr_seat_unlink(c, cached), cached->state = SEAT_ENDED;
  if (!cached) c->calls++;
  tsr_unlock(c);
  if (cached) {
    free(key);
    if (l == NULL) { /* out of memory: the seat cannot be handed out, so it is given back */
      CURL *h = tsr_take_curl(c);
      if (h) tsr_seat_end(c, h, cached);
      tsr_give_curl(c, h);
      tsr_seat_free(cached);
      return tsr_error(err, TESSERA_OUT_OF_MEMORY, 0, "out of memory");
    }
    tsr_log(c, TESSERA_LOG_DEBUG, "reusing cached lease %s of %s", tessera_lease_id(l), feature);
    *out = l;
    tsr_error_clear(err);
    return TESSERA_OK;
  }
  char *body = checkout_body(c, feature, count, release_date);
  tessera_status st = body ? checkout_from_servers(c, body, key, out, err)
                           : (free(key), tsr_error(err, TESSERA_OUT_OF_MEMORY, 0, "out of memory"));
  end_call(c);
  return st;
}

tessera_status tessera_checkout(tessera_client *c, const char *feature, int count, tessera_lease **out,
                                tessera_error *err) {
  return tessera_checkout_ex(c, feature, count, NULL, out, err);
}

tessera_status tessera_lease_release(tessera_lease *lease, tessera_error *err) {
  if (lease == NULL) return tsr_error(err, TESSERA_INVALID_ARGUMENT, 0, "lease must not be NULL");
  tessera_client *c = lease->c;
  int on_thread = pthread_equal(pthread_self(), c->thread);
  tsr_lock(c);
  tsr_seat *s = lease->seat;
  if (c->closing || s == NULL) {
    tsr_unlock(c);
    return s == NULL ? tsr_error(err, TESSERA_INVALID_ARGUMENT, 0, "the lease was already released")
                     : tsr_error(err, TESSERA_CLOSED, 0, "the client is closing; it releases every lease");
  }
  c->calls++;
  lease->seat = NULL;
  s->owner = NULL;
  /* No callback may be running about this handle once it is freed; on the heartbeat thread one
     may (this very call may be inside it): the handle is then freed when it returns. */
  if (!on_thread)
    while (lease->callbacks > 0) pthread_cond_wait(&c->changed, &c->mu);
  tsr_seat *ticket = NULL;
  if (c->cache_ms > 0 && s->state == SEAT_HELD) {
    s->cached = 1;
    s->cache_until = tsr_mono_ms() + c->cache_ms;
    s->cprev = c->cache_tail;
    s->cnext = NULL;
    if (c->cache_tail) c->cache_tail->cnext = s;
    else c->cache_head = s;
    c->cache_tail = s;
    tsr_heartbeat_poke(c, s->cache_until);
  } else {
    s->state = SEAT_ENDED;
    /* Let an in-flight heartbeat or re-checkout settle first, so the lease released is the one
       the server holds now. No seat is busy while a callback runs, so this never waits on itself. */
    while (s->busy) pthread_cond_wait(&c->changed, &c->mu);
    tsr_seat_unlink(c, s);
    ticket = tsr_seat_ticket(s);
    /* Out of memory for the copy: the DELETE cannot be sent and the seat lapses with its lease. */
    if (s->queued) s->orphan = 1; /* in this round's list: the heartbeat thread frees it */
    else if (on_thread && lease->callbacks > 0) lease->doomed = s;
    else tsr_seat_free(s);
  }
  int free_now = !(on_thread && lease->callbacks > 0);
  if (!free_now) lease->free_pending = 1;
  tsr_unlock(c);
  if (free_now) free(lease);
  if (ticket) {
    CURL *h = tsr_take_curl(c);
    if (h) tsr_seat_end(c, h, ticket);
    else tsr_log(c, TESSERA_LOG_WARN, "release of lease %s skipped: out of memory", ticket->lease_id);
    tsr_give_curl(c, h);
    tsr_seat_free(ticket);
  }
  end_call(c);
  tsr_error_clear(err);
  return TESSERA_OK;
}

/* Getters read under the lock: the heartbeat thread may be replacing a field meanwhile. */
#define LEASE_GET(type, name, field, none)            \
  type name(const tessera_lease *lease) {             \
    if (lease == NULL) return none;                   \
    tsr_lock(lease->c);                               \
    type v = lease->seat ? lease->seat->field : none; \
    tsr_unlock(lease->c);                             \
    return v;                                         \
  }

LEASE_GET(const char *, tessera_lease_id, lease_id, NULL)
LEASE_GET(const char *, tessera_lease_feature, feature, NULL)
LEASE_GET(int, tessera_lease_count, count, 0)
LEASE_GET(const char *, tessera_lease_license_id, license_id, NULL)
LEASE_GET(const char *, tessera_lease_pool_id, pool_id, NULL)
LEASE_GET(int64_t, tessera_lease_expires_at, expires_at_ms, 0)
LEASE_GET(double, tessera_lease_heartbeat_seconds, heartbeat_s, 0)

const char *tessera_lease_server(const tessera_lease *lease) {
  if (lease == NULL) return NULL;
  tsr_lock(lease->c);
  const char *url = lease->seat ? lease->c->cfg.servers[lease->seat->server].url : NULL;
  tsr_unlock(lease->c);
  return url;
}

int tessera_lease_held(const tessera_lease *lease) {
  if (lease == NULL) return 0;
  tsr_lock(lease->c);
  int held = lease->seat && lease->seat->state == SEAT_HELD;
  tsr_unlock(lease->c);
  return held;
}

void tessera_lease_set_user_data(tessera_lease *lease, void *user_data) {
  if (lease == NULL) return;
  tsr_lock(lease->c); /* a callback on the heartbeat thread may be reading it */
  lease->user_data = user_data;
  tsr_unlock(lease->c);
}

void *tessera_lease_user_data(const tessera_lease *lease) {
  if (lease == NULL) return NULL;
  tsr_lock(lease->c);
  void *v = lease->user_data;
  tsr_unlock(lease->c);
  return v;
}
