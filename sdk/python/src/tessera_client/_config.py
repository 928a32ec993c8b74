"""``client_property.conf``: INI-style ``KEY = VALUE`` lines under ``[SECTION]`` headers.

The rules, warnings and messages are the Node SDK's, word for word, so that one file means the
same thing to every Tessera SDK.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

from ._server_address import DEFAULT_PORT, ServerAddress, try_parse_server_address
from ._text import js_trim

DEFAULT_SERVERS = f"127.0.0.1:{DEFAULT_PORT}"
DEFAULT_CACHE_SECONDS = 30
MAX_CACHE_SECONDS = 3600

# The keys we know, by upper-case section then upper-case key.
_KNOWN: Dict[str, Tuple[str, ...]] = {
    "GLOBAL": ("LICENSE_SERVERS", "LICENSE_CACHE_PERIOD"),
    "AUTHENTICATION": ("AUTHENTICATION_USERNAME", "AUTHENTICATION_PASSWORD"),
}
_LINE_BREAK_RE = re.compile(r"\r\n|\n|\r")
_CACHE_PERIOD_RE = re.compile(r"[0-9]{1,4}")


class ConfigError(Exception):
    """A malformed or unreadable ``client_property.conf``; the message starts with ``FILE:LINE:``."""

    def __init__(self, file_name: str, line: Optional[int], detail: str) -> None:
        super().__init__(f"{file_name}: {detail}" if line is None else f"{file_name}:{line}: {detail}")
        self.file_name = file_name
        #: 1-based line number, or None when the problem is with the file as a whole.
        self.line = line
        self.detail = detail


@dataclass(frozen=True)
class ClientAuth:
    """Credentials sent as HTTP Basic auth (a Cloud subscription account's id and secret)."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class ClientConfig:
    """What a ``client_property.conf`` says, with defaults filled in."""

    #: Servers in failover order; never empty.
    servers: Tuple[ServerAddress, ...]
    #: ``LICENSE_CACHE_PERIOD``: seconds a released seat is kept for reuse; 0 disables the cache.
    #: In code it may be fractional (the file takes whole seconds).
    cache_seconds: float = DEFAULT_CACHE_SECONDS
    auth: Optional[ClientAuth] = None
    #: Unknown sections and keys and other doubtful lines, each ``FILE:LINE: ...``; never printed by the parser.
    warnings: Tuple[str, ...] = ()


@dataclass(frozen=True)
class _Setting:
    key: str  # as written, for messages
    value: str
    line: int


def parse_client_properties(text: str, file_name: str) -> ClientConfig:
    """Parses the text of a ``client_property.conf``.

    Rules: ``#`` and ``;`` start comment lines (only whole lines, so a password may contain them);
    blank lines are fine; section and key names match case-insensitively and are reported as
    written; values are trimmed and otherwise literal (no quotes, no escapes). Unknown sections
    and keys become warnings; anything malformed raises.

    :param text: the file's content
    :param file_name: how messages name the file (usually the path it was read from)
    :raises ConfigError: naming ``file_name:line`` for a line without ``=``, a key outside any section,
        an unterminated or empty section header, a duplicate key, a bad value, or only one of the
        two authentication keys.

    >>> config = parse_client_properties(
    ...     "[GLOBAL]\\nLICENSE_SERVERS = lic1:7569;lic2:7569\\nLICENSE_CACHE_PERIOD = 60\\n",
    ...     "client_property.conf",
    ... )
    >>> [s.url for s in config.servers], config.cache_seconds
    (['http://lic1:7569', 'http://lic2:7569'], 60)
    """
    warnings: List[str] = []
    settings: Dict[str, _Setting] = {}  # 'SECTION.KEY' -> setting
    section_name: Optional[str] = None
    section_known = False

    if text.startswith("\ufeff"):
        text = text[1:]
    for index, raw in enumerate(_LINE_BREAK_RE.split(text)):
        line_no = index + 1
        line = js_trim(raw)
        if line == "" or line.startswith("#") or line.startswith(";"):
            continue

        if line.startswith("["):
            if not line.endswith("]"):
                raise ConfigError(file_name, line_no, f'unterminated section header "{line}" (expected [NAME])')
            name = js_trim(line[1:-1])
            if name == "":
                raise ConfigError(file_name, line_no, 'empty section name "[]"')
            section_known = name.upper() in _KNOWN
            if not section_known:
                warnings.append(f"{file_name}:{line_no}: unknown section [{name}]; its keys are ignored")
            section_name = name
            continue

        eq = raw.find("=")
        if eq < 0:
            raise ConfigError(file_name, line_no, f'expected KEY = VALUE, got "{line}"')
        key = js_trim(raw[:eq])
        value = js_trim(raw[eq + 1 :])
        if key == "":
            raise ConfigError(file_name, line_no, f'missing key before "=" in "{line}"')
        if section_name is None:
            raise ConfigError(
                file_name, line_no, f"{key} is outside any [SECTION]; put it under [GLOBAL] or [AUTHENTICATION]"
            )
        if not section_known:
            continue  # already warned about the section once

        section_id = section_name.upper()
        key_id = key.upper()
        if key_id not in _KNOWN[section_id]:
            home = next((s for s, keys in _KNOWN.items() if key_id in keys), None)
            where = f" (it belongs in [{home}])" if home else ""
            warnings.append(f"{file_name}:{line_no}: unknown key {key} in [{section_name}]; ignored{where}")
            continue
        setting_id = f"{section_id}.{key_id}"
        previous = settings.get(setting_id)
        if previous is not None:
            raise ConfigError(file_name, line_no, f"duplicate key {key} (first set on line {previous.line})")
        settings[setting_id] = _Setting(key=key, value=value, line=line_no)

    servers_setting = settings.get("GLOBAL.LICENSE_SERVERS")
    servers = _parse_servers(servers_setting, file_name, warnings)
    cache_seconds = _parse_cache_period(settings.get("GLOBAL.LICENSE_CACHE_PERIOD"), file_name)
    auth = _parse_auth(
        settings.get("AUTHENTICATION.AUTHENTICATION_USERNAME"),
        settings.get("AUTHENTICATION.AUTHENTICATION_PASSWORD"),
        file_name,
    )

    if auth is not None:
        # Basic auth over plain HTTP is readable by anyone on the path; loopback never leaves the machine.
        where = file_name if servers_setting is None else f"{file_name}:{servers_setting.line}"
        for s in servers:
            if not s.secure and not s.is_loopback:
                warnings.append(
                    f"{where}: credentials will be sent unencrypted to {s.url}; "
                    "use https:// for servers off this machine"
                )

    return ClientConfig(servers=tuple(servers), cache_seconds=cache_seconds, auth=auth, warnings=tuple(warnings))


def _parse_servers(setting: Optional[_Setting], file_name: str, warnings: List[str]) -> List[ServerAddress]:
    if setting is None:
        default = try_parse_server_address(DEFAULT_SERVERS)
        assert isinstance(default, ServerAddress)
        return [default]
    # Empty entries (a trailing ';') are skipped: harmless, and common in hand-edited lists.
    entries = [e for e in (js_trim(part) for part in setting.value.split(";")) if e != ""]
    if not entries:
        raise ConfigError(
            file_name, setting.line, f"{setting.key} must list at least one server (host:port;host2:port)"
        )
    servers: List[ServerAddress] = []
    for entry in entries:
        r = try_parse_server_address(entry)
        if isinstance(r, str):
            raise ConfigError(file_name, setting.line, f'{setting.key} entry "{entry}": {r}')
        if any(s.url == r.url for s in servers):
            warnings.append(
                f"{file_name}:{setting.line}: {setting.key} lists {r.url} more than once; later copies ignored"
            )
            continue
        servers.append(r)
    return servers


def _parse_cache_period(setting: Optional[_Setting], file_name: str) -> int:
    if setting is None:
        return DEFAULT_CACHE_SECONDS
    if _CACHE_PERIOD_RE.fullmatch(setting.value) is None or int(setting.value) > MAX_CACHE_SECONDS:
        raise ConfigError(
            file_name, setting.line, f'{setting.key} must be an integer 0..{MAX_CACHE_SECONDS}, got "{setting.value}"'
        )
    return int(setting.value)


def _parse_auth(user: Optional[_Setting], password: Optional[_Setting], file_name: str) -> Optional[ClientAuth]:
    for s in (user, password):
        if s is not None and s.value == "":
            raise ConfigError(file_name, s.line, f"{s.key} must not be empty")
    if user is not None and password is None:
        raise ConfigError(
            file_name, user.line, f"{user.key} is set but AUTHENTICATION_PASSWORD is not (set both or neither)"
        )
    if password is not None and user is None:
        raise ConfigError(
            file_name, password.line, f"{password.key} is set but AUTHENTICATION_USERNAME is not (set both or neither)"
        )
    if user is None or password is None:
        return None
    return ClientAuth(username=user.value, password=password.value)


def load_client_properties(path: Union[str, "os.PathLike[str]"]) -> ClientConfig:
    """Reads and parses a ``client_property.conf``; messages name the file by ``path`` as given.

    The file must be UTF-8 (a byte-order mark is fine).

    :raises ConfigError: when the file cannot be read or is malformed.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        why = {errno.ENOENT: "no such file", errno.EACCES: "permission denied", errno.EISDIR: "is a directory"}.get(
            err.errno or 0, err.strerror or str(err)
        )
        raise ConfigError(path, None, f"cannot read: {why}") from err
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ConfigError(path, line, f"not UTF-8 text (byte 0x{data[err.start]:02x})") from err
    return parse_client_properties(text, path)
