#include "fake_server.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64

typedef struct req {
  fake_route route;
  char *body, *auth, *lease_id;
} req;

typedef struct lease {
  char *id;
  int count;
  char *gone_reason; /* set once revoked or released: heartbeats get 410 */
} lease;

typedef struct script {
  fake_route route;
  int status, hang, times;
  char *code, *reason, *raw;
} script;

typedef struct conn {
  int fd, hung;
  char *buf;
  size_t len;
} conn;

struct fake_server {
  pthread_mutex_t mu;
  pthread_cond_t cond;
  pthread_t thread;
  int listen_fd, port, stop, want_down, want_up, is_down;
  char url[64], address[32], pool[64], feature[64], user[64], pass[64];
  double hb, lease_s;
  int seats, next_id;
  lease *leases;
  int nleases;
  script *scripts;
  int nscripts;
  req *reqs;
  int nreqs;
  conn conns[MAX_CONNS];
  int nconns;
};

static int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0) {
    perror("fake server: bind/listen");
    exit(3);
  }
  return fd;
}

static void drop_conns(fake_server *f) {
  for (int i = 0; i < f->nconns; i++) {
    close(f->conns[i].fd);
    free(f->conns[i].buf);
  }
  f->nconns = 0;
}

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

static void reply_error(int fd, int status, const char *code, const char *message, const char *reason) {
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

static lease *find_lease(fake_server *f, const char *id) {
  for (int i = 0; i < f->nleases; i++)
    if (strcmp(f->leases[i].id, id) == 0) return &f->leases[i];
  return NULL;
}

static int in_use(fake_server *f) {
  int n = 0;
  for (int i = 0; i < f->nleases; i++)
    if (!f->leases[i].gone_reason) n += f->leases[i].count;
  return n;
}

static void add_lease(fake_server *f, const char *id, int count) {
  f->leases = realloc(f->leases, (size_t)(f->nleases + 1) * sizeof *f->leases);
  f->leases[f->nleases++] = (lease){.id = strdup(id), .count = count};
}

static void do_checkout(fake_server *f, int fd, const char *body) {
  cJSON *b = cJSON_Parse(body ? body : "");
  const cJSON *feature = cJSON_GetObjectItem(b, "feature"), *count = cJSON_GetObjectItem(b, "count");
  const cJSON *client = cJSON_GetObjectItem(cJSON_GetObjectItem(b, "client"), "id");
  int n = cJSON_IsNumber(count) ? count->valueint : 1;
  if (!cJSON_IsString(feature) || !cJSON_IsString(client)) {
    reply_error(fd, 400, "BAD_REQUEST", "feature and client.id are required", NULL);
  } else if (strcmp(feature->valuestring, f->feature) != 0) {
    reply_error(fd, 404, "UNKNOWN_FEATURE", "no installed license has that feature", NULL);
  } else if (in_use(f) + n > f->seats) {
    reply_error(fd, 409, "NO_SEATS", "all seats are in use", NULL);
  } else {
    char id[64], expires[40];
    snprintf(id, sizeof id, "lease_%d_%d", f->port, ++f->next_id);
    add_lease(f, id, n);
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
  cJSON_AddNumberToObject(one, "inUse", in_use(f));
  cJSON_AddNumberToObject(one, "available", f->seats - in_use(f));
  cJSON *lic = cJSON_CreateObject();
  cJSON_AddStringToObject(lic, "licenseId", "lic_1");
  cJSON_AddNumberToObject(lic, "count", f->seats);
  cJSON_AddNumberToObject(lic, "inUse", in_use(f));
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

/** Answers one request (mu held). Returns 0 when the connection is to hang. */
static int handle(fake_server *f, int fd, const char *method, const char *path, const char *auth, const char *body) {
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
      reply_error(fd, status, s->code, "scripted", s->reason);
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
      reply_error(fd, 401, "UNAUTHORIZED", "valid credentials are required", NULL);
      return 1;
    }
  }
  lease *l = id[0] ? find_lease(f, id) : NULL;
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
        reply_error(fd, 410, "LEASE_GONE", "this lease is no longer held", l ? l->gone_reason : "UNKNOWN_LEASE");
      }
      break;
    case ROUTE_RELEASE:
      if (l && !l->gone_reason) l->gone_reason = strdup("RELEASED");
      reply(fd, 204, NULL);
      break;
    default: reply_error(fd, 404, "NOT_FOUND", "not found", NULL);
  }
  return 1;
}

/** Handles every complete request in a connection's buffer (mu held). */
static void serve(fake_server *f, conn *c) {
  for (;;) {
    char *end = c->len ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL;
    if (end == NULL) return;
    size_t head = (size_t)(end - c->buf) + 4, body_len = 0;
    char method[16] = "", path[512] = "", auth[300] = "";
    int json = 0;
    sscanf(c->buf, "%15s %511s", method, path);
    for (char *line = strstr(c->buf, "\r\n"); line && line < end; line = strstr(line + 2, "\r\n")) {
      if (strncasecmp(line + 2, "Content-Length:", 15) == 0) body_len = (size_t)strtoul(line + 17, NULL, 10);
      if (strncasecmp(line + 2, "Authorization: ", 15) == 0) sscanf(line + 17, "%299[^\r]", auth);
      if (strncasecmp(line + 2, "Content-Type: application/json", 30) == 0) json = 1;
    }
    if (c->len < head + body_len) return;
    char *body = body_len ? strndup(c->buf + head, body_len) : NULL;
    if (c->hung) {
    } else if (json && body_len == 0) {
      /* As the License Server (fastify) does: a JSON content type with no body is a bad request. */
      reply_error(c->fd, 400, "FST_ERR_CTP_EMPTY_JSON_BODY", "Body cannot be empty when content-type is set", NULL);
    } else if (!handle(f, c->fd, method, path, auth[0] ? auth : NULL, body)) {
      c->hung = 1;
    }
    free(body);
    memmove(c->buf, c->buf + head + body_len, c->len - head - body_len);
    c->len -= head + body_len;
  }
}

static void *run(void *arg) {
  fake_server *f = arg;
  pthread_mutex_lock(&f->mu);
  while (!f->stop) {
    if (f->want_down) {
      close(f->listen_fd);
      drop_conns(f);
      f->want_down = 0, f->is_down = 1;
      pthread_cond_broadcast(&f->cond);
    }
    if (f->want_up) {
      f->listen_fd = listen_on(f->port);
      f->want_up = 0, f->is_down = 0;
      pthread_cond_broadcast(&f->cond);
    }
    struct pollfd fds[MAX_CONNS + 1];
    int n = 0;
    if (!f->is_down) fds[n++] = (struct pollfd){.fd = f->listen_fd, .events = POLLIN};
    for (int i = 0; i < f->nconns; i++) fds[n++] = (struct pollfd){.fd = f->conns[i].fd, .events = POLLIN};
    pthread_mutex_unlock(&f->mu);
    poll(fds, (nfds_t)n, 10);
    pthread_mutex_lock(&f->mu);
    if (f->want_down || f->stop) continue;
    int first = 0;
    if (!f->is_down) {
      first = 1;
      if ((fds[0].revents & POLLIN) && f->nconns < MAX_CONNS) {
        int fd = accept(f->listen_fd, NULL, NULL);
        if (fd >= 0) f->conns[f->nconns++] = (conn){.fd = fd};
      }
    }
    for (int i = first, k = 0; i < n; i++, k++) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      conn *c = NULL;
      for (int j = 0; j < f->nconns; j++)
        if (f->conns[j].fd == fds[i].fd) c = &f->conns[j];
      if (c == NULL) continue;
      char chunk[4096];
      ssize_t r = recv(c->fd, chunk, sizeof chunk, 0);
      if (r <= 0) {
        close(c->fd);
        free(c->buf);
        *c = f->conns[--f->nconns];
        continue;
      }
      c->buf = realloc(c->buf, c->len + (size_t)r + 1);
      memcpy(c->buf + c->len, chunk, (size_t)r);
      c->len += (size_t)r;
      c->buf[c->len] = '\0';
      serve(f, c);
      (void)k;
    }
  }
  if (!f->is_down) close(f->listen_fd);
  drop_conns(f);
  pthread_mutex_unlock(&f->mu);
  return NULL;
}

fake_server *fake_start(const fake_options *o) {
  fake_options none = {0};
  if (o == NULL) o = &none;
  fake_server *f = calloc(1, sizeof *f);
  pthread_mutex_init(&f->mu, NULL);
  pthread_cond_init(&f->cond, NULL);
  f->listen_fd = listen_on(0);
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  getsockname(f->listen_fd, (struct sockaddr *)&a, &len);
  f->port = ntohs(a.sin_port);
  snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d", f->port);
  snprintf(f->address, sizeof f->address, "127.0.0.1:%d", f->port);
  if (o->pool_id) snprintf(f->pool, sizeof f->pool, "%s", o->pool_id);
  else snprintf(f->pool, sizeof f->pool, "pool_%d", f->port);
  snprintf(f->feature, sizeof f->feature, "%s", o->feature ? o->feature : "asr.engine");
  f->hb = o->heartbeat_seconds > 0 ? o->heartbeat_seconds : 0.05;
  f->lease_s = o->lease_seconds > 0 ? o->lease_seconds : 5;
  f->seats = o->seats > 0 ? o->seats : 5;
  if (o->username) snprintf(f->user, sizeof f->user, "%s", o->username);
  if (o->password) snprintf(f->pass, sizeof f->pass, "%s", o->password);
  pthread_create(&f->thread, NULL, run, f);
  return f;
}

static void wait_state(fake_server *f, int *flag) {
  while (*flag) pthread_cond_wait(&f->cond, &f->mu);
}

void fake_down(fake_server *f) {
  pthread_mutex_lock(&f->mu);
  f->want_down = 1;
  wait_state(f, &f->want_down);
  pthread_mutex_unlock(&f->mu);
}

void fake_up(fake_server *f) {
  pthread_mutex_lock(&f->mu);
  f->want_up = 1;
  wait_state(f, &f->want_up);
  pthread_mutex_unlock(&f->mu);
}

void fake_stop(fake_server *f) {
  pthread_mutex_lock(&f->mu);
  f->stop = 1;
  pthread_mutex_unlock(&f->mu);
  pthread_join(f->thread, NULL);
  for (int i = 0; i < f->nleases; i++) free(f->leases[i].id), free(f->leases[i].gone_reason);
  for (int i = 0; i < f->nreqs; i++) free(f->reqs[i].body), free(f->reqs[i].auth), free(f->reqs[i].lease_id);
  fake_clear_scripts(f);
  free(f->leases);
  free(f->reqs);
  free(f->scripts);
  pthread_cond_destroy(&f->cond);
  pthread_mutex_destroy(&f->mu);
  free(f);
}

const char *fake_url(const fake_server *f) { return f->url; }
const char *fake_address(const fake_server *f) { return f->address; }

static void add_script(fake_server *f, script s) {
  pthread_mutex_lock(&f->mu);
  f->scripts = realloc(f->scripts, (size_t)(f->nscripts + 1) * sizeof *f->scripts);
  f->scripts[f->nscripts++] = s;
  pthread_mutex_unlock(&f->mu);
}

void fake_script(fake_server *f, fake_route route, int status, const char *code, const char *reason, int times) {
  add_script(f, (script){.route = route, .status = status, .times = times, .code = code ? strdup(code) : NULL,
                         .reason = reason ? strdup(reason) : NULL});
}

void fake_script_raw(fake_server *f, fake_route route, int status, const char *raw_body, int times) {
  add_script(f, (script){.route = route, .status = status, .times = times, .raw = raw_body ? strdup(raw_body) : NULL});
}

void fake_script_hang(fake_server *f, fake_route route, int times) {
  add_script(f, (script){.route = route, .hang = 1, .times = times});
}

void fake_clear_scripts(fake_server *f) {
  pthread_mutex_lock(&f->mu);
  for (int i = 0; i < f->nscripts; i++) free(f->scripts[i].code), free(f->scripts[i].reason), free(f->scripts[i].raw);
  f->nscripts = 0;
  pthread_mutex_unlock(&f->mu);
}

#define LOCKED(f, expr)          \
  do {                           \
    pthread_mutex_lock(&(f)->mu); \
    expr;                        \
    pthread_mutex_unlock(&(f)->mu); \
  } while (0)

void fake_set_seats(fake_server *f, int seats) { LOCKED(f, f->seats = seats); }

int fake_in_use(fake_server *f) {
  int n;
  LOCKED(f, n = in_use(f));
  return n;
}

int fake_lease_count(fake_server *f) {
  int n = 0;
  LOCKED(f, for (int i = 0; i < f->nleases; i++) n += !f->leases[i].gone_reason);
  return n;
}

int fake_has_lease(fake_server *f, const char *lease_id) {
  int has;
  LOCKED(f, lease *l = find_lease(f, lease_id); has = l && !l->gone_reason);
  return has;
}

void fake_revoke(fake_server *f, const char *lease_id, const char *reason) {
  LOCKED(f, lease *l = find_lease(f, lease_id); if (l && !l->gone_reason) l->gone_reason = strdup(reason));
}

void fake_share_lease(fake_server *to, fake_server *from, const char *lease_id) {
  int count = 0;
  LOCKED(from, lease *l = find_lease(from, lease_id); count = l ? l->count : 0);
  LOCKED(to, add_lease(to, lease_id, count));
}

int fake_count(fake_server *f, fake_route route, const char *lease_id) {
  int n = 0;
  LOCKED(f, for (int i = 0; i < f->nreqs; i++) n += f->reqs[i].route == route &&
                                                    (!lease_id || (f->reqs[i].lease_id &&
                                                                   strcmp(f->reqs[i].lease_id, lease_id) == 0)));
  return n;
}

static char *field(fake_server *f, fake_route route, int i, int which) {
  char *out = NULL;
  pthread_mutex_lock(&f->mu);
  for (int k = 0, seen = 0; k < f->nreqs; k++) {
    if (f->reqs[k].route != route || seen++ != i) continue;
    const char *v = which == 0 ? f->reqs[k].body : which == 1 ? f->reqs[k].auth : f->reqs[k].lease_id;
    out = v ? strdup(v) : NULL;
    break;
  }
  pthread_mutex_unlock(&f->mu);
  return out;
}

char *fake_body(fake_server *f, fake_route route, int i) { return field(f, route, i, 0); }
char *fake_auth(fake_server *f, fake_route route, int i) { return field(f, route, i, 1); }
char *fake_lease_of(fake_server *f, fake_route route, int i) { return field(f, route, i, 2); }
