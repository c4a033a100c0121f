"""Build a pipeline in code from the configs in architectures.py: no checkpoint, no download.

Used for the demo model (tiny configs, on a CPU) and for `--random-weights` benchmarks (real
configs, on a GPU). The tokenizer is a sentencepiece unigram model trained here on a few
sentences and wrapped in transformers' T5Tokenizer; weights come from a seeded generator, so two
builds are bit-identical.

The tiny LTX VAE keeps the real compression (32x spatial, 8x temporal) and gets pass-through
weights (`set_pass_through_vae`): the transformer stays random, so generated content is noise,
but conditioning frames survive encode -> decode as a blocky copy, so an image-to-video first
frame and an extension's context really come from the inputs.
"""

from __future__ import annotations

import io

from .architectures import ARCHITECTURES, reduce
from .host import on_host
from .sound_builders import RECIPES as SOUND_RECIPES

SEED = 1234
# The pass-through VAE's RMSNorms rescale by the channel RMS; a large constant channel keeps
# them (and the SiLU after them) close to linear for colours in [-1, 1].
VAE_CONSTANT = 100.0

_CORPUS = (
    "a cat walking on the beach at sunset",
    "a drone shot over snowy mountains at dawn",
    "an old photo of my grandmother smiling in her garden",
    "the camera pans left across a busy street in the rain",
    "a red car drives through a neon city at night",
    "slow motion waves crash on black rocks",
    "a dog jumps to catch a yellow ball in the park",
    "two children laugh and run through a field of flowers",
    "a chef slices vegetables in a bright kitchen",
    "fireworks explode over the river, reflections on the water",
    "a quiet forest with fog between tall pine trees",
    "an astronaut floats inside a space station",
    "a close up of coffee being poured into a white cup",
    "a horse gallops across the desert, dust in the wind",
    "jazz musicians play on a small stage, warm light",
    "the old man turns his head and smiles at the camera",
    "zoom in on a vintage black and white wedding portrait",
    "a quick brown fox jumps over the lazy dog",
    "pack my box with five dozen liquor jugs",
    "the numbers 0 1 2 3 4 5 6 7 8 9 and 10, 20, 100, 1080, 2024",
    "questions? answers! quotes \"like this\" and 'this'; colons: dashes - slashes /",
    "Capital Letters Start Each Word In This Sentence",
    "worst quality, inconsistent motion, blurry, jittery, distorted",
    "The camera stays still, a locked-off shot. The camera tilts slowly upward.",
    "The camera orbits smoothly around the subject in a half circle.",
    "cinematic lighting, highly detailed, 4k, film grain, shallow depth of field",
)


def build_tokenizer(model_max_length: int | None = None):
    """A T5-style tokenizer (pad 0, eos 1, unk 2, about 240 pieces) trained in well under 1 s."""
    import sentencepiece as spm
    from transformers import T5Tokenizer

    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_CORPUS * 4),
        model_writer=buffer,
        vocab_size=300,
        hard_vocab_limit=False,
        model_type="unigram",
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        byte_fallback=False,
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
    )
    processor = spm.SentencePieceProcessor(model_proto=buffer.getvalue())
    vocab = [(processor.id_to_piece(i), processor.get_score(i)) for i in range(len(processor))]
    kwargs = {"model_max_length": model_max_length} if model_max_length else {}
    return T5Tokenizer(vocab=vocab, extra_ids=0, **kwargs)


def build_pipeline(
    checkpoint: str,
    *,
    seed: int = SEED,
    device="cpu",
    dtype=None,
    layers: int | None = None,
    width_divisor: int = 1,
):
    """The pipeline for `checkpoint` (a key of ARCHITECTURES) with seeded random weights.

    Modules are created directly on `device` in `dtype` (a full-size model never has to pass
    through host memory in float32; on "meta" nothing is allocated, to count parameters).
    `layers` and `width_divisor` build a reduced version of the same classes
    (`architectures.reduce`): every stack cut to `layers`, widths divided.
    """
    import torch

    class_name, arch = ARCHITECTURES[checkpoint]
    arch = reduce(class_name, arch, layers, width_divisor)
    dtype = dtype or torch.float32
    previous_dtype = torch.get_default_dtype()
    with torch.random.fork_rng(devices=[]), torch.device(device):
        torch.manual_seed(seed)
        torch.set_default_dtype(dtype)
        try:
            pipe = _RECIPES[class_name](arch)
        finally:
            torch.set_default_dtype(previous_dtype)
    for component in pipe.components.values():
        if isinstance(component, torch.nn.Module):
            component.eval()
    return pipe


def _t5_encoder(config: dict, vocab_size: int, umt5: bool = False):
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    values = {"vocab_size": vocab_size, "pad_token_id": 0, "eos_token_id": 1, **config}
    if umt5:
        return UMT5EncoderModel(UMT5Config(**values))
    return T5EncoderModel(T5Config(**values))


def _ltx(arch: dict):
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXConditionPipeline,
        LTXVideoTransformer3DModel,
    )

    tokenizer = build_tokenizer(arch["max_sequence_length"])
    text_encoder = _t5_encoder(arch["text_encoder"], len(tokenizer))
    transformer = LTXVideoTransformer3DModel(**arch["transformer"])
    vae = AutoencoderKLLTXVideo(**arch["vae"])
    if arch.get("pass_through_vae"):
        set_pass_through_vae(vae)
    with on_host():
        scheduler = FlowMatchEulerDiscreteScheduler(**arch["scheduler"])
    return LTXConditionPipeline(
        scheduler=scheduler,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        transformer=transformer,
    )


def _flux(arch: dict):
    from diffusers import (
        AutoencoderKL,
        FlowMatchEulerDiscreteScheduler,
        FluxPipeline,
        FluxTransformer2DModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    # The CLIP slot takes the same in-code tokenizer; CLIP pools at the first </s> (id 1).
    tokenizer = build_tokenizer(model_max_length=77)
    tokenizer_2 = build_tokenizer(arch["max_sequence_length"])
    clip_config = {"vocab_size": len(tokenizer), **arch["clip"]}
    clip = CLIPTextModel(
        CLIPTextConfig(
            **clip_config,
            max_position_embeddings=77,
            pad_token_id=0,
            bos_token_id=0,
            eos_token_id=1,
        )
    )
    blocks = len(arch["vae"]["block_out_channels"])
    vae = AutoencoderKL(
        down_block_types=("DownEncoderBlock2D",) * blocks,
        up_block_types=("UpDecoderBlock2D",) * blocks,
        **arch["vae"],
    )
    with on_host():
        scheduler = FlowMatchEulerDiscreteScheduler(**arch["scheduler"])
    return FluxPipeline(
        scheduler=scheduler,
        vae=vae,
        text_encoder=clip,
        tokenizer=tokenizer,
        text_encoder_2=_t5_encoder(arch["text_encoder"], len(tokenizer_2)),
        tokenizer_2=tokenizer_2,
        transformer=FluxTransformer2DModel(**arch["transformer"]),
    )


def _wan_parts(arch: dict) -> dict:
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler

    tokenizer = build_tokenizer(arch["max_sequence_length"])
    with on_host():
        scheduler = UniPCMultistepScheduler(
            prediction_type="flow_prediction",
            use_flow_sigmas=True,
            num_train_timesteps=1000,
            **arch["scheduler"],
        )
    return {
        "tokenizer": tokenizer,
        "text_encoder": _t5_encoder(arch["text_encoder"], len(tokenizer), umt5=True),
        "vae": AutoencoderKLWan(**arch["vae"]),
        "scheduler": scheduler,
    }


def _wan(arch: dict):
    from diffusers import WanPipeline, WanTransformer3DModel

    return WanPipeline(transformer=WanTransformer3DModel(**arch["transformer"]), **_wan_parts(arch))


def _wan_i2v(arch: dict):
    from diffusers import WanImageToVideoPipeline, WanTransformer3DModel
    from transformers import CLIPVisionConfig, CLIPVisionModel

    try:  # transformers 5 names the torchvision-free processor explicitly
        from transformers import CLIPImageProcessorPil as ImageProcessor
    except ImportError:  # pragma: no cover - older transformers
        from transformers import CLIPImageProcessor as ImageProcessor

    vision = arch["image_encoder"]
    size = vision["image_size"]
    return WanImageToVideoPipeline(
        transformer=WanTransformer3DModel(**arch["transformer"]),
        image_encoder=CLIPVisionModel(CLIPVisionConfig(**vision)),
        image_processor=ImageProcessor(
            size={"shortest_edge": size},
            crop_size={"height": size, "width": size},
            image_mean=[0.48145466, 0.4578275, 0.40821073],
            image_std=[0.26862954, 0.26130258, 0.27577711],
        ),
        **_wan_parts(arch),
    )


def _wan_vace(arch: dict):
    from diffusers import WanVACEPipeline, WanVACETransformer3DModel

    return WanVACEPipeline(
        transformer=WanVACETransformer3DModel(**arch["transformer"]), **_wan_parts(arch)
    )


def _ltx_upscaler(arch: dict):
    from diffusers import AutoencoderKLLTXVideo, LTXLatentUpsamplePipeline
    from diffusers.pipelines.ltx.modeling_latent_upsampler import LTXLatentUpsamplerModel

    vae = AutoencoderKLLTXVideo(**arch["vae"])
    if arch.get("pass_through_vae"):
        set_pass_through_vae(vae)
    return LTXLatentUpsamplePipeline(
        vae=vae, latent_upsampler=LTXLatentUpsamplerModel(**arch["latent_upsampler"])
    )


def _kolors(arch: dict):
    from . import kolors

    with on_host():
        scheduler = kolors.scheduler_for(arch)
    return kolors.build(arch, scheduler)


_RECIPES = {
    "LTXConditionPipeline": _ltx,
    "LTXLatentUpsamplePipeline": _ltx_upscaler,
    "FluxPipeline": _flux,
    "KolorsPipeline": _kolors,
    "WanPipeline": _wan,
    "WanImageToVideoPipeline": _wan_i2v,
    "WanVACEPipeline": _wan_vace,
    **SOUND_RECIPES,
}


def set_pass_through_vae(vae) -> None:
    """Make a tiny LTX VAE's decode(encode(video)) a 32x32-block-average copy of the video.

    Encoder: conv_in takes each 4x4 patch's mean colour (channels 0-2) plus a constant (channel
    3); three 2x2x2 stages average (the 0.9.5 downsamplers' parameter-free residual, their convs
    zeroed); conv_out writes latent channels 0-2 = mean colour and a log-variance of -30, so
    sampling adds no noise. Decoder: conv_in copies latents 0-2 plus the constant; each upsampler
    conv copies a channel into its 8 sub-positions (nearest-neighbour 2x2x2); conv_out spreads
    each colour over its 4x4 patch. Each ResNet's second conv is zeroed, which makes the block an
    identity. Causal convs see frames (t-2, t-1, t): tap 2 is the current frame; centred convs
    see (t-1, t, t+1): tap 1.
    """
    import torch

    channels = vae.encoder.conv_in.conv.out_channels
    gain = 2 * VAE_CONSTANT / channels**0.5  # undoes RMSNorm (x * sqrt(c) / K) and SiLU (~x/2)
    with torch.no_grad():
        for module in vae.modules():
            name = module.__class__.__name__
            if name == "LTXVideoResnetBlock3d":
                _zero(module.conv2.conv)
            elif name == "LTXVideoDownsampler3d":
                _zero(module.conv.conv)

        enc, dec = vae.encoder, vae.decoder
        patch = enc.patch_size**2  # sub-pixels per colour in the patchified input
        latent = vae.config.latent_channels
        _zero(enc.conv_in.conv)
        _zero(enc.conv_out.conv)
        _zero(dec.conv_in.conv)
        _zero(dec.conv_out.conv)
        for colour in range(3):
            sub_pixels = slice(colour * patch, (colour + 1) * patch)
            enc.conv_in.conv.weight[colour, sub_pixels, 2, 1, 1] = 1.0 / patch
            enc.conv_out.conv.weight[colour, colour, 2, 1, 1] = gain
            dec.conv_in.conv.weight[colour, colour, 1, 1, 1] = 1.0
            dec.conv_out.conv.weight[sub_pixels, colour, 1, 1, 1] = gain
        enc.conv_in.conv.bias[3] = VAE_CONSTANT
        enc.conv_out.conv.bias[latent] = -30.0  # the log-variance channel
        dec.conv_in.conv.bias[3] = VAE_CONSTANT
        for block in dec.up_blocks:
            for upsampler in block.upsamplers or ():
                conv = upsampler.conv.conv
                _zero(conv)
                sub = conv.out_channels // conv.in_channels
                for channel in range(conv.in_channels):
                    conv.weight[channel * sub : (channel + 1) * sub, channel, 1, 1, 1] = 1.0


def _zero(conv) -> None:
    conv.weight.zero_()
    conv.bias.zero_()
