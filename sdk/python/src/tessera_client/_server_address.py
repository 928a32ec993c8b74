"""License server addresses as written in ``LICENSE_SERVERS``.

Accepted forms: ``host:port``, ``host``, ``[v6]:port``, ``http://host:port`` and ``https://host:port``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from ._text import js_trim

#: The License Server's client API port; used when a bare ``host`` has no port.
DEFAULT_PORT = 7569

_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?")
_IPV6_RE = re.compile(r"[0-9A-Fa-f:.]+")
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_PORT_RE = re.compile(r"[0-9]{1,5}")
_LOOPBACK_V4_RE = re.compile(r"127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}")
_URL_PARTS_RE = re.compile(r"[/?#@]")


@dataclass(frozen=True)
class ServerAddress:
    """One license server the SDK may talk to."""

    #: Host name or IP address, without IPv6 brackets.
    host: str
    port: int
    #: True for ``https://`` entries.
    secure: bool
    #: Base URL without a trailing slash, e.g. ``http://127.0.0.1:7569``; also how results name the server.
    url: str

    @property
    def is_loopback(self) -> bool:
        """True when traffic to this server never leaves the machine, so plain HTTP exposes nothing."""
        h = self.host.lower()
        return h in ("localhost", "::1") or _LOOPBACK_V4_RE.fullmatch(h) is not None


def _is_host_name(host: str) -> bool:
    """True for a DNS name or IPv4 address (checked label by label, as DNS does)."""
    if len(host) == 0 or len(host) > 253:
        return False
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    return all(_LABEL_RE.fullmatch(label) is not None for label in labels)


def try_parse_server_address(entry: str) -> Union[ServerAddress, str]:
    """Parses one server entry: the address, or a sentence saying what is wrong.

    The config parser prefixes the sentence with file and line; :func:`parse_server_address` raises it.
    """
    text = js_trim(entry)
    if text == "":
        return "empty server address"
    secure = False
    default_port = DEFAULT_PORT
    rest = text
    scheme = _SCHEME_RE.match(text)
    if scheme:
        name = scheme.group(1).lower()
        if name not in ("http", "https"):
            return f'unsupported scheme "{scheme.group(1)}://" (use http:// or https://)'
        secure = name == "https"
        # A URL means what URLs mean: without a port, http is 80 and https is 443.
        default_port = 443 if secure else 80
        rest = text[scheme.end() :]
        if rest.endswith("/"):
            rest = rest[:-1]
        # Paths, queries and user info are refused rather than guessed at: the SDK appends /v1/... to the origin.
        if _URL_PARTS_RE.search(rest):
            return "a server URL must be just scheme://host:port"
    elif _URL_PARTS_RE.search(rest):
        return "expected host:port, http://host:port or https://host:port"

    port_text: Union[str, None]
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            return 'unterminated IPv6 address (missing "]")'
        host = rest[1:close]
        after = rest[close + 1 :]
        if after != "" and not after.startswith(":"):
            return f'unexpected "{after}" after IPv6 address'
        port_text = None if after == "" else after[1:]
        if ":" not in host or _IPV6_RE.fullmatch(host) is None:
            return f'invalid IPv6 address "{host}"'
    else:
        colon = rest.rfind(":")
        if colon >= 0 and rest.find(":") != colon:
            return "an IPv6 address must be written in brackets, e.g. [::1]:7569"
        host = rest[:colon] if colon >= 0 else rest
        port_text = rest[colon + 1 :] if colon >= 0 else None
        if not _is_host_name(host):
            return f'invalid host "{host}"'

    port = default_port
    if port_text is not None:
        if _PORT_RE.fullmatch(port_text) is None:
            return f'port must be 1..65535, got "{port_text}"'
        port = int(port_text)
        if port < 1 or port > 65535:
            return f'port must be 1..65535, got "{port_text}"'
    url_host = f"[{host}]" if ":" in host else host
    url = f"{'https' if secure else 'http'}://{url_host}:{port}"
    return ServerAddress(host=host, port=port, secure=secure, url=url)


def parse_server_address(entry: str) -> ServerAddress:
    """Parses one server address, for configuring a client in code.

    :raises ValueError: when the entry is malformed.

    >>> parse_server_address("licenses.example.com:7569").url
    'http://licenses.example.com:7569'
    """
    r = try_parse_server_address(entry)
    if isinstance(r, str):
        raise ValueError(f'server address "{entry}": {r}')
    return r
