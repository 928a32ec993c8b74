/*
 * Server selection: which server to ask, in what order, and when an answer ends the search.
 * First checkouts and re-checkouts after a lease is gone go through the same code, so both
 * follow the same rules.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util.h"

static const struct {
  const char *name;
  tessera_status status;
} SERVER_DENIALS[] = {
    {"NO_SEATS", TESSERA_NO_SEATS},
    {"UNKNOWN_FEATURE", TESSERA_UNKNOWN_FEATURE},
    {"LICENSE_EXPIRED", TESSERA_LICENSE_EXPIRED},
    {"MAINTENANCE_EXPIRED", TESSERA_MAINTENANCE_EXPIRED},
    {"CLOCK_TAMPERED", TESSERA_CLOCK_TAMPERED},
    {"UNAUTHORIZED", TESSERA_UNAUTHORIZED},
    {"BAD_REQUEST", TESSERA_BAD_REQUEST},
    {"RATE_LIMITED", TESSERA_RATE_LIMITED},
};

/** The denial a server code names, or TESSERA_OK when it names none we pass through. */
tessera_status tsr_denial_status(const char *code) {
  for (size_t i = 0; i < sizeof SERVER_DENIALS / sizeof SERVER_DENIALS[0]; i++)
    if (strcmp(code, SERVER_DENIALS[i].name) == 0) return SERVER_DENIALS[i].status;
  return TESSERA_OK;
}

void tsr_call(tessera_client *c, CURL *h, tsr_memo *memo, size_t server, const char *method, const char *path,
              const char *body, tsr_outcome *out) {
  if (memo != NULL && memo->down[server]) {
    memset(out, 0, sizeof *out);
    out->failed = 1;
    memcpy(out->why, memo->why[server], sizeof out->why);
    return;
  }
  tsr_request(&c->tr, h, &c->cfg.servers[server], method, path, body, out);
  if (memo != NULL && out->failed) {
    memo->down[server] = 1;
    memcpy(memo->why[server], out->why, sizeof out->why);
  }
}

/** The sticky server first, then the rest in configured order. */
void tsr_failover_order(tessera_client *c, size_t *order) {
  size_t n = 0;
  tsr_lock(c);
  if (c->has_sticky) order[n++] = c->sticky;
  for (size_t i = 0; i < c->cfg.server_count; i++)
    if (!c->has_sticky || i != c->sticky) order[n++] = i;
  tsr_unlock(c);
}

/** A server's poolId (caller frees), from memory or from its GET /v1/features; NULL with `why` filled if unknown. */
static char *pool_of(tessera_client *c, CURL *h, tsr_memo *memo, size_t server, char *why, size_t size) {
  tsr_lock(c);
  char *known = tsr_strdup(c->pools[server]);
  tsr_unlock(c);
  if (known) return known;
  tsr_outcome out;
  tsr_call(c, h, memo, server, "GET", "/v1/features", NULL, &out);
  char detail[256];
  const char *pool = tsr_features_pool(&out, detail, sizeof detail);
  char *copy = NULL;
  if (pool == NULL) snprintf(why, size, "could not learn its pool: %s", detail);
  else if ((copy = tsr_strdup(pool)) != NULL) tsr_learn_pool(c, server, pool);
  else snprintf(why, size, "out of memory");
  tsr_outcome_free(&out);
  return copy;
}

size_t tsr_peers_in_pool(tessera_client *c, CURL *h, tsr_memo *memo, size_t failed, const char *pool, size_t *peers) {
  size_t n = 0;
  char why[512];
  for (size_t i = 0; i < c->cfg.server_count; i++) {
    if (i == failed) continue;
    char *p = pool_of(c, h, memo, i, why, sizeof why);
    if (p && pool && strcmp(p, pool) == 0) peers[n++] = i;
    free(p);
  }
  return n;
}

static char *json_string(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int json_number(const cJSON *o, const char *key, double *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(v)) return 0;
  *out = v->valuedouble;
  return 1;
}

void tsr_grant_free(tsr_grant *g) {
  free(g->lease_id);
  free(g->feature);
  free(g->license_id);
  free(g->pool_id);
  memset(g, 0, sizeof *g);
}

/** Reads a checkout response; 0 when the body is not one. */
static int parse_grant(const cJSON *b, size_t server, tsr_grant *g) {
  memset(g, 0, sizeof *g);
  const char *lease_id = json_string(b, "leaseId"), *feature = json_string(b, "feature");
  const char *license_id = json_string(b, "licenseId"), *expires = json_string(b, "expiresAt");
  const char *pool_id = json_string(b, "poolId");
  double count, hb, lease;
  if (!lease_id || !*lease_id || !feature || !license_id || !expires || !pool_id || !json_number(b, "count", &count) ||
      !json_number(b, "heartbeatSeconds", &hb) || !json_number(b, "leaseSeconds", &lease))
    return 0;
  g->server = server;
  g->lease_id = tsr_strdup(lease_id);
  g->feature = tsr_strdup(feature);
  g->license_id = tsr_strdup(license_id);
  g->pool_id = tsr_strdup(pool_id);
  g->count = count >= 0 && count <= 1e9 ? (int)count : 0;
  g->expires_at_ms = tsr_parse_time_ms(expires);
  g->heartbeat_s = hb;
  g->lease_s = lease;
  if (!g->lease_id || !g->feature || !g->license_id || !g->pool_id) {
    tsr_grant_free(g);
    return 0;
  }
  return 1;
}

/** Maps a 4xx (or a 503 CLOCK_TAMPERED) to a denial: its code and "URL: detail". */
static tessera_status to_denial(long status, const tsr_server_error *e, const char *url, char *message, size_t size) {
  tessera_status code = e->enveloped ? tsr_denial_status(e->code) : TESSERA_OK;
  if (code == TESSERA_OK) {
    if (status == 401 || status == 403) code = TESSERA_UNAUTHORIZED;
    else if (status == 429) code = TESSERA_RATE_LIMITED;
    else code = TESSERA_BAD_REQUEST;
  }
  if (strcmp(tessera_status_name(code), e->code) == 0) snprintf(message, size, "%s: %s", url, e->message);
  else snprintf(message, size, "%s: HTTP %ld %s: %s", url, status, e->code, e->message);
  return code;
}

/** What one checkout search has seen so far. */
typedef struct search {
  tsr_buf notes;
  tessera_status no_seats; /* TESSERA_NO_SEATS once a server said so */
  char no_seats_message[TESSERA_ERROR_MESSAGE_MAX];
  char **full_pools;
  size_t full_count;
  int answered; /* index of the first server that gave a real answer, or -1 */
} search;

static void note(search *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(search *s, const char *fmt, ...) {
  char line[TESSERA_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (s->notes.len > 0) tsr_buf_puts(&s->notes, "; ");
  tsr_buf_puts(&s->notes, line);
}

/** Whether a search that met NO_SEATS should skip `server`: its pool is full, or cannot be learned. */
static int skip_full_pool(tessera_client *c, CURL *h, tsr_memo *memo, search *s, size_t server) {
  if (s->no_seats != TESSERA_NO_SEATS || s->full_count == 0) return 0;
  const char *url = c->cfg.servers[server].url;
  char why[512];
  char *pool = pool_of(c, h, memo, server, why, sizeof why);
  if (pool == NULL) {
    note(s, "%s: %s", url, why);
    return 1;
  }
  int full = 0;
  for (size_t i = 0; i < s->full_count; i++) full |= strcmp(s->full_pools[i], pool) == 0;
  if (full) note(s, "%s: skipped, same pool %s as a server with no seats", url, pool);
  free(pool);
  return full;
}

/**
 * One server's answer. Returns 1 when the search ends with it (`*result` set: a grant in `g`
 * or a denial in `err`), 0 to go on to the next server.
 */
static int ask(tessera_client *c, CURL *h, tsr_memo *memo, search *s, size_t server, int has_more, const char *body,
               tsr_grant *g, tessera_status *result, tessera_error *err) {
  const char *url = c->cfg.servers[server].url;
  tsr_outcome out;
  tsr_call(c, h, memo, server, "POST", "/v1/leases", body, &out);
  int done = 0;
  if (out.failed) {
    note(s, "%s: %s", url, out.why);
    tsr_log(c, TESSERA_LOG_DEBUG, "license server %s unreachable (%s); trying the next", url, out.why);
  } else if (out.status >= 200 && out.status < 300) {
    if (!parse_grant(out.body, server, g)) {
      note(s, "%s: HTTP %ld with a body that is not a checkout response", url, out.status);
    } else {
      if (s->answered < 0) s->answered = (int)server;
      tsr_learn_pool(c, server, g->pool_id);
      *result = TESSERA_OK;
      done = 1;
    }
  } else {
    tsr_server_error e;
    tsr_server_error_of(&out, &e);
    if ((out.status >= 500 && strcmp(e.code, "CLOCK_TAMPERED") != 0) || out.status < 400) {
      note(s, "%s: HTTP %ld %s: %s", url, out.status, e.code, e.message);
      tsr_log(c, TESSERA_LOG_DEBUG, "license server %s failed (HTTP %ld); trying the next", url, out.status);
    } else {
      if (s->answered < 0) s->answered = (int)server;
      char message[TESSERA_ERROR_MESSAGE_MAX];
      tessera_status code = to_denial(out.status, &e, url, message, sizeof message);
      if (code == TESSERA_NO_SEATS) {
        if (s->no_seats != TESSERA_NO_SEATS) {
          s->no_seats = TESSERA_NO_SEATS;
          memcpy(s->no_seats_message, message, sizeof message);
        }
        /* If its pool cannot be learned the next servers are simply tried: the pool rule only
           saves pointless requests, the servers enforce the seat counts. */
        char why[512];
        char *pool = has_more ? pool_of(c, h, memo, server, why, sizeof why) : NULL;
        char **grown = pool ? realloc(s->full_pools, (s->full_count + 1) * sizeof *grown) : NULL;
        if (grown) {
          s->full_pools = grown;
          s->full_pools[s->full_count++] = pool;
        } else {
          free(pool);
        }
      } else if (s->no_seats == TESSERA_NO_SEATS) {
        note(s, "%s: %s: %s", url, tessera_status_name(code), message);
      } else {
        *result = tsr_error(err, code, 0, "%s", message);
        done = 1;
      }
    }
  }
  tsr_outcome_free(&out);
  return done;
}

/**
 * Asks servers in order until one grants or gives a final answer.
 * - Transport errors, malformed answers and 5xx go on to the next server, except 503
 *   CLOCK_TAMPERED, a deliberate refusal by a server that works, which its operator must fix,
 *   not an outage another server should paper over.
 * - NO_SEATS goes on only to servers of another pool (same pool means the same seats); once
 *   seats are being searched for, later refusals from other pools are noted and the search goes
 *   on, and the result stays NO_SEATS if nobody grants.
 * - Any other 4xx from the first server that answers is the result.
 */
tessera_status tsr_failover_checkout(tessera_client *c, CURL *h, tsr_memo *memo, const char *body, tsr_grant *g,
                                     tessera_error *err) {
  size_t n = c->cfg.server_count;
  size_t *order = malloc(n * sizeof *order);
  if (order == NULL) return tsr_error(err, TESSERA_OUT_OF_MEMORY, 0, "out of memory");
  tsr_failover_order(c, order);
  search s = {.answered = -1};
  tessera_status result = TESSERA_UNAVAILABLE;
  int done = 0;
  for (size_t i = 0; i < n && !done; i++) {
    if (skip_full_pool(c, h, memo, &s, order[i])) continue;
    done = ask(c, h, memo, &s, order[i], i + 1 < n, body, g, &result, err);
  }
  if (!done && s.no_seats == TESSERA_NO_SEATS) {
    if (s.notes.len > 0)
      result = tsr_error(err, TESSERA_NO_SEATS, 0, "%s (also tried: %s)", s.no_seats_message, tsr_buf_str(&s.notes));
    else result = tsr_error(err, TESSERA_NO_SEATS, 0, "%s", s.no_seats_message);
  } else if (!done) {
    result = tsr_error(err, TESSERA_UNAVAILABLE, 0, "no license server could be reached: %s", tsr_buf_str(&s.notes));
  } else if (result == TESSERA_OK) {
    tsr_error_clear(err);
  }
  /* Sticky means "reachable and speaking Tessera": the first server that answered at all. A
     grant found by overflowing to another pool does not move it, so the next checkout of another
     feature still starts where that feature is most likely to be. */
  if (s.answered >= 0) {
    tsr_lock(c);
    c->has_sticky = 1;
    c->sticky = (size_t)s.answered;
    tsr_unlock(c);
  }
  for (size_t i = 0; i < s.full_count; i++) free(s.full_pools[i]);
  free(s.full_pools);
  tsr_buf_free(&s.notes);
  free(order);
  return result;
}
