/*
 * The one background thread of a client: it sleeps until the next seat is due (or the release
 * cache lets a seat go, or close() wakes it), heartbeats every seat due within a moment of each
 * other on its own curl handle, and runs the program's callbacks. Never a thread per lease.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "util.h"

void tsr_heartbeat_poke(tessera_client *c, int64_t due) {
  if (due < c->wake_at) pthread_cond_signal(&c->wake);
}

static void sleep_until(tessera_client *c, int64_t at) {
  c->wake_at = at;
  if (at == INT64_MAX) {
    pthread_cond_wait(&c->wake, &c->mu);
  } else {
    struct timespec ts = {.tv_sec = (time_t)(at / 1000), .tv_nsec = (long)(at % 1000) * 1000000L};
    pthread_cond_timedwait(&c->wake, &c->mu, &ts);
  }
  c->wake_at = INT64_MAX;
}

/**
 * Picks this round's work (mu held): seats due now or within a moment (so that leases taken
 * together are heartbeated together, in one wake-up), marked queued; cached seats whose time is
 * up, unlinked. Returns when the next seat falls due otherwise.
 */
static int64_t pick(tessera_client *c, int64_t now, tsr_seat **due, tsr_seat **expired) {
  int64_t next = INT64_MAX;
  for (tsr_seat *s = c->seats, *after; s != NULL; s = after) {
    after = s->next;
    if (s->state == SEAT_ENDED) continue;
    if (s->cached && s->cache_until <= now) {
      s->state = SEAT_ENDED;
      tsr_seat_unlink(c, s);
      s->due_next = *expired;
      *expired = s;
      continue;
    }
    if (s->cached && s->cache_until < next) next = s->cache_until;
    int64_t coalesce = s->heartbeat_ms / 10 < TSR_MAX_COALESCE_MS ? s->heartbeat_ms / 10 : TSR_MAX_COALESCE_MS;
    if (s->next_due <= now + coalesce) {
      s->queued = 1;
      s->due_next = *due;
      *due = s;
    } else if (s->next_due < next) {
      next = s->next_due;
    }
  }
  return next;
}

/** Heartbeats the round's seats one after the other, running each one's callback right after it. */
static void run_round(tessera_client *c, tsr_seat *due, tsr_seat *expired) {
  memset(c->memo.down, 0, c->cfg.server_count);
  while (expired != NULL) {
    tsr_seat *s = expired;
    expired = s->due_next;
    tsr_seat_end(c, c->thread_curl, s);
    tsr_seat_free(s);
  }
  while (due != NULL) {
    tsr_seat *s = due;
    due = s->due_next;
    tsr_lock(c);
    s->queued = 0;
    if (s->orphan || c->closing || s->state == SEAT_ENDED) {
      /* Released while queued (the release sent the DELETE; the seat is ours to free), or closing. */
      int orphan = s->orphan;
      tsr_unlock(c);
      if (orphan) tsr_seat_free(s);
      continue;
    }
    s->busy = 1;
    tsr_unlock(c);
    tsr_event ev = {0};
    int dropped = tsr_seat_tick(c, c->thread_curl, &c->memo, s, &ev);
    tsr_lock(c);
    if (!dropped) s->busy = 0; /* from here on a release may free the seat: do not touch it */
    pthread_cond_broadcast(&c->changed);
    tsr_unlock(c);
    if (dropped) tsr_seat_free(s);
    tsr_fire(c, &ev);
  }
}

static void *heartbeat_main(void *arg) {
  tessera_client *c = arg;
  tsr_lock(c);
  while (!c->closing) {
    tsr_seat *due = NULL, *expired = NULL;
    int64_t next = pick(c, tsr_mono_ms(), &due, &expired);
    if (due == NULL && expired == NULL) {
      sleep_until(c, next);
      continue;
    }
    tsr_unlock(c);
    run_round(c, due, expired);
    tsr_lock(c);
  }
  tsr_unlock(c);
  return NULL;
}

int tsr_heartbeat_start(tessera_client *c) {
  /* The program's signal handlers must not run on our thread: it holds no state of theirs. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&c->thread, NULL, heartbeat_main, c);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return rc;
}
