"""Model setup for GPU operators: `fetch_model` downloads exactly the files the loader reads from a
Hub (a local fake one speaking the Hub's protocol to the real huggingface_hub client),
`check_model` verifies them and plans memory, and a real worker runs a job from the folder."""

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from generation.engine import checkpoints
from generation.engine.specs import FLUX, get_spec
from generation.models import Job
from tests.conftest import ROOT, signed_in, start_worker, stop_worker, wait_for
from tests.fake_hub import TOKEN, FakeHub
from tests.gen_helpers import t2v_data

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

# What the hub holds beyond the pipelines, as real repositories do: none of it may be fetched.
JUNK = [
    "tiny/ltx/big.safetensors",  # a top-level single-file checkpoint
    "tiny/ltx/transformer/diffusion_pytorch_model.fp16.safetensors",  # a variant
    "tiny/ltx/README.md",
    "tiny/ltx/.gitattributes",
    "tiny/flux/text_encoder_2/pytorch_model.bin",  # pickled weights beside safetensors
    "tiny/flux/transformer/diffusion_pytorch_model.safetensors.index.fp16.json",
]
# tiny/ltx borrows its text encoder from tiny/flux's text_encoder_2, so it has none of its own;
# the upscaler borrows tiny/ltx's VAE, so its own copy is never fetched.
BORROWED = [
    "tiny/ltx/text_encoder/config.json",
    "tiny/ltx/text_encoder/model.safetensors",
    "tiny/ltx-upscaler/vae/config.json",
    "tiny/ltx-upscaler/vae/diffusion_pytorch_model.safetensors",
]
SHARDS = [f"tiny/flux/text_encoder_2/model-0000{i}-of-00002.safetensors" for i in (1, 2)]


def shard(folder: Path) -> None:
    """Split a component's model.safetensors into two shards and an index, as FLUX.1-schnell's
    text_encoder_2 is published."""
    from safetensors.numpy import load_file, save_file

    tensors = load_file(folder / "model.safetensors")
    names = sorted(tensors)
    weight_map = {}
    for i, part in enumerate((names[: len(names) // 2], names[len(names) // 2 :]), start=1):
        file = f"model-0000{i}-of-00002.safetensors"
        save_file({n: tensors[n] for n in part}, folder / file, metadata={"format": "pt"})
        weight_map.update(dict.fromkeys(part, file))
    total = sum(t.nbytes for t in tensors.values())
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    (folder / "model.safetensors").unlink()


@pytest.fixture(scope="module")
def hub_root(tmp_path_factory):
    from generation.engine.loader import save_tiny_pipeline

    root = tmp_path_factory.mktemp("hub")
    for checkpoint in (
        "tiny/ltx",
        "tiny/flux",
        "tiny/ltx-upscaler",
        "tiny/wan-vace",
        "tiny/ltx-2",
    ):
        save_tiny_pipeline(checkpoint, root / checkpoint)
    shard(root / "tiny/flux/text_encoder_2")
    for name in JUNK:
        (root / name).write_bytes(b"\0" * 4096)
    return root


@pytest.fixture(scope="module")
def hub(hub_root):
    fake = FakeHub(hub_root)
    yield fake
    fake.close()


@pytest.fixture
def fresh_hub(hub):
    hub.reset()
    yield hub
    hub.reset()


def fetch(hub, model_dir, spec="tiny", *args, token=None):
    """`manage.py fetch_model` in its own process, as an operator runs it (huggingface_hub
    reads HF_ENDPOINT when it is imported)."""
    env = {
        **os.environ,
        "HF_ENDPOINT": hub.url,
        "HF_HUB_OFFLINE": "0",
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HOME": str(Path(model_dir).parent / "hf-home"),  # no token file, an empty cache
    }
    env.pop("HF_TOKEN", None)
    if token:
        env["HF_TOKEN"] = token
    command = [sys.executable, "manage.py", "fetch_model", spec, "--model-dir", str(model_dir)]
    return subprocess.run(
        [*command, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def files_under(folder: Path) -> set[str]:
    """Files of a model folder (paths relative to it), without the download bookkeeping."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "/.cache/" not in f"/{p.relative_to(folder).as_posix()}"
    }


@pytest.fixture(scope="module")
def fetched(hub, tmp_path_factory):
    """The demo spec fetched once from the fake hub: (model dir, fetch_model's output)."""
    hub.reset()
    model_dir = tmp_path_factory.mktemp("fetched") / "models"
    result = fetch(hub, model_dir)
    assert result.returncode == 0, result.stderr
    return model_dir, result.stdout, hub.gets()


def copy_of(fetched, tmp_path) -> Path:
    model_dir = tmp_path / "models"
    shutil.copytree(fetched[0], model_dir)
    return model_dir


def check(model_dir, *args) -> str:
    out = io.StringIO()
    call_command("check_model", "tiny", "--model-dir", str(model_dir), *args, stdout=out)
    return out.getvalue()


# --- fetch_model ---------------------------------------------------------------------------------


def test_fetch_model_downloads_exactly_the_files_the_loader_reads(fetched, hub_root):
    model_dir, output, gets = fetched
    published = files_under(hub_root)
    expected = published - set(JUNK) - set(BORROWED)
    assert files_under(model_dir) == expected
    assert not (model_dir / "tiny/ltx/text_encoder").exists()
    assert set(SHARDS) <= expected  # the sharded encoder: index and both shards
    assert "tiny/flux/text_encoder_2/model.safetensors.index.json" in expected
    assert sorted(gets) == sorted(expected)  # nothing else was downloaded, nothing twice
    total = sum((model_dir / name).stat().st_size for name in expected)
    assert f"fetched tiny: {total:,} bytes" in output
    assert "tiny/ltx@" in output and "tiny/flux@" in output


def test_a_second_fetch_downloads_nothing(fetched, fresh_hub, tmp_path):
    model_dir = copy_of(fetched, tmp_path)
    result = fetch(fresh_hub, model_dir)
    assert result.returncode == 0, result.stderr
    assert fresh_hub.gets() == []


def test_an_interrupted_fetch_resumes_with_only_what_is_missing(fetched, fresh_hub, tmp_path):
    model_dir = tmp_path / "models"
    last = "tiny/ltx-upscaler/latent_upsampler/diffusion_pytorch_model.safetensors"  # fetched last
    fresh_hub.fail_get(last)
    failed = fetch(fresh_hub, model_dir)
    assert failed.returncode == 1
    assert "run again to resume" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert not (model_dir / last).exists()
    fresh_hub.requests.clear()
    resumed = fetch(fresh_hub, model_dir)
    assert resumed.returncode == 0, resumed.stderr
    assert fresh_hub.gets() == [last]
    assert files_under(model_dir) == files_under(fetched[0])
    check(model_dir)


def test_a_dropped_connection_resumes_the_file_from_where_it_stopped(hub_root, tmp_path):
    """The client asks for the rest with a Range request. It keeps what it has received in
    whole chunks (huggingface_hub's DOWNLOAD_CHUNK_SIZE, 10 MiB), so the file must be larger."""
    import numpy as np
    from huggingface_hub.constants import DOWNLOAD_CHUNK_SIZE
    from safetensors.numpy import save_file

    root = tmp_path / "hub"
    shutil.copytree(hub_root, root)
    name = "tiny/ltx/transformer/diffusion_pytorch_model.safetensors"
    big = {"w": np.ones(DOWNLOAD_CHUNK_SIZE // 2 + 1024, np.float32)}  # just above 2 chunks
    save_file(big, root / name)
    hub = FakeHub(root)
    try:
        hub.cut_get(name, after=DOWNLOAD_CHUNK_SIZE + 1000)
        result = fetch(hub, tmp_path / "models")
        assert result.returncode == 0, result.stderr
        ranges = [
            r
            for method, path, r in hub.requests
            if method == "GET" and path.startswith("/tiny/ltx/") and path.endswith(name[9:])
        ]
        assert ranges == [None, f"bytes={DOWNLOAD_CHUNK_SIZE}-"]
        assert (tmp_path / "models" / name).read_bytes() == (root / name).read_bytes()
    finally:
        hub.close()


def test_a_gated_repository_asks_for_hf_token_and_opens_with_it(fresh_hub, tmp_path):
    fresh_hub.gated.add("tiny/flux")
    refused = fetch(fresh_hub, tmp_path / "models")
    assert refused.returncode == 1
    assert "tiny/flux is gated" in refused.stderr
    assert "HF_TOKEN" in refused.stderr and "licence" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert fresh_hub.gets() == ["tiny/ltx/model_index.json"]  # nothing big before the refusal
    wrong = fetch(fresh_hub, tmp_path / "models", token="hf_wrong")
    assert wrong.returncode == 1 and "tiny/flux is gated" in wrong.stderr
    opened = fetch(fresh_hub, tmp_path / "models", token=TOKEN)
    assert opened.returncode == 0, opened.stderr


def test_a_repository_the_hub_lacks_is_named_in_one_line(fresh_hub, tmp_path):
    result = fetch(fresh_hub, tmp_path / "models", "tiny-wan")
    assert result.returncode == 1
    assert "tiny/wan-t2v: no such repository" in result.stderr
    assert "demo checkpoints" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_spec_is_refused():
    with pytest.raises(CommandError, match="unknown model spec 'nope'"):
        call_command("fetch_model", "nope")


# --- check_model ---------------------------------------------------------------------------------


def test_check_model_passes_on_a_fetched_folder_and_prints_sizes_and_the_plan(fetched):
    output = check(fetched[0], "--gpu-memory", "8,24", "--host-memory", "32")
    inspection = checkpoints.inspect(get_spec("tiny"), fetched[0])
    assert inspection.ok
    vae = next(s for s in inspection.components["tiny/ltx"] if s.part.component == "vae")
    assert vae.tensors.dtypes == ["F32"]  # saved in float32, loaded in bfloat16 on a GPU
    assert vae.load_bytes == 2 * vae.numel
    assert "text_encoder      -> tiny/flux/text_encoder_2" in output
    assert "memory plan for tiny on a 8 GiB GPU" in output
    assert "memory plan for tiny on a 24 GiB GPU" in output
    assert "tiny: files complete, fits 8, 24 GiB" in output


def damage_missing_shard(model_dir):
    (model_dir / SHARDS[1]).unlink()
    return f"{SHARDS[1]}: missing (listed in model.safetensors.index.json)"


def damage_missing_weights(model_dir):
    (model_dir / "tiny/flux/vae/diffusion_pytorch_model.safetensors").unlink()
    return "tiny/flux/vae/diffusion_pytorch_model.safetensors: missing"


def damage_missing_tokenizer_file(model_dir):
    (model_dir / "tiny/ltx/tokenizer/tokenizer.json").unlink()
    return "tiny/ltx/tokenizer/tokenizer.json: missing"


def damage_garbage_config(model_dir):
    (model_dir / "tiny/ltx/vae/config.json").write_text("{not json")
    return "tiny/ltx/vae/config.json: not valid JSON"


def damage_truncated_weights(model_dir):
    path = model_dir / "tiny/ltx/transformer/diffusion_pytorch_model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return f"tiny/ltx/transformer/diffusion_pytorch_model.safetensors: truncated: {len(data) // 2}"


def damage_missing_model_index(model_dir):
    (model_dir / "tiny/flux/model_index.json").unlink()
    return "tiny/flux/model_index.json: missing"


@pytest.mark.parametrize(
    "damage",
    [
        damage_missing_shard,
        damage_missing_weights,
        damage_missing_tokenizer_file,
        damage_garbage_config,
        damage_truncated_weights,
        damage_missing_model_index,
    ],
)
def test_check_model_names_what_is_missing_or_damaged_and_fails(fetched, tmp_path, damage):
    model_dir = copy_of(fetched, tmp_path)
    problem = damage(model_dir)
    out = io.StringIO()
    with pytest.raises(CommandError, match="problem"):
        call_command("check_model", "tiny", "--model-dir", str(model_dir), stdout=out)
    assert problem in out.getvalue()


def test_check_model_fails_when_the_plan_does_not_fit(fetched):
    with pytest.raises(CommandError, match="does not fit a GPU of 1 GiB"):
        check(fetched[0], "--gpu-memory", "1")


def test_check_model_plans_from_the_architectures_before_anything_is_fetched(tmp_path):
    out = io.StringIO()
    call_command("check_model", "tiny", "--plan-only", "--gpu-memory", "8", stdout=out)
    assert "sizes from the architectures" in out.getvalue()
    assert "memory plan for tiny on a 8 GiB GPU" in out.getvalue()
    with pytest.raises(CommandError, match="--plan-only needs --gpu-memory"):
        call_command("check_model", "tiny", "--plan-only", stdout=io.StringIO())


# --- choosing files (no hub) ---------------------------------------------------------------------

# FLUX.1-schnell's published layout (top level: the single-file checkpoint and autoencoder).
FLUX_LISTING = [
    ".gitattributes", "README.md", "ae.safetensors", "flux1-schnell.safetensors",
    "model_index.json", "schnell_grid.jpeg", "scheduler/scheduler_config.json",
    "text_encoder/config.json", "text_encoder/model.safetensors",
    "text_encoder_2/config.json", "text_encoder_2/model-00001-of-00002.safetensors",
    "text_encoder_2/model-00002-of-00002.safetensors",
    "text_encoder_2/model.safetensors.index.json",
    "tokenizer/merges.txt", "tokenizer/special_tokens_map.json", "tokenizer/tokenizer_config.json",
    "tokenizer/vocab.json", "tokenizer_2/special_tokens_map.json", "tokenizer_2/spiece.model",
    "tokenizer_2/tokenizer.json", "tokenizer_2/tokenizer_config.json", "transformer/config.json",
    "transformer/diffusion_pytorch_model-00001-of-00003.safetensors",
    "transformer/diffusion_pytorch_model-00002-of-00003.safetensors",
    "transformer/diffusion_pytorch_model-00003-of-00003.safetensors",
    "transformer/diffusion_pytorch_model.safetensors.index.json",
    "vae/config.json", "vae/diffusion_pytorch_model.safetensors",
    "vae/diffusion_pytorch_model.fp16.safetensors", "vae/diffusion_pytorch_model.bin",
]  # fmt: skip
FLUX_INDEX = {
    "_class_name": "FluxPipeline",
    "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"],
    "text_encoder": ["transformers", "CLIPTextModel"],
    "text_encoder_2": ["transformers", "T5EncoderModel"],
    "tokenizer": ["transformers", "CLIPTokenizer"],
    "tokenizer_2": ["transformers", "T5TokenizerFast"],
    "transformer": ["diffusers", "FluxTransformer2DModel"],
    "vae": ["diffusers", "AutoencoderKL"],
    "image_encoder": [None, None],
    "feature_extractor": [None, None],
}


def test_a_real_layout_gives_configs_and_variant_free_safetensors_only():
    parts = checkpoints.needed_parts(get_spec("ltx-video"), {FLUX: FLUX_INDEX})
    flux = parts["black-forest-labs/FLUX.1-schnell"]
    files, problems = checkpoints.select_files(flux, FLUX_LISTING)
    assert problems == []
    assert set(files) == set(FLUX_LISTING) - {
        ".gitattributes",
        "README.md",
        "ae.safetensors",
        "flux1-schnell.safetensors",
        "schnell_grid.jpeg",
        "vae/diffusion_pytorch_model.fp16.safetensors",
        "vae/diffusion_pytorch_model.bin",
    }


def test_only_borrowed_components_are_fetched_from_a_checkpoint_the_spec_only_borrows_from():
    spec = get_spec("wan2.1")
    parts = checkpoints.needed_parts(spec, {})
    assert [p.component for p in parts["Wan-AI/Wan2.1-T2V-1.3B-Diffusers"]] == [
        "text_encoder",
        "vae",
    ]
    vae = parts["Wan-AI/Wan2.1-T2V-1.3B-Diffusers"][1]
    assert vae.load_dtype == "float32"  # Wan keeps its VAE in float32


def test_pickled_weights_alone_are_refused():
    part = checkpoints.Part("org/x", "vae", "diffusers", "AutoencoderKL")
    files, problems = checkpoints.select_files(
        [part], ["model_index.json", "vae/config.json", "vae/diffusion_pytorch_model.bin"]
    )
    assert problems == ["no variant-free safetensors weights in vae/"]


def test_a_safetensors_header_is_checked_against_the_file(tmp_path):
    import numpy as np
    from safetensors.numpy import save_file

    path = tmp_path / "w.safetensors"
    save_file({"a": np.zeros((4, 8), np.float32), "b": np.zeros(3, np.int64)}, path)
    header = checkpoints.read_header(path)
    tensors = checkpoints.tensors_of(header)
    assert tensors.numel == {"F32": 32, "I64": 3}
    assert tensors.load_bytes("bfloat16") == 32 * 2 + 3 * 8  # integers keep their size
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(checkpoints.Unreadable, match="trailing bytes"):
        checkpoints.read_header(path)
    path.write_bytes(b"\x10\0\0\0\0\0\0\0{}")
    with pytest.raises(checkpoints.Unreadable, match="truncated or not safetensors"):
        checkpoints.read_header(path)


# --- a real worker on the fetched folder ---------------------------------------------------------


@pytest.fixture
def member(client, alice):
    return signed_in(client, alice, "pro")


def run_job(client, model_dir, tmp_path) -> tuple[Job, str]:
    worker = start_worker(
        tmp_path,
        env={
            "GENERATION_MODEL_DIR": str(model_dir),
            "JOB_HEARTBEAT_SECONDS": "1",
        },
    )
    try:
        response = client.post(reverse("generation:create"), t2v_data())
        assert response.status_code == 302
        pk = int(response.url.rstrip("/").split("/")[-1])
        job = wait_for(
            lambda: Job.objects.filter(pk=pk, status__in=Job.FINISHED).first(),
            timeout=240,
            message=f"job {pk} to finish",
        )
        return job, worker.log()
    finally:
        stop_worker(worker)


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_a_job_from_the_fetched_folder(client, member, fetched, tmp_path):
    model_dir = copy_of(fetched, tmp_path)
    job, log = run_job(client, model_dir, tmp_path)
    assert job.status == Job.Status.SUCCEEDED, f"{job.error_message}\n{log}"
    assert not (model_dir / "tiny/ltx/text_encoder").exists()  # borrowed, never written


@pytest.mark.django_db(transaction=True)
def test_a_worker_given_a_damaged_fetched_folder_fails_the_job(client, member, fetched, tmp_path):
    """Proof that the worker reads the folder rather than building the demo model in code."""
    model_dir = copy_of(fetched, tmp_path)
    damage_truncated_weights(model_dir)
    job, log = run_job(client, model_dir, tmp_path)
    assert job.status == Job.Status.FAILED, log
    assert f"{model_dir}/tiny/ltx/transformer/diffusion_pytorch_model.safetensors" in log
