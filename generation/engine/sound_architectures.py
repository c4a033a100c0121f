"""LTX-2's component configs: the real ones (for memory plans, `fetch_model` and random-weight
benchmarks) and the demo's tiny ones, built in code by `sound_builders.py`.

LTX-2 makes a video and its soundtrack in one pass: one transformer with a video stream and an
audio stream that attend to each other, a video VAE (32x spatial, 8x temporal, patch 4), an
audio VAE over 16 kHz mel spectrograms (hop 160, 4x in time), a vocoder that turns the decoded
mel into a 24 kHz stereo waveform, and Gemma 3 as its text encoder (every hidden layer, through
the text connectors). diffusers' defaults for each class are LTX-2's published configs; only
Gemma 3 12B is written out here. The tiny versions keep every class and the real compression
ratios (so the latent grid, the audio length and the sample-rate arithmetic are the real ones),
with a few channels and layers each.
"""

from __future__ import annotations

# Gemma 3 12B (google/gemma-3-12b-it), the text encoder LTX-2 ships with.
GEMMA3_12B = {
    "text_config": {
        "vocab_size": 262208,
        "hidden_size": 3840,
        "intermediate_size": 15360,
        "num_hidden_layers": 48,
        "num_attention_heads": 16,
        "num_key_value_heads": 8,
        "head_dim": 256,
        "sliding_window": 1024,
    },
    "vision_config": {
        "hidden_size": 1152,
        "intermediate_size": 4304,
        "num_hidden_layers": 27,
        "num_attention_heads": 16,
        "image_size": 896,
        "patch_size": 14,
    },
    "mm_tokens_per_image": 256,
}

# Real LTX-2 (Lightricks/LTX-2, diffusers layout): the classes' defaults are its configs.
LTX_2 = {
    # Written out where the memory plan reads them (its video stream's width).
    "transformer": {"num_attention_heads": 32, "attention_head_dim": 128},
    "connectors": {},
    # Its down path scales space in three stages and time in three (the class's default ratio
    # would count four of each): the checkpoint's config states 32 and 8.
    "vae": {"spatial_compression_ratio": 32, "temporal_compression_ratio": 8},
    "audio_vae": {},
    "vocoder": {},
    "text_encoder": GEMMA3_12B,
    "max_sequence_length": 1024,
}

_TEXT_WIDTH = 32  # the tiny Gemma's hidden size; the text connectors' width must equal it
_C = 8
TINY_LTX_2 = {
    "transformer": {
        "in_channels": 8,
        "out_channels": 8,
        "num_attention_heads": 2,
        "attention_head_dim": 8,
        "cross_attention_dim": 16,
        "audio_in_channels": 4,  # audio latent channels x latent mel bins (2 x 2)
        "audio_out_channels": 4,
        "audio_num_attention_heads": 2,
        "audio_attention_head_dim": 4,
        "audio_cross_attention_dim": 8,
        "num_layers": 2,
        "caption_channels": _TEXT_WIDTH,
        "rope_double_precision": False,
    },
    "connectors": {
        "caption_channels": _TEXT_WIDTH,
        "video_connector_num_attention_heads": 4,
        "video_connector_attention_head_dim": 8,
        "video_connector_num_layers": 1,
        "video_connector_num_learnable_registers": None,
        "audio_connector_num_attention_heads": 4,
        "audio_connector_attention_head_dim": 8,
        "audio_connector_num_layers": 1,
        "audio_connector_num_learnable_registers": None,
        "connector_rope_base_seq_len": 32,
        "rope_double_precision": False,
    },
    # The real down path (patch 4, then spatial, temporal and two spatiotemporal stages:
    # 32x32 pixels and 8 frames per latent), a few channels wide.
    "vae": {
        "latent_channels": 8,
        "block_out_channels": (_C, _C, _C, _C),
        "decoder_block_out_channels": (_C, _C, _C),
        "layers_per_block": (1, 1, 1, 1, 1),
        "decoder_layers_per_block": (1, 1, 1, 1),
        "upsample_residual": (False, False, False),
        "upsample_factor": (1, 1, 1),
        "spatial_compression_ratio": 32,
        "temporal_compression_ratio": 8,
    },
    # 16 kHz mel with hop 160 and 4x temporal compression: 25 audio latents a second, as LTX-2.
    "audio_vae": {
        "base_channels": 4,
        "output_channels": 2,
        "ch_mult": (1, 1, 1),
        "num_res_blocks": 1,
        "latent_channels": 2,
        "mel_bins": 8,
    },
    # The real upsampling (6 x 5 x 2 x 2 x 2 = 240 samples per mel frame: 24 kHz stereo).
    "vocoder": {
        "in_channels": 2 * 8,  # audio VAE output channels x mel bins
        "hidden_channels": 32,
        "resnet_kernel_sizes": [3],
        "resnet_dilations": [[1]],
    },
    "text_encoder": {
        "text_config": {
            "hidden_size": _TEXT_WIDTH,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "head_dim": 8,
            "sliding_window": 64,
            "max_position_embeddings": 512,
        },
        "vision_config": {
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "image_size": 28,
            "patch_size": 14,
        },
        "mm_tokens_per_image": 4,
    },
    "max_sequence_length": 128,
}

# checkpoint -> (pipeline class, component configs); merged into ARCHITECTURES.
SOUND_ARCHITECTURES = {
    "Lightricks/LTX-2": ("LTX2Pipeline", LTX_2),
    "tiny/ltx-2": ("LTX2Pipeline", TINY_LTX_2),
}

# The real classes' widths that `reduce_ltx2` divides (diffusers' defaults, LTX-2's configs).
_REAL = {
    "heads": 32,
    "head_dim": 128,
    "audio_heads": 32,
    "audio_head_dim": 64,
    "connector_heads": 30,
    "connector_head_dim": 128,
    "connector_layers": 2,
    "vocoder_width": 1024,
    "vae": {
        "block_out_channels": (256, 512, 1024, 2048),
        "decoder_block_out_channels": (256, 512, 1024),
        "layers_per_block": (4, 6, 6, 2, 2),
        "decoder_layers_per_block": (5, 5, 5, 5),
    },
}


def reduce_ltx2(arch: dict, cut) -> dict:
    """LTX-2 cut as `architectures.reduce` cuts the others (`cut` is its `_Cut`): every stack
    to `cut.layers`, head counts and widths divided, head sizes kept. The text connectors'
    width (heads x head size) must equal Gemma's hidden size, so Gemma's follows theirs."""
    connector_heads = cut.heads(_REAL["connector_heads"])
    text_width = connector_heads * _REAL["connector_head_dim"]
    gemma = arch["text_encoder"]
    text = {**gemma["text_config"]}
    vision = {**gemma["vision_config"]}
    text["num_hidden_layers"] = cut.depth(text["num_hidden_layers"])
    vision["num_hidden_layers"] = cut.depth(vision["num_hidden_layers"])
    if cut.k > 1:
        text.update(
            hidden_size=text_width,
            num_attention_heads=cut.heads(text["num_attention_heads"]),
            num_key_value_heads=cut.heads(text["num_key_value_heads"]),
            intermediate_size=cut.width(text["intermediate_size"]),
        )
        text.pop("vocab_size", None)  # the in-code tokenizer's (the real table is 4 GB)
        head = vision["hidden_size"] // vision["num_attention_heads"]
        vision_heads = cut.heads(vision["num_attention_heads"])
        vision.update(
            num_attention_heads=vision_heads,
            hidden_size=vision_heads * head,
            intermediate_size=cut.width(vision["intermediate_size"]),
        )
    heads, audio_heads = cut.heads(_REAL["heads"]), cut.heads(_REAL["audio_heads"])
    connector_layers = cut.depth(_REAL["connector_layers"])
    vae = {key: tuple(map(cut.width, value)) for key, value in _REAL["vae"].items()}
    for key in ("layers_per_block", "decoder_layers_per_block"):
        vae[key] = tuple(map(cut.vae_depth, _REAL["vae"][key]))
    return {
        **arch,
        "text_encoder": {**gemma, "text_config": text, "vision_config": vision},
        "connectors": {
            **arch["connectors"],
            "video_connector_num_attention_heads": connector_heads,
            "audio_connector_num_attention_heads": connector_heads,
            "video_connector_num_layers": connector_layers,
            "audio_connector_num_layers": connector_layers,
        },
        "transformer": {
            **arch["transformer"],
            "num_layers": cut.depth(48),
            "num_attention_heads": heads,
            "cross_attention_dim": heads * _REAL["head_dim"],
            "audio_num_attention_heads": audio_heads,
            "audio_cross_attention_dim": audio_heads * _REAL["audio_head_dim"],
            "caption_channels": text_width if cut.k > 1 else 3840,
        },
        "vae": {**arch["vae"], **(vae if cut.k > 1 else {})},
        # Its base width stays: the latent statistics it keeps are that wide.
        "audio_vae": {**arch["audio_vae"], "num_res_blocks": cut.vae_depth(2)},
        "vocoder": {**arch["vocoder"], "hidden_channels": cut.width(_REAL["vocoder_width"])},
    }
