"""The QA monitor against the real session server: a simulated candidate's call (real models,
real sockets on 127.0.0.1) watched over ``/ws/monitor``, listened to, flagged, taken over and
handed back; then its report and recording. Plus the entry points' refusals."""

from __future__ import annotations

import asyncio
import json
import wave
from io import BytesIO
from typing import Any

import httpx
import numpy as np
import pytest
import websockets

from agent.devtools.simulate import simulate
from agent.reports.schema import schema_problems

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]


def http_base(server_url: str) -> str:
    return server_url.replace("ws://", "http://", 1).rsplit("/ws/", 1)[0]


def ws_base(server_url: str) -> str:
    return server_url.rsplit("/ws/", 1)[0]


async def ticket(base: str, key: str) -> str:
    async with httpx.AsyncClient(base_url=base) as client:
        reply = await client.post(
            "/api/monitor/tickets", headers={"Authorization": f"Bearer {key}"}
        )
    assert reply.status_code == 201, reply.text
    return str(reply.json()["ticket"])


async def test_monitor_entry_points_refuse_without_the_right_key(
    server_url: str, api_keys: dict[str, str], settings: Any
) -> None:
    base = http_base(server_url)
    async with httpx.AsyncClient(base_url=base) as client:
        assert (await client.post("/api/monitor/tickets")).status_code == 401
        recruiter = {"Authorization": f"Bearer {api_keys['recruiter']}"}
        assert (await client.post("/api/monitor/tickets", headers=recruiter)).status_code == 403
        assert (await client.get("/api/live-calls", headers=recruiter)).status_code == 403
        assert (await client.get("/api/calls/abc/recording")).status_code == 401
        bad = await client.get("/api/calls/abc/recording?token=v1.x.y")
        assert bad.status_code == 401
        qa = {"Authorization": f"Bearer {api_keys['qa']}"}
        assert (await client.get("/api/calls/nope/recording", headers=qa)).status_code == 404
        assert (await client.get("/api/calls/..%2Fx/recording", headers=qa)).status_code == 404
        page = await client.get("/qa")
        assert page.status_code == 200 and "qa.js" in page.text
    for first in ('{"type":"auth","ticket":"v1.a.b"}', "[" * 50 + "]" * 50, "x" * 20000):
        async with websockets.connect(f"{ws_base(server_url)}/ws/monitor") as ws:
            await ws.send(first)
            error = json.loads(await ws.recv())
            assert error["type"] == "error"
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
        assert ws.close_code == 1008

    # A ticket stops working once its key is revoked (it would otherwise live 60 s more).
    from agent.auth.keys import Role
    from agent.store.apikeys import KeyStore
    from agent.store.db import open_database

    store = KeyStore(open_database(settings))
    info, key = store.create(Role.QA, "revoked soon")
    tk = await ticket(base, key)
    store.revoke(info.key_id)
    async with websockets.connect(f"{ws_base(server_url)}/ws/monitor") as ws:
        await ws.send(json.dumps({"type": "auth", "ticket": tk}))
        assert "revoked" in json.loads(await ws.recv())["message"]
        with pytest.raises(websockets.ConnectionClosed):
            await ws.recv()
    assert ws.close_code == 1008


async def test_a_recording_still_being_written_is_waited_for_then_refused(
    server_url: str, api_keys: dict[str, str], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The goodbye of a call that has just ended is still being recorded: a download waits for
    the finished file rather than sending one that outgrows its Content-Length, and says when
    to come back if it takes too long."""
    from agent.api import monitor
    from agent.monitor.recording import StereoWavWriter, call_recording_path, part_path

    monkeypatch.setattr(monitor, "RECORDING_WAIT_S", 1.0)
    directory = settings.resolved_recordings_dir
    qa = {"Authorization": f"Bearer {api_keys['qa']}"}
    async with httpx.AsyncClient(base_url=http_base(server_url)) as client:
        stuck = call_recording_path(directory, "c-still-writing")
        writer = StereoWavWriter(stuck, 16000)
        writer.write(np.full(1600, 7, "<i2"), np.full(1600, -7, "<i2"))
        reply = await client.get("/api/calls/c-still-writing/recording", headers=qa)
        assert reply.status_code == 409 and reply.headers["retry-after"] == "1"
        assert part_path(stuck).exists()

        async def finish_soon() -> None:
            await asyncio.sleep(0.3)
            writer.write(np.full(1600, 9, "<i2"), np.full(1600, -9, "<i2"))
            writer.close()

        closing = asyncio.create_task(finish_soon())
        reply = await client.get("/api/calls/c-still-writing/recording", headers=qa)
        await closing
        assert reply.status_code == 200 and reply.content == stuck.read_bytes()
        with wave.open(BytesIO(reply.content)) as wav:
            assert wav.getnframes() == 3200  # both blocks: the finished file, all of it


async def test_a_call_watched_listened_flagged_taken_over_and_handed_back(
    server_url: str, api_keys: dict[str, str], runtime: Any, persona: Any, candidate_voice: Any
) -> None:
    base, wsb = http_base(server_url), ws_base(server_url)
    seen: list[dict[str, Any]] = []
    listened: list[bytes] = []
    audio_rate: list[int] = []
    acks: list[str] = []

    async def qa() -> None:
        async with websockets.connect(f"{wsb}/ws/monitor") as ws:
            await ws.send(
                json.dumps({"type": "auth", "ticket": await ticket(base, api_keys["qa"])})
            )
            first = json.loads(await ws.recv())
            assert first["type"] == "calls"
            call_id = None
            listener: asyncio.Task[None] | None = None
            async for raw in ws:
                event = json.loads(raw)
                if event["type"] == "ack":
                    acks.append(event["command"])
                    continue
                if (
                    event.get("candidate_id", "") != "qa-watched"
                    and event.get("call_id") != call_id
                ):
                    continue
                seen.append(event)
                kind = event["type"]
                if kind == "started":
                    call_id = event["call_id"]
                    listener = asyncio.create_task(listen(call_id))
                elif (
                    kind == "transcript"
                    and event["final"]
                    and not any(e["type"] == "flag" for e in seen)
                ):
                    await ws.send(
                        json.dumps({"type": "flag", "call_id": call_id, "note": "listen here"})
                    )
                elif kind == "bot_said" and event.get("question_id") == "angry":
                    await ws.send(json.dumps({"type": "takeover", "call_id": call_id}))
                elif kind == "takeover":
                    await asyncio.sleep(2.0)  # the person talks; the AI must stay silent
                    await ws.send(json.dumps({"type": "handback", "call_id": call_id}))
                elif kind == "call_ended":
                    break
            if listener is not None:
                listener.cancel()

    async def listen(call_id: str) -> None:
        async with websockets.connect(f"{wsb}/ws/monitor/listen") as ws:
            auth = {
                "type": "auth",
                "ticket": await ticket(base, api_keys["qa"]),
                "call_id": call_id,
            }
            await ws.send(json.dumps(auth))
            header = json.loads(await ws.recv())
            audio_rate.append(header["sample_rate"])
            async for frame in ws:
                assert isinstance(frame, bytes)
                listened.append(frame)

    watcher = asyncio.create_task(qa())
    await asyncio.sleep(0.5)
    result = await simulate(
        server_url,
        persona=persona,
        voice=candidate_voice,
        candidate_id="qa-watched",
        token=api_keys["qa"],
        timeout_s=240,
    )
    await asyncio.wait_for(watcher, 30)

    kinds = [e["type"] for e in seen]
    for kind in ("started", "state", "bot_said", "listening", "transcript", "metrics", "flag"):
        assert kind in kinds, kinds
    assert kinds.index("takeover") < kinds.index("handback") < kinds.index("call_ended")
    assert acks.count("takeover") == 1 and acks.count("handback") == 1
    interims = [e for e in seen if e["type"] == "transcript" and not e["final"]]
    finals = [e for e in seen if e["type"] == "transcript" and e["final"]]
    assert finals, kinds
    metrics = [e for e in seen if e["type"] == "metrics" and "response_gap_ms" in e["latency"]]
    assert metrics and all(e["latency"]["response_gap_ms"] > 0 for e in metrics)
    # While the call was taken over the AI said nothing; hand back asked the next question.
    over = kinds.index("takeover")
    back = kinds.index("handback")
    assert not [e for e in seen[over:back] if e["type"] == "bot_said"]
    after = [e for e in seen[back:] if e["type"] == "bot_said" and e.get("question_id")]
    assert after and after[0]["question_id"] == "start", after
    # Listen-in: 20 ms frames at the call's rate, not silent while the candidate spoke.
    assert audio_rate == [16000]
    assert len(listened) > 100
    assert {len(f) for f in listened[:50]} == {640}
    levels = [np.abs(np.frombuffer(f, "<i2")).max() for f in listened]
    assert sum(level > 1000 for level in levels) > 25
    _ = interims  # interim text is sent when ASR commits chunks of long answers

    report = runtime.reports.load(result.report_id)
    assert schema_problems(report) == []
    monitor = report["monitor"]
    [flag] = monitor["flags"]
    assert flag["note"] == "listen here" and flag["t"] > 0
    assert any(f.startswith("QA flag at") for f in report["flags"])
    [span] = monitor["takeovers"]
    assert 0 < span["start_s"] < span["end_s"]
    assert monitor["recording"]["channels"] == 2
    assert "start" in [t.get("question_id") for t in report["turns"]]

    call_id = report["call_id"]
    async with httpx.AsyncClient(base_url=base) as client:
        qa = {"Authorization": f"Bearer {api_keys['qa']}"}
        whole = await client.get(f"/api/calls/{call_id}/recording", headers=qa)
        assert whole.status_code == 200 and whole.headers["content-type"] == "audio/wav"
        with wave.open(BytesIO(whole.content)) as wav:
            assert (wav.getnchannels(), wav.getframerate()) == (2, 16000)
            stereo = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
        assert np.abs(stereo[:, 0]).max() > 1000  # the candidate, left
        assert np.abs(stereo[:, 1]).max() > 1000  # the interviewer, right
        part = await client.get(
            f"/api/calls/{call_id}/recording", headers={**qa, "Range": "bytes=44-1043"}
        )
        assert part.status_code == 206 and len(part.content) == 1000
        assert part.content == whole.content[44:1044]
        page = await client.get(
            f"/api/reports/{call_id}.html",
            headers={"Authorization": f"Bearer {api_keys['recruiter']}"},
        )
        assert page.status_code == 200
        assert 'id="player"' in page.text and "listen here" in page.text
        assert "taken over by" in page.text
        src = page.text.split('id="player" controls preload="metadata" src="', 1)[1].split('"')[0]
        by_token = await client.get(src.replace("&amp;", "&"))
        assert by_token.status_code == 200 and by_token.content == whole.content
        qa_page = await client.get(f"/api/reports/{call_id}.html", headers=qa)
        assert qa_page.status_code == 403

    # Every monitor action is an audit row: who (the key id), when, which call.
    from sqlalchemy import select

    from agent.store.tables import AuditEntry

    await asyncio.to_thread(runtime.audit.flush)
    with runtime.db.session() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.subject_id == call_id)).all()
    actions = sorted(r.action for r in rows)
    for action in ("monitor.flag", "monitor.handback", "monitor.listen", "monitor.takeover"):
        assert action in actions, actions
    qa_key_id = api_keys["qa"].split("_")[1]
    assert {r.actor for r in rows} == {qa_key_id} and all(r.at is not None for r in rows)
