"""The bench program prints what DRIVER.md says, and counts what it did."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

from fake_server import FakeLicenseServer, Fleet

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BENCH = PACKAGE_DIR / "bench" / "tessera_bench.py"


def bench(args: List[str]) -> "subprocess.CompletedProcess[str]":
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_DIR / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, str(BENCH), *args], env=env, capture_output=True, text=True, timeout=60)


def conf(tmp_path: Path, server: FakeLicenseServer) -> str:
    path = tmp_path / "client_property.conf"
    path.write_text(
        f"[GLOBAL]\nLICENSE_SERVERS = 127.0.0.1:{server.port}\nLICENSE_CACHE_PERIOD = 0\n"
        "[AUTHENTICATION]\nAUTHENTICATION_USERNAME = u\nAUTHENTICATION_PASSWORD = p\n"
    )
    return str(path)


def run_ok(args: List[str]) -> Dict[str, Any]:
    done = bench(args)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    out: Dict[str, Any] = json.loads(lines[0])
    return out


def test_sdk_and_bare_modes_count_checkout_release_round_trips(fleet: Fleet, tmp_path: Path) -> None:
    for mode in ("sdk", "bare"):
        a = fleet.start(auth=("u", "p"))
        out = run_ok(["--conf", conf(tmp_path, a), "--feature", "asr.engine", "--seconds", "0.3", "--mode", mode])
        assert sorted(out) == ["mode", "ops", "seconds"]
        assert out["mode"] == mode
        assert out["ops"] > 0
        assert out["seconds"] >= 0.3
        assert len(a.recorded("checkout")) == out["ops"]
        assert len(a.recorded("release")) == out["ops"]
        assert a.leases == {}
        if mode == "bare":
            assert len({q.client_port for q in a.requests}) == 1, "one keep-alive connection"


def test_hold_mode_holds_n_leases_heartbeating_and_reports_cpu_time(fleet: Fleet, tmp_path: Path) -> None:
    a = fleet.start(auth=("u", "p"), heartbeat_seconds=0.05, lease_seconds=0.5)
    out = run_ok(
        ["--conf", conf(tmp_path, a), "--feature", "asr.engine", "--seconds", "0.5", "--mode", "hold", "--leases", "5"]
    )
    assert sorted(out) == ["cpuSeconds", "leases", "mode", "seconds"]
    assert (out["mode"], out["leases"]) == ("hold", 5)
    assert out["seconds"] >= 0.5
    assert out["cpuSeconds"] >= 0
    assert len(a.recorded("checkout")) == 5
    assert len({q.lease_id for q in a.recorded("heartbeat")}) == 5, "every lease heartbeated"
    assert a.leases == {}, "released at the end"


def test_a_refusal_fails_the_bench_with_the_reason(fleet: Fleet, tmp_path: Path) -> None:
    a = fleet.start(auth=("u", "p"), seats={"asr.engine": 2})
    path = conf(tmp_path, a)
    for feature, mode, reason in (
        ("nope", ["--mode", "sdk"], "checkout refused: UNKNOWN_FEATURE"),
        ("nope", ["--mode", "bare"], "POST /v1/leases: HTTP 404"),
        ("asr.engine", ["--mode", "hold", "--leases", "3"], "checkout 3 of 3 refused: NO_SEATS"),
    ):
        done = bench(["--conf", path, "--feature", feature, "--seconds", "0.1", *mode])
        assert done.returncode == 1
        assert done.stdout == ""
        assert reason in done.stderr, done.stderr
    assert a.leases == {}


def test_hold_mode_needs_a_lease_count(tmp_path: Path) -> None:
    done = bench(["--conf", "x", "--feature", "f", "--seconds", "1", "--mode", "hold"])
    assert done.returncode == 2
    assert "--leases" in done.stderr
