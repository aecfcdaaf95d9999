"""A self-contained HTML page for one report: inline CSS and SVG, no network.

The page is what a recruiter reads before deciding. It opens with the summary: the tier (worded
as a recommendation awaiting human review unless a person has reviewed it), the total (marked
partial and not ranked when the interview did not run to the end), one line per dimension, the
two or three most telling quotes and the flags. Then each dimension's evidence question by
question (quotes, nearest rubric level, criteria met and missed, flags), the recorded facts,
the transcript with per-turn delivery metrics, and pitch/loudness plots.
Pitch and loudness are labelled as measurements that are not scored; nothing on the page names an
emotion (DESIGN.md decision 8). Every piece of report text goes through :func:`html.escape`.

When the call was recorded and a ``recording_url`` is given, the page also plays the recording:
each turn, QA flag and taken-over span seeks the player to its moment (one small inline script,
allowed by its hash in the page's Content-Security-Policy; the audio is the only fetch).
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["render_report_html"]

TIER_LABELS = {
    "strong_recommend": "Strong recommend",
    "pending": "Pending",
    "reject": "Reject",
    "ineligible": "Ineligible",
    "incomplete": "Incomplete",
}
#: How a flag kind reads for a recruiter.
FLAG_LABELS = {
    "refusal": "Refusal",
    "blame": "Blame",
    "hostility": "Hostility",
    "dismissal": "Brush-off",
    "negated": "Only negated",
    "keyword_list": "Keyword list",
    "off_topic": "Off topic",
    "restates_question": "Restates the question",
    "other_language": "Other language",
    "mixed_language": "Mixed language",
    "no_answer": "No answer",
}
# Per-turn metrics shown in the transcript: (feature key, label, unit, decimals).
TURN_METRICS: tuple[tuple[str, str, str, int], ...] = (
    ("speech_rate_per_min", "Speech rate", "/min", 0),
    ("articulation_rate_per_min", "Articulation rate", "/min", 0),
    ("pause_count", "Pauses", "", 0),
    ("pause_ratio", "Pause ratio", "", 2),
    ("pause_max_s", "Longest pause", "s", 1),
    ("response_latency_s", "Response latency", "s", 1),
    ("filler_count", "Fillers", "", 0),
    ("filler_rate_per_100", "Filler rate", "/100", 1),
    ("f0_median_hz", "Pitch median (not scored)", "Hz", 0),
    ("f0_variability_st", "Pitch variability (not scored)", "st", 1),
    ("loudness_mean_dbfs", "Loudness (not scored)", "dBFS", 1),
)
_PLOT_W, _PLOT_H, _PAD = 640, 140, 36

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",
sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main{max-width:960px;margin:0 auto;padding:24px}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:16px 20px;margin:16px 0}
h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin:0 0 12px}h3{font-size:16px;margin:0}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}
dl.meta dt{color:#5b6475}dl.meta dd{margin:0}
.badge{display:inline-block;padding:4px 10px;border-radius:14px;font-weight:600}
.tier-strong_recommend{background:#d8f3e3;color:#135c33}.tier-pending{background:#fff1cc;color:#6b4e00}
.tier-reject{background:#fbdcdc;color:#7a1d1d}.tier-none{background:#e5e8ee;color:#333}
.tier-ineligible{background:#e9ddf7;color:#4a2a78}.tier-incomplete{background:#e5e8ee;color:#333}
.flag{color:#8a1d1d}ul.flags{margin:4px 0;padding-left:20px}
#summary .total{font-size:20px;font-weight:600}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceef2;vertical-align:top}
th{color:#5b6475;font-weight:600}
.dim{border-top:1px solid #eceef2;padding-top:12px;margin-top:12px}
.quote{border-left:3px solid #8aa4d6;margin:4px 0;padding:2px 10px;color:#27324a}
.muted{color:#5b6475}.ok{color:#135c33}.out{color:#8a4b00}
ul.concepts{margin:4px 0;padding-left:20px}
.turn{border-top:1px solid #eceef2;padding:8px 0}.who{font-weight:600}
.candidate .who{color:#24589b}.interviewer .who{color:#5b6475}
svg{max-width:100%;height:auto}.turn{overflow-x:auto}
table.metrics th,table.metrics td{font-size:12px;padding:2px 6px}
#recording audio{width:100%}[data-t]{cursor:pointer}[data-t]:hover{background:#f0f4fb}
.takenover{background:#fff7e6}
"""
#: Seeks the recording to a turn's, flag's or span's moment (``data-t``, seconds).
_SEEK_JS = (
    "document.addEventListener('click',function(e){var el=e.target.closest('[data-t]');"
    "var a=document.getElementById('player');if(!el||!a)return;"
    "a.currentTime=parseFloat(el.dataset.t);a.play().catch(function(){});});"
)
_SEEK_HASH = base64.b64encode(hashlib.sha256(_SEEK_JS.encode()).digest()).decode()


def _e(value: Any) -> str:
    """Escaped text of any value (None -> empty)."""
    return html.escape("" if value is None else str(value))


def _num(value: Any, decimals: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"{value:.{decimals}f}"


def _tier_badge(tier: str | None) -> str:
    label = TIER_LABELS.get(tier or "", "Not scored")
    return f'<span class="badge tier-{_e(tier or "none")}">{_e(label)}</span>'


def _decision(report: Mapping[str, Any]) -> str:
    """The recommendation line, worded by review state (decision 8: humans decide)."""
    scores = report.get("scores") or {}
    review = report.get("review")
    tier = scores.get("recommendation")
    if review:
        final = review.get("override_tier") or tier
        how = "overridden" if review.get("override_tier") else "confirmed"
        return (
            f"{_tier_badge(final)} — decision {how} by {_e(review.get('reviewer'))} "
            f"on {_e(review.get('reviewed_at'))}"
        )
    if not scores:
        return f"{_tier_badge(None)} — pending human review"
    if scores.get("auto_reject_final"):
        return f"{_tier_badge(tier)} — final (this deployment enables automatic rejection)"
    return f"{_tier_badge(tier)} — recommendation, pending human review"


def _meta(rows: Iterable[tuple[str, Any]]) -> str:
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return f'<dl class="meta">{items}</dl>'


def _header(report: Mapping[str, Any]) -> str:
    script = report.get("script") or {}
    scores = report.get("scores") or {}
    content_hash = str(script.get("content_hash") or "")
    total = scores.get("total")
    completeness = "complete" if report.get("complete") else "incomplete"
    meta = _meta(
        [
            ("Candidate", report.get("candidate_id")),
            ("Call", report.get("call_id")),
            ("Script", f"{script.get('id')} v{script.get('version')} ({script.get('language')})"),
            ("Script hash", content_hash),
            ("Started", report.get("started_at")),
            ("Ended", report.get("ended_at")),
            ("Outcome", f"{report.get('outcome')} ({completeness})"),
            ("Transport", report.get("transport")),
            ("Total score", "—" if total is None else f"{_num(total, 1)} / 100"),
            ("Scorer", scores.get("scorer_version", "—")),
        ]
    )
    return (
        f"<section><h1>Interview report — {_e(report.get('candidate_id'))}</h1>"
        f'<p id="decision">{_decision(report)}</p>{meta}</section>'
    )


def _bar(score: float, weight: float) -> str:
    width = max(0.0, min(100.0, score)) * 3
    return (
        f'<svg class="bar" width="300" height="14" viewBox="0 0 300 14" role="img" '
        f'aria-label="score {_num(score, 1)} of 100">'
        f'<rect width="300" height="14" rx="3" fill="#e5e8ee"/>'
        f'<rect width="{width:.1f}" height="14" rx="3" fill="#3f72c4"/></svg>'
        f' <b>{_num(score, 1)}</b> <span class="muted">weight {_num(100 * weight, 0)}%</span>'
    )


def _criteria_list(items: Sequence[Mapping[str, Any]], css: str) -> str:
    if not items:
        return '<span class="muted">none</span>'
    lis = "".join(f"<li>{_e(i.get('label') or i.get('concept_id'))}</li>" for i in items)
    return f'<ul class="concepts {css}">{lis}</ul>'


def _flag_items(flags: Sequence[Mapping[str, Any]]) -> str:
    return "".join(
        f'<li class="flag"><b>{_e(FLAG_LABELS.get(str(f.get("kind")), f.get("kind")))}</b> '
        f"({_e(f.get('question_id'))}): {_e(f.get('reason'))} — “{_e(f.get('quote'))}”</li>"
        for f in flags
    )


def _decimals(metric: Mapping[str, Any]) -> int:
    """Whole numbers for rates (words/min), two decimals for ratios and seconds."""
    return 0 if abs(float(metric.get("high") or 0)) >= 20 else 2


def _metrics_table(metrics: Sequence[Mapping[str, Any]]) -> str:
    if not metrics:
        return '<p class="muted">No delivery metrics measured.</p>'
    rows = "".join(
        f"<tr><td>{_e(m.get('label'))}</td><td>{_num(m.get('value'), _decimals(m))} "
        f"{_e(m.get('unit'))}</td>"
        f"<td>{_num(m.get('low'), _decimals(m))} – {_num(m.get('high'), _decimals(m))}</td>"
        f'<td class="{"ok" if m.get("within") else "out"}">'
        f"{'within range' if m.get('within') else 'outside range'}</td></tr>"
        for m in metrics
    )
    return (
        "<table><tr><th>Metric</th><th>Value</th><th>Reference range</th><th></th></tr>"
        f"{rows}</table>"
    )


def _quote(item: Mapping[str, Any]) -> str:
    where = f" — {item.get('question_id')}"
    if item.get("keypad"):
        where += ", keypad"
    return (
        f'<blockquote class="quote">“{_e(item.get("text"))}”'
        f'<span class="muted">{_e(where)}</span></blockquote>'
    )


def _question_evidence(q: Mapping[str, Any]) -> str:
    quotes = "".join(_quote(x) for x in q.get("quotes", []))
    if not quotes:
        quotes = '<p class="muted">No quoted evidence (no points).</p>'
    flags = q.get("flags") or []
    flag_html = f'<ul class="flags">{_flag_items(flags)}</ul>' if flags else ""
    return (
        f'<div class="question" id="evidence-{_e(q.get("question_id"))}">'
        f"<p><b>{_e(q.get('summary'))}</b></p>{quotes}{flag_html}"
        f"<p>Criteria met</p>{_criteria_list(q.get('criteria_met', []), 'matched')}"
        f"<p>Criteria missed</p>{_criteria_list(q.get('criteria_missed', []), 'missing')}</div>"
    )


def _dimension(dim: Mapping[str, Any]) -> str:
    evidence = dim.get("evidence") or {}
    comps = dim.get("components") or {}
    components = ", ".join(f"{name} {_num(comps.get(name), 2)}" for name in ("content", "delivery"))
    questions = "".join(_question_evidence(q) for q in evidence.get("questions", []))
    bar = _bar(float(dim.get("score", 0)), float(dim.get("weight", 0)))
    return (
        f'<div class="dim" id="dim-{_e(dim.get("id"))}">'
        f"<h3>{_e(dim.get('label'))}</h3>{bar}"
        f'<p class="rationale">{_e(dim.get("rationale"))}</p>'
        f'<p class="muted">Components: {_e(components)}</p>{questions}'
        f"{_metrics_table(evidence.get('metrics', []))}</div>"
    )


def _total_line(scores: Mapping[str, Any]) -> str:
    total = f"{_num(scores.get('total'), 1)} / 100"
    if scores.get("complete") is False:
        return f"{total} — incomplete interview: partial total, not ranked with complete ones"
    if scores.get("eligible") is False:
        return f"{total} — ended by a knock-out answer: not ranked"
    return total


def _summary(report: Mapping[str, Any]) -> str:
    """What a recruiter reads first: tier, total, a line per dimension, quotes, flags."""
    scores = report.get("scores")
    if not scores:
        return ""
    lines = "".join(
        f"<li><b>{_e(d.get('label'))}</b> {_num(d.get('score'), 1)} — "
        f"{_e(_first_clause(d.get('rationale')))}</li>"
        for d in scores.get("dimensions", [])
    )
    highlights = "".join(_quote(h) for h in scores.get("highlights", []))
    flags = scores.get("flags") or []
    flag_html = (
        f'<p><b>Flags</b></p><ul class="flags">{_flag_items(flags)}</ul>'
        if flags
        else '<p class="muted">No flags.</p>'
    )
    return (
        f'<section id="summary"><h2>Summary</h2><p>{_decision(report)}</p>'
        f'<p class="total">{_e(_total_line(scores))}</p>'
        f'<ul class="dimensions">{lines}</ul>'
        f"<p><b>Most telling quotes</b></p>{highlights or '<p class=muted>None.</p>'}"
        f"{flag_html}{_facts(scores)}</section>"
    )


def _first_clause(rationale: Any) -> str:
    text = str(rationale or "")
    return text.split("; ")[0] if text else ""


def _facts(scores: Mapping[str, Any]) -> str:
    facts = scores.get("facts") or []
    if not facts:
        return ""
    rows = "".join(
        f"<tr><td>{_e(f.get('record'))}</td><td>{_e(f.get('answer') or '—')}</td>"
        f'<td class="muted">{"scored" if f.get("scored") else "shown, not scored"}</td></tr>'
        for f in facts
    )
    return f'<p><b>Recorded answers</b></p><table class="facts">{rows}</table>'


def _scores(report: Mapping[str, Any]) -> str:
    scores = report.get("scores")
    if not scores:
        return '<section id="scores"><h2>Scores</h2><p class="muted">Not scored.</p></section>'
    dims = "".join(_dimension(d) for d in scores.get("dimensions", []))
    unanswered = scores.get("unanswered") or []
    missing = f"<p>Unanswered questions: {_e(', '.join(unanswered))}</p>" if unanswered else ""
    weights = scores.get("component_weights") or {}
    note = (
        "Each answer is compared with the script's rubric: sample answers at levels 1 to 5. "
        "Its level (and the nearest sample, with its similarity) gives the question's points; "
        "refusals, keyword lists and red flags cap them. Each dimension: answers "
        f"{_num(100 * weights.get('content', 0), 0)}%, delivery metrics "
        f"{_num(100 * weights.get('delivery', 0), 0)}%. "
        "Pitch and loudness are shown as measurements and are not scored."
    )
    return (
        f'<section id="scores"><h2>Scores — total {_num(scores.get("total"), 1)}</h2>'
        f'<p class="muted">{_e(note)}</p>{missing}{dims}</section>'
    )


def _polyline_parts(
    xs: Sequence[float], ys: Sequence[float | None], scale: tuple[float, float]
) -> list[str]:
    """SVG point lists, broken where ``ys`` is None (unvoiced stretches have no pitch)."""
    lo, hi = scale
    span = (hi - lo) or 1.0
    parts: list[str] = []
    current: list[str] = []
    for x, y in zip(xs, ys, strict=True):
        if y is None:
            if current:
                parts.append(" ".join(current))
            current = []
            continue
        py = _PAD / 2 + (_PLOT_H - _PAD) * (1 - (min(max(y, lo), hi) - lo) / span)
        current.append(f"{x:.1f},{py:.1f}")
    if current:
        parts.append(" ".join(current))
    return parts


def _svg_text(x: float, y: float, text: str, colour: str) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="10" fill="{colour}">{_e(text)}</text>'


def _track_svg(track: Mapping[str, Any]) -> str:
    """Pitch (blue, left axis) and loudness (grey, right axis) against time for one turn."""
    times = [float(t) for t in track.get("t", [])]
    if not times:
        return ""
    f0: list[float | None] = [None if v is None else float(v) for v in track.get("f0", [])]
    db: list[float | None] = [float(v) for v in track.get("db", [])]
    t_end = max(times[-1], 1e-3)
    xs = [_PAD + (_PLOT_W - 2 * _PAD) * t / t_end for t in times]
    voiced = [v for v in f0 if v is not None]
    f0_scale = (min(voiced) * 0.9, max(voiced) * 1.1) if voiced else (50.0, 400.0)
    db_scale = (-70.0, 0.0)
    lines = [
        f'<polyline points="{p}" fill="none" stroke="#9aa3b2" stroke-width="1"/>'
        for p in _polyline_parts(xs, db, db_scale)
    ] + [
        f'<polyline points="{p}" fill="none" stroke="#24589b" stroke-width="1.6"/>'
        for p in _polyline_parts(xs, f0, f0_scale)
    ]
    top, bottom, right = _PAD / 2 + 4, _PLOT_H - _PAD / 2, _PLOT_W - _PAD + 2
    labels = "".join(
        _svg_text(x, y, text, colour)
        for x, y, text, colour in (
            (2, top, f"{f0_scale[1]:.0f} Hz", "#24589b"),
            (2, bottom, f"{f0_scale[0]:.0f} Hz", "#24589b"),
            (right, top, "0 dB", "#6b7280"),
            (right, bottom, "-70 dB", "#6b7280"),
            (_PAD, _PLOT_H - 2, "0 s", "#6b7280"),
            (_PLOT_W - _PAD - 30, _PLOT_H - 2, f"{t_end:.1f} s", "#6b7280"),
        )
    )
    return (
        f'<svg class="track" width="{_PLOT_W}" height="{_PLOT_H}" viewBox="0 0 {_PLOT_W} {_PLOT_H}"'
        ' role="img" aria-label="pitch and loudness over the answer (measurements, not scored)">'
        f'<rect x="{_PAD}" y="{_PAD / 2}" width="{_PLOT_W - 2 * _PAD}" height="{_PLOT_H - _PAD}" '
        f'fill="#fafbfc" stroke="#dde1e7"/>{"".join(lines)}{labels}</svg>'
    )


def _turn_metrics(features: Mapping[str, Any]) -> str:
    cells = [
        (label, f"{_num(features.get(key), decimals)} {unit}".strip())
        for key, label, unit, decimals in TURN_METRICS
        if key in features
    ]
    if not cells:
        return ""
    head = "".join(f"<th>{_e(label)}</th>" for label, _ in cells)
    body = "".join(f"<td>{_e(value)}</td>" for _, value in cells)
    return f'<table class="metrics"><tr>{head}</tr><tr>{body}</tr></table>'


def _taken_over(spans: Sequence[Mapping[str, Any]], t: Any) -> bool:
    if not isinstance(t, int | float):
        return False
    return any(s.get("start_s", 0) <= t <= s.get("end_s", float("inf")) for s in spans)


def _recording(report: Mapping[str, Any], url: str | None) -> str:
    """The player, the QA flags and the taken-over spans (each seeks to its moment)."""
    monitor = report.get("monitor") or {}
    flags = monitor.get("flags") or []
    spans = monitor.get("takeovers") or []
    if not (url or flags or spans):
        return ""
    player = (
        f'<audio id="player" controls preload="metadata" src="{_e(url)}"></audio>'
        if url
        else '<p class="muted">No recording.</p>'
    )
    flag_items = "".join(
        f'<li class="qa-flag" data-t="{_num(f.get("t"), 2)}">{_num(f.get("t"), 1)} s — '
        f'{_e(f.get("note") or "flag")} <span class="muted">({_e(f.get("by"))})</span></li>'
        for f in flags
    )
    span_items = "".join(
        f'<li class="takeover" data-t="{_num(s.get("start_s"), 2)}">'
        f"{_num(s.get('start_s'), 1)}–{_num(s.get('end_s'), 1)} s: taken over by "
        f"{_e(s.get('by'))}</li>"
        for s in spans
    )
    return (
        '<section id="recording"><h2>Recording</h2>'
        '<p class="muted">Candidate left, interviewer right. Click a turn, flag or span to '
        f"hear it.</p>{player}"
        + (f"<p><b>QA flags</b></p><ul>{flag_items}</ul>" if flags else "")
        + (f"<p><b>Taken over by a person</b></p><ul>{span_items}</ul>" if spans else "")
        + "</section>"
    )


def _transcript(report: Mapping[str, Any]) -> str:
    tracks = {t.get("turn_index"): t for t in report.get("delivery_tracks") or []}
    spans = (report.get("monitor") or {}).get("takeovers") or []
    rows = []
    for index, turn in enumerate(report.get("turns") or []):
        speaker = "candidate" if turn.get("speaker") == "candidate" else "interviewer"
        over = " takenover" if _taken_over(spans, turn.get("start_s")) else ""
        extra = ""
        if speaker == "candidate":
            extra = _turn_metrics(turn.get("features") or {})
            if index in tracks:
                extra += _track_svg(tracks[index])
        question = f" · {_e(turn.get('question_id'))}" if turn.get("question_id") else ""
        rows.append(
            f'<div class="turn {speaker}{over}" id="turn-{index}" '
            f'data-t="{_num(turn.get("start_s"), 2)}">'
            f'<span class="who">{_e(speaker.title())}</span> '
            f'<span class="muted">{_num(turn.get("start_s"), 1)} s{question}</span>'
            f"<div>{_e(turn.get('text'))}</div>{extra}</div>"
        )
    return (
        '<section id="transcript"><h2>Transcript</h2>'
        '<p class="muted">Delivery values are measurements of the recording, not judgements of '
        "the person. Pitch (blue) and loudness (grey) plots are for reference and are not "
        f"scored.</p>{''.join(rows)}</section>"
    )


def _review(report: Mapping[str, Any]) -> str:
    review = report.get("review")
    if not review:
        body = (
            "<p>Not reviewed yet. The recommendation above is advisory: a recruiter reviews it "
            "and records the decision here.</p>"
        )
    else:
        override = review.get("override_tier")
        body = _meta(
            [
                ("Reviewer", review.get("reviewer")),
                ("Decision", TIER_LABELS.get(override, "Recommendation confirmed")),
                ("Note", review.get("note") or "—"),
                ("Reviewed at", review.get("reviewed_at")),
            ]
        )
    flags = report.get("flags") or []
    flag_html = (
        "<p><b>Flags for the reviewer</b></p><ul>"
        + "".join(f"<li>{_e(f)}</li>" for f in flags)
        + "</ul>"
        if flags
        else ""
    )
    records = report.get("records") or {}
    record_html = _meta((k, v) for k, v in records.items()) if records else ""
    return f'<section id="review"><h2>Human review</h2>{body}{flag_html}{record_html}</section>'


def render_report_html(report: Mapping[str, Any], recording_url: str | None = None) -> str:
    """The report as one self-contained HTML document (UTF-8 text); ``recording_url`` (a
    same-origin path) adds the recording's player."""
    title = f"Screenline report {report.get('report_id', '')}"
    language = (report.get("script") or {}).get("language") or "en"
    media = f" media-src 'self'; script-src 'sha256-{_SEEK_HASH}';" if recording_url else ""
    script = f"<script>{_SEEK_JS}</script>" if recording_url else ""
    return (
        f'<!DOCTYPE html><html lang="{_e(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        f"style-src 'unsafe-inline'; img-src data:;{media}\">"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>"
        f"{_header(report)}{_summary(report)}{_recording(report, recording_url)}"
        f"{_scores(report)}{_transcript(report)}{_review(report)}"
        f'<p class="muted">Report schema {_e(report.get("schema_version"))}.</p>'
        f"</main>{script}</body></html>\n"
    )
