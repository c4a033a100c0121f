"""The effects catalogue's rules: which effects a user sees and may use, what one costs, how its
form is checked, and what a worker gives the engine for it.

An effect job (`Job.Kind.EFFECT`) is an image to video job on the site's model, with the
effect's prompt, its photo (or two, composed side by side) as the first frame, and its LoRA
adapter, if it has one, switched on for that job only (generation/engine/adapters.py). Its
price is the effect's own, held at submit and captured on success like any job's.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps

from billing.pricing import PriceError
from generation.labels import aspect_ratio_of
from generation.models import Effect

log = logging.getLogger(__name__)

# Two photos share one 16:9 first frame, each person in a half.
PAIR_SIZE = (1024, 576)
RESTORE_LABELS = {
    "colour": gettext_lazy("Colourise"),
    "faces": gettext_lazy("Restore faces"),
}
OLD_PHOTO = "old-photo"
LOCKED = gettext_lazy("The “%(effect)s” effect comes with %(tier)s and higher plans.")


def catalogue():
    """The effects shown on the create page: active ones made for this site's model."""
    return Effect.objects.filter(active=True, spec=settings.GENERATION_MODEL).select_related("tier")


def get_effect(slug) -> Effect | None:
    if not slug or not isinstance(slug, str):
        return None
    return catalogue().filter(slug=slug).first()


def allowed(effect: Effect, plan) -> bool:
    """Whether a plan (billing.entitlements.Entitlements) may use the effect: every plan when
    the effect names none, else that plan's rank or higher."""
    if effect.tier is None:
        return True
    return plan.tier is not None and plan.tier.rank >= effect.tier.rank


def locked_message(effect: Effect) -> str:
    return LOCKED % {"effect": effect.display_name, "tier": effect.tier.display_name}


def retouches_offered(effect: Effect) -> bool:
    from generation.engine import restore
    from generation.engine.specs import get_spec

    return effect.offers_restoration and restore.available(get_spec(effect.spec))


def price_of(params: dict) -> int:
    """The effect's price in tenths of a point; PriceError when it names no effect offered."""
    effect = get_effect(params.get("effect"))
    if effect is None:
        raise PriceError(f"no effect {params.get('effect')!r}")
    return effect.price


def prompt_for(effect: Effect, details: str) -> str:
    """The effect's prompt with the user's optional words in place of {details} (after it when
    the template has no place for them)."""
    template = effect.prompt_template
    if "{details}" in template:
        return " ".join(template.replace("{details}", details).split())
    return f"{template.strip()} {details}".strip()


def clean_form(form, data: dict) -> None:
    """An effect's part of JobForm.clean: the effect, its photos (a second one for two-photo
    effects), its prompt and retouches. Sets `effect`, `prompt`, `restore` and the fixed
    options (5 s, standard, no camera move, the photo's shape)."""
    effect = get_effect(data.get("effect"))
    if effect is None:
        form.add_error("effect", _("Choose one of the effects."))
        return
    data["effect"] = effect
    # The effect's own photo field; an end frame does not apply.
    form.photo, form.end_photo = form.effect_photo, None
    if not form.photo and "effect_image" not in form.errors:
        form.add_error("effect_image", _("Choose a photo for this effect."))
    if effect.photos == Effect.Photos.TWO:
        if not form.second_photo and "second_image" not in form.errors:
            form.add_error("second_image", _("This effect needs a second photo."))
        data["aspect_ratio"] = "16:9"
    elif form.photo:
        data["aspect_ratio"] = aspect_ratio_of(*form.photo[1].size)
    if effect.photos != Effect.Photos.TWO:
        form.second_photo = None  # a one-photo effect ignores a second photo sent anyway
    data["prompt"] = prompt_for(effect, data.get("prompt", ""))
    wanted = [name for name in RESTORE_LABELS if data.get(f"restore_{name}")]
    data["restore"] = wanted if retouches_offered(effect) else []
    data.update(duration_s=5, mode="standard", camera_movement="static")


def job_params(data: dict) -> dict:
    return {"effect": data["effect"].slug, "restore": data["restore"]}


# --- on the worker ------------------------------------------------------------------------------


def compose_pair(first: Image.Image, second: Image.Image, size=PAIR_SIZE) -> Image.Image:
    """The two photos side by side on one frame, each cropped to fill its half."""
    width, height = size
    half = width // 2
    frame = Image.new("RGB", size)
    frame.paste(ImageOps.fit(first.convert("RGB"), (half, height)), (0, 0))
    frame.paste(ImageOps.fit(second.convert("RGB"), (width - half, height)), (half, 0))
    return frame


def adapter_for(job):
    """The engine's Adapter for an effect job whose effect has one, copied from storage into
    this worker's adapter folder once (named by its checksum); None without one. Raises
    AdapterError when the effect is gone or its file cannot be read."""
    from generation.engine.types import Adapter, AdapterError

    effect = Effect.objects.filter(slug=job.params.get("effect")).first()
    if effect is None:
        raise AdapterError(f"effect {job.params.get('effect')!r} no longer exists")
    if not effect.adapter:
        return None
    folder = Path(settings.DATA_DIR) / "adapters"
    folder.mkdir(parents=True, exist_ok=True)
    checksum = effect.adapter_sha256 or hashlib.sha256(effect.adapter.name.encode()).hexdigest()
    path = folder / f"{checksum}.safetensors"
    if not path.is_file():
        partial = folder / f".{checksum}.{os.getpid()}"
        try:
            with effect.adapter.open("rb") as stored, open(partial, "wb") as local:
                while chunk := stored.read(1 << 20):
                    local.write(chunk)
        except OSError as exc:
            raise AdapterError(f"adapter of {effect.slug} cannot be read: {exc}") from exc
        partial.rename(path)  # atomic: another process sees all of it or nothing
    return Adapter(
        name=f"{effect.slug}-{checksum[:12]}", path=str(path), weight=effect.adapter_weight
    )


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1 << 20), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
