/*
 * The client's state and how the modules share it. Internal.
 *
 * Locking: one mutex per client (`mu`) guards everything below marked "mu", and is never held
 * across a network request or a callback into the program. A seat the heartbeat thread works on
 * is marked `busy`; only that thread then changes its lease fields (id, server, times), under
 * `mu` so that getters on other threads read them whole, and it may read them without the lock.
 * A release waits until its seat is no longer busy, so it gives back the lease the server holds.
 * No seat is busy while a callback runs, so a callback may release any lease.
 *
 * Seats and handles: a seat is one lease on a server and what keeps it; a tessera_lease is the
 * program's handle on a seat. They are apart because of the release cache: a released seat may
 * live on, still heartbeating, and be handed to a later checkout through a fresh handle, so a
 * stale handle can never release or observe the next user's seat.
 */
#ifndef TSR_INTERNAL_H
#define TSR_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "config.h"
#include "http.h"
#include "tessera/tessera.h"

/** Knobs, in one place. */
#define TSR_DEFAULT_HEARTBEAT_MS 30000 /* when a server sends no usable heartbeatSeconds */
#define TSR_DEFAULT_LEASE_MS 120000    /* when a server sends no usable leaseSeconds */
#define TSR_MIN_HEARTBEAT_MS 10        /* a zero period would spin */
#define TSR_MAX_COALESCE_MS 1000       /* seats due this close together are heartbeated in one wake-up */

enum { SEAT_HELD, SEAT_LOST, SEAT_ENDED };

/** Strings a seat replaced (renewal, move) but must keep: getters handed them out until release. */
typedef struct tsr_retired {
  struct tsr_retired *next;
  char *s;
} tsr_retired;

/** A checkout's grant, as parsed from the server's answer. */
typedef struct tsr_grant {
  size_t server;
  char *lease_id, *feature, *license_id, *pool_id;
  int count;
  int64_t expires_at_ms;
  double heartbeat_s, lease_s;
} tsr_grant;

typedef struct tsr_seat {
  struct tsr_seat *prev, *next;   /* mu: every live seat of the client */
  struct tsr_seat *cprev, *cnext; /* mu: the release cache, oldest first */
  struct tsr_seat *due_next;      /* heartbeat thread only: this round's list */
  int cached;                     /* mu */
  int64_t cache_until;            /* mu: monotonic ms */
  char *body;                     /* the checkout request, JSON, reused by re-checkouts */
  char *cache_key;                /* feature, count and release date */
  char *lease_id, *feature, *license_id, *pool_id;
  int count;
  size_t server; /* index in the config's servers */
  int64_t expires_at_ms;
  double heartbeat_s;
  int64_t heartbeat_ms, lease_ms;
  int64_t deadline; /* monotonic ms after which the lease has lapsed if no heartbeat got through */
  int64_t next_due; /* mu: monotonic ms of the next heartbeat */
  int state;        /* mu */
  int server_holds; /* whether the server still holds lease_id, so releasing it means a DELETE */
  int queued;       /* mu: in the heartbeat thread's list for this round */
  int busy;         /* mu: the heartbeat thread is working on it without the lock (a request in flight) */
  int orphan;       /* mu: released while queued: the heartbeat thread frees it when it gets to it */
  char *lost_reason;
  tessera_lease *owner; /* mu: the program's handle; NULL while cached */
  tsr_retired *retired;
} tsr_seat;

struct tessera_lease {
  tessera_client *c;
  tsr_seat *seat; /* mu; NULL once released */
  void *user_data;
  int callbacks;    /* mu: callbacks about this handle queued or running */
  int free_pending; /* mu: released inside its own callback; freed when that returns */
  struct tsr_seat *doomed; /* its ended seat, freed with it: the callback's strings point into it */
};

/** Servers found unreachable during one heartbeat round: not asked again in that round. */
typedef struct tsr_memo {
  unsigned char *down;
  char (*why)[256];
} tsr_memo;

struct tessera_client {
  pthread_mutex_t mu;
  pthread_cond_t wake;    /* the heartbeat thread sleeps on it (monotonic clock) */
  pthread_cond_t changed; /* a seat stopped being busy, a callback returned, a call finished */
  tsr_config cfg;
  tsr_transport tr;
  char *client_id, *host, *app, *version, *release_date;
  tessera_lease_lost_fn on_lost;
  tessera_lease_renewed_fn on_renewed;
  tessera_lease_moved_fn on_moved;
  tessera_log_fn on_log;
  void *user_data;
  int64_t cache_ms;
  int has_sticky; /* mu */
  size_t sticky;  /* mu: the server that last gave a real answer; asked first */
  char **pools;   /* mu: poolId by server index, NULL while unknown */
  tsr_seat *seats;                  /* mu */
  tsr_seat *cache_head, *cache_tail; /* mu */
  int closing;     /* mu */
  int calls;       /* mu: API calls in progress on other threads; close waits for them */
  int64_t wake_at; /* mu: when the heartbeat thread means to wake up; INT64_MAX for never */
  pthread_t thread;
  CURL *thread_curl;
  tsr_memo memo;
  pthread_mutex_t idle_mu; /* the idle curl handles of program threads */
  CURL **idle;
  size_t idle_count, idle_cap;
};

/** A callback to make once the lock is let go. */
typedef struct tsr_event {
  enum { EV_NONE, EV_RENEWED, EV_LOST, EV_MOVED } kind;
  tessera_lease *lease;
  tessera_status code;
  const char *previous, *current, *server; /* point into the seat or the config: valid until release */
  char *message, *reason;                  /* owned by the event */
} tsr_event;

/* client.c */
void tsr_log(tessera_client *c, tessera_log_level level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
CURL *tsr_take_curl(tessera_client *c);
void tsr_give_curl(tessera_client *c, CURL *h);
void tsr_lock(tessera_client *c);
void tsr_unlock(tessera_client *c);

/* failover.c */
/** Fills `order` (server_count entries): the sticky server first, then the rest as configured. */
void tsr_failover_order(tessera_client *c, size_t *order);
void tsr_call(tessera_client *c, CURL *h, tsr_memo *memo, size_t server, const char *method, const char *path,
              const char *body, tsr_outcome *out);
tessera_status tsr_failover_checkout(tessera_client *c, CURL *h, tsr_memo *memo, const char *body, tsr_grant *g,
                                     tessera_error *err);
/** The other servers that serve `pool`, in configured order; returns how many were written to `peers`. */
size_t tsr_peers_in_pool(tessera_client *c, CURL *h, tsr_memo *memo, size_t failed, const char *pool, size_t *peers);
tessera_status tsr_denial_status(const char *code);
void tsr_grant_free(tsr_grant *g);

/* features.c */
tessera_status tsr_features(tessera_client *c, CURL *h, tessera_feature_list **out, tessera_error *err);
/** The features answer's poolId, or NULL with `why` filled when the answer is not one. */
const char *tsr_features_pool(const tsr_outcome *o, char *why, size_t size);
void tsr_learn_pool(tessera_client *c, size_t server, const char *pool);

/* seat.c */
tsr_seat *tsr_seat_new(tsr_grant *g, int64_t sent_at, char *body, char *cache_key);
void tsr_seat_free(tsr_seat *s);
/** One heartbeat period of a busy seat; 1 when the seat was dropped (unlinked; the caller frees it). */
int tsr_seat_tick(tessera_client *c, CURL *h, tsr_memo *memo, tsr_seat *s, tsr_event *ev);
/** Gives an ended, unlinked seat's lease back to its server (or a server of its pool). */
void tsr_seat_end(tessera_client *c, CURL *h, tsr_seat *s);
/** What tsr_seat_end needs of a seat, copied (mu held), so the seat itself may be freed meanwhile. */
tsr_seat *tsr_seat_ticket(const tsr_seat *s);
void tsr_seat_link(tessera_client *c, tsr_seat *s);   /* mu */
void tsr_seat_unlink(tessera_client *c, tsr_seat *s); /* mu: from the seats and the cache */
void tsr_cache_remove(tessera_client *c, tsr_seat *s); /* mu */
void tsr_fire(tessera_client *c, tsr_event *ev);

/* heartbeat.c */
int tsr_heartbeat_start(tessera_client *c);
/** Asks the heartbeat thread to look again if it would otherwise sleep past `due` (mu held). */
void tsr_heartbeat_poke(tessera_client *c, int64_t due);

#endif
