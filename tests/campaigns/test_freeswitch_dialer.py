"""The FreeSWITCH path: the ESL codec, and a campaign dialled with ``originate`` into the
audio_fork extension against a local event-socket stand-in (outcomes from its events)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent.campaigns.dialer import Dialer, FreeSwitchCarrier
from agent.campaigns.outcomes import Outcome, from_hangup_cause
from agent.campaigns.policy import policy_json
from agent.campaigns.store import CampaignStore, Target
from agent.settings import AuthSettings, CampaignSettings, Settings
from agent.store.db import Database
from telephony.errors import ProtocolError
from telephony.esl import EslClient, EslError, EslParser, originate_command, parse_event
from tests.campaigns.esl_standin import EslStandin

T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_esl_parser_and_events() -> None:
    parser = EslParser()
    wire = b"Content-Type: auth/request\n\nContent-Type: api/response\nContent-Length: 6\n\n+OK ab"
    first = parser.feed(wire[:10])
    assert first == []
    messages = parser.feed(wire[10:])
    assert [m.content_type for m in messages] == ["auth/request", "api/response"]
    assert messages[1].body == "+OK ab"
    plain = b"Event-Name: BACKGROUND_JOB\nJob-UUID: a%20b\n\n"
    event = b"Content-Type: text/event-plain\nContent-Length: %d\n\n" % len(plain) + plain
    (msg,) = parser.feed(event)
    headers, _ = parse_event(msg)
    assert headers == {"Event-Name": "BACKGROUND_JOB", "Job-UUID": "a b"}
    with pytest.raises(ProtocolError):
        EslParser().feed(b"Content-Length: 999999999\n\n")
    with pytest.raises(ProtocolError):
        EslParser().feed(b"x" * 70000)
    assert (
        originate_command(
            "sofia/gateway/gw/+15550001", "audio_fork", variables={"origination_uuid": "u-1"}
        )
        == "originate {origination_uuid=u-1}sofia/gateway/gw/+15550001 audio_fork XML default"
    )
    for bad in ({"a": "x,b=y"}, {"a": "x y"}, {"a}": "x"}):
        with pytest.raises(ValueError):
            originate_command("sofia/gateway/gw/+1", "audio_fork", variables=bad)
    assert from_hangup_cause("USER_BUSY", False) is Outcome.BUSY
    assert from_hangup_cause("UNALLOCATED_NUMBER", False) is Outcome.INVALID_NUMBER
    assert from_hangup_cause("NORMAL_CLEARING", True) is Outcome.ANSWERED
    assert from_hangup_cause("WHATEVER", False) is Outcome.FAILED


async def test_esl_client_auth_and_api() -> None:
    async with EslStandin(password="pw") as fs:
        client = EslClient("127.0.0.1", fs.port, "pw")
        await client.connect(("BACKGROUND_JOB",))
        assert (await client.api("status")).startswith("UP")
        await client.close()
        wrong = EslClient("127.0.0.1", fs.port, "nope")
        with pytest.raises(EslError, match="invalid"):
            await wrong.connect()
        await wrong.close()


async def test_campaign_over_freeswitch(tmp_path: Path) -> None:
    numbers = {"+12125550001": "answered", "+12125550002": "busy", "+12125550003": "invalid",
               "+12125550004": "no-answer"}  # fmt: skip
    async with EslStandin(password="pw", outcomes=numbers) as fs:
        settings = Settings(
            data_dir=tmp_path,
            auth=AuthSettings(freeswitch_secret=SecretStr("fs-secret")),
            campaigns=CampaignSettings(
                carrier="freeswitch",
                esl_port=fs.port,
                esl_password=SecretStr("pw"),
                freeswitch_gateway="carrier1",
            ),
        )
        db = Database(f"sqlite:///{tmp_path / 'fs.db'}")
        db.upgrade()
        store = CampaignStore(db, settings.campaigns, draw=lambda: 0.5)
        cid = store.create(
            name="fs",
            script_id="short_zh",
            targets=[Target(f"c{i}", n, "America/New_York") for i, n in enumerate(numbers)],
            policy=policy_json(settings.campaigns),
            now=T0,
            actor="k",
            calls_per_second=10,
        )
        carrier = FreeSwitchCarrier(settings, store, clock=lambda: T0)
        await carrier.connect()
        dialer = Dialer(store, carrier, clock=lambda: T0, worker_id="fs-worker")
        assert await dialer.tick() == 4
        for _ in range(100):
            if all(a["state"] == "done" for a in store.attempts(cid) if a["attempt_no"] == 1):
                break
            await asyncio.sleep(0.05)
        await carrier.aclose()
        rows = {a["candidate_id"]: a for a in store.attempts(cid) if a["attempt_no"] == 1}
        assert {k: v["outcome"] for k, v in rows.items()} == {
            "c0": "answered",
            "c1": "busy",
            "c2": "invalid_number",
            "c3": "no_answer",
        }
        retries = sorted(a["candidate_id"] for a in store.attempts(cid) if a["attempt_no"] == 2)
        assert retries == ["c1", "c3"]  # busy and no-answer retried; invalid and answered not
        first = fs.originates[0]
        assert first["extension"] == "audio_fork" and first["context"] == "default"
        assert str(first["dial"]).startswith("sofia/gateway/carrier1/+1212555000")
        variables = first["variables"]
        assert isinstance(variables, dict)
        assert variables["script_id"] == "short_zh" and variables["screenline_token"] == "fs-secret"
        assert variables["candidate_id"].startswith("c") and variables["origination_uuid"]
        db.dispose()
