/* Names, versions and option initialisers: the parts of the API that touch no client. */
#include <string.h>

#include "internal.h"

const char *tessera_version(void) { return TESSERA_VERSION_STRING; }

const char *tessera_status_name(tessera_status s) {
  switch (s) {
    case TESSERA_OK: return "OK";
    case TESSERA_NO_SEATS: return "NO_SEATS";
    case TESSERA_UNKNOWN_FEATURE: return "UNKNOWN_FEATURE";
    case TESSERA_LICENSE_EXPIRED: return "LICENSE_EXPIRED";
    case TESSERA_MAINTENANCE_EXPIRED: return "MAINTENANCE_EXPIRED";
    case TESSERA_CLOCK_TAMPERED: return "CLOCK_TAMPERED";
    case TESSERA_UNAUTHORIZED: return "UNAUTHORIZED";
    case TESSERA_BAD_REQUEST: return "BAD_REQUEST";
    case TESSERA_RATE_LIMITED: return "RATE_LIMITED";
    case TESSERA_UNAVAILABLE: return "UNAVAILABLE";
    case TESSERA_CONFIG_ERROR: return "CONFIG_ERROR";
    case TESSERA_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case TESSERA_OUT_OF_MEMORY: return "OUT_OF_MEMORY";
    case TESSERA_CLOSED: return "CLOSED";
    case TESSERA_INTERNAL: return "INTERNAL";
  }
  return "UNKNOWN";
}

void tessera_options_init(tessera_options *opts) {
  if (opts == NULL) return;
  memset(opts, 0, sizeof *opts);
  opts->struct_size = sizeof *opts;
}

void tessera_checkout_options_init(tessera_checkout_options *opts) {
  if (opts == NULL) return;
  memset(opts, 0, sizeof *opts);
  opts->struct_size = sizeof *opts;
}
