"""Component configs for every pipeline the engine can build without a checkpoint.

REAL holds the real models' architecture values (written here from their published configs), so
`--random-weights` builds a full-size network with random weights to measure speed on a GPU
where no weights can be downloaded. TINY holds small versions of the same classes for the demo
model and the tests. Plain data: importing this never loads torch.
"""

import math

from .kolors import KOLORS, TINY_KOLORS
from .kolors import reduce as reduce_kolors
from .sound_architectures import SOUND_ARCHITECTURES, reduce_ltx2

# google/t5-v1_1-xxl, the text encoder of LTX-Video and Flux.
T5_XXL = {
    "vocab_size": 32128,
    "d_model": 4096,
    "d_kv": 64,
    "d_ff": 10240,
    "num_layers": 24,
    "num_heads": 64,
    "relative_attention_num_buckets": 32,
    "relative_attention_max_distance": 128,
    "feed_forward_proj": "gated-gelu",
    "layer_norm_epsilon": 1e-6,
    "tie_word_embeddings": False,
}
# google/umt5-xxl, Wan's text encoder.
UMT5_XXL = {**T5_XXL, "vocab_size": 256384}
TINY_T5 = {
    "d_model": 32,
    "d_ff": 37,
    "d_kv": 8,
    "num_heads": 4,
    "num_layers": 2,
    "relative_attention_num_buckets": 8,
}

LTX_095 = {
    "transformer": {
        "in_channels": 128,
        "out_channels": 128,
        "patch_size": 1,
        "patch_size_t": 1,
        "num_attention_heads": 32,
        "attention_head_dim": 64,
        "cross_attention_dim": 2048,
        "num_layers": 28,
        "caption_channels": 4096,
        "qk_norm": "rms_norm_across_heads",
    },
    "vae": {
        "latent_channels": 128,
        "block_out_channels": (128, 256, 512, 1024, 2048),
        "down_block_types": ("LTXVideo095DownBlock3D",) * 4,
        "downsample_type": ("spatial", "temporal", "spatiotemporal", "spatiotemporal"),
        "decoder_block_out_channels": (256, 512, 1024),
        "layers_per_block": (4, 6, 6, 2, 2),
        "decoder_layers_per_block": (5, 5, 5, 5),
        "spatio_temporal_scaling": (True, True, True, True),
        "decoder_spatio_temporal_scaling": (True, True, True),
        "decoder_inject_noise": (False, False, False, False),
        "upsample_residual": (True, True, True),
        "upsample_factor": (2, 2, 2),
        "timestep_conditioning": True,
        "patch_size": 4,
        "patch_size_t": 1,
        "encoder_causal": True,
        "decoder_causal": False,
        "spatial_compression_ratio": 32,
        "temporal_compression_ratio": 8,
    },
    "text_encoder": T5_XXL,
    "scheduler": {"use_dynamic_shifting": False},
    "max_sequence_length": 128,
}

# LTX-Video 0.9.7 13B (dev and distilled share it): the published transformer config of
# Lightricks/LTX-Video-0.9.7-dev, as diffusers' scripts/convert_ltx_to_diffusers.py writes it
# (4096 wide, 48 layers, cross-attention on T5-XXL's full 4096); its VAE has 0.9.5's config.
LTX_097_13B = {
    **LTX_095,
    "transformer": {
        **LTX_095["transformer"],
        "attention_head_dim": 128,
        "cross_attention_dim": 4096,
        "num_layers": 48,
    },
}

# Tiny LTX: the VAE keeps the real 32x / 8x compression (patch 4, three 2x2x2 stages); its
# weights are then set to a pass-through (see builders.set_pass_through_vae).
_C = 8
TINY_LTX = {
    "transformer": {
        "in_channels": 8,
        "out_channels": 8,
        "patch_size": 1,
        "patch_size_t": 1,
        "num_attention_heads": 4,
        "attention_head_dim": 16,
        "cross_attention_dim": 64,
        "num_layers": 2,
        "caption_channels": 32,
    },
    "vae": {
        "latent_channels": 8,
        "block_out_channels": (_C, _C, _C, _C),
        "down_block_types": ("LTXVideo095DownBlock3D",) * 4,
        "downsample_type": ("spatiotemporal",) * 3,
        "decoder_block_out_channels": (_C, _C, _C),
        "layers_per_block": (1, 1, 1, 1),
        "decoder_layers_per_block": (1, 1, 1, 1),
        "spatio_temporal_scaling": (True, True, True),
        "decoder_spatio_temporal_scaling": (True, True, True),
        "decoder_inject_noise": (False, False, False, False),
        "upsample_residual": (False, False, False),
        "upsample_factor": (1, 1, 1),
        "timestep_conditioning": False,
        "patch_size": 4,
        "patch_size_t": 1,
        "encoder_causal": True,
        "decoder_causal": False,
    },
    "text_encoder": TINY_T5,
    "scheduler": {},
    "max_sequence_length": 128,
    "pass_through_vae": True,
}

FLUX_SCHNELL = {
    "transformer": {
        "patch_size": 1,
        "in_channels": 64,
        "num_layers": 19,
        "num_single_layers": 38,
        "attention_head_dim": 128,
        "num_attention_heads": 24,
        "joint_attention_dim": 4096,
        "pooled_projection_dim": 768,
        "guidance_embeds": False,
        "axes_dims_rope": (16, 56, 56),
    },
    "vae": {
        "block_out_channels": (128, 256, 512, 512),
        "layers_per_block": 2,
        "latent_channels": 16,
        "norm_num_groups": 32,
        "sample_size": 1024,
        "scaling_factor": 0.3611,
        "shift_factor": 0.1159,
        "use_quant_conv": False,
        "use_post_quant_conv": False,
    },
    "clip": {
        "vocab_size": 49408,
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_attention_heads": 12,
        "num_hidden_layers": 12,
        "projection_dim": 768,
        "hidden_act": "quick_gelu",
    },
    "text_encoder": T5_XXL,
    "scheduler": {"use_dynamic_shifting": False, "shift": 1.0},
    "max_sequence_length": 256,
}

TINY_FLUX = {
    "transformer": {
        "patch_size": 1,
        "in_channels": 16,
        "num_layers": 1,
        "num_single_layers": 1,
        "attention_head_dim": 16,
        "num_attention_heads": 2,
        "joint_attention_dim": 32,
        "pooled_projection_dim": 32,
        "axes_dims_rope": (4, 6, 6),
    },
    "vae": {
        "block_out_channels": (8, 8, 8, 8),  # three downsamples: the real 8x compression
        "layers_per_block": 1,
        "latent_channels": 4,
        "norm_num_groups": 4,
        "scaling_factor": 1.5035,
        "shift_factor": 0.0609,
        "use_quant_conv": False,
        "use_post_quant_conv": False,
    },
    "clip": {
        "hidden_size": 32,
        "intermediate_size": 37,
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "projection_dim": 32,
    },
    "text_encoder": TINY_T5,
    "scheduler": {},
    "max_sequence_length": 256,
}

_WAN_TRANSFORMER_13B = {
    "patch_size": (1, 2, 2),
    "num_attention_heads": 12,
    "attention_head_dim": 128,
    "in_channels": 16,
    "out_channels": 16,
    "text_dim": 4096,
    "freq_dim": 256,
    "ffn_dim": 8960,
    "num_layers": 30,
    "cross_attn_norm": True,
    "qk_norm": "rms_norm_across_heads",
    "eps": 1e-6,
    "rope_max_seq_len": 1024,
}
_WAN_TRANSFORMER_14B = {
    **_WAN_TRANSFORMER_13B,
    "num_attention_heads": 40,
    "ffn_dim": 13824,
    "num_layers": 40,
}
_WAN_TRANSFORMER_14B_I2V = {
    **_WAN_TRANSFORMER_14B,
    "in_channels": 36,
    "image_dim": 1280,
    "added_kv_proj_dim": 5120,
}
# open-clip xlm-roberta-large-vit-huge-14, vision tower
_WAN_CLIP_VISION = {
    "hidden_size": 1280,
    "intermediate_size": 5120,
    "num_attention_heads": 16,
    "num_hidden_layers": 32,
    "patch_size": 14,
    "image_size": 224,
    "projection_dim": 1024,
    "hidden_act": "gelu",
}
_WAN_SCHEDULER = {"flow_shift": 3.0}

WAN_T2V_13B = {
    "transformer": _WAN_TRANSFORMER_13B,
    "vae": {},  # AutoencoderKLWan's defaults are Wan 2.1's VAE
    "text_encoder": UMT5_XXL,
    "scheduler": _WAN_SCHEDULER,
    "max_sequence_length": 512,
}
WAN_T2V_14B = {**WAN_T2V_13B, "transformer": _WAN_TRANSFORMER_14B}
WAN_I2V_14B = {
    **WAN_T2V_13B,
    "transformer": _WAN_TRANSFORMER_14B_I2V,
    "image_encoder": _WAN_CLIP_VISION,
}
WAN_FLF2V_14B = {
    **WAN_I2V_14B,
    # first and last frame: twice the CLIP tokens (2 x 257)
    "transformer": {**_WAN_TRANSFORMER_14B_I2V, "pos_embed_seq_len": 514},
}
WAN_VACE_13B = {
    **WAN_T2V_13B,
    "transformer": {
        **_WAN_TRANSFORMER_13B,
        "vace_layers": list(range(0, 30, 2)),
        "vace_in_channels": 96,
    },
}
WAN_VACE_14B = {
    **WAN_T2V_13B,
    "transformer": {
        **_WAN_TRANSFORMER_14B,
        "vace_layers": list(range(0, 40, 5)),
        "vace_in_channels": 96,
    },
}

_TINY_WAN_TRANSFORMER = {
    "patch_size": (1, 2, 2),
    "num_attention_heads": 2,
    "attention_head_dim": 12,
    "in_channels": 16,
    "out_channels": 16,
    "text_dim": 32,
    "freq_dim": 256,
    "ffn_dim": 32,
    "num_layers": 2,
    "cross_attn_norm": True,
    "qk_norm": "rms_norm_across_heads",
    "rope_max_seq_len": 1024,
}
_TINY_WAN_VAE = {
    "base_dim": 8,
    "z_dim": 16,
    "dim_mult": [1, 1, 1, 1],
    "num_res_blocks": 1,
    "temperal_downsample": [False, True, True],
}
_TINY_CLIP_VISION = {
    "hidden_size": 4,
    "intermediate_size": 8,
    "num_attention_heads": 2,
    "num_hidden_layers": 2,
    "patch_size": 14,
    "image_size": 28,  # 4 patches + 1 class token = 5 tokens
    "projection_dim": 4,
}
TINY_WAN_T2V = {
    "transformer": _TINY_WAN_TRANSFORMER,
    "vae": _TINY_WAN_VAE,
    "text_encoder": TINY_T5,
    "scheduler": _WAN_SCHEDULER,
    "max_sequence_length": 64,
}
TINY_WAN_I2V = {
    **TINY_WAN_T2V,
    "transformer": {
        **_TINY_WAN_TRANSFORMER,
        "in_channels": 36,
        "image_dim": 4,
        "added_kv_proj_dim": 24,
    },
    "image_encoder": _TINY_CLIP_VISION,
}
TINY_WAN_FLF2V = {
    **TINY_WAN_I2V,
    "transformer": {**TINY_WAN_I2V["transformer"], "pos_embed_seq_len": 10},
}
TINY_WAN_VACE = {
    **TINY_WAN_T2V,
    "transformer": {**_TINY_WAN_TRANSFORMER, "vace_layers": [0], "vace_in_channels": 96},
}

# LTX's spatial latent upsampler 0.9.7 (its published config): 2x in space, in latent space. The
# pipeline also holds a VAE, borrowed from the spec's LTX checkpoint (the config is LTX's).
LTX_UPSCALER_097 = {
    "latent_upsampler": {
        "in_channels": 128,
        "mid_channels": 512,
        "num_blocks_per_stage": 4,
        "dims": 3,
        "spatial_upsample": True,
        "temporal_upsample": False,
    },
    "vae": LTX_095["vae"],
}
# The demo's: the same class on the tiny VAE's 8 latent channels (GroupNorm needs 32 | mid).
TINY_LTX_UPSCALER = {
    "latent_upsampler": {**LTX_UPSCALER_097["latent_upsampler"], "in_channels": 8},
    "vae": TINY_LTX["vae"],
    "pass_through_vae": True,
}
TINY_LTX_UPSCALER["latent_upsampler"].update(mid_channels=32, num_blocks_per_stage=1)

# checkpoint -> (pipeline class, component configs)
ARCHITECTURES = {
    "Lightricks/LTX-Video-0.9.5": ("LTXConditionPipeline", LTX_095),
    "Lightricks/LTX-Video-0.9.7-distilled": ("LTXConditionPipeline", LTX_097_13B),
    "black-forest-labs/FLUX.1-schnell": ("FluxPipeline", FLUX_SCHNELL),
    "Kwai-Kolors/Kolors-diffusers": ("KolorsPipeline", KOLORS),
    "Wan-AI/Wan2.1-T2V-1.3B-Diffusers": ("WanPipeline", WAN_T2V_13B),
    "Wan-AI/Wan2.1-T2V-14B-Diffusers": ("WanPipeline", WAN_T2V_14B),
    "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers": ("WanImageToVideoPipeline", WAN_I2V_14B),
    "Wan-AI/Wan2.1-I2V-14B-720P-Diffusers": ("WanImageToVideoPipeline", WAN_I2V_14B),
    "Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers": ("WanImageToVideoPipeline", WAN_FLF2V_14B),
    "Wan-AI/Wan2.1-VACE-1.3B-diffusers": ("WanVACEPipeline", WAN_VACE_13B),
    "Wan-AI/Wan2.1-VACE-14B-diffusers": ("WanVACEPipeline", WAN_VACE_14B),
    "Lightricks/ltxv-spatial-upscaler-0.9.7": ("LTXLatentUpsamplePipeline", LTX_UPSCALER_097),
    "tiny/ltx": ("LTXConditionPipeline", TINY_LTX),
    "tiny/flux": ("FluxPipeline", TINY_FLUX),
    "tiny/kolors": ("KolorsPipeline", TINY_KOLORS),
    "tiny/wan-t2v": ("WanPipeline", TINY_WAN_T2V),
    "tiny/wan-i2v": ("WanImageToVideoPipeline", TINY_WAN_I2V),
    "tiny/wan-flf2v": ("WanImageToVideoPipeline", TINY_WAN_FLF2V),
    "tiny/wan-vace": ("WanVACEPipeline", TINY_WAN_VACE),
    "tiny/ltx-upscaler": ("LTXLatentUpsamplePipeline", TINY_LTX_UPSCALER),
    **SOUND_ARCHITECTURES,
}


# --- reduced architectures -------------------------------------------------------------------
# `reduce` keeps a pipeline's structure (classes, qk norm, cross-attention, image tokens, VACE,
# patch sizes, VAE compression, latent channels, sequence lengths) and cuts its cost: `layers`
# is the depth of every stack, `width_divisor` divides head counts (head sizes stay, so rotary
# embeddings keep their axes), hidden and feed-forward sizes, and every dimension that must match
# them. Tests run every real pipeline class this way on a CPU; benchmarks keep the full width.

WIDTH_FLOOR = 16  # no channel width is cut below this (or below its real value, if smaller)


def reduce(class_name: str, arch: dict, layers: int | None = None, width_divisor: int = 1) -> dict:
    """`arch` (a pipeline class's component configs) cut to `layers` per stack and its widths
    divided by `width_divisor`; the same dict when both are left at their defaults.

    With a width divisor the text encoders' vocabularies shrink to the in-code tokenizer's
    (the real UMT5 table alone is 4 GB in float32); at full width they stay real.
    """
    if layers is not None and layers < 1:
        raise ValueError("layers must be at least 1")
    if width_divisor < 1:
        raise ValueError("width_divisor must be at least 1")
    if layers is None and width_divisor == 1:
        return arch
    cut = _Cut(layers, width_divisor)
    if class_name == "KolorsPipeline":
        return reduce_kolors(arch, cut)
    if class_name == "LTX2Pipeline":
        return reduce_ltx2(arch, cut)
    arch = {**arch}
    if class_name == "LTXLatentUpsamplePipeline":
        arch["latent_upsampler"] = cut.latent_upsampler(arch["latent_upsampler"])
        if not arch.get("pass_through_vae"):
            arch["vae"] = cut.ltx_vae(arch["vae"])
        return arch
    arch["text_encoder"] = cut.t5(arch["text_encoder"])
    text_width = arch["text_encoder"].get("d_model", T5_XXL["d_model"])
    if class_name == "LTXConditionPipeline":
        arch["transformer"] = cut.ltx_transformer(arch["transformer"], text_width)
        if not arch.get("pass_through_vae"):  # the demo VAE's weights are set by hand
            arch["vae"] = cut.ltx_vae(arch["vae"])
    elif class_name == "FluxPipeline":
        arch["clip"] = cut.clip(arch["clip"])
        arch["transformer"] = cut.flux_transformer(
            arch["transformer"], text_width, arch["clip"]["hidden_size"]
        )
        arch["vae"] = cut.flux_vae(arch["vae"])
    else:  # the Wan pipelines
        image_width = None
        if "image_encoder" in arch:
            arch["image_encoder"] = cut.clip(arch["image_encoder"])
            image_width = arch["image_encoder"]["hidden_size"]
        arch["transformer"] = cut.wan_transformer(arch["transformer"], text_width, image_width)
        arch["vae"] = cut.wan_vae(arch["vae"])
    return arch


class _Cut:
    def __init__(self, layers: int | None, width_divisor: int):
        self.layers, self.k = layers, width_divisor

    def depth(self, count: int) -> int:
        return count if self.layers is None else min(count, self.layers)

    def heads(self, count: int) -> int:
        return max(1, round(count / self.k))

    def width(self, value: int) -> int:
        return max(value // self.k, min(value, WIDTH_FLOOR))

    def t5(self, config: dict) -> dict:
        config = {**config, "num_layers": self.depth(config["num_layers"])}
        if self.k > 1:
            heads = self.heads(config["num_heads"])
            config.update(
                num_heads=heads, d_model=heads * config["d_kv"], d_ff=self.width(config["d_ff"])
            )
            config.pop("vocab_size", None)  # the tokenizer's own size
        return config

    def clip(self, config: dict) -> dict:
        """A CLIP text or vision tower."""
        config = {**config, "num_hidden_layers": self.depth(config["num_hidden_layers"])}
        if self.k > 1:
            head = config["hidden_size"] // config["num_attention_heads"]
            heads = self.heads(config["num_attention_heads"])
            config.update(
                num_attention_heads=heads,
                hidden_size=heads * head,
                intermediate_size=self.width(config["intermediate_size"]),
                projection_dim=self.width(config["projection_dim"]),
            )
            config.pop("vocab_size", None)
        return config

    def ltx_transformer(self, config: dict, text_width: int) -> dict:
        heads = self.heads(config["num_attention_heads"])
        return {
            **config,
            "num_layers": self.depth(config["num_layers"]),
            "num_attention_heads": heads,
            "cross_attention_dim": heads * config["attention_head_dim"],
            "caption_channels": text_width,
        }

    def vae_depth(self, count: int) -> int:
        """VAEs keep their real depth at full width (their decode cost is part of a benchmark)
        and are cut with the rest in a reduced-width build."""
        return count if self.k == 1 else self.depth(count)

    def ltx_vae(self, config: dict) -> dict:
        return {
            **config,
            "block_out_channels": tuple(map(self.width, config["block_out_channels"])),
            "decoder_block_out_channels": tuple(
                map(self.width, config["decoder_block_out_channels"])
            ),
            "layers_per_block": tuple(map(self.vae_depth, config["layers_per_block"])),
            "decoder_layers_per_block": tuple(
                map(self.vae_depth, config["decoder_layers_per_block"])
            ),
        }

    def latent_upsampler(self, config: dict) -> dict:
        """Its GroupNorms have 32 groups: the width stays a multiple of 32."""
        mid = max(32, config["mid_channels"] // self.k // 32 * 32)
        blocks = self.depth(config["num_blocks_per_stage"])
        return {**config, "mid_channels": mid, "num_blocks_per_stage": blocks}

    def flux_transformer(self, config: dict, text_width: int, pooled_width: int) -> dict:
        return {
            **config,
            "num_layers": self.depth(config["num_layers"]),
            "num_single_layers": self.depth(config["num_single_layers"]),
            "num_attention_heads": self.heads(config["num_attention_heads"]),
            "joint_attention_dim": text_width,
            "pooled_projection_dim": pooled_width,
        }

    def flux_vae(self, config: dict) -> dict:
        channels = tuple(map(self.width, config["block_out_channels"]))
        groups = math.gcd(config.get("norm_num_groups", 32), *channels)
        return {
            **config,
            "block_out_channels": channels,
            "norm_num_groups": groups,
            "layers_per_block": self.vae_depth(config["layers_per_block"]),
        }

    def wan_transformer(self, config: dict, text_width: int, image_width: int | None) -> dict:
        heads = self.heads(config["num_attention_heads"])
        num_layers = self.depth(config["num_layers"])
        config = {
            **config,
            "num_layers": num_layers,
            "num_attention_heads": heads,
            "ffn_dim": self.width(config["ffn_dim"]),
            "text_dim": text_width,
        }
        if config.get("added_kv_proj_dim") is not None:
            config["added_kv_proj_dim"] = heads * config["attention_head_dim"]
        if image_width is not None and config.get("image_dim") is not None:
            config["image_dim"] = image_width
        if "vace_layers" in config:  # layer 0 is always one; keep those that still exist
            config["vace_layers"] = [i for i in config["vace_layers"] if i < num_layers]
        return config

    def wan_vae(self, config: dict) -> dict:
        if self.k == 1:
            return config
        return {
            **config,
            "base_dim": self.width(config.get("base_dim", 96)),
            "num_res_blocks": self.depth(config.get("num_res_blocks", 2)),
        }
