/*
 * client_property.conf: INI-style `KEY = VALUE` lines under `[SECTION]` headers. The same
 * rules, warnings and messages as the Node SDK's parser (packages/client/src/config/). Internal.
 */
#ifndef TSR_CONFIG_H
#define TSR_CONFIG_H

#include <stddef.h>

#include "tessera/tessera.h"

#define TSR_DEFAULT_PORT 7569
#define TSR_DEFAULT_CACHE_SECONDS 30
#define TSR_MAX_CACHE_SECONDS 3600

/** One license server. */
typedef struct tsr_server {
  /** Host name or IP address, without IPv6 brackets. */
  char *host;
  int port;
  int secure;
  /** Base URL without a trailing slash, e.g. "http://127.0.0.1:7569"; also how results name the server. */
  char *url;
} tsr_server;

typedef struct tsr_config {
  /** In failover order; never empty once parsed. */
  tsr_server *servers;
  size_t server_count;
  int cache_seconds;
  /** Both NULL, or both set: HTTP Basic credentials. */
  char *username;
  char *password;
  /** Each "FILE:LINE: ..."; never printed by the parser. */
  char **warnings;
  size_t warning_count;
} tsr_config;

/**
 * Parses `len` bytes of `text`; `file` names the file in messages. On failure `err` gets
 * TESSERA_CONFIG_ERROR "FILE:LINE: ..." (or TESSERA_OUT_OF_MEMORY) and `out` is left empty.
 */
tessera_status tsr_config_parse(const char *text, size_t len, const char *file, tsr_config *out, tessera_error *err);

/** Reads and parses `path`; an unreadable file is "PATH: cannot read: ..." with line 0. */
tessera_status tsr_config_load(const char *path, tsr_config *out, tessera_error *err);

void tsr_config_free(tsr_config *c);

/**
 * Parses one server entry (`host:port`, `host`, `[v6]:port`, `http(s)://host:port`). Returns
 * NULL and fills `out`, or returns a static-or-`why`-buffer sentence saying what is wrong.
 */
const char *tsr_parse_server(const char *entry, size_t len, tsr_server *out, char *why, size_t why_size);

void tsr_server_free(tsr_server *s);

/** True when traffic to the server never leaves the machine. */
int tsr_server_is_loopback(const tsr_server *s);

#endif
