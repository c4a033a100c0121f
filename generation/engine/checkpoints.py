"""What a spec's checkpoint folders must hold, and whether the copy on disk is whole.

A checkpoint lives in `<model dir>/<org>/<name>/`, a diffusers folder: `model_index.json` and one
sub-folder per component. `manage.py fetch_model` downloads exactly the files chosen here and
`manage.py check_model` verifies them. No torch: weights are checked from their safetensors
headers (a few KB per file), never read whole.

A checkpoint folder needs:
- `model_index.json`;
- for each component it lists with a [library, class] that the pipeline does not borrow
  (`PipelineSpec.shared`): the component's config, tokenizer and processor files and its weights,
  the variant-free safetensors only (one file, or an index and its shards);
- for each component another pipeline borrows from it: that component's folder, under the
  source's name for it (LTX's `text_encoder` is FLUX.1-schnell's `text_encoder_2`).
Never `.bin` weights, variants (`*.fp16.safetensors`) or the top-level single-file checkpoints
real repos carry (10-20 GB each, unused by the diffusers loader).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .specs import ModelSpec, PipelineSpec

GPU_DTYPE = "bfloat16"
DTYPE_BYTES = {"bfloat16": 2, "float16": 2, "float32": 4}
# Bytes per element of each safetensors dtype, and which of them a pipeline casts on loading.
STORED_BYTES = {
    "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1,
    "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1,
}  # fmt: skip
FLOATS = {"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"}
# Config, tokenizer and processor files (spiece.model, vocab.json, merges.txt, ...).
CONFIG_SUFFIXES = (".json", ".txt", ".model", ".tiktoken")
# Components without weights, by their class name's ending.
NO_WEIGHTS = ("Scheduler", "Tokenizer", "TokenizerFast", "Processor", "FeatureExtractor")
WEIGHT_STEMS = ("diffusion_pytorch_model", "model")
_SHARD = re.compile(r"(diffusion_pytorch_model|model)-\d{5}-of-\d{5}\.safetensors")
MAX_HEADER = 100 << 20  # safetensors refuses headers above 100 MB too
# What fetch_model downloaded, per checkpoint folder: {"revision": sha, "files": {path: size}}.
RECORD = ".cache/fetch_model.json"

Key = tuple[str, str]


@dataclass(frozen=True)
class Part:
    """One component folder a spec loads: where its files are and its dtype on a GPU."""

    checkpoint: str
    component: str
    library: str = ""  # from model_index.json; "" where that file could not be read
    class_name: str = ""
    load_dtype: str = GPU_DTYPE

    @property
    def key(self) -> Key:
        return (self.checkpoint, self.component)

    @property
    def has_weights(self) -> bool:
        return not self.class_name.endswith(NO_WEIGHTS) if self.class_name else True


def listed_components(index: Mapping | None) -> dict[str, tuple[str, str]]:
    """The components a model_index.json lists with a library and class ([null, null] entries
    are optional parts the checkpoint leaves out, such as Flux's image encoder)."""
    return {
        name: (value[0], value[1])
        for name, value in (index or {}).items()
        if not name.startswith("_") and isinstance(value, list) and len(value) == 2 and all(value)
    }


def source_checkpoints(spec: ModelSpec) -> list[str]:
    """Every checkpoint folder the spec reads: its pipelines', then those it only borrows from."""
    found = [pipeline.checkpoint for pipeline in spec.all_pipelines()]
    for pipeline in spec.all_pipelines():
        found += [checkpoint for checkpoint, _ in pipeline.shared.values()]
    return list(dict.fromkeys(found))


def needed_parts(spec: ModelSpec, indexes: Mapping[str, Mapping | None]) -> dict[str, list[Part]]:
    """checkpoint -> the component folders the spec loads from it, after sharing.

    `indexes` holds each pipeline checkpoint's model_index.json (None where it is missing: its
    own components are then unknown, but what it borrows is known from the spec). A component
    two pipelines load in different dtypes is counted in the wider one."""
    found: dict[str, dict[str, Part]] = {checkpoint: {} for checkpoint in source_checkpoints(spec)}
    pipelines = spec.all_pipelines()
    # Each pipeline's own components first, in model_index order; then the borrowed ones.
    for borrowed in (False, True):
        for pipeline in pipelines:
            listed = listed_components(indexes.get(pipeline.checkpoint))
            for name in pipeline.shared if borrowed else listed:
                if borrowed or name not in pipeline.shared:
                    _add_part(found, pipeline, name, listed.get(name, ("", "")))
    return {checkpoint: list(parts.values()) for checkpoint, parts in found.items()}


def _add_part(found: dict, pipeline: PipelineSpec, name: str, listed: tuple[str, str]) -> None:
    checkpoint, component = pipeline.shared.get(name, (pipeline.checkpoint, name))
    part = Part(checkpoint, component, *listed, load_dtype(pipeline, name))
    known = found[checkpoint].get(component)
    if known is None:
        found[checkpoint][component] = part
    elif DTYPE_BYTES[part.load_dtype] > DTYPE_BYTES[known.load_dtype]:
        found[checkpoint][component] = replace(known, load_dtype=part.load_dtype)


def load_dtype(pipeline: PipelineSpec, component: str) -> str:
    return pipeline.dtypes.get(component, GPU_DTYPE)


def pipeline_keys(pipeline: PipelineSpec, keys: Iterable[Key]) -> tuple[list[Key], list[Key]]:
    """The keys among `keys` that `pipeline` loads: (its own, the ones it borrows)."""
    keys = list(keys)
    own = [k for k in keys if k[0] == pipeline.checkpoint and k[1] not in pipeline.shared]
    borrowed = [k for k in pipeline.shared.values() if k in keys]
    return own, borrowed


# --- choosing files ------------------------------------------------------------------------------


def is_config_file(name: str) -> bool:
    return name.endswith(CONFIG_SUFFIXES) and ".safetensors" not in name and ".bin" not in name


def weight_files(names: Iterable[str], library: str = "") -> list[str]:
    """The variant-free safetensors among a component folder's file names: one file, or an index
    and its shards, in the order the component's library looks for them (diffusers: the index
    first; transformers: the single file first). Empty when there are none."""
    names = set(names)
    for stem in WEIGHT_STEMS:
        single = [f"{stem}.safetensors"] if f"{stem}.safetensors" in names else []
        shards = sorted(n for n in names if _SHARD.fullmatch(n) and n.startswith(f"{stem}-"))
        index = f"{stem}.safetensors.index.json"
        sharded = [index, *shards] if index in names and shards else []
        for choice in (single, sharded) if library == "transformers" else (sharded, single):
            if choice:
                return choice
    return []


def select_files(parts: Iterable[Part], listing: Iterable[str]) -> tuple[list[str], list[str]]:
    """(files, problems): the files of a checkpoint's listing (paths relative to its folder) that
    `parts` need, and what the listing lacks (no model_index.json, a component's folder, its
    variant-free safetensors)."""
    folders: dict[str, list[str]] = {}
    for path in listing:
        folder, _, name = path.rpartition("/")
        folders.setdefault(folder, []).append(name)
    files, problems = [], []
    if "model_index.json" in folders.get("", []):
        files.append("model_index.json")
    else:
        problems.append("no model_index.json (not a diffusers pipeline)")
    for part in parts:
        names = folders.get(part.component)
        if not names:
            problems.append(f"no {part.component}/ folder")
            continue
        chosen = [n for n in names if is_config_file(n)]
        if part.has_weights:
            weights = weight_files(names, part.library)
            if not weights:
                problems.append(f"no variant-free safetensors weights in {part.component}/")
            chosen += weights
        files += [f"{part.component}/{name}" for name in sorted(set(chosen))]
    return files, problems


# --- safetensors headers -----------------------------------------------------------------------


class Unreadable(Exception):
    """A file that is not what it should be; the message says how."""


@dataclass
class Tensors:
    """What a safetensors file's header says: element counts by stored dtype."""

    numel: Counter = field(default_factory=Counter)

    def add(self, other: Tensors) -> None:
        self.numel.update(other.numel)

    def load_bytes(self, dtype: str) -> int:
        """Bytes once loaded: floating tensors in `dtype`, the others as stored."""
        size = DTYPE_BYTES[dtype]
        return sum(
            n * (size if d in FLOATS else STORED_BYTES.get(d, 1)) for d, n in self.numel.items()
        )

    @property
    def dtypes(self) -> list[str]:
        """Stored dtypes, the largest share first."""
        return [d for d, _ in self.numel.most_common()]


def read_header(path: Path) -> dict:
    """The JSON header of a safetensors file, checked against the file's size: every tensor's
    bytes lie inside the file, match its shape and dtype, and the file ends where the last one
    does (a truncated download fails here). Raises Unreadable."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        prefix = f.read(8)
        if len(prefix) < 8:
            raise Unreadable(f"truncated: {size} bytes, no safetensors header")
        length = int.from_bytes(prefix, "little")
        if length > min(size - 8, MAX_HEADER):
            raise Unreadable(f"truncated or not safetensors: header of {length} bytes in {size}")
        try:
            header = json.loads(f.read(length))
        except ValueError as error:
            raise Unreadable(f"unreadable safetensors header ({error})") from None
    if not isinstance(header, dict):
        raise Unreadable("unreadable safetensors header")
    end = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            begin, stop = (int(x) for x in info["data_offsets"])
            numel = math.prod(int(x) for x in info["shape"])
            dtype = info["dtype"]
        except (KeyError, TypeError, ValueError):
            raise Unreadable(f"tensor {name}: malformed header entry") from None
        itemsize = STORED_BYTES.get(dtype)
        if not 0 <= begin <= stop or (itemsize and stop - begin != numel * itemsize):
            raise Unreadable(f"tensor {name}: bytes {begin}..{stop} do not fit its shape")
        end = max(end, stop)
    if 8 + length + end != size:
        verb = "truncated" if size < 8 + length + end else "has trailing bytes"
        raise Unreadable(f"{verb}: {size} bytes, the header says {8 + length + end}")
    return header


def tensors_of(header: dict) -> Tensors:
    found = Tensors()
    for name, info in header.items():
        if name != "__metadata__":
            found.numel[info["dtype"]] += math.prod(info["shape"])
    return found


# --- inspecting a model folder -------------------------------------------------------------------


@dataclass
class ComponentState:
    """One needed component folder on disk: its files, what its weights hold, what is wrong."""

    part: Part
    files: list[str] = field(default_factory=list)  # relative to the model dir
    tensors: Tensors = field(default_factory=Tensors)
    problems: list[str] = field(default_factory=list)

    @property
    def numel(self) -> int:
        return sum(self.tensors.numel.values())

    @property
    def load_bytes(self) -> int:
        """Bytes of its weights in the dtype it loads in on a GPU."""
        return self.tensors.load_bytes(self.part.load_dtype)


@dataclass
class Inspection:
    spec: ModelSpec
    model_dir: Path
    components: dict[str, list[ComponentState]]  # checkpoint -> its needed components
    problems: list[str]  # every problem: "<path relative to the model dir>: what is wrong"

    @property
    def ok(self) -> bool:
        return not self.problems

    def sizes(self) -> dict[Key, int]:
        """{(checkpoint, component): bytes in its GPU dtype} for every component with weights:
        what `memory.plan` takes."""
        return {
            state.part.key: state.load_bytes
            for states in self.components.values()
            for state in states
            if state.part.has_weights
        }


def inspect(spec: ModelSpec, model_dir: str | Path) -> Inspection:
    """Check every file the spec needs under `model_dir` (headers only, so a 60 GB spec takes
    well under a second) and count its weights."""
    model_dir = Path(model_dir)
    problems: list[str] = []
    indexes = {}
    for checkpoint in source_checkpoints(spec):
        indexes[checkpoint] = _read_json(model_dir, f"{checkpoint}/model_index.json", problems)
    components = {}
    for checkpoint, parts in needed_parts(spec, indexes).items():
        components[checkpoint] = states = [_inspect_part(model_dir, part) for part in parts]
        for problem in [p for s in states for p in s.problems] + _check_record(
            model_dir, checkpoint, parts
        ):
            # One line per file: the structural check's words first, the record's otherwise.
            if not any(p.split(": ")[0] == problem.split(": ")[0] for p in problems):
                problems.append(problem)
    return Inspection(spec, model_dir, components, problems)


def _read_json(model_dir: Path, relative: str, problems: list[str]):
    path = model_dir / relative
    if not path.is_file():
        problems.append(f"{relative}: missing")
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        problems.append(f"{relative}: not valid JSON ({error})")
        return None


def _check_record(model_dir: Path, checkpoint: str, parts: list[Part]) -> list[str]:
    """Files fetch_model recorded for the needed components that are gone or changed size."""
    record_path = model_dir / checkpoint / RECORD
    if not record_path.is_file():
        return []
    try:
        recorded = json.loads(record_path.read_text())["files"]
    except (ValueError, KeyError, TypeError):
        return [f"{checkpoint}/{RECORD}: not valid JSON"]
    folders = {part.component for part in parts}
    problems = []
    for name, size in sorted(recorded.items()):
        if "/" in name and name.split("/")[0] not in folders:
            continue
        path = model_dir / checkpoint / name
        if not path.is_file():
            problems.append(f"{checkpoint}/{name}: missing")
        elif size is not None and path.stat().st_size != size:
            actual = path.stat().st_size
            problems.append(f"{checkpoint}/{name}: {actual} bytes, fetched {size}")
    return problems


def _inspect_part(model_dir: Path, part: Part) -> ComponentState:
    state = ComponentState(part)
    relative = f"{part.checkpoint}/{part.component}"
    folder = model_dir / relative
    if not folder.is_dir():
        state.problems.append(f"{relative}/: missing")
        return state
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    state.files = [f"{relative}/{name}" for name in names]
    for name in names:
        if name.endswith(".json"):
            _read_json(model_dir, f"{relative}/{name}", state.problems)
    if not names:
        state.problems.append(f"{relative}/: empty")
        return state
    if part.class_name.endswith("Scheduler"):
        required = "scheduler_config.json"
    else:
        required = "config.json" if part.has_weights else None
    if required and required not in names:
        state.problems.append(f"{relative}/{required}: missing")
    if part.has_weights:
        _inspect_weights(model_dir, relative, names, part.library, state)
    return state


def _inspect_weights(model_dir: Path, relative: str, names, library: str, state) -> None:
    chosen = weight_files(names, library)
    if not chosen:
        stem = "model" if library == "transformers" else "diffusion_pytorch_model"
        if any(_SHARD.fullmatch(n) for n in names):
            state.problems.append(f"{relative}/{stem}.safetensors.index.json: missing")
        else:
            state.problems.append(f"{relative}/{stem}.safetensors: missing")
        return
    if chosen[0].endswith(".index.json"):
        index = _read_json(model_dir, f"{relative}/{chosen[0]}", [])
        try:
            shards = sorted(set(index["weight_map"].values()))
        except (TypeError, KeyError, AttributeError):
            state.problems.append(f"{relative}/{chosen[0]}: no weight_map")
            return
        for shard in shards:
            if shard not in names:
                state.problems.append(f"{relative}/{shard}: missing (listed in {chosen[0]})")
        chosen = [s for s in shards if s in names]
    for name in chosen:
        try:
            state.tensors.add(tensors_of(read_header(model_dir / relative / name)))
        except (Unreadable, OSError) as error:
            state.problems.append(f"{relative}/{name}: {error}")


def write_record(folder: Path, revision: str, files: Mapping[str, int | None]) -> None:
    """Remember what fetch_model put in a checkpoint folder (merged with earlier fetches)."""
    path = folder / RECORD
    recorded = {}
    if path.is_file():
        try:
            recorded = json.loads(path.read_text())["files"]
        except (ValueError, KeyError, TypeError):
            recorded = {}
    recorded.update(files)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"revision": revision, "files": recorded}, indent=1, sort_keys=True))
