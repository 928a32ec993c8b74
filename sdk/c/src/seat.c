/*
 * One seat on a server and what keeps it: heartbeats, taking it over on another server of the
 * same pool, checking the same feature and count out again when it is gone, and giving it back.
 * Runs on the heartbeat thread (tick) or the releasing thread (end), never holding the lock
 * across a request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util.h"

static int retire(tsr_seat *s, char *str) {
  if (str == NULL) return 1;
  tsr_retired *r = malloc(sizeof *r);
  if (r == NULL) return 0;
  r->s = str;
  r->next = s->retired;
  s->retired = r;
  return 1;
}

/** Takes the grant's strings and times (mu held, or the seat not yet shared). */
static void adopt(tsr_seat *s, tsr_grant *g, int64_t sent_at) {
  /* Strings a getter may have handed out stay alive until the seat is freed. Should keeping one
     fail for want of memory, the old string is leaked rather than freed under a reader. */
  char *old[] = {s->lease_id, s->feature, s->license_id, s->pool_id};
  for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) (void)retire(s, old[i]);
  s->lease_id = g->lease_id;
  s->feature = g->feature;
  s->license_id = g->license_id;
  s->pool_id = g->pool_id;
  g->lease_id = g->feature = g->license_id = g->pool_id = NULL;
  s->count = g->count;
  s->server = g->server;
  s->expires_at_ms = g->expires_at_ms;
  s->lease_ms = g->lease_s > 0 && g->lease_s < 1e9 ? (int64_t)(g->lease_s * 1000) : TSR_DEFAULT_LEASE_MS;
  /* Guard against a server that sends nonsense: a zero period would spin, and one longer than
     the lease would let it lapse between heartbeats. */
  int64_t hb = g->heartbeat_s > 0 && g->heartbeat_s < 1e9 ? (int64_t)(g->heartbeat_s * 1000) : TSR_DEFAULT_HEARTBEAT_MS;
  if (hb > s->lease_ms / 2) hb = s->lease_ms / 2;
  if (hb < TSR_MIN_HEARTBEAT_MS) hb = TSR_MIN_HEARTBEAT_MS;
  s->heartbeat_ms = hb;
  s->heartbeat_s = (double)hb / 1000.0;
  /* Measured from when the request was sent, on our own monotonic clock: the server extended
     the lease no earlier than that, and its wall clock may differ from ours. */
  s->deadline = sent_at + s->lease_ms;
  s->server_holds = 1;
}

tsr_seat *tsr_seat_new(tsr_grant *g, int64_t sent_at, char *body, char *cache_key) {
  tsr_seat *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  adopt(s, g, sent_at);
  s->body = body;
  s->cache_key = cache_key;
  s->state = SEAT_HELD;
  s->next_due = tsr_mono_ms() + s->heartbeat_ms;
  return s;
}

void tsr_seat_free(tsr_seat *s) {
  if (s == NULL) return;
  while (s->retired) {
    tsr_retired *r = s->retired;
    s->retired = r->next;
    free(r->s);
    free(r);
  }
  free(s->lease_id);
  free(s->feature);
  free(s->license_id);
  free(s->pool_id);
  free(s->body);
  free(s->cache_key);
  free(s->lost_reason);
  free(s);
}

tsr_seat *tsr_seat_ticket(const tsr_seat *s) {
  tsr_seat *t = calloc(1, sizeof *t);
  if (t == NULL) return NULL;
  t->lease_id = tsr_strdup(s->lease_id);
  t->pool_id = tsr_strdup(s->pool_id);
  t->server = s->server;
  t->server_holds = s->server_holds;
  t->state = SEAT_ENDED;
  if (!t->lease_id || !t->pool_id) {
    tsr_seat_free(t);
    return NULL;
  }
  return t;
}

void tsr_seat_link(tessera_client *c, tsr_seat *s) {
  s->prev = NULL;
  s->next = c->seats;
  if (c->seats) c->seats->prev = s;
  c->seats = s;
}

void tsr_cache_remove(tessera_client *c, tsr_seat *s) {
  if (!s->cached) return;
  if (s->cprev) s->cprev->cnext = s->cnext;
  else c->cache_head = s->cnext;
  if (s->cnext) s->cnext->cprev = s->cprev;
  else c->cache_tail = s->cprev;
  s->cprev = s->cnext = NULL;
  s->cached = 0;
}

void tsr_seat_unlink(tessera_client *c, tsr_seat *s) {
  tsr_cache_remove(c, s);
  if (s->prev) s->prev->next = s->next;
  else if (c->seats == s) c->seats = s->next;
  if (s->next) s->next->prev = s->prev;
  s->prev = s->next = NULL;
}

/** Ends a seat whose lease is already gone: nothing to send (mu held). */
static void drop(tessera_client *c, tsr_seat *s) {
  s->state = SEAT_ENDED;
  tsr_seat_unlink(c, s);
}

static void schedule(tessera_client *c, tsr_seat *s) {
  tsr_lock(c);
  if (s->state != SEAT_ENDED) s->next_due = tsr_mono_ms() + s->heartbeat_ms;
  tsr_unlock(c);
}

/** Queues a callback about the seat's handle (mu held); nothing when the seat has none. */
static void queue(tsr_seat *s, tsr_event *ev, int kind) {
  if (s->owner == NULL) return;
  ev->kind = kind;
  ev->lease = s->owner;
  s->owner->callbacks++;
}

/**
 * The seat is gone from its server: check out the same feature and count again, anywhere.
 * Returns 1 when the seat was dropped instead (a cached seat nobody uses).
 */
static int recover(tessera_client *c, CURL *h, tsr_memo *memo, tsr_seat *s, const char *reason, tsr_event *ev) {
  tsr_lock(c);
  if (s->owner == NULL) { /* taking a new seat for a cached one would hold a seat for no one */
    drop(c, s);
    tsr_unlock(c);
    return 1;
  }
  tsr_unlock(c);
  const char *previous = s->lease_id; /* kept alive by retire() when replaced */
  int64_t sent_at = tsr_mono_ms();
  tsr_grant g;
  tessera_error err;
  tessera_status st = tsr_failover_checkout(c, h, memo, s->body, &g, &err);
  tsr_lock(c);
  if (st == TESSERA_OK) {
    /* Adopt even if the program released meanwhile: the release waits for this, then gives
       the new lease back too, so it is not left holding a seat until it lapses. */
    adopt(s, &g, sent_at);
    tsr_grant_free(&g);
    if (s->state != SEAT_ENDED) {
      s->state = SEAT_HELD;
      queue(s, ev, EV_RENEWED);
      ev->previous = previous;
      ev->current = s->lease_id;
      ev->server = c->cfg.servers[s->server].url;
      ev->reason = tsr_strdup(reason);
    }
    tsr_unlock(c);
    tsr_log(c, TESSERA_LOG_DEBUG, "lease %s re-checked out as %s (%s)", previous, s->lease_id, reason);
    return 0;
  }
  int dropped = 0, lost = 0;
  if (s->state == SEAT_ENDED) {
    /* released meanwhile: nothing held, nothing to tell */
  } else if (s->owner == NULL) {
    drop(c, s); /* released into the cache while we were trying */
    dropped = 1;
  } else if (s->state == SEAT_HELD) {
    s->state = SEAT_LOST;
    free(s->lost_reason);
    s->lost_reason = tsr_strdup(reason);
    queue(s, ev, EV_LOST);
    ev->code = st;
    ev->message = tsr_strdup(err.message);
    ev->reason = tsr_strdup(reason);
    lost = 1;
  }
  tsr_unlock(c);
  if (lost)
    tsr_log(c, TESSERA_LOG_WARN, "lease %s lost and not regained: %s: %s", previous, tessera_status_name(st),
            err.message);
  return dropped;
}

/** Heartbeats the lease on another server of its pool; 1 (and moved there) if one extended it. */
static int heartbeat_peer(tessera_client *c, CURL *h, tsr_memo *memo, tsr_seat *s, const char *path, int64_t sent_at,
                          tsr_event *ev) {
  size_t *peers = malloc(c->cfg.server_count * sizeof *peers);
  if (peers == NULL) return 0;
  size_t failed = s->server, n = tsr_peers_in_pool(c, h, memo, failed, s->pool_id, peers);
  int moved = 0;
  for (size_t i = 0; i < n && !moved; i++) {
    tsr_lock(c);
    int ended = s->state == SEAT_ENDED;
    tsr_unlock(c);
    if (ended) break;
    tsr_outcome o;
    tsr_call(c, h, memo, peers[i], "POST", path, "{}", &o);
    tsr_lock(c);
    if (s->state != SEAT_ENDED && tsr_outcome_ok(&o)) {
      const cJSON *expires = cJSON_GetObjectItemCaseSensitive(o.body, "expiresAt");
      if (cJSON_IsString(expires)) s->expires_at_ms = tsr_parse_time_ms(expires->valuestring);
      s->deadline = sent_at + s->lease_ms;
      s->server = peers[i];
      queue(s, ev, EV_MOVED);
      ev->current = s->lease_id;
      ev->previous = c->cfg.servers[failed].url;
      ev->server = c->cfg.servers[peers[i]].url;
      moved = 1;
    }
    tsr_unlock(c);
    tsr_outcome_free(&o);
  }
  free(peers);
  if (moved)
    tsr_log(c, TESSERA_LOG_DEBUG, "heartbeat of lease %s moved from %s to %s", s->lease_id,
            c->cfg.servers[failed].url, c->cfg.servers[s->server].url);
  return moved;
}

/** After a heartbeat its server did not take and no peer took either. */
static int heartbeat_failed(tessera_client *c, CURL *h, tsr_memo *memo, tsr_seat *s, const tsr_outcome *o,
                            tsr_event *ev) {
  tsr_server_error e;
  if (!o->failed) tsr_server_error_of(o, &e);
  char why[300];
  if (o->failed) snprintf(why, sizeof why, "%s", o->why);
  else snprintf(why, sizeof why, "HTTP %ld %s", o->status, e.code);
  tsr_log(c, TESSERA_LOG_WARN, "heartbeat of lease %s to %s failed: %s", s->lease_id, c->cfg.servers[s->server].url,
          why);
  /* The lease may well still be held: keep heartbeating until its deadline; only after that is
     it surely gone from that server. */
  if (tsr_mono_ms() < s->deadline) return 0;
  tsr_lock(c);
  s->server_holds = 0;
  tsr_unlock(c);
  return recover(c, h, memo, s, "UNREACHABLE", ev);
}

int tsr_seat_tick(tessera_client *c, CURL *h, tsr_memo *memo, tsr_seat *s, tsr_event *ev) {
  tsr_lock(c);
  int state = s->state;
  tsr_unlock(c);
  if (state == SEAT_LOST) {
    char *reason = tsr_strdup(s->lost_reason ? s->lost_reason : "EXPIRED");
    int dropped = recover(c, h, memo, s, reason ? reason : "EXPIRED", ev);
    free(reason);
    if (!dropped) schedule(c, s);
    return dropped;
  }
  char *path = tsr_lease_path(s->lease_id, "/heartbeat");
  if (path == NULL) {
    schedule(c, s); /* out of memory: try again next period */
    return 0;
  }
  int64_t sent_at = tsr_mono_ms();
  tsr_outcome o;
  tsr_call(c, h, memo, s->server, "POST", path, "{}", &o);
  int dropped = 0;
  tsr_lock(c);
  int ended = s->state == SEAT_ENDED; /* released while the heartbeat was in flight */
  if (!ended && tsr_outcome_ok(&o)) {
    const cJSON *expires = cJSON_GetObjectItemCaseSensitive(o.body, "expiresAt");
    if (cJSON_IsString(expires)) s->expires_at_ms = tsr_parse_time_ms(expires->valuestring);
    s->deadline = sent_at + s->lease_ms;
    tsr_unlock(c);
  } else if (!ended && !o.failed && o.status == 410) {
    s->server_holds = 0;
    tsr_server_error e;
    tsr_server_error_of(&o, &e);
    char *reason = tsr_strdup(e.reason ? e.reason : e.code);
    tsr_unlock(c);
    dropped = recover(c, h, memo, s, reason ? reason : "LEASE_GONE", ev);
    free(reason);
  } else {
    tsr_unlock(c);
    /* Its server cannot answer, but another server of the same pool (a Cloud node on the same
       database) may hold the same lease: keep it alive there and stay there. */
    if (!ended && !heartbeat_peer(c, h, memo, s, path, sent_at, ev)) {
      tsr_lock(c);
      ended = s->state == SEAT_ENDED;
      tsr_unlock(c);
      if (!ended) dropped = heartbeat_failed(c, h, memo, s, &o, ev);
    }
  }
  tsr_outcome_free(&o);
  free(path);
  if (!dropped) schedule(c, s);
  return dropped;
}

void tsr_seat_end(tessera_client *c, CURL *h, tsr_seat *s) {
  if (!s->server_holds) return;
  char *path = tsr_lease_path(s->lease_id, "");
  if (path == NULL) return;
  tsr_outcome o;
  tsr_call(c, h, NULL, s->server, "DELETE", path, NULL, &o);
  size_t server = s->server;
  if (o.failed || o.status >= 500) {
    /* Its server is down: a server of the same pool holds the same lease and can free it. */
    size_t *peers = malloc(c->cfg.server_count * sizeof *peers);
    size_t n = peers ? tsr_peers_in_pool(c, h, NULL, s->server, s->pool_id, peers) : 0;
    for (size_t i = 0; i < n; i++) {
      tsr_outcome again;
      tsr_call(c, h, NULL, peers[i], "DELETE", path, NULL, &again);
      if (!again.failed && again.status < 300) {
        tsr_outcome_free(&o);
        o = again;
        server = peers[i];
        break;
      }
      tsr_outcome_free(&again);
    }
    free(peers);
  }
  if (o.failed || o.status >= 300) {
    char why[300];
    if (o.failed) snprintf(why, sizeof why, "%s", o.why);
    else snprintf(why, sizeof why, "HTTP %ld", o.status);
    tsr_log(c, TESSERA_LOG_WARN, "release of lease %s on %s failed: %s", s->lease_id, c->cfg.servers[server].url,
            why);
  }
  tsr_outcome_free(&o);
  free(path);
}

void tsr_fire(tessera_client *c, tsr_event *ev) {
  if (ev->kind == EV_NONE) { /* nobody to tell: the seat went to the release cache meanwhile */
    free(ev->message);
    free(ev->reason);
    memset(ev, 0, sizeof *ev);
    return;
  }
  tessera_lease *l = ev->lease;
  if (ev->kind == EV_RENEWED && c->on_renewed)
    c->on_renewed(l, ev->previous, ev->current, ev->server, ev->reason ? ev->reason : "", c->user_data);
  else if (ev->kind == EV_LOST && c->on_lost)
    c->on_lost(l, ev->code, ev->message ? ev->message : "", ev->reason ? ev->reason : "", c->user_data);
  else if (ev->kind == EV_MOVED && c->on_moved)
    c->on_moved(l, ev->current, ev->previous, ev->server, c->user_data);
  free(ev->message);
  free(ev->reason);
  tsr_lock(c);
  l->callbacks--;
  int free_now = l->free_pending && l->callbacks == 0;
  pthread_cond_broadcast(&c->changed);
  tsr_unlock(c);
  if (free_now) {
    tsr_seat_free(l->doomed);
    free(l);
  }
  memset(ev, 0, sizeof *ev);
}
