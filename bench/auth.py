"""What access control costs per request: API key lookups (salted digest, one primary-key
read) on SQLite and, when reachable, PostgreSQL, and signing / verifying tokens. Prints JSON.

    .venv/bin/python bench/auth.py [--n 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.auth.keys import Role
from agent.auth.tokens import Purpose, sign, verify
from agent.store.apikeys import KeyStore
from agent.store.db import Database

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def _micros(fn: Callable[[], Any], n: int) -> dict[str, float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e6)
    times.sort()
    return {"p50_us": round(statistics.median(times), 1), "p95_us": round(times[n * 95 // 100], 1)}


def _keys(db: Database, n: int) -> dict[str, float]:
    db.upgrade()
    store = KeyStore(db)
    _, key = store.create(Role.RECRUITER, "bench")
    try:
        return _micros(lambda: store.authenticate(key), n)
    finally:
        db.downgrade("base")
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    secret = b"s" * 32
    now = time.time()
    token = sign(secret, Purpose.INVITE, {"cand": "c-1", "script": "x"}, ttl_s=60, now=now)
    out: dict[str, Any] = {
        "bench": "auth",
        "n": args.n,
        "token_sign": _micros(lambda: sign(secret, Purpose.CALL, {}, ttl_s=60, now=now), args.n),
        "token_verify": _micros(lambda: verify(secret, token, Purpose.INVITE, now=now), args.n),
    }
    with tempfile.TemporaryDirectory() as tmp:
        out["key_lookup_sqlite"] = _keys(Database(f"sqlite:///{Path(tmp) / 'k.db'}"), args.n)
    try:
        out["key_lookup_postgresql"] = _keys(Database(POSTGRES), args.n)
    except Exception as exc:  # no server here: say so in the output
        out["key_lookup_postgresql"] = f"unavailable: {type(exc).__name__}"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
