"""tessera_client: the Tessera client SDK for Python.

Read ``client_property.conf``, check seats out of Tessera license servers with failover, keep
them by heartbeat on one background thread, and give them back (through a release cache).
Standard library only.

Example::

    from tessera_client import LicenseClient

    with LicenseClient.from_file("client_property.conf", app="myapp", version="4.2.0",
                                 release_date="2026-03-01") as client:
        result = client.checkout("asr.engine")
        if not result.ok:
            raise SystemExit(f"no license: {result.code}: {result.message}")
        with result.lease:
            run_engine()
"""

import logging as _logging

from ._client import DEFAULT_REQUEST_TIMEOUT, FeaturesResult, LicenseClient
from ._config import (
    DEFAULT_CACHE_SECONDS,
    DEFAULT_SERVERS,
    MAX_CACHE_SECONDS,
    ClientAuth,
    ClientConfig,
    ConfigError,
    load_client_properties,
    parse_client_properties,
)
from ._lease import Lease, LeaseEvent, LeaseInfo
from ._server_address import DEFAULT_PORT, ServerAddress, parse_server_address
from ._types import (
    CheckoutDenial,
    CheckoutGrant,
    CheckoutResult,
    ClientClosedError,
    DenialCode,
    LeaseLost,
    LeaseRenewed,
    LicenseClientError,
)
from ._version import __version__

# A library logs and never prints: without a handler configured by the application, nothing shows.
_logging.getLogger("tessera_client").addHandler(_logging.NullHandler())

__all__ = [
    "DEFAULT_CACHE_SECONDS",
    "DEFAULT_PORT",
    "DEFAULT_REQUEST_TIMEOUT",
    "DEFAULT_SERVERS",
    "MAX_CACHE_SECONDS",
    "CheckoutDenial",
    "CheckoutGrant",
    "CheckoutResult",
    "ClientAuth",
    "ClientClosedError",
    "ClientConfig",
    "ConfigError",
    "DenialCode",
    "FeaturesResult",
    "Lease",
    "LeaseEvent",
    "LeaseInfo",
    "LeaseLost",
    "LeaseRenewed",
    "LicenseClient",
    "LicenseClientError",
    "ServerAddress",
    "__version__",
    "load_client_properties",
    "parse_client_properties",
    "parse_server_address",
]
