"""Kolors (Kuaishou's picture model): its architecture, a tiny one, and the in-code build.

Kolors is SDXL's UNet conditioned on ChatGLM3-6B, a bilingual (Chinese and English) language
model, so a Chinese prompt goes to the model as it is written. diffusers ships the text encoder
and its tokenizer in `diffusers.pipelines.kolors` (ChatGLMModel, ChatGLMTokenizer); the real
checkpoint (Kwai-Kolors/Kolors-diffusers) names them in its model_index.json, so the loader's
`KolorsPipeline.from_pretrained` path reads them like any component.

KOLORS holds the published architecture (the UNet's, ChatGLM3-6B's and the SDXL VAE's configs)
for `--random-weights` builds; TINY_KOLORS small versions of the same classes. The tiny
tokenizer is a sentencepiece model trained here on English and Chinese sentences, wrapped in the
real ChatGLMTokenizer. Plain data at import: torch is imported inside the functions.
"""

from __future__ import annotations

import io
import math
import os
import tempfile

# The UNet downsamples its latents twice (three blocks) and the VAE 8x: sides of 32 pixels keep
# every feature map whole.
KOLORS_MULTIPLE = 32

# ChatGLM3-6B as Kolors ships it (text_encoder/config.json): 28 layers, 4096 wide, grouped-query
# attention with 2 key/value groups.
CHATGLM3_6B = {
    "num_layers": 28,
    "padded_vocab_size": 65024,
    "hidden_size": 4096,
    "ffn_hidden_size": 13696,
    "kv_channels": 128,
    "num_attention_heads": 32,
    "seq_length": 32768,
    "layernorm_epsilon": 1e-5,
    "rmsnorm": True,
    "apply_residual_connection_post_layernorm": False,
    "post_layer_norm": True,
    "add_bias_linear": False,
    "add_qkv_bias": True,
    "multi_query_attention": True,
    "multi_query_group_num": 2,
    "original_rope": True,
}

KOLORS = {
    "unet": {
        "sample_size": 128,
        "in_channels": 4,
        "out_channels": 4,
        "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        "up_block_types": ("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        "block_out_channels": (320, 640, 1280),
        "layers_per_block": 2,
        "transformer_layers_per_block": (1, 2, 10),
        # diffusers' UNet calls the head count `attention_head_dim` (64-wide heads).
        "attention_head_dim": (5, 10, 20),
        "cross_attention_dim": 2048,
        "encoder_hid_dim": 4096,
        "encoder_hid_dim_type": "text_proj",
        "addition_embed_type": "text_time",
        "addition_time_embed_dim": 256,
        "projection_class_embeddings_input_dim": 5632,  # pooled 4096 + 6 size/crop ids x 256
        "use_linear_projection": True,
        "norm_num_groups": 32,
    },
    # SDXL's VAE (Kolors keeps it).
    "vae": {
        "block_out_channels": (128, 256, 512, 512),
        "layers_per_block": 2,
        "latent_channels": 4,
        "norm_num_groups": 32,
        "sample_size": 1024,
        "scaling_factor": 0.13025,
        "force_upcast": True,
    },
    "text_encoder": CHATGLM3_6B,
    # Kolors' EulerDiscreteScheduler: its own noise schedule (1100 training steps, beta_end
    # 0.014), leading spacing.
    "scheduler": {
        "beta_start": 0.00085,
        "beta_end": 0.014,
        "beta_schedule": "scaled_linear",
        "num_train_timesteps": 1100,
        "timestep_spacing": "leading",
        "steps_offset": 1,
        "prediction_type": "epsilon",
    },
    "max_sequence_length": 256,
}

TINY_KOLORS = {
    "unet": {
        **KOLORS["unet"],
        "sample_size": 32,
        "block_out_channels": (32, 64, 64),
        "layers_per_block": 1,
        "transformer_layers_per_block": (1, 1, 1),
        "attention_head_dim": (2, 4, 4),
        "cross_attention_dim": 32,
        "encoder_hid_dim": 32,
        "addition_time_embed_dim": 8,
        "projection_class_embeddings_input_dim": 32 + 6 * 8,
        "norm_num_groups": 8,
    },
    "vae": {
        "block_out_channels": (8, 8, 8, 8),  # three downsamples: the real 8x compression
        "layers_per_block": 1,
        "latent_channels": 4,
        "norm_num_groups": 4,
        "scaling_factor": 0.13025,
    },
    "text_encoder": {
        **CHATGLM3_6B,
        "num_layers": 2,
        "hidden_size": 32,
        "ffn_hidden_size": 37,
        "kv_channels": 8,
        "num_attention_heads": 4,
        "seq_length": 256,
    },
    "scheduler": KOLORS["scheduler"],
    "max_sequence_length": 256,
}

# Both languages Kolors reads, so the tiny tokenizer has pieces for Chinese prompts too.
_CORPUS = (
    "a red fox sleeping in the snow, soft morning light",
    "an old photo of my grandmother smiling in her garden",
    "a paper lantern floating over the rooftops at night",
    "cinematic lighting, highly detailed, film grain",
    "一只红色的狐狸在雪地里睡觉，清晨柔和的光线",
    "奶奶在花园里微笑的老照片",
    "夜晚屋顶上飘着一盏纸灯笼",
    "水墨画风格的山水，云雾缭绕",
    "熊猫在竹林里吃竹子，阳光透过树叶",
    "城市夜景，霓虹灯，下雨的街道",
    "春节的红灯笼和烟花，热闹的庙会",
    "一杯热茶放在木桌上，窗外是江南小镇",
)


def build_tokenizer():
    """The real ChatGLMTokenizer over a sentencepiece model trained here (unk 0, bos 1, eos 2
    as ChatGLM's; every character of the corpus kept, Chinese included)."""
    import sentencepiece as spm
    from diffusers.pipelines.kolors import ChatGLMTokenizer

    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_CORPUS * 4),
        model_writer=buffer,
        vocab_size=400,
        hard_vocab_limit=False,
        model_type="unigram",
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
    )
    # ChatGLMTokenizer reads its model from a file (and keeps it loaded); save_pretrained copies
    # the file, so it lives as long as the process.
    folder = tempfile.mkdtemp(prefix="tiny-kolors-tokenizer-")
    path = os.path.join(folder, "tokenizer.model")
    with open(path, "wb") as f:
        f.write(buffer.getvalue())
    return ChatGLMTokenizer(vocab_file=path)


def build(arch: dict, scheduler):
    """A KolorsPipeline from `arch` (KOLORS, TINY_KOLORS or a reduced one) and its `scheduler`
    (`scheduler_for`, made by the caller on the host), weights from the current torch seed."""
    import torch
    from diffusers import AutoencoderKL, KolorsPipeline, UNet2DConditionModel
    from diffusers.pipelines.kolors.text_encoder import ChatGLMConfig, ChatGLMModel

    tokenizer = build_tokenizer()
    text = {**arch["text_encoder"]}
    # The vocabulary: the real one at full width, else the tiny tokenizer's (pieces + specials).
    text.setdefault("padded_vocab_size", tokenizer.vocab_size)
    # ChatGLMModel makes its layers on the device it is given (CPU when none), whatever the
    # default device: name the builder's, so a meta build allocates nothing.
    text_encoder = ChatGLMModel(ChatGLMConfig(**text), device=torch.get_default_device())
    _init_weights(text_encoder)
    blocks = len(arch["vae"]["block_out_channels"])
    vae = AutoencoderKL(
        down_block_types=("DownEncoderBlock2D",) * blocks,
        up_block_types=("UpDecoderBlock2D",) * blocks,
        **arch["vae"],
    )
    return KolorsPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=UNet2DConditionModel(**arch["unet"]),
        scheduler=scheduler,
    )


def _init_weights(model) -> None:
    """ChatGLMModel leaves its parameters as allocated (from_pretrained fills them); built in
    code they are drawn here as ChatGLM's initializer would (normal 0.02, norms at one)."""
    import torch

    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("bias"):
                parameter.zero_()
            elif parameter.dim() == 1:  # the RMSNorms' scales
                parameter.fill_(1.0)
            else:
                parameter.normal_(0.0, 0.02)
    for name, buffer in model.named_buffers():
        if not buffer.is_meta and not torch.isfinite(buffer).all():
            raise ValueError(f"ChatGLM buffer {name} is not initialised")


def unet_working_bytes(unet: dict, width: int, height: int, batch: int) -> int:
    """Estimated activation bytes (GPU dtype) of one UNet call on `batch` latents of a
    `width` x `height` picture: the skip connections kept for the up path, plus the widest
    stage's transformer working set (residual, q, k, v, output and norm, and the GEGLU's 8x
    hidden state, per token). What the memory plan reserves (`memory.working_bytes`)."""
    positions = (width // 8) * (height // 8)
    skips = peak = 0
    for level, channels in enumerate(unet["block_out_channels"]):
        tokens = positions // 4**level
        skips += tokens * channels * (unet["layers_per_block"] + 1)
        peak = max(peak, tokens * channels * 14)
    return (skips + peak) * 2 * batch


def scheduler_for(arch: dict):
    from diffusers import EulerDiscreteScheduler

    return EulerDiscreteScheduler(**arch["scheduler"])


def reduce(arch: dict, cut) -> dict:
    """KOLORS cut as `architectures.reduce` cuts the others: `cut` (its _Cut) gives the depth
    and the width divisor; the structure (text projection, size/crop embeddings, grouped-query
    attention, the VAE's compression) stays."""
    text = {**arch["text_encoder"], "num_layers": cut.depth(arch["text_encoder"]["num_layers"])}
    unet = {**arch["unet"]}
    unet["layers_per_block"] = cut.depth(unet["layers_per_block"])
    unet["transformer_layers_per_block"] = tuple(
        map(cut.depth, unet["transformer_layers_per_block"])
    )
    if cut.k > 1:
        heads = max(text["multi_query_group_num"], cut.heads(text["num_attention_heads"]))
        text.update(
            num_attention_heads=heads,
            hidden_size=heads * text["kv_channels"],
            ffn_hidden_size=cut.width(text["ffn_hidden_size"]),
        )
        text.pop("padded_vocab_size")  # the in-code tokenizer's own size
        channels = tuple(map(cut.width, unet["block_out_channels"]))
        unet.update(
            block_out_channels=channels,
            attention_head_dim=tuple(max(1, c // 64) for c in channels),
            cross_attention_dim=cut.width(unet["cross_attention_dim"]),
            norm_num_groups=math.gcd(unet["norm_num_groups"], *channels),
        )
    unet.update(
        encoder_hid_dim=text["hidden_size"],
        projection_class_embeddings_input_dim=text["hidden_size"]
        + 6 * unet["addition_time_embed_dim"],
    )
    return {**arch, "text_encoder": text, "unet": unet, "vae": cut.flux_vae(arch["vae"])}
