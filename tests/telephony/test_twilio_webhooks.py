"""X-Twilio-Signature and <Connect><Stream> TwiML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony.twilio import compute_signature, connect_stream_twiml, validate_signature

# The worked example from https://www.twilio.com/docs/usage/security#validating-requests
DOC_TOKEN = "12345"
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
DOC_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_documented_example() -> None:
    assert compute_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS) == DOC_SIGNATURE
    assert validate_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS, DOC_SIGNATURE)
    # Parameter order on the wire does not matter; pairs work like a mapping.
    pairs = sorted(DOC_PARAMS.items(), reverse=True)
    assert validate_signature(DOC_TOKEN, DOC_URL, pairs, DOC_SIGNATURE)


@pytest.mark.parametrize(
    ("token", "url", "params", "signature"),
    [
        ("54321", DOC_URL, DOC_PARAMS, DOC_SIGNATURE),  # wrong token
        (DOC_TOKEN, DOC_URL.replace("foo=1", "foo=2"), DOC_PARAMS, DOC_SIGNATURE),
        (DOC_TOKEN, DOC_URL, DOC_PARAMS | {"To": "+18005551213"}, DOC_SIGNATURE),
        (DOC_TOKEN, DOC_URL, DOC_PARAMS | {"Extra": "1"}, DOC_SIGNATURE),
        (DOC_TOKEN, DOC_URL, DOC_PARAMS, "1/KCTR6DLpKmkAf8muzZqo1nDgQ="),  # forged
        (DOC_TOKEN, DOC_URL, DOC_PARAMS, ""),
        (DOC_TOKEN, DOC_URL, DOC_PARAMS, "é非ASCII"),  # must not raise in compare_digest
    ],
)
def test_forged_or_altered_requests_rejected(
    token: str, url: str, params: dict[str, str], signature: str
) -> None:
    assert not validate_signature(token, url, params, signature)


def test_default_port_variants_accepted() -> None:
    # A proxy may add or strip the default port; Twilio's helpers accept both forms.
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    assert validate_signature(DOC_TOKEN, with_port, DOC_PARAMS, DOC_SIGNATURE)
    signed_with_port = compute_signature(DOC_TOKEN, with_port, DOC_PARAMS)
    assert validate_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS, signed_with_port)
    other_port = "https://mycompany.com:8443/myapp.php?foo=1&bar=2"
    assert not validate_signature(DOC_TOKEN, other_port, DOC_PARAMS, signed_with_port)


def test_repeated_parameters() -> None:
    a = compute_signature("t", "https://x/y", {"E": ["ringing", "answered"], "A": "1"})
    b = compute_signature("t", "https://x/y", [("E", "answered"), ("A", "1"), ("E", "ringing")])
    assert a == b
    assert a != compute_signature("t", "https://x/y", {"E": "ringing", "A": "1"})


@given(
    st.text(min_size=1),
    st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=5),
    st.text(max_size=40),
)
def test_signature_property(token: str, params: dict[str, str], forged: str) -> None:
    url = "https://example.com/twilio/status?x=1"
    good = compute_signature(token, url, params)
    assert validate_signature(token, url, params, good)
    if forged != good:
        assert not validate_signature(token, url, params, forged)


def test_connect_stream_twiml_structure_and_escaping() -> None:
    url = "wss://voice.example.com/twilio/media?tenant=a&b=<c>"
    params = {"candidate_id": "c\"42'", "note": '<tag> & "quotes"\nnext line'}
    twiml = connect_stream_twiml(url, params)
    assert twiml.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream ')
    root = ET.fromstring(twiml)
    assert root.tag == "Response"
    (connect,) = list(root)
    (stream,) = list(connect)
    assert connect.tag == "Connect" and stream.tag == "Stream"
    assert stream.get("url") == url  # escaping round-trips exactly, newline included
    assert [(p.get("name"), p.get("value")) for p in stream] == list(params.items())


def test_connect_stream_twiml_without_parameters() -> None:
    assert connect_stream_twiml("wss://h/s") == (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Response><Connect><Stream url="wss://h/s" /></Connect></Response>'
    )


@pytest.mark.parametrize("url", ["https://h/s", "ws://h/s", "wss://", "h/s"])
def test_connect_stream_twiml_requires_wss(url: str) -> None:
    with pytest.raises(ValueError, match="wss"):
        connect_stream_twiml(url)


def test_connect_stream_twiml_rejects_xml_illegal_characters() -> None:
    with pytest.raises(ValueError, match="not allowed in XML"):
        connect_stream_twiml("wss://h/s", {"a": "bell\x07"})


@given(st.dictionaries(st.text(min_size=1), st.text(), max_size=4))
def test_twiml_property(params: dict[str, str]) -> None:
    try:
        twiml = connect_stream_twiml("wss://h/s", params)
    except ValueError:
        return  # only for characters XML 1.0 cannot represent
    stream = ET.fromstring(twiml)[0][0]
    assert {p.get("name"): p.get("value") for p in stream} == params
