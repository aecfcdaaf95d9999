"""A local stand-in for Twilio's Calls API, for tests that cannot reach api.twilio.com.

It is a real HTTP server on 127.0.0.1 that follows Twilio's documented contract for
``POST /2010-04-01/Accounts/{AccountSid}/Calls.json``:

- HTTP Basic auth ``AccountSid:AuthToken`` (the path's account must match), else 401 with
  Twilio's error JSON (code 20003);
- form-encoded body; ``To`` (21201), ``From`` (21213) and one of ``Url``/``Twiml``/
  ``ApplicationSid`` (21205) required, ``StatusCallbackEvent`` values checked (21626),
  ``MachineDetection`` must be ``Enable`` or ``DetectMessageEnd`` (400; that code is ours);
- 201 with the call resource JSON (``sid`` ``CA…``, ``status`` ``queued``).

Then, in the background, it plays the call out and POSTs form-encoded status callbacks signed
with ``X-Twilio-Signature`` to ``StatusCallback`` (only the subscribed ``StatusCallbackEvent``s;
the final one is always sent), and the async AMD verdict to ``AsyncAmdStatusCallback``:

- ``completed``: initiated → ringing → in-progress (answered) → AMD verdict → completed;
- ``busy`` / ``no-answer``: initiated → ringing → busy / no-answer;
- ``failed``: initiated → failed.

``POST …/Calls/{CallSid}.json`` (redirect with ``Twiml``/``Url``, or ``Status=completed``) is
accepted for known calls and kept in ``updates``.

The outcome is chosen per ``To`` number (``outcomes``), else ``default_outcome``. Callbacks are
only ever sent to loopback hosts. Import it anywhere in the test suite as
``from tests.telephony.twilio_standin import TwilioStandin``.

    with TwilioStandin(outcomes={"+15550002": "busy"}) as twilio:
        client = TwilioRestClient(twilio.account_sid, twilio.auth_token, base_url=twilio.base_url)
        ...
        twilio.wait_idle()           # all callbacks delivered
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, urlencode, urlsplit

from telephony.twilio import compute_signature

Outcome = Literal["completed", "busy", "no-answer", "failed"]

_CALLS_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Calls\.json$")
_CALL_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Calls/(?P<call>CA\w+)\.json$")
_EVENTS = frozenset({"initiated", "ringing", "answered", "completed"})
_AMD_MODES = frozenset({"Enable", "DetectMessageEnd"})


@dataclass
class Delivery:
    """One callback the stand-in POSTed."""

    url: str
    params: dict[str, str]
    signature: str
    http_status: int | None  # None when the receiver could not be reached


@dataclass
class CallRecord:
    """One accepted call: the request form and what was delivered for it."""

    sid: str
    form: list[tuple[str, str]]
    outcome: Outcome
    deliveries: list[Delivery] = field(default_factory=list)

    def param(self, name: str) -> str | None:
        """Last value of a form field."""
        values = [v for k, v in self.form if k == name]
        return values[-1] if values else None


class TwilioStandin:
    """Twilio Calls API stand-in on ``127.0.0.1`` (use as a context manager).

    Args:
        account_sid / auth_token: the credentials it accepts (random by default).
        outcomes: ``To`` number → how the call ends.
        default_outcome: outcome for other numbers.
        answered_by: AMD verdict sent for answered calls.
        answered_by_for: ``To`` number → AMD verdict for that number (else ``answered_by``).
        sip_codes: ``To`` number → ``SipResponseCode`` of its final callback (e.g. "404" for a
            number that does not exist), else the usual code for the outcome.
        step_delay_s: pause between progress callbacks.
    """

    def __init__(
        self,
        *,
        account_sid: str | None = None,
        auth_token: str | None = None,
        outcomes: Mapping[str, Outcome] | None = None,
        default_outcome: Outcome = "completed",
        answered_by: str = "human",
        answered_by_for: Mapping[str, str] | None = None,
        sip_codes: Mapping[str, str] | None = None,
        step_delay_s: float = 0.01,
        call_duration_s: int = 7,
    ) -> None:
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.outcomes = dict(outcomes or {})
        self.default_outcome = default_outcome
        self.answered_by = answered_by
        self.answered_by_for = dict(answered_by_for or {})
        self.sip_codes = dict(sip_codes or {})
        self.step_delay_s = step_delay_s
        self.call_duration_s = call_duration_s
        self.calls: list[CallRecord] = []
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status) of every request
        self.updates: list[tuple[str, dict[str, str]]] = []  # (call sid, form) of call updates
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """Origin to pass as the REST client's ``base_url``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.wait_idle()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_idle(self, timeout_s: float = 10.0) -> None:
        """Block until every call's callbacks have been delivered."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                raise TimeoutError("stand-in callbacks still running")

    # --- request handling -----------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                standin._handle(self, "POST")

            def do_GET(self) -> None:
                standin._handle(self, "GET")

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler

    def _handle(self, req: BaseHTTPRequestHandler, method: str) -> None:
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        status, payload = self._route(req, method, body)
        data = json.dumps(payload).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json; charset=utf-8")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)
        with self._lock:
            self.requests.append((method, req.path, status))

    def _route(
        self, req: BaseHTTPRequestHandler, method: str, body: bytes
    ) -> tuple[int, dict[str, Any]]:
        update = _CALL_PATH.match(urlsplit(req.path).path)
        if update:
            return self._update(req, method, body, update["account"], update["call"])
        match = _CALLS_PATH.match(urlsplit(req.path).path)
        if not match:
            return _error(404, 20404, f"The requested resource {req.path} was not found")
        if not self._authorized(req.headers.get("Authorization"), match["account"]):
            return _error(401, 20003, "Authenticate")
        if method != "POST":
            return _error(405, 20004, "Method not allowed")
        if not (req.headers.get("Content-Type") or "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return _error(400, 21000, "Request body must be form-encoded")
        form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        fields = dict(form)
        if not fields.get("To"):
            return _error(400, 21201, "No 'To' number is specified")
        if not fields.get("From"):
            return _error(400, 21213, "No 'From' number is specified")
        if not any(fields.get(k) for k in ("Url", "Twiml", "ApplicationSid")):
            return _error(400, 21205, "Url parameter is required.")
        events = [v for k, v in form if k == "StatusCallbackEvent"]
        if any(e not in _EVENTS for e in events):
            return _error(400, 21626, "Invalid 'StatusCallbackEvent'")
        if "MachineDetection" in fields and fields["MachineDetection"] not in _AMD_MODES:
            return _error(400, 21625, "Invalid 'MachineDetection'")
        record = CallRecord(
            sid="CA" + secrets.token_hex(16),
            form=form,
            outcome=self.outcomes.get(fields["To"], self.default_outcome),
        )
        with self._lock:
            self.calls.append(record)
        worker = threading.Thread(target=self._play_call, args=(record,), daemon=True)
        with self._lock:
            self._workers.append(worker)
        worker.start()
        return 201, self._call_resource(record, "queued")

    def _update(
        self, req: BaseHTTPRequestHandler, method: str, body: bytes, account: str, sid: str
    ) -> tuple[int, dict[str, Any]]:
        """``POST …/Calls/{CallSid}.json``: redirect a live call (``Twiml``/``Url``) or end it
        (``Status=completed``)."""
        if not self._authorized(req.headers.get("Authorization"), account):
            return _error(401, 20003, "Authenticate")
        with self._lock:
            record = next((c for c in self.calls if c.sid == sid), None)
        if record is None or method != "POST":
            return _error(404, 20404, f"The requested resource {req.path} was not found")
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if not any(form.get(k) for k in ("Twiml", "Url", "Status")):
            return _error(400, 21205, "Url parameter is required.")
        if form.get("Status") not in (None, "completed", "canceled"):
            return _error(400, 21218, "Invalid 'Status'")
        with self._lock:
            self.updates.append((sid, form))
        return 200, self._call_resource(record, "in-progress")

    def _authorized(self, header: str | None, account: str) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return user == account == self.account_sid and password == self.auth_token

    def _call_resource(self, record: CallRecord, status: str) -> dict[str, Any]:
        now = formatdate(usegmt=True)
        return {
            "sid": record.sid,
            "account_sid": self.account_sid,
            "to": record.param("To"),
            "to_formatted": record.param("To"),
            "from": record.param("From"),
            "from_formatted": record.param("From"),
            "status": status,
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": now,
            "date_updated": now,
            "start_time": None,
            "end_time": None,
            "duration": None,
            "answered_by": None,
            "price": None,
            "parent_call_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{record.sid}.json",
        }

    # --- call progress ----------------------------------------------------------------------

    def _play_call(self, record: CallRecord) -> None:
        subscribed = {v for k, v in record.form if k == "StatusCallbackEvent"} or {"completed"}
        steps: list[tuple[str, str]] = [("initiated", "initiated")]
        if record.outcome != "failed":
            steps.append(("ringing", "ringing"))
        if record.outcome == "completed":
            steps.append(("answered", "in-progress"))
        steps.append(("completed", record.outcome))
        sequence = 0
        for event, status in steps:
            time.sleep(self.step_delay_s)
            if event == "completed" and record.outcome == "completed":
                self._send_amd(record)
                time.sleep(self.step_delay_s)
            url = record.param("StatusCallback")
            if not url or event not in subscribed:
                continue
            params = self._progress_params(record, status, sequence)
            sequence += 1
            self._deliver(record, url, params)

    def _progress_params(self, record: CallRecord, status: str, sequence: int) -> dict[str, str]:
        to, from_ = record.param("To") or "", record.param("From") or ""
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": record.sid,
            "CallStatus": status,
            "CallbackSource": "call-progress-events",
            "Called": to,
            "Caller": from_,
            "Direction": "outbound-api",
            "From": from_,
            "To": to,
            "SequenceNumber": str(sequence),
            "Timestamp": formatdate(usegmt=True),
        }
        if status in ("completed", "busy", "no-answer", "failed"):
            duration = self.call_duration_s if status == "completed" else 0
            params["CallDuration"] = str(duration)
            params["Duration"] = str((duration + 59) // 60)  # billed minutes
            sip = {"completed": "200", "busy": "486", "no-answer": "487", "failed": "500"}
            params["SipResponseCode"] = self.sip_codes.get(to, sip[status])
        return params

    def _send_amd(self, record: CallRecord) -> None:
        url = record.param("AsyncAmdStatusCallback")
        if not url or record.param("MachineDetection") is None:
            return
        params = {
            "AccountSid": self.account_sid,
            "CallSid": record.sid,
            "AnsweredBy": self.answered_by_for.get(record.param("To") or "", self.answered_by),
            "MachineDetectionDuration": "2431",
        }
        self._deliver(record, url, params)

    def _deliver(self, record: CallRecord, url: str, params: dict[str, str]) -> None:
        signature = compute_signature(self.auth_token, url, params)
        status: int | None = None
        if _is_loopback(url):  # tests talk only to 127.0.0.1; never call out
            request = urllib.request.Request(
                url,
                data=urlencode(params).encode(),
                method="POST",
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature,
                    "User-Agent": "TwilioProxy/1.1",
                },
            )
            try:
                # a loaded CI host can be slow to answer
                with urllib.request.urlopen(request, timeout=30) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = None
        with self._lock:
            record.deliveries.append(Delivery(url, params, signature, status))


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    # Twilio's documented error body.
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


__all__ = ["CallRecord", "Delivery", "Outcome", "TwilioStandin"]
