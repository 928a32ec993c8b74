/*
 * client_property.conf. Rules: `#` and `;` start comment lines (only whole lines, so a password
 * may contain them); blank lines are fine; section and key names match case-insensitively and
 * are reported as written; values are trimmed and otherwise literal. Unknown sections and keys
 * are warnings; anything malformed is an error naming FILE:LINE. Whitespace is ASCII whitespace.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

enum { K_SERVERS, K_CACHE, K_USER, K_PASS, K_COUNT };

static const struct {
  const char *section;
  const char *key;
} KNOWN[K_COUNT] = {
    {"GLOBAL", "LICENSE_SERVERS"},
    {"GLOBAL", "LICENSE_CACHE_PERIOD"},
    {"AUTHENTICATION", "AUTHENTICATION_USERNAME"},
    {"AUTHENTICATION", "AUTHENTICATION_PASSWORD"},
};

/** A known key as set in the file. */
typedef struct setting {
  char *key; /* as written */
  char *value;
  int line;
} setting;

typedef struct parser {
  const char *file;
  tsr_config *out;
  tessera_error *err;
  setting set[K_COUNT];
  char *section; /* as written; NULL before the first header */
  int section_known;
  int oom;
} parser;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static void trim(const char **s, size_t *n) {
  while (*n > 0 && is_space((*s)[0])) (*s)++, (*n)--;
  while (*n > 0 && is_space((*s)[*n - 1])) (*n)--;
}

static int known_section(const char *name) { return tsr_ieq(name, "GLOBAL") || tsr_ieq(name, "AUTHENTICATION"); }

static int known_key(const char *section, const char *key) {
  for (int i = 0; i < K_COUNT; i++)
    if (tsr_ieq(section, KNOWN[i].section) && tsr_ieq(key, KNOWN[i].key)) return i;
  return -1;
}

static void warn(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(parser *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (msg) vsnprintf(msg, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  char **grown = msg ? realloc(p->out->warnings, (p->out->warning_count + 1) * sizeof *grown) : NULL;
  if (grown == NULL) {
    free(msg);
    p->oom = 1;
    return;
  }
  grown[p->out->warning_count++] = msg;
  p->out->warnings = grown;
}

static tessera_status fail(parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static tessera_status fail(parser *p, int line, const char *fmt, ...) {
  tsr_buf b = {0};
  tsr_buf_printf(&b, "%s:%d: ", p->file, line);
  va_list ap;
  va_start(ap, fmt);
  char detail[TESSERA_ERROR_MESSAGE_MAX];
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  tsr_buf_puts(&b, detail);
  tsr_error(p->err, TESSERA_CONFIG_ERROR, line, "%s", tsr_buf_str(&b));
  tsr_buf_free(&b);
  return TESSERA_CONFIG_ERROR;
}

static tessera_status section_line(parser *p, int no, const char *line, size_t n) {
  if (line[n - 1] != ']') return fail(p, no, "unterminated section header \"%.*s\" (expected [NAME])", (int)n, line);
  const char *name = line + 1;
  size_t name_len = n - 2;
  trim(&name, &name_len);
  if (name_len == 0) return fail(p, no, "empty section name \"[]\"");
  free(p->section);
  p->section = tsr_strndup(name, name_len);
  if (p->section == NULL) return TESSERA_OUT_OF_MEMORY;
  p->section_known = known_section(p->section);
  if (!p->section_known) warn(p, "%s:%d: unknown section [%s]; its keys are ignored", p->file, no, p->section);
  return TESSERA_OK;
}

static tessera_status key_line(parser *p, int no, const char *raw, size_t raw_len, const char *line, size_t n) {
  const char *eq = memchr(raw, '=', raw_len);
  if (eq == NULL) return fail(p, no, "expected KEY = VALUE, got \"%.*s\"", (int)n, line);
  const char *key = raw, *value = eq + 1;
  size_t key_len = (size_t)(eq - raw), value_len = raw_len - key_len - 1;
  trim(&key, &key_len);
  trim(&value, &value_len);
  if (key_len == 0) return fail(p, no, "missing key before \"=\" in \"%.*s\"", (int)n, line);
  if (p->section == NULL)
    return fail(p, no, "%.*s is outside any [SECTION]; put it under [GLOBAL] or [AUTHENTICATION]", (int)key_len, key);
  if (!p->section_known) return TESSERA_OK; /* already warned about the section once */

  char *k = tsr_strndup(key, key_len);
  if (k == NULL) return TESSERA_OUT_OF_MEMORY;
  int id = known_key(p->section, k);
  if (id < 0) {
    const char *home = NULL;
    for (int i = 0; i < K_COUNT; i++)
      if (tsr_ieq(k, KNOWN[i].key)) home = KNOWN[i].section;
    warn(p, "%s:%d: unknown key %s in [%s]; ignored%s%s%s", p->file, no, k, p->section,
         home ? " (it belongs in [" : "", home ? home : "", home ? "])" : "");
    free(k);
    return TESSERA_OK;
  }
  if (p->set[id].key != NULL) {
    tessera_status s = fail(p, no, "duplicate key %s (first set on line %d)", k, p->set[id].line);
    free(k);
    return s;
  }
  p->set[id].key = k;
  p->set[id].value = tsr_strndup(value, value_len);
  p->set[id].line = no;
  return p->set[id].value ? TESSERA_OK : TESSERA_OUT_OF_MEMORY;
}

static tessera_status add_server(parser *p, const tsr_server *s) {
  tsr_server *grown = realloc(p->out->servers, (p->out->server_count + 1) * sizeof *grown);
  if (grown == NULL) return TESSERA_OUT_OF_MEMORY;
  grown[p->out->server_count++] = *s;
  p->out->servers = grown;
  return TESSERA_OK;
}

static tessera_status parse_servers(parser *p) {
  const setting *s = &p->set[K_SERVERS];
  char why[512];
  tsr_server server;
  if (s->key == NULL) {
    if (tsr_parse_server("127.0.0.1:7569", 14, &server, why, sizeof why) != NULL) return TESSERA_OUT_OF_MEMORY;
    return add_server(p, &server);
  }
  /* Empty entries (a trailing ';') are skipped: harmless, and common in hand-edited lists. */
  for (const char *at = s->value;;) {
    const char *end = strchr(at, ';');
    size_t n = end ? (size_t)(end - at) : strlen(at);
    const char *entry = at;
    trim(&entry, &n);
    if (n > 0) {
      const char *bad = tsr_parse_server(entry, n, &server, why, sizeof why);
      if (bad) return fail(p, s->line, "%s entry \"%.*s\": %s", s->key, (int)n, entry, bad);
      int dup = 0;
      for (size_t i = 0; i < p->out->server_count; i++) dup |= strcmp(p->out->servers[i].url, server.url) == 0;
      if (dup) {
        warn(p, "%s:%d: %s lists %s more than once; later copies ignored", p->file, s->line, s->key, server.url);
        tsr_server_free(&server);
      } else if (add_server(p, &server) != TESSERA_OK) {
        tsr_server_free(&server);
        return TESSERA_OUT_OF_MEMORY;
      }
    }
    if (end == NULL) break;
    at = end + 1;
  }
  if (p->out->server_count == 0)
    return fail(p, s->line, "%s must list at least one server (host:port;host2:port)", s->key);
  return TESSERA_OK;
}

static tessera_status parse_cache_period(parser *p) {
  const setting *s = &p->set[K_CACHE];
  p->out->cache_seconds = TSR_DEFAULT_CACHE_SECONDS;
  if (s->key == NULL) return TESSERA_OK;
  size_t n = strlen(s->value);
  int ok = n >= 1 && n <= 4, v = 0;
  for (size_t i = 0; ok && i < n; i++) {
    ok = s->value[i] >= '0' && s->value[i] <= '9';
    v = v * 10 + (s->value[i] - '0');
  }
  if (!ok || v > TSR_MAX_CACHE_SECONDS)
    return fail(p, s->line, "%s must be an integer 0..%d, got \"%s\"", s->key, TSR_MAX_CACHE_SECONDS, s->value);
  p->out->cache_seconds = v;
  return TESSERA_OK;
}

static tessera_status parse_auth(parser *p) {
  setting *user = &p->set[K_USER], *pass = &p->set[K_PASS];
  for (setting *s = user; s <= pass; s++)
    if (s->key && s->value[0] == '\0') return fail(p, s->line, "%s must not be empty", s->key);
  if (user->key && !pass->key)
    return fail(p, user->line, "%s is set but AUTHENTICATION_PASSWORD is not (set both or neither)", user->key);
  if (pass->key && !user->key)
    return fail(p, pass->line, "%s is set but AUTHENTICATION_USERNAME is not (set both or neither)", pass->key);
  if (!user->key) return TESSERA_OK;
  p->out->username = user->value;
  p->out->password = pass->value;
  user->value = pass->value = NULL;
  /* Basic auth over plain HTTP is readable by anyone on the path; loopback never leaves the machine. */
  for (size_t i = 0; i < p->out->server_count; i++) {
    const tsr_server *s = &p->out->servers[i];
    if (s->secure || tsr_server_is_loopback(s)) continue;
    if (p->set[K_SERVERS].key)
      warn(p, "%s:%d: credentials will be sent unencrypted to %s; use https:// for servers off this machine", p->file,
           p->set[K_SERVERS].line, s->url);
    else
      warn(p, "%s: credentials will be sent unencrypted to %s; use https:// for servers off this machine", p->file,
           s->url);
  }
  return TESSERA_OK;
}

static tessera_status parse_lines(parser *p, const char *text, size_t len) {
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) text += 3, len -= 3;
  int no = 0;
  for (size_t at = 0; at <= len;) {
    size_t end = at;
    while (end < len && text[end] != '\n' && text[end] != '\r') end++;
    no++;
    const char *raw = text + at, *line = raw;
    size_t raw_len = end - at, n = raw_len;
    trim(&line, &n);
    tessera_status s = TESSERA_OK;
    if (n == 0 || line[0] == '#' || line[0] == ';') s = TESSERA_OK;
    else if (line[0] == '[') s = section_line(p, no, line, n);
    else s = key_line(p, no, raw, raw_len, line, n);
    if (s != TESSERA_OK) return s;
    if (p->oom) return TESSERA_OUT_OF_MEMORY;
    if (end >= len) break;
    at = end + (text[end] == '\r' && end + 1 < len && text[end + 1] == '\n' ? 2 : 1);
  }
  return TESSERA_OK;
}

tessera_status tsr_config_parse(const char *text, size_t len, const char *file, tsr_config *out, tessera_error *err) {
  memset(out, 0, sizeof *out);
  parser p = {.file = file, .out = out, .err = err};
  tessera_status s = parse_lines(&p, text, len);
  if (s == TESSERA_OK) s = parse_servers(&p);
  if (s == TESSERA_OK) s = parse_cache_period(&p);
  if (s == TESSERA_OK) s = parse_auth(&p);
  if (s == TESSERA_OK && p.oom) s = TESSERA_OUT_OF_MEMORY;
  for (int i = 0; i < K_COUNT; i++) {
    free(p.set[i].key);
    free(p.set[i].value);
  }
  free(p.section);
  if (s == TESSERA_OUT_OF_MEMORY) tsr_error(err, s, 0, "out of memory reading %s", file);
  if (s != TESSERA_OK) tsr_config_free(out);
  else tsr_error_clear(err);
  return s;
}

tessera_status tsr_config_load(const char *path, tsr_config *out, tessera_error *err) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  tsr_buf text = {0};
  int read_errno = 0;
  if (f == NULL) {
    read_errno = errno;
  } else {
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) tsr_buf_append(&text, chunk, n);
    if (ferror(f)) read_errno = errno ? errno : EIO;
    fclose(f);
  }
  if (read_errno != 0) {
    tsr_buf_free(&text);
    const char *why = read_errno == ENOENT ? "no such file" : read_errno == EACCES ? "permission denied" : NULL;
    return tsr_error(err, TESSERA_CONFIG_ERROR, 0, "%s: cannot read: %s", path, why ? why : strerror(read_errno));
  }
  if (text.oom) {
    tsr_buf_free(&text);
    return tsr_error(err, TESSERA_OUT_OF_MEMORY, 0, "out of memory reading %s", path);
  }
  tessera_status s = tsr_config_parse(tsr_buf_str(&text), text.len, path, out, err);
  tsr_buf_free(&text);
  return s;
}

void tsr_config_free(tsr_config *c) {
  for (size_t i = 0; i < c->server_count; i++) tsr_server_free(&c->servers[i]);
  free(c->servers);
  for (size_t i = 0; i < c->warning_count; i++) free(c->warnings[i]);
  free(c->warnings);
  free(c->username);
  free(c->password);
  memset(c, 0, sizeof *c);
}
