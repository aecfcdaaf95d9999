"""The job analysis read from the database (SQLite and PostgreSQL): one report per candidate
(the newest), the tier in force, only configured attributes as groups, and the report's own
dimensions when the job's script can no longer be loaded."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agent.analytics.job import UnknownJob, groups_of, job_analytics
from agent.settings import AnalyticsSettings
from agent.store.db import Database
from agent.store.tables import ReportRow
from dialogue.script import load_script
from tests.analytics.seed import seed_job
from tests.hr.conftest import empty


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.upgrade()
    empty(database)
    try:
        yield database
    finally:
        empty(database)
        database.dispose()


def test_newest_report_counts_and_the_report_stands_in_for_a_lost_script(
    db: Database, template_report: dict[str, Any]
) -> None:
    seeded = seed_job(db, template_report, n=6)
    first = seeded[0]
    with db.session() as session:
        # An older interview of the same candidate, on an older script version: not counted.
        old = copy.deepcopy(template_report)
        old["script"]["version"] = "0.9"
        old["scores"]["ranked"] = False
        session.add(
            ReportRow(report_id="old-1", candidate_id=first.candidate_id, job_id="job-cs",
                      tier="reject", score=1.0, body=old,
                      created_at=datetime.now(UTC) - timedelta(days=30))
        )  # fmt: skip
        # A person's review overrides the tier of the newest.
        row = session.get(ReportRow, first.report_id)
        assert row is not None
        row.reviewed_tier = "strong_recommend"
    settings = AnalyticsSettings(min_group_n=2)
    with db.session() as session:
        result = job_analytics(session, "job-cs", settings, lambda _sid: None)
    assert result.candidates == 6 and result.ranked == 6
    # No script: the newest report's dimensions, weights and labels stand in.
    script = load_script("cs_home_en")
    assert result.current_weights == {d.id: d.weight for d in script.dimensions}
    assert result.script_version == "1.0"
    groups = {g["group"]: g for g in result.adverse_impact["gender"]["groups"]}
    selected_a = sum(c.tier == "strong_recommend" for c in seeded[1:] if c.group == "A") + 1
    assert groups["A"]["selected"] == selected_a  # the review's tier, not the scorer's
    assert groups["A"]["n"] + groups["B"]["n"] == 6
    with db.session() as session, pytest.raises(UnknownJob):
        job_analytics(session, "nope", settings, lambda _sid: None)


def test_groups_come_only_from_configured_self_reported_attributes() -> None:
    names = ["gender", "age_band"]
    assert groups_of({"gender": " F ", "age_band": 3, "city": "Paris"}, names) == {
        "gender": "F",
        "age_band": "3",
    }
    assert groups_of({"self_reported": {"gender": "x" * 100}}, names) == {"gender": "x" * 64}
    # Booleans, lists, blanks and a non-mapping are not group labels.
    assert groups_of({"gender": True, "age_band": ["a"]}, names) == {}
    assert groups_of({"gender": "  "}, names) == {}
    assert groups_of(None, names) == {}
