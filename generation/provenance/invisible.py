"""The invisible mark: a keyed spread-spectrum pattern in low-frequency colour and luminance that
names the job, survives re-encoding, downscaling and trimming, and cannot be read or forged
without the key.

Payload (56 bits): the job id (32 bits) and a check value, the first 24 bits of
HMAC-SHA256(key, "invisible-mark/v1/check" || job_id as 4 bytes big-endian). The payload is
XORed with a keyed stream (so that no payload gives a recognisable pattern), then coded with the
K=7 rate-1/2 convolutional code (`ecc.py`): 124 coded bits.

Carrier: a grid of cells fixed relative to the frame (64 cells across the short side, the long
side in proportion), so the same grid is found at any resolution. The mark is three independent
layers on that grid, along three colour directions: luminance (R+G+B), red-green and
yellow-blue. In each layer a keyed permutation deals the cells among the 124 coded bits (about 60
cells each at 16:9) and a keyed +-1 chip per cell spreads each bit; cell value = chip x (+1 if
the bit is 1 else -1). Colour layers matter: picture texture is mostly luminance, so a colour
layer is read through far less interference (5-10x the signal-to-noise ratio on textured or
text-like content). The layers are upsampled bilinearly to the frame and added, with a total RMS
change of `STRENGTH` levels per RGB channel (about 41 dB PSNR). Every frame carries the same full
payload, so the mark costs two saturating byte passes per frame and trimming cannot remove it.

Detection: each frame is averaged down to the grid and split into the three colour directions;
smooth picture content is removed by subtracting the mean of each cell's four neighbours; frames
are summed, each layer of each frame weighted by how quiet its residual is (moving content
averages out, the mark does not; a layer full of texture counts little); each coded bit's soft
value is the chip-weighted sum over its cells in all layers, and the Viterbi decoder returns the
most likely payload. It is accepted only if its check value equals the HMAC of its job id.

False matches: for unmarked content, or a mark made under another key, the decoded 24-bit check
value is independent of the HMAC of the decoded job id, so a match has probability 2^-24 (6e-8)
per grid tried; the detector tries at most two grids (when the aspect ratio sits between two),
so at most 1.2e-7 per input, below the 1e-6 target by construction.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from . import ecc

VERSION = b"invisible-mark/v1/"
ID_BITS = 32
CHECK_BITS = 24
PAYLOAD_BITS = ID_BITS + CHECK_BITS
CODED_BITS = ecc.coded_length(PAYLOAD_BITS)
SHORT_SIDE_CELLS = 64
STRENGTH = 2.3  # RMS change per RGB channel, in levels (0..255): about 41 dB PSNR
# Unit-RMS colour directions of the three layers: luminance, red-green, yellow-blue.
DIRECTIONS = np.array(
    [[1.0, 1.0, 1.0], [1.5**0.5, -(1.5**0.5), 0.0], [0.5**0.5, 0.5**0.5, -(2.0**0.5)]],
    dtype=np.float32,
)
LAYERS = len(DIRECTIONS)
MIN_SIZE = 16
MAX_FRAMES = 150  # frames read by the detector, evenly spread: enough to average content out


@dataclass(frozen=True)
class Detection:
    job_id: int
    score: float  # correlation of the read bits with the decoded codeword, -1..1 (1 = perfect)
    frames_used: int
    version: int = 1  # which version of the mark was read (invisible_v2 makes version 2)


# ---------------------------------------------------------------- keyed payload and carrier


def check_value(job_id: int, key: bytes) -> int:
    """The keyed check value of `job_id`: the first CHECK_BITS bits of its HMAC-SHA256."""
    digest = hmac.new(key, VERSION + b"check" + _id_bytes(job_id), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") >> (32 - CHECK_BITS)


def payload_bits(job_id: int, key: bytes) -> np.ndarray:
    """The 56 scrambled payload bits (0/1) of `job_id` under `key`."""
    value = (job_id << CHECK_BITS) | check_value(job_id, key)
    bits = (value >> np.arange(PAYLOAD_BITS - 1, -1, -1)) & 1
    return (bits.astype(np.uint8)) ^ _scramble(key)


def _read_payload(bits: np.ndarray, key: bytes) -> tuple[int, int]:
    bits = np.asarray(bits, dtype=np.uint8) ^ _scramble(key)
    value = int("".join(map(str, bits.tolist())), 2)
    return value >> CHECK_BITS, value & ((1 << CHECK_BITS) - 1)


def _id_bytes(job_id: int) -> bytes:
    if not 0 <= job_id < 1 << ID_BITS:
        raise ValueError(f"job id {job_id} does not fit in {ID_BITS} bits")
    return job_id.to_bytes(4, "big")


@functools.lru_cache(maxsize=16)
def _scramble(key: bytes) -> np.ndarray:
    digest = hmac.new(key, VERSION + b"scramble", hashlib.sha256).digest()
    return np.unpackbits(np.frombuffer(digest, dtype=np.uint8))[:PAYLOAD_BITS]


def grid_shapes(height: int, width: int) -> list[tuple[int, int]]:
    """The carrier grid(s) (rows, columns) for a frame: the first is the one marks are made with.

    The long side has SHORT_SIDE_CELLS x aspect cells, rounded; when the aspect ratio sits near
    the rounding boundary (a resize may have moved it across), the neighbour is listed too.
    """
    short, long = sorted((height, width))
    exact = SHORT_SIDE_CELLS * long / short
    cells = [max(SHORT_SIDE_CELLS, round(exact))]
    if abs(exact - round(exact)) > 0.35:
        other = int(np.floor(exact)) if round(exact) > exact else int(np.ceil(exact))
        if other >= SHORT_SIDE_CELLS:
            cells.append(other)
    if height <= width:
        return [(SHORT_SIDE_CELLS, c) for c in cells]
    return [(c, SHORT_SIDE_CELLS) for c in cells]


@functools.lru_cache(maxsize=16)
def _carrier(key: bytes, rows: int, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Per layer and cell: its chip (+-1, float32) and the coded bit it carries (int)."""
    seed = hmac.new(key, VERSION + b"carrier/%dx%d" % (rows, columns), hashlib.sha256).digest()
    rng = np.random.Generator(np.random.PCG64(int.from_bytes(seed, "big")))
    chips = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(LAYERS, rows, columns))
    owner = np.stack(
        [(rng.permutation(rows * columns) % CODED_BITS).reshape(rows, columns) for _ in chips]
    )
    return chips, owner


# ------------------------------------------------------------------------------ embedding


@functools.lru_cache(maxsize=4)
def _delta(height: int, width: int, job_id: int, key: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The mark for a frame size as two uint8 (H, W, 3) arrays: what to add and what to take
    away (saturating), so that marking a frame is two fast passes over its bytes."""
    rows, columns = grid_shapes(height, width)[0]
    chips, owner = _carrier(key, rows, columns)
    coded = ecc.encode(payload_bits(job_id, key))
    pattern = np.zeros((height, width, 3), dtype=np.float32)
    for layer in range(LAYERS):
        cells = chips[layer] * (2.0 * coded[owner[layer]] - 1.0)
        plane = cv2.resize(cells, (width, height), interpolation=cv2.INTER_LINEAR)
        plane *= STRENGTH / np.sqrt(LAYERS) / max(float(np.sqrt(np.mean(plane**2))), 1e-6)
        pattern += plane[..., None] * DIRECTIONS[layer]
    rounded = np.rint(pattern).astype(np.int16)
    return np.clip(rounded, 0, 255).astype(np.uint8), np.clip(-rounded, 0, 255).astype(np.uint8)


def embed_frames(frames: np.ndarray, job_id: int, key: bytes) -> np.ndarray:
    """A marked copy of `frames` ((T, H, W, 3) uint8 RGB) naming `job_id` under `key`."""
    frames = np.ascontiguousarray(frames, dtype=np.uint8)
    _count, height, width, channels = frames.shape
    if channels != 3 or min(height, width) < MIN_SIZE:
        raise ValueError(f"expected (T, H, W, 3) frames of at least {MIN_SIZE} px")
    plus, minus = _delta(height, width, job_id, bytes(key))
    out = np.empty_like(frames)
    for index, frame in enumerate(frames):
        cv2.add(frame, plus, dst=out[index])
        cv2.subtract(out[index], minus, dst=out[index])
    return out


def embed_image(image: Image.Image, job_id: int, key: bytes) -> Image.Image:
    """A marked RGB copy of `image` naming `job_id` under `key`."""
    frames = np.asarray(image.convert("RGB"))[None]
    return Image.fromarray(embed_frames(frames, job_id, key)[0])


# ------------------------------------------------------------------------------ detection


def detect_frames(frames: np.ndarray, key: bytes) -> Detection | None:
    """The job named by the mark in `frames` ((T, H, W, 3) uint8 RGB), or None.

    None means no mark made with `key` was found (unmarked, marked under another key, or
    destroyed). Works on any frame count and resolution; at most MAX_FRAMES frames, evenly
    spread over the clip, are read.
    """
    frames = np.asarray(frames, dtype=np.uint8)
    if frames.ndim == 3:
        frames = frames[None]
    frames = frames[..., :3]  # an alpha channel carries no mark
    _count, height, width, _channels = frames.shape
    if min(height, width) < MIN_SIZE or not len(frames):
        return None
    if len(frames) > MAX_FRAMES:
        frames = frames[np.linspace(0, len(frames) - 1, MAX_FRAMES).round().astype(int)]
    key = bytes(key)
    for rows, columns in grid_shapes(height, width):
        residual = _average_residual(frames, rows, columns)
        found = _decode(residual, key, rows, columns, len(frames))
        if found:
            return found
    return None


def detect_image(image: Image.Image, key: bytes) -> Detection | None:
    """The job named by the mark in a picture (PNG or JPEG re-save), or None."""
    return detect_frames(np.asarray(image.convert("RGB"))[None], key)


# Each cell is predicted by the mean of its four neighbours; what is left is mostly the mark.
_NEIGHBOURS = np.array([[0, 0.25, 0], [0.25, 0, 0.25], [0, 0.25, 0]], dtype=np.float32)


def _average_residual(frames: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """(LAYERS, rows, columns): each layer's content-free residual on the grid, summed over
    frames with quiet frames weighing more (the mark is the same in each, the content is not)."""
    total = np.zeros((LAYERS, rows, columns), dtype=np.float64)
    for frame in frames:
        # Two steps so that the uint8 rounding happens on small areas and then averages out.
        coarse = cv2.resize(
            np.ascontiguousarray(frame), (4 * columns, 4 * rows), interpolation=cv2.INTER_AREA
        )
        grid = cv2.resize(coarse.astype(np.float32), (columns, rows), interpolation=cv2.INTER_AREA)
        for layer, plane in enumerate(np.moveaxis(grid @ DIRECTIONS.T, -1, 0)):
            residual = plane - cv2.filter2D(plane, -1, _NEIGHBOURS, borderType=cv2.BORDER_REFLECT)
            total[layer] += residual / (float(np.mean(residual**2)) + 1e-2)
    return total


def _decode(
    residual: np.ndarray, key: bytes, rows: int, columns: int, frames_used: int
) -> Detection | None:
    chips, owner = _carrier(key, rows, columns)
    # ML combination: each layer's residual is already divided by its noise power.
    soft = np.bincount(owner.ravel(), weights=(residual * chips).ravel(), minlength=CODED_BITS)
    if not np.any(soft):
        return None
    bits = ecc.decode(soft)
    job_id, check = _read_payload(bits, key)
    if check != check_value(job_id, key):
        return None
    signs = 2.0 * ecc.encode(bits) - 1.0
    score = float(signs @ soft / (np.linalg.norm(soft) * np.sqrt(CODED_BITS)))
    return Detection(job_id=job_id, score=round(score, 4), frames_used=frames_used)
