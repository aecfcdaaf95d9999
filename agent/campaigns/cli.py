"""``screenline campaign create|watch|status|pause|resume|cancel``: a client of the REST API
(``/api/campaigns``), authenticated with a recruiter or admin key like any other client."""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import httpx

from agent.settings import Settings

__all__ = ["add_campaign_parser", "load_candidates", "progress_line"]

BAR_WIDTH = 30
_OUTCOME_ORDER = ("answered", "callback", "busy", "no_answer", "voicemail", "failed")


def load_candidates(path: Path) -> list[dict[str, str]]:
    """Candidates from a CSV (header: candidate_id, phone, timezone[, language, name]) or a
    JSON list of objects with those keys."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        rows = json.loads(text)
        if not isinstance(rows, list):
            raise ValueError(f"{path}: expected a JSON list of candidates")
        return [{k: str(v) for k, v in dict(r).items()} for r in rows]
    reader = csv.DictReader(text.splitlines())
    wanted = ("candidate_id", "phone", "timezone", "language", "name")
    return [{k: v.strip() for k, v in row.items() if k in wanted and v} for row in reader]


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


def progress_line(status: dict[str, Any], width: int = BAR_WIDTH) -> str:
    """One line of progress: a bar of candidates finished, what is under way, outcomes, ETA.

    A candidate is finished when none of its attempts is queued or live.
    """
    total = int(status.get("candidates") or 0)
    queued = int(status.get("queued") or 0)
    live = int(status.get("dialling") or 0) + int(status.get("in_call") or 0)
    finished = max(total - queued - live, 0)
    filled = round(width * finished / total) if total else width
    bar = "#" * filled + "-" * (width - filled)
    done: dict[str, int] = status.get("done") or {}
    shown = [f"{k} {done[k]}" for k in _OUTCOME_ORDER if done.get(k)]
    shown += [f"{k} {v}" for k, v in sorted(done.items()) if k not in _OUTCOME_ORDER and v]
    parts = [
        f"[{bar}] {finished}/{total}",
        str(status.get("state", "?")),
        f"queued {queued}",
        f"dialling {status.get('dialling', 0)}",
        f"in call {status.get('in_call', 0)}",
    ]
    if shown:
        parts.append(", ".join(shown))
    if queued:
        parts.append(f"ETA {_duration(status.get('eta_s'))}")
    return " · ".join(parts)


def _client(settings: Settings, args: argparse.Namespace) -> httpx.Client:
    base = args.server or f"http://{settings.host}:{settings.port}"
    token = args.token or (settings.api_key.get_secret_value() if settings.api_key else None)
    if not token:
        raise SystemExit("screenline campaign: pass --token KEY or set SCREENLINE_API_KEY")
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _check(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail")
        except ValueError:
            detail = response.text[:200]
        raise SystemExit(f"screenline campaign: HTTP {response.status_code}: {detail}")
    return response.json()


def run_campaign_command(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    """Run one ``campaign`` subcommand against the server."""
    with _client(settings, args) as client:
        if args.action == "create":
            body: dict[str, Any] = {"name": args.name or "", "script_id": args.script}
            if args.job:
                body["job_id"] = args.job
            if args.candidates:
                body["candidates"] = load_candidates(Path(args.candidates))
            for key in ("window", "max_concurrent", "calls_per_second", "max_attempts"):
                if getattr(args, key) is not None:
                    body[key] = getattr(args, key)
            status = _check(client.post("/api/campaigns", json=body))
            print(status["campaign_id"], file=out)
            return 0
        if args.action in ("pause", "resume", "cancel"):
            status = _check(client.post(f"/api/campaigns/{args.id}/{args.action}"))
            print(progress_line(status), file=out)
            return 0
        if args.action == "list":
            for row in _check(client.get("/api/campaigns")):
                print(f"{row['campaign_id']}  {row['state']:<8}  {row['name']}", file=out)
            return 0
        # status / watch
        while True:
            status = _check(client.get(f"/api/campaigns/{args.id}"))
            line = progress_line(status)
            if args.action == "status":
                print(json.dumps(status, indent=2) if args.json else line, file=out)
                return 0
            end = "\n" if status["state"] in ("done", "canceled") else ""
            out.write("\r\x1b[2K" + line + end if out.isatty() else line + "\n")
            out.flush()
            if end:
                return 0
            time.sleep(args.interval)


def add_campaign_parser(sub: Any) -> None:
    """Register ``screenline campaign ...`` on the CLI's subparsers."""
    p = sub.add_parser("campaign", help="outbound campaigns: create, watch, pause, resume, cancel")
    p.add_argument("--server", help="http://host:port of the server (default: settings)")
    p.add_argument("--token", help="recruiter/admin API key (default: SCREENLINE_API_KEY)")
    actions = p.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="start a campaign; prints its id")
    create.add_argument("--script", required=True, help="interview script id")
    create.add_argument("--name")
    create.add_argument("--job", help="job id (without --candidates: its eligible candidates)")
    create.add_argument("--candidates", help="CSV or JSON file of candidates to call")
    create.add_argument("--window", help="local calling window, e.g. 09:00-21:00")
    create.add_argument("--max-concurrent", type=int, dest="max_concurrent")
    create.add_argument("--calls-per-second", type=float, dest="calls_per_second")
    create.add_argument("--max-attempts", type=int, dest="max_attempts")
    actions.add_parser("list", help="the newest campaigns")
    for name, text in (
        ("watch", "live progress bar until the campaign ends"),
        ("status", "progress once (--json: everything)"),
        ("pause", "stop dialling new calls"),
        ("resume", "dial again"),
        ("cancel", "end the campaign (calls under way finish)"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("id")
        if name == "watch":
            action.add_argument("--interval", type=float, default=2.0)
        if name == "status":
            action.add_argument("--json", action="store_true")


def main_campaign(settings: Settings, args: argparse.Namespace) -> int:
    """Entry point for the CLI (output on stdout)."""
    return run_campaign_command(settings, args, sys.stdout)
