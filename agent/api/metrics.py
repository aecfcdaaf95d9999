"""``/health`` and ``/metrics`` (Prometheus text format 0.0.4), written by hand: no dependency.

Both are unauthenticated on purpose, for load balancers and scrapers: they carry counts, queue
depths and latencies only, never a call id, candidate id, phone number or transcript.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from typing import TYPE_CHECKING

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse

from models.pools import BUCKETS, Histogram

if TYPE_CHECKING:
    from agent.calls.run import Runtime

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _labels(**labels: str) -> str:
    if not labels:
        return ""
    body = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return "{" + body + "}"


def _histogram(name: str, hist: Histogram, **labels: str) -> Iterator[str]:
    running = 0
    for bound, count in zip((*BUCKETS, float("inf")), hist.counts, strict=True):
        running += count
        le = "+Inf" if bound == float("inf") else repr(bound)
        yield f"{name}_bucket{_labels(**labels, le=le)} {running}"
    yield f"{name}_sum{_labels(**labels)} {hist.total:.6f}"
    yield f"{name}_count{_labels(**labels)} {hist.n}"


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: peak RSS is what the platform offers
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def render_metrics(rt: Runtime) -> str:
    """The whole exposition, one metric family after another."""
    lines: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")

    family("screenline_active_calls", "gauge", "Calls in progress.")
    lines.append(f"screenline_active_calls {len(rt.active)}")
    family("screenline_calls_started_total", "counter", "Calls started since the process began.")
    lines.append(f"screenline_calls_started_total {rt.calls_started}")
    family("screenline_calls_refused_total", "counter", "Calls refused, by transport:reason.")
    for reason, count in sorted(rt.admission.refused.items()):
        lines.append(f"screenline_calls_refused_total{_labels(reason=reason)} {count}")
    family(
        "screenline_asr_backlog_seconds",
        "gauge",
        "Age of the oldest final or chunk transcript waiting for Whisper (admission refuses new "
        "calls as overloaded above limits.max_backlog_s).",
    )
    lines.append(f"screenline_asr_backlog_seconds {rt.admission.snapshot()['backlog_s']:.3f}")
    family("screenline_ready", "gauge", "1 once every model is loaded.")
    lines.append(f"screenline_ready {int(rt.models_ready)}")

    pools = {name: stats.snapshot() for name, stats in rt.registry.pools().items()}
    family("screenline_queue_depth", "gauge", "Inference jobs waiting, by pool and stage.")
    for name, snap in pools.items():
        for stage, depth in sorted(snap["queued"].items()):
            lines.append(f"screenline_queue_depth{_labels(pool=name, stage=stage)} {depth}")
    family("screenline_jobs_dropped_total", "counter", "Queued jobs dropped as no longer needed.")
    for name, snap in pools.items():
        lines.append(f"screenline_jobs_dropped_total{_labels(pool=name)} {snap['dropped']}")
    for kind, help_text in (("wait", "waited in the queue"), ("run", "ran")):
        metric = f"screenline_inference_{kind}_seconds"
        family(metric, "histogram", f"Seconds an inference job {help_text}, by pool and stage.")
        for name, snap in pools.items():
            for stage, hist in sorted(snap[kind].items()):
                lines.extend(_histogram(metric, hist, pool=name, stage=stage))

    family(
        "screenline_turn_latency_seconds",
        "histogram",
        "Per candidate turn: processing (end-of-answer decision to reply audio), response gap "
        "(last voiced audio to reply audio), asr tail (decision to final transcript).",
    )
    for stage, hist in sorted(rt.turn_latency.items()):
        lines.extend(
            _histogram("screenline_turn_latency_seconds", hist, stage=stage.removesuffix("_ms"))
        )

    cache = rt.prompt_cache
    family("screenline_prompt_cache_hits_total", "counter", "Prompts played from the cache.")
    lines.append(f"screenline_prompt_cache_hits_total {cache.hits}")
    family("screenline_prompt_cache_misses_total", "counter", "Prompts synthesized on demand.")
    lines.append(f"screenline_prompt_cache_misses_total {cache.misses}")

    usage = resource.getrusage(resource.RUSAGE_SELF)
    family("process_cpu_seconds_total", "counter", "User and system CPU time of this process.")
    lines.append(f"process_cpu_seconds_total {usage.ru_utime + usage.ru_stime:.3f}")
    family("process_resident_memory_bytes", "gauge", "Resident memory of this process.")
    lines.append(f"process_resident_memory_bytes {_rss_bytes()}")
    return "\n".join(lines) + "\n"


def health_body(rt: Runtime) -> tuple[int, dict[str, object]]:
    """(HTTP status, body): 200 once the models are loaded, 503 while starting."""
    admission = rt.admission.snapshot()  # one reading of the backlog for both fields
    body: dict[str, object] = {
        "status": "ok" if rt.models_ready else "starting",
        "ready": rt.models_ready,
        "prompts_warmed": rt.prompts_ready,
        "active_calls": len(rt.active),
        "models_loaded": dict(rt.registry.load_counts),
        "queue_depth": {name: s.depth for name, s in rt.registry.pools().items()},
        # A balancer can route new calls away from a worker whose live calls wait already.
        "overloaded": admission["overloaded"],
        "asr_backlog_s": admission["backlog_s"],
        "prompt_cache": {"items": len(rt.prompt_cache), "hits": rt.prompt_cache.hits},
    }
    return (200 if rt.models_ready else 503), body


def monitoring_router(rt: Runtime) -> APIRouter:
    """``GET /health`` and ``GET /metrics``."""
    router = APIRouter()

    @router.get("/health")
    async def health() -> JSONResponse:
        status, body = health_body(rt)
        return JSONResponse(body, status_code=status)

    @router.get("/metrics")
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(render_metrics(rt), media_type=CONTENT_TYPE)

    return router
