/* Small helpers every module uses: a growable string, errors, time, ids. Internal. */
#ifndef TSR_UTIL_H
#define TSR_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "tessera/tessera.h"

/** A growable NUL-terminated string; `oom` sticks once an allocation failed. */
typedef struct tsr_buf {
  char *data;
  size_t len;
  size_t cap;
  int oom;
} tsr_buf;

void tsr_buf_append(tsr_buf *b, const char *s, size_t n);
void tsr_buf_puts(tsr_buf *b, const char *s);
void tsr_buf_printf(tsr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** The string (never NULL: "" when empty); the buffer keeps owning it. */
const char *tsr_buf_str(const tsr_buf *b);
/** Hands the string over to the caller (NULL after an allocation failure) and empties the buffer. */
char *tsr_buf_take(tsr_buf *b);
void tsr_buf_free(tsr_buf *b);

char *tsr_strdup(const char *s);
char *tsr_strndup(const char *s, size_t n);

/** Fills `err` (when not NULL); the message is cut with "..." if it does not fit. Returns `code`. */
tessera_status tsr_error(tessera_error *err, tessera_status code, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
tessera_status tsr_verror(tessera_error *err, tessera_status code, int line, const char *fmt, va_list ap);
void tsr_error_clear(tessera_error *err);

/** Milliseconds on a clock that never jumps (CLOCK_MONOTONIC). */
int64_t tsr_mono_ms(void);

/** True for a real calendar date written YYYY-MM-DD. */
int tsr_is_iso_date(const char *s);

/** Parses an RFC 3339 time ("2026-12-07T10:00:00.000Z", offsets allowed) to ms since the epoch; 0 if malformed. */
int64_t tsr_parse_time_ms(const char *s);

/** A random UUID v4 in `out` (37 bytes with the NUL); 0 on success. */
int tsr_random_uuid(char out[37]);

/** ASCII classes, whatever locale the program set (isalnum() follows the locale). */
static inline int tsr_alpha(int c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static inline int tsr_digit(int c) { return c >= '0' && c <= '9'; }
static inline int tsr_alnum(int c) { return tsr_alpha(c) || tsr_digit(c); }
static inline int tsr_xdigit(int c) { return tsr_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/** ASCII case-insensitive equality. */
int tsr_ieq(const char *a, const char *b);
/** ASCII case-insensitive equality of the first `n` bytes. */
int tsr_ieqn(const char *a, const char *b, size_t n);

#endif
