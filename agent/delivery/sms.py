"""SMS senders for follow-ups: Twilio's Messages API, and Aliyun SMS (``SendSms``) for
mainland China, whose model is a pre-approved template id plus its parameters.

Each is pure request building (tested without sockets) plus one async POST over httpx;
``base_url`` is configurable so tests run against local stand-ins following the contracts:

- Twilio: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, Basic auth, form fields
  ``To``, ``From``, ``Body``; 201 with the message resource (``sid`` ``SM…``, ``status``).
  https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
- Aliyun: RPC-style ``Action=SendSms&Version=2017-05-25`` with ``PhoneNumbers``, ``SignName``,
  ``TemplateCode``, ``TemplateParam`` (JSON), signed HMAC-SHA1 over
  ``METHOD&%2F&percent(sorted query)`` keyed with ``AccessKeySecret + "&"``; answer JSON
  ``{"Code": "OK", "BizId": …}``. https://help.aliyun.com/document_detail/101414.html
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

__all__ = [
    "AliyunSms",
    "SmsAccepted",
    "SmsError",
    "TwilioSms",
    "aliyun_phone",
    "aliyun_sign",
    "aliyun_signed_params",
    "percent_encode",
]

MAX_SMS_CHARS = 640
#: Twilio error codes meaning the recipient cannot or will not receive SMS (no retry):
#: 21211 invalid To, 21610 the recipient replied STOP, 21614 not a mobile number.
TWILIO_PERMANENT = frozenset({21211, 21610, 21614})
TWILIO_OPTED_OUT = 21610


@dataclass(frozen=True, slots=True)
class SmsAccepted:
    """The provider accepted the message for delivery."""

    provider: str
    message_id: str


class SmsError(Exception):
    """The provider refused the message (``permanent``: retrying cannot help;
    ``opted_out``: the recipient asked for no more messages)."""

    def __init__(self, message: str, *, permanent: bool = False, opted_out: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.opted_out = opted_out


class TwilioSms:
    """Twilio Messages API client."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        base_url: str = "https://api.twilio.com",
        timeout_s: float = 10.0,
    ) -> None:
        self.account_sid = account_sid
        self.from_number = from_number
        self._http = httpx.AsyncClient(
            base_url=base_url, auth=httpx.BasicAuth(account_sid, auth_token), timeout=timeout_s
        )

    async def send(self, to: str, body: str) -> SmsAccepted:
        """Send ``body`` to ``to`` (E.164).

        Raises:
            SmsError: refused (with Twilio's code in the text) or unreachable.
        """
        form = {"To": to, "From": self.from_number, "Body": body[:MAX_SMS_CHARS]}
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        try:
            response = await self._http.post(path, data=form)
        except httpx.HTTPError as exc:
            raise SmsError(f"Twilio unreachable: {exc!r}") from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code not in (200, 201) or not isinstance(data.get("sid"), str):
            code = data.get("code") if isinstance(data, dict) else None
            raise SmsError(
                f"Twilio refused the message (HTTP {response.status_code}, code {code})",
                permanent=code in TWILIO_PERMANENT,
                opted_out=code == TWILIO_OPTED_OUT,
            )
        return SmsAccepted("twilio", data["sid"])

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun's signature wants it (space %20, ``*`` %2A, ``~`` kept)."""
    return quote(value, safe="-_.~")


def aliyun_sign(params: Mapping[str, str], access_key_secret: str, method: str = "POST") -> str:
    """The ``Signature`` of an Aliyun RPC request with these parameters."""
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    digest = hmac.new(
        (access_key_secret + "&").encode(), string_to_sign.encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


def aliyun_phone(e164: str) -> str:
    """Aliyun's ``PhoneNumbers`` form: a mainland number without +86, others with the country
    code and no plus."""
    digits = e164.lstrip("+")
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def aliyun_signed_params(
    *,
    access_key_id: str,
    access_key_secret: str,
    phone: str,
    sign_name: str,
    template_code: str,
    template_param: Mapping[str, str],
    region: str = "cn-hangzhou",
    out_id: str | None = None,
    now: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Every form field of one ``SendSms`` request, ``Signature`` included."""
    params = {
        "AccessKeyId": access_key_id,
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": aliyun_phone(phone),
        "RegionId": region,
        "SignName": sign_name,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce or secrets.token_hex(16),
        "SignatureVersion": "1.0",
        "TemplateCode": template_code,
        "TemplateParam": json.dumps(dict(template_param), ensure_ascii=False),
        "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
    }
    if out_id:
        params["OutId"] = out_id
    params["Signature"] = aliyun_sign(params, access_key_secret)
    return params


class AliyunSms:
    """Aliyun SMS ``SendSms`` client (templates are approved in the Aliyun console; a message
    is a ``TemplateCode`` and the values of its variables)."""

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        *,
        base_url: str = "https://dysmsapi.aliyuncs.com",
        region: str = "cn-hangzhou",
        timeout_s: float = 10.0,
    ) -> None:
        self._key_id = access_key_id
        self._secret = access_key_secret
        self.sign_name = sign_name
        self.region = region
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)

    async def send(
        self,
        phone: str,
        template_code: str,
        params: Mapping[str, str],
        out_id: str | None = None,
    ) -> SmsAccepted:
        """Send template ``template_code`` with ``params`` to ``phone`` (E.164).

        Raises:
            SmsError: refused (Aliyun's ``Code`` in the text) or unreachable.
        """
        form = aliyun_signed_params(
            access_key_id=self._key_id,
            access_key_secret=self._secret,
            phone=phone,
            sign_name=self.sign_name,
            template_code=template_code,
            template_param=params,
            region=self.region,
            out_id=out_id,
        )
        try:
            response = await self._http.post("/", data=form)
        except httpx.HTTPError as exc:
            raise SmsError(f"Aliyun SMS unreachable: {exc!r}") from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        code = data.get("Code") if isinstance(data, dict) else None
        if code != "OK":
            raise SmsError(
                f"Aliyun refused the message (HTTP {response.status_code}, {code})",
                permanent=str(code).startswith("isv."),
            )
        return SmsAccepted("aliyun", str(data.get("BizId") or data.get("RequestId") or ""))

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()
