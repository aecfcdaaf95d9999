"""Local stand-ins for the SMS providers follow-ups use, and a real SMTP server, all on
127.0.0.1. Each records when it accepted a message (``time.monotonic()``), for the latency
benchmark.

- :class:`TwilioMessagesStandin`: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``
  per Twilio's contract: Basic auth ``AccountSid:AuthToken`` (401, code 20003), form-encoded,
  ``To`` required (21604), ``From`` or ``MessagingServiceSid`` (21603), ``Body`` or
  ``MediaUrl`` (21602); a number in ``opted_out`` answers 400 code 21610 (the recipient sent
  STOP); 201 with the message resource (``sid`` ``SM…``, ``status`` ``queued``).
- :class:`AliyunSmsStandin`: Aliyun ``SendSms`` (RPC style, ``Version=2017-05-25``): every
  common parameter present, ``Signature`` checked (HMAC-SHA1 over the sorted, percent-encoded
  parameters, key ``AccessKeySecret&``; ``SignatureDoesNotMatch`` otherwise), the
  ``TemplateCode`` known and its ``TemplateParam`` a JSON object carrying the template's
  variables (``isv.TEMPLATE_MISSING_PARAMETERS``); answers ``{"Code": "OK", "BizId": …}``.
- :class:`SmtpServer`: aiosmtpd's controller, keeping each message.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl

from agent.delivery.sms import aliyun_sign


@dataclass
class Accepted:
    """One message a stand-in accepted."""

    at: float  # time.monotonic()
    fields: dict[str, str]


class _HttpStandin:
    """A threaded HTTP server on 127.0.0.1 answering POSTs with JSON."""

    def __init__(self) -> None:
        self.accepted: list[Accepted] = []
        self.rejected: list[tuple[int, dict[str, Any]]] = []
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 64 * 1024)) if length else b""
                status, payload = standin.handle(self, body)
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle(self, req: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def _accept(self, fields: dict[str, str]) -> None:
        with self._lock:
            self.accepted.append(Accepted(time.monotonic(), fields))

    def _reject(self, status: int, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.rejected.append((status, payload))
        return status, payload

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class TwilioMessagesStandin(_HttpStandin):
    """Twilio's Messages API (see the module docstring)."""

    def __init__(self, opted_out: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.account_sid = "AC" + secrets.token_hex(16)
        self.auth_token = secrets.token_hex(16)
        self.opted_out = opted_out

    def _error(self, status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
        return self._reject(
            status,
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def handle(self, req: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, Any]]:
        if req.path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            return self._error(404, 20404, "The requested resource was not found")
        header = req.headers.get("Authorization") or ""
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        if not header.startswith("Basic ") or (user, password) != (
            self.account_sid,
            self.auth_token,
        ):
            return self._error(401, 20003, "Authenticate")
        fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if not fields.get("To"):
            return self._error(400, 21604, "A 'To' phone number is required.")
        if not (fields.get("From") or fields.get("MessagingServiceSid")):
            return self._error(400, 21603, "A 'From' phone number is required.")
        if not (fields.get("Body") or fields.get("MediaUrl")):
            return self._error(400, 21602, "Message body is required.")
        if len(fields["Body"]) > 1600:
            return self._error(400, 21617, "The concatenated message body exceeds 1600 chars")
        if fields["To"] in self.opted_out:
            return self._error(400, 21610, "Attempt to send to unsubscribed recipient")
        self._accept(fields)
        sid = "SM" + secrets.token_hex(16)
        return 201, {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": fields["To"],
            "from": fields.get("From"),
            "body": fields["Body"],
            "status": "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "num_segments": "1",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }


_ALIYUN_COMMON = (
    "AccessKeyId",
    "Action",
    "Format",
    "RegionId",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "Timestamp",
    "Version",
    "Signature",
    "PhoneNumbers",
    "SignName",
    "TemplateCode",
)


class AliyunSmsStandin(_HttpStandin):
    """Aliyun SMS ``SendSms`` (see the module docstring). ``templates``: TemplateCode → the
    variable names its approved text uses."""

    def __init__(self, templates: dict[str, tuple[str, ...]], sign_name: str = "屏线招聘") -> None:
        super().__init__()
        self.access_key_id = "LTAI" + secrets.token_hex(8)
        self.access_key_secret = secrets.token_hex(15)
        self.templates = templates
        self.sign_name = sign_name
        self._nonces: set[str] = set()

    def _error(self, status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
        return self._reject(
            status, {"Code": code, "Message": message, "RequestId": secrets.token_hex(8)}
        )

    def handle(self, req: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, Any]]:
        fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        missing = [k for k in _ALIYUN_COMMON if not fields.get(k)]
        if missing:
            return self._error(400, "MissingParameter", f"missing {missing[0]}")
        if fields["Action"] != "SendSms" or fields["Version"] != "2017-05-25":
            return self._error(400, "InvalidAction.NotFound", "Specified api is not found")
        if fields["AccessKeyId"] != self.access_key_id:
            return self._error(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found"
            )
        signature = fields.pop("Signature")
        if aliyun_sign(fields, self.access_key_secret, req.command) != signature:
            return self._error(400, "SignatureDoesNotMatch", "Specified signature is not matched")
        if fields["SignatureNonce"] in self._nonces:
            return self._error(400, "SignatureNonceUsed", "Specified signature nonce was used")
        self._nonces.add(fields["SignatureNonce"])
        if fields["SignName"] != self.sign_name:
            return self._error(200, "isv.SMS_SIGNATURE_ILLEGAL", "签名不合法")
        wanted = self.templates.get(fields["TemplateCode"])
        if wanted is None:
            return self._error(200, "isv.SMS_TEMPLATE_ILLEGAL", "模板不合法")
        try:
            params = json.loads(fields.get("TemplateParam") or "{}")
        except ValueError:
            return self._error(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法")
        if not isinstance(params, dict) or any(not params.get(v) for v in wanted):
            return self._error(200, "isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量")
        if not fields["PhoneNumbers"].isdigit():
            return self._error(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        self._accept(fields)
        return 200, {
            "Code": "OK",
            "Message": "OK",
            "BizId": f"{secrets.randbelow(10**9)}^0",
            "RequestId": secrets.token_hex(8),
        }


@dataclass
class SmtpServer:
    """aiosmtpd on 127.0.0.1 keeping every message (``messages``, with acceptance times)."""

    messages: list[tuple[float, EmailMessage]] = field(default_factory=list)

    def __post_init__(self) -> None:
        from aiosmtpd.controller import Controller

        server = self

        class Handler:
            async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
                parsed = message_from_bytes(envelope.content, policy=policy.default)
                server.messages.append((time.monotonic(), parsed))  # type: ignore[arg-type]
                return "250 Message accepted for delivery"

        with socket.socket() as probe:  # a free loopback port (the controller needs one)
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Self:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()
