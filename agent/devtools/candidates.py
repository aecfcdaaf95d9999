"""Synthetic HR data for tests and benchmarks: candidate rows as an HR system exports them, and
the CSV file (UTF-8 with BOM as Excel saves it, or GBK) an import reads."""

from __future__ import annotations

import csv
import io
from typing import Any

#: A home-based customer-service job's rules (every rule kind).
HOME_AGENT_RULES: dict[str, Any] = {
    "education": {"min": "high_school"},
    "experience": {"min_years": 1},
    "work_from_home": {"quiet_room": True, "stable_internet": True},
    "region": {"allowed": ["CN", "US"]},
    "language": {"required": ["en"]},
    "salary": {"min": 3000, "max": 8000},
}


def candidates_csv(rows: list[dict[str, Any]], *, encoding: str = "utf-8-sig") -> bytes:
    """A CSV file as an HR system exports it (Excel's UTF-8 with BOM by default)."""
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def candidate_rows(
    count: int, *, start: int = 0, ineligible_every: int = 0
) -> list[dict[str, Any]]:
    """``count`` plausible candidate rows for :data:`HOME_AGENT_RULES` (every
    ``ineligible_every``-th one expects too high a salary)."""
    rows = []
    for i in range(start, start + count):
        salary = 9500 if ineligible_every and i % ineligible_every == 0 else 5000
        rows.append(
            {
                "external_id": f"ats-{i:05d}",
                "name": f"Candidate {i}",
                "email": f"candidate{i}@example.com",
                "phone": f"+1555{i:07d}",
                "timezone": "America/Chicago",
                "language": "en",
                "education": "bachelor",
                "experience_years": "2",
                "work_from_home": "yes",
                "quiet_room": "yes",
                "stable_internet": "yes",
                "region": "US-TX",
                "languages": "en",
                "expected_salary": str(salary),
            }
        )
    return rows
