"""client_property.conf: the Node SDK's parser cases, with its exact messages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Union

import pytest

from tessera_client import (
    ClientAuth,
    ConfigError,
    LicenseClient,
    ServerAddress,
    load_client_properties,
    parse_client_properties,
    parse_server_address,
)

FILE = "client_property.conf"


def assert_config_error(text: str, message: Union[str, "re.Pattern[str]"]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_client_properties(text, FILE)
    if isinstance(message, str):
        assert str(info.value) == message
    else:
        assert message.search(str(info.value)), str(info.value)
    return info.value


def test_a_valid_file_gives_servers_in_order_cache_period_and_credentials() -> None:
    config = parse_client_properties(
        "\n".join(
            [
                "# Tessera client configuration",
                "; another comment style",
                "",
                "[GLOBAL]",
                "LICENSE_SERVERS = lic1.example.com:7569;10.0.0.2:7000 ; https://cloud.example.com:8600",
                "  LICENSE_CACHE_PERIOD=120  ",
                "",
                "[AUTHENTICATION]",
                "AUTHENTICATION_USERNAME = acct_123",
                "AUTHENTICATION_PASSWORD = s3cr;et#with=signs",
            ]
        ),
        FILE,
    )
    assert [s.url for s in config.servers] == [
        "http://lic1.example.com:7569",
        "http://10.0.0.2:7000",
        "https://cloud.example.com:8600",
    ]
    assert config.servers[2].secure
    assert config.cache_seconds == 120
    assert config.auth == ClientAuth(username="acct_123", password="s3cr;et#with=signs")


def test_an_empty_file_gives_the_defaults() -> None:
    config = parse_client_properties("", FILE)
    assert config.servers == (ServerAddress(host="127.0.0.1", port=7569, secure=False, url="http://127.0.0.1:7569"),)
    assert config.cache_seconds == 30
    assert config.auth is None
    assert config.warnings == ()


def test_section_and_key_names_match_case_insensitively_crlf_and_bom_are_fine() -> None:
    config = parse_client_properties("\ufeff[global]\r\nlicense_servers = a:1\r\nLicense_Cache_Period = 0\r\n", FILE)
    assert config.servers[0].url == "http://a:1"
    assert config.cache_seconds == 0


def test_a_lone_cr_ends_a_line_too() -> None:
    config = parse_client_properties("[GLOBAL]\rLICENSE_CACHE_PERIOD = 7\r", FILE)
    assert config.cache_seconds == 7


def test_servers_accept_bare_hosts_urls_and_bracketed_ipv6_with_the_expected_default_ports() -> None:
    config = parse_client_properties(
        "[GLOBAL]\nLICENSE_SERVERS = lichost;http://h1;https://h2/;[::1]:9000;http://[fe80::1]:81\n", FILE
    )
    assert [s.url for s in config.servers] == [
        "http://lichost:7569",
        "http://h1:80",
        "https://h2:443",
        "http://[::1]:9000",
        "http://[fe80::1]:81",
    ]
    assert config.servers[3].host == "::1"


def test_a_server_listed_twice_is_kept_once_with_a_warning() -> None:
    config = parse_client_properties("[GLOBAL]\nLICENSE_SERVERS = a:1;http://a:1;b:2\n", FILE)
    assert [s.url for s in config.servers] == ["http://a:1", "http://b:2"]
    assert config.warnings == (f"{FILE}:2: LICENSE_SERVERS lists http://a:1 more than once; later copies ignored",)


class TestWarnings:
    def test_an_unknown_key_is_a_warning_naming_file_line_and_the_key_as_written(self) -> None:
        config = parse_client_properties("[GLOBAL]\nLicense_Timeout = 5\n", FILE)
        assert config.warnings == (f"{FILE}:2: unknown key License_Timeout in [GLOBAL]; ignored",)

    def test_a_known_key_in_the_wrong_section_is_a_warning_that_says_where_it_belongs(self) -> None:
        config = parse_client_properties("[GLOBAL]\nAUTHENTICATION_USERNAME = x\n", FILE)
        assert config.auth is None
        assert config.warnings == (
            f"{FILE}:2: unknown key AUTHENTICATION_USERNAME in [GLOBAL]; ignored (it belongs in [AUTHENTICATION])",
        )

    def test_an_unknown_section_is_one_warning_and_its_keys_are_ignored(self) -> None:
        config = parse_client_properties("[Proxy]\nHOST = x\nPORT = 1\n[GLOBAL]\nLICENSE_CACHE_PERIOD = 5\n", FILE)
        assert config.warnings == (f"{FILE}:1: unknown section [Proxy]; its keys are ignored",)
        assert config.cache_seconds == 5

    def test_credentials_with_a_plain_http_server_off_this_machine_are_a_warning(self) -> None:
        config = parse_client_properties(
            "[GLOBAL]\nLICENSE_SERVERS = localhost:7569;lic.example.com:7569;https://cloud.example.com\n"
            "[AUTHENTICATION]\nAUTHENTICATION_USERNAME = u\nAUTHENTICATION_PASSWORD = p\n",
            FILE,
        )
        assert config.warnings == (
            f"{FILE}:2: credentials will be sent unencrypted to http://lic.example.com:7569; "
            "use https:// for servers off this machine",
        )

    def test_credentials_with_the_default_server_give_no_warning(self) -> None:
        config = parse_client_properties(
            "[AUTHENTICATION]\nAUTHENTICATION_USERNAME = u\nAUTHENTICATION_PASSWORD = p\n", FILE
        )
        assert config.warnings == ()


class TestMalformedLinesAreErrorsNamingFileAndLine:
    def test_a_line_without_equals_is_an_error(self) -> None:
        err = assert_config_error(
            "[GLOBAL]\n\nLICENSE_SERVERS lic1:7569\n",
            f'{FILE}:3: expected KEY = VALUE, got "LICENSE_SERVERS lic1:7569"'
        )
        assert (err.file_name, err.line) == (FILE, 3)

    def test_a_key_outside_any_section_is_an_error(self) -> None:
        assert_config_error(
            "# comment\nLICENSE_SERVERS = a:1\n",
            f"{FILE}:2: LICENSE_SERVERS is outside any [SECTION]; put it under [GLOBAL] or [AUTHENTICATION]",
        )

    def test_an_unterminated_section_header_is_an_error(self) -> None:
        assert_config_error(
            "[GLOBAL\nLICENSE_SERVERS = a:1\n", f'{FILE}:1: unterminated section header "[GLOBAL" (expected [NAME])'
        )

    def test_an_empty_section_name_is_an_error(self) -> None:
        assert_config_error("[ ]\n", f'{FILE}:1: empty section name "[]"')

    def test_a_missing_key_is_an_error(self) -> None:
        assert_config_error("[GLOBAL]\n = 5\n", f'{FILE}:2: missing key before "=" in "= 5"')

    def test_a_duplicate_key_is_an_error_even_in_another_case_or_a_repeated_section(self) -> None:
        assert_config_error(
            "[GLOBAL]\nLICENSE_CACHE_PERIOD = 5\n[AUTHENTICATION]\n[global]\nlicense_cache_period = 6\n",
            f"{FILE}:5: duplicate key license_cache_period (first set on line 2)",
        )

    def test_a_bad_cache_period_is_an_error_quoting_the_value(self) -> None:
        assert_config_error(
            "[GLOBAL]\nLICENSE_SERVERS = a:1\n\n\n\n\nLICENSE_CACHE_PERIOD = abc\n",
            f'{FILE}:7: LICENSE_CACHE_PERIOD must be an integer 0..3600, got "abc"',
        )

    def test_a_bad_port_is_an_error_naming_the_entry(self) -> None:
        assert_config_error(
            "[GLOBAL]\nLICENSE_SERVERS = a:1;b:65536\n",
            f'{FILE}:2: LICENSE_SERVERS entry "b:65536": port must be 1..65535, got "65536"',
        )
        assert_config_error(
            "[GLOBAL]\nLICENSE_SERVERS = b:0\n", re.compile(r':2: LICENSE_SERVERS entry "b:0": port must be 1\.\.65535')
        )
        assert_config_error(
            "[GLOBAL]\nLICENSE_SERVERS = b:http\n", re.compile(r':2: LICENSE_SERVERS entry "b:http": port must be')
        )

    def test_non_ascii_digits_are_not_a_port(self) -> None:
        # Python's \d would take these; the rules (and the Node SDK) take ASCII digits only.
        assert_config_error("[GLOBAL]\nLICENSE_SERVERS = b:\u0667\u0665\n", re.compile(r"port must be 1\.\.65535"))
        assert_config_error(
            "[GLOBAL]\nLICENSE_CACHE_PERIOD = \u0663\u0660\n", re.compile(r"LICENSE_CACHE_PERIOD must be an integer")
        )

    def test_a_bad_host_is_an_error_naming_the_entry(self) -> None:
        assert_config_error(
            "[GLOBAL]\nLICENSE_SERVERS = bad_host!:7569\n",
            f'{FILE}:2: LICENSE_SERVERS entry "bad_host!:7569": invalid host "bad_host!"',
        )
        assert_config_error("[GLOBAL]\nLICENSE_SERVERS = ftp://a:1\n", re.compile(r'unsupported scheme "ftp://"'))
        assert_config_error(
            "[GLOBAL]\nLICENSE_SERVERS = http://a:1/tessera\n", re.compile(r"must be just scheme://host:port")
        )
        assert_config_error(
            "[GLOBAL]\nLICENSE_SERVERS = ::1:7569\n", re.compile(r"IPv6 address must be written in brackets")
        )
        assert_config_error("[GLOBAL]\nLICENSE_SERVERS = user@a:1\n", re.compile(r"expected host:port, http://host"))
        assert_config_error(
            "[GLOBAL]\nLICENSE_SERVERS = [::1\n", re.compile(r'unterminated IPv6 address \(missing "]"\)')
        )
        assert_config_error("[GLOBAL]\nLICENSE_SERVERS = [zz::1]:1\n", re.compile(r'invalid IPv6 address "zz::1"'))

    def test_an_empty_server_list_is_an_error(self) -> None:
        assert_config_error(
            "[GLOBAL]\nLICENSE_SERVERS = ;\n",
            f"{FILE}:2: LICENSE_SERVERS must list at least one server (host:port;host2:port)",
        )


@pytest.mark.parametrize("ok", ["0", "1", "30", "3600", "0012"])
def test_cache_period_is_accepted(ok: str) -> None:
    assert parse_client_properties(f"[GLOBAL]\nLICENSE_CACHE_PERIOD = {ok}\n", FILE).cache_seconds == int(ok)


@pytest.mark.parametrize("bad", ["3601", "-1", "1.5", "", "30s", "1e3", "99999", "+5", "1_0"])
def test_cache_period_is_refused(bad: str) -> None:
    assert_config_error(
        f"[GLOBAL]\nLICENSE_CACHE_PERIOD = {bad}\n",
        f'{FILE}:2: LICENSE_CACHE_PERIOD must be an integer 0..3600, got "{bad}"',
    )


class TestAuthenticationIsBothKeysOrNeither:
    def test_a_username_without_a_password_is_an_error_at_the_username_line(self) -> None:
        assert_config_error(
            "[AUTHENTICATION]\nAUTHENTICATION_USERNAME = u\n",
            f"{FILE}:2: AUTHENTICATION_USERNAME is set but AUTHENTICATION_PASSWORD is not (set both or neither)",
        )

    def test_a_password_without_a_username_is_an_error_at_the_password_line(self) -> None:
        assert_config_error(
            "[AUTHENTICATION]\n\nauthentication_password = p\n",
            f"{FILE}:3: authentication_password is set but AUTHENTICATION_USERNAME is not (set both or neither)",
        )

    def test_an_empty_credential_is_an_error(self) -> None:
        assert_config_error(
            "[AUTHENTICATION]\nAUTHENTICATION_USERNAME =\nAUTHENTICATION_PASSWORD = p\n",
            f"{FILE}:2: AUTHENTICATION_USERNAME must not be empty",
        )

    def test_neither_key_means_no_auth(self) -> None:
        assert parse_client_properties("[AUTHENTICATION]\n", FILE).auth is None

    def test_the_password_is_not_in_the_repr(self) -> None:
        auth = ClientAuth(username="u", password="hunter2")
        assert "hunter2" not in repr(auth)


def test_values_are_trimmed_as_javascript_trims_them() -> None:
    # U+00A0 and U+FEFF are whitespace to JavaScript's trim(); U+0085 is not.
    config = parse_client_properties(
        "[AUTHENTICATION]\nAUTHENTICATION_USERNAME =\u00a0u\ufeff\nAUTHENTICATION_PASSWORD = p\u0085\n", FILE
    )
    assert config.auth == ClientAuth(username="u", password="p\u0085")


def test_parse_server_address_raises_value_error_for_a_bad_entry_and_parses_a_good_one() -> None:
    assert parse_server_address("https://cloud.example.com:8600") == ServerAddress(
        host="cloud.example.com", port=8600, secure=True, url="https://cloud.example.com:8600"
    )
    with pytest.raises(ValueError, match="a:b:c"):
        parse_server_address("a:b:c")


class TestLoadClientProperties:
    def test_reads_and_parses_the_file_given_as_a_string_or_a_path(self, tmp_path: Path) -> None:
        path = tmp_path / "client_property.conf"
        path.write_text("[GLOBAL]\nLICENSE_SERVERS = a:1\nLICENSE_CACHE_PERIOD = 0\n")
        config = load_client_properties(str(path))
        assert config.servers[0].url == "http://a:1"
        assert config.cache_seconds == 0
        assert load_client_properties(path) == config

    def test_errors_name_the_file_by_the_path_it_was_read_from(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.conf"
        path.write_text("[GLOBAL]\nLICENSE_CACHE_PERIOD = abc\n")
        with pytest.raises(ConfigError) as info:
            load_client_properties(str(path))
        assert str(info.value) == f'{path}:2: LICENSE_CACHE_PERIOD must be an integer 0..3600, got "abc"'
        assert info.value.line == 2

    def test_a_missing_file_is_a_config_error_that_says_so(self, tmp_path: Path) -> None:
        path = str(tmp_path / "nope.conf")
        with pytest.raises(ConfigError) as info:
            load_client_properties(path)
        assert str(info.value) == f"{path}: cannot read: no such file"
        assert info.value.line is None
        assert isinstance(info.value.__cause__, FileNotFoundError)

    def test_a_path_that_is_a_directory_is_a_config_error_that_says_so(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError) as info:
            load_client_properties(str(tmp_path))
        assert str(info.value) == f"{tmp_path}: cannot read: is a directory"

    def test_a_file_that_is_not_utf8_is_an_error_naming_the_line(self, tmp_path: Path) -> None:
        path = tmp_path / "latin1.conf"
        path.write_bytes(b"[AUTHENTICATION]\nAUTHENTICATION_USERNAME = u\nAUTHENTICATION_PASSWORD = p\xe4ss\n")
        with pytest.raises(ConfigError) as info:
            load_client_properties(str(path))
        assert str(info.value) == f"{path}:3: not UTF-8 text (byte 0xe4)"

    def test_from_file_keeps_and_logs_the_warnings_and_uses_the_configured_servers(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        path = tmp_path / "warn.conf"
        path.write_text("[GLOBAL]\nLICENSE_SERVERS = a:1\nCOLOR = blue\n")
        with caplog.at_level("WARNING", logger="tessera_client"):
            with LicenseClient.from_file(str(path)) as client:
                assert client.warnings == (f"{path}:3: unknown key COLOR in [GLOBAL]; ignored",)
                assert client.current_server == "http://a:1"
        assert [r.getMessage() for r in caplog.records] == [f"{path}:3: unknown key COLOR in [GLOBAL]; ignored"]
