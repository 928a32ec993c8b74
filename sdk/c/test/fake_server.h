/*
 * A small, scriptable License Server for the C library's tests: the client protocol v1 on
 * 127.0.0.1 and a free port, with in-memory seat counts and hooks to make it misbehave, served
 * by one thread of the test process (so that the sanitizers and valgrind see both sides).
 */
#ifndef TSR_FAKE_SERVER_H
#define TSR_FAKE_SERVER_H

typedef enum fake_route { ROUTE_CHECKOUT, ROUTE_HEARTBEAT, ROUTE_RELEASE, ROUTE_FEATURES, ROUTE_OTHER } fake_route;

typedef struct fake_options {
  const char *pool_id;       /* default "pool_PORT" */
  double heartbeat_seconds;  /* default 0.05 */
  double lease_seconds;      /* default 5 */
  const char *feature;       /* the one licensed feature, default "asr.engine" */
  int seats;                 /* default 5 */
  const char *username;      /* require HTTP Basic with these, when set */
  const char *password;
} fake_options;

typedef struct fake_server fake_server;

fake_server *fake_start(const fake_options *o);
/** Stops listening and drops every connection (clients see connection refused), then frees. */
void fake_stop(fake_server *f);
/** Stops listening and drops connections but keeps the state: the server is down until fake_up(). */
void fake_down(fake_server *f);
void fake_up(fake_server *f);
const char *fake_url(const fake_server *f);
/** "127.0.0.1:PORT", for LICENSE_SERVERS. */
const char *fake_address(const fake_server *f);

/**
 * The next `times` requests on `route` (-1: every one until fake_clear_scripts) get this answer
 * instead of the normal one: an error envelope with `code` (NULL: no envelope, `raw_body` or no
 * body), or no answer at all when `hang`.
 */
void fake_script(fake_server *f, fake_route route, int status, const char *code, const char *reason, int times);
void fake_script_raw(fake_server *f, fake_route route, int status, const char *raw_body, int times);
void fake_script_hang(fake_server *f, fake_route route, int times);
void fake_clear_scripts(fake_server *f);

void fake_set_seats(fake_server *f, int seats);
int fake_in_use(fake_server *f);
int fake_lease_count(fake_server *f);
int fake_has_lease(fake_server *f, const char *lease_id);
/** Takes a lease away: its next heartbeat gets 410 LEASE_GONE with `reason`. */
void fake_revoke(fake_server *f, const char *lease_id, const char *reason);
/** Copies lease `lease_id` of `from` into `to`, as Cloud nodes on one database share their leases. */
void fake_share_lease(fake_server *to, fake_server *from, const char *lease_id);

/** How many requests came on `route` (all of them when lease_id is NULL, else those for that lease). */
int fake_count(fake_server *f, fake_route route, const char *lease_id);
/** A copy (caller frees) of the body, Authorization header or lease id of request `i` on `route`; NULL if none. */
char *fake_body(fake_server *f, fake_route route, int i);
char *fake_auth(fake_server *f, fake_route route, int i);
char *fake_lease_of(fake_server *f, fake_route route, int i);

#endif
