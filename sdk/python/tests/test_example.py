"""examples/checkout.py does what its docstring says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List

from fake_server import Fleet

PACKAGE_DIR = Path(__file__).resolve().parent.parent
EXAMPLE = PACKAGE_DIR / "examples" / "checkout.py"


def run(args: List[str]) -> "subprocess.CompletedProcess[str]":
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_DIR / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, str(EXAMPLE), *args], env=env, capture_output=True, text=True, timeout=30)


def test_the_example_holds_a_seat_then_releases_it(fleet: Fleet, tmp_path: Path) -> None:
    a = fleet.start()
    path = tmp_path / "client_property.conf"
    path.write_text(f"[GLOBAL]\nLICENSE_SERVERS = 127.0.0.1:{a.port}\n")
    done = run([str(path), "asr.engine", "--count", "2", "--seconds", "0.1"])
    assert done.returncode == 0, done.stderr
    lease_id = a.recorded("release")[0].lease_id
    assert f"holding 2 x asr.engine: lease {lease_id} on {a.url}" in done.stdout
    assert done.stdout.rstrip().endswith("released")
    assert a.recorded("checkout")[0].body["client"]["app"] == "checkout-example"
    assert a.leases == {}


def test_the_example_exits_1_on_a_refusal_and_2_on_a_bad_file(fleet: Fleet, tmp_path: Path) -> None:
    a = fleet.start(seats={"asr.engine": 0})
    path = tmp_path / "client_property.conf"
    path.write_text(f"[GLOBAL]\nLICENSE_SERVERS = 127.0.0.1:{a.port}\n")
    refused = run([str(path), "asr.engine"])
    assert refused.returncode == 1
    assert "no license: NO_SEATS:" in refused.stderr
    path.write_text("[GLOBAL]\nLICENSE_SERVERS\n")
    bad = run([str(path), "asr.engine"])
    assert bad.returncode == 2
    assert f"bad configuration: {path}:2: expected KEY = VALUE" in bad.stderr
