"""``screenline keys`` / ``db upgrade`` / ``invite`` as an operator runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli import main
from agent.store.apikeys import KeyStore
from agent.store.db import Database, head_revision


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCREENLINE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SCREENLINE_DATABASE_URL", raising=False)
    return tmp_path


def test_keys_create_list_revoke(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert f"revision {head_revision()}" in capsys.readouterr().out
    assert main(["keys", "create", "--role", "admin", "--name", "first admin"]) == 0
    out = capsys.readouterr()
    key = out.out.strip()
    assert key.startswith("slk_") and "shown only now" in out.err
    store = KeyStore(Database(f"sqlite:///{data_dir / 'screenline.db'}"))
    info = store.authenticate(key)
    assert info is not None and info.role == "admin" and info.name == "first admin"
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert info.key_id in listing and "admin" in listing and "active" in listing
    assert key not in listing  # the secret is never shown again
    assert main(["keys", "revoke", info.key_id]) == 0
    assert store.authenticate(key) is None
    assert main(["keys", "revoke", info.key_id]) == 1
    capsys.readouterr()
    assert main(["keys", "list"]) == 0
    assert "revoked" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["keys", "create", "--role", "root"])


def test_invite_prints_a_link_bound_to_candidate_and_script(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from urllib.parse import parse_qs, urlsplit

    from agent.auth.guard import Access
    from agent.settings import Settings

    assert main(["invite", "--candidate", "c-42", "--script", "cs_home_en"]) == 0
    url = capsys.readouterr().out.strip()
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "127.0.0.1:8080", "/interview")
    token = parse_qs(parts.query)["invite"][0]
    granted = Access.from_settings(Settings(data_dir=data_dir)).check_invitation(token)
    assert (granted.candidate_id, granted.script_id) == ("c-42", "cs_home_en")
    assert main(["invite", "--candidate", "x" * 201, "--script", "cs_home_en"]) == 1
