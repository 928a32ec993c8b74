#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static int buf_reserve(tsr_buf *b, size_t extra) {
  if (b->oom) return -1;
  if (b->len + extra + 1 <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1) cap *= 2;
  char *p = realloc(b->data, cap);
  if (p == NULL) {
    b->oom = 1;
    return -1;
  }
  b->data = p;
  b->cap = cap;
  return 0;
}

void tsr_buf_append(tsr_buf *b, const char *s, size_t n) {
  if (buf_reserve(b, n) != 0) return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void tsr_buf_puts(tsr_buf *b, const char *s) { tsr_buf_append(b, s, strlen(s)); }

void tsr_buf_printf(tsr_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n >= 0 && buf_reserve(b, (size_t)n) == 0) {
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    b->len += (size_t)n;
  }
  va_end(ap2);
}

const char *tsr_buf_str(const tsr_buf *b) { return b->data ? b->data : ""; }

char *tsr_buf_take(tsr_buf *b) {
  char *s = NULL;
  if (!b->oom) s = b->data ? b->data : tsr_strdup("");
  else free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->oom = 0;
  return s;
}

void tsr_buf_free(tsr_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->oom = 0;
}

char *tsr_strdup(const char *s) { return s ? tsr_strndup(s, strlen(s)) : NULL; }

char *tsr_strndup(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (p == NULL) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

tessera_status tsr_verror(tessera_error *err, tessera_status code, int line, const char *fmt, va_list ap) {
  if (err == NULL) return code;
  err->code = code;
  err->line = line;
  int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
  if (n >= (int)sizeof err->message) memcpy(err->message + sizeof err->message - 4, "...", 4);
  return code;
}

tessera_status tsr_error(tessera_error *err, tessera_status code, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tsr_verror(err, code, line, fmt, ap);
  va_end(ap);
  return code;
}

void tsr_error_clear(tessera_error *err) {
  if (err == NULL) return;
  err->code = TESSERA_OK;
  err->line = 0;
  err->message[0] = '\0';
}

int64_t tsr_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int digits(const char *s, int n) {
  for (int i = 0; i < n; i++)
    if (!tsr_digit((unsigned char)s[i])) return 0;
  return 1;
}

static int num(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
  return v;
}

static int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

/* True when the first 10 characters of `s` are a real date written YYYY-MM-DD. */
static int date_prefix_ok(const char *s) {
  if (s[4] != '-' || s[7] != '-') return 0;
  if (!digits(s, 4) || !digits(s + 5, 2) || !digits(s + 8, 2)) return 0;
  int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
  return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

int tsr_is_iso_date(const char *s) { return s != NULL && strlen(s) == 10 && date_prefix_ok(s); }

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t tsr_parse_time_ms(const char *s) {
  if (s == NULL || strlen(s) < 20) return 0;
  if (!date_prefix_ok(s)) return 0;
  if ((s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') return 0;
  if (!digits(s + 11, 2) || !digits(s + 14, 2) || !digits(s + 17, 2)) return 0;
  int64_t ms = 0;
  const char *p = s + 19;
  if (*p == '.') {
    int n = 0;
    for (p++; tsr_digit((unsigned char)*p); p++, n++)
      if (n < 3) ms = ms * 10 + (*p - '0');
    if (n == 0) return 0;
    for (; n < 3; n++) ms *= 10;
  }
  int64_t offset_min = 0;
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if ((*p == '+' || *p == '-') && digits(p + 1, 2) && p[3] == ':' && digits(p + 4, 2)) {
    offset_min = num(p + 1, 2) * 60 + num(p + 4, 2);
    if (*p == '-') offset_min = -offset_min;
    p += 6;
  } else {
    return 0;
  }
  if (*p != '\0') return 0;
  int64_t days = days_from_civil(num(s, 4), num(s + 5, 2), num(s + 8, 2));
  int64_t secs = days * 86400 + num(s + 11, 2) * 3600 + num(s + 14, 2) * 60 + num(s + 17, 2) - offset_min * 60;
  return secs * 1000 + ms;
}

int tsr_random_uuid(char out[37]) {
  unsigned char b[16];
  size_t got = 0;
  while (got < sizeof b) {
    ssize_t n = getrandom(b + got, sizeof b - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    got += (size_t)n;
  }
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
           b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return 0;
}

static int ascii_upper(int c) { return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c; }

int tsr_ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (ascii_upper((unsigned char)*a) != ascii_upper((unsigned char)*b)) return 0;
  return *a == *b;
}

int tsr_ieqn(const char *a, const char *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (ascii_upper((unsigned char)a[i]) != ascii_upper((unsigned char)b[i])) return 0;
  return 1;
}
