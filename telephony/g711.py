"""G.711 μ-law and A-law ⇄ 16-bit linear PCM, vectorised with numpy.

PCM is always signed 16-bit little-endian mono (``bytes``), the format every telephony codec in
this package hands out. The bit-level rules are those of ITU-T G.711 as implemented by the classic
Sun reference code (which ``audioop`` also used), so output is byte-identical to ``audioop``; we
do not use ``audioop`` because it is removed in Python 3.13.

Encoding is a lookup in a 65 536-entry table built once at import (vectorised), decoding a lookup
in a 256-entry table: both are a single numpy gather per buffer.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["alaw_to_pcm16", "pcm16_to_alaw", "pcm16_to_ulaw", "ulaw_to_pcm16"]

_PCM16: Final = np.dtype("<i2")

_ULAW_BIAS: Final = 0x84  # added before the segment search so segment 0 has a linear step
_ULAW_CLIP: Final = 32635  # largest magnitude that still fits after adding the bias


def _ulaw_encode(x: npt.NDArray[np.int32]) -> npt.NDArray[np.uint8]:
    sign = np.where(x < 0, 0x80, 0x00)
    # Sun's code works on 14-bit samples (x >> 2); doing the same keeps us bit-exact with it.
    mag = np.abs(x >> 2)
    mag = np.minimum(mag, _ULAW_CLIP >> 2) + (_ULAW_BIAS >> 2)
    # Segment = position of the highest set bit above bit 5 (0..7).
    exponent = np.clip(np.floor(np.log2(mag)).astype(np.int32) - 5, 0, 7)
    mantissa = (mag >> (exponent + 1)) & 0x0F
    code = sign | (exponent << 4) | mantissa
    return (~code & 0xFF).astype(np.uint8)


def _ulaw_decode(u: npt.NDArray[np.int32]) -> npt.NDArray[np.int16]:
    u = ~u & 0xFF
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    mag = (((mantissa << 3) + _ULAW_BIAS) << exponent) - _ULAW_BIAS
    return np.where(u & 0x80, -mag, mag).astype(np.int16)


def _alaw_encode(x: npt.NDArray[np.int32]) -> npt.NDArray[np.uint8]:
    v = x >> 3  # A-law works on 13-bit samples
    positive = v >= 0
    mask = np.where(positive, 0xD5, 0x55)  # sign bit plus the even-bit inversion of G.711
    v = np.where(positive, v, -v - 1)
    # Segment ends 0x1F, 0x3F, ..., 0xFFF: seg = number of ends strictly below v.
    seg = np.searchsorted(np.array([(0x20 << i) - 1 for i in range(8)]), v, side="left")
    shift = np.where(seg < 2, 1, seg)
    code = np.where(seg >= 8, 0x7F, (np.minimum(seg, 7) << 4) | ((v >> shift) & 0x0F))
    return (code ^ mask).astype(np.uint8)


def _alaw_decode(a: npt.NDArray[np.int32]) -> npt.NDArray[np.int16]:
    a = a ^ 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t = np.where(seg == 0, t + 8, t + 0x108)
    t = np.where(seg > 1, t << np.maximum(seg - 1, 0), t)
    return np.where(a & 0x80, t, -t).astype(np.int16)


_ALL_PCM: Final = np.arange(-32768, 32768, dtype=np.int32)
_ALL_CODES: Final = np.arange(256, dtype=np.int32)
# Encode tables are indexed by the sample reinterpreted as uint16 (two's complement order).
_ULAW_ENC: Final = np.roll(_ulaw_encode(_ALL_PCM), -32768)
_ALAW_ENC: Final = np.roll(_alaw_encode(_ALL_PCM), -32768)
_ULAW_DEC: Final = _ulaw_decode(_ALL_CODES).astype(_PCM16)
_ALAW_DEC: Final = _alaw_decode(_ALL_CODES).astype(_PCM16)


def _samples(pcm: bytes) -> npt.NDArray[np.uint16]:
    if len(pcm) % 2:
        raise ValueError(f"PCM16 buffer has odd length {len(pcm)}")
    return np.frombuffer(pcm, dtype="<u2")


def pcm16_to_ulaw(pcm: bytes) -> bytes:
    """Encode little-endian PCM16 to G.711 μ-law, one byte per sample.

    Raises:
        ValueError: ``pcm`` has an odd number of bytes.
    """
    return _ULAW_ENC[_samples(pcm)].tobytes()


def ulaw_to_pcm16(data: bytes) -> bytes:
    """Decode G.711 μ-law bytes to little-endian PCM16 (two bytes per input byte)."""
    return _ULAW_DEC[np.frombuffer(data, dtype=np.uint8)].tobytes()


def pcm16_to_alaw(pcm: bytes) -> bytes:
    """Encode little-endian PCM16 to G.711 A-law, one byte per sample.

    Raises:
        ValueError: ``pcm`` has an odd number of bytes.
    """
    return _ALAW_ENC[_samples(pcm)].tobytes()


def alaw_to_pcm16(data: bytes) -> bytes:
    """Decode G.711 A-law bytes to little-endian PCM16 (two bytes per input byte)."""
    return _ALAW_DEC[np.frombuffer(data, dtype=np.uint8)].tobytes()
