"""Effects' LoRA adapters in the engine: the web tier's layer table against the real diffusers
classes, the safetensors check, and adapters switched per job on one warm tiny pipeline (made
in code with peft on the tiny spec's real transformer class)."""

import io

import numpy as np
import pytest
from PIL import Image

from generation.engine import adapters, loader, lora_fit, restore, runner
from generation.engine.architectures import ARCHITECTURES
from generation.engine.specs import MODEL_SPECS, get_spec
from generation.engine.types import IMAGE_TO_VIDEO, Adapter, AdapterError, GenerationRequest
from tests.effect_helpers import make_lora

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
BLOCKS = ("transformer_blocks.", "blocks.", "vace_blocks.")


def _transformer_class(spec):
    import diffusers

    if spec.family == "ltx":
        return diffusers.LTXVideoTransformer3DModel
    config = ARCHITECTURES[spec.pipeline_for(IMAGE_TO_VIDEO).checkpoint][1]["transformer"]
    if "vace_layers" in config:
        return diffusers.WanVACETransformer3DModel
    return diffusers.WanTransformer3DModel


@pytest.mark.parametrize("spec_id", sorted(MODEL_SPECS))
def test_the_layer_table_is_the_real_transformers_linear_layers(spec_id):
    """Built on the meta device at full size (no memory): every layer the table names exists
    with its shape, and every linear layer of the blocks is in the table."""
    import torch

    spec = get_spec(spec_id)
    config = ARCHITECTURES[spec.pipeline_for(IMAGE_TO_VIDEO).checkpoint][1]["transformer"]
    with torch.device("meta"):
        model = _transformer_class(spec)(**config)
    real = {
        name: (module.in_features, module.out_features)
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear)
    }
    table = lora_fit.transformer_linears(spec)
    assert {name: real.get(name) for name in table} == table
    in_blocks = {name for name in real if name.startswith(BLOCKS)}
    assert in_blocks <= set(table)


def _header(path):
    with open(path, "rb") as f:
        return lora_fit.read_header(f, path.stat().st_size)


def test_a_lora_made_on_the_tiny_transformer_fits_and_others_do_not(tmp_path):
    tiny = get_spec("tiny")
    fitting = make_lora(tmp_path / "fit.safetensors")
    assert lora_fit.misfits(_header(fitting), tiny) == []
    # Wan's layer names on the LTX model.
    wan = make_lora(tmp_path / "wan.safetensors", checkpoint="tiny/wan-i2v", targets=["to_q"])
    problems = lora_fit.misfits(_header(wan), tiny)
    assert problems and all("has no layer blocks." in p for p in problems)
    # LTX's names at another width: every layer's shape is wrong.
    narrow = make_lora(tmp_path / "narrow.safetensors", attention_head_dim=8)
    problems = lora_fit.misfits(_header(narrow), tiny)
    assert any("adapts 32->32" in p and "is 64->64" in p for p in problems)
    # Fits the Wan demo, not the LTX one.
    assert lora_fit.misfits(_header(wan), get_spec("tiny-wan")) == []


def test_a_file_that_is_not_safetensors_is_refused():
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    for data in (png.getvalue(), b"", b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}"):
        with pytest.raises(lora_fit.NotSafetensors):
            lora_fit.read_header(io.BytesIO(data), len(data))


@pytest.fixture(scope="module")
def loras(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loras")
    return {
        "hug": make_lora(folder / "hug.safetensors", seed=1),
        "squish": make_lora(folder / "squish.safetensors", seed=2),
        "misfit": make_lora(folder / "misfit.safetensors", attention_head_dim=8),
    }


PHOTO = Image.new("RGB", (96, 64), (200, 120, 40))


def _frames(adapter=None, slots=4, image=PHOTO, **values):
    request = GenerationRequest(
        kind=IMAGE_TO_VIDEO,
        prompt="two friends hug",
        image=image,
        seed=3,
        num_inference_steps=2,
        adapter=adapter,
        **values,
    )
    return runner.run(request, spec="tiny", options=loader.LoadOptions(adapter_slots=slots))


def _pipe(slots=4):
    """The warm pipeline the runs above used (the worker's options are part of its key)."""
    return loader.get_pipeline(
        "tiny", IMAGE_TO_VIDEO, options=loader.LoadOptions(adapter_slots=slots)
    )


def _differ(a, b) -> float:
    return float(np.abs(a.frames.astype(int) - b.frames).mean())


def test_adapters_switch_per_job_without_reloading_the_pipeline(loras, monkeypatch):
    loads = []
    real_load = loader.load_pipeline
    monkeypatch.setattr(
        loader,
        "load_pipeline",
        lambda p, *a, **k: loads.append(p.checkpoint) or real_load(p, *a, **k),
    )
    loader.clear_cache()
    hug, squish = (Adapter(name, str(loras[name]), 1.0) for name in ("hug", "squish"))
    plain = _frames()
    with_hug = _frames(hug)
    with_squish = _frames(squish)
    plain_again = _frames()
    hug_again = _frames(hug)
    # Each adapter changes the video, each its own way; without one the base model is back.
    assert _differ(plain, with_hug) > 1 and _differ(plain, with_squish) > 1
    assert _differ(with_hug, with_squish) > 1
    assert _differ(plain, plain_again) == 0 and _differ(with_hug, hug_again) == 0
    # One pipeline, loaded once, holding both adapters.
    assert loads == ["tiny/ltx"]
    pipe = _pipe()
    assert adapters.loaded(pipe) == ["squish", "hug"]
    assert pipe.get_list_adapters() == {"transformer": ["hug", "squish"]}


def test_the_least_recently_used_adapter_is_deleted_past_the_slots(loras):
    hug, squish = (Adapter(name, str(loras[name]), 1.0) for name in ("hug", "squish"))
    first = _frames(hug, slots=1)
    _frames(squish, slots=1)
    pipe = _pipe(slots=1)
    assert adapters.loaded(pipe) == ["squish"]
    assert pipe.get_list_adapters() == {"transformer": ["squish"]}
    # Loaded again from its file, it makes the same video.
    assert _differ(first, _frames(hug, slots=1)) == 0


def test_an_adapter_that_does_not_load_fails_and_leaves_the_pipeline_clean(loras):
    plain = _frames()
    with pytest.raises(AdapterError):
        _frames(Adapter("misfit", str(loras["misfit"]), 1.0))
    pipe = _pipe()
    assert "misfit" not in adapters.loaded(pipe)
    assert "misfit" not in pipe.get_list_adapters().get("transformer", [])
    assert _differ(plain, _frames()) == 0


def test_a_weight_of_zero_is_the_base_model(loras):
    assert _differ(_frames(), _frames(Adapter("hug", str(loras["hug"]), 0.0))) == 0


def test_the_retouch_runs_the_picture_pipeline_as_image_to_image_on_the_photo():
    """Old photos: the spec's Flux pipeline as FluxImg2ImgPipeline (the same components) at a
    low strength retouches the photo, which then starts the video."""
    grey = Image.new("L", (96, 64), 128).convert("RGB")
    base = _frames(image=grey)
    retouched = _frames(image=grey, restore=("colour", "faces"))
    assert _differ(base, retouched) > 0
    flux = loader.get_pipeline("tiny", "text_to_picture")
    img2img = restore._CACHE[flux]
    assert type(img2img).__name__ == "FluxImg2ImgPipeline"
    assert img2img.transformer is flux.transformer  # nothing loaded twice
    assert restore.prompt_for(("faces", "colour")).startswith("restored colour photograph")
