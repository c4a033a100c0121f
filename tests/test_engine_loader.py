"""Loading: one warm pipeline per process, checkpoint folders, real-size architectures."""

import pytest

from generation.engine import loader
from generation.engine.specs import get_spec

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def test_a_pipeline_is_loaded_once_per_process_and_shared_by_its_capabilities():
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
    with pytest.raises(Exception, match="(?i)local|offline|cannot find|not found|does not appear"):
        loader.load_pipeline("ltx-video", "text_to_video", "cpu", model_dir=tmp_path)


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
    assert (
        loader.get_pipeline(
            "tiny", "text_to_video", "cpu", model_dir=None, compile=False, local_files_only=True
        )
        is pipe
    )


def test_warm_up_loads_every_pipeline_of_a_spec_before_the_first_job():
    from generation.engine import runner

    assert runner.warm_up("tiny", device="cpu") == ["tiny/ltx", "tiny/flux"]
    assert runner.warm_up("tiny-wan", device="cpu", kinds=["image_to_video"]) == [
        "tiny/wan-i2v",
        "tiny/wan-flf2v",
    ]


class FakePipeline:
    def __init__(self, name):
        self.name, self.device = name, "cuda"

    def to(self, device):
        self.device = device
        return self


def test_with_max_on_gpu_the_least_recently_used_pipelines_wait_in_host_memory(monkeypatch):
    """Wan 2.1's pipelines do not all fit on one GPU; parked ones stay loaded."""
    monkeypatch.setattr(loader, "_CACHE", {})
    monkeypatch.setattr(loader, "_PARKED", set())
    monkeypatch.setattr(loader, "_LAST_USED", {})
    loads = []

    def fake_load(spec, capability, device, **options):
        loads.append(capability)
        return FakePipeline(capability)

    monkeypatch.setattr(loader, "load_pipeline", fake_load)

    def get(kind):
        return loader.get_pipeline("wan2.1", kind, "cuda", max_on_gpu=2)

    text, image = get("text_to_video"), get("image_to_video")
    assert (text.device, image.device) == ("cuda", "cuda")
    extend = get("extend")  # the third: the least recently used (text) is parked
    assert (text.device, image.device, extend.device) == ("cpu", "cuda", "cuda")
    assert get("text_to_video") is text  # brought back, not loaded again
    assert (text.device, image.device, extend.device) == ("cuda", "cpu", "cuda")
    assert loads == ["text_to_video", "image_to_video", "extend"]
