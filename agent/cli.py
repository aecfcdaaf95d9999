"""The ``screenline`` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from agent.settings import Settings, load_settings

if TYPE_CHECKING:
    from agent.calls.run import Runtime
    from dialogue.embedding import Embed


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    for name in ("host", "port"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    return load_settings(**overrides)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _configure_logging(verbose: bool) -> None:
    from loguru import logger

    level = "DEBUG" if verbose else "WARNING"
    # pipecat logs through loguru; keep its chatter out of the way unless asked.
    logger.remove()
    logger.add(sys.stderr, level=level)
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr)
    # Alembic narrates every start-up's migration check; keep it for -v.
    logging.getLogger("alembic").setLevel(logging.DEBUG if verbose else logging.WARNING)


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the server on the embedded defaults (or whatever settings say)."""
    from agent.api.server import create_app
    from agent.api.serving import serve
    from agent.calls.memory import limit_malloc_arenas

    settings = _settings(args)
    limit_malloc_arenas(settings.malloc_arenas)  # before the models load and start threads
    if args.workers > 1:
        from agent.api.serving import WorkersRefused, serve_workers

        try:
            return serve_workers(settings, args.workers)
        except WorkersRefused as exc:
            print(f"screenline serve: {exc}", file=sys.stderr)
            return 2
    app = create_app(settings)
    serve(app, app.state.runtime, host=settings.host, port=settings.port, listen_fd=args.listen_fd)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Print a stored report as JSON, or as a self-contained HTML page (``--html``)."""
    from agent.reports.report import ReportStore

    store = ReportStore(_settings(args).resolved_reports_dir)
    try:
        report = store.load(args.id)
    except (FileNotFoundError, ValueError) as exc:
        print(f"screenline report: {exc}", file=sys.stderr)
        return 1
    if not args.html:
        text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    else:
        from agent.reports.html import render_report_html

        text = render_report_html(report)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
        print(args.out)
    else:
        sys.stdout.write(text)
    return 0


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def in_process_server(
    settings: Settings, runtime: Runtime | None = None, *, prompts: bool = True
) -> AsyncIterator[str]:
    """Start the server inside this event loop on a free loopback port; yields its ws URL.
    ``prompts``: pre-synthesize the default script's prompts in the background."""
    from agent.api.server import create_app

    app = create_app(settings, runtime, prompts=prompts)
    async with serve_app(app, settings.max_frame_bytes) as base:
        yield f"{base}/ws/call"


@contextlib.asynccontextmanager
async def serve_app(app: Any, ws_max_size: int = 64 * 1024) -> AsyncIterator[str]:
    """Serve an ASGI app in this event loop on a free loopback port; yields ``ws://host:port``."""
    import uvicorn

    from agent.api.serving import DrainingServer, server_config

    port = _free_port("127.0.0.1")
    runtime = getattr(getattr(app, "state", None), "runtime", None)
    server: uvicorn.Server
    if runtime is not None:  # a Screenline app: the production limits and drain
        config = server_config(
            app, runtime, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        server = DrainingServer(config, runtime)
    else:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            ws_max_size=ws_max_size,
            log_level="warning",
            lifespan="on",
        )
        server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # surfaces the start-up error
        await asyncio.sleep(0.05)
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def _candidate_voice(runtime: Runtime, script_id: str | None, persona: Any) -> Any:
    """The voice the synthetic candidate speaks with: the script language's (None when every
    answer is recorded); raises ModelError saying what to install when there is none."""
    script = runtime.script(script_id)
    replies = [*persona.by_question.values(), *persona.in_order, persona.fallback]
    if all(r.audio is not None for r in replies if r.text.strip()):
        return None
    return runtime.registry.voice(script.language)


def cmd_simulate(args: argparse.Namespace) -> int:
    """Run a synthetic candidate against a server; last line printed is the report path."""
    from agent.calls.run import Runtime
    from agent.devtools.simulate import PersonaError, format_event, load_persona, simulate
    from models.errors import ModelError

    settings = _settings(args)
    script_id = args.script or settings.default_script
    if not args.server:
        # The in-process server loads the simulated script's models, not the default script's.
        settings = settings.model_copy(update={"default_script": script_id})
    try:
        persona = load_persona(args.answers or script_id)
    except PersonaError as exc:
        print(f"screenline simulate: {exc}", file=sys.stderr)
        return 1
    runtime = Runtime(settings)  # shared with the in-process server: one copy of each model
    try:
        voice = _candidate_voice(runtime, script_id, persona)
    except ModelError as exc:
        print(f"screenline simulate: no voice for the synthetic candidate: {exc}", file=sys.stderr)
        return 1
    # No prompt is synthesized up front: the interview uses about a third of a script's fixed
    # prompts, and its timers start when a prompt has been heard, so a prompt voiced on first
    # use (Kokoro: about 1 CPU-s per second of Mandarin) only delays the call, never breaks it.

    def show(msg: dict[str, Any]) -> None:
        line = format_event(msg)
        if line:
            print(line, flush=True)

    async def go(url: str, token: str | None) -> Any:
        return await simulate(
            url,
            persona=persona,
            voice=voice,
            candidate_id=args.candidate,
            script_id=script_id,
            speed=args.speed,
            telephony=args.telephony,
            on_event=show,
            token=token,
            timeout_s=args.timeout,
        )

    try:
        result = asyncio.run(_against_server(settings, args.server, args.token, go, runtime))
    except ClientError as exc:
        print(f"screenline simulate: {exc}", file=sys.stderr)
        return 1
    except TimeoutError:
        print(
            f"screenline simulate: the interview did not end within {args.timeout:.0f} s "
            "(a busy machine or a slow voice; --timeout gives it longer)",
            file=sys.stderr,
        )
        return 1
    return _print_report("simulate", settings, args.server, result.report_id, result.close_code)


class ClientError(RuntimeError):
    """A developer tool could not get a call going (no credentials, refused)."""


async def _against_server(
    settings: Settings,
    server: str | None,
    token: str | None,
    go: Callable[[str, str | None], Awaitable[Any]],
    runtime: Runtime | None = None,
) -> Any:
    """``go(url, token)`` against ``server`` with ``token`` (else ``SCREENLINE_API_KEY``), or
    against a server started in-process, with a call token this process signs itself."""
    import websockets

    if not server:
        from agent.auth.guard import Access

        # One developer call: its prompts are voiced on first use, not all up front.
        async with in_process_server(settings, runtime, prompts=False) as url:
            return await go(url, Access.from_settings(settings).call_token())
    token = token or (settings.api_key.get_secret_value() if settings.api_key else None)
    if not token and "token=" not in server:
        raise ClientError("--server needs a key: pass --token KEY or set SCREENLINE_API_KEY")
    try:
        return await go(server, token)
    except websockets.InvalidStatus as exc:
        status = exc.response.status_code
        detail = exc.response.body.decode("utf-8", "replace")[:200] if exc.response.body else ""
        raise ClientError(f"the server refused the call ({status}) {detail}") from exc


def _print_report(
    command: str, settings: Settings, server: str | None, report_id: str | None, close: int | None
) -> int:
    """Print where the call's report is (the last line) and return the exit status."""
    if report_id is None:
        print(f"screenline {command}: call ended without a report (close {close})")
        return 1
    from agent.reports.report import ReportStore

    path = ReportStore(settings.resolved_reports_dir).path_for(report_id)
    if server and not path.is_file():
        print(f"report {report_id} (stored on the server)")
    else:
        print(path.resolve())
    return 0


def cmd_mic(args: argparse.Namespace) -> int:
    """Take an interview with this machine's microphone and speaker, or WAV files standing in
    for them; last line printed is the report path."""
    from pathlib import Path

    from agent.devtools.mic import MicError, MicOptions, preflight, run_mic
    from agent.devtools.simulate import PersonaError, load_persona
    from models.errors import ModelError

    settings = _settings(args)
    try:
        answers = load_persona(args.answers) if args.answers else None
    except PersonaError as exc:
        print(f"screenline mic: {exc}", file=sys.stderr)
        return 1
    options = MicOptions(
        input_wav=Path(args.input) if args.input else None,
        output_wav=Path(args.output) if args.output else None,
        answers=answers,
        input_timing=args.input_timing,
        gap_s=args.gap,
        speed=args.speed,
        candidate_id=args.candidate,
        script_id=args.script,  # None: the server's default script
    )
    runtime = None

    async def go(url: str, token: str | None) -> Any:
        options.token = token
        return await run_mic(url, options)

    try:
        preflight(options)  # no device: say so now, before models load
        if options.answers is not None:
            from agent.calls.run import Runtime

            runtime = Runtime(settings)
            options.voice = _candidate_voice(runtime, args.script, options.answers)
        result = asyncio.run(_against_server(settings, args.server, args.token, go, runtime))
    except ModelError as exc:
        print(f"screenline mic: no voice for the answers: {exc}", file=sys.stderr)
        return 1
    except (MicError, ClientError) as exc:
        print(f"screenline mic: {exc}", file=sys.stderr)
        return 1
    return _print_report("mic", settings, args.server, result.report_id, result.close_code)


def cmd_dial(args: argparse.Namespace) -> int:
    """Place an outbound interview call through Twilio; prints the call SID."""
    from agent.api.telephony import DialError, place_call
    from agent.auth.guard import Access
    from agent.auth.peers import NumberRefused
    from agent.calls.calllog import CallLog

    settings = _settings(args)
    calls = CallLog(settings.data_dir / "calls.jsonl")
    try:
        sid = asyncio.run(
            place_call(
                settings,
                calls,
                Access.from_settings(settings),  # signs the stream parameter as the server would
                to=args.number,
                candidate_id=args.candidate,
                script_id=args.script,
            )
        )
    except (DialError, NumberRefused) as exc:
        print(f"screenline dial: {exc}", file=sys.stderr)
        return 1
    print(sid)
    return 0


def cmd_campaign(args: argparse.Namespace) -> int:
    """``campaign create|list|watch|status|pause|resume|cancel`` (agent/campaigns/cli.py)."""
    from agent.campaigns.cli import main_campaign

    return main_campaign(_settings(args), args)


def cmd_keys(args: argparse.Namespace) -> int:
    """``keys create`` (prints the key once), ``keys list``, ``keys revoke``."""
    from agent.auth.keys import Role
    from agent.store.apikeys import KeyStore
    from agent.store.db import open_database

    store = KeyStore(open_database(_settings(args)))
    if args.keys_command == "create":
        info, secret = store.create(Role(args.role), args.name or "")
        print(f"created key {info.key_id} ({info.role}); it is shown only now:", file=sys.stderr)
        print(secret)
        return 0
    if args.keys_command == "list":
        for info in store.list():
            state = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "active"
            created = f"{info.created_at:%Y-%m-%d %H:%M}"
            print(f"{info.key_id}  {info.role:<9}  {state:<22}  {created}  {info.name}")
        return 0
    if not store.revoke(args.key_id):
        print(f"screenline keys revoke: no active key {args.key_id!r}", file=sys.stderr)
        return 1
    print(f"revoked {args.key_id}")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    """``db upgrade``: run the database migrations to the newest revision."""
    from agent.store.db import open_database

    db = open_database(_settings(args))
    print(f"database at revision {db.current_revision()}")
    return 0


# --- HR: jobs, candidates, reports, reviews, purge (the database directly: an admin tool) ------


def _hr_db(args: argparse.Namespace) -> Any:
    from agent.store.db import open_database

    return open_database(_settings(args))


def _cli_actor() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"[:64]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def cmd_jobs(args: argparse.Namespace) -> int:
    """``jobs list``, ``jobs show ID``, ``jobs put ID --title --script [--rules FILE]``,
    ``jobs delete ID``."""
    from pathlib import Path

    import yaml
    from pydantic import ValidationError

    from agent.calls.limits import InputError
    from agent.calls.scripts import catalog_for
    from agent.hr import repo
    from agent.hr.eligibility import EligibilityRules
    from dialogue.script import ScriptError

    db = _hr_db(args)
    try:
        if args.jobs_command == "list":
            for job in repo.list_jobs(db):
                print(f"{job['job_id']}  {job['script_id']:<16}  {job['title']}")
        elif args.jobs_command == "show":
            _print_json(repo.get_job(db, args.job_id))
        elif args.jobs_command == "put":
            raw = yaml.safe_load(Path(args.rules).read_text(encoding="utf-8")) if args.rules else {}
            catalog_for(_settings(args).scripts_dir).get(args.script)  # it must exist
            new = repo.JobIn(
                job_id=args.job_id,
                title=args.title,
                script_id=args.script,
                language=args.language,
                eligibility_rules=EligibilityRules.model_validate(raw or {}),
                review_required=not args.no_review,
            )
            saved, created = repo.put_job(db, new, _cli_actor())
            print(f"{'created' if created else 'updated'} job {saved['job_id']}")
        else:
            repo.delete_job(db, args.job_id, _cli_actor())
            print(f"deleted job {args.job_id}")
    except (repo.NotFound, repo.Conflict, ValidationError, OSError, yaml.YAMLError) as exc:
        print(f"screenline jobs: {exc}", file=sys.stderr)
        return 1
    except (ScriptError, InputError) as exc:
        print(f"screenline jobs: unknown script {args.script!r} ({exc})", file=sys.stderr)
        return 1
    return 0


class _Progress:
    """A one-line progress bar on standard error (redrawn in place on a terminal)."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.done, self.label = max(total, 1), 0, label

    def __call__(self, n: int) -> None:
        self.done += n
        width = 30
        filled = width * self.done // self.total
        bar = "#" * filled + "-" * (width - filled)
        end = "\r" if sys.stderr.isatty() and self.done < self.total else "\n"
        print(f"{self.label} [{bar}] {self.done}/{self.total}", end=end, file=sys.stderr)


def cmd_candidates(args: argparse.Namespace) -> int:
    """``candidates import FILE --job ID``: a CSV (UTF-8/BOM/GBK) or a JSON list of rows."""
    from pathlib import Path

    from agent.hr import repo
    from agent.hr.candidates import CsvError, RowError, csv_rows, decode_csv, validate_row

    settings = _settings(args)
    db = _hr_db(args)
    path = Path(args.file)
    try:
        data = path.read_bytes()
        if len(data) > settings.hr.max_import_bytes:
            raise CsvError(f"file over {settings.hr.max_import_bytes} bytes; split it")
        if path.suffix.lower() == ".json":
            loaded = json.loads(data)
            if not isinstance(loaded, list) or len(loaded) > settings.hr.max_import_rows:
                raise CsvError(f"a JSON import is a list of at most {settings.hr.max_import_rows}")
            raw: list[tuple[int, Any]] = list(enumerate(loaded))
        else:
            raw = list(csv_rows(decode_csv(data), settings.hr.max_import_rows))
        rows = [
            (i, item if isinstance(item, RowError) else validate_row(i, item)) for i, item in raw
        ]
        result = repo.import_candidates(
            db,
            args.job,
            rows,
            _cli_actor(),
            chunk_rows=settings.hr.import_chunk_rows,
            progress=_Progress(len(rows), "importing"),
        )
    except (CsvError, OSError, ValueError, repo.NotFound) as exc:
        print(f"screenline candidates import: {exc}", file=sys.stderr)
        return 1
    summary = result.to_json()
    print(
        f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
        f"refused {len(result.errors)}; eligibility {summary['eligibility']}"
    )
    for error in result.errors:
        print(f"row {error.row} ({error.external_id}): {'; '.join(error.errors)}", file=sys.stderr)
    return 1 if result.errors else 0


def cmd_reports(args: argparse.Namespace) -> int:
    """``reports list`` with the API's filters (newest first)."""
    from datetime import datetime

    from agent.hr import repo

    try:
        since = datetime.fromisoformat(args.since) if args.since else None
        until = datetime.fromisoformat(args.until) if args.until else None
    except ValueError as exc:
        print(f"screenline reports list: {exc}", file=sys.stderr)
        return 1
    where = repo.ReportFilter(
        job_id=args.job, tier=args.tier, since=since, until=until, reviewed=args.reviewed
    )
    page = repo.list_reports(_hr_db(args), where, args.limit)
    if args.json:
        _print_json(page["items"])
        return 0
    for item in page["items"]:
        score = "-" if item["score"] is None else f"{item['score']:.1f}"
        mark = "reviewed" if item["reviewed_tier"] else ""
        print(
            f"{item['report_id']}  {item['created_at'][:16]}  {item['job_id'] or '-':<12}  "
            f"{item['tier'] or '-':<16}  {score:>5}  {mark}"
        )
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    """``review REPORT --tier T --note N``: a person's review (audited, announced)."""
    from agent.hr import repo

    try:
        review = repo.review_report(_hr_db(args), args.report, _cli_actor(), args.tier, args.note)
    except (repo.NotFound, ValueError) as exc:
        print(f"screenline review: {exc}", file=sys.stderr)
        return 1
    print(f"review {review['review_id']}: {args.report} is now {review['tier']}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """``purge [--days N]``: the retention purge now (default: hr.retention_days)."""
    from agent.hr import repo

    settings = _settings(args)
    days = args.days or settings.hr.retention_days
    if not days:
        print("screenline purge: no --days and no hr.retention_days set", file=sys.stderr)
        return 1
    erased = repo.purge(_hr_db(args), settings, days, actor=_cli_actor())
    print(
        f"purged {erased.calls} calls, {erased.turns} turns, {erased.reports} reports, "
        f"{erased.candidates} candidates, {erased.files} files older than {days:g} days"
    )
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    """Print a signed, expiring invitation link to the candidate page."""
    from datetime import UTC, datetime

    from agent.auth.guard import Access

    access = Access.from_settings(_settings(args))
    ttl_s = args.ttl_hours * 3600 if args.ttl_hours else None
    try:
        token = access.invitation(args.candidate, args.script, ttl_s)
    except ValueError as exc:
        print(f"screenline invite: {exc}", file=sys.stderr)
        return 1
    expires = datetime.fromtimestamp(access.check_invitation(token).expires_at, UTC)
    print(f"valid until {expires:%Y-%m-%d %H:%M} UTC", file=sys.stderr)
    print(access.invitation_url(token))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Type answers to any script with the same engine as the voice path."""
    from dialogue.chat import run_chat

    variables = dict(v.split("=", 1) for v in args.var or [])
    return run_chat(args.script, sys.stdin, sys.stdout, sys.stdin.isatty(), variables)


def load_embedder(settings: Settings) -> Embed:
    """The answer-embedding function a call's scorer gets, from the model registry."""
    from models.registry import ModelRegistry

    return ModelRegistry(settings.models).embedder()


def cmd_score(args: argparse.Namespace) -> int:
    """Score a typed interview as a call would and print its report JSON."""
    from agent.calls.typed import AnswersError, load_answers, score_typed
    from agent.reports.schema import schema_problems
    from dialogue.script import ScriptError, load_script

    settings = _settings(args)
    try:
        script = load_script(args.script)
        answers = load_answers(args.answers, script)
        report = score_typed(
            script,
            answers,
            embed=load_embedder(settings),
            auto_reject=settings.auto_reject,
            candidate_id=args.candidate,
        )
    except (ScriptError, AnswersError) as exc:
        print(f"screenline score: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    problems = schema_problems(report)
    for problem in problems:  # a bug of ours, not of the input: say so loudly
        print(f"screenline score: report breaks the schema: {problem}", file=sys.stderr)
    return 1 if problems else 0


def cmd_lint(args: argparse.Namespace) -> int:
    """Check scripts; exit 1 on any error."""
    from dialogue.lint import lint_script

    failed = False
    for path in args.scripts:
        for issue in lint_script(path):
            print(issue)
            failed = failed or issue.severity == "error"
    return 1 if failed else 0


def cmd_analytics(args: argparse.Namespace) -> int:
    """A job's validity (scores vs. post-hire outcomes) and adverse-impact tables."""
    from agent.analytics.job import UnknownJob, job_analytics
    from agent.calls.limits import InputError
    from agent.calls.scripts import catalog_for
    from agent.store.db import open_database
    from dialogue.script import Script, ScriptError

    settings = _settings(args)
    catalog = catalog_for(settings.scripts_dir)

    def script_for(script_id: str) -> Script | None:
        try:
            return catalog.get(script_id)
        except (ScriptError, InputError, OSError):
            return None  # the newest report's dimensions stand in

    db = open_database(settings)
    try:
        with db.session() as session:
            result = job_analytics(session, args.job, settings.analytics, script_for)
    except UnknownJob:
        print(f"screenline analytics: no job {args.job!r}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        from agent.analytics.validity import render_table

        sys.stdout.write(render_table(result))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(prog="screenline", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the interview server")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        help="worker processes on one port, e.g. one per core (needs PostgreSQL and Redis)",
    )
    p.add_argument("--listen-fd", type=int, help=argparse.SUPPRESS)  # set by --workers
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("report", help="print a stored report (JSON, or HTML with --html)")
    p.add_argument("id")
    p.add_argument("--html", action="store_true", help="render the report as an HTML page")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("simulate", help="a synthetic candidate takes an interview")
    p.add_argument("--server", help="ws://host:port/ws/call (default: start one in-process)")
    p.add_argument("--token", help="API key for --server (default: SCREENLINE_API_KEY)")
    p.add_argument("--script", help="script id (default: settings.default_script)")
    p.add_argument("--answers", help="persona YAML: question id -> answer, or a list")
    p.add_argument("--candidate", default="sim-candidate")
    p.add_argument("--speed", type=float, default=1.0, help="stream audio N times real time")
    p.add_argument("--telephony", action="store_true", help="8 kHz mu-law with line noise")
    p.add_argument(
        "--timeout", type=float, default=900.0, help="give up after this many seconds (900)"
    )
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("dial", help="call a candidate through Twilio (needs public_url)")
    p.add_argument("number", help="E.164 number to call, e.g. +15551234567")
    p.add_argument("--candidate", required=True, help="candidate id for the report")
    p.add_argument("--script", help="script id (default: settings.default_script)")
    p.set_defaults(func=cmd_dial)

    from agent.campaigns.cli import add_campaign_parser

    add_campaign_parser(sub)
    sub.choices["campaign"].set_defaults(func=cmd_campaign)

    p = sub.add_parser("mic", help="take an interview with your microphone (or WAV files)")
    p.add_argument("--server", help="ws://host:port/ws/call (default: start one in-process)")
    p.add_argument("--token", help="API key for --server (default: SCREENLINE_API_KEY)")
    p.add_argument("--script", help="script id (default: settings.default_script)")
    p.add_argument("--candidate", default="mic-candidate")
    p.add_argument("--input", metavar="FILE.wav", help="candidate audio instead of the microphone")
    p.add_argument(
        "--input-timing",
        choices=["turns", "stream"],
        default="turns",
        help="turns: one answer (cut at pauses) each time the interviewer listens; "
        "stream: the file as recorded from the start of the call",
    )
    p.add_argument("--gap", type=float, default=1.5, help="pause (s) between answers in --input")
    p.add_argument("--answers", help="persona YAML: synthesized answers instead of the mic")
    p.add_argument("--output", metavar="FILE.wav", help="record the interviewer, not play it")
    p.add_argument("--speed", type=float, default=1.0, help="stream file audio N times faster")
    p.set_defaults(func=cmd_mic)

    p = sub.add_parser("keys", help="API keys: create, list, revoke")
    keys = p.add_subparsers(dest="keys_command", required=True)
    k = keys.add_parser("create", help="make a key (printed once; only its hash is stored)")
    k.add_argument("--role", required=True, choices=["admin", "recruiter", "qa"])
    k.add_argument("--name", help="who or what the key is for")
    keys.add_parser("list", help="every key: id, role, state, created, name")
    k = keys.add_parser("revoke", help="stop a key from working")
    k.add_argument("key_id")
    p.set_defaults(func=cmd_keys)

    p = sub.add_parser("db", help="the product database")
    db = p.add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="run migrations to the newest revision")
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("invite", help="print a signed invitation link to the candidate page")
    p.add_argument("--candidate", required=True, help="candidate id the link is bound to")
    p.add_argument("--script", required=True, help="script id the link is bound to")
    p.add_argument("--ttl-hours", type=float, help="validity (default: auth.invite_ttl_s)")
    p.set_defaults(func=cmd_invite)

    p = sub.add_parser("jobs", help="jobs: list, show, put (create or replace), delete")
    jobs = p.add_subparsers(dest="jobs_command", required=True)
    jobs.add_parser("list", help="every job")
    j = jobs.add_parser("show", help="one job as JSON")
    j.add_argument("job_id")
    j = jobs.add_parser("put", help="create or replace a job")
    j.add_argument("job_id")
    j.add_argument("--title", required=True)
    j.add_argument("--script", required=True, help="script id its interviews use")
    j.add_argument("--language", default="en")
    j.add_argument("--rules", metavar="FILE", help="eligibility rules (YAML or JSON)")
    j.add_argument("--no-review", action="store_true", help="reports need no human review")
    j = jobs.add_parser("delete", help="delete a job without candidates")
    j.add_argument("job_id")
    p.set_defaults(func=cmd_jobs)

    p = sub.add_parser("candidates", help="candidates: import")
    cands = p.add_subparsers(dest="candidates_command", required=True)
    c = cands.add_parser("import", help="import a CSV (UTF-8/BOM/GBK) or JSON list of rows")
    c.add_argument("file")
    c.add_argument("--job", required=True, help="the job they apply for")
    p.set_defaults(func=cmd_candidates)

    p = sub.add_parser("reports", help="reports: list")
    reps = p.add_subparsers(dest="reports_command", required=True)
    r = reps.add_parser("list", help="reports, newest first")
    r.add_argument("--job")
    r.add_argument(
        "--tier", choices=["strong_recommend", "pending", "reject", "ineligible", "incomplete"]
    )
    r.add_argument("--since", help="ISO date/time (inclusive)")
    r.add_argument("--until", help="ISO date/time (exclusive)")
    r.add_argument("--reviewed", action="store_true", default=None)
    r.add_argument("--unreviewed", dest="reviewed", action="store_false")
    r.add_argument("--limit", type=int, default=50)
    r.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_reports)

    p = sub.add_parser("review", help="review a report: set its tier, with a note")
    p.add_argument("report")
    p.add_argument("--tier", required=True, choices=["strong_recommend", "pending", "reject"])
    p.add_argument("--note")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("purge", help="purge data older than the retention period")
    p.add_argument("--days", type=float, help="default: hr.retention_days")
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser("chat", help="run a script by typing")
    p.add_argument("script")
    p.add_argument("--var", action="append", help="NAME=VALUE for prompt variables")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser(
        "score", help="score a typed interview (answers file) and print the report JSON"
    )
    p.add_argument("script", help="script file or shipped script id")
    p.add_argument(
        "answers", help="YAML/JSON: question id -> answer, or a list of turns (keypad: {dtmf: 1})"
    )
    p.add_argument("--candidate", default="typed-candidate", help="candidate id for the report")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("lint", help="check interview scripts")
    p.add_argument("scripts", nargs="+")
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser("analytics", help="a job's score validity and adverse-impact tables")
    p.add_argument("--job", required=True, help="job id")
    p.add_argument("--json", action="store_true", help="JSON instead of tables")
    p.set_defaults(func=cmd_analytics)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``screenline`` console script."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
