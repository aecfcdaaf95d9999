"""Follow-ups: the rules, the templates, and the senders against the local Twilio Messages
and Aliyun SMS stand-ins and a real SMTP server; plan() from events on the HR tables."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.campaigns.followup import FollowUp, FollowUpRules, decide, render
from agent.delivery.followup import FollowUpSender, plan
from agent.delivery.mail import MailError, SmtpMailer
from agent.delivery.sms import (
    AliyunSms,
    SmsError,
    TwilioSms,
    aliyun_phone,
    aliyun_sign,
    percent_encode,
)
from agent.settings import FollowUpSettings, Settings, TwilioSettings
from agent.store.db import Database
from agent.store.tables import Candidate, Job, ReportRow
from tests.campaigns.sms_standins import AliyunSmsStandin, SmtpServer, TwilioMessagesStandin

RULES = FollowUpRules()


@pytest.mark.parametrize(
    ("score", "on", "review_required", "override", "expected"),
    [
        (92, "report", False, False, FollowUp.SECOND_ROUND),
        (85, "report", False, False, FollowUp.SECOND_ROUND),
        (84.9, "report", False, False, FollowUp.RECRUITER_TASK),
        (60, "report", False, False, FollowUp.RECRUITER_TASK),
        (59, "report", False, False, None),  # thank-you waits for a person's review
        (92, "report", True, False, None),  # the job requires review: act on the review
        (92, "review", True, False, FollowUp.SECOND_ROUND),
        (70, "review", True, False, FollowUp.RECRUITER_TASK),
        (40, "review", True, False, FollowUp.THANK_YOU),
        (40, "review", False, False, FollowUp.THANK_YOU),
        (92, "review", False, False, None),  # invited on the report already
        (40, "review", True, True, FollowUp.RECRUITER_TASK),  # reviewer changed the tier
        (None, "review", True, False, FollowUp.RECRUITER_TASK),
    ],
)
def test_decide(
    score: float | None, on: str, review_required: bool, override: bool, expected: FollowUp | None
) -> None:
    got = decide(RULES, score, on=on, review_required=review_required, override=override)  # type: ignore[arg-type]
    assert got == expected


def test_rules_from_json_and_templates() -> None:
    rules = FollowUpRules.from_json(
        {
            "invite_at": 90,
            "channels": ["sms"],
            "templates": {"second_round": {"en": {"sms": "Hey $name: $link"}}},
        }
    )
    assert decide(rules, 88, on="report", review_required=False) is FollowUp.RECRUITER_TASK
    v = {"name": "Ann", "job_title": "Agent", "link": "https://x/1", "score": "91"}
    sms = render(rules, FollowUp.SECOND_ROUND, "sms", "en", v)
    assert sms is not None and sms.text == "Hey Ann: https://x/1"
    zh = render(rules, FollowUp.THANK_YOU, "sms", "zh-CN", {**v, "name": "王芳"})
    assert zh is not None and zh.text.startswith("王芳您好") and "Agent" in zh.text
    mail = render(rules, FollowUp.SECOND_ROUND, "email", "zh", v)
    assert mail is not None and mail.subject == "复试邀请：Agent"
    assert render(rules, FollowUp.RECRUITER_TASK, "sms", "en", v) is None
    with pytest.raises(ValueError, match="missing variable"):
        render(rules, FollowUp.SECOND_ROUND, "sms", "en", {"name": "Ann"})
    with pytest.raises(ValueError):
        FollowUpRules.from_json({"invite_at": 50, "thank_below": 60})
    with pytest.raises(ValueError):
        FollowUpRules.from_json({"bogus": 1})


def test_aliyun_signature_matches_the_documented_example() -> None:
    # Aliyun's signature documentation example (RPC, GET): key testId, secret testSecret.
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_sign(params, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert percent_encode("a b*~") == "a%20b%2A~"
    assert aliyun_phone("+8613800138000") == "13800138000"
    assert aliyun_phone("+85291234567") == "85291234567"


async def test_twilio_sms_sent_and_refusals() -> None:
    with TwilioMessagesStandin(opted_out=frozenset({"+15550000999"})) as twilio:
        client = TwilioSms(
            twilio.account_sid, twilio.auth_token, "+15005550006", base_url=twilio.base_url
        )
        accepted = await client.send("+15550000001", "Hello Ann")
        assert accepted.provider == "twilio" and accepted.message_id.startswith("SM")
        assert twilio.accepted[0].fields == {
            "To": "+15550000001",
            "From": "+15005550006",
            "Body": "Hello Ann",
        }
        with pytest.raises(SmsError) as opted:
            await client.send("+15550000999", "Hello")
        assert opted.value.opted_out and opted.value.permanent
        await client.aclose()
        wrong = TwilioSms(twilio.account_sid, "bad", "+15005550006", base_url=twilio.base_url)
        with pytest.raises(SmsError, match="20003"):
            await wrong.send("+15550000001", "x")
        await wrong.aclose()


async def test_aliyun_sms_template_model() -> None:
    with AliyunSmsStandin({"SMS_100001": ("name", "job_title", "link")}) as aliyun:
        client = AliyunSms(
            aliyun.access_key_id,
            aliyun.access_key_secret,
            aliyun.sign_name,
            base_url=aliyun.base_url,
        )
        params = {"name": "王芳", "job_title": "客服专员", "link": "https://x/2"}
        accepted = await client.send("+8613800138000", "SMS_100001", params)
        assert accepted.provider == "aliyun" and accepted.message_id
        fields = aliyun.accepted[0].fields
        assert fields["PhoneNumbers"] == "13800138000" and fields["TemplateCode"] == "SMS_100001"
        with pytest.raises(SmsError, match="TEMPLATE_MISSING") as missing:
            await client.send("+8613800138000", "SMS_100001", {"name": "王芳"})
        assert missing.value.permanent
        await client.aclose()
        forged = AliyunSms(
            aliyun.access_key_id, "wrong", aliyun.sign_name, base_url=aliyun.base_url
        )
        with pytest.raises(SmsError, match="SignatureDoesNotMatch"):
            await forged.send("+8613800138000", "SMS_100001", params)
        await forged.aclose()


async def test_smtp_mail() -> None:
    with SmtpServer() as smtp:
        mailer = SmtpMailer("127.0.0.1", smtp.port, "jobs@example.com", starttls=False)
        await mailer.send("wang@example.com", "复试邀请：客服专员", "王芳您好：\n链接")
        ((_, message),) = smtp.messages
        assert message["Subject"] == "复试邀请：客服专员"
        assert "王芳您好" in message.get_content()
    closed = SmtpMailer("127.0.0.1", smtp.port, "jobs@example.com", starttls=False, timeout_s=2)
    with pytest.raises(MailError):
        await closed.send("x@example.com", "s", "b")


def _hr_rows(db: Database, *, review_required: bool, language: str, score: float) -> None:
    now = datetime.now(UTC)
    with db.session() as s:
        s.add(
            Job(
                job_id="job1",
                title="客服专员" if language == "zh" else "Support agent",
                script_id="short_en",
                language=language,
                eligibility_rules={},
                follow_up_rules={},
                review_required=review_required,
                created_at=now,
                updated_at=now,
            )
        )
        s.flush()
        s.add(
            Candidate(
                candidate_id="cand1",
                job_id="job1",
                external_id="e1",
                name="王芳" if language == "zh" else "Ann Lee",
                email="cand@example.com",
                phone="+8613800138000" if language == "zh" else "+15550000001",
                timezone="Asia/Shanghai",
                language=language,
                attributes={},
                eligibility="eligible",
                created_at=now,
            )
        )
        s.flush()
        s.add(
            ReportRow(
                report_id="r1",
                candidate_id="cand1",
                job_id="job1",
                tier="advance",
                score=score,
                created_at=now,
                body={},
            )
        )


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_plan_and_send_from_events(tmp_path: Path, language: str) -> None:
    db = Database(f"sqlite:///{tmp_path / 'f.db'}")
    db.upgrade()
    _hr_rows(db, review_required=False, language=language, score=91)
    with (
        TwilioMessagesStandin() as twilio,
        AliyunSmsStandin({"SMS_1": ("name", "job_title", "link")}) as aliyun,
        SmtpServer() as smtp,
    ):
        settings = Settings(
            data_dir=tmp_path,
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
                second_round_url="https://book.example/r1",
            ),
        )
        payload = {"report_id": "r1", "candidate_id": "cand1", "job_id": "job1", "score": 91}
        with db.session() as s:
            planned = plan(s, "interview.completed", payload, settings)
            assert plan(s, "candidate.ineligible", payload, settings) is None
        assert planned is not None and planned.kind is FollowUp.SECOND_ROUND
        sender = FollowUpSender.from_settings(settings)
        sent = await sender.send(planned)
        await sender.aclose()
        assert sorted(s.channel for s in sent) == ["email", "sms"]
        sms_provider = {"en": twilio, "zh": aliyun}[language]
        assert len(sms_provider.accepted) == 1 and len(smtp.messages) == 1
        ((_, mail),) = smtp.messages
        assert "https://book.example/r1" in mail.get_content()
    db.dispose()


async def test_the_delivery_worker_sends_follow_ups_from_the_outbox(tmp_path: Path) -> None:
    """An ``interview.completed`` in the outbox becomes an SMS and an email through the outbox
    worker (the server's path); an event no rule answers (candidate.ineligible) sends nothing."""
    from agent.delivery.worker import worker_for
    from agent.store.outbox import enqueue

    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    db.upgrade()
    _hr_rows(db, review_required=False, language="en", score=91)
    with TwilioMessagesStandin() as twilio, SmtpServer() as smtp:
        settings = Settings(
            data_dir=tmp_path,
            twilio=TwilioSettings(
                account_sid=twilio.account_sid,
                auth_token=twilio.auth_token,
                from_number="+15005550006",
                api_base_url=twilio.base_url,
            ),
            followup=FollowUpSettings(
                smtp_host="127.0.0.1",
                smtp_port=smtp.port,
                smtp_starttls=False,
                mail_from="jobs@example.com",
                second_round_url="https://book.example/r1",
            ),
            delivery={"backoff_base_s": 0.01, "backoff_cap_s": 0.02},
        )
        worker = worker_for(settings, db)
        assert "followup" in worker.sinks
        payload = {"report_id": "r1", "candidate_id": "cand1", "job_id": "job1", "score": 91}
        with db.session() as s:
            enqueue(s, "interview.completed", payload, "interview.completed:r1")
            enqueue(s, "candidate.ineligible", {"candidate_id": "cand1"}, "inel:cand1")
        for _ in range(50):
            await worker.run_once()
            if twilio.accepted and smtp.messages:
                break
        await worker.aclose()
        assert len(twilio.accepted) == 1 and len(smtp.messages) == 1
        ((_, mail),) = smtp.messages
        assert "https://book.example/r1" in mail.get_content()
    db.dispose()
