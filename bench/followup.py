"""Follow-up bench: seconds from call end to the SMS and the email being accepted by the
provider (issue 15: p95 <= 60 s), measured at the local stand-ins.

``--calls`` interviews end within ``--spread-s`` seconds (a campaign's calls finishing
together), half in English (Twilio Messages), half in Mandarin (Aliyun SendSms); each call's
end writes its report row and ``interview.completed`` outbox event in one transaction, as the
server does; the follow-up path then reads the event's job and candidate (``plan``) and sends
through ``FollowUpSender`` with ``--workers`` at once, as the outbox worker would. Providers are
127.0.0.1 stand-ins (tests/campaigns/sms_standins.py) and a real aiosmtpd server. Prints JSON.

    .venv/bin/python bench/followup.py [--calls 200] [--spread-s 5] [--workers 16] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.delivery.followup import FollowUpSender, plan  # noqa: E402
from agent.settings import FollowUpSettings, Settings, TwilioSettings  # noqa: E402
from agent.store.db import Database  # noqa: E402
from agent.store.outbox import enqueue  # noqa: E402
from agent.store.tables import Candidate, Job, ReportRow  # noqa: E402
from tests.campaigns.sms_standins import (  # noqa: E402
    AliyunSmsStandin,
    SmtpServer,
    TwilioMessagesStandin,
)


def _percentiles(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 3),
        "p95": round(p95, 3),
        "max": round(ordered[-1], 3),
    }


def _seed(db: Database, calls: int) -> None:
    now = datetime.now(UTC)
    with db.session() as s:
        for lang in ("en", "zh"):
            s.add(
                Job(
                    job_id=f"job-{lang}",
                    title="Support agent" if lang == "en" else "客服专员",
                    script_id="short_en",
                    language=lang,
                    eligibility_rules={},
                    follow_up_rules={},
                    review_required=False,
                    created_at=now,
                    updated_at=now,
                )
            )
        s.flush()
        for i in range(calls):
            lang = "en" if i % 2 == 0 else "zh"
            phone = f"+1555{i:07d}" if lang == "en" else f"+86138{i:08d}"
            s.add(
                Candidate(
                    candidate_id=f"c{i}",
                    job_id=f"job-{lang}",
                    external_id=f"e{i}",
                    name=f"Candidate {i}" if lang == "en" else f"候选人{i}",
                    email=f"c{i}@example.com",
                    phone=phone,
                    timezone="UTC",
                    language=lang,
                    attributes={},
                    eligibility="eligible",
                    created_at=now,
                )
            )


def _end_call(db: Database, i: int, score: float) -> dict[str, object]:
    """What the server does when a call ends: report row + outbox event, one transaction."""
    lang = "en" if i % 2 == 0 else "zh"
    payload = {
        "report_id": f"r{i}",
        "candidate_id": f"c{i}",
        "job_id": f"job-{lang}",
        "score": score,
    }
    with db.session() as s:
        s.add(
            ReportRow(
                report_id=f"r{i}",
                candidate_id=f"c{i}",
                job_id=f"job-{lang}",
                tier="advance",
                score=score,
                created_at=datetime.now(UTC),
                body={},
            )
        )
        s.flush()
        enqueue(s, "interview.completed", payload, f"interview.completed:r{i}")
    return payload


async def run(calls: int, spread_s: float, workers: int, db_url: str | None) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="followup-bench-"))
    db = Database(db_url or f"sqlite:///{tmp / 'bench.db'}")
    db.upgrade()
    _seed(db, calls)
    with (
        TwilioMessagesStandin() as twilio,
        AliyunSmsStandin({"SMS_1": ("name", "job_title", "link")}) as aliyun,
        SmtpServer() as smtp,
    ):
        settings = Settings(
            data_dir=tmp,
            twilio=TwilioSettings(
                account_sid=twilio.account_sid,
                auth_token=twilio.auth_token,
                from_number="+15005550006",
                api_base_url=twilio.base_url,
            ),
            followup=FollowUpSettings(
                aliyun_access_key_id=aliyun.access_key_id,
                aliyun_access_key_secret=aliyun.access_key_secret,
                aliyun_sign_name=aliyun.sign_name,
                aliyun_base_url=aliyun.base_url,
                aliyun_templates={"second_round": "SMS_1"},
                smtp_host="127.0.0.1",
                smtp_port=smtp.port,
                smtp_starttls=False,
                mail_from="jobs@example.com",
                second_round_url="https://book.example/x",
            ),
        )
        sender = FollowUpSender.from_settings(settings)
        ended: dict[str, float] = {}
        slots = asyncio.Semaphore(workers)
        failures: list[str] = []

        async def one(i: int) -> None:
            await asyncio.sleep(spread_s * i / max(calls, 1))
            payload = await asyncio.to_thread(_end_call, db, i, 86.0 + (i % 10))
            ended[f"c{i}"] = time.monotonic()
            async with slots:
                with db.session() as s:
                    planned = plan(s, "interview.completed", payload, settings)
                if planned is None:
                    failures.append(f"c{i}: no plan")
                    return
                try:
                    await sender.send(planned)
                except Exception as exc:  # the bench reports failures instead of stopping
                    failures.append(f"c{i}: {exc}")

        started = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(calls)))
        wall = time.monotonic() - started
        await sender.aclose()
        by_phone = {}
        with db.session() as s:
            for c in s.query(Candidate).all():
                by_phone[c.phone] = c.candidate_id
                by_phone[c.email] = c.candidate_id
        sms = []
        for accepted in twilio.accepted:
            sms.append(accepted.at - ended[by_phone[accepted.fields["To"]]])
        for accepted in aliyun.accepted:
            sms.append(accepted.at - ended[by_phone["+86" + accepted.fields["PhoneNumbers"]]])
        email = [at - ended[by_phone[str(m["To"])]] for at, m in smtp.messages]
    db.dispose()
    return {
        "bench": "followup",
        "calls": calls,
        "spread_s": spread_s,
        "workers": workers,
        "database": db.url.get_backend_name(),
        "sms_s": _percentiles(sms),
        "email_s": _percentiles(email),
        "sms_by_provider": {"twilio": len(twilio.accepted), "aliyun": len(aliyun.accepted)},
        "failures": failures[:10],
        "wall_s": round(wall, 2),
        "target_p95_s": 60,
        "ok": not failures
        and max(_percentiles(sms)["p95"] or 1e9, _percentiles(email)["p95"] or 1e9) <= 60,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--spread-s", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--db", default=None, help="database URL (default: a temp SQLite file)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.calls, args.spread_s, args.workers, args.db)), indent=2))


if __name__ == "__main__":
    main()
