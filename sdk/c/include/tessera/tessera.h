/*
 * tessera.h: the Tessera client library for C and C++.
 *
 * A program takes seats ("leases") of licensed features from Tessera License Servers or Cloud
 * nodes listed in a client_property.conf, keeps them alive by heartbeat from one background
 * thread per client, and gives them back.
 *
 *     tessera_error err;
 *     tessera_client *c = tessera_client_open("client_property.conf", NULL, &err);
 *     if (c == NULL) { fprintf(stderr, "%s\n", err.message); return 1; }
 *     tessera_lease *lease;
 *     if (tessera_checkout(c, "asr.engine", 1, &lease, &err) != TESSERA_OK) {
 *       fprintf(stderr, "no license: %s: %s\n", tessera_status_name(err.code), err.message);
 *     } else {
 *       run_engine();
 *       tessera_lease_release(lease, NULL);
 *     }
 *     tessera_client_close(c);
 *
 * Rules that hold for every function:
 * - Results: functions that can fail return a tessera_status and, when `err` is not NULL, fill
 *   it in (on success its code is TESSERA_OK and its message empty). A refused checkout is an
 *   ordinary result (TESSERA_NO_SEATS, ...), not a crash or a leak.
 * - Memory: the library frees what it allocates. A lease handle is freed by
 *   tessera_lease_release() (or by tessera_client_close() for leases still held then); a
 *   feature list by tessera_feature_list_free(). Strings returned by getters belong to the
 *   library and stay valid as long as the object they came from (see each getter).
 * - Threads: every function may be called from any thread, and a client may be used from many
 *   threads at once, except that tessera_client_close() must not run concurrently with, or be
 *   followed by, any other call on that client or its leases. Callbacks run on the client's
 *   heartbeat thread; see tessera_options.
 * - Global state: none beyond libcurl's, which tessera_client_open() initialises and
 *   tessera_client_close() releases (curl counts these calls itself).
 */
#ifndef TESSERA_TESSERA_H
#define TESSERA_TESSERA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(TESSERA_BUILDING) && defined(__GNUC__)
#define TESSERA_API __attribute__((visibility("default")))
#else
#define TESSERA_API
#endif

/** The library's version, "MAJOR.MINOR.PATCH"; the shared library's soname carries MAJOR. */
#define TESSERA_VERSION_STRING "0.1.0"

/**
 * What a call came to. The numbers are stable: new codes are only ever added.
 * Codes 1..9 are checkout denials (the server's own code, or UNAVAILABLE when none answered);
 * codes from 100 are the library's own.
 */
typedef enum tessera_status {
  TESSERA_OK = 0,
  TESSERA_NO_SEATS = 1,            /**< every seat of the feature is taken (on every pool tried) */
  TESSERA_UNKNOWN_FEATURE = 2,     /**< no installed license has the feature */
  TESSERA_LICENSE_EXPIRED = 3,     /**< the licenses of the feature have expired */
  TESSERA_MAINTENANCE_EXPIRED = 4, /**< the application's release date is past the maintenance date */
  TESSERA_CLOCK_TAMPERED = 5,      /**< the server refuses: its clock was turned back */
  TESSERA_UNAUTHORIZED = 6,        /**< wrong or missing [AUTHENTICATION] credentials */
  TESSERA_BAD_REQUEST = 7,         /**< the server refused the request as malformed */
  TESSERA_RATE_LIMITED = 8,        /**< too many requests; try again later */
  TESSERA_UNAVAILABLE = 9,         /**< no server could be reached; the message says why, server by server */
  TESSERA_CONFIG_ERROR = 100,      /**< client_property.conf is unreadable or malformed: "FILE:LINE: ..." */
  TESSERA_INVALID_ARGUMENT = 101,  /**< refused before any request (count < 1, a bad date, NULL) */
  TESSERA_OUT_OF_MEMORY = 102,
  TESSERA_CLOSED = 103,            /**< the client is being closed */
  TESSERA_INTERNAL = 104           /**< a bug in the library, or a system call that failed */
} tessera_status;

/** Size of tessera_error.message, terminating NUL included; longer messages are cut with "...". */
#define TESSERA_ERROR_MESSAGE_MAX 1024

/** Why a call failed. Filled in by the library; reading it needs no allocation and no free. */
typedef struct tessera_error {
  tessera_status code;
  /** For TESSERA_CONFIG_ERROR: the 1-based line of client_property.conf, or 0 for the file as a whole. */
  int line;
  /** A sentence naming the problem, e.g. "http://lic1:7569: no seats of asr.engine are free". */
  char message[TESSERA_ERROR_MESSAGE_MAX];
} tessera_error;

/** A client of one set of license servers (one client_property.conf). Opaque. */
typedef struct tessera_client tessera_client;

/** One checked-out lease of `count` seats of one feature. Opaque. */
typedef struct tessera_lease tessera_lease;

/** Levels of the messages passed to tessera_options.on_log. */
typedef enum tessera_log_level {
  TESSERA_LOG_DEBUG = 0,
  TESSERA_LOG_WARN = 1,
  TESSERA_LOG_ERROR = 2
} tessera_log_level;

/**
 * The lease was gone (its server answered LEASE_GONE, or could not be reached until past the
 * lease's deadline) and the library checked out the same feature and count again, from any
 * server by the failover rules. The lease handle now names the new lease.
 * `reason` is why the previous lease went away: the server's reason (EXPIRED, RELEASED,
 * LICENSE_UNINSTALLED, LICENSE_EXPIRED, SEATS_REDUCED, REVOKED_BY_ADMIN, SYNC_EXPIRED,
 * UNKNOWN_LEASE) or UNREACHABLE. The strings are valid until the lease is released.
 */
typedef void (*tessera_lease_renewed_fn)(tessera_lease *lease, const char *previous_lease_id, const char *lease_id,
                                         const char *server, const char *reason, void *user_data);

/**
 * The lease was gone and the re-checkout was refused with `code` (a denial) and `message`.
 * The library keeps trying every heartbeat period and calls on_lease_renewed if a seat frees;
 * release the lease to stop it. `message` and `reason` are valid during the call only.
 */
typedef void (*tessera_lease_lost_fn)(tessera_lease *lease, tessera_status code, const char *message,
                                      const char *reason, void *user_data);

/**
 * The lease's server could not be reached and another server of the same pool (a Cloud node
 * on the same database) extended the same lease; heartbeats go there from now on. The lease id
 * is unchanged. The strings are valid until the lease is released.
 */
typedef void (*tessera_lease_moved_fn)(tessera_lease *lease, const char *lease_id, const char *previous_server,
                                       const char *server, void *user_data);

/**
 * A message from the library (it never prints anything itself): on the thread of the call that
 * has something to say, or on the heartbeat thread. `message` is valid during the call only.
 */
typedef void (*tessera_log_fn)(tessera_log_level level, const char *message, void *user_data);

/**
 * How a client is opened. Initialise with tessera_options_init() (or TESSERA_OPTIONS_INIT),
 * then set what you need: fields are only ever added at the end, and `struct_size` tells the
 * library which ones your program knows, so a program built against an older header keeps working.
 *
 * Callbacks run on the client's heartbeat thread, one at a time, with no library lock held.
 * Inside them a program may call any function of the library except tessera_client_close()
 * on the same client (which would wait for the very thread it runs on; it aborts the process
 * instead). Releasing the lease a callback is about, inside that callback, is fine. A callback
 * that blocks delays the heartbeats of every lease of the client.
 */
typedef struct tessera_options {
  /** sizeof(tessera_options) as the program was compiled; set by tessera_options_init(). */
  size_t struct_size;
  /** Application name sent with each checkout (shown to the server's admin); may be NULL. */
  const char *app;
  /** Application version sent with each checkout; may be NULL. */
  const char *version;
  /**
   * The application's release date, "YYYY-MM-DD", set at build time. Servers compare it with
   * each license's maintenance date. NULL means "released today".
   */
  const char *release_date;
  /** Id of this client; NULL for a random UUID made by tessera_client_open(). */
  const char *client_id;
  /** Host name sent with each checkout; NULL for this machine's name. */
  const char *host;
  /** Per-request timeout in milliseconds (connect and answer); 0 for 5000. A timeout counts as unreachable. */
  int request_timeout_ms;
  tessera_lease_lost_fn on_lease_lost;       /**< may be NULL */
  tessera_lease_renewed_fn on_lease_renewed; /**< may be NULL */
  tessera_lease_moved_fn on_lease_moved;     /**< may be NULL */
  tessera_log_fn on_log;                     /**< may be NULL; receives the config file's warnings too */
  /** Passed as is to every callback. */
  void *user_data;
} tessera_options;

/** An initialiser for a tessera_options variable: `tessera_options o = TESSERA_OPTIONS_INIT;`. */
#define TESSERA_OPTIONS_INIT {sizeof(tessera_options), NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL}

/** Options of one checkout. Initialise with tessera_checkout_options_init(); fields are only added at the end. */
typedef struct tessera_checkout_options {
  /** sizeof(tessera_checkout_options) as the program was compiled. */
  size_t struct_size;
  /** Overrides the client's release date for this checkout ("YYYY-MM-DD"); NULL keeps the client's. */
  const char *release_date;
} tessera_checkout_options;

/** One license of a feature, as a server reports it. */
typedef struct tessera_feature_license {
  const char *license_id;
  int count;
  int in_use;
  /** "YYYY-MM-DD" or an RFC 3339 time; NULL when the license does not expire. */
  const char *expires;
  /** NULL when the license has no maintenance date. */
  const char *maintenance_until;
} tessera_feature_license;

/** One feature of a server: seats in all and in use, and the licenses that grant them. */
typedef struct tessera_feature {
  const char *feature;
  int total;
  int in_use;
  int available;
  size_t license_count;
  const tessera_feature_license *licenses;
} tessera_feature;

/** What tessera_features() returns; free it with tessera_feature_list_free(). */
typedef struct tessera_feature_list {
  /** URL of the server that answered, e.g. "http://127.0.0.1:7569". */
  const char *server;
  /** The seat pool of that server: servers of one pool share their seats. */
  const char *pool_id;
  size_t count;
  const tessera_feature *features;
} tessera_feature_list;

/** The library's version, e.g. "0.1.0" (that of the library actually loaded, which may differ from the header's). */
TESSERA_API const char *tessera_version(void);

/**
 * The name of a status: "OK", "NO_SEATS", "UNKNOWN_FEATURE", "LICENSE_EXPIRED",
 * "MAINTENANCE_EXPIRED", "CLOCK_TAMPERED", "UNAUTHORIZED", "BAD_REQUEST", "RATE_LIMITED",
 * "UNAVAILABLE", "CONFIG_ERROR", "INVALID_ARGUMENT", "OUT_OF_MEMORY", "CLOSED", "INTERNAL";
 * "UNKNOWN" for a number that is none of these. Never NULL; a static string.
 */
TESSERA_API const char *tessera_status_name(tessera_status s);

/** Sets every field of `opts` to zero/NULL and `struct_size` to sizeof(tessera_options). */
TESSERA_API void tessera_options_init(tessera_options *opts);

/** Sets every field of `opts` to zero/NULL and `struct_size` to sizeof(tessera_checkout_options). */
TESSERA_API void tessera_checkout_options_init(tessera_checkout_options *opts);

/**
 * Reads `conf_path` (a client_property.conf) and opens a client of its servers, starting the
 * client's heartbeat thread. No request is sent yet.
 *
 * @param conf_path path of the file; messages name the file by this path as given.
 * @param opts NULL for the defaults, else initialised by tessera_options_init(); the library
 *   copies what it needs, so `opts` and its strings may be freed once this returns.
 * @param err NULL, or filled in on failure: TESSERA_CONFIG_ERROR with "FILE:LINE: ..." (and
 *   `line`), or "FILE: cannot read: ..." with line 0; TESSERA_INVALID_ARGUMENT for a NULL path
 *   or bad options; TESSERA_OUT_OF_MEMORY; TESSERA_INTERNAL when a thread or curl cannot start.
 * @return the client, or NULL on failure. Close it with tessera_client_close().
 */
TESSERA_API tessera_client *tessera_client_open(const char *conf_path, const tessera_options *opts,
                                                tessera_error *err);

/**
 * Releases every lease of the client (held by the program or kept in the release cache), stops
 * the heartbeat thread and frees the client. Every tessera_lease of this client is freed too:
 * do not release or read them afterwards. Waits for calls in progress on other threads (a
 * checkout that completes meanwhile gives its seat back and returns TESSERA_CLOSED). A release
 * that fails on the server only means the seat stays taken until its lease lapses.
 * NULL does nothing. Must not be called from a callback of the same client.
 */
TESSERA_API void tessera_client_close(tessera_client *c);

/** The parser's warnings about client_property.conf (each "FILE:LINE: ..."); how many. */
TESSERA_API size_t tessera_client_warning_count(const tessera_client *c);

/** Warning number `i` (0-based), valid until the client is closed; NULL when `i` is out of range. */
TESSERA_API const char *tessera_client_warning(const tessera_client *c, size_t i);

/** How many servers client_property.conf lists (at least one). */
TESSERA_API size_t tessera_client_server_count(const tessera_client *c);

/** URL of configured server number `i`, in failover order as written, e.g. "http://lic1:7569"; NULL when out of range. */
TESSERA_API const char *tessera_client_server(const tessera_client *c, size_t i);

/** URL of the server the next request goes to first (the one that answered last). Valid until close. */
TESSERA_API const char *tessera_client_current_server(tessera_client *c);

/** The id this client sends with each checkout (the option, or the random one). Valid until close. */
TESSERA_API const char *tessera_client_id(const tessera_client *c);

/**
 * Checks out `count` seats of `feature` (POST /v1/leases), asking the servers in failover
 * order: the one that answered last first, then the others as configured. Transport errors,
 * malformed answers and 5xx go on to the next server (except 503 CLOCK_TAMPERED, which is
 * final); NO_SEATS goes on only to servers of another seat pool; any other refusal is final.
 * A seat kept by the release cache for the same feature, count and release date is handed back
 * without a request. The lease heartbeats by itself until released.
 *
 * @param out receives the lease on TESSERA_OK, NULL otherwise.
 * @return TESSERA_OK; a denial (TESSERA_NO_SEATS ... TESSERA_UNAVAILABLE, the message naming
 *   the server, or for UNAVAILABLE each server tried and why); TESSERA_INVALID_ARGUMENT
 *   (NULL, empty feature, count < 1); TESSERA_CLOSED; TESSERA_OUT_OF_MEMORY.
 */
TESSERA_API tessera_status tessera_checkout(tessera_client *c, const char *feature, int count, tessera_lease **out,
                                            tessera_error *err);

/** tessera_checkout() with options (NULL for none); a bad release date is TESSERA_INVALID_ARGUMENT. */
TESSERA_API tessera_status tessera_checkout_ex(tessera_client *c, const char *feature, int count,
                                               const tessera_checkout_options *opts, tessera_lease **out,
                                               tessera_error *err);

/**
 * Gives the lease back and frees the handle: `lease` is invalid once this returns. With
 * LICENSE_CACHE_PERIOD > 0 the seat is kept (still heartbeating) for that many seconds for a
 * later checkout of the same feature, count and release date, then released; otherwise
 * DELETE /v1/leases/{id} is sent now (to a server of the same pool if its own cannot take it).
 * A release the servers cannot take is logged and still TESSERA_OK: the seat lapses with its lease.
 *
 * @return TESSERA_OK; TESSERA_INVALID_ARGUMENT for NULL; TESSERA_CLOSED while the client is
 *   closing (the close releases and frees it).
 */
TESSERA_API tessera_status tessera_lease_release(tessera_lease *lease, tessera_error *err);

/** The lease's id on its server, e.g. "lease_01J..."; changes when the lease is renewed. Valid until released. */
TESSERA_API const char *tessera_lease_id(const tessera_lease *lease);

/** The feature as the server granted it. Valid until released. */
TESSERA_API const char *tessera_lease_feature(const tessera_lease *lease);

/** How many seats the lease holds. */
TESSERA_API int tessera_lease_count(const tessera_lease *lease);

/** Id of the license the seats come from. Valid until released. */
TESSERA_API const char *tessera_lease_license_id(const tessera_lease *lease);

/** Seat pool of the server holding the lease. Valid until released. */
TESSERA_API const char *tessera_lease_pool_id(const tessera_lease *lease);

/** URL of the server holding the lease (changes on a renewal or a move). Valid until released. */
TESSERA_API const char *tessera_lease_server(const tessera_lease *lease);

/** When the lease lapses without another heartbeat: milliseconds since 1970-01-01 UTC, by the server's clock. */
TESSERA_API int64_t tessera_lease_expires_at(const tessera_lease *lease);

/** How often the lease is heartbeated, in seconds (the server's period, never more than half its lease time). */
TESSERA_API double tessera_lease_heartbeat_seconds(const tessera_lease *lease);

/**
 * 1 while the library believes a server holds a seat for this lease; 0 once it is lost (see
 * on_lease_lost) until a renewal succeeds.
 */
TESSERA_API int tessera_lease_held(const tessera_lease *lease);

/** Attaches a pointer of the program's own to the lease (for callbacks); NULL by default. */
TESSERA_API void tessera_lease_set_user_data(tessera_lease *lease, void *user_data);

/** The pointer set by tessera_lease_set_user_data(). */
TESSERA_API void *tessera_lease_user_data(const tessera_lease *lease);

/**
 * The features of the current server (GET /v1/features), failing over like a checkout.
 *
 * @param out receives the list on TESSERA_OK (free it with tessera_feature_list_free()), NULL otherwise.
 * @return TESSERA_OK; the server's refusal mapped like a checkout denial; TESSERA_UNAVAILABLE.
 */
TESSERA_API tessera_status tessera_features(tessera_client *c, tessera_feature_list **out, tessera_error *err);

/** Frees a list returned by tessera_features(); NULL does nothing. */
TESSERA_API void tessera_feature_list_free(tessera_feature_list *list);

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_TESSERA_H */
