#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

tessera_status tsr_transport_init(tsr_transport *t, long timeout_ms, const char *username, const char *password) {
  memset(t, 0, sizeof *t);
  t->timeout_ms = timeout_ms > 0 ? timeout_ms : TSR_DEFAULT_TIMEOUT_MS;
  t->username = username;
  t->password = password;
  /* "Expect:" turns off curl's 100-continue round trip, which a small JSON body does not need. */
  const char *json[] = {"Accept: application/json", "Content-Type: application/json", "Expect:"};
  for (size_t i = 0; i < sizeof json / sizeof json[0]; i++) {
    struct curl_slist *l = curl_slist_append(t->json_headers, json[i]);
    if (l == NULL) break;
    t->json_headers = l;
  }
  t->plain_headers = curl_slist_append(NULL, "Accept: application/json");
  if (t->plain_headers == NULL || t->json_headers == NULL || t->json_headers->next == NULL ||
      t->json_headers->next->next == NULL) {
    tsr_transport_free(t);
    return TESSERA_OUT_OF_MEMORY;
  }
  return TESSERA_OK;
}

void tsr_transport_free(tsr_transport *t) {
  curl_slist_free_all(t->json_headers);
  curl_slist_free_all(t->plain_headers);
  t->json_headers = t->plain_headers = NULL;
}

static size_t collect(char *data, size_t size, size_t n, void *userp) {
  tsr_buf *b = userp;
  size_t bytes = size * n;
  if (b->len + bytes > TSR_MAX_ANSWER_BYTES) return 0; /* curl stops with CURLE_WRITE_ERROR */
  tsr_buf_append(b, data, bytes);
  return b->oom ? 0 : bytes;
}

CURL *tsr_curl_new(const tsr_transport *t) {
  CURL *h = curl_easy_init();
  if (h == NULL) return NULL;
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, t->timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, t->timeout_ms);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  /* A license server has no business redirecting, and following one could carry the credentials elsewhere. */
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
  if (t->username != NULL) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, t->username);
    curl_easy_setopt(h, CURLOPT_PASSWORD, t->password);
  }
  return h;
}

static void describe_failure(CURL *h, CURLcode rc, const char *errbuf, long timeout_ms, char *why, size_t size) {
  long os_errno = 0;
  curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
  static const struct {
    int err;
    const char *words;
  } ERRNO_WORDS[] = {
      {ECONNREFUSED, "connection refused (ECONNREFUSED)"},     {ECONNRESET, "connection reset (ECONNRESET)"},
      {EHOSTUNREACH, "host unreachable (EHOSTUNREACH)"},       {ENETUNREACH, "network unreachable (ENETUNREACH)"},
      {ETIMEDOUT, "connection timed out (ETIMEDOUT)"},         {EPIPE, "connection reset (EPIPE)"},
  };
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    snprintf(why, size, "no answer within %ld ms", timeout_ms);
    return;
  }
  if (rc == CURLE_COULDNT_RESOLVE_HOST) {
    snprintf(why, size, "host not found (ENOTFOUND)");
    return;
  }
  for (size_t i = 0; i < sizeof ERRNO_WORDS / sizeof ERRNO_WORDS[0]; i++) {
    if (os_errno == ERRNO_WORDS[i].err) {
      snprintf(why, size, "%s", ERRNO_WORDS[i].words);
      return;
    }
  }
  if (rc == CURLE_GOT_NOTHING) snprintf(why, size, "connection closed by the server");
  else if (rc == CURLE_WRITE_ERROR) snprintf(why, size, "answer larger than %d bytes", TSR_MAX_ANSWER_BYTES);
  else snprintf(why, size, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

void tsr_request(const tsr_transport *t, CURL *h, const tsr_server *server, const char *method, const char *path,
                 const char *body, tsr_outcome *out) {
  memset(out, 0, sizeof *out);
  tsr_buf url = {0}, answer = {0};
  tsr_buf_printf(&url, "%s%s", server->url, path);
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_URL, tsr_buf_str(&url));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, strcmp(method, "POST") == 0 ? t->json_headers : t->plain_headers);
  if (strcmp(method, "POST") == 0) {
    const char *payload = body ? body : "{}";
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") == 0 ? NULL : method);
  }
  CURLcode rc = url.oom ? CURLE_OUT_OF_MEMORY : curl_easy_perform(h);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
  if (rc != CURLE_OK || answer.oom) {
    out->failed = 1;
    if (answer.oom) snprintf(out->why, sizeof out->why, "out of memory");
    else describe_failure(h, rc, errbuf, t->timeout_ms, out->why, sizeof out->why);
  } else {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    if (answer.len > 0) out->body = cJSON_ParseWithLength(answer.data, answer.len);
  }
  tsr_buf_free(&url);
  tsr_buf_free(&answer);
}

void tsr_outcome_free(tsr_outcome *o) {
  cJSON_Delete(o->body);
  o->body = NULL;
}

int tsr_outcome_ok(const tsr_outcome *o) { return !o->failed && o->status >= 200 && o->status < 300; }

void tsr_server_error_of(const tsr_outcome *o, tsr_server_error *e) {
  memset(e, 0, sizeof *e);
  const cJSON *err = cJSON_GetObjectItemCaseSensitive(o->body, "error");
  const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
  if (cJSON_IsObject(err) && cJSON_IsString(code)) {
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(err, "message");
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(err, "reason");
    e->code = code->valuestring;
    e->message = cJSON_IsString(message) ? message->valuestring : code->valuestring;
    e->reason = cJSON_IsString(reason) ? reason->valuestring : NULL;
    e->enveloped = 1;
    return;
  }
  snprintf(e->code_buf, sizeof e->code_buf, "HTTP_%ld", o->status);
  snprintf(e->message_buf, sizeof e->message_buf, "HTTP %ld without a Tessera error body", o->status);
  e->code = e->code_buf;
  e->message = e->message_buf;
}

char *tsr_lease_path(const char *id, const char *suffix) {
  /* encodeURIComponent leaves A-Z a-z 0-9 - _ . ! ~ * ' ( ) as they are. */
  tsr_buf b = {0};
  tsr_buf_puts(&b, "/v1/leases/");
  for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
    if (tsr_alnum(*p) || strchr("-_.!~*'()", *p)) tsr_buf_append(&b, (const char *)p, 1);
    else tsr_buf_printf(&b, "%%%02X", *p);
  }
  tsr_buf_puts(&b, suffix);
  return tsr_buf_take(&b);
}
