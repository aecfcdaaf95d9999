"""Twilio Media Streams codec (sans-I/O), ``<Connect><Stream>`` TwiML, webhook signatures.

Media Streams run over one WebSocket per call; every frame is a JSON text message. This module
never touches a socket: the glue feeds each received text frame to
:meth:`TwilioMediaStream.receive`, gets back one typed event, and writes whatever string the
``encode_*`` methods return::

    stream = TwilioMediaStream()
    async for text in websocket:                  # glue owns the socket
        event = stream.receive(text)              # ProtocolError -> close the socket
        match event:
            case TwilioMedia(pcm16=pcm):          # 8 kHz PCM16 LE, ~20 ms
                ...
            case TwilioStop():
                break
    await websocket.send(stream.encode_media(pcm16_8k))
    await websocket.send(stream.encode_mark("prompt-3"))   # echoed back as TwilioMark when played
    await websocket.send(stream.encode_clear())            # barge-in: drop queued playback

Reference: https://www.twilio.com/docs/voice/media-streams/websocket-messages and
https://www.twilio.com/docs/usage/security#validating-requests (signatures).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlsplit, urlunsplit

from telephony import _wire
from telephony.errors import ProtocolError
from telephony.g711 import pcm16_to_ulaw, ulaw_to_pcm16

__all__ = [
    "DEFAULT_MAX_MESSAGE_BYTES",
    "TWILIO_SAMPLE_RATE",
    "TwilioConnected",
    "TwilioDtmf",
    "TwilioEvent",
    "TwilioMark",
    "TwilioMedia",
    "TwilioMediaStream",
    "TwilioStart",
    "TwilioStop",
    "build_clear_message",
    "build_mark_message",
    "build_media_message",
    "compute_signature",
    "connect_stream_twiml",
    "say_hangup_twiml",
    "validate_signature",
]

TWILIO_SAMPLE_RATE = 8000
"""Media Streams always carry 8 kHz mono μ-law."""

DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024
"""A 20 ms media frame is ~300 bytes of JSON; anything near this limit is not Twilio."""

_DTMF_DIGITS = frozenset("0123456789*#ABCD")


# --- events -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TwilioConnected:
    """First message on the socket: the protocol Twilio will speak."""

    protocol: str
    version: str


@dataclass(frozen=True, slots=True)
class TwilioStart:
    """Stream metadata, sent once after ``connected``. The media format has been validated."""

    stream_sid: str
    call_sid: str
    account_sid: str
    tracks: tuple[str, ...] = ("inbound",)
    custom_parameters: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class TwilioMedia:
    """One chunk of caller audio, already decoded from μ-law.

    Attributes:
        pcm16: signed 16-bit little-endian mono PCM at 8 kHz (two bytes per μ-law byte).
        timestamp_ms: milliseconds since the stream started (Twilio's ``media.timestamp``).
        track: ``"inbound"`` (caller) or ``"outbound"``.
        chunk: Twilio's per-track chunk counter, starting at 1.
    """

    pcm16: bytes
    timestamp_ms: int
    track: str = "inbound"
    chunk: int = 0


@dataclass(frozen=True, slots=True)
class TwilioDtmf:
    """A keypress detected on the inbound track (bidirectional streams only)."""

    digit: str
    track: str = "inbound_track"


@dataclass(frozen=True, slots=True)
class TwilioMark:
    """Twilio finished playing the audio sent before the mark with this name."""

    name: str


@dataclass(frozen=True, slots=True)
class TwilioStop:
    """The stream ended (call hung up or stream stopped). Nothing may follow it."""

    call_sid: str
    account_sid: str


TwilioEvent = TwilioConnected | TwilioStart | TwilioMedia | TwilioDtmf | TwilioMark | TwilioStop
"""Anything :meth:`TwilioMediaStream.receive` can return."""


# --- outbound messages (pure) -------------------------------------------------------------------


def build_media_message(stream_sid: str, pcm16: bytes) -> str:
    """``media`` message playing 8 kHz PCM16 LE audio to the caller (encoded to μ-law).

    Raises:
        ValueError: ``pcm16`` has an odd number of bytes.
    """
    payload = _wire.encode_base64(pcm16_to_ulaw(pcm16))
    return _wire.dump({"event": "media", "streamSid": stream_sid, "media": {"payload": payload}})


def build_mark_message(stream_sid: str, name: str) -> str:
    """``mark`` message: Twilio echoes it back as :class:`TwilioMark` once prior audio played."""
    if not name:
        raise ValueError("mark name must be non-empty")
    return _wire.dump({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def build_clear_message(stream_sid: str) -> str:
    """``clear`` message: drop all queued playback (barge-in); pending marks are echoed back."""
    return _wire.dump({"event": "clear", "streamSid": stream_sid})


# --- the per-socket state machine ---------------------------------------------------------------


class TwilioMediaStream:
    """Sans-I/O protocol state for one Twilio Media Streams WebSocket connection.

    Enforces the message order Twilio documents (``connected`` → ``start`` → ``media`` / ``dtmf``
    / ``mark`` … → ``stop``) and that every later message names the stream announced in
    ``start``. Any violation, and any malformed or oversized message, raises
    :class:`~telephony.errors.ProtocolError`.
    """

    def __init__(self, *, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.max_message_bytes = max_message_bytes
        self._start: TwilioStart | None = None
        self._stopped = False

    @property
    def start(self) -> TwilioStart | None:
        """The ``start`` metadata once received."""
        return self._start

    @property
    def stream_sid(self) -> str | None:
        """The stream's SID once ``start`` was received."""
        return self._start.stream_sid if self._start else None

    @property
    def stopped(self) -> bool:
        """True once ``stop`` was received; the glue should then close the socket."""
        return self._stopped

    def receive(self, message: str | bytes) -> TwilioEvent:
        """Parse one text frame from Twilio into an event.

        Raises:
            ProtocolError: malformed JSON, unknown event, missing or mistyped fields, bad
                base64, a message over ``max_message_bytes``, a media format other than
                8 kHz mono μ-law, or a message out of order (e.g. ``media`` before ``start``).
        """
        msg = _wire.load_object(message, self.max_message_bytes, "Twilio message")
        event = msg.get("event")
        if self._stopped:
            raise ProtocolError(f"Twilio {event!r} message after stop")
        if event == "connected":
            if self._start is not None:
                raise ProtocolError("Twilio 'connected' message after start")
            return TwilioConnected(
                protocol=_wire.get_str(msg, "protocol", "connected"),
                version=_wire.get_str(msg, "version", "connected"),
            )
        if event == "start":
            if self._start is not None:
                raise ProtocolError("second Twilio 'start' message")
            self._start = _parse_start(msg)
            return self._start
        if event not in ("media", "dtmf", "mark", "stop"):
            raise ProtocolError(f"unknown Twilio event {event!r}")
        if self._start is None:
            raise ProtocolError(f"Twilio {event!r} message before start")
        sid = _wire.get_str(msg, "streamSid", event)
        if sid != self._start.stream_sid:
            raise ProtocolError(f"Twilio {event!r} for stream {sid!r}, expected our stream")
        if event == "media":
            return _parse_media(msg)
        if event == "dtmf":
            return _parse_dtmf(msg)
        if event == "mark":
            mark = _wire.get_object(msg, "mark", "mark")
            return TwilioMark(name=_wire.get_str(mark, "name", "mark"))
        stop = _wire.get_object(msg, "stop", "stop")
        result = TwilioStop(
            call_sid=_wire.get_str(stop, "callSid", "stop"),
            account_sid=_wire.get_str(stop, "accountSid", "stop"),
        )
        self._stopped = True
        return result

    def _sid(self) -> str:
        if self._start is None:
            # A glue bug, not peer misbehaviour: audio must wait for (or be dropped before) start.
            raise RuntimeError("cannot send to Twilio before the 'start' message arrived")
        return self._start.stream_sid

    def encode_media(self, pcm16: bytes) -> str:
        """Text frame playing 8 kHz PCM16 LE audio to the caller (:func:`build_media_message`)."""
        return build_media_message(self._sid(), pcm16)

    def encode_mark(self, name: str) -> str:
        """Text frame placing a playback mark (see :func:`build_mark_message`)."""
        return build_mark_message(self._sid(), name)

    def encode_clear(self) -> str:
        """Text frame flushing queued playback (see :func:`build_clear_message`)."""
        return build_clear_message(self._sid())


def _parse_start(msg: _wire.JsonObject) -> TwilioStart:
    start = _wire.get_object(msg, "start", "start")
    fmt = _wire.get_object(start, "mediaFormat", "start")
    encoding, rate, channels = fmt.get("encoding"), fmt.get("sampleRate"), fmt.get("channels")
    ints = type(rate) is int and type(channels) is int  # reject 8000.0, true, "8000"
    if not ints or (encoding, rate, channels) != ("audio/x-mulaw", TWILIO_SAMPLE_RATE, 1):
        raise ProtocolError(
            f"unsupported Twilio mediaFormat {encoding!r}/{rate!r}/{channels!r}; "
            "expected audio/x-mulaw 8000 Hz mono"
        )
    tracks = start.get("tracks", ["inbound"])
    if not isinstance(tracks, list) or not all(isinstance(t, str) for t in tracks):
        raise ProtocolError("start: 'tracks' must be a list of strings")
    params = start.get("customParameters", {})
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        raise ProtocolError("start: 'customParameters' must map names to strings")
    return TwilioStart(
        stream_sid=_wire.get_str(start, "streamSid", "start"),
        call_sid=_wire.get_str(start, "callSid", "start"),
        account_sid=_wire.get_str(start, "accountSid", "start"),
        tracks=tuple(tracks),
        custom_parameters=MappingProxyType(dict(params)),
    )


def _parse_media(msg: _wire.JsonObject) -> TwilioMedia:
    media = _wire.get_object(msg, "media", "media")
    payload = _wire.get_str(media, "payload", "media", allow_empty=True)
    return TwilioMedia(
        pcm16=ulaw_to_pcm16(_wire.decode_base64(payload, "media")),
        timestamp_ms=_wire.get_int(media, "timestamp", "media"),
        track=_wire.get_str(media, "track", "media") if "track" in media else "inbound",
        chunk=_wire.get_int(media, "chunk", "media", default=0),
    )


def _parse_dtmf(msg: _wire.JsonObject) -> TwilioDtmf:
    dtmf = _wire.get_object(msg, "dtmf", "dtmf")
    digit = _wire.get_str(dtmf, "digit", "dtmf")
    if digit not in _DTMF_DIGITS:
        raise ProtocolError(f"dtmf: invalid digit {digit!r}")
    track = _wire.get_str(dtmf, "track", "dtmf") if "track" in dtmf else "inbound_track"
    return TwilioDtmf(digit=digit, track=track)


# --- TwiML --------------------------------------------------------------------------------------


def _check_xml_text(value: str, what: str) -> None:
    # ElementTree escapes markup characters but happily emits characters XML 1.0 forbids.
    for ch in value:
        code = ord(ch)
        if (code < 0x20 and ch not in "\t\n\r") or 0xD800 <= code <= 0xDFFF or code >= 0xFFFE:
            raise ValueError(f"{what} contains a character not allowed in XML: {ch!r}")


def connect_stream_twiml(
    url: str, parameters: Mapping[str, str] | None = None, *, then: str | None = None
) -> str:
    """TwiML answering a call with a bidirectional Media Stream to ``url``.

    Produces ``<Response><Connect><Stream url="…"><Parameter name=… value=…/>…</Stream>
    </Connect></Response>``; the parameters come back in :attr:`TwilioStart.custom_parameters`.
    With ``then``, a ``<Redirect method="POST">then</Redirect>`` follows the ``<Connect>``:
    Twilio runs it once the server closes the stream's WebSocket (the interview ended, or the
    stream was refused), so the server decides what the caller hears next. All values are
    XML-escaped.

    Raises:
        ValueError: ``url`` is not ``wss://`` (Twilio only streams to secure WebSockets) or a
            value holds a character XML cannot carry.
    """
    if urlsplit(url).scheme != "wss" or not urlsplit(url).netloc:
        raise ValueError(f"Twilio Media Streams need a wss:// URL, got {url!r}")
    response = ET.Element("Response")
    stream = ET.SubElement(ET.SubElement(response, "Connect"), "Stream", url=url)
    _check_xml_text(url, "stream URL")
    for name, value in (parameters or {}).items():
        _check_xml_text(name, "parameter name")
        _check_xml_text(value, f"parameter {name!r}")
        ET.SubElement(stream, "Parameter", name=name, value=value)
    if then is not None:
        _check_xml_text(then, "redirect URL")
        ET.SubElement(response, "Redirect", method="POST").text = then
    return _document(response)


def redirect_twiml(url: str) -> str:
    """TwiML that hands the call to ``url`` (Twilio POSTs the call's fields there)."""
    _check_xml_text(url, "redirect URL")
    response = ET.Element("Response")
    ET.SubElement(response, "Redirect", method="POST").text = url
    return _document(response)


def hangup_twiml() -> str:
    """TwiML that ends the call."""
    response = ET.Element("Response")
    ET.SubElement(response, "Hangup")
    return _document(response)


def _document(response: ET.Element) -> str:
    body = ET.tostring(response, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="UTF-8"?>' + body


def say_hangup_twiml(text: str, *, voice: str | None = None) -> str:
    """TwiML that speaks ``text`` with Twilio's ``<Say>`` and hangs up (voicemail message).

    Raises:
        ValueError: ``text`` holds a character XML cannot carry.
    """
    _check_xml_text(text, "say text")
    response = ET.Element("Response")
    say = ET.SubElement(response, "Say", voice=voice) if voice else ET.SubElement(response, "Say")
    say.text = text
    ET.SubElement(response, "Hangup")
    return _document(response)


def busy_twiml() -> str:
    """TwiML that rejects the call with a busy signal (server at capacity)."""
    response = ET.Element("Response")
    ET.SubElement(response, "Reject", reason="busy")
    return _document(response)


# --- webhook signatures -------------------------------------------------------------------------

SignatureParams = Mapping[str, str | Sequence[str]] | Iterable[tuple[str, str]]
"""Form parameters of a webhook POST: a mapping (values may be lists) or (name, value) pairs."""


def _grouped(params: SignatureParams) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    items = params.items() if isinstance(params, Mapping) else params
    for name, value in items:
        values = [value] if isinstance(value, str) else list(value)
        grouped.setdefault(name, []).extend(values)
    return grouped


def compute_signature(auth_token: str, url: str, params: SignatureParams = ()) -> str:
    """The ``X-Twilio-Signature`` Twilio sends with a webhook to ``url``.

    Base64 of HMAC-SHA1 keyed with the account's auth token over the full URL (query string
    included) followed by every POST parameter, sorted by name, as name + value. Repeated
    names contribute each value in sorted order, as Twilio's own helper libraries do.
    """
    parts = [url]
    grouped = _grouped(params)
    for name in sorted(grouped):
        parts.extend(name + value for value in sorted(grouped[name]))
    digest = hmac.new(auth_token.encode(), "".join(parts).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _url_variants(url: str) -> list[str]:
    # Twilio signs the URL as it dialled it; a proxy may add or drop the default port, so
    # (like Twilio's helper libraries) accept the URL with and without an explicit port.
    parts = urlsplit(url)
    variants = [url]
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    default_port = {"https": 443, "http": 80}.get(parts.scheme)
    try:
        port = parts.port
    except ValueError:
        return variants
    if port is not None:
        variants.append(urlunsplit(parts._replace(netloc=prefix + host)))
    elif default_port is not None:
        variants.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default_port}")))
    return variants


def validate_signature(auth_token: str, url: str, params: SignatureParams, signature: str) -> bool:
    """Whether ``signature`` (the ``X-Twilio-Signature`` header) is valid for this request.

    ``url`` must be the full public URL Twilio requested, including the query string; behind a
    reverse proxy rebuild it from the public scheme/host. Comparison is constant-time.
    """
    given = signature.encode("utf-8", "surrogatepass")
    grouped = _grouped(params)
    ok = False
    for candidate in _url_variants(url):
        expected = compute_signature(auth_token, candidate, grouped).encode("ascii")
        ok |= hmac.compare_digest(expected, given)
    return ok
