"""API key format and the pure peer / outbound-number policies."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from agent.auth.guard import PERMISSIONS, Action, allowed
from agent.auth.keys import Role, matches, new_key, split_key
from agent.auth.peers import (
    NumberRefused,
    address_allow_list,
    check_dial_number,
    check_twilio_settings,
    freeswitch_peer_ok,
)
from agent.settings import AuthSettings, Settings, TwilioSettings


def test_new_keys_split_and_match_only_their_secret() -> None:
    made = new_key()
    parts = split_key(made.secret_text)
    assert parts is not None and parts[0] == made.key_id
    assert matches(made.salt, made.digest, parts[1])
    assert not matches(made.salt, made.digest, parts[1][:-1] + "x")
    assert new_key().secret_text != made.secret_text
    for bad in ["", "slk_", made.secret_text + "x", made.secret_text.replace("slk_", "sk_")]:
        assert split_key(bad) is None


def test_role_matrix() -> None:
    assert all(Role.ADMIN in roles for roles in PERMISSIONS.values())
    assert set(PERMISSIONS) == set(Action)
    assert allowed(Role.RECRUITER, Action.READ_REPORTS)
    assert not allowed(Role.QA, Action.READ_REPORTS)
    assert not allowed(Role.QA, Action.READ_CALLS)
    assert not allowed(Role.QA, Action.PLACE_CALLS)
    assert allowed(Role.QA, Action.TEST_CALLS)


def test_outbound_numbers_are_e164_in_allowed_countries() -> None:
    auth = AuthSettings(dial_country_codes=["1", "44"])
    assert check_dial_number(auth, "+15551234567") == "+15551234567"
    assert check_dial_number(auth, "+447911123456") == "+447911123456"
    for bad in ["not-a-number", "15551234567", "+0123456789", "+1555", "+1555123456789012", ""]:
        with pytest.raises(NumberRefused, match=r"E\.164"):
            check_dial_number(auth, bad)
    with pytest.raises(NumberRefused, match="not allowed"):
        check_dial_number(auth, "+4915112345678")  # Germany is not on the list
    with pytest.raises(NumberRefused, match="premium"):
        check_dial_number(auth, "+19005550123")
    # The default allows nothing: a deployment chooses its countries.
    with pytest.raises(NumberRefused, match="allowed country codes: none"):
        check_dial_number(AuthSettings(), "+15551234567")


def test_freeswitch_needs_the_configured_secret() -> None:
    assert not freeswitch_peer_ok(AuthSettings(), "anything")  # none configured: nobody
    auth = AuthSettings(freeswitch_secret=SecretStr("s3cret"))
    assert freeswitch_peer_ok(auth, "s3cret")
    assert not freeswitch_peer_ok(auth, "s3cre")
    assert not freeswitch_peer_ok(auth, None)
    assert not freeswitch_peer_ok(auth, 42)


def test_audiosocket_allow_list() -> None:
    default = address_allow_list(Settings())
    assert default("127.0.0.1") and default("::1") and default("::ffff:127.0.0.1")
    assert not default("10.0.0.5") and not default("") and not default("not-an-ip")
    lan = address_allow_list(Settings(auth=AuthSettings(audiosocket_allow=["10.0.0.0/8"])))
    assert lan("10.1.2.3") and not lan("127.0.0.1")


def test_twilio_account_without_auth_token_refuses_to_start() -> None:
    check_twilio_settings(Settings())  # no Twilio at all: fine, its routes answer 503
    check_twilio_settings(Settings(twilio=TwilioSettings(account_sid="AC1", auth_token="t")))
    with pytest.raises(ValueError, match="AUTH_TOKEN"):
        check_twilio_settings(Settings(twilio=TwilioSettings(account_sid="AC1")))
    check_twilio_settings(
        Settings(twilio=TwilioSettings(account_sid="AC1", dev_unsigned_webhooks=True))
    )


def test_server_secret_is_generated_once_private_and_stable(tmp_path: object) -> None:
    import os
    import stat
    from pathlib import Path

    from agent.auth.secret import secret_path, server_secret

    settings = Settings(data_dir=Path(str(tmp_path)) / "data")
    first = server_secret(settings)
    assert server_secret(settings) == first and len(first) >= 32
    mode = stat.S_IMODE(os.stat(secret_path(settings)).st_mode)
    assert mode == 0o600
    configured = Settings(data_dir=settings.data_dir, auth=AuthSettings(secret=SecretStr("k" * 40)))
    assert server_secret(configured) == b"k" * 40
    with pytest.raises(ValueError, match="at least"):
        server_secret(Settings(auth=AuthSettings(secret=SecretStr("short"))))


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///{tmp}/never-migrated.db",  # the key table does not exist
        "postgresql://postgres@127.0.0.1:1/none",  # nothing listens there
    ],
)
async def test_no_key_store_means_nobody_gets_in(url: str, tmp_path: object) -> None:
    from agent.auth.guard import Access, Denied
    from agent.store.apikeys import KeyStore
    from agent.store.db import Database

    access = Access(Settings(), KeyStore(Database(url.format(tmp=tmp_path))), b"s" * 32)
    with pytest.raises(Denied) as refused:
        await access.key("slk_0123456789ab_" + "A" * 43, Action.READ_REPORTS)
    assert refused.value.status == 401 and "unavailable" in refused.value.detail
    with pytest.raises(Denied) as anonymous:
        await access.key(None, Action.READ_REPORTS)
    assert anonymous.value.status == 401
