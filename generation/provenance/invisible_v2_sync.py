"""Reading the tiled mark (versions 2 and 3): find the tile's geometry (scale, angle, mirror,
offset), then decode. See `invisible_v2.py` for the mark and `invisible_v3.py` for its layout.

1. Residual. Each frame is brought to a working size (WORK_SHORT px on its short side), split
   into the three colour layers, and reduced to its detail at the mark's scale (a band-pass),
   divided by the detail's local energy, so textured and flat regions weigh alike. The residuals
   of all frames are summed four ways: as they are (a mark that stayed put), each moved back by
   the content's motion measured on these frames (the embedder slid the mark with it), the
   latter in groups of GROUP frames, each group rolled to its own pilot peak (where the two
   motion estimates part), and the first two mixed pixel by pixel by where the picture has
   no moving detail (`invisible_v2.still_weight` of these frames: the embedder held the mark
   still there and slid it elsewhere; these candidates are tried first). Moving content
   averages out, the mark adds up.
2. Geometry candidates. The tile repeats, so the residual's autocorrelation has peaks on the
   tile's lattice; the period and angle that put the most autocorrelation on the lattice are the
   candidates, with the period the frame's own size implies and, when black borders are found,
   the period the bordered content's size implies.
3. Fold and pilot. For each candidate, refined a little in scale and angle, and mirrored, the
   residual is resampled onto the tile's grid (two samples per cell) and folded onto one tile;
   each nonce's pilot is correlated with it over every cyclic shift (the crop offset).
4. Decode. The candidates whose pilot stands out most are decoded in turn; the first whose
   check value matches is the answer. At most MAX_DECODES are decoded, the first ones with a
   list decoder (LIST_SIZES); CHECKS payloads in all (the false-match bound).
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
from PIL import Image

from . import ecc
from .invisible import DIRECTIONS, LAYERS, Detection
from .invisible_v2 import (
    CODED_BITS,
    LAYOUT,
    NONCES,
    TILE,
    Layout,
    carrier,
    check_value,
    content_offsets,
    read_payload,
    still_weight,
)

WORK_SHORT = 384  # working short side, px (a nominal cell: 8 px in version 2, 6.4 in 3)
PERIODS = (0.45, 1.3)  # tile periods searched, relative to the nominal one
ANGLES = np.deg2rad(np.arange(-3.0, 3.01, 0.5))
SAMPLES = 2 * TILE  # folded tile: two samples per cell
MAX_FRAMES = 32
SEARCH_FRAMES = 6  # frames whose spectra are summed to find the lattice
# Payloads checked per decoded candidate, in the order the candidates are tried: the first
# candidates get the list decoder's next likeliest paths too (the check value is its CRC).
# Each payload checked matches by chance with probability 2^-24, so CHECKS x 2^-24 bounds
# the false matches per input. (16, 8, 4) rather than (4, 4, 4): after crf 35 or a letterbox
# at 480p, the sent payload was often 5th to 16th in the first candidates' lists (docs/
# BENCHMARKS.md, "Longer lists"); a list of 64 everywhere would cost 25 times the bound.
LIST_SIZES = (16, 8, 4, 1, 1, 1)
MAX_DECODES = len(LIST_SIZES)
CHECKS = sum(LIST_SIZES)
GROUP = 3  # frames per group when groups are aligned by their own pilot
AC_PEAKS = 3
MIN_BORDERS = 0.15  # letterbox or pillarbox bars this wide are cropped off before reading
REFINED = 3  # geometries refined in scale and angle, per search
REFINE_SCALES = np.exp(np.linspace(-0.04, 0.04, 17))
REFINE_TURNS = np.deg2rad(np.arange(-1.0, 1.01, 0.25))
_NORMS = np.linalg.norm(DIRECTIONS, axis=1)


def detect_frames(frames: np.ndarray, key: bytes, layout: Layout = LAYOUT) -> Detection | None:
    """The job named by a mark of `layout` (version 2 unless told) in `frames` ((T, H, W, 3)
    uint8 RGB), or None."""
    frames = np.asarray(frames, dtype=np.uint8)
    if frames.ndim == 3:
        frames = frames[None]
    frames = frames[..., :3]
    if not len(frames) or min(frames.shape[1:3]) < 32:
        return None
    if len(frames) > MAX_FRAMES:
        frames = frames[np.linspace(0, len(frames) - 1, MAX_FRAMES).round().astype(int)]
    # Fewer candidates than MAX_DECODES may be found: zip stops at the shorter.
    for candidate, list_size in zip(candidates(frames, key, layout), LIST_SIZES, strict=False):
        result = decode(candidate, key, len(frames), layout, list_size)
        if result is not None:
            return result
    return None


def detect_image(image: Image.Image, key: bytes, layout: Layout = LAYOUT) -> Detection | None:
    return detect_frames(np.asarray(image.convert("RGB"))[None], key, layout)


def candidates(frames: np.ndarray, key: bytes, layout: Layout = LAYOUT) -> list[dict]:
    """The geometries to decode, best first: at most MAX_DECODES, no two the same."""
    key = bytes(key)
    frames, outer = crop_to_content(frames)
    residuals = frame_residuals(frames, layout)
    still = residuals.sum(axis=0)
    plain = pilot_search(still, geometries(still, residuals, outer, layout), key, layout)
    # The embedder slid the mark with the content's motion; follow the same motion here (on the
    # frames read) and the mark adds up again. A mark that stayed put adds up in the plain sum.
    offsets = content_offsets(frames)
    followed = _follow_content(frames, residuals, offsets)
    moved, mixed = [], []
    if followed is not None:
        total = followed.sum(axis=0)
        moved = pilot_search(total, geometries(total, residuals, outer, layout), key, layout)
        # Where the two motion estimates part (a hesitant start, a step one frame apart),
        # groups of frames are aligned by their own pilot instead, for the nonces found.
        nonces = dict.fromkeys((plain[0]["nonce"], moved[0]["nonce"]))
        moved[1:1] = [regroup(followed, moved[0], nonce, key, layout) for nonce in nonces]
        # The embedder held the pattern still where the picture has no moving detail (a clear
        # sky) and slid it elsewhere: the same choice, made on the frames read, adds up both.
        weight = still_weight(frames, offsets, layout)
        if weight is not None:
            weight = cv2.resize(weight, still.shape[:0:-1], interpolation=cv2.INTER_AREA)
            both = weight * still + (1 - weight) * total
            mixed = pilot_search(both, geometries(both, residuals, outer, layout), key, layout)
    for candidate in mixed:
        candidate["mixed"] = True  # the same geometry as a plain one, read from another sum
    chosen = []
    for candidate in _interleave(mixed, plain, moved):
        if len(chosen) >= MAX_DECODES:
            break
        if not any(_same(candidate, other) for other in chosen):
            chosen.append(candidate)
    return chosen


def regroup(
    aligned: np.ndarray, best: dict, nonce: int, key: bytes, layout: Layout = LAYOUT
) -> dict:
    """`best`'s geometry, with the frames folded in groups of GROUP, each group rolled to its
    own peak of `nonce`'s pilot, then summed."""
    p, a, flip = best["period"], best["angle"], best["flip"]
    total = np.zeros((LAYERS, SAMPLES, SAMPLES), dtype=np.float32)
    for start in range(0, len(aligned), GROUP):
        folded = fold(aligned[start : start + GROUP].sum(axis=0), p, a, flip)
        _z, peaks = pilot_match(folded, key, layout)
        shift = np.unravel_index(peaks[nonce], folded.shape[1:])
        total += np.roll(folded, (-int(shift[0]), -int(shift[1])), axis=(1, 2))
    z, peaks = pilot_match(total, key, layout)
    return {
        "z": float(z[nonce]),
        "flip": flip,
        "period": p,
        "angle": a,
        "nonce": nonce,
        "shift": np.unravel_index(peaks[nonce], total.shape[1:]),
        "folded": total,
        "regrouped": True,
    }


def _follow_content(
    frames: np.ndarray, residuals: np.ndarray, offsets: np.ndarray
) -> np.ndarray | None:
    """The residuals, each moved back by the content's motion since the first frame
    (`offsets`, `content_offsets`), or None when the content did not move."""
    if not offsets.any():
        return None
    scale = residuals.shape[2] / frames.shape[1]
    h, w = residuals.shape[2:]
    out = np.empty_like(residuals)
    for index, (dy, dx) in enumerate(offsets * scale):
        matrix = np.float32([[1, 0, -dx], [0, 1, -dy]])
        for layer, plane in enumerate(residuals[index]):
            out[index, layer] = cv2.warpAffine(plane, matrix, (w, h))
    return out


def _interleave(*lists: list):
    for index in range(max(map(len, lists))):
        yield from (group[index] for group in lists if index < len(group))


def _same(a: dict, b: dict) -> bool:
    return (
        a.get("mixed", False) == b.get("mixed", False)
        and a.get("regrouped", False) == b.get("regrouped", False)
        and a["flip"] == b["flip"]
        and a["nonce"] == b["nonce"]
        and abs(np.log(a["period"] / b["period"])) < 0.02
        and abs(a["angle"] - b["angle"]) < np.deg2rad(0.6)
    )


# ------------------------------------------------------------------------------ residual


def working_size(height: int, width: int) -> tuple[int, int]:
    scale = WORK_SHORT / min(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def crop_to_content(frames: np.ndarray) -> tuple[np.ndarray, float]:
    """`frames` cropped to the picture inside uniform borders (letterbox or pillarbox bars)
    that take MIN_BORDERS or more of the height or width, and the tile period the other
    reading implies relative to the nominal one: the whole frame's short side over the
    picture's; for narrower borders, the frames as they are and the inverse (1.0 without).

    The detector then reads the picture at its working size: a 480p clip letterboxed into a
    9:16 frame is 270 px tall, and read at the whole frame's working size its cells fell to
    4 px, under what the residual's band-pass keeps."""
    count, height, width, _ = frames.shape
    h, w = working_size(height, width)
    chosen = _spread(frames, min(count, 8))
    mean = sum(
        cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) for f in chosen
    )
    top, left, bottom, right = _content_box(mean / len(chosen))
    if (top, left, bottom, right) == (0, 0, h, w):
        return frames, 1.0
    # Back to frame px, a working px inside each border found (the encoder rings at its edge).
    scale_y, scale_x = height / h, width / w
    y0 = int(np.ceil((top + 1) * scale_y)) if top else 0
    x0 = int(np.ceil((left + 1) * scale_x)) if left else 0
    y1 = int((bottom - 1) * scale_y) if bottom < h else height
    x1 = int((right - 1) * scale_x) if right < w else width
    inner = min(y1 - y0, x1 - x0)
    if inner < 32:
        return frames, 1.0
    if y1 - y0 > (1 - MIN_BORDERS) * height and x1 - x0 > (1 - MIN_BORDERS) * width:
        # Narrow borders may be the picture's own (the top of a clear sky): read the whole
        # frame as before, with the picture's period as one more candidate.
        return frames, inner / min(height, width)
    return frames[:, y0:y1, x0:x1], min(height, width) / inner


def frame_residuals(frames: np.ndarray, layout: Layout = LAYOUT) -> np.ndarray:
    """(T, LAYERS, h, w) float32: each frame's locally normalised detail at the working size;
    a layer of larger cells keeps detail as much larger."""
    count, height, width, _ = frames.shape
    h, w = working_size(height, width)
    interpolation = cv2.INTER_AREA if h < height else cv2.INTER_LINEAR
    out = np.empty((count, LAYERS, h, w), dtype=np.float32)
    for index, frame in enumerate(frames):
        small = cv2.resize(np.ascontiguousarray(frame), (w, h), interpolation=interpolation)
        small = small.astype(np.float32)
        layers = (small @ DIRECTIONS.T) / _NORMS
        for layer, factor in enumerate(layout.cell_factors):
            plane = layers[..., layer]
            wide = 25 * factor | 1
            detail = cv2.GaussianBlur(plane, (0, 0), 1.0) - cv2.stackBlur(plane, (wide, wide))
            out[index, layer] = detail / np.sqrt(_local_mean(detail * detail) + 0.05)
    return out


def _local_mean(plane: np.ndarray) -> np.ndarray:
    """A wide local mean (about 12 px sigma), computed at a quarter of the size."""
    h, w = plane.shape
    small = cv2.resize(plane, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), 3.0), (w, h), interpolation=cv2.INTER_LINEAR)


def _content_box(mean: np.ndarray) -> tuple[int, int, int, int]:
    """The part of the picture inside uniform borders (letterbox or pillarbox bars)."""
    grey = mean.mean(axis=2)
    h, w = grey.shape

    def run(lines: np.ndarray) -> int:
        first = lines[0].mean()
        for index, line in enumerate(lines):
            # Bars stay within a level of their first line, even encoded; the dark sky at the
            # top of a night scene drifts by more within a few percent of the height, so it is
            # never taken for wide bars (it was, and crops of night clips were read mis-scaled).
            if line.std() > 1.0 or abs(line.mean() - first) > 1.0:
                return index
        return len(lines)

    top, bottom = run(grey), run(grey[::-1])
    left, right = run(grey.T), run(grey.T[::-1])
    # A 16:9 picture letterboxed into a 9:16 frame leaves 68 % of its height to the bars.
    if top + bottom > 0.8 * h or left + right > 0.8 * w:
        return 0, 0, h, w
    return top, left, h - bottom, w - right


# ------------------------------------------------------------------------------ geometry


def nominal_period(layout: Layout = LAYOUT) -> float:
    """The tile's period in working px (a cell is a fixed share of the short side); the
    periods searched are relative to it."""
    return TILE * WORK_SHORT / layout.short_side_cells


def geometries(
    still: np.ndarray, residuals: np.ndarray, outer: float, layout: Layout = LAYOUT
) -> list[tuple[float, float]]:
    """Candidate (tile period in working px, angle in radians), most likely first. `outer`:
    the period relative to the nominal one if the borders found were (or were not) part of
    the marked picture (see `crop_to_content`)."""
    h, w = still.shape[1:]
    nominal = nominal_period(layout)
    # The period the picture's own size implies, at every angle searched: a tile is two thirds
    # of the short side, so a frame holds too few for the autocorrelation to always find it.
    found = [(nominal, float(angle)) for angle in ANGLES[np.argsort(np.abs(ANGLES))]]
    if outer != 1.0:
        found.append((nominal * outer, 0.0))
    # The sum's spectrum sees a mark that stayed put; the frames' summed spectra one that moved.
    # At half the working size: the lattice's peaks are a cell (3 px or more) wide.
    spectra = [_power(still)]
    if len(residuals) > 1:
        spectra.append(sum(_power(frame) for frame in _spread(residuals, SEARCH_FRAMES)))
    for power in spectra:
        for period, angle in _lattice_peaks(power, h // 2, w // 2, nominal):
            found.append((period, angle))
            if period / 2 >= PERIODS[0] * nominal:
                found.append((period / 2, angle))
    unique = []
    for period, angle in found:
        if not any(abs(np.log(period / p)) < 0.015 and abs(angle - a) < 0.01 for p, a in unique):
            unique.append((period, angle))
    return unique


def _spread(residuals: np.ndarray, count: int) -> np.ndarray:
    return residuals[np.linspace(0, len(residuals) - 1, count).round().astype(int)]


def _power(residual: np.ndarray) -> np.ndarray:
    """The summed power spectrum of the layers, at half the size (2x2 sums)."""
    _layers, h, w = residual.shape
    half = residual[:, : h // 2 * 2, : w // 2 * 2].reshape(LAYERS, h // 2, 2, w // 2, 2)
    return (np.abs(np.fft.rfft2(half.sum(axis=(2, 4)))) ** 2).sum(axis=0)


def _lattice_peaks(power: np.ndarray, h: int, w: int, nominal: float) -> list[tuple[float, float]]:
    """The AC_PEAKS (period, angle) whose lattice collects the most autocorrelation; `power`
    is at half the working size, the periods returned are in working px."""
    ac = np.fft.irfft2(power, s=(h, w))
    ac /= max(float(ac[0, 0]), 1e-9)
    low, high = (
        PERIODS[0] * nominal / 2,
        min(PERIODS[1] * nominal / 2, 0.9 * max(h, w)),
    )
    periods = np.exp(np.arange(np.log(low), np.log(high), 0.01))
    p, a = np.meshgrid(periods, ANGLES, indexing="ij")
    cos, sin = np.cos(a), np.sin(a)
    score = np.zeros_like(p)
    for ux, uy in ((1, 0), (0, 1), (1, 1), (1, -1)):
        dx = p * (ux * cos - uy * sin)
        dy = p * (ux * sin + uy * cos)
        score += _bilinear(ac, dy, dx)
    peaks = []
    flat = np.argsort(score, axis=None)[::-1]
    for index in flat:
        i, j = np.unravel_index(index, score.shape)
        if all(abs(i - pi) > 3 or abs(j - pj) > 1 for pi, pj in peaks):
            peaks.append((i, j))
        if len(peaks) >= AC_PEAKS:
            break
    return [(2 * float(periods[i]), float(ANGLES[j])) for i, j in peaks]


def _bilinear(image: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """`image` (periodic) at fractional positions."""
    h, w = image.shape
    y0, x0 = np.floor(y).astype(int), np.floor(x).astype(int)
    fy, fx = y - y0, x - x0
    out = 0.0
    for oy, wy in ((0, 1 - fy), (1, fy)):
        for ox, wx in ((0, 1 - fx), (1, fx)):
            out = out + wy * wx * image[(y0 + oy) % h, (x0 + ox) % w]
    return out


# ------------------------------------------------------------------------------ fold and pilot


def fold(residual: np.ndarray, period: float, angle: float, flip: bool) -> np.ndarray:
    """(LAYERS, SAMPLES, SAMPLES): the residual resampled onto the tile grid and folded;
    `flip` reads it mirrored left to right."""
    h, w = residual.shape[1:]
    step = period / SAMPLES
    cos, sin = np.cos(angle), np.sin(angle)
    out_w = int(np.ceil((w * abs(cos) + h * abs(sin)) / step / SAMPLES)) * SAMPLES
    out_h = int(np.ceil((w * abs(sin) + h * abs(cos)) / step / SAMPLES)) * SAMPLES
    linear = np.array([[cos, -sin], [sin, cos]]) * step
    if flip:
        linear[0] *= -1
    centre_in = np.array([(w - 1) / 2, (h - 1) / 2])
    centre_out = np.array([(out_w - 1) / 2, (out_h - 1) / 2])
    matrix = np.hstack([linear, (centre_in - linear @ centre_out)[:, None]])
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    folded = np.empty((LAYERS, SAMPLES, SAMPLES), dtype=np.float32)
    for index, plane in enumerate(residual):
        grid = cv2.warpAffine(plane, matrix, (out_w, out_h), flags=flags)
        rows, cols = out_h // SAMPLES, out_w // SAMPLES
        folded[index] = grid.reshape(rows, SAMPLES, cols, SAMPLES).sum(axis=(0, 2))
    return folded


@functools.lru_cache(maxsize=16)
def pilot_spectra(key: bytes, layout: Layout = LAYOUT) -> np.ndarray:
    """(NONCES, LAYERS, SAMPLES, SAMPLES // 2 + 1): conjugate spectra of each nonce's pilot,
    drawn on the folded tile's grid."""
    spectra = []
    for nonce in range(NONCES):
        chips, pilot, _owner = carrier(key, nonce, layout)
        drawn = _draw(np.where(pilot, chips, 0.0).astype(np.float32))
        spectra.append(np.conj(np.fft.rfft2(drawn)))
    return np.stack(spectra)


_KERNEL = np.outer([0.5, 1.0, 0.5], [0.5, 1.0, 0.5]).astype(np.float32)


def _draw(cells: np.ndarray) -> np.ndarray:
    """(LAYERS, SAMPLES, SAMPLES): cells at even samples, bilinear in between (cyclic)."""
    out = np.zeros((cells.shape[0], SAMPLES, SAMPLES), dtype=np.float32)
    out[:, ::2, ::2] = cells
    for axis in (1, 2):
        out = 0.5 * np.roll(out, 1, axis=axis) + out + 0.5 * np.roll(out, -1, axis=axis)
    return out


def _refine(residual: np.ndarray, best: dict, key: bytes, layout: Layout) -> list[dict]:
    """`best` refined by a coordinate search: its scale over +-4 % (a crop without rescaling
    changes the period the frame's size implies by as much), then its angle over +-1 degree,
    then both finely. Every candidate tried is returned."""
    flip, period, angle = best["flip"], best["period"], best["angle"]
    tried = []
    for scales, turns in (
        (REFINE_SCALES, (0.0,)),
        ((1.0,), REFINE_TURNS),
        (np.exp(np.linspace(-0.006, 0.006, 5)), np.deg2rad((-0.125, 0.0, 0.125))),
    ):
        step = [
            _static_candidate(residual, (flip, period * scale, angle + turn), key, layout)
            for scale in scales
            for turn in turns
        ]
        tried += step
        top = max(step, key=lambda c: c["z"])
        period, angle = top["period"], top["angle"]
    return tried


def _coarse(shapes: list) -> list[tuple[bool, float, float]]:
    return [(flip, p, a) for p, a in shapes for flip in (False, True)]


def pilot_match(
    folded: np.ndarray, key: bytes, layout: Layout = LAYOUT
) -> tuple[np.ndarray, np.ndarray]:
    """Per nonce: how far the best cyclic shift's pilot correlation stands out (z, in standard
    deviations of the correlation surface), and that shift (flat index)."""
    spectrum = np.fft.rfft2(folded)  # (LAYERS, S, S//2+1)
    spectra = pilot_spectra(key, layout)
    surfaces = np.fft.irfft2((spectrum[None] * spectra).sum(axis=1), s=folded.shape[1:])
    flat = surfaces.reshape(NONCES, -1)
    peaks = flat.argmax(axis=1)
    z = (flat[np.arange(NONCES), peaks] - flat.mean(axis=1)) / (flat.std(axis=1) + 1e-9)
    return z, peaks


def pilot_search(
    residual: np.ndarray, shapes: list, key: bytes, layout: Layout = LAYOUT
) -> list[dict]:
    """The best pilot match for each geometry, mirrored or not; the REFINED best of those are
    refined a little in scale and angle."""
    coarse = [_static_candidate(residual, setting, key, layout) for setting in _coarse(shapes)]
    coarse.sort(key=lambda c: -c["z"])
    fine = [c for best in coarse[:REFINED] for c in _refine(residual, best, key, layout)]
    return sorted(coarse + fine, key=lambda c: -c["z"])


def _static_candidate(residual: np.ndarray, setting: tuple, key: bytes, layout: Layout) -> dict:
    flip, period, angle = setting
    folded = fold(residual, period, angle, flip)
    z, peaks = pilot_match(folded, key, layout)
    nonce = int(np.argmax(z))
    return {
        "z": float(z[nonce]),
        "flip": flip,
        "period": period,
        "angle": angle,
        "nonce": nonce,
        "shift": np.unravel_index(peaks[nonce], folded.shape[1:]),
        "folded": folded,
    }


# ------------------------------------------------------------------------------ decode


def cell_values(folded: np.ndarray, shift: tuple[int, int]) -> np.ndarray:
    """(LAYERS, TILE, TILE): each cell's matched-filter value, the tile aligned by `shift`."""
    aligned = np.roll(folded, (-int(shift[0]), -int(shift[1])), axis=(1, 2))
    filtered = np.zeros_like(aligned)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            filtered += _KERNEL[dy + 1, dx + 1] * np.roll(aligned, (-dy, -dx), axis=(1, 2))
    return filtered[:, ::2, ::2]


def _layer_weight(pilots: np.ndarray) -> float:
    """A layer's weight from its pilot cells' values (chips removed): mean over variance,
    none when the mean is not positive (the layer does not carry the mark as read)."""
    mean = float(pilots.mean())
    return max(mean, 0.0) / (float(pilots.var()) + 1e-9)


def decode(
    candidate: dict, key: bytes, frames_used: int, layout: Layout = LAYOUT, list_size: int = 1
) -> Detection | None:
    """The job named by `candidate`'s folded tile: the first of the `list_size` likeliest
    payloads whose check value matches, or None."""
    nonce = candidate["nonce"]
    chips, pilot, owner = carrier(key, nonce, layout)
    cells = cell_values(candidate["folded"], candidate["shift"]) * chips
    # Each layer weighed by how clearly its pilot reads (signal over noise variance): after
    # heavy encoding at 480p the colour layers carry little, and counting them as much as the
    # luminance drowns its bits (maximal-ratio combining).
    weights = np.array(
        [_layer_weight(layer[known]) for layer, known in zip(cells, pilot, strict=True)]
    )
    data = ~pilot
    weighted = cells * weights[:, None, None]
    soft = np.bincount(owner[data], weights=weighted[data], minlength=CODED_BITS)
    if not np.any(soft):
        return None
    for bits in ecc.decode_list(soft, list_size):
        job_id, check = read_payload(bits, nonce, key, layout)
        if check == check_value(job_id, nonce, key, layout):
            signs = 2.0 * ecc.encode(bits) - 1.0
            score = float(signs @ soft / (np.linalg.norm(soft) * np.sqrt(CODED_BITS)))
            return Detection(
                job_id=job_id, score=round(score, 4), frames_used=frames_used, version=layout.number
            )
    return None
