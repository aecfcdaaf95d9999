"""Carrier peers and outbound numbers: FreeSWITCH's shared secret, AudioSocket's address
allow-list, and which numbers an outbound call may dial. Functions over settings (a refused
FreeSWITCH secret is also charged to its address by :func:`agent.auth.limiter.note_failure`)."""

from __future__ import annotations

import hmac
import ipaddress
import re
from collections.abc import Callable

from agent.auth.limiter import note_failure, parse_peer
from agent.settings import AuthSettings, Settings

# E.164: "+", a country code starting 1-9, at most 15 digits in all (ITU-T E.164 section 6).
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


class NumberRefused(ValueError):
    """An outbound number that is not E.164 or not in an allowed country."""


def check_dial_number(auth: AuthSettings, number: str) -> str:
    """``number`` if calls may go to it; raises :class:`NumberRefused` with the reason.

    Country calling codes are prefix-free (no code is the start of another), so a number is in
    a country exactly when its digits start with that country's code.
    """
    if not _E164.match(number):
        raise NumberRefused(f"{number[:40]!r} is not an E.164 number (+ and 8-15 digits)")
    digits = number[1:]
    if not any(digits.startswith(code) for code in auth.dial_country_codes):
        allowed = ", ".join(f"+{c}" for c in auth.dial_country_codes) or "none"
        raise NumberRefused(
            f"calls to {number[:3]}... are not allowed (allowed country codes: {allowed}; "
            "set SCREENLINE_AUTH__DIAL_COUNTRY_CODES)"
        )
    if any(digits.startswith(prefix) for prefix in auth.dial_blocked_prefixes):
        raise NumberRefused(f"calls to +{digits[:4]}... (premium rate) are blocked")
    return number


def freeswitch_peer_ok(auth: AuthSettings, token: object) -> bool:
    """Whether a FreeSWITCH stream's metadata ``token`` is the configured shared secret (no
    secret configured: nobody is)."""
    if auth.freeswitch_secret is None or not isinstance(token, str):
        ok = False
    else:
        expected = auth.freeswitch_secret.get_secret_value().encode("utf-8")
        ok = hmac.compare_digest(token.encode("utf-8"), expected)
    if not ok:
        note_failure()  # a guessed secret counts against its address like a bad key
    return ok


def address_allow_list(settings: Settings) -> Callable[[str], bool]:
    """A predicate: may a TCP peer at this address connect to the AudioSocket listener?"""
    networks = [ipaddress.ip_network(n, strict=False) for n in settings.auth.audiosocket_allow]

    def allowed(host: str) -> bool:
        address = parse_peer(host)
        return address is not None and any(address in network for network in networks)

    return allowed


def check_twilio_settings(settings: Settings) -> None:
    """Refuse to start Twilio routes that could not verify webhooks: an account without an
    auth token is an error unless ``twilio.dev_unsigned_webhooks`` says this is development."""
    tw = settings.twilio
    if (tw.account_sid or tw.from_number) and not tw.auth_token and not tw.dev_unsigned_webhooks:
        raise ValueError(
            "Twilio is configured without twilio.auth_token, so its webhooks cannot be verified:"
            " set SCREENLINE_TWILIO__AUTH_TOKEN (or, in development only,"
            " SCREENLINE_TWILIO__DEV_UNSIGNED_WEBHOOKS=true)"
        )
