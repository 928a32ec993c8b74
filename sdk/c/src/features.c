/* GET /v1/features: what a server licenses, and which seat pool it serves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util.h"

/** The public list, and what it points into. */
typedef struct feature_list {
  tessera_feature_list pub; /* first, so a tessera_feature_list * is a feature_list * */
  cJSON *json;
  tessera_feature *features;
  tessera_feature_license *licenses;
} feature_list;

void tsr_learn_pool(tessera_client *c, size_t server, const char *pool) {
  char *copy = tsr_strdup(pool);
  if (copy == NULL) return; /* not knowing a pool only costs a request later */
  tsr_lock(c);
  free(c->pools[server]);
  c->pools[server] = copy;
  tsr_unlock(c);
}

const char *tsr_features_pool(const tsr_outcome *o, char *why, size_t size) {
  if (o->failed) {
    snprintf(why, size, "%s", o->why);
    return NULL;
  }
  if (o->status != 200) {
    tsr_server_error e;
    tsr_server_error_of(o, &e);
    snprintf(why, size, "HTTP %ld %s: %s", o->status, e.code, e.message);
    return NULL;
  }
  const cJSON *pool = cJSON_GetObjectItemCaseSensitive(o->body, "poolId");
  if (!cJSON_IsString(pool) || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o->body, "features"))) {
    snprintf(why, size, "HTTP 200 with a body that is not a features response");
    return NULL;
  }
  return pool->valuestring;
}

static int int_of(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valueint : 0;
}

static const char *string_of(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/** Builds the public list over `json` (which it takes); NULL when out of memory. */
static feature_list *build_list(cJSON *json, const char *server) {
  const cJSON *features = cJSON_GetObjectItemCaseSensitive(json, "features");
  size_t nf = (size_t)cJSON_GetArraySize(features), nl = 0;
  const cJSON *f, *l;
  cJSON_ArrayForEach(f, features) nl += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f, "licenses"));
  feature_list *list = calloc(1, sizeof *list);
  if (list) {
    list->features = calloc(nf ? nf : 1, sizeof *list->features);
    list->licenses = calloc(nl ? nl : 1, sizeof *list->licenses);
  }
  if (!list || !list->features || !list->licenses) {
    if (list) free(list->features), free(list->licenses);
    free(list);
    cJSON_Delete(json);
    return NULL;
  }
  list->json = json;
  list->pub.server = server;
  list->pub.pool_id = string_of(json, "poolId");
  size_t i = 0, j = 0;
  cJSON_ArrayForEach(f, features) {
    tessera_feature *out = &list->features[i++];
    const char *name = string_of(f, "feature");
    out->feature = name ? name : "";
    out->total = int_of(f, "total");
    out->in_use = int_of(f, "inUse");
    out->available = int_of(f, "available");
    out->licenses = &list->licenses[j];
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(f, "licenses")) {
      tessera_feature_license *lic = &list->licenses[j++];
      const char *id = string_of(l, "licenseId");
      lic->license_id = id ? id : "";
      lic->count = int_of(l, "count");
      lic->in_use = int_of(l, "inUse");
      lic->expires = string_of(l, "expires");
      lic->maintenance_until = string_of(l, "maintenanceUntil");
      out->license_count++;
    }
  }
  list->pub.count = nf;
  list->pub.features = list->features;
  return list;
}

/** A 4xx to a features request: the server's code if it is a denial code, else by status as for a checkout. */
static tessera_status refusal(long status, const tsr_server_error *e) {
  tessera_status code = e->enveloped ? tsr_denial_status(e->code) : TESSERA_OK;
  if (code != TESSERA_OK) return code;
  if (status == 401 || status == 403) return TESSERA_UNAUTHORIZED;
  if (status == 429) return TESSERA_RATE_LIMITED;
  return TESSERA_BAD_REQUEST;
}

tessera_status tsr_features(tessera_client *c, CURL *h, tessera_feature_list **out, tessera_error *err) {
  size_t n = c->cfg.server_count;
  size_t *order = malloc(n * sizeof *order);
  if (order == NULL) return tsr_error(err, TESSERA_OUT_OF_MEMORY, 0, "out of memory");
  tsr_failover_order(c, order);

  tsr_buf notes = {0};
  tessera_status result = TESSERA_UNAVAILABLE;
  int answered = -1;
  for (size_t i = 0; i < n && answered < 0; i++) {
    size_t server = order[i];
    const char *url = c->cfg.servers[server].url;
    tsr_outcome o;
    tsr_call(c, h, NULL, server, "GET", "/v1/features", NULL, &o);
    char why[512];
    const char *pool = o.failed || o.status < 400 || o.status >= 500 ? tsr_features_pool(&o, why, sizeof why) : NULL;
    if (!o.failed && o.status >= 400 && o.status < 500) {
      tsr_server_error e;
      tsr_server_error_of(&o, &e);
      result = tsr_error(err, refusal(o.status, &e), 0, "%s: %s", url, e.message);
      answered = (int)server;
    } else if (pool == NULL) {
      tsr_buf_printf(&notes, "%s%s: %s", notes.len ? "; " : "", url, why);
    } else {
      tsr_learn_pool(c, server, pool);
      feature_list *list = build_list(o.body, url);
      o.body = NULL; /* the list owns it now */
      result = list ? TESSERA_OK : tsr_error(err, TESSERA_OUT_OF_MEMORY, 0, "out of memory");
      if (list) *out = &list->pub;
      answered = (int)server;
    }
    tsr_outcome_free(&o);
  }
  if (answered < 0) {
    tsr_error(err, result, 0, "no license server could be reached: %s", tsr_buf_str(&notes));
  } else {
    tsr_lock(c);
    c->has_sticky = 1;
    c->sticky = (size_t)answered;
    tsr_unlock(c);
    if (result == TESSERA_OK) tsr_error_clear(err);
  }
  tsr_buf_free(&notes);
  free(order);
  return result;
}

void tessera_feature_list_free(tessera_feature_list *list) {
  if (list == NULL) return;
  feature_list *l = (feature_list *)list;
  cJSON_Delete(l->json);
  free(l->features);
  free(l->licenses);
  free(l);
}
