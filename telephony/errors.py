"""The one exception every telephony wire codec raises for bad input from the far end."""

from __future__ import annotations


class ProtocolError(ValueError):
    """The peer sent something the protocol does not allow.

    Raised by every parser in :mod:`telephony` (Twilio Media Streams, AudioSocket, FreeSWITCH
    audio streams, Twilio callbacks) for malformed, oversized, unexpected or out-of-order input.
    The socket glue should catch it, log ``str(exc)`` and close the connection; nothing else
    escapes a parser for hostile input. It subclasses :class:`ValueError` so generic handlers
    that already catch bad-value errors keep working.
    """
