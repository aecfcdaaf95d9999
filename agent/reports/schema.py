"""Validation of reports against ``agent/reports/report.schema.json`` (JSON Schema 2020-12).

The schema is the contract with HR systems: every field of the report is described there, and a
report with an undocumented field fails validation, so a new field cannot slip out unannounced.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    """The report JSON Schema (parsed once)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def schema_problems(report: dict[str, Any]) -> list[str]:
    """Every way ``report`` breaks the schema, as ``path: message`` lines (empty when valid).

    Uses ``jsonschema`` when it is installed; without it, falls back to the structural checks of
    :func:`agent.reports.report.validate_report` so callers still get the essentials checked.
    """
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema is a declared dependency
        from agent.reports.report import validate_report

        return validate_report(report)
    validator = jsonschema.Draft202012Validator(
        report_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path))
    return [f"{e.json_path}: {e.message}" for e in errors]
