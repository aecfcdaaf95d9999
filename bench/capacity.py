"""Capacity benchmark: N concurrent real-time interviews against one server, ramping N.

The server runs as its own process (``screenline serve``, or ``serve --workers K``: CPU and
memory are then the sum over the parent and its workers) so its CPU and memory are measured
apart from the callers. Callers alternate between the native ``/ws/call`` protocol (16 kHz) and
a Twilio Media Stream (8 kHz mu-law, line noise, through the Twilio stand-in phone of
``tests/telephony/phones.py``), and between voices: the embedded Piper voice and, when Debian's
``espeak-ng`` is installed, espeak-ng variants. Answers are synthesized before the round starts
and streamed in real time.

Per N it prints one JSON object: interviews completed, refused by admission (1013, no report),
wrong question sequences (the report's answered question ids against the script's order; each
failed call's outcome and questions), the response gap at the client (last answer
sample sent -> first reply audio received) p50/p95, server-side processing p95, server CPU (% of
one core, and per call) and RSS (idle, peak, added per call), the load average, and where the
inference went: jobs and run seconds per call for each pool and stage (Whisper final / chunk /
speculative, Smart Turn, VAD, TTS, features), read from the server's ``/metrics``. The last
line names the largest N that held the targets: every interview completed in the right order,
client p95 gap <= end-of-answer silence + 500 ms, <= 10 MB RSS per added call.

    .venv/bin/python bench/capacity.py [--ramp 1,2,4,8] [--port 8091] [--variant NAME:K=V,K=V ...]
        [--soak SECONDS [--soak-n N]] [--stagger SECONDS]

``--stagger SECONDS`` spreads each round's starts: caller i of N starts ``i * SECONDS / N``
seconds after the round does (evenly, the same offsets every run; ``stagger_s`` in each round's
JSON). The default, 0, starts every caller at once, so their answers end together and N final
transcripts reach Whisper in one burst: the worst case, not what a dialer produces, and still
the default so that rounds stay comparable with earlier runs. With a stagger a round lasts up to
SECONDS longer, so its ``server_cpu_pct`` is spread over more wall time; the CPU-seconds per
call compare across staggers. The warm-up calls always start together.

``--idle 1,4,8,16`` first measures server RSS with that many silent calls open at once (the
fixed memory of a call, no transcription). ``--variant`` (repeatable) runs the whole ramp once
per variant, each on a fresh server with those extra environment settings (``stock:`` for
none), so a setting's effect is compared within one run:
``--variant stock: --variant win30:SCREENLINE_MODELS__ASR_WINDOW_S=30``. ``--workers 1,2``
runs each variant once per worker count; more than one worker shares a fresh PostgreSQL
database on 127.0.0.1:5432 (dropped afterwards) and the local Redis, as ``--workers`` requires.
With several workers ``/metrics`` answers for whichever worker took the request, so
``inference_per_call`` is left out.

``--soak SECONDS`` then (after the ramp, or alone with ``--ramp ''``) runs back-to-back rounds
of ``--soak-n`` calls (default the last N of the ramp, or 8) against the same server until
SECONDS have passed, printing each round as the ramp does, and then one ``{"soak": ...}`` object:
interviews completed and in order, the client gap p50/p95 over every round, and the server's
settled RSS (4 s after a round) before the first round and after the last: ``growth_pct`` and
``rss_growth_ok`` (< 5 %, issue 11's "done when"), with the peak only as ``rss_max_mb``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.devtools.simulate import FRAME_S, Candidate, Speaker, load_persona  # noqa: E402
from dialogue.script import load_script  # noqa: E402
from tests.telephony.phones import PhoneEar, twilio_call  # noqa: E402
from tests.voices import ESPEAK_VOICES, EspeakEngine  # noqa: E402

SCRIPTS = ROOT / "tests" / "fixtures" / "scripts"
SCRIPT_ID = "short_en"
PERSONA = ROOT / "tests" / "fixtures" / "short_en_persona.yaml"
QUESTIONS = ["greeting", "experience", "angry", "start"]
RSS_TARGET_MB = 10.0
CALL_TIMEOUT_S = 150.0  # a 35 s interview still going after this counts as not completed
GAP_MARGIN_S = 0.5
IDLE_SETTLE_S = 4.0  # per step of --idle: the calls are set up and playing the greeting
SOAK_SETTLE_S = 4.0  # --soak: wait before each round and after the last, then read RSS
SOAK_RSS_GROWTH_PCT = 5.0  # issue 11: settled RSS may grow less than this over the soak


def _tree(pid: int) -> list[int]:
    """``pid`` and every live process below it (``serve --workers``: the parent and workers)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    found, todo = [pid], [pid]
    while todo:
        above = todo.pop()
        below = [child for child, parent in parents.items() if parent == above]
        found += below
        todo += below
    return found


def _proc_cpu_s(pid: int) -> float:
    """CPU seconds of the server's live processes (a worker restarted mid-round starts at 0)."""
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _proc_rss_mb(pid: int) -> float:
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 3)


async def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> float:
    started = time.monotonic()
    async with httpx.AsyncClient() as client:
        while True:
            if server.poll() is not None:
                raise RuntimeError("server exited during start-up")
            try:
                health = await client.get(f"{base}/health", timeout=2)
                if health.status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)


def _speaker(index: int, voice: Any, telephony: bool) -> Speaker:
    """Callers 0-1 Piper, 2-3 espeak-ng, 4-5 Piper, ... (each pair: one ws, one Twilio)."""
    rate = 8000 if telephony else 16000
    if (index // 2) % 2 == 1 and shutil.which("espeak-ng"):
        engine = EspeakEngine(ESPEAK_VOICES[(index // 4) % len(ESPEAK_VOICES)])
        return Speaker(engine, rate, telephony)
    return Speaker(voice, rate, telephony)


def start_offsets(n: int, stagger_s: float) -> list[float]:
    """Seconds after a round's start at which each of its ``n`` callers dials (``--stagger``):
    evenly spread over ``stagger_s``, the first at 0 and the last at ``(n-1)/n`` of it (one
    step before the end, as if the pattern repeated). Deterministic, so runs compare."""
    if stagger_s < 0:
        raise ValueError(f"stagger must be >= 0 seconds, not {stagger_s}")
    return [i * stagger_s / n for i in range(n)]


async def _one_call(
    index: int,
    port: int,
    voice: Any,
    data_dir: Path,
    persona: Any,
    access: Any,
    start_at: float | None = None,
) -> dict[str, Any]:
    """One interview: even callers over /ws/call, odd ones over the Twilio stream; dialled at
    ``start_at`` (``time.monotonic``) when given, once its answers are synthesized."""
    from agent.devtools.simulate import ws_call

    twilio = index % 2 == 1
    speaker = _speaker(index, voice, twilio)
    candidate = Candidate(persona, speaker)
    await candidate.prepare()
    if start_at is not None:
        # Synthesis runs for every caller at the round's start; only the dialling waits, so a
        # caller's own offset is not stretched by how long its answers took to synthesize.
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    started = time.monotonic()
    call: Any
    if twilio:
        sid = "CA" + uuid.uuid4().hex
        call = twilio_call(
            f"ws://127.0.0.1:{port}/telephony/twilio/stream",
            candidate,
            PhoneEar(candidate, QUESTIONS),
            call_sid=sid,
            params={
                "candidate_id": f"bench-{index}",
                "script_id": SCRIPT_ID,
                # Every media entry point authenticates: the stream carries its signed token.
                "token": access.stream_token(f"bench-{index}", SCRIPT_ID, sid),
            },
            timeout_s=CALL_TIMEOUT_S,
        )
        carrier_sid: str | None = sid
    else:
        call = ws_call(
            f"ws://127.0.0.1:{port}/ws/call",
            candidate,
            rate=speaker.rate,
            candidate_id=f"bench-{index}",
            script_id=SCRIPT_ID,
            timeout_s=CALL_TIMEOUT_S,
            token=access.call_token(),
        )
        carrier_sid = None
    close_code: int | None = None
    with contextlib.suppress(TimeoutError):  # still going: counted as not completed
        ended = await call
        close_code = ended if isinstance(ended, int) or ended is None else ended.close_code
    await candidate.close()
    report: dict[str, Any] = {}
    for _ in range(100):
        report = _report(data_dir, candidate.result.report_id, carrier_sid) or {}
        if report:
            break
        await asyncio.sleep(0.1)
    answered = [t["question_id"] for t in report.get("turns", []) if t["speaker"] == "candidate"]
    return {
        "transport": "twilio" if twilio else "ws",
        "voice": getattr(speaker.voice, "name", "piper-joe"),
        "completed": report.get("outcome") == "completed",
        "right_sequence": answered == [None, *QUESTIONS[1:]],
        "client_gaps_s": [gap for _q, gap in candidate.result.response_gaps],
        "processing_ms": [
            t["latency"]["processing_ms"]
            for t in report.get("turns", [])
            if t["speaker"] == "candidate" and "processing_ms" in t.get("latency", {})
        ],
        "seconds": round(time.monotonic() - started, 1),
        # Why a call went wrong: how it ended and what it asked.
        "outcome": report.get("outcome"),
        # 1013 and no report: admission turned the call away (at capacity or overloaded).
        "refused": close_code == 1013 and not report,
        "end_reason": report.get("end_reason"),
        "answered": answered,
        # What the server heard, for a call that went wrong: every turn with its place on the
        # call's audio clock and whether it was cut, so a split or merged answer can be traced.
        "heard": []
        if answered == [None, *QUESTIONS[1:]]
        else [
            (
                t["speaker"],
                t.get("question_id"),
                t.get("start_s"),
                t.get("end_s"),
                bool(t.get("interrupted")),
                t.get("text", "")[:160],
            )
            for t in report.get("turns", [])
        ],
    }


def _report(
    data_dir: Path, report_id: str | None, carrier_sid: str | None
) -> dict[str, Any] | None:
    """The call's report: by id for ``/ws/call`` (the client is told it); a Twilio call's
    report is named by the server's call id and carries the stream's sid."""
    reports = data_dir / "reports"
    if report_id:
        path = reports / f"{report_id}.json"
        return json.loads(path.read_text()) if path.is_file() else None
    for path in reports.glob("*.json"):
        with contextlib.suppress(ValueError, OSError):
            report: dict[str, Any] = json.loads(path.read_text())
            if carrier_sid and report.get("carrier_call_id") == carrier_sid:
                return report
    return None


_RUN = re.compile(
    r'^screenline_inference_run_seconds_(sum|count)\{pool="([^"]+)",stage="([^"]+)"\} (\S+)$'
)


async def _inference(port: int) -> dict[str, float]:
    """Jobs run and seconds spent per ``pool/stage`` so far, from the server's ``/metrics``."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    totals: dict[str, float] = {}
    for line in text.splitlines():
        if m := _RUN.match(line):
            kind, pool, stage, value = m.groups()
            totals[f"{pool}/{stage}/{'s' if kind == 'sum' else 'n'}"] = float(value)
    return totals


def _per_call(before: dict[str, float], after: dict[str, float], n: int) -> dict[str, float]:
    """Inference jobs and run seconds per call in one round: where the server's CPU went."""
    return {
        key: round((after[key] - before.get(key, 0.0)) / n, 2)
        for key in sorted(after)
        if after[key] != before.get(key, 0.0)
    }


def _printable(result: dict[str, Any]) -> dict[str, Any]:
    """A round as printed: without its raw gap list."""
    return {k: v for k, v in result.items() if k != "client_gaps_s"}


def soak_summary(rounds: list[dict[str, Any]], rss_end_mb: float, seconds: float) -> dict[str, Any]:
    """The soak's totals from its rounds (as :func:`_round` returns them, raw gaps included)
    and the server's settled RSS after the last one. Growth is measured on settled RSS: the
    first round's ``rss_idle_mb`` (taken before it starts) against ``rss_end_mb``; the rounds'
    peaks are working memory of the calls in flight and only go into ``rss_max_mb``."""
    gaps = [g for r in rounds for g in r["client_gaps_s"]]
    start = rounds[0]["rss_idle_mb"] if rounds else rss_end_mb
    growth = 100 * (rss_end_mb - start) / start if start else 0.0
    return {
        "seconds": round(seconds, 1),
        "rounds": len(rounds),
        "interviews": sum(r["n"] for r in rounds),
        "completed": sum(r["completed"] for r in rounds),
        "wrong_sequence": sum(r["wrong_sequence"] for r in rounds),
        "refused": sum(r["refused"] for r in rounds),
        "client_gap_p50_s": _pct(gaps, 0.5),
        "client_gap_p95_s": _pct(gaps, 0.95),
        "rss_start_mb": round(start, 1),
        "rss_end_mb": round(rss_end_mb, 1),
        "growth_pct": round(growth, 2),
        "rss_growth_ok": growth < SOAK_RSS_GROWTH_PCT,
        "rss_max_mb": round(max([rss_end_mb, *(r["rss_peak_mb"] for r in rounds)]), 1),
        # The settled RSS before each round: a leak climbs, a warm-up steps once and stays.
        "rss_idle_mb_by_round": [r["rss_idle_mb"] for r in rounds],
    }


async def _round(
    n: int, port: int, pid: int, voice: Any, data_dir: Path, access: Any, stagger_s: float = 0.0
) -> dict[str, Any]:
    persona = load_persona(PERSONA)
    work_before = await _inference(port)
    load_before = os.getloadavg()
    rss_idle = _proc_rss_mb(pid)
    peak = rss_idle
    cpu0, t0 = _proc_cpu_s(pid), time.monotonic()
    # No stagger: each caller dials as soon as its answers are ready, as before --stagger.
    starts: list[float | None] = (
        [t0 + offset for offset in start_offsets(n, stagger_s)] if stagger_s > 0 else [None] * n
    )
    calls = asyncio.gather(
        *(
            _one_call(i, port, voice, data_dir, persona, access, start_at=starts[i])
            for i in range(n)
        )
    )
    task = asyncio.ensure_future(calls)
    while not task.done():
        peak = max(peak, _proc_rss_mb(pid))
        await asyncio.sleep(1.0)
    results = await task
    cpu_s = _proc_cpu_s(pid) - cpu0
    cpu_pct = 100 * cpu_s / (time.monotonic() - t0)
    work = _per_call(work_before, await _inference(port), n)
    gaps = [g for r in results for g in r["client_gaps_s"]]
    processing = [p for r in results for p in r["processing_ms"]]
    return {
        "n": n,
        "stagger_s": stagger_s,
        "completed": sum(r["completed"] for r in results),
        "refused": sum(r["refused"] for r in results),
        "wrong_sequence": sum(not r["right_sequence"] for r in results),
        "client_gap_p50_s": _pct(gaps, 0.5),
        "client_gap_p95_s": _pct(gaps, 0.95),
        "client_gap_max_s": _pct(gaps, 1.0),
        "processing_p95_ms": _pct(processing, 0.95),
        # Every gap of the round, for pooling across rounds (--soak); not printed.
        "client_gaps_s": gaps,
        "server_cpu_pct": round(cpu_pct, 1),
        "server_cpu_pct_per_call": round(cpu_pct / n, 1),
        # CPU-seconds are less distorted by other load on the machine than percentages.
        "server_cpu_s_per_call": round(cpu_s / n, 2),
        # Per second a call was open: calls that run longer (a re-ask, a slow reply) cost more
        # in total without costing more per second.
        "server_cpu_pct_per_call_second": round(
            100 * cpu_s / max(sum(r["seconds"] for r in results), 1e-9), 1
        ),
        "rss_idle_mb": round(rss_idle, 1),
        "rss_peak_mb": round(peak, 1),
        "rss_per_call_mb": round((peak - rss_idle) / n, 1),
        # pool/stage/n: jobs per call; pool/stage/s: seconds they ran (wall, per call).
        "inference_per_call": work,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "calls": [
            {
                k: v
                for k, v in r.items()
                if k not in ("client_gaps_s", "processing_ms")
                and (k not in ("answered", "heard") or not r["right_sequence"])
            }
            for r in results
        ],
    }


class _SilentCaller:
    """A ``/ws/call`` client that only sends line silence: the call's fixed memory, no ASR."""

    def __init__(self) -> None:
        self.hangup = asyncio.Event()

    def next_frame(self) -> np.ndarray:
        return np.zeros(int(FRAME_S * 16000), np.float32)

    def on_event(self, msg: dict[str, Any]) -> None:
        pass

    def on_bot_audio(self, nbytes: int) -> None:
        pass


async def _idle_rss(port: int, pid: int, access: Any, counts: list[int]) -> dict[str, Any]:
    """Server RSS and CPU with 0 and then ``counts`` silent calls open at once (each step
    waits IDLE_SETTLE_S): what a call costs before any answer is transcribed."""
    from agent.devtools.simulate import ws_call

    callers: list[_SilentCaller] = []
    tasks: list[asyncio.Task[Any]] = []
    rss = {0: round(_proc_rss_mb(pid), 1)}
    cpu: dict[int, float] = {}  # % of one core per open call during each step
    for count in counts:
        while len(callers) < count:
            caller = _SilentCaller()
            callers.append(caller)
            call = ws_call(
                f"ws://127.0.0.1:{port}/ws/call",
                caller,
                rate=16000,
                candidate_id=f"idle-{len(callers)}",
                script_id=SCRIPT_ID,
                timeout_s=CALL_TIMEOUT_S,
                token=access.call_token(),
            )
            tasks.append(asyncio.ensure_future(call))
        cpu0, t0 = _proc_cpu_s(pid), time.monotonic()
        await asyncio.sleep(IDLE_SETTLE_S)
        rss[count] = round(_proc_rss_mb(pid), 1)
        cpu[count] = round(100 * (_proc_cpu_s(pid) - cpu0) / (time.monotonic() - t0) / count, 1)
    for caller in callers:
        caller.hangup.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    top = max(counts)
    return {
        "idle_rss_mb": rss,
        "rss_per_idle_call_mb": round((rss[top] - rss[0]) / top, 2),
        "cpu_pct_per_idle_call": cpu,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def _variant(text: str) -> tuple[str, dict[str, str]]:
    """``NAME:K=V,K=V`` -> (NAME, {K: V})."""
    name, _, pairs = text.partition(":")
    return name, dict(pair.split("=", 1) for pair in pairs.split(",") if pair)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ramp", default="1,2,4,8", help="comma-separated N per round")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--variant", action="append", help="NAME:K=V,K=V extra server env")
    parser.add_argument("--idle", default="", help="e.g. 1,4,8,16: RSS with silent calls open")
    parser.add_argument("--workers", default="1", help="e.g. 1,2: worker processes per server")
    parser.add_argument(
        "--soak", type=float, default=0.0, help="SECONDS of back-to-back rounds after the ramp"
    )
    parser.add_argument(
        "--soak-n", type=int, default=None, help="N per soak round (last N of --ramp, or 8)"
    )
    parser.add_argument(
        "--stagger",
        type=float,
        default=0.0,
        help="SECONDS over which each round's callers start, evenly (0: all at once)",
    )
    args = parser.parse_args()
    if args.stagger < 0:
        parser.error("--stagger must be >= 0")
    from models.registry import ModelRegistry

    voice = ModelRegistry().voice("en")  # the callers' Piper voice, in this process
    for name, extra in [_variant(v) for v in args.variant or ["stock:"]]:
        for workers in (int(x) for x in args.workers.split(",")):
            if workers == 1:
                await _ramp(args, voice, name, extra, 1)
                continue
            with _shared_stores() as stores:
                await _ramp(args, voice, f"{name}/workers{workers}", {**extra, **stores}, workers)


@contextlib.contextmanager
def _shared_stores() -> Any:
    """What ``serve --workers`` needs: a fresh local PostgreSQL database (the tests' own
    :func:`tests.conftest.fresh_postgres`, dropped afterwards) and a Redis prefix."""
    from tests.conftest import fresh_postgres

    with contextlib.contextmanager(fresh_postgres)("screenline_capacity") as url:
        yield {
            "SCREENLINE_DATABASE_URL": url,
            "SCREENLINE_REDIS_URL": "redis://127.0.0.1:6379/0",
            "SCREENLINE_MONITOR__REDIS_PREFIX": f"{url.rsplit('/', 1)[1]}:",
        }


async def _ramp(
    args: argparse.Namespace, voice: Any, variant: str, extra: dict[str, str], workers: int
) -> None:
    """Start a server of ``workers`` processes with ``extra`` environment settings and run the
    ramp against it."""
    end_silence = load_script(SCRIPTS / f"{SCRIPT_ID}.yaml").timing.end_silence_s
    data_dir = Path(tempfile.mkdtemp(prefix="screenline-capacity-"))
    # The callers sign their call and stream tokens with the server's secret.
    secret = uuid.uuid4().hex
    from agent.auth.guard import Access
    from agent.settings import AuthSettings, Settings

    access = Access.from_settings(
        Settings(data_dir=data_dir, auth=AuthSettings(secret=SecretStr(secret)))
    )
    env = {
        "SCREENLINE_AUTH__SECRET": secret,
        **os.environ,
        "SCREENLINE_DATA_DIR": str(data_dir),
        "SCREENLINE_SCRIPTS_DIR": str(SCRIPTS),
        "SCREENLINE_PORT": str(args.port),
        "SCREENLINE_PUBLIC_URL": f"http://127.0.0.1:{args.port}",
        "SCREENLINE_MAX_CONCURRENT_CALLS": "1000",
        **extra,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "serve", "--port", str(args.port)]
        + (["--workers", str(workers)] if workers > 1 else []),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    best = 0
    ramp = [int(x) for x in args.ramp.split(",") if x.strip()]
    started = time.monotonic()
    try:
        base = f"http://127.0.0.1:{args.port}"
        ready_s = await _wait_ready(base, server)
        async with httpx.AsyncClient() as client:
            # Each worker warms its own prompts; /health answers for one of them at a time.
            warm = 0
            while warm < 4 * workers:
                health = (await client.get(f"{base}/health")).json()
                warm = warm + 1 if health["prompts_warmed"] else 0
                await asyncio.sleep(0.05 if warm else 0.5)
        warmed_s = time.monotonic() - started
        print(
            json.dumps(
                {
                    "variant": variant,
                    "settings": extra,
                    "workers": workers,
                    "server_ready_s": round(ready_s, 1),
                    "prompts_warmed_s": round(warmed_s, 1),
                }
            ),
            flush=True,
        )
        # Two calls first (one per transport), not reported: first-use allocations
        # (CTranslate2, ONNX Runtime arenas) are not per-call memory, and the script's
        # prompts are synthesized once per output rate (16 kHz ws, 8 kHz Twilio) on first use.
        await _round(2, args.port, server.pid, voice, data_dir, access)
        if args.idle:
            counts = [int(x) for x in args.idle.split(",")]
            idle = await _idle_rss(args.port, server.pid, access, counts)
            print(json.dumps({"variant": variant, **idle}), flush=True)
        for n in ramp:
            result = await _round(n, args.port, server.pid, voice, data_dir, access, args.stagger)
            result["variant"] = variant
            if workers > 1:
                result.pop("inference_per_call")
            result["targets_held"] = (
                result["completed"] == n
                and result["wrong_sequence"] == 0
                and (result["client_gap_p95_s"] or 0) <= end_silence + GAP_MARGIN_S
                and result["rss_per_call_mb"] <= RSS_TARGET_MB
            )
            print(json.dumps(_printable(result)), flush=True)
            if result["targets_held"]:
                best = n
        if args.soak > 0:
            n = args.soak_n or (ramp[-1] if ramp else 8)
            soak = await _soak(args, n, server.pid, voice, data_dir, access, variant, workers)
            print(json.dumps({"variant": variant, "soak": soak}), flush=True)
    finally:
        server.terminate()
        server.wait(30)
    if ramp:
        print(
            json.dumps(
                {"variant": variant, "max_n_holding_targets": best, "end_silence_s": end_silence}
            ),
            flush=True,
        )


async def _soak(
    args: argparse.Namespace,
    n: int,
    pid: int,
    voice: Any,
    data_dir: Path,
    access: Any,
    variant: str,
    workers: int,
) -> dict[str, Any]:
    """Rounds of ``n`` calls back to back against the same server until ``args.soak`` seconds
    have passed (the round in flight finishes), each after SOAK_SETTLE_S so that its
    ``rss_idle_mb`` is the settled memory; then the totals of :func:`soak_summary`."""
    rounds: list[dict[str, Any]] = []
    started = time.monotonic()
    while time.monotonic() - started < args.soak:
        await asyncio.sleep(SOAK_SETTLE_S)
        result = await _round(n, args.port, pid, voice, data_dir, access, args.stagger)
        if workers > 1:
            result.pop("inference_per_call")
        rounds.append(result)
        shown = {"variant": variant, "soak_round": len(rounds), **_printable(result)}
        shown["elapsed_s"] = round(time.monotonic() - started, 1)
        print(json.dumps(shown), flush=True)
    await asyncio.sleep(SOAK_SETTLE_S)
    return soak_summary(rounds, _proc_rss_mb(pid), time.monotonic() - started)


if __name__ == "__main__":
    asyncio.run(main())
