/*
 * A very small test framework. Each TEST(name) registers itself; a test program runs one test
 * by name (`prog NAME`, how CTest runs each as its own test), all of them (no argument), or
 * lists them (`--list`). A failed CHECK prints FILE:LINE and what was compared, then exits 1.
 */
#ifndef TSR_CHECK_H
#define TSR_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*check_fn)(void);
void check_register(const char *name, check_fn fn);
/** Milliseconds on the monotonic clock. */
int64_t check_now_ms(void);
void check_sleep_ms(int64_t ms);
/** How long waits for a condition may take: generous, for valgrind and busy machines. */
int64_t check_patience_ms(void);
/** `ms` times TESSERA_TEST_SLOWDOWN (default 1): timeouts and lease times for runs under valgrind. */
int64_t check_scaled(int64_t ms);

#define TEST(name)                                                                         \
  static void test_##name(void);                                                           \
  __attribute__((constructor)) static void register_##name(void) {                         \
    check_register(#name, test_##name);                                                    \
  }                                                                                        \
  static void test_##name(void)

#define CHECK_FAIL(...)                                    \
  do {                                                     \
    fprintf(stderr, "%s:%d: check failed: ", __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__);                          \
    fputc('\n', stderr);                                   \
    exit(1);                                               \
  } while (0)

#define CHECK(cond)                           \
  do {                                        \
    if (!(cond)) CHECK_FAIL("%s", #cond);     \
  } while (0)

#define CHECK_INT(actual, expected)                                                               \
  do {                                                                                            \
    long long a_ = (long long)(actual), e_ = (long long)(expected);                               \
    if (a_ != e_) CHECK_FAIL("%s is %lld, expected %lld", #actual, a_, e_);                       \
  } while (0)

#define CHECK_STR(actual, expected)                                                                  \
  do {                                                                                               \
    const char *a_ = (actual), *e_ = (expected);                                                     \
    if (a_ == NULL || e_ == NULL ? a_ != e_ : strcmp(a_, e_) != 0)                                   \
      CHECK_FAIL("%s is \"%s\", expected \"%s\"", #actual, a_ ? a_ : "(null)", e_ ? e_ : "(null)"); \
  } while (0)

#define CHECK_CONTAINS(haystack, needle)                                                      \
  do {                                                                                        \
    const char *h_ = (haystack), *n_ = (needle);                                              \
    if (h_ == NULL || strstr(h_, n_) == NULL)                                                 \
      CHECK_FAIL("%s is \"%s\", expected it to contain \"%s\"", #haystack, h_ ? h_ : "(null)", n_); \
  } while (0)

/** Waits until `cond` holds, checking every 5 ms; fails the test after check_patience_ms(). */
#define WAIT_FOR(cond)                                                          \
  do {                                                                          \
    int64_t until_ = check_now_ms() + check_patience_ms();                      \
    while (!(cond)) {                                                           \
      if (check_now_ms() > until_) CHECK_FAIL("timed out waiting for %s", #cond); \
      check_sleep_ms(5);                                                        \
    }                                                                           \
  } while (0)

#endif
