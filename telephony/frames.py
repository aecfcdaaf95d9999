"""Frames that transports put into a call's pipeline beyond pipecat's stock ones."""

from __future__ import annotations

from dataclasses import dataclass

from pipecat.frames.frames import SystemFrame


@dataclass
class HangupFrame(SystemFrame):
    """The caller's side hung up (or the client asked to end the call)."""

    reason: str = "hangup"
