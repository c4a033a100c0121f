"""Helpers for the provenance tests: jobs rendered through the worker's own post-processing,
and the pixel checks of the visible mark."""

import numpy as np
from django.utils import timezone

from generation import execution
from generation.engine.types import GenerationResult
from generation.models import Asset, Job
from generation.provenance import visible


def moving_clip(count=24, width=320, height=192, seed=0) -> np.ndarray:
    """A moving gradient with a little noise (closer to footage than flat colour)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    frames = np.empty((count, height, width, 3), np.uint8)
    for i in range(count):
        frames[i, ..., 0] = (x * 255 // width + 5 * i) % 256
        frames[i, ..., 1] = y * 255 // height
        frames[i, ..., 2] = (128 + 60 * np.sin((x + y + 7 * i) / 25)).astype(np.uint8)
    return np.clip(frames + rng.integers(0, 8, frames.shape), 0, 255).astype(np.uint8)


def finished_job(user, *, watermarked: bool, frames=None, images=None, fps=8) -> Job:
    """A succeeded job whose files went through execution.render_outputs/upload_outputs."""
    job = Job.objects.create(
        user=user,
        kind="text_to_picture" if images else "text_to_video",
        status=Job.Status.SUCCEEDED,
        prompt="a lantern festival",
        params={"aspect_ratio": "16:9", "seed": 1},
        model_spec="tiny",
        points_held=0,
        watermarked=watermarked,
        finished_at=timezone.now(),
    )
    result = GenerationResult(
        frames=frames if images is None and frames is not None else None,
        fps=fps,
        images=list(images or []),
    )
    Asset.objects.bulk_create(execution.upload_outputs(job, execution.render_outputs(job, result)))
    return job


def corner_change(frames: np.ndarray) -> float:
    """Mean change of the mark's box when the mark is drawn on `frames` once more.

    Drawing it on unmarked frames changes the box a lot; on frames that already carry it, only
    a third as much (the mark is 70 % opaque, so a second coat moves pixels 0.3x as far).
    """
    _count, height, width, _ = frames.shape
    left, top, right, bottom = visible.mark_box(width, height)
    again = visible.mark_frames(frames.copy())
    box = np.s_[:, top:bottom, left:right]
    return float(np.abs(again[box].astype(float) - frames[box].astype(float)).mean())


def difference(a: np.ndarray, b: np.ndarray, *, inside_mark: bool) -> float:
    """Mean absolute difference of two clips inside the mark's box, or outside a band around it."""
    _count, height, width, _ = a.shape
    left, top, right, bottom = visible.mark_box(width, height)
    diff = np.abs(a.astype(float) - b.astype(float)).mean(axis=(0, 3))
    if inside_mark:
        return float(diff[top:bottom, left:right].mean())
    keep = np.ones(diff.shape, bool)
    keep[max(0, top - 16) :, max(0, left - 16) :] = False  # encoder blocks touching the mark
    return float(diff[keep].mean())
