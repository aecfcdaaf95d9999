"""Asterisk AudioSocket as a pipecat transport, and the TCP server Asterisk connects to.

Asterisk plays whatever audio frames arrive and buffers nothing, so the output side paces
playback itself: one 320-byte (20 ms at 8 kHz) frame every 20 ms on a monotonic clock. A
barge-in (``InterruptionFrame``) stops playback at the next 20 ms frame. When the pipeline ends
we send a hang-up frame, so Asterisk continues its dialplan.

In: audio → ``InputAudioRawFrame``; DTMF → ``InputDTMFFrame``; hang-up or error frame →
:class:`HangupFrame`; malformed input (e.g. an unknown frame kind) is logged and ends the call
the same way; a connection that drops without a hang-up fires ``on_client_disconnected``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.frames.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InputDTMFFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
    StartFrame,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.transports.base_input import BaseInputTransport
from pipecat.transports.base_output import BaseOutputTransport
from pipecat.transports.base_transport import BaseTransport, TransportParams

from telephony.audiosocket import (
    AUDIOSOCKET_SAMPLE_RATE,
    AudioSocketAudio,
    AudioSocketDtmf,
    AudioSocketError,
    AudioSocketHangup,
    AudioSocketParser,
    AudioSocketUuid,
    encode_audio,
    encode_hangup,
)
from telephony.errors import ProtocolError
from telephony.frames import HangupFrame

log = logging.getLogger(__name__)

FRAME_S = 0.02
FRAME_BYTES = int(AUDIOSOCKET_SAMPLE_RATE * FRAME_S) * 2  # 320
_READ_SIZE = 4096


class AudioSocketInput(BaseInputTransport):
    """Reads AudioSocket frames from Asterisk and pushes them into the pipeline."""

    def __init__(
        self,
        transport: AudioSocketTransport,
        reader: asyncio.StreamReader,
        parser: AudioSocketParser,
        params: TransportParams,
    ) -> None:
        super().__init__(params)
        self._transport = transport
        self._reader = reader
        self._parser = parser
        self._task: asyncio.Task[None] | None = None

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)
        if self._task is None:
            self._task = self.create_task(self._receive())

    async def stop(self, frame: EndFrame) -> None:
        await super().stop(frame)
        await self._stop_task()

    async def cancel(self, frame: CancelFrame) -> None:
        await super().cancel(frame)
        await self._stop_task()

    async def _stop_task(self) -> None:
        if self._task is not None:
            await self.cancel_task(self._task)
            self._task = None

    async def _receive(self) -> None:
        try:
            while data := await self._reader.read(_READ_SIZE):
                try:
                    events = self._parser.feed(data)
                except ProtocolError as exc:
                    log.warning("audiosocket: protocol error, ending the call: %s", exc)
                    await self.push_frame(HangupFrame(reason="protocol_error"))
                    return
                for event in events:
                    if not await self._handle(event):
                        return
        except (ConnectionError, OSError) as exc:
            log.info("audiosocket: connection lost: %s", exc)
        # EOF without a hang-up frame: the far end vanished.
        await self._transport.disconnected()

    async def _handle(self, event: object) -> bool:
        """Push one event's frame; False once the call is over."""
        if isinstance(event, AudioSocketAudio):
            await self.push_audio_frame(
                InputAudioRawFrame(
                    audio=event.pcm16, sample_rate=AUDIOSOCKET_SAMPLE_RATE, num_channels=1
                )
            )
        elif isinstance(event, AudioSocketDtmf):
            await self.push_frame(InputDTMFFrame(button=KeypadEntry(event.digit)))
        elif isinstance(event, AudioSocketHangup):
            await self.push_frame(HangupFrame(reason="hangup"))
            return False
        elif isinstance(event, AudioSocketError):
            log.warning("audiosocket: Asterisk reported error code %s", event.code)
            await self.push_frame(HangupFrame(reason="asterisk_error"))
            return False
        return True


class AudioSocketOutput(BaseOutputTransport):
    """Writes interviewer audio to Asterisk as 320-byte frames, one every 20 ms."""

    def __init__(
        self, transport: AudioSocketTransport, writer: asyncio.StreamWriter, params: TransportParams
    ) -> None:
        super().__init__(params)
        self._transport = transport
        self._writer = writer
        self._pending = b""
        self._next_send = 0.0
        # Bumped on every barge-in; a write in progress checks it before each 20 ms frame.
        self._generation = 0
        self.frames_sent = 0
        self.last_frame_at: float | None = None
        self.interrupted_at: float | None = None

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)

    async def stop(self, frame: EndFrame) -> None:
        await super().stop(frame)  # plays out what is queued first
        await self._transport.close(send_hangup=True)

    async def cancel(self, frame: CancelFrame) -> None:
        await super().cancel(frame)
        await self._transport.close(send_hangup=True)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, InterruptionFrame):
            self._generation += 1
            self._pending = b""
            self.interrupted_at = time.monotonic()
        await super().process_frame(frame, direction)

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        if self._transport.closed:
            return False
        generation = self._generation
        self._pending += frame.audio
        while len(self._pending) >= FRAME_BYTES:
            if generation != self._generation:
                return True  # barge-in: the rest of this chunk is dropped
            chunk, self._pending = self._pending[:FRAME_BYTES], self._pending[FRAME_BYTES:]
            await self._wait_for_slot()
            if generation != self._generation or self._transport.closed:
                return True
            self._writer.write(encode_audio(chunk))
            self.frames_sent += 1
            self.last_frame_at = time.monotonic()
        return True

    async def _wait_for_slot(self) -> None:
        now = time.monotonic()
        if self._next_send < now - FRAME_S:
            self._next_send = now  # idle since the last prompt: start a fresh cadence
        await asyncio.sleep(max(0.0, self._next_send - now))
        self._next_send += FRAME_S


class AudioSocketTransport(BaseTransport):
    """One AudioSocket call (after the UUID frame) as a pipecat transport.

    Event: ``on_client_disconnected(transport, call_uuid)`` when the socket drops without a
    hang-up frame.
    """

    def __init__(
        self,
        call_uuid: uuid.UUID,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        parser: AudioSocketParser,
    ) -> None:
        super().__init__()
        self.call_uuid = call_uuid
        self._writer = writer
        self._closed = False
        params = TransportParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            audio_in_sample_rate=AUDIOSOCKET_SAMPLE_RATE,
            audio_out_sample_rate=AUDIOSOCKET_SAMPLE_RATE,
            audio_out_end_silence_secs=0,
        )
        self._input = AudioSocketInput(self, reader, parser, params)
        self._output = AudioSocketOutput(self, writer, params)
        self._register_event_handler("on_client_disconnected")

    def input(self) -> AudioSocketInput:
        return self._input

    def output(self) -> AudioSocketOutput:
        return self._output

    @property
    def closed(self) -> bool:
        """True once the socket was closed (by us or the far end)."""
        return self._closed or self._writer.is_closing()

    async def disconnected(self) -> None:
        """The far end dropped the connection."""
        if not self._closed:
            self._closed = True
            await self._call_event_handler("on_client_disconnected", self.call_uuid)

    async def close(self, *, send_hangup: bool) -> None:
        """Close the socket, first telling Asterisk to hang up (idempotent)."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(ConnectionError, OSError, RuntimeError):
            if send_hangup and not self._writer.is_closing():
                self._writer.write(encode_hangup())
                await asyncio.wait_for(self._writer.drain(), 2.0)
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError, TimeoutError):
            await asyncio.wait_for(self._writer.wait_closed(), 2.0)


CallHandler = Callable[[AudioSocketTransport], Awaitable[None]]


def loopback_only(host: str) -> bool:
    """The default peer policy: Asterisk on this machine."""
    return host in ("127.0.0.1", "::1") or host.startswith("127.")


class AudioSocketServer:
    """TCP listener: reads each connection's UUID frame, then hands the call to ``on_call``.

    ``on_call`` runs the call to its end; the server closes the socket afterwards if the call
    left it open. A connection whose first frame is not a UUID (or that sends nothing within
    ``handshake_timeout_s``) is logged and closed, and so is one from an address
    ``peer_allowed`` refuses, before anything it sent is read.
    """

    def __init__(
        self,
        on_call: CallHandler,
        *,
        handshake_timeout_s: float = 10.0,
        peer_allowed: Callable[[str], bool] = loopback_only,
    ) -> None:
        self._on_call = on_call
        self._peer_allowed = peer_allowed
        self._timeout = handshake_timeout_s
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port = 0

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen on ``host:port`` (0 = any free port); returns the bound address."""
        self._server = await asyncio.start_server(self._accept, host, port)
        bound = self._server.sockets[0].getsockname()
        self.port = int(bound[1])
        return str(bound[0]), self.port

    async def close(self) -> None:
        """Stop listening and end calls still running (their partial reports are saved)."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._tasks.discard(task)
            if not writer.is_closing():
                writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parser = AudioSocketParser()
        peer = writer.get_extra_info("peername")
        host = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        if not self._peer_allowed(host):
            log.warning("audiosocket %s: peer not allowed, closed", host or "unknown")
            return
        try:
            # Header first: the parser rejects a non-UUID first frame before its payload comes.
            async with asyncio.timeout(self._timeout):
                header = await reader.readexactly(3)
                parser.feed(header)
                events = parser.feed(await reader.readexactly(int.from_bytes(header[1:], "big")))
        except ProtocolError as exc:
            log.warning("audiosocket %s: bad first frame: %s", peer, exc)
            return
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError) as exc:
            log.info("audiosocket %s: no UUID frame (%s)", peer, type(exc).__name__)
            return
        first = events[0]
        assert isinstance(first, AudioSocketUuid)
        transport = AudioSocketTransport(first.uuid, reader, writer, parser)
        try:
            await self._on_call(transport)
        finally:
            await transport.close(send_hangup=True)
