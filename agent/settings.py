"""The one typed settings object. Sources, highest priority first: explicit arguments,
environment (``SCREENLINE_*``, nested with ``__``), a TOML/YAML/JSON file named by
``SCREENLINE_CONFIG``, then defaults.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from models.config import ModelSettings


class AudioSettings(BaseModel):
    """Voice-activity and turn-taking defaults (a script's per-question timing overrides them)."""

    vad_confidence: float = 0.6
    # Short, so a barge-in pauses the prompt quickly; a false start only costs a no-op turn.
    vad_start_s: float = 0.1
    # Short on purpose: VAD "stop" marks a pause, not the end of an answer. The interview
    # decides end of answer from the question's end-of-answer silence.
    vad_stop_s: float = 0.3
    vad_min_volume: float = 0.0
    # Streaming ASR: commit a chunk at a pause once this much audio is pending, force a cut
    # when continuous speech runs this long.
    asr_min_chunk_s: float = 4.0
    # End of answer: Smart Turn scores each pause; an answer that sounds unfinished gets this
    # much more silence before the interviewer speaks (thinking pauses are normal).
    smart_turn: bool = True
    complete_threshold: float = 0.5
    unfinished_hold_s: float = 2.0
    # Sound over a prompt pauses it; it becomes a barge-in after this much continuous speech,
    # or when its transcript is more than a backchannel ("mm-hm", "嗯").
    barge_in_confirm_s: float = 1.0
    # Continuation: speech that starts within this much audio after an end-of-answer decision
    # is more of that answer (a thinking pause after a whole sentence): the reply stops, the
    # engine takes the answer back and gets both parts as one (0: off).
    continuation_s: float = Field(default=1.0, ge=0)
    asr_max_chunk_s: float = 20.0
    # An answer whose final transcript has not come this long (wall clock) after the end of
    # answer is treated as unheard: logged, and the question asked once more. Only a stalled
    # ASR stage should reach it: set well above the slowest final transcript seen under load.
    transcript_timeout_s: float = Field(default=60.0, gt=0)
    # Experimental (issue 11, not yet measured): transcribe a pause's words only once the pause
    # nears its end-of-answer silence, not at every breath; each saved decode is a full Whisper
    # window. Off until bench/capacity.py shows it keeps the gap and saves CPU.
    pause_text_on_demand: bool = False


class TwilioSettings(BaseModel):
    """Twilio account used for outbound calls and for checking webhook signatures."""

    account_sid: str | None = None
    # Every Twilio webhook must carry a valid X-Twilio-Signature made with it (403 otherwise);
    # without it the Twilio routes are off (503) and a half-configured account stops start-up.
    auth_token: str | None = None
    # Development only: accept unsigned webhooks when no auth token is set (a local tunnel
    # without a Twilio account). The media stream still needs its signed TwiML parameter.
    dev_unsigned_webhooks: bool = False
    from_number: str | None = None
    api_base_url: str = "https://api.twilio.com"
    # What to do when answering-machine detection says a machine answered.
    voicemail: Literal["message", "hangup"] = "message"
    voicemail_text: str = (
        "Hello, this is an automated interviewer calling about your job application. "
        "We will try you again later. Goodbye."
    )
    # A media stream refused by a full or overloaded worker (behind a balancer the webhook and
    # the stream may reach different workers): the call is sent back to the voice webhook this
    # many times (another worker may take it), then hears busy_text and is hung up.
    busy_retries: int = Field(default=2, ge=0, le=5)
    busy_text: str = (
        "Sorry, all our interviewers are busy right now. We will call you back soon. Goodbye."
    )


class LimitSettings(BaseModel):
    """Bounds on what a peer may send and on how long a call may last (agent/calls/limits.py)."""

    # Variables of a call (candidate_name, ...): a handful of short strings, each spoken aloud.
    max_variables: int = 20
    max_variable_chars: int = 100
    # A call whose transport delivers no audio for this long (wall clock) ends as "no_audio";
    # this also bounds a WebRTC offer that never connects.
    no_audio_timeout_s: float = 20.0
    # Every call ends after this long, whatever its state ("max_duration").
    max_call_s: float = 3600.0
    # After a call is told to end, how long its pipeline may take before it is cancelled.
    end_grace_s: float = 5.0
    # REST bodies: largest accepted (bytes). JSON depth is telephony._wire.MAX_JSON_DEPTH for
    # every peer, REST and media alike.
    max_body_bytes: int = 256 * 1024
    # HTTP: a connection must complete its request headers this soon; idle keep-alive closes.
    header_timeout_s: float = 10.0
    keep_alive_s: float = 5.0
    # SIGTERM: stop admitting; let live calls finish by themselves for up to drain_calls_s
    # (0: not at all); then end the rest, wait up to drain_grace_s for reports, and exit.
    drain_calls_s: float = Field(default=0.0, ge=0)
    # Admission by measured headroom: a new call is refused (1013, Twilio busy, ...) while the
    # oldest final or chunk transcript that live calls wait for has been queued this long
    # (0: only max_concurrent_calls limits). A backlog means every live call already answers
    # later; a new call would make it worse for all of them.
    max_backlog_s: float = Field(default=3.0, ge=0)
    drain_grace_s: float = 15.0


class FailureLimitSettings(BaseModel):
    """Failed authentications per client address (agent/auth/limiter.py): slowed, then refused."""

    # Failures an address may make before it is locked out.
    free_failures: int = Field(default=20, ge=1)
    # Each further failure locks the address out for base * 2**(n-1) seconds, up to the cap
    # (429 with Retry-After meanwhile, before any key lookup).
    lockout_base_s: float = Field(default=1.0, gt=0)
    lockout_max_s: float = Field(default=900.0, gt=0)
    # An address with no failure for this long starts afresh.
    forget_s: float = Field(default=900.0, gt=0)
    # Addresses tracked at once per process (least recently failing forgotten first).
    max_addresses: int = Field(default=10_000, ge=1)
    # Networks never limited (a health checker, a test harness); empty by default. Behind a
    # reverse proxy, run uvicorn with its forwarded-address settings so clients are told apart.
    exempt: list[str] = Field(default_factory=list)


class AuthSettings(BaseModel):
    """Access control (README "Access control"). There is no switch that turns it off."""

    # Signs call tokens, invitation links and Twilio stream parameters; every worker of one
    # deployment needs the same value. Unset: generated once into data_dir/server.secret (0600).
    secret: SecretStr | None = None
    call_token_ttl_s: float = Field(default=300.0, gt=0)
    invite_ttl_s: float = Field(default=7 * 24 * 3600.0, gt=0)
    # The TwiML's signed stream parameter must outlive ringing and answering-machine detection.
    stream_token_ttl_s: float = Field(default=600.0, gt=0)
    # FreeSWITCH streams must carry this in their metadata's "token"; unset refuses them all.
    freeswitch_secret: SecretStr | None = None
    # Addresses (or networks) Asterisk may connect to the AudioSocket listener from.
    audiosocket_allow: list[str] = Field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])
    # Country calling codes outbound calls may go to, e.g. ["1", "44"]; empty refuses every
    # number. Numbers starting with a blocked prefix (premium rate) are refused regardless.
    dial_country_codes: list[str] = Field(default_factory=list)
    dial_blocked_prefixes: list[str] = Field(default_factory=lambda: ["1900", "1976"])
    failure_limit: FailureLimitSettings = Field(default_factory=FailureLimitSettings)


class WebhookEndpoint(BaseModel):
    """One HR endpoint that receives signed events (README "Result delivery")."""

    # The endpoint's id in the delivery log (``webhook:<name>``); keep it stable.
    name: str = Field(min_length=1, max_length=48, pattern=r"^[A-Za-z0-9_.-]+$")
    url: str = Field(min_length=1, max_length=2000, pattern=r"^https?://")
    # HMAC-SHA256 key shared with the receiver (Screenline-Signature).
    secret: SecretStr
    # Event types to send (e.g. ["interview.completed"]); empty: every event.
    events: list[str] = Field(default_factory=list)


class GreenhouseSettings(BaseModel):
    """Greenhouse Assessment Partner API: Greenhouse calls us; we PATCH its callback url."""

    enabled: bool = False
    # Hosts a send_test callback ``url`` may name (https only, except loopback hosts listed
    # here); the url comes from a peer, so it is never followed anywhere else.
    callback_hosts: list[str] = Field(default_factory=lambda: ["app.greenhouse.io"])
    # The organisation's key Greenhouse holds, sent as Basic username on the completion PATCH
    # (we store only key digests, so it is configured here); unset: the PATCH has no auth.
    callback_key: SecretStr | None = None


class SuccessFactorsSettings(BaseModel):
    """SAP SuccessFactors Recruiting, assessment-vendor model (OData v2)."""

    enabled: bool = False
    # API server, e.g. https://api4.successfactors.com (the OData root is base_url/odata/v2).
    base_url: str | None = None
    # HTTP Basic user ``user@companyId`` and password; or a bearer token instead.
    username: str | None = None
    password: SecretStr | None = None
    bearer_token: SecretStr | None = None
    # Our vendor code in SuccessFactors (Manage Assessment Vendors); orders for others are ignored.
    vendor_code: str = "SCREENLINE"
    # SuccessFactors package code -> our job id; unlisted packages use the code as the job id.
    packages: dict[str, str] = Field(default_factory=dict)


class DeliverySettings(BaseModel):
    """The outbox worker (agent/delivery): where events go and how failures are retried."""

    endpoints: list[WebhookEndpoint] = Field(default_factory=list)
    # Run the worker inside the server (off: run ``python -m agent.delivery.worker`` instead).
    in_server: bool = True
    # New events wake the worker at once in-process; this poll finds other processes' events
    # and due retries.
    poll_s: float = Field(default=1.0, gt=0)
    batch: int = Field(default=100, ge=1, le=1000)
    concurrency: int = Field(default=16, ge=1, le=256)
    timeout_s: float = Field(default=10.0, gt=0)
    # A claimed delivery not recorded within this long (a crashed worker) is claimed again.
    lease_s: float = Field(default=60.0, gt=0)
    # Retry after failure n: uniform(0, min(cap, base * 2**(n-1))); then ``dead``.
    backoff_base_s: float = Field(default=2.0, gt=0)
    backoff_cap_s: float = Field(default=3600.0, gt=0)
    max_attempts: int = Field(default=12, ge=1, le=100)
    # The receiver's replay window the docs and tests verify with.
    signature_tolerance_s: float = Field(default=300.0, gt=0)
    greenhouse: GreenhouseSettings = Field(default_factory=GreenhouseSettings)
    successfactors: SuccessFactorsSettings = Field(default_factory=SuccessFactorsSettings)


class CampaignSettings(BaseModel):
    """Outbound campaigns (agent/campaigns/): defaults a new campaign copies, and the dialer."""

    # Local hours calls may start in, per candidate's time zone; per-country overrides are
    # keyed by E.164 calling code ("1", "86"); holidays by calling code, "*" for all.
    window: str = "09:00-21:00"
    country_windows: dict[str, str] = Field(default_factory=dict)
    holidays: dict[str, list[date]] = Field(default_factory=dict)
    max_attempts: int = Field(default=4, ge=1, le=20)
    # First retry delay per outcome (seconds), doubled each further failure, +-jitter.
    retry_s: dict[str, float] = Field(
        default_factory=lambda: {
            "busy": 600.0,
            "no_answer": 3600.0,
            "failed": 300.0,
            "voicemail": 10800.0,
        }
    )
    retry_jitter: float = Field(default=0.2, ge=0, lt=1)
    max_concurrent: int = Field(default=10, ge=1, le=1000)
    calls_per_second: float = Field(default=1.0, gt=0, le=100)
    # Run a dialer worker inside `screenline serve` (any number of servers may).
    dialer: bool = False
    poll_s: float = Field(default=1.0, gt=0)
    # A claim not turned into a call this soon is recovered (its worker died).
    lease_s: float = Field(default=60.0, gt=0)
    # A dialled call with no final carrier status this long after dialling is written off
    # as failed (and retried per policy): longer than any call may last.
    lost_call_s: float = Field(default=2 * 3600.0, gt=0)
    # Which carrier the dialer uses: Twilio's REST API, or FreeSWITCH over ESL (originate into
    # the `freeswitch_extension` of the dialplan, which runs audio_fork to /telephony/freeswitch
    # with the channel variables candidate_id, script_id and the FreeSWITCH shared secret).
    carrier: Literal["twilio", "freeswitch"] = "twilio"
    esl_host: str = "127.0.0.1"
    esl_port: int = 8021
    esl_password: SecretStr | None = None
    freeswitch_gateway: str = "default"
    freeswitch_extension: str = "audio_fork"
    freeswitch_context: str = "default"
    originate_timeout_s: int = Field(default=30, ge=5, le=120)
    # A callback request whose time could not be understood is called back this much later.
    callback_default_s: float = Field(default=2 * 3600.0, gt=0)
    # Attempts, numbers, call times and consent evidence of a campaign are erased this long
    # after it finishes.
    retention_days: int = Field(default=30, ge=1)


class MonitorSettings(BaseModel):
    """The QA live monitor and call recordings (agent/monitor/, README "QA live monitor")."""

    # Key prefix of the bus's Redis channels and registry (one deployment per prefix).
    redis_prefix: str = "screenline:"
    # A live call whose process stopped heartbeating leaves the list after this long.
    live_ttl_s: float = Field(default=10.0, gt=0)
    # Queued events / 20 ms audio frames beyond which a slow QA page is dropped.
    subscriber_queue: int = Field(default=512, gt=0)
    listener_queue: int = Field(default=50, gt=0)
    # The /ws/monitor ticket a QA page gets for its key (seconds).
    ticket_ttl_s: float = Field(default=60.0, gt=0)
    # Record every call as stereo WAV (candidate left, interviewer right) under
    # data_dir/recordings; deleted after retention_days (0 keeps them).
    record_calls: bool = True
    retention_days: float = Field(default=30.0, ge=0)


class HRSettings(BaseModel):
    """The HR side: candidate import bounds, report paging, data retention (README "HR API")."""

    # One import (JSON batch or CSV file) holds at most this many rows and bytes.
    max_import_rows: int = Field(default=5000, gt=0)
    max_import_bytes: int = Field(default=4 * 1024 * 1024, gt=0)
    # Rows written per transaction while importing (each committed chunk shows as progress).
    import_chunk_rows: int = Field(default=500, gt=0)
    # Largest page of GET /api/reports.
    max_page: int = Field(default=200, gt=0)
    # Calls, turns, reports and candidates older than this many days are purged (None: kept).
    retention_days: float | None = Field(default=None, gt=0)
    # How often the server runs the retention purge.
    retention_interval_s: float = Field(default=3600.0, gt=0)


class AnalyticsSettings(BaseModel):
    """Validity and adverse-impact analysis (agent/analytics/)."""

    # Tiers that count as "selected" for the four-fifths rule (the reviewer's tier when set).
    selected_tiers: list[str] = Field(default_factory=lambda: ["strong_recommend"])
    impact_threshold: float = Field(default=0.8, gt=0, le=1)
    # Groups smaller than this get a "too small to judge" note instead of a bare ratio.
    min_group_n: int = Field(default=30, ge=1)
    # The outcome the ready-to-paste weights snippet is computed from.
    primary_outcome: Literal["performance_rating", "complaint_rate", "retained_90d"] = (
        "performance_rating"
    )
    # Candidate attributes (from the HR system) that hold self-reported group membership,
    # read from attributes[name] or attributes["self_reported"][name]; nothing else is used.
    group_attributes: list[str] = Field(
        default_factory=lambda: ["gender", "ethnicity", "race", "age_band", "disability"]
    )
    # Reports read per analysis (the newest first); bounds one request's memory.
    max_reports: int = Field(default=50_000, ge=1)


SmsProvider = Literal["twilio", "aliyun", "none"]


def _default_sms_providers() -> dict[str, SmsProvider]:
    return {"en": "twilio", "zh": "aliyun"}


class FollowUpSettings(BaseModel):
    """Follow-up messages after interviews (agent/delivery/followup.py): SMS and email."""

    # SMS provider per candidate language: Twilio Messages (uses the `twilio` account) or
    # Aliyun SMS (mainland China: approved templates, see aliyun_templates); "none" = no SMS.
    sms_provider: dict[str, SmsProvider] = Field(default_factory=_default_sms_providers)
    aliyun_access_key_id: str | None = None
    aliyun_access_key_secret: SecretStr | None = None
    aliyun_sign_name: str | None = None
    aliyun_base_url: str = "https://dysmsapi.aliyuncs.com"
    aliyun_region: str = "cn-hangzhou"
    # Follow-up kind ("second_round", "thank_you") -> the approved TemplateCode; its
    # variables are name, job_title and link.
    aliyun_templates: dict[str, str] = Field(default_factory=dict)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_tls: bool = False
    mail_from: str | None = None
    # Where recruiter tasks are emailed (none: they stay events for the HR system).
    recruiter_email: str | None = None
    # The second-round booking link sent in invitations ($link); unset: the server's
    # candidate invitation link.
    second_round_url: str | None = None


class Settings(BaseSettings):
    """Everything configurable about a Screenline process."""

    model_config = SettingsConfigDict(
        env_prefix="SCREENLINE_", env_nested_delimiter="__", extra="forbid"
    )

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("var")
    # Report files and call recordings (unset: under data_dir). Several workers may share one
    # directory for each (ids are unique); data_dir itself (journals) stays per worker.
    reports_dir: Path | None = None
    recordings_dir: Path | None = None
    scripts_dir: Path | None = Field(
        default=None, description="Extra directory of interview scripts (YAML) besides the shipped"
    )
    default_script: str = "cs_home_en"
    max_frame_bytes: int = 64 * 1024
    start_timeout_s: float = 10.0
    max_concurrent_calls: int = 200
    # glibc malloc arenas for the whole server process (0: glibc's default, 8 per core).
    # Each inference thread otherwise grows an arena of its own: with 2 the same 10-minute soak
    # at 8 calls settled 150 MB lower and grew 6.3 % instead of 8.2 % (issue 11).
    malloc_arenas: int = Field(default=2, ge=0, le=64)
    # After each call's report: give glibc's free heap memory back (malloc_trim), so a call's
    # working memory does not stay resident for the rest of the process's life.
    malloc_trim: bool = True
    public_url: str | None = Field(
        default=None, description="Base URL carriers use to reach this server (wss://...)"
    )
    webrtc_ice_servers: list[str] = Field(
        default_factory=list,
        description="STUN/TURN URLs for browser calls; empty: host candidates only, no STUN",
    )
    # TCP port of the Asterisk AudioSocket listener (on ``host``); None leaves it off.
    audiosocket_port: int | None = None
    twilio: TwilioSettings = Field(default_factory=TwilioSettings)
    # SQLAlchemy URL of the product database; unset: SQLite file data_dir/screenline.db.
    database_url: str | None = None
    # Redis for the live-monitor bus and carrier call state (Twilio call history, expected
    # AudioSocket calls) across server processes; unset: in-process only.
    redis_url: str | None = None
    # How long carrier call state stays in Redis (it holds phone numbers: bounded).
    carrier_state_ttl_s: float = Field(default=86400.0, gt=0)
    monitor: MonitorSettings = Field(default_factory=MonitorSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    # The key `simulate` / `mic` / `dial`-style clients send to a --server (SCREENLINE_API_KEY).
    api_key: SecretStr | None = None
    models: ModelSettings = Field(default_factory=ModelSettings)
    audio: AudioSettings = Field(default_factory=AudioSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    campaigns: CampaignSettings = Field(default_factory=CampaignSettings)
    followup: FollowUpSettings = Field(default_factory=FollowUpSettings)
    hr: HRSettings = Field(default_factory=HRSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    # DESIGN.md decision 8: a "reject" tier stays a recommendation until a person reviews it.
    auto_reject: bool = False
    preload_languages: list[str] = Field(default_factory=lambda: ["en"])

    @property
    def resolved_reports_dir(self) -> Path:
        """Where report JSON files go (``data_dir/reports`` unless set)."""
        return self.reports_dir or self.data_dir / "reports"

    @property
    def resolved_recordings_dir(self) -> Path:
        """Where call recordings go (``data_dir/recordings`` unless set)."""
        return self.recordings_dir or self.data_dir / "recordings"

    @property
    def resolved_database_url(self) -> str:
        """The database to use (a SQLite file under ``data_dir`` unless set)."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'screenline.db').resolve()}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _FileSource(settings_cls))


class _FileSource(PydanticBaseSettingsSource):
    """Reads the file named by ``SCREENLINE_CONFIG`` (YAML, JSON or TOML)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        name = os.environ.get("SCREENLINE_CONFIG")
        if not name:
            return {}
        path = Path(name)
        if not path.is_file():
            raise ValueError(f"SCREENLINE_CONFIG points at {path}, which is not a file")
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            import tomllib

            data: Any = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
        if not isinstance(data, dict):
            raise ValueError(f"{path}: settings file must hold a mapping at the top level")
        return data


def load_settings(**overrides: Any) -> Settings:
    """Build the settings object from file, environment and ``overrides``."""
    return Settings(**overrides)
