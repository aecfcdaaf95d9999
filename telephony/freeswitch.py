"""FreeSWITCH ``mod_audio_stream`` / ``mod_audio_fork`` WebSocket codec (sans-I/O).

Both modules are WebSocket *clients* started from FreeSWITCH with
``uuid_audio_stream|uuid_audio_fork <uuid> start <ws-url> mono <8k|16k> <metadata>``.
What they send, per their source and READMEs (amigniter/mod_audio_stream,
drachtio/drachtio-freeswitch-modules ``modules/mod_audio_fork``):

1. One **text** frame: the ``<metadata>`` argument, verbatim, before any audio. The modules send
   nothing of their own in it (no call id, no sample rate), so its content is *our* convention:
   the dialplan in ``telephony/README.md`` passes a JSON object such as
   ``{"uuid": "${uuid}", "caller_id": "${caller_id_number}", "destination_number":
   "${destination_number}", "sample_rate": 8000}``. Both modules cap it at 8192 bytes.
2. **Binary** frames of L16 (signed 16-bit, little-endian on every platform FreeSWITCH ships
   on), mono for mix-type ``mono``/``mixed``, at the rate given to ``start`` (8000 or 16000);
   20 ms per frame by default (``STREAM_BUFFER_SIZE`` can make them longer).
3. Optional later **text** frames from ``send_text`` / ``stop <text>``.

Playback goes the other way as JSON text: mod_audio_stream accepts ``{"type": "streamAudio",
"data": {"audioDataType": "raw", "sampleRate": 8000, "audioData": "<base64>"}}``;
mod_audio_fork accepts ``{"type": "playAudio", "data": {"audioContentType": "raw",
"sampleRate": 8000, "audioContent": "<base64>"}}`` and ``{"type": "killAudio"}`` (stop
playback). Note both write each message to a temp file and fire an event
(``mod_audio_stream::play`` / ``mod_audio_fork::play_audio``) whose handler plays it, so send
whole phrases, not 20 ms slices.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from telephony import _wire
from telephony.errors import ProtocolError

__all__ = [
    "AUDIO_FORK_SUBPROTOCOL",
    "DEFAULT_MAX_FRAME_BYTES",
    "MAX_METADATA_BYTES",
    "SAMPLE_RATES",
    "FreeSwitchAudio",
    "FreeSwitchEvent",
    "FreeSwitchMetadata",
    "FreeSwitchModule",
    "FreeSwitchStream",
    "FreeSwitchText",
    "build_kill_audio",
    "build_play_audio",
    "build_stream_audio",
]

AUDIO_FORK_SUBPROTOCOL = "audio.drachtio.org"
"""WebSocket subprotocol mod_audio_fork requests by default; the server must select it."""

SAMPLE_RATES = (8000, 16000)
"""Rates both modules stream (``start … 8k|16k``)."""

MAX_METADATA_BYTES = 8192
"""``MAX_METADATA_LEN`` in both modules; longer text cannot come from them."""

DEFAULT_MAX_FRAME_BYTES = 64 * 1024
"""One second of 16 kHz L16 is 32 000 bytes; default frames are 20 ms (320/640 bytes)."""

# FreeSWITCH plays raw playback files as .r8/.r16/... ; these are the rates with a file type.
_PLAYBACK_RATES = frozenset({8000, 16000, 24000, 32000, 48000, 64000})

# Accepted spellings of the metadata fields (ours first; others seen in public dialplans).
_UUID_KEYS = ("uuid", "call_uuid", "callId")
_CALLER_KEYS = ("caller_id", "caller_id_number", "from")
_CALLED_KEYS = ("destination_number", "to")
_RATE_KEYS = ("sample_rate", "sampleRate")


class FreeSwitchModule(enum.StrEnum):
    """Which FreeSWITCH module is on the other end (they differ only in playback messages)."""

    AUDIO_STREAM = "mod_audio_stream"
    AUDIO_FORK = "mod_audio_fork"


@dataclass(frozen=True, slots=True)
class FreeSwitchMetadata:
    """The first text frame, validated.

    Attributes:
        sample_rate: rate of the binary L16 frames that follow (8000 or 16000).
        call_uuid: FreeSWITCH channel UUID, if the dialplan put it in the metadata.
        caller_id: caller number, if present.
        destination_number: dialled number, if present.
        fields: the whole metadata object, for application-specific keys (e.g. candidate id).
    """

    sample_rate: int
    call_uuid: str | None = None
    caller_id: str | None = None
    destination_number: str | None = None
    fields: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class FreeSwitchAudio:
    """Caller audio: signed 16-bit little-endian mono PCM at the metadata's sample rate."""

    pcm16: bytes
    sample_rate: int


@dataclass(frozen=True, slots=True)
class FreeSwitchText:
    """A later text frame (``send_text`` / ``stop <text>``); ``data`` if it is a JSON object."""

    text: str
    data: Mapping[str, Any] | None = None


FreeSwitchEvent = FreeSwitchMetadata | FreeSwitchAudio | FreeSwitchText
"""Anything :meth:`FreeSwitchStream.receive` can return."""


# --- outbound messages (pure) -------------------------------------------------------------------


def _check_pcm(pcm16: bytes, sample_rate: int) -> None:
    if len(pcm16) % 2:
        raise ValueError(f"PCM16 buffer has odd length {len(pcm16)}")
    if sample_rate not in _PLAYBACK_RATES:
        raise ValueError(f"FreeSWITCH cannot play raw audio at {sample_rate} Hz")


def build_stream_audio(pcm16: bytes, sample_rate: int) -> str:
    """mod_audio_stream playback message (``streamAudio``) for PCM16 LE mono audio."""
    _check_pcm(pcm16, sample_rate)
    data = {"audioDataType": "raw", "sampleRate": sample_rate}
    data["audioData"] = _wire.encode_base64(pcm16)
    return _wire.dump({"type": "streamAudio", "data": data})


def build_play_audio(pcm16: bytes, sample_rate: int, text: str | None = None) -> str:
    """mod_audio_fork playback message (``playAudio``); ``text`` fills ``textContent``."""
    _check_pcm(pcm16, sample_rate)
    data: dict[str, Any] = {"audioContentType": "raw", "sampleRate": sample_rate}
    data["audioContent"] = _wire.encode_base64(pcm16)
    if text is not None:
        data["textContent"] = text
    return _wire.dump({"type": "playAudio", "data": data})


def build_kill_audio() -> str:
    """mod_audio_fork message stopping the current playback (barge-in)."""
    return _wire.dump({"type": "killAudio"})


# --- the per-socket state machine ---------------------------------------------------------------


class FreeSwitchStream:
    """Sans-I/O protocol state for one mod_audio_stream / mod_audio_fork WebSocket.

    Args:
        module: which module connects (selects the playback message format).
        sample_rate: the rate passed to ``uuid_audio_* start``. The modules do not announce
            it, so it comes from here unless the metadata carries ``sample_rate``; if both are
            given they must agree. Defaults to 8000, the modules' default.
        max_frame_bytes: largest binary frame accepted.
    """

    def __init__(
        self,
        module: FreeSwitchModule = FreeSwitchModule.AUDIO_STREAM,
        *,
        sample_rate: int | None = None,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    ) -> None:
        if sample_rate is not None and sample_rate not in SAMPLE_RATES:
            raise ValueError(f"sample_rate must be one of {SAMPLE_RATES}")
        self.module = module
        self.max_frame_bytes = max_frame_bytes
        self._configured_rate = sample_rate
        self._metadata: FreeSwitchMetadata | None = None

    @property
    def metadata(self) -> FreeSwitchMetadata | None:
        """The metadata once the first text frame arrived."""
        return self._metadata

    def receive(self, message: str | bytes) -> FreeSwitchEvent:
        """Parse one WebSocket message: ``str`` for a text frame, ``bytes`` for a binary one.

        Raises:
            ProtocolError: malformed or oversized metadata, audio before metadata, odd-length
                or oversized audio, oversized text.
        """
        if isinstance(message, str):
            return self.receive_text(message)
        return self.receive_binary(message)

    def receive_text(self, text: str) -> FreeSwitchMetadata | FreeSwitchText:
        """Handle a text frame: the metadata first, :class:`FreeSwitchText` afterwards."""
        if self._metadata is None:
            self._metadata = self._parse_metadata(text)
            return self._metadata
        _wire.check_size(text, MAX_METADATA_BYTES, "FreeSWITCH text frame")
        try:
            data = _wire.load_object(text, MAX_METADATA_BYTES, "FreeSWITCH text frame")
        except ProtocolError:
            # Later text is free-form (send_text); JSON is a convenience, not a requirement.
            return FreeSwitchText(text)
        return FreeSwitchText(text, MappingProxyType(data))

    def receive_binary(self, data: bytes) -> FreeSwitchAudio:
        """Handle a binary frame of L16 audio."""
        if self._metadata is None:
            raise ProtocolError("FreeSWITCH audio frame before the metadata text frame")
        _wire.check_size(data, self.max_frame_bytes, "FreeSWITCH audio frame")
        if len(data) % 2:
            raise ProtocolError(f"FreeSWITCH audio frame has odd length {len(data)}")
        return FreeSwitchAudio(bytes(data), self._metadata.sample_rate)

    def _parse_metadata(self, text: str) -> FreeSwitchMetadata:
        meta = _wire.load_object(text, MAX_METADATA_BYTES, "FreeSWITCH metadata")
        rate = _rate(meta)
        if rate is None:
            rate = self._configured_rate or SAMPLE_RATES[0]
        elif self._configured_rate is not None and rate != self._configured_rate:
            raise ProtocolError(
                f"FreeSWITCH metadata sample rate {rate} differs from the configured "
                f"{self._configured_rate}"
            )
        channels = meta.get("channels", 1)
        if type(channels) is not int or channels != 1:
            raise ProtocolError(
                f"FreeSWITCH metadata: only mono audio is supported, got {channels!r}"
            )
        return FreeSwitchMetadata(
            sample_rate=rate,
            call_uuid=_optional_str(meta, _UUID_KEYS),
            caller_id=_optional_str(meta, _CALLER_KEYS),
            destination_number=_optional_str(meta, _CALLED_KEYS),
            fields=MappingProxyType(meta),
        )

    def encode_audio(self, pcm16: bytes, sample_rate: int | None = None) -> str:
        """Playback message for this module; ``sample_rate`` defaults to the stream's rate.

        Raises:
            ValueError: odd-length PCM or a rate FreeSWITCH cannot play raw.
            RuntimeError: no rate given and the metadata has not arrived yet.
        """
        if sample_rate is None:
            if self._metadata is None:
                raise RuntimeError("sample rate unknown before the FreeSWITCH metadata arrived")
            sample_rate = self._metadata.sample_rate
        if self.module is FreeSwitchModule.AUDIO_FORK:
            return build_play_audio(pcm16, sample_rate)
        return build_stream_audio(pcm16, sample_rate)

    def encode_stop_playback(self) -> str | None:
        """Message that stops current playback, or ``None`` where the module has none.

        mod_audio_fork has ``killAudio``; the community mod_audio_stream has no such message
        (stop it from FreeSWITCH, e.g. ``uuid_break <uuid>`` over the event socket).
        """
        if self.module is FreeSwitchModule.AUDIO_FORK:
            return build_kill_audio()
        return None


def _optional_str(meta: _wire.JsonObject, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if key in meta:
            value = meta[key]
            if not isinstance(value, str):
                raise ProtocolError(f"FreeSWITCH metadata: {key!r} must be a string")
            return value
    return None


def _rate(meta: _wire.JsonObject) -> int | None:
    for key in _RATE_KEYS:
        if key not in meta:
            continue
        value = meta[key]
        # Accept the start command's spellings too: 8000, "8000", "8k", "16k".
        spelled = {"8k": 8000, "16k": 16000, "8000": 8000, "16000": 16000}
        rate = spelled.get(value) if isinstance(value, str) else value
        if type(rate) is not int or rate not in SAMPLE_RATES:
            raise ProtocolError(f"FreeSWITCH metadata: unsupported {key} {value!r}")
        return rate
    return None
