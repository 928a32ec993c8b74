/* The fake server's state, shared by its socket loop (fake_server.c) and its routes (fake_routes.c). */
#ifndef TSR_FAKE_SERVER_IMPL_H
#define TSR_FAKE_SERVER_IMPL_H

#include <pthread.h>
#include <stddef.h>

#include "fake_server.h"

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

/* fake_routes.c (mu held) */
/** Answers one request. Returns 0 when the connection is to hang. */
int fake_handle(fake_server *f, int fd, const char *method, const char *path, const char *auth, const char *body);
void fake_reply_error(int fd, int status, const char *code, const char *message, const char *reason);
lease *fake_find_lease(fake_server *f, const char *id);
int fake_seats_in_use(fake_server *f);
void fake_add_lease(fake_server *f, const char *id, int count);

#endif
