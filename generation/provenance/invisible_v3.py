"""The invisible mark, version 3 (a prototype: no output carries it and the check page does not
read it): version 2's tile, masking, motion and detector (`invisible_v2.py`,
`invisible_v2_sync.py`) with another layout of the tile, meant to make the mark of a 480p clip
survive a second encode at crf 35 and cost fewer bits at crf 23. Measured on the full corpus
(docs/BENCHMARKS.md, "Invisible watermark, version 3 prototype"), it did so only in part and
lost a few reads version 2 makes, so version 2 stays the one embedded.

What changes:
- The two colour layers have cells twice as large (2 x 2 of the tile's cells: 20 px at 480p,
  45 px at 1080p, 16 x 16 cells per tile instead of 32 x 32). H.264 halves colour in each
  direction (4:2:0) and quantises it hard; a 10-px colour cell was 5 chroma samples and did not
  survive crf 35 at 480p, a 20-px one is mostly each macroblock's chroma DC.
- Energy moves from luminance to colour (weights 0.4 : 1 : 1 instead of 1 : 0.8 : 0.8): the
  picture's own luminance detail moves with the mark (both follow the content's motion), so
  summing frames does not average it away, while the colour layers are read through far less of
  the picture. The total strength, the flat-area limit and the masking are version 2's.
- The detector keeps each colour layer's detail over a window as much wider.
- Every keyed value (nonce, check value, scrambling, carrier) is drawn under its own domain
  ("invisible-mark/v3/"), so version 3 and version 2 patterns are unrelated and each detector
  finds only its own.

False matches, by construction: as version 2, at most CHECKS (15) payloads checked, each
matching with probability 2^-24: 8.9e-7 per input for this version.
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
