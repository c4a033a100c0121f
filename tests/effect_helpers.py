"""LoRA adapters made in code with peft on the real transformer classes (the tiny specs'
configs), saved as diffusers saves them; and the catalogue's effects for tests."""

from pathlib import Path

from generation.engine.adapters import ATTENTION
from generation.engine.architectures import ARCHITECTURES


def tiny_transformer(checkpoint: str = "tiny/ltx", **overrides):
    """The checkpoint's transformer class built from its tiny config (weights random)."""
    import diffusers

    config = {**ARCHITECTURES[checkpoint][1]["transformer"], **overrides}
    if checkpoint.startswith("tiny/ltx"):
        return diffusers.LTXVideoTransformer3DModel(**config)
    return diffusers.WanTransformer3DModel(**config)


def make_lora(
    path: Path,
    *,
    seed: int = 0,
    rank: int = 4,
    checkpoint: str = "tiny/ltx",
    targets=ATTENTION,
    scale: float = 1.0,
    **overrides,
) -> Path:
    """A LoRA for `checkpoint`'s transformer (overrides change its config: a misfit), random A
    and B, saved in the diffusers layout (generation.engine.adapters.save_random_lora)."""
    from generation.engine.adapters import save_random_lora

    path.parent.mkdir(parents=True, exist_ok=True)
    transformer = tiny_transformer(checkpoint, **overrides)
    return save_random_lora(transformer, path, seed=seed, rank=rank, targets=targets, scale=scale)


def seed_old_photo():
    """The migration's first effect; transactional tests flush its row, so seed it again."""
    import importlib

    from django.apps import apps

    module = importlib.import_module("generation.migrations.0012_effects_catalogue")
    module.seed_old_photo(apps, None)


def hug_effect(**fields):
    """A two-photo effect (Kling's hug) on the demo model, for every plan, at 15 points."""
    from generation.models import Effect

    defaults = {
        "name": "Hug",
        "name_zh_hans": "拥抱",
        "photos": Effect.Photos.TWO,
        "prompt_template": "the two people turn to each other and hug warmly {details}",
        "price": 150,
        "position": 1,
    }
    return Effect.objects.create(slug="hug", **{**defaults, **fields})
