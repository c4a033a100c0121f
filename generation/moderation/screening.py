"""Screening before any points are held, and of outputs before the user sees them.

Layers, each its own function and each configured by staff in the admin:
- prompt: blocklist (moderation.blocklist), then meaning (moderation.semantic);
- negative prompt: blocklist, for the categories where merely writing the words is the harm.
  A negative prompt steers *away* from what it names, so "nsfw, nudity, blood" there is the
  safe use and must pass; it is not embedded for the same reason;
- uploaded photos: NudeNet thresholds (moderation.photos);
- outputs: a sample of frames from each video and every picture, through the same detector.

Outcomes: None (allow) or the deciding Hit, whose outcome is refuse or review.
"""

from generation.moderation import blocklist, photos, semantic
from generation.moderation.verdict import REVIEW, Hit, first_deciding

NEGATIVE_PROMPT_CATEGORIES = frozenset({"hate", "minors"})
OUTPUT_FRAMES = 8


def screen_prompt(prompt: str, negative_prompt: str = "") -> Hit | None:
    """Blocklist, then meaning; the first refusal wins, else the first hold."""
    terms = blocklist.active_terms() if (prompt or negative_prompt) else []
    return first_deciding(
        [
            lambda: blocklist.check(prompt, "prompt", terms),
            lambda: blocklist.check(
                negative_prompt, "negative_prompt", terms, categories=NEGATIVE_PROMPT_CATEGORIES
            ),
            lambda: semantic.check(prompt, "prompt"),
        ]
    )


def screen_photos(images: dict) -> Hit | None:
    """{field: PIL image} through the photo detector: the first refusal wins, else a hold."""
    rules = photos.active_rules()
    return first_deciding(
        lambda field=field, image=image: photos.check(image, field, rules)
        for field, image in images.items()
        if image is not None
    )


def screen_submission(prompt: str, negative_prompt: str, images: dict) -> Hit | None:
    """Everything a user submits, before any point is held."""
    return first_deciding(
        [lambda: screen_prompt(prompt, negative_prompt), lambda: screen_photos(images)]
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
