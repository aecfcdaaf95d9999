"""The HR commands of the ``screenline`` CLI on SQLite and PostgreSQL: jobs, candidates import
with a progress bar, reports list, review, purge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from agent.cli import build_parser
from agent.store.db import Database
from agent.store.tables import Candidate, Review
from tests.conftest import FIXTURES
from tests.hr.conftest import HOME_AGENT_RULES, candidate_rows, candidates_csv, store_call


def run(*argv: str) -> int:
    """The command as ``main`` runs it, minus its process-wide logging set-up."""
    args = build_parser().parse_args(list(argv))
    return int(args.func(args))


@pytest.fixture
def cli_env(
    db: Database, module_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Database:
    monkeypatch.setenv("SCREENLINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SCREENLINE_DATABASE_URL", module_database_url)
    monkeypatch.setenv("SCREENLINE_SCRIPTS_DIR", str(FIXTURES / "scripts"))
    return db


def test_jobs_import_review_purge(
    cli_env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(HOME_AGENT_RULES))
    assert (
        run(
            "jobs", "put", "cs-1", "--title", "Agent", "--script", "short_en", "--rules", str(rules)
        )
        == 0
    )
    assert "created job cs-1" in capsys.readouterr().out
    assert run("jobs", "list") == 0
    assert "cs-1" in capsys.readouterr().out
    assert run("jobs", "put", "cs-3", "--title", "x", "--script", "no_such_script") == 1
    assert "unknown script" in capsys.readouterr().err
    bad_rules = tmp_path / "bad.yaml"
    bad_rules.write_text("height: {min: 2}\n")
    assert (
        run(
            "jobs", "put", "cs-2", "--title", "x", "--script", "short_en", "--rules", str(bad_rules)
        )
        == 1
    )
    capsys.readouterr()

    rows = candidate_rows(30, ineligible_every=5)
    rows[7]["phone"] = "call me"
    file = tmp_path / "candidates.csv"
    file.write_bytes(candidates_csv(rows, encoding="gbk"))
    assert run("candidates", "import", str(file), "--job", "cs-1") == 1  # one row refused
    out, err = capsys.readouterr()
    assert "created 29" in out and "refused 1" in out
    assert "[##############################] 30/30" in err  # the progress bar, finished
    assert "row 7 (ats-00007)" in err and "phone" in err
    assert run("candidates", "import", str(file), "--job", "nope") == 1
    assert "no job" in capsys.readouterr().err
    with cli_env.session() as session:
        assert len(list(session.scalars(select(Candidate)))) == 29

    with cli_env.session() as session:
        candidate = session.scalars(select(Candidate.candidate_id)).first()
    assert candidate is not None
    report_id = store_call(cli_env, candidate, tier="pending")
    assert run("reports", "list", "--job", "cs-1", "--unreviewed") == 0
    assert report_id in capsys.readouterr().out
    assert run("review", report_id, "--tier", "reject", "--note", "no fit") == 0
    assert "now reject" in capsys.readouterr().out
    assert run("reports", "list", "--tier", "reject", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [item["report_id"] for item in listed] == [report_id]
    assert run("review", "nope", "--tier", "reject") == 1
    with cli_env.session() as session:
        assert session.scalars(select(Review.reviewer)).one().startswith("cli:")

    assert run("purge") == 1  # no retention configured and no --days
    assert run("purge", "--days", "30") == 0
    assert "purged 0 calls" in capsys.readouterr().out
