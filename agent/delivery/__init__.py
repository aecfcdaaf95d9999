"""Result delivery (DESIGN.md decision 12): events leave through the database outbox.

- :mod:`agent.delivery.signing` — HMAC-SHA256 webhook signatures and the receiver's check.
- :mod:`agent.delivery.backoff` — retry delays (exponential, full jitter, capped).
- :mod:`agent.delivery.worker` — the outbox worker: fans events out to sinks, delivers them at
  least once with retries, records every attempt, survives restarts.
- :mod:`agent.delivery.sinks` — where events go: signed webhooks, and the ATS adapters
  (:mod:`agent.delivery.greenhouse`, :mod:`agent.delivery.successfactors`).
"""
