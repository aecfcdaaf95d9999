"""Access control: API keys with roles, signed tokens, peer checks (DESIGN.md decision 10).

- :mod:`agent.auth.tokens` — HMAC-signed, expiring tokens (call tokens, invitation links,
  Twilio stream parameters); pure functions.
- :mod:`agent.auth.keys` — API key format and salted hashing; pure functions.
- :mod:`agent.auth.secret` — the server secret those tokens are signed with.
- :mod:`agent.auth.guard` — the FastAPI side: one place that decides who may use what.
- :mod:`agent.auth.peers` — carrier peers (FreeSWITCH shared secret, AudioSocket allow-list) and
  outbound-number policy (E.164, country calling codes).
"""
