"""A local stand-in for FreeSWITCH's event socket (inbound mode), on 127.0.0.1, following the
protocol: ``auth/request`` on connect; ``auth <password>`` → ``command/reply`` ``+OK accepted``
or ``-ERR invalid``; ``event plain <names>`` → ``+OK event listener enabled plain``;
``api <cmd>`` → ``api/response`` with a ``Content-Length`` body; ``bgapi <cmd>`` (an optional
``Job-UUID`` header) → ``+OK Job-UUID: …`` at once, later a ``BACKGROUND_JOB`` event; events
as ``text/event-plain`` with URL-encoded headers. ``originate`` is played out per number of the
dial string: ``busy``/``no-answer``/``invalid``/``failed`` end the job with ``-ERR <CAUSE>``;
``answered`` (the default) replies ``+OK <uuid>``, then ``CHANNEL_ANSWER`` and
``CHANNEL_HANGUP_COMPLETE`` (``NORMAL_CLEARING``).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Self
from urllib.parse import quote

_CAUSES = {
    "busy": "USER_BUSY",
    "no-answer": "NO_ANSWER",
    "invalid": "UNALLOCATED_NUMBER",
    "failed": "NORMAL_TEMPORARY_FAILURE",
}
_ORIGINATE = re.compile(
    r"^originate \{(?P<vars>[^}]*)\}(?P<dial>\S+) (?P<ext>\S+) (?P<plan>\S+) (?P<ctx>\S+)$"
)


def _message(headers: dict[str, str], body: str = "") -> bytes:
    data = body.encode()
    if data:
        headers = {**headers, "Content-Length": str(len(data))}
    return ("".join(f"{k}: {v}\n" for k, v in headers.items()) + "\n").encode() + data


def _event(name: str, headers: dict[str, str], body: str = "") -> bytes:
    fields = {"Event-Name": name, **headers}
    if body:
        fields["Content-Length"] = str(len(body.encode()))
    plain = "".join(f"{k}: {quote(v)}\n" for k, v in fields.items()) + "\n" + body
    return _message({"Content-Type": "text/event-plain"}, plain)


class EslStandin:
    """FreeSWITCH event socket stand-in (async context manager)."""

    def __init__(self, password: str = "ClueCon", outcomes: dict[str, str] | None = None) -> None:
        self.password = password
        self.outcomes = dict(outcomes or {})
        self.originates: list[dict[str, object]] = []
        self.commands: list[str] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(_message({"Content-Type": "auth/request"}))
        authed = False
        subscribed: set[str] = set()
        try:
            while True:
                raw = await reader.readuntil(b"\n\n")
                lines = raw.decode().strip().split("\n")
                command, extra = lines[0], dict(x.split(": ", 1) for x in lines[1:] if ": " in x)
                self.commands.append(command.split(" ", 1)[0])
                if command.startswith("auth "):
                    authed = command[5:] == self.password
                    text = "+OK accepted" if authed else "-ERR invalid"
                    writer.write(_message({"Content-Type": "command/reply", "Reply-Text": text}))
                    if not authed:
                        await writer.drain()
                        break
                elif not authed:
                    writer.write(
                        _message(
                            {
                                "Content-Type": "command/reply",
                                "Reply-Text": "-ERR command not found",
                            }
                        )
                    )
                elif command == "exit":
                    writer.write(
                        _message({"Content-Type": "command/reply", "Reply-Text": "+OK bye"})
                    )
                    await writer.drain()
                    break
                elif command.startswith("event plain "):
                    subscribed |= set(command[12:].split())
                    writer.write(
                        _message(
                            {
                                "Content-Type": "command/reply",
                                "Reply-Text": "+OK event listener enabled plain",
                            }
                        )
                    )
                elif command.startswith("api "):
                    body = (
                        "UP 0 years, 0 days\n"
                        if command == "api status"
                        else "-ERR no such command\n"
                    )
                    writer.write(_message({"Content-Type": "api/response"}, body))
                elif command.startswith("bgapi "):
                    job = extra.get("Job-UUID") or str(uuid.uuid4())
                    writer.write(
                        _message(
                            {
                                "Content-Type": "command/reply",
                                "Reply-Text": f"+OK Job-UUID: {job}",
                                "Job-UUID": job,
                            }
                        )
                    )
                    task = asyncio.create_task(self._job(writer, subscribed, job, command[6:]))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                else:
                    writer.write(
                        _message(
                            {
                                "Content-Type": "command/reply",
                                "Reply-Text": "-ERR command not found",
                            }
                        )
                    )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _job(
        self, writer: asyncio.StreamWriter, subscribed: set[str], job: str, cmd: str
    ) -> None:
        await asyncio.sleep(0.01)
        match = _ORIGINATE.match(cmd)
        if match is None:
            self._send(
                writer, subscribed, "BACKGROUND_JOB", {"Job-UUID": job}, "-ERR INVALID_ARGS\n"
            )
            return
        variables = dict(v.split("=", 1) for v in match["vars"].split(",") if "=" in v)
        number = match["dial"].rsplit("/", 1)[-1]
        self.originates.append(
            {
                "variables": variables,
                "dial": match["dial"],
                "extension": match["ext"],
                "dialplan": match["plan"],
                "context": match["ctx"],
            }
        )
        outcome = self.outcomes.get(number, "answered")
        call_uuid = variables.get("origination_uuid", str(uuid.uuid4()))
        if outcome in _CAUSES:
            self._send(
                writer,
                subscribed,
                "BACKGROUND_JOB",
                {"Job-UUID": job},
                f"-ERR {_CAUSES[outcome]}\n",
            )
            return
        self._send(writer, subscribed, "BACKGROUND_JOB", {"Job-UUID": job}, f"+OK {call_uuid}\n")
        self._send(writer, subscribed, "CHANNEL_ANSWER", {"Unique-ID": call_uuid})
        await asyncio.sleep(0.01)
        self._send(
            writer,
            subscribed,
            "CHANNEL_HANGUP_COMPLETE",
            {"Unique-ID": call_uuid, "Hangup-Cause": "NORMAL_CLEARING"},
        )

    @staticmethod
    def _send(
        writer: asyncio.StreamWriter,
        subscribed: set[str],
        name: str,
        headers: dict[str, str],
        body: str = "",
    ) -> None:
        if name in subscribed or "ALL" in subscribed:
            writer.write(_event(name, headers, body))
