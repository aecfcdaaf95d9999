"""/health and /metrics: readiness, Prometheus text format, and nothing personal in either."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from agent.api.metrics import health_body
from agent.api.server import create_app
from agent.calls.run import Runtime
from agent.settings import Settings

_SAMPLE = re.compile(r'^([a-z_:]+)(\{([a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*)?\})? (-?[0-9.e+]+)$')


def _parse(text: str) -> dict[str, float]:
    """Prometheus text exposition -> {'name{labels}': value}; fails on a malformed line."""
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        match = _SAMPLE.match(line)
        assert match, line
        samples[line.rsplit(" ", 1)[0]] = float(match.group(5))
    return samples


def test_health_and_metrics(tmp_path: Path) -> None:
    rt = Runtime(Settings(data_dir=tmp_path))
    status, body = health_body(rt)
    assert status == 503 and body["status"] == "starting"
    secret = "call-4f1c-candidate-ann-+15551234567"
    rt.active[secret] = object()  # type: ignore[assignment]
    rt.admission.refused["ws:capacity"] += 2  # as Admission.admit counts a refusal
    rt.observe_latency({"processing_ms": 30.0, "response_gap_ms": 1250.0})
    with TestClient(create_app(rt.settings, rt, warm=False)) as client:
        health = client.get("/health")
        assert health.status_code == 200
        assert health.json()["ready"] is True and health.json()["active_calls"] == 1
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert secret not in text and "ann" not in text and "5551234567" not in text
    samples = _parse(text)
    assert samples["screenline_active_calls"] == 1
    assert samples['screenline_calls_refused_total{reason="ws:capacity"}'] == 2
    assert samples["screenline_ready"] == 1
    gap = 'screenline_turn_latency_seconds_bucket{le="2.5",stage="response_gap"}'
    assert samples[gap] == 1
    assert samples['screenline_turn_latency_seconds_bucket{le="1.0",stage="response_gap"}'] == 0
    assert samples['screenline_turn_latency_seconds_count{stage="processing"}'] == 1
    assert samples["process_resident_memory_bytes"] > 1e6
    assert "# TYPE screenline_queue_depth gauge" in text


def test_pool_work_shows_in_metrics(tmp_path: Path) -> None:
    rt = Runtime(Settings(data_dir=tmp_path))
    from models.pools import Priority

    rt.registry.asr_pool.submit(Priority.FINAL, lambda: None).future.result(10)
    rt.registry.tts_executor.submit(sum, [1, 2]).result(10)
    with TestClient(create_app(rt.settings, rt, warm=False)) as client:
        samples: dict[str, Any] = _parse(client.get("/metrics").text)
    assert samples['screenline_inference_run_seconds_count{pool="asr",stage="final"}'] == 1
    assert samples['screenline_inference_wait_seconds_count{pool="tts",stage="sum"}'] == 1
    assert samples['screenline_queue_depth{pool="asr",stage="final"}'] == 0
