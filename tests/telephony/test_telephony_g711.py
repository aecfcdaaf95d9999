"""G.711 codec: known code points, bit-exactness with the reference, round-trip error bounds."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony.g711 import alaw_to_pcm16, pcm16_to_alaw, pcm16_to_ulaw, ulaw_to_pcm16

Codec = Callable[[bytes], bytes]
ALL_PCM = np.arange(-32768, 32768, dtype="<i2")
ALL_CODES = bytes(range(256))


def pcm(*samples: int) -> bytes:
    return np.array(samples, dtype="<i2").tobytes()


def samples(data: bytes) -> list[int]:
    return [int(s) for s in np.frombuffer(data, dtype="<i2")]


def test_ulaw_known_values() -> None:
    # Silence is 0xFF; the extremes are 0x80 (+) and 0x00 (-), per G.711 Table 2a.
    assert pcm16_to_ulaw(pcm(0, 32767, -32768, 1000, -1000)) == bytes(
        [0xFF, 0x80, 0x00, 0xCE, 0x4E]
    )
    assert samples(ulaw_to_pcm16(bytes([0xFF, 0x7F, 0x80, 0x00, 0xCE]))) == [
        0,
        0,
        32124,
        -32124,
        988,
    ]


def test_alaw_known_values() -> None:
    # A-law inverts the even bits: zero is 0xD5 (+) / 0x55 (-); extremes 0xAA / 0x2A.
    assert pcm16_to_alaw(pcm(0, -1, 32767, -32768)) == bytes([0xD5, 0x55, 0xAA, 0x2A])
    assert samples(alaw_to_pcm16(bytes([0xD5, 0x55, 0xAA, 0x2A]))) == [8, -8, 32256, -32256]


def test_empty_buffers() -> None:
    assert pcm16_to_ulaw(b"") == b""
    assert ulaw_to_pcm16(b"") == b""
    assert pcm16_to_alaw(b"") == b""
    assert alaw_to_pcm16(b"") == b""


@pytest.mark.parametrize("encode", [pcm16_to_ulaw, pcm16_to_alaw])
def test_odd_length_pcm_rejected(encode: Codec) -> None:
    with pytest.raises(ValueError, match="odd length"):
        encode(b"\x00\x01\x02")


def test_decode_then_encode_is_identity_on_codes() -> None:
    # Every code word decodes to its segment's midpoint, which must encode back to itself
    # (μ-law 0x7F is "negative zero" and re-encodes as 0xFF, the positive zero).
    ulaw = pcm16_to_ulaw(ulaw_to_pcm16(ALL_CODES))
    assert ulaw == ALL_CODES.replace(b"\x7f", b"\xff")
    assert pcm16_to_alaw(alaw_to_pcm16(ALL_CODES)) == ALL_CODES


@pytest.mark.parametrize(
    ("encode", "decode"), [(pcm16_to_ulaw, ulaw_to_pcm16), (pcm16_to_alaw, alaw_to_pcm16)]
)
def test_round_trip_error_bound_over_every_sample(encode: Codec, decode: Codec) -> None:
    x = ALL_PCM.astype(np.int32)
    y = np.frombuffer(decode(encode(ALL_PCM.tobytes())), dtype="<i2").astype(np.int32)
    err = np.abs(x - y)
    # Logarithmic quantiser: error grows with magnitude but stays within half a step,
    # which is at most 1/32 (μ-law) or 1/16 (A-law, top segment) of the sample, plus the
    # clip region near full scale and the coarse first steps near zero.
    relative_ok = err <= np.maximum(np.abs(x) / 16, 16)
    clipped = np.abs(x) > 32124
    assert bool(np.all(relative_ok | clipped))
    assert int(err[~clipped].max()) <= 1024
    # Monotonic: a larger input never decodes to a smaller output.
    assert bool(np.all(np.diff(y) >= 0))


@given(st.lists(st.integers(-32768, 32767), max_size=400))
def test_round_trip_property(values: list[int]) -> None:
    data = pcm(*values)
    for encode, decode in ((pcm16_to_ulaw, ulaw_to_pcm16), (pcm16_to_alaw, alaw_to_pcm16)):
        encoded = encode(data)
        assert len(encoded) == len(values)
        decoded = samples(decode(encoded))
        # Re-encoding decoded audio is lossless (G.711 is idempotent after the first pass).
        assert encode(decode(encoded)) == encoded
        for a, b in zip(values, decoded, strict=True):
            assert abs(a - b) <= max(abs(a) / 16, 16) or abs(a) > 32124


def _audioop() -> object | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return importlib.import_module("audioop")
    except ImportError:  # Python 3.13+
        return None


@pytest.mark.skipif(_audioop() is None, reason="audioop is gone in Python 3.13+")
def test_bit_exact_with_audioop_reference() -> None:
    ref = _audioop()
    data = ALL_PCM.tobytes()
    assert pcm16_to_ulaw(data) == ref.lin2ulaw(data, 2)  # type: ignore[attr-defined]
    assert pcm16_to_alaw(data) == ref.lin2alaw(data, 2)  # type: ignore[attr-defined]
    assert ulaw_to_pcm16(ALL_CODES) == ref.ulaw2lin(ALL_CODES, 2)  # type: ignore[attr-defined]
    assert alaw_to_pcm16(ALL_CODES) == ref.alaw2lin(ALL_CODES, 2)  # type: ignore[attr-defined]
