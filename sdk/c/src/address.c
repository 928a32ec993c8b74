/*
 * License server addresses as written in LICENSE_SERVERS: `host:port`, `host`, `[v6]:port`,
 * `http://host:port` or `https://host:port`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "util.h"

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static int label_ok(const char *s, size_t n) {
  if (n == 0 || n > 63) return 0;
  if (!tsr_alnum((unsigned char)s[0]) || !tsr_alnum((unsigned char)s[n - 1])) return 0;
  for (size_t i = 1; i + 1 < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!tsr_alnum(c) && c != '_' && c != '-') return 0;
  }
  return 1;
}

/* A DNS name or IPv4 address, checked label by label as DNS does. */
static int is_host_name(const char *s, size_t n) {
  if (n == 0 || n > 253) return 0;
  if (s[n - 1] == '.') n--;
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || s[i] == '.') {
      if (!label_ok(s + start, i - start)) return 0;
      start = i + 1;
    }
  }
  return 1;
}

static int is_ipv6_text(const char *s, size_t n) {
  int colon = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == ':') colon = 1;
    else if (!tsr_xdigit(c) && c != '.') return 0;
  }
  return n > 0 && colon;
}

static int has_any(const char *s, size_t n, const char *set) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != '\0' && strchr(set, s[i])) return 1;
  return 0;
}

static const char *say(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static const char *say(char *why, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, size, fmt, ap);
  va_end(ap);
  return why;
}

/* Length of a `scheme://` prefix, or 0. */
static size_t scheme_length(const char *s, size_t n) {
  if (n == 0 || !tsr_alpha((unsigned char)s[0])) return 0;
  size_t i = 1;
  while (i < n && (tsr_alnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '.' || s[i] == '-')) i++;
  return i + 3 <= n && memcmp(s + i, "://", 3) == 0 ? i + 3 : 0;
}

const char *tsr_parse_server(const char *entry, size_t len, tsr_server *out, char *why, size_t why_size) {
  memset(out, 0, sizeof *out);
  while (len > 0 && is_space(entry[0])) entry++, len--;
  while (len > 0 && is_space(entry[len - 1])) len--;
  if (len == 0) return "empty server address";

  int secure = 0, default_port = TSR_DEFAULT_PORT;
  const char *rest = entry;
  size_t rest_len = len;
  size_t scheme = scheme_length(entry, len);
  if (scheme > 0) {
    size_t name_len = scheme - 3;
    if (!(name_len == 4 && tsr_ieqn(entry, "http", 4)) &&
        !(name_len == 5 && tsr_ieqn(entry, "https", 5)))
      return say(why, why_size, "unsupported scheme \"%.*s://\" (use http:// or https://)", (int)name_len, entry);
    secure = name_len == 5;
    /* A URL means what URLs mean: without a port, http is 80 and https is 443. */
    default_port = secure ? 443 : 80;
    rest = entry + scheme;
    rest_len = len - scheme;
    if (rest_len > 0 && rest[rest_len - 1] == '/') rest_len--;
    /* Paths, queries and user info are refused rather than guessed at: /v1/... is appended to the origin. */
    if (has_any(rest, rest_len, "/?#@")) return "a server URL must be just scheme://host:port";
  } else if (has_any(rest, rest_len, "/?#@")) {
    return "expected host:port, http://host:port or https://host:port";
  }

  const char *host, *port_text = NULL;
  size_t host_len, port_len = 0;
  if (rest_len > 0 && rest[0] == '[') {
    const char *close = memchr(rest, ']', rest_len);
    if (close == NULL) return "unterminated IPv6 address (missing \"]\")";
    host = rest + 1;
    host_len = (size_t)(close - host);
    const char *after = close + 1;
    size_t after_len = rest_len - (size_t)(after - rest);
    if (after_len > 0 && after[0] != ':')
      return say(why, why_size, "unexpected \"%.*s\" after IPv6 address", (int)after_len, after);
    if (after_len > 0) port_text = after + 1, port_len = after_len - 1;
    if (!is_ipv6_text(host, host_len)) return say(why, why_size, "invalid IPv6 address \"%.*s\"", (int)host_len, host);
  } else {
    const char *first = memchr(rest, ':', rest_len);
    const char *last = NULL;
    for (size_t i = rest_len; i > 0; i--)
      if (rest[i - 1] == ':') {
        last = rest + i - 1;
        break;
      }
    if (first != last) return "an IPv6 address must be written in brackets, e.g. [::1]:7569";
    host = rest;
    host_len = last ? (size_t)(last - rest) : rest_len;
    if (last) port_text = last + 1, port_len = rest_len - host_len - 1;
    if (!is_host_name(host, host_len)) return say(why, why_size, "invalid host \"%.*s\"", (int)host_len, host);
  }

  int port = default_port;
  if (port_text != NULL) {
    int ok = port_len >= 1 && port_len <= 5;
    for (size_t i = 0; ok && i < port_len; i++) ok = tsr_digit((unsigned char)port_text[i]);
    port = 0;
    for (size_t i = 0; ok && i < port_len; i++) port = port * 10 + (port_text[i] - '0');
    if (!ok || port < 1 || port > 65535)
      return say(why, why_size, "port must be 1..65535, got \"%.*s\"", (int)port_len, port_text);
  }

  int bracket = memchr(host, ':', host_len) != NULL;
  tsr_buf url = {0};
  tsr_buf_printf(&url, "%s://%s%.*s%s:%d", secure ? "https" : "http", bracket ? "[" : "", (int)host_len, host,
                 bracket ? "]" : "", port);
  out->host = tsr_strndup(host, host_len);
  out->url = tsr_buf_take(&url);
  out->port = port;
  out->secure = secure;
  if (out->host == NULL || out->url == NULL) {
    tsr_server_free(out);
    return "out of memory";
  }
  return NULL;
}

void tsr_server_free(tsr_server *s) {
  free(s->host);
  free(s->url);
  s->host = s->url = NULL;
}

int tsr_server_is_loopback(const tsr_server *s) {
  const char *h = s->host;
  if (tsr_ieq(h, "localhost") || strcmp(h, "::1") == 0) return 1;
  /* 127.d{1,3}.d{1,3}.d{1,3} */
  if (strncmp(h, "127.", 4) != 0) return 0;
  int groups = 1, count = 0;
  for (const char *p = h + 4;; p++) {
    if (tsr_digit((unsigned char)*p)) {
      if (++count > 3) return 0;
    } else if (*p == '.' || *p == '\0') {
      if (count == 0) return 0;
      groups++;
      count = 0;
      if (*p == '\0') break;
    } else {
      return 0;
    }
  }
  return groups == 4;
}
