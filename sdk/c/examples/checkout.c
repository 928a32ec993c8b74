/*
 * tessera-example: takes a seat of a feature, "works" for a while, gives the seat back.
 *
 *   tessera-example CONF FEATURE [COUNT [SECONDS]]
 *
 * Exit status: 0 when the seat was granted (and released), 2 when the servers refused it (the
 * denial is printed), 1 for anything else (an unreadable conf file, bad arguments).
 *
 * Build against an installed library:
 *   cc checkout.c $(pkg-config --cflags --libs tessera) -o tessera-example
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <tessera/tessera.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

/* Callbacks run on the library's heartbeat thread: print and return. */
static void on_lost(tessera_lease *lease, tessera_status code, const char *message, const char *reason,
                    void *user_data) {
  (void)lease, (void)user_data;
  fprintf(stderr, "license lost (%s), not regained: %s: %s; still trying\n", reason, tessera_status_name(code),
          message);
}

static void on_renewed(tessera_lease *lease, const char *previous, const char *current, const char *server,
                       const char *reason, void *user_data) {
  (void)lease, (void)user_data;
  fprintf(stderr, "lease %s was gone (%s); checked out again as %s from %s\n", previous, reason, current, server);
}

static void on_log(tessera_log_level level, const char *message, void *user_data) {
  (void)user_data;
  if (level >= TESSERA_LOG_WARN) fprintf(stderr, "tessera: %s\n", message);
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 5) {
    fprintf(stderr, "usage: %s CONF FEATURE [COUNT [SECONDS]]\n", argv[0]);
    return 1;
  }
  int count = argc > 3 ? atoi(argv[3]) : 1;
  double seconds = argc > 4 ? atof(argv[4]) : 0;

  tessera_options opts;
  tessera_options_init(&opts);
  opts.app = "tessera-example";
  opts.version = tessera_version();
  opts.release_date = "2026-01-15"; /* set at build time in a real product */
  opts.on_lease_lost = on_lost;
  opts.on_lease_renewed = on_renewed;
  opts.on_log = on_log; /* also prints the conf file's warnings */

  tessera_error err;
  tessera_client *client = tessera_client_open(argv[1], &opts, &err);
  if (client == NULL) {
    fprintf(stderr, "%s: %s\n", tessera_status_name(err.code), err.message);
    return 1;
  }

  tessera_lease *lease = NULL;
  tessera_status status = tessera_checkout(client, argv[2], count, &lease, &err);
  if (status != TESSERA_OK) {
    if (status == TESSERA_NO_SEATS) fprintf(stderr, "all seats of %s are in use; try again later\n", argv[2]);
    fprintf(stderr, "no license for %s: %s: %s\n", argv[2], tessera_status_name(status), err.message);
    tessera_client_close(client);
    return status == TESSERA_INVALID_ARGUMENT ? 1 : 2;
  }
  printf("checked out %d seat(s) of %s: lease %s from %s\n", tessera_lease_count(lease), argv[2],
         tessera_lease_id(lease), tessera_lease_server(lease));
  fflush(stdout);

  /* The work. The library heartbeats the lease meanwhile, on its own thread. */
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  struct timespec tick = {0, 50 * 1000000L};
  for (double waited = 0; waited < seconds && !stop; waited += 0.05) nanosleep(&tick, NULL);

  tessera_lease_release(lease, NULL); /* frees the handle */
  printf("released\n");
  tessera_client_close(client);
  return 0;
}
