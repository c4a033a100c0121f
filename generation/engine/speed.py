"""Speed options for the denoiser, applied once when a pipeline is loaded.

Three options, each a worker setting with the value "default" (what the spec chose, in
`ModelSpec.speed`), "off", or a choice:

- `step_cache`: reuse work between denoising steps with diffusers' own hooks.
  "first-block" (First Block Cache: when the first block's residual barely changed since the
  last step, the other blocks' residual is reused) and "taylorseer" (TaylorSeer: attention
  outputs are predicted from a Taylor series between full steps). Both change the output a
  little; `manage.py bench_speed` measures how much (PSNR) against how much time they save.
- `compile`: "on" compiles the transformer with `torch.compile` (regional, the repeated block;
  the first call pays for compilation).
- `precision`: "fp8" stores the transformer's weights in float8 (e4m3) and computes each layer
  in bfloat16 (diffusers' layerwise casting): half the memory of bfloat16 weights. It needs a
  GPU with FP8 support (compute capability 8.9: Ada, Hopper and newer); elsewhere the worker
  logs why and keeps bfloat16, so one fleet-wide setting works on mixed hosts.

MagCache is left out on purpose: it needs per-model calibration ratios that we have not
measured on real weights.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

DEFAULT = "default"
OFF = "off"
STEP_CACHES = ("first-block", "taylorseer")
CHOICES = {
    "step_cache": (OFF, *STEP_CACHES),
    "compile": (OFF, "on"),
    "precision": (OFF, "fp8"),
}
# First Block Cache's threshold on the relative change of the first block's residual: the
# value diffusers' documentation uses for video transformers; higher skips more and drifts more.
FIRST_BLOCK_THRESHOLD = 0.05
# TaylorSeer: full steps for the first three (the series needs them), then one full step in
# every three.
TAYLORSEER_INTERVAL = 3
TAYLORSEER_WARMUP_STEPS = 3
# The attention layers of every block, by name. diffusers' default patterns end in "attn", so
# (matched whole) they miss LTX's and Wan's "attn1"/"attn2" and would hook nothing there.
TAYLORSEER_MODULES = [r"(transformer_blocks|blocks|single_transformer_blocks)\.\d+\.attn\d*"]


def check(name: str, value: str) -> str:
    """The value if it is one of the option's choices (or "default"); else ValueError naming
    the choices, for settings and specs to fail early with a readable message."""
    if name not in CHOICES:
        raise ValueError(f"unknown speed option {name!r}")
    allowed = (DEFAULT, *CHOICES[name])
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def resolve(spec_defaults: dict[str, str], **settings: str) -> dict[str, str]:
    """The value of every option for one spec: the setting unless it is "default", then the
    spec's own default, then off."""
    chosen = {}
    for name in CHOICES:
        value = check(name, settings.get(name) or DEFAULT)
        if value == DEFAULT:
            value = check(name, spec_defaults.get(name, OFF))
        chosen[name] = OFF if value == DEFAULT else value
    return chosen


def fp8_supported(device: str) -> bool:
    import torch

    if not device.startswith("cuda") or not torch.cuda.is_available():
        return False
    return torch.cuda.get_device_capability(torch.device(device)) >= (8, 9)


def step_cache_config(name: str):
    """The diffusers hook configuration for a step cache choice (None for off)."""
    from diffusers.hooks import FirstBlockCacheConfig, TaylorSeerCacheConfig

    if name == OFF:
        return None
    if name == "first-block":
        return FirstBlockCacheConfig(threshold=FIRST_BLOCK_THRESHOLD)
    if name == "taylorseer":
        return TaylorSeerCacheConfig(
            cache_interval=TAYLORSEER_INTERVAL,
            disable_cache_before_step=TAYLORSEER_WARMUP_STEPS,
            cache_identifiers=TAYLORSEER_MODULES,
        )
    raise ValueError(f"unknown step cache {name!r}")


def apply(pipe, chosen: dict[str, str], device: str) -> dict[str, str]:
    """Apply the chosen options to the pipeline's denoiser (`transformer`); returns what was
    applied (an option the model or the hardware cannot take is reported as off)."""
    import torch

    applied = dict.fromkeys(CHOICES, OFF)
    model = getattr(pipe, "transformer", None)
    if model is None:
        return applied
    if chosen["precision"] == "fp8":
        if fp8_supported(device):
            # Layer norms and embeddings stay in bfloat16 (diffusers' default skip list).
            model.enable_layerwise_casting(
                storage_dtype=torch.float8_e4m3fn, compute_dtype=torch.bfloat16
            )
            applied["precision"] = "fp8"
        else:
            log.warning("precision fp8 needs a GPU of compute capability 8.9+; kept %s", device)
    config = step_cache_config(chosen["step_cache"])
    if config is not None:
        if hasattr(model, "enable_cache"):
            model.enable_cache(config)
            applied["step_cache"] = chosen["step_cache"]
        else:
            log.warning("%s takes no step cache", type(model).__name__)
    if chosen["compile"] == "on":
        # Regional compilation: the repeated block is compiled once and reused by every layer,
        # so the first call compiles in seconds rather than minutes.
        if getattr(model, "_repeated_blocks", None):
            model.compile_repeated_blocks(fullgraph=False)
        else:
            model.compile()
        applied["compile"] = "on"
    return applied
