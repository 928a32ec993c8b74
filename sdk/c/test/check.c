#include "check.h"

#include <errno.h>

#define MAX_TESTS 256

static struct {
  const char *name;
  check_fn fn;
} tests[MAX_TESTS];
static int test_count;

void check_register(const char *name, check_fn fn) {
  if (test_count == MAX_TESTS) {
    fprintf(stderr, "too many tests\n");
    exit(2);
  }
  tests[test_count].name = name;
  tests[test_count].fn = fn;
  test_count++;
}

int64_t check_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void check_sleep_ms(int64_t ms) {
  struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int64_t check_patience_ms(void) {
  const char *env = getenv("TESSERA_TEST_PATIENCE_MS");
  long v = env ? strtol(env, NULL, 10) : 0;
  return v > 0 ? v : 20000;
}

int64_t check_scaled(int64_t ms) {
  const char *env = getenv("TESSERA_TEST_SLOWDOWN");
  long v = env ? strtol(env, NULL, 10) : 0;
  return ms * (v > 0 ? v : 1);
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (int i = 0; i < test_count; i++) printf("%s\n", tests[i].name);
    return 0;
  }
  int ran = 0;
  for (int i = 0; i < test_count; i++) {
    if (argc >= 2 && strcmp(argv[1], tests[i].name) != 0) continue;
    fprintf(stderr, "-- %s\n", tests[i].name);
    tests[i].fn();
    ran++;
  }
  if (ran == 0) {
    fprintf(stderr, "no test named %s\n", argc >= 2 ? argv[1] : "(any)");
    return 2;
  }
  fprintf(stderr, "%d passed\n", ran);
  return 0;
}
