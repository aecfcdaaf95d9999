"""Lint interview scripts: schema errors and semantic problems, each with its source line.

``lint_script(path)`` returns :class:`LintIssue` objects whose ``str()`` is
``path:line: severity: message``. Run ``python -m dialogue.lint FILE...`` (or ``screenline lint``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from dialogue.checks import check_script
from dialogue.script import Issue, parse_script, resolve

#: One finding; ``severity`` is "error" or "warning".
LintIssue = Issue


def lint_script(path: str | Path) -> list[LintIssue]:
    """All problems of the script at ``path`` (or a shipped script id), errors first by line."""
    script, issues = parse_script(resolve(path))
    if script is not None:
        issues += check_script(script)
    return sorted(issues, key=lambda i: (i.severity != "error", i.line or 0))


def main(argv: Sequence[str] | None = None) -> int:
    """Print the issues of each file given; exit status 1 if any error."""
    paths = list(sys.argv[1:] if argv is None else argv)
    failed = False
    for path in paths:
        for issue in lint_script(path):
            print(issue)
            failed = failed or issue.severity == "error"
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
