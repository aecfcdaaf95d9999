"""FreeSWITCH event socket (ESL, inbound mode): a sans-I/O codec and a small asyncio client.

Wire format (https://developer.signalwire.com/freeswitch/FreeSWITCH-Explained/Client-and-Developer-Interfaces/Event-Socket-Library/):
messages are header blocks (``Name: value`` lines ended by an empty line), followed by
``Content-Length`` bytes of body when that header is present. On connect the server sends
``Content-Type: auth/request``; the client answers ``auth <password>`` and gets a
``command/reply`` whose ``Reply-Text`` starts ``+OK`` or ``-ERR``. ``api <cmd>`` is answered by
``api/response`` (body: the command's output), ``bgapi <cmd>`` at once by a ``command/reply``
with ``Job-UUID``, and later by a ``BACKGROUND_JOB`` event carrying the output. Events
subscribed with ``event plain <names>`` arrive as ``text/event-plain``: their body is again a
header block, values URL-encoded, optionally followed by a body.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from telephony.errors import ProtocolError

__all__ = [
    "EslClient",
    "EslError",
    "EslMessage",
    "EslParser",
    "originate_command",
    "parse_event",
]

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 1024 * 1024
#: Channel variable names and values we put in an originate string: no separators.
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_VAR_VALUE = re.compile(r"^[A-Za-z0-9_.:@+/=-]{0,200}$")
_DIAL = re.compile(r"^[A-Za-z0-9_.:@+/-]{1,200}$")


class EslError(Exception):
    """FreeSWITCH refused (``-ERR ...``) or the connection failed."""


@dataclass(frozen=True)
class EslMessage:
    """One ESL message: its headers and body."""

    headers: Mapping[str, str]
    body: str = ""

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


class EslParser:
    """Bytes in, :class:`EslMessage` out (bounded: a peer cannot make it buffer without end)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._headers: dict[str, str] | None = None
        self._length = 0

    def feed(self, data: bytes) -> list[EslMessage]:
        """Add received bytes; return the messages completed by them.

        Raises:
            ProtocolError: a header block or body over the bounds, or a bad Content-Length.
        """
        self._buffer += data
        out: list[EslMessage] = []
        while True:
            if self._headers is None:
                end = self._buffer.find(b"\n\n")
                if end < 0:
                    if len(self._buffer) > MAX_HEADER_BYTES:
                        raise ProtocolError("ESL header block too long")
                    return out
                block = self._buffer[:end].decode("utf-8", "replace")
                del self._buffer[: end + 2]
                self._headers = _header_block(block, decode=False)
                raw = self._headers.get("Content-Length", "0")
                if not raw.isdigit() or int(raw) > MAX_BODY_BYTES:
                    raise ProtocolError(f"ESL Content-Length {raw[:20]!r} refused")
                self._length = int(raw)
            if len(self._buffer) < self._length:
                return out
            body = self._buffer[: self._length].decode("utf-8", "replace")
            del self._buffer[: self._length]
            out.append(EslMessage(self._headers, body))
            self._headers = None


def _header_block(block: str, *, decode: bool) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            value = value.strip()
            headers[name.strip()] = unquote(value) if decode else value
    return headers


def parse_event(message: EslMessage) -> tuple[dict[str, str], str]:
    """The headers (URL-decoded) and body of a ``text/event-plain`` message."""
    head, _, body = message.body.partition("\n\n")
    headers = _header_block(head, decode=True)
    length = headers.get("Content-Length")
    if length and length.isdigit():
        body = body[: int(length)]
    return headers, body


def originate_command(
    dial_string: str,
    extension: str,
    *,
    variables: Mapping[str, str],
    dialplan: str = "XML",
    context: str = "default",
) -> str:
    """``originate {vars}<dial string> <extension> <dialplan> <context>``: call out, and send
    the answered leg to ``extension`` (e.g. the ``audio_fork`` extension that streams it to
    Screenline).

    Raises:
        ValueError: a name or value that could break out of the command (commas, spaces,
            braces, quotes are refused, not escaped).
    """
    for name, value in variables.items():
        if not _VAR_NAME.match(name) or not _VAR_VALUE.match(value):
            raise ValueError(f"channel variable {name[:40]!r} refused")
    for part in (dial_string, extension, dialplan, context):
        if not _DIAL.match(part):
            raise ValueError(f"originate argument {part[:40]!r} refused")
    joined = ",".join(f"{k}={v}" for k, v in variables.items())
    return f"originate {{{joined}}}{dial_string} {extension} {dialplan} {context}"


EventHandler = Callable[[dict[str, str], str], Awaitable[None]]


@dataclass
class EslClient:
    """An inbound ESL connection: authenticate, subscribe, send ``api``/``bgapi``."""

    host: str
    port: int
    password: str
    on_event: EventHandler | None = None
    timeout_s: float = 10.0
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None
    _replies: asyncio.Queue[EslMessage] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def connect(self, events: tuple[str, ...] = ()) -> None:
        """Connect, authenticate and subscribe to ``events``.

        Raises:
            EslError: refused password, or FreeSWITCH unreachable.
        """
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.timeout_s
            )
        except (OSError, TimeoutError) as exc:
            raise EslError(f"ESL {self.host}:{self.port} unreachable: {exc!r}") from exc
        self._task = asyncio.create_task(self._read_loop())
        request = await self._reply()
        if request.content_type != "auth/request":
            raise EslError(f"expected auth/request, got {request.content_type!r}")
        await self._command(f"auth {self.password}")
        if events:
            await self._command("event plain " + " ".join(events))

    async def _read_loop(self) -> None:
        assert self._reader is not None
        parser = EslParser()
        while True:
            data = await self._reader.read(65536)
            if not data:
                await self._replies.put(EslMessage({"Content-Type": "text/disconnect-notice"}))
                return
            for message in parser.feed(data):
                if message.content_type == "text/event-plain":
                    if self.on_event is not None:
                        headers, body = parse_event(message)
                        await self.on_event(headers, body)
                else:
                    await self._replies.put(message)

    async def _reply(self) -> EslMessage:
        try:
            message = await asyncio.wait_for(self._replies.get(), self.timeout_s)
        except TimeoutError as exc:
            raise EslError("no reply from FreeSWITCH") from exc
        if message.content_type == "text/disconnect-notice":
            raise EslError("FreeSWITCH closed the connection")
        return message

    async def _command(self, line: str) -> EslMessage:
        assert self._writer is not None
        async with self._lock:  # replies come back in order, one command at a time
            self._writer.write(line.encode() + b"\n\n")
            await self._writer.drain()
            reply = await self._reply()
        text = reply.headers.get("Reply-Text", reply.body.strip())
        if text.startswith("-ERR"):
            raise EslError(text)
        return reply

    async def api(self, command: str) -> str:
        """Run ``command`` and return its output (``-ERR`` output raises EslError)."""
        reply = await self._command(f"api {command}")
        return reply.body

    async def bgapi(self, command: str, job_uuid: str | None = None) -> str:
        """Start ``command`` in the background; returns its Job-UUID (its result arrives as a
        ``BACKGROUND_JOB`` event)."""
        job = job_uuid or str(uuid.uuid4())
        reply = await self._command(f"bgapi {command}\nJob-UUID: {job}")
        return reply.headers.get("Job-UUID", job)

    async def close(self) -> None:
        """Say goodbye and close."""
        if self._writer is not None:
            with contextlib.suppress(OSError):
                self._writer.write(b"exit\n\n")
                self._writer.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
