"""The HTML report: built from a real scored report, loaded in headless Chromium without console
errors, showing every dimension, the evidence, the plots and the review state; plus the CLI."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soxr

from agent.calls.scoring import TRACK_KEY, finalize_scores, turn_features
from agent.reports.html import render_report_html
from agent.reports.report import ReportStore
from agent.reports.schema import schema_problems
from dialogue.script import load_script
from tests.agent.transcript import run_transcript
from tests.devtools import CHROMIUM, DevTools, needs_chromium
from tests.dialogue.scoring_answers import ANSWERS, TYPICAL_DELIVERY


@pytest.fixture(scope="module")
def spoken_report(candidate_voice: Any, embed: Any) -> dict[str, Any]:
    """A strong English interview whose answers Piper speaks: real delivery features/tracks."""
    script = load_script("cs_home_en")

    def features_for(_qid: str, text: str) -> dict[str, Any]:
        chunks = list(candidate_voice.synthesize(text))
        speech = np.concatenate(
            [soxr.resample(c.audio_float_array, c.sample_rate, 16000) for c in chunks]
        )
        audio = np.concatenate([np.zeros(6400, np.float32), 0.5 * speech.astype(np.float32)])
        return turn_features(audio, text, "en")

    record, interview = run_transcript(script, ANSWERS["en"]["strong"], features_for=features_for)
    finalize_scores(record, script, interview.answers, embed=embed)
    return record.to_report()


@pytest.fixture(scope="module")
def zh_report(embed: Any) -> dict[str, Any]:
    """A mediocre Mandarin interview with typical delivery numbers (no Mandarin voice needed)."""
    script = load_script("cs_home_zh")
    record, interview = run_transcript(
        script,
        ANSWERS["zh"]["mediocre"],
        features_for=lambda _q, _t: dict(TYPICAL_DELIVERY["zh"]),
    )
    finalize_scores(record, script, interview.answers, embed=embed)
    return record.to_report()


# --- the report document -------------------------------------------------------------------


def test_real_reports_validate_against_the_schema(
    spoken_report: dict[str, Any], zh_report: dict[str, Any]
) -> None:
    for report in (spoken_report, zh_report):
        assert schema_problems(report) == []
        assert report["schema_version"] == "3"
        assert report["review"] is None
        assert report["scores"]["script"]["content_hash"] == report["script"]["content_hash"]
    # Tracks moved out of the turn features into delivery_tracks, one per spoken answer turn.
    candidate = [i for i, t in enumerate(spoken_report["turns"]) if t["speaker"] == "candidate"]
    tracks = spoken_report["delivery_tracks"]
    assert tracks and {t["turn_index"] for t in tracks} <= set(candidate)
    assert all(TRACK_KEY not in t["features"] for t in spoken_report["turns"])
    assert all(len(t["t"]) == len(t["f0"]) == len(t["db"]) > 10 for t in tracks)


def test_schema_rejects_undocumented_and_malformed_fields(spoken_report: dict[str, Any]) -> None:
    report = json.loads(json.dumps(spoken_report))
    report["surprise"] = 1
    report["scores"]["dimensions"][0]["score"] = 140
    report["review"] = {"reviewer": "", "override_tier": "maybe", "note": None, "reviewed_at": "x"}
    problems = "\n".join(schema_problems(report))
    for fragment in ("surprise", "140", "maybe", "reviewer"):
        assert fragment in problems, problems


def test_schema_outcomes_match_the_engine() -> None:
    from agent.reports.schema import report_schema
    from dialogue.events import Outcome

    allowed = report_schema()["properties"]["outcome"]["enum"]
    assert set(allowed) == {str(o) for o in Outcome} | {None}


def test_spoken_answers_get_delivery_evidence(spoken_report: dict[str, Any]) -> None:
    scores = spoken_report["scores"]
    assert scores["tier"] == "strong_recommend"
    for dim in scores["dimensions"]:
        metrics = {m["metric"]: m for m in dim["evidence"]["metrics"]}
        assert {"speech_rate_per_min", "pause_ratio", "response_latency_s"} <= set(metrics)
        assert 100 < metrics["speech_rate_per_min"]["value"] < 260  # Piper's pace, words/min


# --- the HTML page -------------------------------------------------------------------------


def test_html_escapes_every_text(spoken_report: dict[str, Any]) -> None:
    report = json.loads(json.dumps(spoken_report))
    evil = '<script>alert("x")</script>'
    report["candidate_id"] = evil
    report["turns"][2]["text"] = evil
    report["scores"]["dimensions"][0]["rationale"] = evil
    page = render_report_html(report)
    assert "<script" not in page
    assert page.count("&lt;script&gt;") >= 3


def test_html_opens_with_what_a_recruiter_reads_first(
    spoken_report: dict[str, Any], zh_report: dict[str, Any]
) -> None:
    for report in (spoken_report, zh_report):
        page = render_report_html(report)
        scores = report["scores"]
        summary = page[page.index('id="summary"') : page.index('id="scores"')]
        assert (
            page.index('id="summary"') < page.index('id="scores"') < page.index('id="transcript"')
        )
        assert f"{scores['total']:.1f} / 100" in summary
        for dim in scores["dimensions"]:
            assert dim["label"] in summary
        assert 2 <= len(scores["highlights"]) <= 3
        for quote in scores["highlights"]:
            assert html.escape(quote["text"]) in summary
        assert ("No flags." in summary) == (not scores["flags"])
        assert "salary_expectation" in summary and "shown, not scored" in summary


def test_cut_off_and_knocked_out_interviews_say_so(zh_report: dict[str, Any], embed: Any) -> None:
    script = load_script("cs_home_zh")
    record, interview = run_transcript(script, ANSWERS["zh"]["strong"])
    record.outcome = "hung_up"  # as if the candidate hung up after the first answer
    first = {k: v for k, v in interview.answers.items() if k == "cs_experience"}
    finalize_scores(record, script, first, embed=embed)
    report = record.to_report()
    assert schema_problems(report) == []
    assert report["scores"]["tier"] == "incomplete" and report["scores"]["ranked"] is False
    page = render_report_html(report)
    assert "incomplete interview: partial total, not ranked" in page
    record.outcome = "ineligible"
    finalize_scores(record, script, first, embed=embed)
    assert record.scores is not None and record.scores["tier"] == "ineligible"
    assert "Ineligible" in render_report_html(record.to_report())


def test_html_wording_follows_the_review_state(spoken_report: dict[str, Any]) -> None:
    page = render_report_html(spoken_report)
    assert "recommendation, pending human review" in page
    reviewed = {
        **spoken_report,
        "review": {
            "reviewer": "r.lee",
            "override_tier": "pending",
            "note": "Check availability.",
            "reviewed_at": "2026-01-05T10:00:00.000+00:00",
        },
    }
    assert schema_problems(reviewed) == []
    page = render_report_html(reviewed)
    assert "pending human review" not in page
    assert "decision overridden by r.lee" in page and "Check availability." in page


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    assert CHROMIUM is not None
    devtools = DevTools(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield devtools
    finally:
        devtools.close()


@needs_chromium
def test_console_error_catcher_works(browser: DevTools, tmp_path: Path) -> None:
    # Negative control: a page that logs an error must be caught, or the test below proves nothing.
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><script>console.error('boom')</script>", encoding="utf-8")
    _dom, errors = browser.load(page.as_uri())
    assert any("boom" in e for e in errors), errors


@needs_chromium
@pytest.mark.parametrize("which", ["spoken_report", "zh_report"])
def test_html_loads_in_chromium_and_shows_every_dimension(
    which: str, browser: DevTools, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    report: dict[str, Any] = request.getfixturevalue(which)
    path = tmp_path / "report.html"
    path.write_text(render_report_html(report), encoding="utf-8")
    dom, errors = browser.load(path.as_uri())
    assert errors == []
    for dim in report["scores"]["dimensions"]:
        assert f'id="dim-{dim["id"]}"' in dom
        assert dim["label"] in dom
        assert f"{dim['score']:.1f}" in dom
    assert "pending human review" in dom
    assert report["script"]["content_hash"] in dom
    candidate_turns = sum(t["speaker"] == "candidate" for t in report["turns"])
    assert dom.count('class="turn candidate"') == candidate_turns
    assert dom.count('class="track"') == len(report["delivery_tracks"])
    assert 'id="review"' in dom


def test_cli_writes_the_html_report(
    spoken_report: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.cli import main

    data_dir = tmp_path / "data"
    monkeypatch.setenv("SCREENLINE_DATA_DIR", str(data_dir))
    from agent.settings import load_settings

    store = ReportStore(load_settings().resolved_reports_dir)
    store.save(spoken_report)
    out = tmp_path / "out.html"
    assert main(["report", spoken_report["report_id"], "--html", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Interview report" in page
    assert main(["report", "no-such-report", "--html"]) == 1
