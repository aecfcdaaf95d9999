"""The HR side (issue 14): jobs, candidate import with eligibility screening, invitations,
reports and reviews, privacy erase/export and retention.

- :mod:`agent.hr.eligibility` — the screening rules and the pure decision function.
- :mod:`agent.hr.candidates` — validating import rows (JSON or CSV, UTF-8/BOM/GBK).
- :mod:`agent.hr.repo` — database operations the REST API and the CLI share.
"""
