"""The one typed settings object. Sources, highest priority first: explicit arguments,
environment (``SCREENLINE_*``, nested with ``__``), a TOML/YAML/JSON file named by
``SCREENLINE_CONFIG``, then defaults.
"""

from __future__ import annotations

import json
import os
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
    # SIGTERM: stop admitting, end every live call, wait this long for reports, then exit.
    drain_grace_s: float = 15.0


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


class Settings(BaseSettings):
    """Everything configurable about a Screenline process."""

    model_config = SettingsConfigDict(
        env_prefix="SCREENLINE_", env_nested_delimiter="__", extra="forbid"
    )

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("var")
    reports_dir: Path | None = None
    scripts_dir: Path | None = Field(
        default=None, description="Extra directory of interview scripts (YAML) besides the shipped"
    )
    default_script: str = "cs_home_en"
    max_frame_bytes: int = 64 * 1024
    start_timeout_s: float = 10.0
    max_concurrent_calls: int = 200
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
    auth: AuthSettings = Field(default_factory=AuthSettings)
    # The key `simulate` / `mic` / `dial`-style clients send to a --server (SCREENLINE_API_KEY).
    api_key: SecretStr | None = None
    models: ModelSettings = Field(default_factory=ModelSettings)
    audio: AudioSettings = Field(default_factory=AudioSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    # DESIGN.md decision 8: a "reject" tier stays a recommendation until a person reviews it.
    auto_reject: bool = False
    preload_languages: list[str] = Field(default_factory=lambda: ["en"])

    @property
    def resolved_reports_dir(self) -> Path:
        """Where report JSON files go (``data_dir/reports`` unless set)."""
        return self.reports_dir or self.data_dir / "reports"

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
