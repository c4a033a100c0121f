"""Loading: one warm pipeline per process, checkpoint folders, real-size architectures."""

import pytest

from generation.engine import loader
from generation.engine.specs import get_spec

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def test_a_pipeline_is_loaded_once_per_process_and_shared_by_its_kinds():
    text = loader.get_pipeline("tiny", "text_to_video", "cpu")
    assert loader.get_pipeline("tiny", "text_to_video", "cpu") is text
    assert loader.get_pipeline("tiny", "image_to_video", "cpu") is text
    assert loader.get_pipeline("tiny", "extend", "cpu") is text
    picture = loader.get_pipeline("tiny", "text_to_picture", "cpu")
    assert type(text).__name__ == "LTXConditionPipeline"
    assert type(picture).__name__ == "FluxPipeline"


def test_the_tiny_ltx_pipeline_keeps_the_real_vae_compression():
    pipe = loader.get_pipeline("tiny", "text_to_video", "cpu")
    assert pipe.vae_spatial_compression_ratio == 32
    assert pipe.vae_temporal_compression_ratio == 8


def test_two_builds_of_the_demo_model_are_identical():
    import torch

    first = loader.build_tiny_pipeline("tiny/ltx").transformer.state_dict()
    second = loader.build_tiny_pipeline("tiny/ltx").transformer.state_dict()
    assert all(torch.equal(first[name], second[name]) for name in first)


def test_a_checkpoint_is_looked_up_in_the_model_dir_then_the_hub_cache(tmp_path):
    checkpoint = "Lightricks/LTX-Video-0.9.5"
    assert loader.checkpoint_path(checkpoint, None) == checkpoint
    assert loader.checkpoint_path(checkpoint, tmp_path) == checkpoint  # no folder there
    folder = tmp_path / "Lightricks" / "LTX-Video-0.9.5"
    folder.mkdir(parents=True)
    (folder / "model_index.json").write_text("{}")
    assert loader.checkpoint_path(checkpoint, tmp_path) == str(folder)


def test_a_missing_real_checkpoint_fails_without_downloading(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    pipeline = get_spec("ltx-video").pipeline_for("text_to_video")
    with pytest.raises(Exception, match="(?i)local|offline|cannot find|not found|does not appear"):
        loader.load_pipeline(pipeline, "cpu", loader.LoadOptions(model_dir=str(tmp_path)))


def test_saving_the_demo_model_writes_a_complete_diffusers_folder(tmp_path):
    folder = loader.save_tiny_pipeline("tiny/flux", tmp_path / "tiny" / "flux")
    assert (folder / "model_index.json").is_file()
    assert {p.name for p in folder.iterdir()} >= {"transformer", "vae", "tokenizer", "scheduler"}
    assert [p.name for p in tmp_path.joinpath("tiny").iterdir()] == ["flux"]  # no staging left


@pytest.mark.parametrize(
    ("spec", "kind", "component", "billions"),
    [
        ("ltx-video", "text_to_video", "transformer", 1.9),
        ("ltx-video", "text_to_video", "text_encoder", 4.8),
        ("ltx-video", "text_to_picture", "transformer", 11.9),
        ("wan2.1", "text_to_video", "transformer", 1.4),
        ("wan2.1", "image_to_video", "transformer", 16.4),
        ("wan2.1", "extend", "transformer", 2.2),
    ],
)
def test_random_weights_build_the_real_architectures(spec, kind, component, billions):
    """Built on the meta device: the real configs, without allocating their memory."""
    import torch

    from generation.engine.builders import build_pipeline

    checkpoint = get_spec(spec).pipeline_for(kind).checkpoint
    pipe = build_pipeline(checkpoint, device="meta", dtype=torch.bfloat16)
    count = sum(p.numel() for p in getattr(pipe, component).parameters())
    assert count / 1e9 == pytest.approx(billions, abs=0.1)


def test_options_left_at_their_defaults_do_not_load_a_second_copy():
    pipe = loader.get_pipeline("tiny", "text_to_video", "cpu")
    options = loader.LoadOptions(model_dir=None, compile="default", local_files_only=True)
    assert loader.get_pipeline("tiny", "text_to_video", "cpu", options=options) is pipe


def test_identical_components_are_loaded_once_and_shared_by_every_pipeline():
    """Wan's text encoder and VAE in every Wan pipeline, its image encoder in both image
    pipelines; LTX's T5 is Flux's second text encoder."""
    spec = get_spec("tiny-wan")
    pipes = {
        p.checkpoint: loader.get_pipeline(spec, kind, "cpu", mode=mode, end_frame=end)
        for kind, mode, end, p in loader._servings(spec)
    }
    text, image = pipes["tiny/wan-t2v"], pipes["tiny/wan-i2v"]
    for pipe in pipes.values():
        if type(pipe).__name__.startswith("Wan"):
            assert pipe.text_encoder is text.text_encoder and pipe.vae is text.vae
    assert pipes["tiny/wan-flf2v"].image_encoder is image.image_encoder
    assert pipes["tiny/wan-vace"].transformer is not text.transformer
    ltx = loader.get_pipeline("tiny", "text_to_video", "cpu")
    flux = loader.get_pipeline("tiny", "text_to_picture", "cpu")
    assert ltx.text_encoder is flux.text_encoder_2


def test_shared_components_load_from_their_source_folder(tmp_path):
    """From saved folders (the real path): the borrower's own copy is never read, so
    `fetch_model` need not fetch it."""
    import shutil

    for checkpoint in ("tiny/wan-t2v", "tiny/wan-i2v"):
        loader.save_tiny_pipeline(checkpoint, tmp_path / checkpoint)
    shutil.rmtree(tmp_path / "tiny/wan-i2v/text_encoder")  # borrowed from tiny/wan-t2v
    shutil.rmtree(tmp_path / "tiny/wan-i2v/vae")
    options = loader.LoadOptions(model_dir=str(tmp_path))
    text = loader.get_pipeline("tiny-wan", "text_to_video", "cpu", options=options)
    image = loader.get_pipeline("tiny-wan", "image_to_video", "cpu", options=options)
    assert image.text_encoder is text.text_encoder and image.vae is text.vae
    assert str(text.config._name_or_path).startswith(str(tmp_path))


def test_on_a_gpu_wan_keeps_its_vae_and_image_encoder_in_float32_and_the_rest_in_bf16():
    import torch

    spec = get_spec("wan2.1")
    pipeline = spec.pipeline_for("image_to_video", "professional")
    assert loader.component_dtype(pipeline, "vae", "cuda") == torch.float32
    assert loader.component_dtype(pipeline, "image_encoder", "cuda:1") == torch.float32
    assert loader.component_dtype(pipeline, "transformer", "cuda") == torch.bfloat16
    assert loader.component_dtype(pipeline, "text_encoder", "cuda") == torch.bfloat16
    assert loader.component_dtype(pipeline, "vae", "cpu") == torch.float32
    ltx = get_spec("ltx-video").pipeline_for("text_to_video")
    assert loader.component_dtype(ltx, "vae", "cuda") == torch.bfloat16


def test_warm_up_loads_every_pipeline_of_a_spec_on_a_cpu():
    from generation.engine import runner

    # The demo's reference videos run the tiny Wan VACE and its videos with sound the tiny
    # LTX-2: both are kept warm with the rest.
    assert runner.warm_up("tiny", device="cpu") == [
        "tiny/ltx",
        "tiny/flux",
        "tiny/wan-vace",
        "tiny/ltx-2",
        "tiny/ltx-upscaler",
    ]
    assert set(runner.warm_up("tiny-wan", device="cpu")) == {
        p.checkpoint for p in get_spec("tiny-wan").all_pipelines()
    }


def test_a_reduced_demo_build_shares_a_component_reduced_the_same_way():
    """The borrowed text encoder of a demo built with a width divisor is cut like the rest."""
    from generation.engine import runner
    from generation.engine.types import GenerationRequest

    request = GenerationRequest(
        kind="text_to_video", prompt="a cat", duration_s=1, num_inference_steps=1, size=(64, 64)
    )
    result = runner.run(request, spec="tiny", device="cpu", layers=1, width_divisor=2)
    assert result.frames.shape == (9, 64, 64, 3)
