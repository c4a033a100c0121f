"""Screening before any points are held, and of outputs before the user sees them.

Layers, each its own function and each configured by staff in the admin:
- prompt: blocklist (moderation.blocklist), meaning (moderation.semantic) and the combined rules
  (moderation.rules: a minor with nudity or sex, instructions with explosives, an extremist
  group with propaganda), which read what the layers found;
- negative prompt: blocklist, for the categories where merely writing the words is the harm.
  A negative prompt steers *away* from what it names, so "nsfw, nudity, blood" there is the
  safe use and must pass; it is not embedded for the same reason;
- uploaded photos: NudeNet thresholds (moderation.photos);
- outputs: a sample of frames from each video and every picture, through the same detector.

Outcomes: None (allow) or the deciding Hit, whose outcome is refuse or review. Every layer's
hits are weighed together (moderation.verdict.strongest): a refusal before a hold, then the most
severe category, never the first layer to speak.
"""

import time

from generation.moderation import blocklist, photos, rules, semantic
from generation.moderation.verdict import REFUSE, REVIEW, Hit, first_deciding, severity, strongest

NEGATIVE_PROMPT_CATEGORIES = frozenset({"hate", "minors"})
OUTPUT_FRAMES = 8


def prompt_hits(
    prompt: str, negative_prompt: str = "", terms=None, concepts=None, timings=None, photo=False
) -> list[Hit]:
    """Every hit of every prompt layer. The semantic layer is skipped only once a minors
    refusal is certain: nothing it could find would change the outcome or the category.
    `timings`, a dict, receives each part's milliseconds (for bench_moderation); `photo`: the
    prompt animates a photo the user uploaded (rules.hits)."""
    started, cpu_started = time.perf_counter(), time.thread_time()
    if terms is None:
        terms = blocklist.active_terms() if (prompt or negative_prompt) else []
    found = blocklist.hits(prompt, "prompt", terms) + blocklist.hits(
        negative_prompt, "negative_prompt", terms, categories=NEGATIVE_PROMPT_CATEGORIES
    )
    combined = rules.hits(prompt, "prompt", found, photo)
    words_done = time.perf_counter()
    if not any(h.outcome == REFUSE and severity(h.category) == 0 for h in found + combined):
        found += rules.refiled(prompt, semantic.hits(prompt, "prompt", concepts))
        combined = rules.hits(prompt, "prompt", found, photo)
    if timings is not None:
        timings["words_ms"] = (words_done - started) * 1000
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        # CPU time of this thread: what the screen costs when the machine is not shared.
        timings["cpu_ms"] = (time.thread_time() - cpu_started) * 1000
    return found + combined


def screen_prompt(prompt: str, negative_prompt: str = "", photo: bool = False) -> Hit | None:
    """Blocklist, combined rules and meaning, weighed together; `photo`: the prompt animates a
    photo the user uploaded."""
    return strongest(prompt_hits(prompt, negative_prompt, photo=photo))


def screen_photos(images: dict) -> Hit | None:
    """{field: PIL image} through the photo detector: the first refusal wins, else a hold."""
    rules = photos.active_rules()
    return first_deciding(
        lambda field=field, image=image: photos.check(image, field, rules)
        for field, image in images.items()
        if image is not None
    )


def screen_submission(
    prompt: str, negative_prompt: str, images: dict, photo: bool | None = None
) -> Hit | None:
    """Everything a user submits, before any point is held; `photo`: the prompt animates
    something the user uploaded (by default, whether `images` holds a photo)."""
    if photo is None:
        photo = any(image is not None for image in images.values())
    return first_deciding(
        [lambda: screen_prompt(prompt, negative_prompt, photo), lambda: screen_photos(images)]
    )


def screen_clip(frames: list) -> Hit | None:
    """Frames sampled from an uploaded clip (a restyle's source), each through the photo
    detector as a photo is: the first refusal wins, else a hold."""
    rules = photos.active_rules()
    return first_deciding(
        lambda frame=frame: photos.check(frame, "input_video", rules) for frame in frames
    )


def screen_result(result) -> Hit | None:
    """A finished job's frames (a sample of OUTPUT_FRAMES) and pictures. Any rule that fires,
    at its refuse or its review threshold, holds the outputs for review: a person decides."""
    rules = photos.active_rules()
    if not rules:
        return None
    pictures = list(result.images or [])
    if result.frames is not None:
        pictures = photos.sample_frames(result.frames, OUTPUT_FRAMES) + pictures
    for picture in pictures:
        hit = photos.check(picture, "output", rules, layer="output")
        if hit is not None:
            return Hit(REVIEW, "output", "output", hit.category, hit.rule, hit.score)
    return None
