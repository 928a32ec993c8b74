/*
 * One HTTP exchange with one server through libcurl, reduced to what failover needs to decide:
 * either the server answered (status + parsed JSON), or it could not be talked to (and why, in
 * words). Internal.
 */
#ifndef TSR_HTTP_H
#define TSR_HTTP_H

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "config.h"

#define TSR_DEFAULT_TIMEOUT_MS 5000
/** Answers longer than this are refused: a license server's answers are a few hundred bytes. */
#define TSR_MAX_ANSWER_BYTES (1024 * 1024)

typedef struct tsr_transport {
  long timeout_ms;
  /** Borrowed from the config; NULL for no credentials. */
  const char *username;
  const char *password;
  /** Headers of a request with a JSON body, and of one without (a License Server refuses a JSON content type with no body). */
  struct curl_slist *json_headers;
  struct curl_slist *plain_headers;
} tsr_transport;

typedef struct tsr_outcome {
  /** 1 when the server could not be talked to (then `why` says why); 0 when it answered. */
  int failed;
  char why[256];
  long status;
  /** The answer's JSON, or NULL when it had none or it was not JSON. */
  cJSON *body;
} tsr_outcome;

/** A server's error, from its `{"error":{...}}` envelope, or made up from the status when it sent none. */
typedef struct tsr_server_error {
  const char *code;
  const char *message;
  /** The envelope's `reason` (LEASE_GONE), or NULL. */
  const char *reason;
  /** 0 when the body was not a Tessera error envelope (a proxy's page, say). */
  int enveloped;
  char code_buf[24];
  char message_buf[64];
} tsr_server_error;

tessera_status tsr_transport_init(tsr_transport *t, long timeout_ms, const char *username, const char *password);
void tsr_transport_free(tsr_transport *t);

/** A curl easy handle with the options every request shares; NULL when curl cannot make one. */
CURL *tsr_curl_new(const tsr_transport *t);

/**
 * Sends `method` `path` to `server`, with `body` as JSON when not NULL, and fills `out` (free it
 * with tsr_outcome_free). `h` must not be used by another thread meanwhile; it keeps its
 * connections alive for the next request.
 */
void tsr_request(const tsr_transport *t, CURL *h, const tsr_server *server, const char *method, const char *path,
                 const char *body, tsr_outcome *out);

void tsr_outcome_free(tsr_outcome *o);

/** True for a 2xx answer. */
int tsr_outcome_ok(const tsr_outcome *o);

/** Reads the error envelope of an answer; the strings point into `o` or `e`. */
void tsr_server_error_of(const tsr_outcome *o, tsr_server_error *e);

/** `path` with `id` percent-encoded as in encodeURIComponent: "/v1/leases/{id}" + `suffix`. Caller frees. */
char *tsr_lease_path(const char *id, const char *suffix);

#endif
