"""Result delivery: outbox consumers, webhooks, ATS adapters, SMS and email senders."""
