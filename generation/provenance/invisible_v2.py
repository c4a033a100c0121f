"""The invisible mark, version 2: a tiled, self-synchronising pattern, masked by the picture's
own texture, that names the job after flips, crops, borders, small rotations and re-encoding.

Payload (56 bits), as in version 1: the job id (32 bits) and a check value, the first 24 bits of
HMAC-SHA256(key, "invisible-mark/v2/check" || nonce || job id), scrambled by a keyed stream and
coded with the K=7 rate-1/2 convolutional code (`ecc.py`): 124 coded bits.

Per-output carrier: the nonce is one of NONCES values, taken from the HMAC of the job id, and
every chip, the pilot and the cells' order are drawn from HMAC(key, nonce). Outputs of different
nonces share no pattern, so averaging many outputs does not reveal one. The nonce is public in
the sense that the detector finds it by trying all NONCES pilots.

Carrier: a tile of TILE x TILE cells in each of three colour layers (luminance, red-green,
yellow-blue, as in version 1). A quarter of each layer's cells hold a known pilot (+-1 chips);
the rest are dealt among the coded bits, each with a +-1 chip. The tile repeats over the frame;
a cell is 1/48 of the frame's short side (22.5 px at 1080p), drawn smooth (bilinear, then
blurred), so the pattern holds only low spatial frequencies.

Masking: the pattern is scaled per pixel by the local texture of the frame's luminance (the
deviation from its local mean, a cell wide): AMPLITUDE_FLAT levels where the picture is flat,
clipped so that no pixel there moves by more than one code value, up to AMPLITUDE_MAX in
texture, where the eye sees it least. Each frame is masked by its own content.

Motion: the pattern slides with the content's global motion (`content_offsets`), so the encoder
predicts it with the picture from frame to frame instead of coding it again; where the picture
has no detail that moves (a clear sky under a pan), it stays put, as the encoder predicts such
an area (`still_weight`).

Detection (`invisible_v2_sync.py`): the residual of each frame (picture minus its local mean,
divided by its local energy) is summed over frames, as it is, moved back by the content's
motion as the detector measures it, and the two mixed by `still_weight` of the frames read;
each sum's autocorrelation has peaks on the tile's lattice, which give the tile's period and
angle whatever the scale, crop or rotation; black borders are found and give the content's own
size; the residual is resampled onto the tile's grid for each candidate geometry (mirrored
too), folded onto one tile, and correlated with every nonce's pilot over all cyclic shifts (the
crop offset). The best few candidates are decoded.

False matches: a candidate is accepted only if its decoded check value equals the HMAC of its
decoded job id and nonce: probability 2^-24 per decoded candidate for unmarked content or a
foreign key. The detector decodes at most MAX_DECODES (6) candidates and checks at most CHECKS
(31) payloads (the first three candidates' 16, 8 and 4 likeliest, the others' likeliest), so
at most 31 x 6.0e-8 = 1.9e-6 per input (see `marks.py` for the check page's chain).
"""

from __future__ import annotations

import collections
import functools
import hashlib
import hmac
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from . import ecc, invisible
from .invisible import CHECK_BITS, DIRECTIONS, ID_BITS, LAYERS, PAYLOAD_BITS

VERSION = b"invisible-mark/v2/"
CODED_BITS = ecc.coded_length(PAYLOAD_BITS)
TILE = 32  # cells per tile side
SHORT_SIDE_CELLS = 48  # a cell is this fraction of the frame's short side
NONCES = 16
PILOT_SHARE = 4  # one cell in four is a pilot
AMPLITUDE_FLAT = 0.8  # RMS change per RGB channel where the picture is flat, in levels
AMPLITUDE_MAX = 2.5  # ... and where it is strongly textured
TEXTURE_GAIN = 0.25  # levels of mark per level of local texture above TEXTURE_FLOOR
TEXTURE_FLOOR = 1.5  # local texture (RMS levels) that still counts as flat: grain, noise
FLAT_LIMIT = 1.45  # largest change where the picture is flat: rounds to one code value
MAX_RMS = 1.8  # the whole frame's RMS change per channel stays under this (PSNR >= 43 dB)
MIN_SIZE = 64
MOTION_SCALE = 2  # content motion is measured at 1/MOTION_SCALE of the size
STILL_RATIO = 1.1  # still where no motion explains the detail 10 % better than none
STILL_TOLERANCE = 0.1  # ... or the detail changes less than this, in levels a frame
STILL_SHIFT = 4  # px: a frame is compared with the latest one the content moved this far from
STILL_BACK = 32  # ... looking back this many frames at most
STILL_FASTEST = 0.0075  # of the short side a frame: faster, the pattern follows everywhere
BLOCK_BLUR = 16  # a block layer is blurred by its cell's side over this (1 px at 480p)
SMALL_SIDE = 256  # outputs smaller than this get version 1 (see embed_frames)
PREVIEW_STRENGTH = 2.5  # the 320-px animated preview: WebP at quality 60 erases a weaker mark


@dataclass(frozen=True)
class Layout:
    """What a version of the tiled mark chooses; the tile, its period, the masking, the motion
    and the detector's geometry search are shared (version 3 is this module with another
    layout, `invisible_v3.py`).

    `domain` separates every keyed value (nonce, check value, scrambling, carrier), so the
    patterns of two versions are unrelated. `cell_factors`: per layer, a cell spans this many
    tile cells on a side (drawn and read as one). `layer_weights`: each layer's share of the
    mark's energy (luminance, red-green, yellow-blue), before the total is normalised.
    `short_side_cells`: how many cells span the frame's short side. `aligned`: layers of larger
    cells are drawn as blocks from the frame's corner, barely blurred, so that with 60 cells
    they are the codec's 16-px macroblocks at 480p, and at 480p again after a 720p or 1080p
    frame is scaled down to it (see `invisible_v3.py`)."""

    number: int
    domain: bytes
    cell_factors: tuple[int, int, int] = (1, 1, 1)
    layer_weights: tuple[float, float, float] = (1.0, 0.8, 0.8)
    short_side_cells: int = SHORT_SIDE_CELLS
    aligned: bool = False


LAYOUT = Layout(number=2, domain=VERSION)


# ---------------------------------------------------------------- keyed payload and carrier


def nonce_for(job_id: int, key: bytes, layout: Layout = LAYOUT) -> int:
    """The public nonce of `job_id`'s outputs: which of the NONCES carriers they use."""
    message = layout.domain + b"nonce" + _id_bytes(job_id)
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return digest[0] % NONCES


def check_value(job_id: int, nonce: int, key: bytes, layout: Layout = LAYOUT) -> int:
    """The keyed check value of `job_id` under `nonce`: the first CHECK_BITS bits of its HMAC."""
    message = layout.domain + b"check" + bytes([nonce]) + _id_bytes(job_id)
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") >> (32 - CHECK_BITS)


def payload_bits(job_id: int, nonce: int, key: bytes, layout: Layout = LAYOUT) -> np.ndarray:
    """The 56 scrambled payload bits (0/1) of `job_id` under `key` and `nonce`."""
    value = (job_id << CHECK_BITS) | check_value(job_id, nonce, key, layout)
    bits = (value >> np.arange(PAYLOAD_BITS - 1, -1, -1)) & 1
    return bits.astype(np.uint8) ^ _scramble(key, nonce, layout.domain)


def read_payload(
    bits: np.ndarray, nonce: int, key: bytes, layout: Layout = LAYOUT
) -> tuple[int, int]:
    """(job id, check value) from decoded payload bits."""
    bits = np.asarray(bits, dtype=np.uint8) ^ _scramble(key, nonce, layout.domain)
    value = int("".join(map(str, bits.tolist())), 2)
    return value >> CHECK_BITS, value & ((1 << CHECK_BITS) - 1)


def _id_bytes(job_id: int) -> bytes:
    if not 0 <= job_id < 1 << ID_BITS:
        raise ValueError(f"job id {job_id} does not fit in {ID_BITS} bits")
    return job_id.to_bytes(4, "big")


@functools.lru_cache(maxsize=64)
def _scramble(key: bytes, nonce: int, domain: bytes) -> np.ndarray:
    digest = hmac.new(key, domain + b"scramble" + bytes([nonce]), hashlib.sha256).digest()
    return np.unpackbits(np.frombuffer(digest, dtype=np.uint8))[:PAYLOAD_BITS]


@functools.lru_cache(maxsize=64)
def carrier(
    key: bytes, nonce: int, layout: Layout = LAYOUT
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per layer and cell of the tile (LAYERS, TILE, TILE): its chip (+-1), whether it is a
    pilot (bool), and the coded bit it carries (-1 for pilots). A layer whose cells span f
    tile cells has the same three values over each f x f block."""
    seed = hmac.new(key, layout.domain + b"carrier" + bytes([nonce]), hashlib.sha256).digest()
    rng = np.random.Generator(np.random.PCG64(int.from_bytes(seed, "big")))
    shape = (LAYERS, TILE, TILE)
    chips = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=shape)
    pilot = np.zeros(shape, dtype=bool)
    owner = np.full(shape, -1, dtype=np.int64)
    for layer, factor in enumerate(layout.cell_factors):
        side = TILE // factor
        cells = side * side
        order = rng.permutation(cells)
        pilots = cells // PILOT_SHARE
        known = np.zeros((side, side), dtype=bool)
        bit = np.full((side, side), -1, dtype=np.int64)
        known.flat[order[:pilots]] = True
        bit.flat[order[pilots:]] = np.arange(cells - pilots) % CODED_BITS
        block = np.ones((factor, factor), dtype=np.int64)
        chips[layer] = np.kron(chips[layer, ::factor, ::factor], block)
        pilot[layer] = np.kron(known, block).astype(bool)
        owner[layer] = np.kron(bit, block)
    return chips, pilot, owner


def tile_cells(
    job_id: int, key: bytes, nonce: int | None = None, layout: Layout = LAYOUT
) -> np.ndarray:
    """(LAYERS, TILE, TILE) float32 cell values (+-1) of the mark naming `job_id`."""
    nonce = nonce_for(job_id, key, layout) if nonce is None else nonce
    chips, pilot, owner = carrier(key, nonce, layout)
    coded = ecc.encode(payload_bits(job_id, nonce, key, layout)).astype(np.float32)
    signs = np.where(pilot, 1.0, 2.0 * coded[np.maximum(owner, 0)] - 1.0)
    return (chips * signs).astype(np.float32)


def cell_size(height: int, width: int, layout: Layout = LAYOUT) -> float:
    """A cell's side in pixels for a frame of this size: 1/short_side_cells of the short side."""
    return min(height, width) / layout.short_side_cells


def render_cells(
    cells: np.ndarray, height: int, width: int, cell: float, factors=(1, 1, 1), blocks=False
) -> np.ndarray:
    """Each layer of `cells` tiled over a (height, width) frame, `cell` px per cell, smooth:
    (LAYERS, height, width) float32, cell centres at ((i + 0.5) * cell - 0.5). A layer whose
    cells span `factors` tile cells is blurred in proportion; with `blocks`, such a layer is
    drawn as blocks from the frame's corner (pixel y is in cell y // cell), barely blurred."""
    reps_y = int(np.ceil(height / cell / TILE)) + 1
    reps_x = int(np.ceil(width / cell / TILE)) + 1
    matrix = np.array([[1 / cell, 0, 0.5 / cell - 0.5], [0, 1 / cell, 0.5 / cell - 0.5]])
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    planes = []
    for plane, factor in zip(cells, factors, strict=True):
        big = np.tile(plane, (reps_y, reps_x))
        if blocks and factor > 1:
            rows = (np.arange(height) // cell).astype(np.int64)
            columns = (np.arange(width) // cell).astype(np.int64)
            out = np.ascontiguousarray(big[rows][:, columns])
            # Softens the steps (1 px at 480p): less high frequency to see or to encode, while
            # each macroblock keeps most of its own value.
            planes.append(cv2.GaussianBlur(out, (0, 0), factor * cell / BLOCK_BLUR))
            continue
        out = cv2.warpAffine(big, matrix, (width, height), flags=flags, borderMode=cv2.BORDER_WRAP)
        # Rounds the bilinear ridges off: less high frequency to see or to encode.
        planes.append(cv2.GaussianBlur(out, (0, 0), factor * cell / 4))
    return np.stack(planes)


# ------------------------------------------------------------------------------ embedding


@functools.lru_cache(maxsize=4)
def unit_pattern(
    height: int, width: int, job_id: int, key: bytes, layout: Layout = LAYOUT
) -> np.ndarray:
    """(height + period, width + period, 3) float32: the mark in RGB, 1 level RMS per channel
    before masking, one tile period larger than the frame so it can be slid with the content."""
    cell = cell_size(height, width, layout)
    extra = tile_period(height, width, layout)
    cells = tile_cells(job_id, key, layout=layout)
    planes = render_cells(
        cells, height + extra, width + extra, cell, layout.cell_factors, layout.aligned
    )
    weighted = planes * np.array(layout.layer_weights, dtype=np.float32)[:, None, None]
    pattern = np.tensordot(weighted, DIRECTIONS, axes=(0, 0)).astype(np.float32)
    pattern /= max(float(np.sqrt(np.mean(pattern**2))), 1e-6)
    # Where the picture is flat (amplitude AMPLITUDE_FLAT) no pixel may move by more than
    # FLAT_LIMIT: the same as clipping the unit pattern once, here.
    limit = FLAT_LIMIT / AMPLITUDE_FLAT
    return np.clip(pattern, -limit, limit, out=pattern)


def tile_period(height: int, width: int, layout: Layout = LAYOUT) -> int:
    """The tile's period in whole pixels (exact when the short side is even or aligned)."""
    return max(1, round(TILE * cell_size(height, width, layout)))


def content_offsets(frames: np.ndarray) -> np.ndarray:
    """(T, 2) int: where the content has moved since the first frame (dy, dx), in pixels.

    Global translation only (pans, scrolls, shake), by phase correlation at half the size,
    smoothed, on the central part of the frame, against a reference frame, so that slow
    sub-pixel drifts add up. (At a quarter of the size, fine texture aliased and the estimate
    of a landscape pan came out twice too large, so it was rejected and the mark stood still
    over the moving picture: +29 % bitrate instead of +9 % on a 480p pan.) A displacement is
    kept only when it explains the new frame clearly better than no motion (moving objects on a
    still background must not drag the mark); otherwise the mark stays where it was, and the
    reference restarts from this frame.
    """
    count, height, width, _ = frames.shape
    factor = MOTION_SCALE
    small = (max(16, round(width / factor)), max(16, round(height / factor)))
    factor_x, factor_y = width / small[0], height / small[1]
    # The central 60 %: logos, captions and other overlays that stay put sit near the edges.
    centre = np.s_[
        small[1] // 5 : small[1] - small[1] // 5, small[0] // 5 : small[0] - small[0] // 5
    ]
    window = None
    offsets = np.zeros((count, 2), dtype=np.float64)
    reference, anchor = None, np.zeros(2)
    for index, frame in enumerate(frames):
        grey = cv2.cvtColor(
            cv2.resize(frame, small, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY
        ).astype(np.float32)[centre]
        # Fine texture aliases at this size and pulls the sub-pixel peak: compare it smoothed.
        grey = cv2.GaussianBlur(grey, (0, 0), 1.0)
        if window is None:
            window = cv2.createHanningWindow(grey.shape[::-1], cv2.CV_32F)
        offsets[index] = offsets[index - 1] if index else 0.0
        if reference is None:
            reference = grey
            continue
        # Copies: phaseCorrelate multiplies its inputs by the window in place.
        (dx, dy), _response = cv2.phaseCorrelate(reference.copy(), grey.copy(), window)
        moved = abs(dx) + abs(dy)
        if moved >= 0.1 and _explains(reference, grey, dx, dy):
            offsets[index] = anchor + (factor_y * dy, factor_x * dx)
            if moved > 0.05 * min(grey.shape):  # keep the overlap with the reference large
                reference, anchor = grey, offsets[index].copy()
        elif moved >= 1.0:  # a cut or local motion: the mark stays, measured from here
            reference, anchor = grey, offsets[index].copy()
    return np.rint(offsets).astype(np.int64)


def _explains(previous: np.ndarray, current: np.ndarray, dx: float, dy: float) -> bool:
    """Whether `previous` moved by (dx, dy) matches `current` clearly better than unmoved."""
    h, w = current.shape
    margin = int(np.ceil(max(abs(dx), abs(dy)))) + 1
    if 2 * margin >= min(h, w):
        return False
    moved = cv2.warpAffine(previous, np.float32([[1, 0, dx], [0, 1, dy]]), (w, h))
    inner = np.s_[margin : h - margin, margin : w - margin]
    still = float(np.mean(np.abs(current[inner] - previous[inner])))
    shifted = float(np.mean(np.abs(current[inner] - moved[inner])))
    return shifted < 0.8 * still


def local_texture(frame: np.ndarray) -> np.ndarray:
    """(H, W) float32: the RMS deviation of the luminance from its local mean over about a
    cell, measured at a quarter of the size (so film grain and noise average out)."""
    height, width = frame.shape[:2]
    small = (max(8, width // 4), max(8, height // 4))
    luma = cv2.cvtColor(
        cv2.resize(frame, small, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY
    ).astype(np.float32)
    cell = cell_size(height, width) / 4
    detail = luma - cv2.GaussianBlur(luma, (0, 0), cell)
    texture = np.sqrt(cv2.GaussianBlur(detail * detail, (0, 0), cell))
    return cv2.resize(texture, (width, height), interpolation=cv2.INTER_LINEAR)


def is_flat(frame: np.ndarray) -> np.ndarray:
    """(H, W) bool: where the picture counts as flat (the mark is weakest there)."""
    return local_texture(frame) <= TEXTURE_FLOOR


def amplitude(frame: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """(H, W) float32: how strong the mark may be at each pixel, in levels (RMS per channel):
    AMPLITUDE_FLAT where the picture is flat, more with local texture, up to AMPLITUDE_MAX."""
    texture = local_texture(frame)
    # Grain and noise below TEXTURE_FLOOR count as flat: a constant amplitude there keeps the
    # pixels the mark moves by one code value the same from frame to frame (cheap to encode).
    amp = AMPLITUDE_FLAT + TEXTURE_GAIN * np.maximum(texture - TEXTURE_FLOOR, 0)
    np.minimum(amp, AMPLITUDE_MAX, out=amp)
    amp *= strength
    rms = float(np.sqrt(np.mean(amp * amp)))
    if rms > MAX_RMS * strength:
        amp *= MAX_RMS * strength / rms
    return amp


def embed_frames(
    frames: np.ndarray,
    job_id: int,
    key: bytes,
    *,
    strength: float = 1.0,
    small_side: int = SMALL_SIDE,
    after: np.ndarray | None = None,
    layout: Layout = LAYOUT,
) -> np.ndarray:
    """A marked copy of `frames` ((T, H, W, 3) uint8 RGB) naming `job_id` under `key`.

    The pattern slides with the content's global motion (whole pixels, modulo the tile), so
    the encoder predicts it along with the picture instead of paying for it in every frame.
    Frames whose short side is under `small_side` get the first version's mark instead, which
    reads better where a tile barely fits (the tiny demo models' outputs).

    `after`: frames that come just before these and already carry `job_id`'s mark (the end of
    the video an extension continues). The pattern goes on from where it is in their last
    frame, as if the whole had been marked in one piece: a detector that follows the content's
    motion across the join then finds one pattern, not two out of step.
    """
    frames = np.ascontiguousarray(frames, dtype=np.uint8)
    _count, height, width, channels = frames.shape
    if channels != 3:
        raise ValueError("expected (T, H, W, 3) frames")
    if min(height, width) < max(small_side, MIN_SIZE):
        return invisible.embed_frames(frames, job_id, key)
    pattern = unit_pattern(height, width, job_id, bytes(key), layout)
    period = tile_period(height, width, layout)
    motion = content_offsets(frames)
    offsets = -motion % period
    context, context_motion = frames, motion
    if after is not None and after.shape[1:] == frames.shape[1:]:
        start = np.array(mark_offset(after, job_id, key, layout))
        jump = content_offsets(np.stack([after[-1], frames[0]]))[1]
        offsets = (offsets + start - jump) % period
        # The source's tail and these frames as one clip, without copying them (a 5-s 1080p
        # extension is 750 MB of frames).
        before = content_offsets(after)
        context = [*after, *frames]
        context_motion = np.concatenate([before, before[-1] + jump + motion])
    # Where the picture holds nothing that moves (a clear sky under a pan), the pattern stays
    # put: one window for every frame, the first's (see `still_weight`).
    still = still_weight(context, context_motion, layout)
    if still is not None:
        fixed = still[..., None] * pattern[:height, :width]
        follows = np.repeat(1 - still[..., None], 3, axis=2)
        mixed = np.empty_like(fixed)
    out = np.empty_like(frames)
    delta = np.empty((height, width, 3), dtype=np.float32)
    for index, frame in enumerate(frames):
        top, left = offsets[index]
        window = pattern[top : top + height, left : left + width]
        if still is not None:
            window = cv2.add(cv2.multiply(follows, window, dst=mixed), fixed, dst=mixed)
        np.multiply(window, amplitude(frame, strength)[..., None], out=delta)
        cv2.add(frame, delta, dst=out[index], dtype=cv2.CV_8U)  # rounds and saturates
    return out


def still_weight(frames, motion: np.ndarray, layout: Layout = LAYOUT) -> np.ndarray | None:
    """(H, W) float32 from 0 to 1: how far the pattern should stay put at each pixel instead
    of sliding with the content's global `motion` ((T, 2), `content_offsets`); None where
    nothing moves (the pattern stands still everywhere then). `frames`: (T, H, W, 3) uint8, as
    an array or a sequence of frames.

    x264 predicts a featureless area (a clear sky, a smooth gradient) from where it was, and
    its adaptive quantiser codes such areas finely: a pattern sliding over it in whole-pixel
    steps is a new picture to code in every frame there (a 1080p pan with a clear sky: +17 %
    against +8.5 % held still; docs/BENCHMARKS.md). So the pattern follows the content only
    where the content's detail at about a cell's scale (a band of its luminance, grain and
    gradients left out) is explained better by the content's motion than by none, each frame
    compared with the latest earlier one the content moved STILL_SHIFT px from; clouds drifting
    slowly over a sky are detail that moves, and the pattern follows them.
    """
    count, (height, width) = len(frames), frames[0].shape[:2]
    if count < 2 or not np.any(motion):
        return None
    # A whip pan: x264 carries even a featureless area along with the motion around it, the
    # pattern held still there saved 1 to 3 % and cost reads (docs/BENCHMARKS.md).
    steps = np.abs(np.diff(motion, axis=0)).max(axis=1)
    if float(np.mean(steps)) > STILL_FASTEST * min(height, width):
        return None
    # At a quarter of the size: the detail that matters is a cell or more across.
    small = (max(16, round(width / 4)), max(16, round(height / 4)))
    cell = cell_size(height, width, layout) * small[0] / width

    def band(frame):
        grey = cv2.cvtColor(
            cv2.resize(frame, small, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY
        ).astype(np.float32)
        return cv2.GaussianBlur(grey, (0, 0), cell / 2) - cv2.GaussianBlur(grey, (0, 0), 2 * cell)

    unmoved = np.zeros(small[::-1], np.float32)
    moved = np.zeros_like(unmoved)
    seen = np.zeros_like(unmoved)
    scale = np.array([small[1] / height, small[0] / width])
    earlier = collections.deque(maxlen=STILL_BACK)  # (motion, band) of earlier frames
    for position, frame in zip(motion, frames, strict=True):
        detail = band(frame)
        # The latest earlier frame the content has moved STILL_SHIFT px or more from (or the
        # earliest kept): slow drifts show, and little has come into view since.
        while len(earlier) > 1 and np.abs(position - earlier[1][0]).max() >= STILL_SHIFT:
            earlier.popleft()
        then, before = earlier[0] if earlier else (position, detail)
        earlier.append((position, detail))
        dy, dx = (position - then) * scale
        if dy == 0 and dx == 0:
            continue
        step = np.float32([[1, 0, dx], [0, 1, dy]])
        shifted = cv2.warpAffine(before, step, small)
        # Only where the earlier frame saw what this one shows (not what has come in since).
        inside = cv2.warpAffine(np.ones_like(unmoved), step, small) > 0.99
        unmoved += inside * np.abs(detail - before)
        moved += inside * np.abs(detail - shifted)
        seen += inside
    unmoved = cv2.GaussianBlur(unmoved, (0, 0), cell)
    moved = cv2.GaussianBlur(moved, (0, 0), cell)
    seen = cv2.GaussianBlur(seen, (0, 0), cell)
    # STILL_TOLERANCE levels a frame: what grain and the codec leave of a featureless area.
    # Where no two frames showed the same content (the edge a pan uncovers), it follows.
    still = (unmoved <= STILL_RATIO * moved + STILL_TOLERANCE * seen) & (seen > 0.5)
    still = still.astype(np.float32)
    still = cv2.GaussianBlur(still, (0, 0), cell)
    return cv2.resize(still, (width, height), interpolation=cv2.INTER_LINEAR)


def mark_offset(
    frames: np.ndarray, job_id: int, key: bytes, layout: Layout = LAYOUT
) -> tuple[int, int]:
    """(top, left): the window of the unit pattern that `embed_frames` added to the last of
    `frames` ((T, H, W, 3) uint8, marked for `job_id` in one piece, perhaps encoded since).

    Each frame's detail is moved by the content's motion to where the last frame's pattern
    is, folded onto one tile, and the sum correlated with the pattern's tile at every cyclic
    shift (by FFT): more frames, a surer answer where encoding has weakened the mark.
    """
    _count, height, width, _ = frames.shape
    period = tile_period(height, width, layout)
    tile = unit_pattern(height, width, job_id, bytes(key), layout)[:period, :period]
    motion = np.rint(content_offsets(frames)).astype(np.int64)
    # Only where the pattern follows the content: where it stays put, its window is the
    # first's whatever the motion (`embed_frames`).
    still = still_weight(frames, motion, layout)
    follows = 1.0 if still is None else (1 - still)[..., None]
    folded = np.zeros((period, period, 3), np.float32)
    padded = np.zeros((-(-height // period) * period, -(-width // period) * period, 3), np.float32)
    for frame, moved in zip(frames, motion[-1] - motion, strict=True):
        pixels = frame.astype(np.float32)
        padded[:height, :width] = follows * (
            pixels - cv2.GaussianBlur(pixels, (0, 0), cell_size(height, width, layout))
        )
        tiles = padded.reshape(padded.shape[0] // period, period, -1, period, 3).sum(axis=(0, 2))
        # Pixel (y, x) of this frame carries the pattern of the last frame at (y, x) + moved.
        folded += np.roll(tiles, tuple(moved), axis=(0, 1))
    spectrum = np.conj(np.fft.fft2(folded, axes=(0, 1))) * np.fft.fft2(tile, axes=(0, 1))
    score = np.fft.ifft2(spectrum, axes=(0, 1)).real.sum(axis=2)
    top, left = np.unravel_index(int(np.argmax(score)), score.shape)
    return int(top), int(left)


def embed_image(
    image: Image.Image, job_id: int, key: bytes, layout: Layout = LAYOUT
) -> Image.Image:
    """A marked RGB copy of `image` naming `job_id` under `key`."""
    frames = np.asarray(image.convert("RGB"))[None]
    return Image.fromarray(embed_frames(frames, job_id, key, layout=layout)[0])
