/* Helpers the behaviour tests share: a client of fake servers, and a recorder of callbacks. */
#ifndef TSR_SUPPORT_H
#define TSR_SUPPORT_H

#include <pthread.h>

#include "check.h"
#include "fake_server.h"
#include "tessera/tessera.h"

/** What the callbacks saw. */
typedef struct events {
  pthread_mutex_t mu;
  int renewed, lost, moved;
  tessera_status code;
  char reason[64], previous[128], current[128], server[128], message[TESSERA_ERROR_MESSAGE_MAX];
} events;

/** Options for tests: 1 s request timeout, the callbacks recording into `e` (when not NULL). */
tessera_options test_options(events *e);

/**
 * Opens a client whose client_property.conf lists `servers` (a LICENSE_SERVERS value), with
 * LICENSE_CACHE_PERIOD `cache_seconds` and `extra` lines (may be NULL) at the end.
 */
tessera_client *open_client(const char *servers, int cache_seconds, const char *extra, const tessera_options *opts);

/** "ADDR;ADDR" of the servers given (NULL-terminated), in a static buffer. */
const char *servers_of(fake_server *first, ...);

/** An address where nothing listens: a fake server started and stopped at once (static buffer). */
const char *dead_address(void);

int events_renewed(events *e);
int events_lost(events *e);
int events_moved(events *e);

/** Checks out one seat of asr.engine, expecting a grant. */
tessera_lease *must_checkout(tessera_client *c);

#endif
