#!/usr/bin/env python3
"""The Python SDK's conformance driver: one JSON line in, one SDK call, one JSON line out.

The protocol is ``sdk/conformance/DRIVER.md``. Run as::

    PYTHONPATH=sdk/python/src /usr/bin/python3 sdk/python/conformance_driver.py

Requests come on stdin, answers and events go to stdout (one JSON object per line); logs go to
stderr. When stdin closes, the client is closed (every lease released) and the driver exits 0.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
import traceback
from typing import IO, Any, Dict, Optional

from tessera_client import (
    ClientClosedError,
    ConfigError,
    Lease,
    LeaseLost,
    LeaseRenewed,
    LicenseClient,
    LicenseClientError,
)

Answer = Dict[str, Any]


class DriverError(Exception):
    """A request the driver cannot carry out (the suite's mistake or the driver's): ``DRIVER_ERROR``."""


def _failure(code: str, message: str, **extra: Any) -> Answer:
    return {"ok": False, "code": code, "message": message, **extra}


class Driver:
    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._out_lock = threading.Lock()  # events come from the SDK's thread, answers from this one
        self._client: Optional[LicenseClient] = None
        self._leases: Dict[str, Lease] = {}
        self._next_handle = 1

    def write(self, message: Answer) -> None:
        line = json.dumps(message, separators=(",", ":"))
        with self._out_lock:
            self._out.write(line + "\n")
            self._out.flush()

    def serve(self, lines: IO[str]) -> None:
        for line in lines:
            if line.strip() == "":
                continue
            self.write(self.answer(line))
        self.shutdown()

    def shutdown(self) -> None:
        if self._client is not None:
            self._client.close()

    def answer(self, line: str) -> Answer:
        try:
            request = json.loads(line)
        except ValueError as err:
            return {"id": None, **_failure("DRIVER_ERROR", f"not a JSON line: {err}")}
        if not isinstance(request, dict) or not isinstance(request.get("id"), int):
            return {"id": None, **_failure("DRIVER_ERROR", "a request is an object with an integer id")}
        try:
            result = self._dispatch(request)
        except DriverError as err:
            result = _failure("DRIVER_ERROR", str(err))
        except ConfigError as err:
            result = _failure("CONFIG_ERROR", str(err), line=err.line)
        except (ValueError, TypeError) as err:
            result = _failure("INVALID_ARGUMENT", str(err))
        except ClientClosedError as err:
            result = _failure("DRIVER_ERROR", str(err))
        except Exception as err:  # a bug in the SDK or the driver: say so, and keep serving
            traceback.print_exc(file=sys.stderr)
            result = _failure("DRIVER_ERROR", f"{type(err).__name__}: {err}")
        return {"id": request["id"], **result}

    def _dispatch(self, request: Dict[str, Any]) -> Answer:
        op = request.get("op")
        if op == "open":
            return self._open(request)
        if self._client is None:
            raise DriverError(f'"{op}" before "open"')
        client = self._client
        if op == "checkout":
            return self._checkout(client, request)
        if op == "lease":
            lease = self._lease(request)
            return {
                "ok": True,
                "leaseId": lease.lease_id,
                "server": lease.server,
                "poolId": lease.pool_id,
                "held": lease.held,
                "released": lease.released,
            }
        if op == "release":
            self._lease(request).release()
            return {"ok": True}
        if op == "features":
            try:
                features = client.features()
            except LicenseClientError as err:
                return _failure(err.code, str(err))
            return {"ok": True, "server": features.server, "poolId": features.pool_id, "features": features.features}
        if op == "close":
            client.close()
            return {"ok": True}
        raise DriverError(f'unknown op "{op}"')

    def _open(self, request: Dict[str, Any]) -> Answer:
        if self._client is not None:
            raise DriverError('"open" was already called')
        conf = request.get("conf")
        if not isinstance(conf, str):
            raise DriverError('"open" needs "conf", a path')
        self._client = LicenseClient.from_file(
            conf,
            app=request.get("app"),
            version=request.get("version"),
            release_date=request.get("releaseDate"),
            client_id=request.get("clientId"),
        )
        return {"ok": True, "warnings": list(self._client.warnings)}

    def _checkout(self, client: LicenseClient, request: Dict[str, Any]) -> Answer:
        result = client.checkout(
            request.get("feature"),  # type: ignore[arg-type]  # the SDK checks it: INVALID_ARGUMENT
            request.get("count", 1),
            release_date=request.get("releaseDate"),
        )
        if not result.ok:
            return _failure(result.code, result.message)
        lease = result.lease
        handle = f"L{self._next_handle}"
        self._next_handle += 1
        self._leases[handle] = lease
        lease.on("renewed", lambda e: self._renewed(handle, e))
        lease.on("lost", lambda e: self._lost(handle, e))
        lease.on("error", lambda e: print(f"driver: lease {handle}: {e}", file=sys.stderr, flush=True))
        return {
            "ok": True,
            "lease": handle,
            "leaseId": lease.lease_id,
            "feature": lease.feature,
            "count": lease.count,
            "licenseId": lease.license_id,
            "poolId": lease.pool_id,
            "server": lease.server,
            "expiresAt": lease.expires_at,
        }

    def _lease(self, request: Dict[str, Any]) -> Lease:
        handle = request.get("lease")
        lease = self._leases.get(handle) if isinstance(handle, str) else None
        if lease is None:
            raise DriverError(f"unknown lease handle {json.dumps(handle)}")
        return lease

    def _renewed(self, handle: str, e: LeaseRenewed) -> None:
        self.write(
            {
                "event": "renewed",
                "lease": handle,
                "previousLeaseId": e.previous_lease_id,
                "leaseId": e.lease_id,
                "server": e.server,
                "reason": e.reason,
            }
        )

    def _lost(self, handle: str, e: LeaseLost) -> None:
        self.write({"event": "lost", "lease": handle, "code": e.code, "message": e.message, "reason": e.reason})


def main() -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="driver: %(levelname)s %(message)s")
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8")
    Driver(sys.stdout).serve(stdin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
