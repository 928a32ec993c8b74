/* client_property.conf: the cases of the Node SDK's parser tests, with the same messages. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "tessera/tessera.h"

#define FILE_NAME "client_property.conf"

static tsr_config parse_ok(const char *text) {
  tsr_config c;
  tessera_error err;
  tessera_status s = tsr_config_parse(text, strlen(text), FILE_NAME, &c, &err);
  if (s != TESSERA_OK) CHECK_FAIL("expected a valid file, got %s: %s", tessera_status_name(s), err.message);
  return c;
}

/** Parses `text`, expecting a CONFIG_ERROR; returns its message (static buffer) and line. */
static const char *parse_error(const char *text, int *line) {
  static tessera_error err;
  tsr_config c;
  tessera_status s = tsr_config_parse(text, strlen(text), FILE_NAME, &c, &err);
  if (s != TESSERA_CONFIG_ERROR) CHECK_FAIL("expected CONFIG_ERROR, got %s", tessera_status_name(s));
  CHECK(c.servers == NULL && c.warnings == NULL);
  if (line) *line = err.line;
  return err.message;
}

TEST(valid_file_gives_servers_in_order_cache_period_and_credentials) {
  tsr_config c = parse_ok(
      "# Tessera client configuration\n"
      "; another comment style\n"
      "\n"
      "[GLOBAL]\n"
      "LICENSE_SERVERS = lic1.example.com:7569;10.0.0.2:7000 ; https://cloud.example.com:8600\n"
      "  LICENSE_CACHE_PERIOD=120  \n"
      "\n"
      "[AUTHENTICATION]\n"
      "AUTHENTICATION_USERNAME = acct_123\n"
      "AUTHENTICATION_PASSWORD = s3cr;et#with=signs");
  CHECK_INT(c.server_count, 3);
  CHECK_STR(c.servers[0].url, "http://lic1.example.com:7569");
  CHECK_STR(c.servers[1].url, "http://10.0.0.2:7000");
  CHECK_STR(c.servers[2].url, "https://cloud.example.com:8600");
  CHECK_INT(c.servers[2].secure, 1);
  CHECK_INT(c.cache_seconds, 120);
  CHECK_STR(c.username, "acct_123");
  CHECK_STR(c.password, "s3cr;et#with=signs");
  CHECK_INT(c.warning_count, 2); /* credentials bound for the two plain-http servers off this machine */
  CHECK_CONTAINS(c.warnings[0], ":5: credentials will be sent unencrypted to http://lic1.example.com:7569");
  tsr_config_free(&c);
}

TEST(empty_file_gives_the_defaults) {
  tsr_config c = parse_ok("");
  CHECK_INT(c.server_count, 1);
  CHECK_STR(c.servers[0].host, "127.0.0.1");
  CHECK_INT(c.servers[0].port, 7569);
  CHECK_INT(c.servers[0].secure, 0);
  CHECK_STR(c.servers[0].url, "http://127.0.0.1:7569");
  CHECK_INT(c.cache_seconds, 30);
  CHECK(c.username == NULL && c.password == NULL);
  CHECK_INT(c.warning_count, 0);
  tsr_config_free(&c);
}

TEST(names_match_case_insensitively_and_crlf_and_bom_are_fine) {
  tsr_config c = parse_ok("\xEF\xBB\xBF[global]\r\nlicense_servers = a:1\r\nLicense_Cache_Period = 0\r\n");
  CHECK_STR(c.servers[0].url, "http://a:1");
  CHECK_INT(c.cache_seconds, 0);
  tsr_config_free(&c);
  c = parse_ok("[GLOBAL]\rLICENSE_CACHE_PERIOD = 7\r");
  CHECK_INT(c.cache_seconds, 7);
  tsr_config_free(&c);
}

TEST(servers_accept_bare_hosts_urls_and_bracketed_ipv6) {
  tsr_config c = parse_ok("[GLOBAL]\nLICENSE_SERVERS = lichost;http://h1;https://h2/;[::1]:9000;http://[fe80::1]:81\n");
  const char *want[] = {"http://lichost:7569", "http://h1:80", "https://h2:443", "http://[::1]:9000",
                        "http://[fe80::1]:81"};
  CHECK_INT(c.server_count, 5);
  for (int i = 0; i < 5; i++) CHECK_STR(c.servers[i].url, want[i]);
  CHECK_STR(c.servers[3].host, "::1");
  tsr_config_free(&c);
}

TEST(a_server_listed_twice_is_kept_once_with_a_warning) {
  tsr_config c = parse_ok("[GLOBAL]\nLICENSE_SERVERS = a:1;http://a:1;b:2\n");
  CHECK_INT(c.server_count, 2);
  CHECK_STR(c.servers[1].url, "http://b:2");
  CHECK_INT(c.warning_count, 1);
  CHECK_STR(c.warnings[0], FILE_NAME ":2: LICENSE_SERVERS lists http://a:1 more than once; later copies ignored");
  tsr_config_free(&c);
}

TEST(unknown_key_is_a_warning_naming_file_line_and_key) {
  tsr_config c = parse_ok("[GLOBAL]\nLicense_Timeout = 5\n");
  CHECK_INT(c.warning_count, 1);
  CHECK_STR(c.warnings[0], FILE_NAME ":2: unknown key License_Timeout in [GLOBAL]; ignored");
  tsr_config_free(&c);
}

TEST(known_key_in_the_wrong_section_says_where_it_belongs) {
  tsr_config c = parse_ok("[GLOBAL]\nAUTHENTICATION_USERNAME = x\n");
  CHECK(c.username == NULL);
  CHECK_STR(c.warnings[0],
            FILE_NAME ":2: unknown key AUTHENTICATION_USERNAME in [GLOBAL]; ignored (it belongs in [AUTHENTICATION])");
  tsr_config_free(&c);
}

TEST(unknown_section_is_one_warning_and_its_keys_are_ignored) {
  tsr_config c = parse_ok("[Proxy]\nHOST = x\nPORT = 1\n[GLOBAL]\nLICENSE_CACHE_PERIOD = 5\n");
  CHECK_INT(c.warning_count, 1);
  CHECK_STR(c.warnings[0], FILE_NAME ":1: unknown section [Proxy]; its keys are ignored");
  CHECK_INT(c.cache_seconds, 5);
  tsr_config_free(&c);
}

TEST(credentials_with_a_plain_http_server_off_this_machine_are_a_warning) {
  tsr_config c = parse_ok(
      "[GLOBAL]\nLICENSE_SERVERS = localhost:7569;lic.example.com:7569;https://cloud.example.com\n"
      "[AUTHENTICATION]\nAUTHENTICATION_USERNAME = u\nAUTHENTICATION_PASSWORD = p\n");
  CHECK_INT(c.warning_count, 1);
  CHECK_STR(c.warnings[0], FILE_NAME ":2: credentials will be sent unencrypted to http://lic.example.com:7569; use "
                                     "https:// for servers off this machine");
  tsr_config_free(&c);
}

TEST(line_without_equals_is_an_error) {
  int line;
  CHECK_STR(parse_error("[GLOBAL]\n\nLICENSE_SERVERS lic1:7569\n", &line),
            FILE_NAME ":3: expected KEY = VALUE, got \"LICENSE_SERVERS lic1:7569\"");
  CHECK_INT(line, 3);
}

TEST(key_outside_any_section_is_an_error) {
  CHECK_STR(parse_error("# comment\nLICENSE_SERVERS = a:1\n", NULL),
            FILE_NAME ":2: LICENSE_SERVERS is outside any [SECTION]; put it under [GLOBAL] or [AUTHENTICATION]");
}

TEST(unterminated_section_header_is_an_error) {
  CHECK_STR(parse_error("[GLOBAL\nLICENSE_SERVERS = a:1\n", NULL),
            FILE_NAME ":1: unterminated section header \"[GLOBAL\" (expected [NAME])");
}

TEST(empty_section_name_is_an_error) { CHECK_STR(parse_error("[ ]\n", NULL), FILE_NAME ":1: empty section name \"[]\""); }

TEST(missing_key_is_an_error) {
  CHECK_STR(parse_error("[GLOBAL]\n = 5\n", NULL), FILE_NAME ":2: missing key before \"=\" in \"= 5\"");
}

TEST(duplicate_key_is_an_error_even_in_another_case_or_a_repeated_section) {
  int line;
  CHECK_STR(parse_error("[GLOBAL]\nLICENSE_CACHE_PERIOD = 5\n[AUTHENTICATION]\n[global]\nlicense_cache_period = 6\n",
                        &line),
            FILE_NAME ":5: duplicate key license_cache_period (first set on line 2)");
  CHECK_INT(line, 5);
}

TEST(bad_cache_period_is_an_error_quoting_the_value) {
  CHECK_STR(parse_error("[GLOBAL]\nLICENSE_SERVERS = a:1\n\n\n\n\nLICENSE_CACHE_PERIOD = abc\n", NULL),
            FILE_NAME ":7: LICENSE_CACHE_PERIOD must be an integer 0..3600, got \"abc\"");
}

TEST(bad_port_is_an_error_naming_the_entry) {
  CHECK_STR(parse_error("[GLOBAL]\nLICENSE_SERVERS = a:1;b:65536\n", NULL),
            FILE_NAME ":2: LICENSE_SERVERS entry \"b:65536\": port must be 1..65535, got \"65536\"");
  CHECK_STR(parse_error("[GLOBAL]\nLICENSE_SERVERS = b:0\n", NULL),
            FILE_NAME ":2: LICENSE_SERVERS entry \"b:0\": port must be 1..65535, got \"0\"");
  CHECK_STR(parse_error("[GLOBAL]\nLICENSE_SERVERS = b:http\n", NULL),
            FILE_NAME ":2: LICENSE_SERVERS entry \"b:http\": port must be 1..65535, got \"http\"");
}

TEST(bad_host_is_an_error_naming_the_entry) {
  CHECK_STR(parse_error("[GLOBAL]\nLICENSE_SERVERS = bad_host!:7569\n", NULL),
            FILE_NAME ":2: LICENSE_SERVERS entry \"bad_host!:7569\": invalid host \"bad_host!\"");
  CHECK_CONTAINS(parse_error("[GLOBAL]\nLICENSE_SERVERS = ftp://a:1\n", NULL), "unsupported scheme \"ftp://\"");
  CHECK_CONTAINS(parse_error("[GLOBAL]\nLICENSE_SERVERS = http://a:1/tessera\n", NULL),
                 "must be just scheme://host:port");
  CHECK_CONTAINS(parse_error("[GLOBAL]\nLICENSE_SERVERS = ::1:7569\n", NULL),
                 "IPv6 address must be written in brackets");
  CHECK_CONTAINS(parse_error("[GLOBAL]\nLICENSE_SERVERS = a..b:1\n", NULL), "invalid host \"a..b\"");
  CHECK_CONTAINS(parse_error("[GLOBAL]\nLICENSE_SERVERS = [::1\n", NULL), "unterminated IPv6 address");
  CHECK_CONTAINS(parse_error("[GLOBAL]\nLICENSE_SERVERS = [zz::1]:1\n", NULL), "invalid IPv6 address \"zz::1\"");
  CHECK_CONTAINS(parse_error("[GLOBAL]\nLICENSE_SERVERS = user@host:1\n", NULL),
                 "expected host:port, http://host:port or https://host:port");
}

TEST(empty_server_list_is_an_error) {
  CHECK_STR(parse_error("[GLOBAL]\nLICENSE_SERVERS = ;\n", NULL),
            FILE_NAME ":2: LICENSE_SERVERS must list at least one server (host:port;host2:port)");
}

TEST(cache_period_bounds) {
  const char *ok[] = {"0", "1", "30", "3600"};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    char text[64];
    snprintf(text, sizeof text, "[GLOBAL]\nLICENSE_CACHE_PERIOD = %s\n", ok[i]);
    tsr_config c = parse_ok(text);
    CHECK_INT(c.cache_seconds, atoi(ok[i]));
    tsr_config_free(&c);
  }
  const char *bad[] = {"3601", "-1", "1.5", "", "30s", "1e3", "99999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char text[64], want[128];
    snprintf(text, sizeof text, "[GLOBAL]\nLICENSE_CACHE_PERIOD = %s\n", bad[i]);
    snprintf(want, sizeof want, FILE_NAME ":2: LICENSE_CACHE_PERIOD must be an integer 0..3600, got \"%s\"", bad[i]);
    CHECK_STR(parse_error(text, NULL), want);
  }
}

TEST(username_without_password_is_an_error_at_the_username_line) {
  CHECK_STR(parse_error("[AUTHENTICATION]\nAUTHENTICATION_USERNAME = u\n", NULL),
            FILE_NAME ":2: AUTHENTICATION_USERNAME is set but AUTHENTICATION_PASSWORD is not (set both or neither)");
}

TEST(password_without_username_is_an_error_at_the_password_line) {
  CHECK_STR(parse_error("[AUTHENTICATION]\n\nauthentication_password = p\n", NULL),
            FILE_NAME ":3: authentication_password is set but AUTHENTICATION_USERNAME is not (set both or neither)");
}

TEST(empty_credential_is_an_error) {
  CHECK_STR(parse_error("[AUTHENTICATION]\nAUTHENTICATION_USERNAME =\nAUTHENTICATION_PASSWORD = p\n", NULL),
            FILE_NAME ":2: AUTHENTICATION_USERNAME must not be empty");
}

TEST(neither_credential_means_no_auth) {
  tsr_config c = parse_ok("[AUTHENTICATION]\n");
  CHECK(c.username == NULL);
  tsr_config_free(&c);
}

TEST(server_address_parses_a_good_entry_and_refuses_a_bad_one) {
  tsr_server s;
  char why[256];
  const char *e = "https://cloud.example.com:8600";
  CHECK(tsr_parse_server(e, strlen(e), &s, why, sizeof why) == NULL);
  CHECK_STR(s.host, "cloud.example.com");
  CHECK_INT(s.port, 8600);
  CHECK_INT(s.secure, 1);
  CHECK_STR(s.url, "https://cloud.example.com:8600");
  tsr_server_free(&s);
  CHECK_STR(tsr_parse_server("a:b:c", 5, &s, why, sizeof why),
            "an IPv6 address must be written in brackets, e.g. [::1]:7569");
}

TEST(loading_names_the_file_by_its_path_and_says_when_it_cannot_be_read) {
  char dir[] = "/tmp/tessera-c-config-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[128];
  snprintf(path, sizeof path, "%s/bad.conf", dir);
  FILE *f = fopen(path, "w");
  fputs("[GLOBAL]\nLICENSE_CACHE_PERIOD = abc\n", f);
  fclose(f);
  tsr_config c;
  tessera_error err;
  CHECK_INT(tsr_config_load(path, &c, &err), TESSERA_CONFIG_ERROR);
  char want[256];
  snprintf(want, sizeof want, "%s:2: LICENSE_CACHE_PERIOD must be an integer 0..3600, got \"abc\"", path);
  CHECK_STR(err.message, want);
  CHECK_INT(err.line, 2);
  unlink(path);

  snprintf(path, sizeof path, "%s/nope.conf", dir);
  CHECK_INT(tsr_config_load(path, &c, &err), TESSERA_CONFIG_ERROR);
  snprintf(want, sizeof want, "%s: cannot read: no such file", path);
  CHECK_STR(err.message, want);
  CHECK_INT(err.line, 0);
  CHECK_INT(tsr_config_load(dir, &c, &err), TESSERA_CONFIG_ERROR); /* a directory */
  CHECK_CONTAINS(err.message, ": cannot read: ");
  rmdir(dir);
}
