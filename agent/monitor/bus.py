"""The live-monitor bus (DESIGN.md decision 14): calls publish events and audio, QA pages
subscribe; QA commands travel back to the process that runs the call.

:class:`MonitorBus` is the in-process bus; :class:`RedisBus` the same interface over Redis pub/sub
(``SCREENLINE_REDIS_URL``) so a QA page on any worker sees every worker's calls. A call never
waits for a listener: :meth:`MonitorBus.publish` and :meth:`MonitorBus.publish_audio` only append
to bounded queues, and a subscriber whose queue is full is dropped (its iterator ends).

Redis keys and channels (``prefix`` defaults to ``screenline:``): ``events`` (JSON events),
``control`` (JSON commands ``{call_id, cmd, ...}``), ``audio:<call id>`` (mixed PCM16 for
listeners), ``mic:<call id>`` (a QA person's PCM16 during a take-over), the hash ``live`` (call id
-> summary JSON) and the sorted set ``beat`` (call id -> last heartbeat): an entry whose process
stopped beating is dropped from the list after ``ttl_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any, Generic, Protocol, TypeVar

from agent.monitor.events import EventType, apply_event, summary_of

log = logging.getLogger(__name__)

T = TypeVar("T")

#: A listener's listen lease: a call publishes audio for this long after the last renewal.
LISTEN_LEASE_S = 6.0
LISTEN_RENEW_S = 2.0


class Subscription(Generic[T]):
    """A bounded queue of items for one subscriber. A full queue drops the subscriber:
    :meth:`get` then returns None (as after :meth:`close`) and :attr:`dropped` is True."""

    def __init__(self, maxsize: int, on_close: Any = None) -> None:
        self._items: deque[T] = deque()
        self._maxsize = maxsize
        self._wake = asyncio.Event()
        self._on_close = on_close
        self.dropped = False
        self.closed = False

    def offer(self, item: T) -> bool:
        """Queue ``item`` without waiting; False (and the subscriber dropped) when full."""
        if self.closed:
            return False
        if len(self._items) >= self._maxsize:
            log.warning("monitor: a slow subscriber was dropped (%d queued)", len(self._items))
            self.dropped = True
            self.close()
            return False
        self._items.append(item)
        self._wake.set()
        return True

    def close(self) -> None:
        """End the subscription (idempotent)."""
        if self.closed:
            return
        self.closed = True
        self._items.clear()
        self._wake.set()
        if self._on_close is not None:
            self._on_close(self)

    async def get(self) -> T | None:
        """The next item; None once closed or dropped."""
        while not self._items:
            if self.closed:
                return None
            self._wake.clear()
            await self._wake.wait()
        return self._items.popleft()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[T]:
        while (item := await self.get()) is not None:
            yield item


class CallControl(Protocol):
    """What a live call offers the monitor: commands (end, flag, take over...) and QA audio."""

    async def command(self, command: dict[str, Any]) -> None: ...

    def mic(self, pcm: bytes) -> None: ...


class MonitorBus:
    """The in-process bus: every subscriber of this process sees every call of this process."""

    def __init__(self, *, queue_size: int = 512, audio_queue_size: int = 50) -> None:
        self.queue_size = queue_size
        self.audio_queue_size = audio_queue_size
        self._subs: set[Subscription[dict[str, Any]]] = set()
        self._audio: dict[str, set[Subscription[bytes]]] = {}
        self._own: dict[str, dict[str, Any]] = {}  # live calls of this process: summaries
        self._controls: dict[str, CallControl] = {}

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (nothing to do in-process)."""

    async def close(self) -> None:
        """Disconnect and end every subscription."""
        for sub in list(self._subs):
            sub.close()
        for subs in list(self._audio.values()):
            for audio in list(subs):
                audio.close()

    # -- the call side -----------------------------------------------------------------------

    def attach(self, call_id: str, control: CallControl) -> None:
        """A call of this process takes commands from now on."""
        self._controls[call_id] = control

    def detach(self, call_id: str) -> None:
        """The call is over: no more commands, no more listening."""
        self._controls.pop(call_id, None)
        self._own.pop(call_id, None)
        for sub in list(self._audio.get(call_id, ())):
            sub.close()

    def publish(self, event: dict[str, Any]) -> None:
        """Publish one event (never blocks, never raises for a slow subscriber)."""
        self._track(event)
        self._deliver(event)

    def _track(self, event: dict[str, Any]) -> bool:
        """Keep this process's live-call summaries current; True when one changed."""
        call_id = event["call_id"]
        if event["type"] == EventType.STARTED:
            self._own[call_id] = summary_of(event)
            return True
        if event["type"] == EventType.ENDED:
            return self._own.pop(call_id, None) is not None
        summary = self._own.get(call_id)
        return summary is not None and apply_event(summary, event)

    def _deliver(self, event: dict[str, Any]) -> None:
        for sub in list(self._subs):
            sub.offer(event)

    def listening(self, call_id: str) -> bool:
        """Whether anyone listens to ``call_id`` (the call mixes audio only then)."""
        return bool(self._audio.get(call_id))

    def publish_audio(self, call_id: str, pcm: bytes) -> None:
        """One frame of the call's mixed audio (PCM16 mono) for its listeners."""
        for sub in list(self._audio.get(call_id, ())):
            sub.offer(pcm)

    # -- the monitor side --------------------------------------------------------------------

    def subscribe(self) -> Subscription[dict[str, Any]]:
        """Every call's events from now on."""
        sub: Subscription[dict[str, Any]] = Subscription(self.queue_size, self._subs.discard)
        self._subs.add(sub)
        return sub

    def listen(self, call_id: str) -> Subscription[bytes]:
        """The mixed audio of ``call_id`` from now on (20 ms PCM16 frames)."""
        subs = self._audio.setdefault(call_id, set())

        def closed(sub: Subscription[bytes]) -> None:
            subs.discard(sub)
            if not subs and self._audio.get(call_id) is subs:
                del self._audio[call_id]

        sub: Subscription[bytes] = Subscription(self.audio_queue_size, closed)
        subs.add(sub)
        return sub

    async def live_calls(self) -> list[dict[str, Any]]:
        """Summaries of the calls now live (in every process the bus reaches)."""
        return [dict(s) for s in self._own.values()]

    async def is_live(self, call_id: str) -> bool:
        """Whether ``call_id`` is a live call."""
        return any(c["call_id"] == call_id for c in await self.live_calls())

    async def command(self, call_id: str, command: dict[str, Any]) -> None:
        """Send a command to the call (wherever it runs)."""
        control = self._controls.get(call_id)
        if control is not None:
            await control.command(command)

    def send_mic(self, call_id: str, pcm: bytes) -> None:
        """A QA person's microphone audio for a taken-over call."""
        control = self._controls.get(call_id)
        if control is not None:
            control.mic(pcm)


class RedisBus(MonitorBus):
    """The bus over Redis pub/sub: every process's subscribers see every process's calls."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "screenline:",
        ttl_s: float = 10.0,
        queue_size: int = 512,
        audio_queue_size: int = 50,
        outbox_size: int = 2000,
    ) -> None:
        super().__init__(queue_size=queue_size, audio_queue_size=audio_queue_size)
        self.url = url
        self.prefix = prefix
        self.ttl_s = ttl_s
        self._out: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(outbox_size)
        self._leases: dict[str, float] = {}  # call id -> when its listen lease ends
        self._client: Any = None
        self._pubsub: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._lost = 0

    def _key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    async def start(self) -> None:
        """Connect, subscribe, and start the sender, reader and heartbeat tasks."""
        import redis.asyncio as redis

        self._client = redis.Redis.from_url(self.url)
        await self._client.ping()
        self._pubsub = self._client.pubsub()
        await self._pubsub.subscribe(self._key("events"), self._key("control"))
        await self._pubsub.psubscribe(self._key("audio:*"), self._key("mic:*"))
        self._tasks = [
            asyncio.create_task(self._send_loop(), name="monitor-redis-send"),
            asyncio.create_task(self._read_loop(), name="monitor-redis-read"),
            asyncio.create_task(self._beat_loop(), name="monitor-redis-beat"),
        ]

    async def close(self) -> None:
        """Remove this process's calls from the registry, stop the tasks, disconnect."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if self._client is not None:
            with contextlib.suppress(Exception):
                if self._own:
                    await self._client.hdel(self._key("live"), *self._own)
                    await self._client.zrem(self._key("beat"), *self._own)
                await self._pubsub.aclose()
                await self._client.aclose()
        await super().close()

    # -- outgoing ----------------------------------------------------------------------------

    def _enqueue(self, item: tuple[str, Any]) -> None:
        try:
            self._out.put_nowait(item)
        except asyncio.QueueFull:  # Redis is slow or gone: the call goes on without it
            self._lost += 1
            if self._lost % 100 == 1:
                log.warning("monitor: Redis outbox full, %d items lost", self._lost)

    def publish(self, event: dict[str, Any]) -> None:
        """Publish to every process (this one's subscribers get it back from Redis)."""
        if self._track(event):
            call_id = event["call_id"]
            self._enqueue(("live", (call_id, self._own.get(call_id))))
        self._enqueue(("publish", (self._key("events"), json.dumps(event, ensure_ascii=False))))

    def listening(self, call_id: str) -> bool:
        return self._leases.get(call_id, 0.0) > time.monotonic()

    def _deliver(self, event: dict[str, Any]) -> None:
        super()._deliver(event)
        if event.get("type") == EventType.ENDED:  # another process's call: its listeners here
            for sub in list(self._audio.get(str(event.get("call_id")), ())):
                sub.close()

    def publish_audio(self, call_id: str, pcm: bytes) -> None:
        self._enqueue(("publish", (self._key(f"audio:{call_id}"), pcm)))

    def detach(self, call_id: str) -> None:
        self._leases.pop(call_id, None)
        was_live = call_id in self._own
        super().detach(call_id)
        if was_live:
            self._enqueue(("live", (call_id, None)))

    async def _send_loop(self) -> None:
        client = self._client
        while True:
            kind, item = await self._out.get()
            try:
                if kind == "publish":
                    await client.publish(*item)
                else:  # a live-call summary changed (None: the call ended)
                    call_id, summary = item
                    if summary is None:
                        await client.hdel(self._key("live"), call_id)
                        await client.zrem(self._key("beat"), call_id)
                    else:
                        await client.hset(self._key("live"), call_id, json.dumps(summary))
                        await client.zadd(self._key("beat"), {call_id: time.time()})
            except Exception as exc:  # one lost item; the next heartbeat repairs the registry
                log.warning("monitor: Redis send failed: %s", type(exc).__name__)

    async def _beat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.ttl_s / 3)
            if self._own:
                try:
                    now = time.time()
                    await self._client.zadd(self._key("beat"), dict.fromkeys(self._own, now))
                    mapping = {k: json.dumps(v) for k, v in self._own.items()}
                    await self._client.hset(self._key("live"), mapping=mapping)
                except Exception as exc:
                    log.warning("monitor: Redis heartbeat failed: %s", type(exc).__name__)
            for call_id in list(self._audio):
                self._enqueue(("publish", (self._key("control"), self._listen_cmd(call_id))))

    def _listen_cmd(self, call_id: str) -> str:
        return json.dumps({"call_id": call_id, "cmd": "listen"})

    # -- incoming ----------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=1.0
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("monitor: Redis read failed: %s", type(exc).__name__)
                await asyncio.sleep(1.0)
                continue
            if message is not None:
                await self._on_message(message)

    async def _on_message(self, message: dict[str, Any]) -> None:
        channel = _text(message.get("channel"))
        data = message.get("data")
        if not isinstance(data, bytes):
            return
        name = channel[len(self.prefix) :]
        if name == "events":
            with contextlib.suppress(ValueError):
                event = json.loads(data)
                if isinstance(event, dict):
                    self._deliver(event)
        elif name == "control":
            with contextlib.suppress(ValueError):
                command = json.loads(data)
                if isinstance(command, dict) and isinstance(command.get("call_id"), str):
                    await self._on_command(command)
        elif name.startswith("audio:"):
            super().publish_audio(name[len("audio:") :], data)
        elif name.startswith("mic:"):
            super().send_mic(name[len("mic:") :], data)

    async def _on_command(self, command: dict[str, Any]) -> None:
        call_id = command["call_id"]
        if call_id not in self._controls:
            return  # another process's call
        if command.get("cmd") == "listen":
            self._leases[call_id] = time.monotonic() + LISTEN_LEASE_S
            return
        await super().command(call_id, command)

    # -- the monitor side --------------------------------------------------------------------

    def listen(self, call_id: str) -> Subscription[bytes]:
        sub = super().listen(call_id)
        # Ask the call's process to start now (the heartbeat renews it while we listen).
        self._enqueue(("publish", (self._key("control"), self._listen_cmd(call_id))))
        return sub

    async def live_calls(self) -> list[dict[str, Any]]:
        client = self._client
        stale_before = time.time() - self.ttl_s
        stale = [_text(k) for k in await client.zrangebyscore(self._key("beat"), 0, stale_before)]
        if stale:  # a process died without removing its calls
            await client.hdel(self._key("live"), *stale)
            await client.zrem(self._key("beat"), *stale)
        entries = await client.hgetall(self._key("live"))
        calls = []
        for key, value in entries.items():
            if _text(key) in stale:
                continue
            with contextlib.suppress(ValueError):
                calls.append(json.loads(value))
        return sorted(calls, key=lambda c: c.get("started_at") or 0)

    async def command(self, call_id: str, command: dict[str, Any]) -> None:
        if call_id in self._controls:
            await super().command(call_id, command)
            return
        payload = json.dumps({**command, "call_id": call_id})
        await self._client.publish(self._key("control"), payload)

    def send_mic(self, call_id: str, pcm: bytes) -> None:
        if call_id in self._controls:
            super().send_mic(call_id, pcm)
        else:
            self._enqueue(("publish", (self._key(f"mic:{call_id}"), pcm)))


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def bus_from_settings(settings: Any) -> MonitorBus:
    """The bus a server uses: Redis when ``redis_url`` is set, else in-process."""
    monitor = settings.monitor
    if settings.redis_url:
        return RedisBus(
            settings.redis_url,
            prefix=monitor.redis_prefix,
            ttl_s=monitor.live_ttl_s,
            queue_size=monitor.subscriber_queue,
            audio_queue_size=monitor.listener_queue,
        )
    return MonitorBus(queue_size=monitor.subscriber_queue, audio_queue_size=monitor.listener_queue)
