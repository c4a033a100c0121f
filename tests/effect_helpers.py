"""LoRA adapters made in code with peft on the real transformer classes (the tiny specs'
configs), saved as diffusers saves them; and the catalogue's effects for tests."""

from pathlib import Path

from generation.engine.architectures import ARCHITECTURES

ATTENTION = ["to_q", "to_k", "to_v", "to_out.0"]


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
    """A LoRA for `checkpoint`'s transformer (overrides change its config: a misfit), with
    random A and B (peft's default B is zero, which would change nothing), saved in the
    diffusers layout (`transformer.<module>.lora_A.weight`)."""
    import torch
    from peft import LoraConfig, get_peft_model_state_dict, inject_adapter_in_model
    from safetensors.torch import save_file

    torch.manual_seed(seed)
    transformer = tiny_transformer(checkpoint, **overrides)
    config = LoraConfig(
        r=rank, lora_alpha=rank, target_modules=list(targets), init_lora_weights=False
    )
    inject_adapter_in_model(config, transformer)
    state = get_peft_model_state_dict(transformer)
    tensors = {
        f"transformer.{name}": (tensor * scale if ".lora_B." in name else tensor).contiguous()
        for name, tensor in state.items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path))
    return path


def seed_old_photo():
    """The migration's first effect; transactional tests flush its row, so seed it again."""
    import importlib

    from django.apps import apps

    module = importlib.import_module("generation.migrations.0010_effects_catalogue")
    module.seed_old_photo(apps, None)
