"""Build an LTX-2 pipeline (video with its soundtrack) in code from sound_architectures.py.

The tokenizer is Gemma's class (a byte-fallback BPE) over a small vocabulary written here: the
letters, digits and punctuation as pieces, every other character (Chinese prompts included)
through its UTF-8 bytes, as Gemma's own tokenizer falls back to them. Weights are seeded random
(`builders.build_pipeline` seeds and places them).
"""

from __future__ import annotations

from .host import on_host

# Gemma's special tokens, then the 256 byte-fallback pieces, then the single characters.
_SPECIALS = ("<pad>", "<eos>", "<bos>", "<unk>", "<mask>")
_CHARACTERS = "\u2581abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'\"-:;/()"


def build_gemma_tokenizer(model_max_length: int):
    from transformers import GemmaTokenizer

    vocab = {token: i for i, token in enumerate(_SPECIALS)}
    for byte in range(256):
        vocab[f"<0x{byte:02X}>"] = len(vocab)
    for character in _CHARACTERS:
        vocab.setdefault(character, len(vocab))
    return GemmaTokenizer(vocab=vocab, merges=[], model_max_length=model_max_length)


def _gemma3(config: dict, vocab_size: int | None):
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration

    text = {**config["text_config"]}
    if vocab_size is not None:
        text["vocab_size"] = vocab_size
    values = {**config, "text_config": text}
    return Gemma3ForConditionalGeneration(Gemma3Config(**values))


def _components(arch: dict) -> dict:
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        FlowMatchEulerDiscreteScheduler,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder

    tokenizer = build_gemma_tokenizer(arch["max_sequence_length"])
    # A full-size build keeps Gemma's real vocabulary (its embedding table is a real share of
    # the weights); the tiny one uses the in-code tokenizer's.
    real_vocab = "vocab_size" in arch["text_encoder"]["text_config"]
    text_encoder = _gemma3(arch["text_encoder"], None if real_vocab else len(tokenizer))
    text = text_encoder.config.text_config
    connectors = LTX2TextConnectors(
        **{
            "caption_channels": text.hidden_size,
            "text_proj_in_factor": text.num_hidden_layers + 1,  # every layer + the embeddings
            **arch["connectors"],
        }
    )
    with on_host():
        scheduler = FlowMatchEulerDiscreteScheduler()
    return {
        "scheduler": scheduler,
        "vae": AutoencoderKLLTX2Video(**arch["vae"]),
        "audio_vae": AutoencoderKLLTX2Audio(**arch["audio_vae"]),
        "text_encoder": text_encoder,
        "tokenizer": tokenizer,
        "connectors": connectors,
        "transformer": LTX2VideoTransformer3DModel(**arch["transformer"]),
        "vocoder": LTX2Vocoder(**arch["vocoder"]),
    }


def ltx2(arch: dict):
    from diffusers import LTX2Pipeline

    return LTX2Pipeline(**_components(arch))


def ltx2_image(arch: dict):
    from diffusers import LTX2ImageToVideoPipeline

    return LTX2ImageToVideoPipeline(**_components(arch))


RECIPES = {"LTX2Pipeline": ltx2, "LTX2ImageToVideoPipeline": ltx2_image}
