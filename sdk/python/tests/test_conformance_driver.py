"""The conformance driver speaks DRIVER.md: run it as the suite does, against a fake server."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from fake_server import FakeLicenseServer, Fleet

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DRIVER = PACKAGE_DIR / "conformance_driver.py"


class DriverProcess:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(PACKAGE_DIR / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, str(DRIVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            encoding="utf-8",
        )
        self.lines: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.events: List[Dict[str, Any]] = []
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def ask(self, op: str, **fields: Any) -> Dict[str, Any]:
        self._next_id += 1
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"id": self._next_id, "op": op, **fields}) + "\n")
        self.proc.stdin.flush()
        return self._until(lambda m: m.get("id") == self._next_id)

    def event(self, name: str) -> Dict[str, Any]:
        for e in self.events:
            if e["event"] == name:
                self.events.remove(e)
                return e
        return self._until(lambda m: m.get("event") == name)

    def _until(self, match: Any) -> Dict[str, Any]:
        while True:
            message = self.lines.get(timeout=10)
            if match(message):
                return message
            assert "event" in message, f"unexpected line {message}"
            self.events.append(message)

    def close_stdin(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(10)


@pytest.fixture
def driver() -> Iterator[DriverProcess]:
    d = DriverProcess()
    yield d
    if d.proc.poll() is None:
        d.proc.kill()
        d.proc.wait()
    for stream in (d.proc.stdin, d.proc.stdout, d.proc.stderr):
        if stream is not None:
            stream.close()


def conf(tmp_path: Path, *servers: FakeLicenseServer, extra: str = "", cache: int = 0) -> str:
    path = tmp_path / "client_property.conf"
    listed = ";".join(f"127.0.0.1:{s.port}" for s in servers)
    path.write_text(f"[GLOBAL]\nLICENSE_SERVERS = {listed}\nLICENSE_CACHE_PERIOD = {cache}\n{extra}")
    return str(path)


def test_open_checkout_lease_release_features_close(fleet: Fleet, driver: DriverProcess, tmp_path: Path) -> None:
    a = fleet.start(pool_id="p1")
    path = conf(tmp_path, a, extra="COLOR = blue\n")
    opened = driver.ask("open", conf=path, app="dictate", version="4.2.0", releaseDate="2026-03-01", clientId="c1")
    assert opened == {"id": 1, "ok": True, "warnings": [f"{path}:4: unknown key COLOR in [GLOBAL]; ignored"]}

    got = driver.ask("checkout", feature="asr.engine", count=2)
    assert got["ok"] is True
    lease_id = got["leaseId"]
    assert {k: got[k] for k in ("lease", "feature", "count", "licenseId", "poolId", "server")} == {
        "lease": "L1",
        "feature": "asr.engine",
        "count": 2,
        "licenseId": f"lic_{a.port}",
        "poolId": "p1",
        "server": a.url,
    }
    assert isinstance(got["expiresAt"], str)
    client = a.recorded("checkout")[0].body["client"]
    assert {k: client[k] for k in ("id", "app", "version", "releaseDate")} == {
        "id": "c1",
        "app": "dictate",
        "version": "4.2.0",
        "releaseDate": "2026-03-01",
    }

    assert driver.ask("lease", lease="L1") == {
        "id": 3,
        "ok": True,
        "leaseId": lease_id,
        "server": a.url,
        "poolId": "p1",
        "held": True,
        "released": False,
    }
    features = driver.ask("features")
    assert (features["server"], features["poolId"]) == (a.url, "p1")
    assert features["features"][0]["feature"] == "asr.engine"
    assert features["features"][0]["inUse"] == 2

    assert driver.ask("release", lease="L1") == {"id": 5, "ok": True}
    assert a.leases == {}
    after = driver.ask("lease", lease="L1")
    assert (after["held"], after["released"], after["leaseId"]) == (False, True, lease_id)

    assert driver.ask("checkout", feature="asr.engine")["lease"] == "L2"
    assert driver.ask("close") == {"id": 8, "ok": True}
    assert a.leases == {}, "close released every lease before answering"
    assert driver.close_stdin() == 0


def test_denials_config_errors_and_bad_arguments_are_failures_with_codes(
    fleet: Fleet, driver: DriverProcess, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.conf"
    bad.write_text("[GLOBAL]\nLICENSE_CACHE_PERIOD = soon\n")
    r = driver.ask("open", conf=str(bad))
    assert r == {
        "id": 1,
        "ok": False,
        "code": "CONFIG_ERROR",
        "message": f'{bad}:2: LICENSE_CACHE_PERIOD must be an integer 0..3600, got "soon"',
        "line": 2,
    }
    missing = str(tmp_path / "missing.conf")
    r = driver.ask("open", conf=missing)
    assert (r["code"], r["line"], r["message"]) == ("CONFIG_ERROR", None, f"{missing}: cannot read: no such file")
    r = driver.ask("checkout", feature="asr.engine")
    assert r["code"] == "DRIVER_ERROR", "checkout before a successful open"

    a = fleet.start(seats={"asr.engine": 0})
    assert driver.ask("open", conf=conf(tmp_path, a))["ok"]
    r = driver.ask("checkout", feature="asr.engine")
    assert (r["ok"], r["code"]) == (False, "NO_SEATS")
    assert r["message"].startswith(a.url)
    assert driver.ask("checkout", feature="asr.engine", count=0)["code"] == "INVALID_ARGUMENT"
    assert driver.ask("checkout", feature="asr.engine", releaseDate="2026-13-01")["code"] == "INVALID_ARGUMENT"
    assert driver.ask("open", conf=conf(tmp_path, a))["code"] == "DRIVER_ERROR", "a second open"
    assert driver.ask("lease", lease="L9")["code"] == "DRIVER_ERROR"
    assert driver.ask("fly")["code"] == "DRIVER_ERROR"
    assert a.recorded("checkout")[0].body["count"] == 1
    assert len(a.recorded("checkout")) == 1, "refused arguments sent nothing"
    assert driver.close_stdin() == 0


def test_an_invalid_release_date_on_open_is_invalid_argument(
    fleet: Fleet, driver: DriverProcess, tmp_path: Path
) -> None:
    r = driver.ask("open", conf=conf(tmp_path, fleet.start()), releaseDate="01/03/2026")
    assert r["code"] == "INVALID_ARGUMENT"


def test_renewed_and_lost_events_name_the_handle(fleet: Fleet, driver: DriverProcess, tmp_path: Path) -> None:
    a = fleet.start(heartbeat_seconds=0.05, lease_seconds=30)
    assert driver.ask("open", conf=conf(tmp_path, a))["ok"]
    got = driver.ask("checkout", feature="asr.engine")
    old = got["leaseId"]
    a.revoke(old, "SEATS_REDUCED")
    renewed = driver.event("renewed")
    assert renewed["lease"] == "L1"
    assert (renewed["previousLeaseId"], renewed["server"], renewed["reason"]) == (old, a.url, "SEATS_REDUCED")
    assert renewed["leaseId"] != old
    assert driver.ask("lease", lease="L1")["leaseId"] == renewed["leaseId"]

    a.set_seats("asr.engine", 0)
    a.revoke(renewed["leaseId"], "LICENSE_UNINSTALLED")
    lost = driver.event("lost")
    assert (lost["lease"], lost["code"], lost["reason"]) == ("L1", "NO_SEATS", "LICENSE_UNINSTALLED")
    assert driver.ask("lease", lease="L1")["held"] is False


def test_closing_stdin_releases_every_lease_and_exits_0(fleet: Fleet, driver: DriverProcess, tmp_path: Path) -> None:
    a = fleet.start()
    assert driver.ask("open", conf=conf(tmp_path, a, cache=30))["ok"]
    first = driver.ask("checkout", feature="asr.engine")
    driver.ask("checkout", feature="asr.engine")
    driver.ask("release", lease=first["lease"])
    assert len(a.leases) == 2, "one held, one in the release cache"
    assert driver.close_stdin() == 0
    assert a.leases == {}
