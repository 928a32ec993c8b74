#!/usr/bin/env python3
"""Takes a seat of a feature, holds it while "working", and gives it back.

    PYTHONPATH=sdk/python/src python3 sdk/python/examples/checkout.py client_property.conf asr.engine --seconds 10

Exit status: 0 when the work ran under a license, 1 when the license was refused, 2 when
client_property.conf is wrong.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading

from tessera_client import ConfigError, LeaseLost, LeaseRenewed, LicenseClient

# The application's own release date, set at build time: servers compare it with each
# license's maintenance date.
RELEASE_DATE = "2026-03-01"


def main() -> int:
    parser = argparse.ArgumentParser(description="Check out a Tessera license seat and hold it.")
    parser.add_argument("conf", help="path to client_property.conf")
    parser.add_argument("feature", help="feature to check out, e.g. asr.engine")
    parser.add_argument("--count", type=int, default=1, help="seats to take (default 1)")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to hold them (default 5)")
    args = parser.parse_args()
    # The SDK logs through the "tessera_client" logger and prints nothing itself.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    try:
        client = LicenseClient.from_file(args.conf, app="checkout-example", version="1.0.0", release_date=RELEASE_DATE)
    except ConfigError as err:
        print(f"bad configuration: {err}", file=sys.stderr)
        return 2

    with client:
        result = client.checkout(args.feature, args.count)
        if not result.ok:
            # A refusal is a result: NO_SEATS, UNKNOWN_FEATURE, LICENSE_EXPIRED, UNAVAILABLE, ...
            print(f"no license: {result.code}: {result.message}", file=sys.stderr)
            return 1

        licensed = threading.Event()
        licensed.set()

        def on_lost(e: LeaseLost) -> None:
            # Runs on the SDK's thread: only flag it; the work loop decides what to do.
            licensed.clear()
            print(f"license lost ({e.reason}): {e.code}: {e.message}; retrying", file=sys.stderr)

        def on_renewed(e: LeaseRenewed) -> None:
            licensed.set()
            print(f"license renewed as {e.lease_id} on {e.server}", file=sys.stderr)

        with result.lease as lease:  # released when the block ends, whatever happens in it
            lease.on("lost", on_lost).on("renewed", on_renewed)
            print(f"holding {lease.count} x {lease.feature}: lease {lease.lease_id} on {lease.server}")
            stop = threading.Event()
            stop.wait(args.seconds)  # the work; heartbeats keep the seat meanwhile
            if not licensed.is_set():
                print("finished without a license for part of the time", file=sys.stderr)
        print("released")
    return 0


if __name__ == "__main__":
    sys.exit(main())
