/*
 * tessera-bench: the C program of `npm run bench -- sdk` (sdk/conformance/DRIVER.md).
 *
 *   tessera-bench --conf FILE --feature F --seconds S --mode sdk|bare
 *   tessera-bench --conf FILE --feature F --seconds S --mode hold --leases N
 *
 * sdk: checkout then release through the library, one after the other, for S seconds.
 * bare: the same two requests with libcurl alone on one keep-alive connection to the first
 *   server of the file (the file is read through the library, before the clock starts; no
 *   credentials are sent: the bench's License Server needs none).
 * hold: one client checks out N leases of one seat, then holds them for S seconds; reports the
 *   process's CPU time during the holding only, so cpuSeconds / seconds is the heartbeat
 *   thread's share of a core.
 * Prints one JSON line on stdout and exits 0; on any failure prints why on stderr and exits 1.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <tessera/tessera.h>

typedef struct args {
  const char *conf, *feature, *mode;
  double seconds;
  int leases;
} args;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what, const char *why) {
  fprintf(stderr, "tessera-bench: %s: %s\n", what, why);
  exit(1);
}

static tessera_client *open_or_die(const char *conf) {
  tessera_error err;
  tessera_client *c = tessera_client_open(conf, NULL, &err);
  if (c == NULL) die(tessera_status_name(err.code), err.message);
  return c;
}

static void checkout_or_die(tessera_client *c, const char *feature, tessera_lease **out) {
  tessera_error err;
  if (tessera_checkout(c, feature, 1, out, &err) != TESSERA_OK) die(tessera_status_name(err.code), err.message);
}

static void run_sdk(const args *a) {
  tessera_client *c = open_or_die(a->conf);
  long ops = 0;
  double start = now_s(), elapsed = 0;
  while (elapsed < a->seconds) {
    tessera_lease *lease;
    checkout_or_die(c, a->feature, &lease);
    tessera_lease_release(lease, NULL);
    ops++;
    elapsed = now_s() - start;
  }
  tessera_client_close(c);
  printf("{\"mode\": \"sdk\", \"ops\": %ld, \"seconds\": %.3f}\n", ops, elapsed);
}

static void bare_failed(const char *what, CURLcode rc, long status) {
  char why[256];
  snprintf(why, sizeof why, "%s, HTTP %ld", curl_easy_strerror(rc), status);
  die(what, why);
}

typedef struct answer_buf {
  char data[4096];
  size_t len;
} answer_buf;

static size_t collect(char *data, size_t size, size_t n, void *userp) {
  answer_buf *b = userp;
  if (b->len + size * n > sizeof b->data) return 0;
  memcpy(b->data + b->len, data, size * n);
  b->len += size * n;
  return size * n;
}

static void run_bare(const args *a) {
  tessera_client *c = open_or_die(a->conf);
  char base[512];
  snprintf(base, sizeof base, "%s", tessera_client_server(c, 0));
  tessera_client_close(c);

  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL *h = curl_easy_init();
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
  char url[1024], body[512];
  snprintf(body, sizeof body, "{\"feature\":\"%s\",\"count\":1,\"client\":{\"id\":\"bench-bare\"}}", a->feature);
  answer_buf answer;
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  long ops = 0, status = 0;
  double start = now_s(), elapsed = 0;
  while (elapsed < a->seconds) {
    snprintf(url, sizeof url, "%s/v1/leases", base);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    answer.len = 0;
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    cJSON *json = cJSON_ParseWithLength(answer.data, answer.len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(json, "leaseId");
    if (rc != CURLE_OK || status != 201 || !cJSON_IsString(id)) bare_failed("checkout", rc, status);
    char *escaped = curl_easy_escape(h, id->valuestring, 0);
    snprintf(url, sizeof url, "%s/v1/leases/%s", base, escaped);
    curl_free(escaped);
    cJSON_Delete(json);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL); /* no Content-Type without a body */
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status != 204) bare_failed("release", rc, status);
    ops++;
    elapsed = now_s() - start;
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  curl_global_cleanup();
  printf("{\"mode\": \"bare\", \"ops\": %ld, \"seconds\": %.3f}\n", ops, elapsed);
}

static void run_hold(const args *a) {
  tessera_client *c = open_or_die(a->conf);
  tessera_lease *lease;
  for (int i = 0; i < a->leases; i++) checkout_or_die(c, a->feature, &lease); /* close() releases them */
  double cpu_start = cpu_s(), start = now_s(), elapsed = 0;
  while (elapsed < a->seconds) {
    double left = a->seconds - elapsed;
    struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
    nanosleep(&ts, NULL);
    elapsed = now_s() - start;
  }
  double cpu = cpu_s() - cpu_start;
  tessera_client_close(c);
  printf("{\"mode\": \"hold\", \"leases\": %d, \"seconds\": %.3f, \"cpuSeconds\": %.4f}\n", a->leases, elapsed, cpu);
}

int main(int argc, char **argv) {
  args a = {0};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--conf") == 0) a.conf = argv[i + 1];
    else if (strcmp(argv[i], "--feature") == 0) a.feature = argv[i + 1];
    else if (strcmp(argv[i], "--seconds") == 0) a.seconds = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--mode") == 0) a.mode = argv[i + 1];
    else if (strcmp(argv[i], "--leases") == 0) a.leases = atoi(argv[i + 1]);
    else die("unknown option", argv[i]);
  }
  if (argc % 2 == 0 || !a.conf || !a.feature || !a.mode || a.seconds <= 0)
    die("usage", "tessera-bench --conf FILE --feature F --seconds S --mode sdk|bare|hold [--leases N]");
  if (strcmp(a.mode, "sdk") == 0) run_sdk(&a);
  else if (strcmp(a.mode, "bare") == 0) run_bare(&a);
  else if (strcmp(a.mode, "hold") == 0 && a.leases > 0) run_hold(&a);
  else die("bad --mode or --leases", a.mode);
  return 0;
}
