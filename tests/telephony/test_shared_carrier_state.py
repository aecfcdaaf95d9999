"""Carrier call state shared by the workers of one deployment through the real Redis.

Two ``carrier_state`` pairs made from one settings object stand for two workers: a Twilio call's
history recorded on one is read on the other, an AudioSocket call announced on one is taken
exactly once by either, everything expires, and a Redis that is away degrades to each worker's
own state instead of failing the call path.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.calls.calllog import CallLog, Expectations, carrier_state
from agent.settings import Settings
from tests.abuse.conftest import free_port
from tests.helpers import unavailable

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"no Redis at {REDIS_URL} ({exc})", ".ci/run starts it")
    prefix = f"screenline-carrier-{uuid.uuid4().hex[:8]}:"
    yield Settings(data_dir=tmp_path, redis_url=REDIS_URL, monitor={"redis_prefix": prefix})
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


def test_a_call_placed_on_one_worker_has_its_history_on_another(settings: Settings) -> None:
    (log_a, _), (log_b, _) = carrier_state(settings), carrier_state(settings)
    log_a.record("CA1", "created", initial="queued", to="+15550100")
    log_b.record("CA1", "status", status="ringing")  # the callback reached the other worker
    log_a.record("CA1", "status", status="in-progress")
    for log in (log_a, log_b):
        history = log.history("CA1")
        assert history is not None
        assert [e["event"] for e in history] == ["created", "status", "status"]
        assert log.latest_status("CA1") == "in-progress"
    assert log_b.history("CA-unknown") is None
    # Each worker's journal still holds what it was told itself.
    assert (settings.data_dir / "calls.jsonl").read_text().count('"CA1"') == 3


def test_shared_entries_expire_and_stay_bounded(settings: Settings) -> None:
    import redis

    log, _ = carrier_state(settings)
    for n in range(250):
        log.record("CA2", "status", status="ringing", sequence=n)
    client = redis.Redis.from_url(REDIS_URL)
    key = f"{settings.monitor.redis_prefix}carrier:CA2"
    assert client.llen(key) == 200
    assert 0 < client.ttl(key) <= settings.carrier_state_ttl_s
    client.close()


def test_an_audiosocket_call_announced_on_one_worker_is_taken_once(settings: Settings) -> None:
    (_, expected_a), (_, expected_b) = carrier_state(settings), carrier_state(settings)
    key = str(uuid.uuid4())
    expected_a.put(key, ("c-42", "short_en"))
    assert expected_b.pop(key) == ("c-42", "short_en")
    assert expected_a.pop(key) is None  # taken: a second connection gets the default
    expected_b.put(key, ("c-43", None))
    assert expected_a.pop(key) == ("c-43", None)


def test_without_redis_each_worker_keeps_its_own_state(tmp_path: Path) -> None:
    local_log, local_expected = carrier_state(Settings(data_dir=tmp_path))
    assert type(local_log) is CallLog and type(local_expected) is Expectations
    # A Redis that does not answer: the call path goes on with this worker's own entries.
    away = Settings(data_dir=tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    log, expected = carrier_state(away)
    log.record("CA3", "status", status="ringing")
    history = log.history("CA3")
    assert history is not None and history[0]["status"] == "ringing"
    assert expected.pop(str(uuid.uuid4())) is None
    import redis

    with pytest.raises(redis.RedisError):
        expected.put("k", ("c", None))  # the REST route answers 503 for this
