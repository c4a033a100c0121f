"""The invisible mark, version 3: what every output carries (frames with a short side of 256 px
or more; smaller ones keep version 1). Version 2's payload, tile, masking, motion and detector
(`invisible_v2.py`, `invisible_v2_sync.py`) with a layout of its own, made to survive a second
encode at crf 35 at 480p, where version 2 was lost on most clips (docs/BENCHMARKS.md, "Invisible
watermark, version 3").

What changes from version 2:
- The colour layers' cells are drawn as blocks from the frame's corner, barely blurred, each 2 x 2
  of the tile's cells, and a cell is 1/60 of the short side (version 2: 1/48, drawn smooth): at
  480p a colour cell is exactly one 16-px macroblock of the frame as it is encoded. H.264 codes
  a macroblock's colour as one DC value, quantised finely, plus detail, quantised coarsely: a
  colour cell that is a macroblock keeps its value through an intra frame at crf 35, where
  version 2's 10-px cells, straddling macroblocks, were averaged away with the detail. A 720p or
  1080p output has 24- or 36-px colour cells, which are macroblocks again once a re-post scales
  it down to 480p (and at those sizes the cells are large enough for crf 35 as they are).
- Energy moves from luminance to colour (weights 0.4 : 1 : 1 instead of 1 : 0.8 : 0.8): the
  picture's own luminance detail moves with the mark, so summing frames does not average it
  away, while colour is read through far less of the picture. The total strength, the flat-area
  limit (one code value) and the masking are version 2's.
- Every keyed value (nonce, check value, scrambling, carrier) is drawn under its own domain
  ("invisible-mark/v3/"), so version 3 and version 2 patterns are unrelated and each detector
  finds only its own. (An earlier prototype used this number in the bench only; no output
  carried it.)

False matches, by construction: as version 2, at most CHECKS (31) payloads checked, each
matching with probability 2^-24: 1.9e-6 per input for this version (the check page's chain of
versions 3, 2 and 1 adds up in `marks.py`).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from . import invisible_v2, invisible_v2_sync
from .invisible import Detection
from .invisible_v2 import Layout

LAYOUT = Layout(
    number=3,
    domain=b"invisible-mark/v3/",
    cell_factors=(1, 2, 2),
    layer_weights=(0.4, 1.0, 1.0),
    short_side_cells=60,
    aligned=True,
)


def nonce_for(job_id: int, key: bytes) -> int:
    return invisible_v2.nonce_for(job_id, key, LAYOUT)


def tile_cells(job_id: int, key: bytes, nonce: int | None = None) -> np.ndarray:
    return invisible_v2.tile_cells(job_id, key, nonce, LAYOUT)


def embed_frames(frames: np.ndarray, job_id: int, key: bytes, **options) -> np.ndarray:
    """A marked copy of `frames` naming `job_id` under `key` (`invisible_v2.embed_frames`'s
    options: strength, small_side, after)."""
    return invisible_v2.embed_frames(frames, job_id, key, layout=LAYOUT, **options)


def embed_image(image: Image.Image, job_id: int, key: bytes) -> Image.Image:
    return invisible_v2.embed_image(image, job_id, key, LAYOUT)


def detect_frames(frames: np.ndarray, key: bytes) -> Detection | None:
    """The job named by a version 3 mark in `frames` ((T, H, W, 3) uint8 RGB), or None."""
    return invisible_v2_sync.detect_frames(frames, key, LAYOUT)


def detect_image(image: Image.Image, key: bytes) -> Detection | None:
    return invisible_v2_sync.detect_image(image, key, LAYOUT)
