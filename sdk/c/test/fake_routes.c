/* The fake server's answers: the client protocol v1, in memory. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "fake_server_impl.h"

static void send_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

/* One write per answer: a second small write would wait for the client's delayed ACK (Nagle). */
static void reply(int fd, int status, const char *body) {
  size_t n = body ? strlen(body) : 0;
  char *text = malloc(n + 256);
  int h = snprintf(text, 256, "HTTP/1.1 %d X\r\n%sContent-Length: %zu\r\n\r\n", status,
                   n ? "Content-Type: application/json\r\n" : "", n);
  if (n) memcpy(text + h, body, n);
  send_all(fd, text, (size_t)h + n);
  free(text);
}

void fake_reply_error(int fd, int status, const char *code, const char *message, const char *reason) {
  cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
  cJSON_AddStringToObject(e, "code", code);
  cJSON_AddStringToObject(e, "message", message);
  if (reason) cJSON_AddStringToObject(e, "reason", reason);
  char *text = cJSON_PrintUnformatted(o);
  reply(fd, status, text);
  cJSON_free(text);
  cJSON_Delete(o);
}

static void iso_in(double seconds, char *out, size_t size) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  int64_t ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000 + (int64_t)(seconds * 1000);
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char base[32];
  strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, size, "%s.%03dZ", base, (int)(ms % 1000));
}

lease *fake_find_lease(fake_server *f, const char *id) {
  for (int i = 0; i < f->nleases; i++)
    if (strcmp(f->leases[i].id, id) == 0) return &f->leases[i];
  return NULL;
}

int fake_seats_in_use(fake_server *f) {
  int n = 0;
  for (int i = 0; i < f->nleases; i++)
    if (!f->leases[i].gone_reason) n += f->leases[i].count;
  return n;
}

void fake_add_lease(fake_server *f, const char *id, int count) {
  f->leases = realloc(f->leases, (size_t)(f->nleases + 1) * sizeof *f->leases);
  f->leases[f->nleases++] = (lease){.id = strdup(id), .count = count};
}

static void do_checkout(fake_server *f, int fd, const char *body) {
  cJSON *b = cJSON_Parse(body ? body : "");
  const cJSON *feature = cJSON_GetObjectItem(b, "feature"), *count = cJSON_GetObjectItem(b, "count");
  const cJSON *client = cJSON_GetObjectItem(cJSON_GetObjectItem(b, "client"), "id");
  int n = cJSON_IsNumber(count) ? count->valueint : 1;
  if (!cJSON_IsString(feature) || !cJSON_IsString(client)) {
    fake_reply_error(fd, 400, "BAD_REQUEST", "feature and client.id are required", NULL);
  } else if (strcmp(feature->valuestring, f->feature) != 0) {
    fake_reply_error(fd, 404, "UNKNOWN_FEATURE", "no installed license has that feature", NULL);
  } else if (fake_seats_in_use(f) + n > f->seats) {
    fake_reply_error(fd, 409, "NO_SEATS", "all seats are in use", NULL);
  } else {
    char id[64], expires[40];
    snprintf(id, sizeof id, "lease_%d_%d", f->port, ++f->next_id);
    fake_add_lease(f, id, n);
    iso_in(f->lease_s, expires, sizeof expires);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "leaseId", id);
    cJSON_AddStringToObject(o, "feature", feature->valuestring);
    cJSON_AddNumberToObject(o, "count", n);
    char lic[32];
    snprintf(lic, sizeof lic, "lic_%d", f->port);
    cJSON_AddStringToObject(o, "licenseId", lic);
    cJSON_AddStringToObject(o, "expiresAt", expires);
    cJSON_AddNumberToObject(o, "heartbeatSeconds", f->hb);
    cJSON_AddNumberToObject(o, "leaseSeconds", f->lease_s);
    cJSON_AddStringToObject(o, "poolId", f->pool);
    char *text = cJSON_PrintUnformatted(o);
    reply(fd, 201, text);
    cJSON_free(text);
    cJSON_Delete(o);
  }
  cJSON_Delete(b);
}

static void do_features(fake_server *f, int fd) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "poolId", f->pool);
  cJSON *list = cJSON_AddArrayToObject(o, "features"), *one = cJSON_CreateObject();
  cJSON_AddStringToObject(one, "feature", f->feature);
  cJSON_AddNumberToObject(one, "total", f->seats);
  cJSON_AddNumberToObject(one, "inUse", fake_seats_in_use(f));
  cJSON_AddNumberToObject(one, "available", f->seats - fake_seats_in_use(f));
  cJSON *lic = cJSON_CreateObject();
  cJSON_AddStringToObject(lic, "licenseId", "lic_1");
  cJSON_AddNumberToObject(lic, "count", f->seats);
  cJSON_AddNumberToObject(lic, "inUse", fake_seats_in_use(f));
  cJSON_AddNullToObject(lic, "expires");
  cJSON_AddStringToObject(lic, "maintenanceUntil", "2030-01-01");
  cJSON_AddItemToArray(cJSON_AddArrayToObject(one, "licenses"), lic);
  cJSON_AddItemToArray(list, one);
  char *text = cJSON_PrintUnformatted(o);
  reply(fd, 200, text);
  cJSON_free(text);
  cJSON_Delete(o);
}

static void base64(const char *in, char *out) {
  static const char T[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = strlen(in), o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (i + 1 < n ? (unsigned char)in[i + 1] << 8 : 0) |
                 (i + 2 < n ? (unsigned char)in[i + 2] : 0);
    out[o++] = T[v >> 18 & 63];
    out[o++] = T[v >> 12 & 63];
    out[o++] = i + 1 < n ? T[v >> 6 & 63] : '=';
    out[o++] = i + 2 < n ? T[v & 63] : '=';
  }
  out[o] = '\0';
}

int fake_handle(fake_server *f, int fd, const char *method, const char *path, const char *auth, const char *body) {
  fake_route route = ROUTE_OTHER;
  char id[128] = "";
  const char *rest = strncmp(path, "/v1/leases/", 11) == 0 ? path + 11 : NULL;
  size_t id_len = rest ? strcspn(rest, "/") : 0;
  if (rest && id_len < sizeof id) {
    for (size_t i = 0, o = 0; i < id_len; i++) /* percent-decode */
      if (rest[i] == '%' && i + 2 < id_len) {
        char hex[3] = {rest[i + 1], rest[i + 2], 0};
        id[o++] = (char)strtol(hex, NULL, 16), i += 2, id[o] = 0;
      } else {
        id[o++] = rest[i], id[o] = 0;
      }
  }
  if (strcmp(method, "POST") == 0 && strcmp(path, "/v1/leases") == 0) route = ROUTE_CHECKOUT;
  else if (strcmp(method, "GET") == 0 && strcmp(path, "/v1/features") == 0) route = ROUTE_FEATURES;
  else if (rest && strcmp(method, "POST") == 0 && strcmp(rest + id_len, "/heartbeat") == 0) route = ROUTE_HEARTBEAT;
  else if (rest && strcmp(method, "DELETE") == 0 && rest[id_len] == '\0') route = ROUTE_RELEASE;
  f->reqs = realloc(f->reqs, (size_t)(f->nreqs + 1) * sizeof *f->reqs);
  f->reqs[f->nreqs++] = (req){route, body ? strdup(body) : NULL, auth ? strdup(auth) : NULL, rest ? strdup(id) : NULL};
  pthread_cond_broadcast(&f->cond);

  for (int i = 0; i < f->nscripts; i++) {
    script *s = &f->scripts[i];
    if (s->route != route) continue;
    int hang = s->hang, status = s->status;
    if (hang) {
    } else if (s->code) {
      fake_reply_error(fd, status, s->code, "scripted", s->reason);
    } else {
      reply(fd, status, s->raw);
    }
    if (s->times > 0 && --s->times == 0) {
      free(s->code), free(s->reason), free(s->raw);
      f->scripts[i] = f->scripts[--f->nscripts];
    }
    return !hang;
  }
  if (f->user[0]) {
    char want[300], pair[140];
    snprintf(pair, sizeof pair, "%s:%s", f->user, f->pass);
    strcpy(want, "Basic ");
    base64(pair, want + 6);
    if (!auth || strcmp(auth, want) != 0) {
      fake_reply_error(fd, 401, "UNAUTHORIZED", "valid credentials are required", NULL);
      return 1;
    }
  }
  lease *l = id[0] ? fake_find_lease(f, id) : NULL;
  char expires[40];
  switch (route) {
    case ROUTE_CHECKOUT: do_checkout(f, fd, body); break;
    case ROUTE_FEATURES: do_features(f, fd); break;
    case ROUTE_HEARTBEAT:
      if (l && !l->gone_reason) {
        char text[80];
        iso_in(f->lease_s, expires, sizeof expires);
        snprintf(text, sizeof text, "{\"expiresAt\":\"%s\"}", expires);
        reply(fd, 200, text);
      } else {
        fake_reply_error(fd, 410, "LEASE_GONE", "this lease is no longer held", l ? l->gone_reason : "UNKNOWN_LEASE");
      }
      break;
    case ROUTE_RELEASE:
      if (l && !l->gone_reason) l->gone_reason = strdup("RELEASED");
      reply(fd, 204, NULL);
      break;
    default: fake_reply_error(fd, 404, "NOT_FOUND", "not found", NULL);
  }
  return 1;
}

