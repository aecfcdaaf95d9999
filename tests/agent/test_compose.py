"""compose.yaml (PostgreSQL, Redis, N workers, a load balancer) checked without Docker: it
parses, its services depend on each other by their real names, every ``SCREENLINE_*`` name it
sets is a setting and every value validates, the workers' database and Redis URLs point at the
compose services with their credentials, and a stopped worker gets longer than its drain."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import BaseModel

from agent.settings import Settings

ROOT = Path(__file__).parents[2]
COMPOSE = ROOT / "compose.yaml"
# ${NAME}, ${NAME:-default}, ${NAME:?error}: compose's interpolation.
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def worker_env() -> dict[str, str]:
    env = compose()["services"]["worker"]["environment"]
    assert isinstance(env, dict)
    return {str(k): str(v) for k, v in env.items()}


def setting_exists(name: str) -> bool:
    """Whether ``SCREENLINE_A__B`` names a field (nested models followed through ``__``)."""
    model: type[BaseModel] = Settings
    parts = name.removeprefix("SCREENLINE_").lower().split("__")
    for i, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return False
        annotation = field.annotation
        if i < len(parts) - 1:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return False
            model = annotation
    return True


def seconds(value: str) -> float:
    match = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", value)
    assert match and value, value
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def test_services_and_their_dependencies() -> None:
    document = compose()
    services = document["services"]
    assert {"postgres", "redis", "worker", "lb"} <= set(services)
    for name, service in services.items():
        for dependency in service.get("depends_on") or {}:
            assert dependency in services, (name, dependency)
    worker = services["worker"]
    assert worker["build"] == "." and (ROOT / "Dockerfile").is_file()
    # Scalable: no fixed host port or container name on the worker (--scale worker=3).
    assert "ports" not in worker and "container_name" not in worker
    assert set(worker["depends_on"]) == {"postgres", "redis"}
    assert all(d["condition"] == "service_healthy" for d in worker["depends_on"].values())
    volumes = set(document.get("volumes") or {})
    for mount in worker["volumes"] + services["postgres"]["volumes"]:
        assert mount.split(":")[0] in volumes, mount


def test_every_worker_setting_is_a_setting_and_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    env = worker_env()
    unknown = [name for name in env if not setting_exists(name)]
    assert unknown == []
    for name, value in env.items():
        monkeypatch.setenv(name, INTERPOLATION.sub(lambda m: "x" * 40, value))
    settings = Settings()
    assert settings.redis_url and settings.database_url
    assert settings.resolved_reports_dir != settings.data_dir / "reports"  # shared, not per worker
    assert settings.resolved_recordings_dir.parent == settings.resolved_reports_dir.parent
    # The secret is the user's, never a default in the file.
    assert INTERPOLATION.fullmatch(env["SCREENLINE_AUTH__SECRET"])


def test_worker_urls_point_at_the_compose_services() -> None:
    services = compose()["services"]
    env = worker_env()
    database = urlsplit(env["SCREENLINE_DATABASE_URL"])
    pg = services["postgres"]["environment"]
    assert database.scheme.startswith("postgresql") and database.hostname == "postgres"
    assert (database.username, database.password) == (pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"])
    assert database.path == "/" + pg["POSTGRES_DB"]
    assert urlsplit(env["SCREENLINE_REDIS_URL"]).hostname == "redis"


def test_the_load_balancer_reaches_the_workers_port() -> None:
    document = compose()
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    port = re.search(r"SCREENLINE_PORT=(\d+)", dockerfile)
    assert port is not None
    nginx = document["configs"]["nginx"]["content"]
    assert f"proxy_pass http://$$workers:{port.group(1)};" in nginx
    assert "set $$workers worker;" in nginx and "resolver 127.0.0.11" in nginx  # every replica
    assert "proxy_set_header Upgrade $$http_upgrade;" in nginx  # the media WebSockets
    lb = document["services"]["lb"]
    assert lb["configs"][0]["source"] == "nginx"


def test_a_stopped_worker_has_time_to_drain() -> None:
    worker = compose()["services"]["worker"]
    env = worker_env()
    drain = float(env["SCREENLINE_LIMITS__DRAIN_CALLS_S"]) + float(
        env["SCREENLINE_LIMITS__DRAIN_GRACE_S"]
    )
    assert worker.get("stop_signal", "SIGTERM") == "SIGTERM"
    assert seconds(worker["stop_grace_period"]) >= drain + Settings().delivery.timeout_s + 5
