"""The REST API fuzzed from its own OpenAPI schema (schemathesis), against a real server.

The server runs in a thread of its own on 127.0.0.1 (schemathesis calls it synchronously). Every
generated request must get an answer that is not an unhandled error: 4xx for bad input, and 5xx
only where the route documents an upstream failure (502: the carrier could not be reached).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.abuse.conftest import FIXTURES, free_port

#: Documented 5xx answers: 502 the carrier failed, 503 at capacity / shutting down.
UPSTREAM = {502, 503}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from agent.api.server import create_app
    from agent.api.serving import DrainingServer, server_config
    from agent.auth.keys import Role
    from agent.calls.run import Runtime
    from agent.settings import Settings
    from agent.store.apikeys import KeyStore
    from agent.store.db import open_database

    settings_ = Settings(
        data_dir=Path(tmp_path_factory.mktemp("schema-data")),
        scripts_dir=FIXTURES / "scripts",
        default_script="short_en",
    )
    # An admin key: the fuzzing is about what an authenticated caller can still send.
    admin = KeyStore(open_database(settings_)).create(Role.ADMIN, "schemathesis")[1]
    runtime = Runtime(settings_)
    port = free_port()
    config = server_config(
        create_app(settings_, runtime, warm=False),
        runtime,
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    server = DrainingServer(config, runtime)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    yield (
        schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/openapi.json"),
        {"Authorization": f"Bearer {admin}"},
    )
    server.should_exit = True
    thread.join(30)


def test_rest_api_never_fails_unhandled(api_schema: Any) -> None:
    # Per operation by hand: schemathesis' pytest plugin does not load under this pytest.
    schema, headers = api_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(timeout=30, headers=headers)
            assert response.status_code < 500 or response.status_code in UPSTREAM, (
                case.method,
                case.path,
                response.status_code,
                response.text[:300],
            )

        check()
