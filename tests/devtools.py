"""Headless Chromium driven over the DevTools protocol (no browser download, no playwright):
shared by the tests that load pages and check them for console errors."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium binary not installed")


class DevTools:
    """Headless Chromium driven over the DevTools protocol, collecting console errors."""

    def __init__(self, binary: str, profile: Path, extra_args: Sequence[str] = ()) -> None:
        self.proc = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                *extra_args,
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        from websockets.sync.client import connect

        self._stack = contextlib.ExitStack()
        self.ws = self._stack.enter_context(connect(f"ws://127.0.0.1:{port}{path}", max_size=None))
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send a command and return its result (events that arrive meanwhile are kept)."""
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv(timeout=30))
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> None:
        """Read events until ``method`` arrives."""
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            self.events.append(json.loads(self.ws.recv(timeout=deadline - time.monotonic())))

    def open(self, url: str) -> tuple[str, str]:
        """Open ``url`` in a fresh tab, watching its console from the first line; returns the
        target id and the session id, once the page has loaded."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session)
        self.events.clear()
        self.call("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired")
        return target, session

    def evaluate(self, session: str, expression: str, *, gesture: bool = False) -> Any:
        """The value of a JavaScript expression in the page (``gesture``: as if the user acted)."""
        return self.call(
            "Runtime.evaluate",
            session,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
            userGesture=gesture,
        )["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors and uncaught exceptions seen so far."""
        found = [console_error(e) for e in self.events]
        return [e for e in found if e]

    def load(self, url: str) -> tuple[str, list[str]]:
        """Open ``url`` in a fresh tab: its serialized DOM and every console error."""
        target, session = self.open(url)
        dom = self.evaluate(session, "document.documentElement.outerHTML")
        errors = self.errors()
        self.call("Target.closeTarget", targetId=target)
        return str(dom), errors

    def close(self) -> None:
        """Close the socket and end the browser process this object started."""
        if hasattr(self, "_stack"):
            self._stack.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def console_error(event: dict[str, Any]) -> str | None:
    """The text of a DevTools event that reports a console error or exception, else None."""
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.exceptionThrown":
        return str(params["exceptionDetails"].get("text"))
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        return " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", []))
    if method == "Log.entryAdded" and params["entry"].get("level") == "error":
        return str(params["entry"].get("text"))
    return None
