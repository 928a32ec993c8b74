/*
 * The C library's conformance driver (sdk/conformance/DRIVER.md): one JSON request per line on
 * stdin, one library call, one JSON answer per line on stdout; events (lease renewed or lost)
 * written whenever the library reports them. Logs go to stderr.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tessera/tessera.h>

/** A lease handle as the suite names it; kept until exit, so events can always find it. */
typedef struct entry {
  char name[24];
  tessera_lease *lease; /* NULL once released (or the client closed) */
  char *lease_id, *server, *pool_id; /* what the lease was when released */
} entry;

static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;   /* one line at a time on stdout */
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER; /* the entries, read by callbacks too */
static entry **entries;
static size_t entry_count;
static tessera_client *client;
static int opened; /* stays set after close: one client per driver */

static void emit(cJSON *o) {
  char *text = cJSON_PrintUnformatted(o);
  pthread_mutex_lock(&out_mu);
  fputs(text, stdout);
  fputc('\n', stdout);
  fflush(stdout);
  pthread_mutex_unlock(&out_mu);
  cJSON_free(text);
  cJSON_Delete(o);
}

static cJSON *answer(const cJSON *id, int ok) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToObject(o, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
  cJSON_AddBoolToObject(o, "ok", ok);
  return o;
}

static void fail(const cJSON *id, const char *code, const char *message) {
  cJSON *o = answer(id, 0);
  cJSON_AddStringToObject(o, "code", code);
  cJSON_AddStringToObject(o, "message", message);
  emit(o);
}

static const char *name_of(tessera_lease *lease) {
  entry *e = tessera_lease_user_data(lease);
  return e ? e->name : "?";
}

static void on_renewed(tessera_lease *lease, const char *previous, const char *current, const char *server,
                       const char *reason, void *user_data) {
  (void)user_data;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "event", "renewed");
  cJSON_AddStringToObject(o, "lease", name_of(lease));
  cJSON_AddStringToObject(o, "previousLeaseId", previous);
  cJSON_AddStringToObject(o, "leaseId", current);
  cJSON_AddStringToObject(o, "server", server);
  cJSON_AddStringToObject(o, "reason", reason);
  emit(o);
}

static void on_lost(tessera_lease *lease, tessera_status code, const char *message, const char *reason,
                    void *user_data) {
  (void)user_data;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "event", "lost");
  cJSON_AddStringToObject(o, "lease", name_of(lease));
  cJSON_AddStringToObject(o, "code", tessera_status_name(code));
  cJSON_AddStringToObject(o, "message", message);
  cJSON_AddStringToObject(o, "reason", reason);
  emit(o);
}

static void on_log(tessera_log_level level, const char *message, void *user_data) {
  (void)user_data;
  static const char *names[] = {"debug", "warn", "error"};
  fprintf(stderr, "tessera %s: %s\n", names[level < 3 ? level : 2], message);
}

static const char *opt_string(const cJSON *req, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void op_open(const cJSON *id, const cJSON *req) {
  const char *conf = opt_string(req, "conf");
  if (opened) {
    fail(id, "DRIVER_ERROR", "a client is already open");
    return;
  }
  if (conf == NULL) {
    fail(id, "DRIVER_ERROR", "open needs conf");
    return;
  }
  tessera_options o;
  tessera_options_init(&o);
  o.app = opt_string(req, "app");
  o.version = opt_string(req, "version");
  o.release_date = opt_string(req, "releaseDate");
  o.client_id = opt_string(req, "clientId");
  o.on_lease_renewed = on_renewed;
  o.on_lease_lost = on_lost;
  o.on_log = on_log;
  tessera_error err;
  client = tessera_client_open(conf, &o, &err);
  opened = client != NULL; /* an open that failed opened nothing: another may follow */
  if (client == NULL) {
    cJSON *a = answer(id, 0);
    cJSON_AddStringToObject(a, "code", tessera_status_name(err.code));
    cJSON_AddStringToObject(a, "message", err.message);
    if (err.code == TESSERA_CONFIG_ERROR) {
      if (err.line > 0) cJSON_AddNumberToObject(a, "line", err.line);
      else cJSON_AddNullToObject(a, "line");
    }
    {
    emit(a);
    return;
  }
  }
  cJSON *a = answer(id, 1), *warnings = cJSON_AddArrayToObject(a, "warnings");
  for (size_t i = 0; i < tessera_client_warning_count(client); i++)
    cJSON_AddItemToArray(warnings, cJSON_CreateString(tessera_client_warning(client, i)));
  emit(a);
}

/** RFC 3339 in UTC with milliseconds, as the servers write it. */
static void iso_time(int64_t ms, char *out, size_t size) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char base[32];
  strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, size, "%s.%03dZ", base, (int)(ms % 1000));
}

static void op_checkout(const cJSON *id, const cJSON *req) {
  const char *feature = opt_string(req, "feature");
  const cJSON *count_item = cJSON_GetObjectItemCaseSensitive(req, "count");
  if (!client) {
    fail(id, "DRIVER_ERROR", "open first");
    return;
  }
  if (feature == NULL) {
    fail(id, "DRIVER_ERROR", "checkout needs feature");
    return;
  }
  int count = 1;
  if (count_item != NULL) {
    double v = cJSON_IsNumber(count_item) ? count_item->valuedouble : -1;
    if (v != (double)(int)v || v < -2147483648.0 || v > 2147483647.0) {
      char message[128];
      snprintf(message, sizeof message, "count must be an integer >= 1, got %s",
               cJSON_IsNumber(count_item) ? "a fraction" : "a non-number");
      {
    fail(id, "INVALID_ARGUMENT", message);
    return;
  }
    }
    count = (int)v;
  }
  tessera_checkout_options co;
  tessera_checkout_options_init(&co);
  co.release_date = opt_string(req, "releaseDate");
  tessera_lease *lease = NULL;
  tessera_error err;
  tessera_status s = tessera_checkout_ex(client, feature, count, &co, &lease, &err);
  if (s != TESSERA_OK) {
    fail(id, tessera_status_name(s), err.message);
    return;
  }

  entry *e = calloc(1, sizeof *e);
  pthread_mutex_lock(&table_mu);
  entries = realloc(entries, (entry_count + 1) * sizeof *entries);
  snprintf(e->name, sizeof e->name, "L%zu", entry_count + 1);
  e->lease = lease;
  entries[entry_count++] = e;
  pthread_mutex_unlock(&table_mu);
  tessera_lease_set_user_data(lease, e);

  char expires[40];
  iso_time(tessera_lease_expires_at(lease), expires, sizeof expires);
  cJSON *a = answer(id, 1);
  cJSON_AddStringToObject(a, "lease", e->name);
  cJSON_AddStringToObject(a, "leaseId", tessera_lease_id(lease));
  cJSON_AddStringToObject(a, "feature", tessera_lease_feature(lease));
  cJSON_AddNumberToObject(a, "count", tessera_lease_count(lease));
  cJSON_AddStringToObject(a, "licenseId", tessera_lease_license_id(lease));
  cJSON_AddStringToObject(a, "poolId", tessera_lease_pool_id(lease));
  cJSON_AddStringToObject(a, "server", tessera_lease_server(lease));
  cJSON_AddStringToObject(a, "expiresAt", expires);
  emit(a);
}

static entry *find(const cJSON *req) {
  const char *name = opt_string(req, "lease");
  entry *found = NULL;
  pthread_mutex_lock(&table_mu);
  for (size_t i = 0; name && i < entry_count; i++)
    if (strcmp(entries[i]->name, name) == 0) found = entries[i];
  pthread_mutex_unlock(&table_mu);
  return found;
}

/** Keeps what the lease is, before the library frees it (release or close). */
static void remember(entry *e) {
  e->lease_id = strdup(tessera_lease_id(e->lease));
  e->server = strdup(tessera_lease_server(e->lease));
  e->pool_id = strdup(tessera_lease_pool_id(e->lease));
}

static void op_lease(const cJSON *id, const cJSON *req) {
  entry *e = find(req);
  if (e == NULL) {
    fail(id, "DRIVER_ERROR", "no such lease handle");
    return;
  }
  cJSON *a = answer(id, 1);
  int live = e->lease != NULL;
  cJSON_AddStringToObject(a, "leaseId", live ? tessera_lease_id(e->lease) : e->lease_id);
  cJSON_AddStringToObject(a, "server", live ? tessera_lease_server(e->lease) : e->server);
  cJSON_AddStringToObject(a, "poolId", live ? tessera_lease_pool_id(e->lease) : e->pool_id);
  cJSON_AddBoolToObject(a, "held", live && tessera_lease_held(e->lease));
  cJSON_AddBoolToObject(a, "released", !live);
  emit(a);
}

static void op_release(const cJSON *id, const cJSON *req) {
  entry *e = find(req);
  if (e == NULL) {
    fail(id, "DRIVER_ERROR", "no such lease handle");
    return;
  }
  if (e->lease != NULL) { /* releasing again does nothing, as in the other SDKs */
    remember(e);
    tessera_lease *lease = e->lease;
    e->lease = NULL;
    tessera_error err;
    if (tessera_lease_release(lease, &err) != TESSERA_OK) {
    fail(id, "DRIVER_ERROR", err.message);
    return;
  }
  }
  emit(answer(id, 1));
}

static void op_features(const cJSON *id) {
  if (!client) {
    fail(id, "DRIVER_ERROR", "open first");
    return;
  }
  tessera_feature_list *list;
  tessera_error err;
  tessera_status s = tessera_features(client, &list, &err);
  if (s != TESSERA_OK) {
    fail(id, tessera_status_name(s), err.message);
    return;
  }
  cJSON *a = answer(id, 1), *features = cJSON_CreateArray();
  cJSON_AddStringToObject(a, "server", list->server);
  cJSON_AddStringToObject(a, "poolId", list->pool_id ? list->pool_id : "");
  for (size_t i = 0; i < list->count; i++) {
    const tessera_feature *f = &list->features[i];
    cJSON *o = cJSON_CreateObject(), *licenses = cJSON_CreateArray();
    cJSON_AddStringToObject(o, "feature", f->feature);
    cJSON_AddNumberToObject(o, "total", f->total);
    cJSON_AddNumberToObject(o, "inUse", f->in_use);
    cJSON_AddNumberToObject(o, "available", f->available);
    for (size_t j = 0; j < f->license_count; j++) {
      const tessera_feature_license *l = &f->licenses[j];
      cJSON *lo = cJSON_CreateObject();
      cJSON_AddStringToObject(lo, "licenseId", l->license_id);
      cJSON_AddNumberToObject(lo, "count", l->count);
      cJSON_AddNumberToObject(lo, "inUse", l->in_use);
      cJSON_AddItemToObject(lo, "expires", l->expires ? cJSON_CreateString(l->expires) : cJSON_CreateNull());
      cJSON_AddItemToObject(lo, "maintenanceUntil",
                            l->maintenance_until ? cJSON_CreateString(l->maintenance_until) : cJSON_CreateNull());
      cJSON_AddItemToArray(licenses, lo);
    }
    cJSON_AddItemToObject(o, "licenses", licenses);
    cJSON_AddItemToArray(features, o);
  }
  cJSON_AddItemToObject(a, "features", features);
  tessera_feature_list_free(list);
  emit(a);
}

/** Closes the client: every lease still held is released by the library and its handle freed. */
static void close_client(void) {
  if (!client) return;
  pthread_mutex_lock(&table_mu);
  size_t n = entry_count;
  pthread_mutex_unlock(&table_mu);
  for (size_t i = 0; i < n; i++) {
    if (entries[i]->lease == NULL) continue;
    remember(entries[i]);
    entries[i]->lease = NULL;
  }
  tessera_client_close(client);
  client = NULL;
}

static void dispatch(const char *line) {
  cJSON *req = cJSON_Parse(line);
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");
  const char *op = opt_string(req, "op");
  if (req == NULL || !cJSON_IsNumber(id) || op == NULL) fail(id, "DRIVER_ERROR", "expected {\"id\": N, \"op\": ...}");
  else if (strcmp(op, "open") == 0) op_open(id, req);
  else if (strcmp(op, "checkout") == 0) op_checkout(id, req);
  else if (strcmp(op, "lease") == 0) op_lease(id, req);
  else if (strcmp(op, "release") == 0) op_release(id, req);
  else if (strcmp(op, "features") == 0) op_features(id);
  else if (strcmp(op, "close") == 0) {
    if (!client) fail(id, "DRIVER_ERROR", "open first");
    else {
      close_client();
      emit(answer(id, 1));
    }
  } else fail(id, "DRIVER_ERROR", "unknown op");
  cJSON_Delete(req);
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) > 0) {
    if (line[n - 1] == '\n') line[n - 1] = '\0';
    if (line[0] != '\0') dispatch(line);
  }
  free(line);
  close_client();
  for (size_t i = 0; i < entry_count; i++) {
    free(entries[i]->lease_id);
    free(entries[i]->server);
    free(entries[i]->pool_id);
    free(entries[i]);
  }
  free(entries);
  return 0;
}
