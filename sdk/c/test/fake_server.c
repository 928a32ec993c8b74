#include "fake_server_impl.h"

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
      fake_reply_error(c->fd, 400, "FST_ERR_CTP_EMPTY_JSON_BODY", "Body cannot be empty when content-type is set", NULL);
    } else if (!fake_handle(f, c->fd, method, path, auth[0] ? auth : NULL, body)) {
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
    for (int i = first; i < n; i++) {
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
  LOCKED(f, n = fake_seats_in_use(f));
  return n;
}

int fake_lease_count(fake_server *f) {
  int n = 0;
  LOCKED(f, for (int i = 0; i < f->nleases; i++) n += !f->leases[i].gone_reason);
  return n;
}

int fake_has_lease(fake_server *f, const char *lease_id) {
  int has;
  LOCKED(f, lease *l = fake_find_lease(f, lease_id); has = l && !l->gone_reason);
  return has;
}

void fake_revoke(fake_server *f, const char *lease_id, const char *reason) {
  LOCKED(f, lease *l = fake_find_lease(f, lease_id); if (l && !l->gone_reason) l->gone_reason = strdup(reason));
}

void fake_share_lease(fake_server *to, fake_server *from, const char *lease_id) {
  int count = 0;
  LOCKED(from, lease *l = fake_find_lease(from, lease_id); count = l ? l->count : 0);
  LOCKED(to, fake_add_lease(to, lease_id, count));
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
