#!/usr/bin/env python3
"""The Python bench program of ``npm run bench -- sdk`` (command line: ``sdk/conformance/DRIVER.md``).

    tessera_bench.py --conf FILE --feature F --seconds S --mode sdk|bare
    tessera_bench.py --conf FILE --feature F --seconds S --mode hold --leases N

- ``sdk``: checkout then release, one after the other, through the SDK, for S seconds.
- ``bare``: the same two calls with http.client on one keep-alive connection to the first server
  of the file, no SDK (the file is read with the SDK's parser, before the clock starts).
- ``hold``: one client checks out N leases of one seat each, then holds them (heartbeating) for
  S seconds; ``cpuSeconds`` is the process's CPU time (user + system, all threads) while holding.

Prints one JSON line on stdout and exits 0; on any refusal or error, says why on stderr and exits 1.
Run with ``PYTHONPATH=sdk/python/src /usr/bin/python3``.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import socket
import ssl
import sys
import time
import uuid
from typing import Any, Dict, List, Optional

from tessera_client import Lease, LicenseClient, load_client_properties

APP = "tessera-bench"


class BenchError(Exception):
    pass


def run_sdk(conf: str, feature: str, seconds: float) -> Dict[str, Any]:
    with LicenseClient.from_file(conf, app=APP) as client:
        ops = 0
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            result = client.checkout(feature)
            if not result.ok:
                raise BenchError(f"checkout refused: {result.code}: {result.message}")
            result.lease.release()
            ops += 1
        elapsed = time.perf_counter() - started
    return {"mode": "sdk", "ops": ops, "seconds": elapsed}


def run_bare(conf: str, feature: str, seconds: float) -> Dict[str, Any]:
    config = load_client_properties(conf)
    server = config.servers[0]
    headers = {"Accept": "application/json"}
    if config.auth is not None:
        token = f"{config.auth.username}:{config.auth.password}".encode("utf-8")
        headers["Authorization"] = "Basic " + base64.b64encode(token).decode("ascii")
    post_headers = {**headers, "Content-Type": "application/json"}
    client = {"id": str(uuid.uuid4()), "host": socket.gethostname(), "app": APP}
    conn: http.client.HTTPConnection
    if server.secure:
        conn = http.client.HTTPSConnection(server.host, server.port, timeout=5, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    ops = 0
    started = time.perf_counter()
    deadline = started + seconds
    try:
        while time.perf_counter() < deadline:
            body = json.dumps({"feature": feature, "count": 1, "client": client}).encode("utf-8")
            conn.request("POST", "/v1/leases", body=body, headers=post_headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 201:
                raise BenchError(f"POST /v1/leases: HTTP {response.status}: {data[:200]!r}")
            lease_id = json.loads(data)["leaseId"]
            conn.request("DELETE", f"/v1/leases/{lease_id}", headers=headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 204:
                raise BenchError(f"DELETE /v1/leases/{lease_id}: HTTP {response.status}: {data[:200]!r}")
            ops += 1
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    return {"mode": "bare", "ops": ops, "seconds": elapsed}


def run_hold(conf: str, feature: str, seconds: float, leases: int) -> Dict[str, Any]:
    with LicenseClient.from_file(conf, app=APP) as client:
        held: List[Lease] = []
        for _ in range(leases):
            result = client.checkout(feature)
            if not result.ok:
                raise BenchError(f"checkout {len(held) + 1} of {leases} refused: {result.code}: {result.message}")
            held.append(result.lease)
        lost: List[str] = []
        for lease in held:
            lease.on("lost", lambda e: lost.append(e.message))
        started, cpu_started = time.perf_counter(), time.process_time()
        time.sleep(seconds)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if lost:
            raise BenchError(f"{len(lost)} lease(s) lost while holding, e.g. {lost[0]}")
    return {"mode": "hold", "leases": leases, "seconds": elapsed, "cpuSeconds": cpu}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--conf", required=True, help="client_property.conf (LICENSE_CACHE_PERIOD = 0)")
    parser.add_argument("--feature", required=True)
    parser.add_argument("--seconds", required=True, type=float)
    parser.add_argument("--mode", required=True, choices=["sdk", "bare", "hold"])
    parser.add_argument("--leases", type=int, help="leases to hold (hold mode)")
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        parser.error("--seconds must be > 0")
    if args.mode == "hold" and (args.leases is None or args.leases < 1):
        parser.error("--mode hold needs --leases N (N >= 1)")
    try:
        if args.mode == "sdk":
            out = run_sdk(args.conf, args.feature, args.seconds)
        elif args.mode == "bare":
            out = run_bare(args.conf, args.feature, args.seconds)
        else:
            out = run_hold(args.conf, args.feature, args.seconds, args.leases)
    except Exception as err:  # the bench reports and fails; it never prints a partial figure
        print(f"tessera_bench: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
