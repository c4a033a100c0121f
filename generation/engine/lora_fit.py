"""Does a LoRA file fit a spec's video transformer? Answered on the web tier, without torch.

A `.safetensors` file starts with an 8-byte little-endian header length and a JSON header naming
every tensor with its dtype, shape and byte offsets: read that, never the weights. A LoRA in the
diffusers/PEFT layout has, per adapted linear layer `<module>`, `<module>.lora_A.weight`
(rank x in features) and `<module>.lora_B.weight` (out features x rank), optionally prefixed
with `transformer.`. The layers a spec's transformer has come from its architecture description
(architectures.py) by the family's layout below; tests/test_effects_adapters.py checks that
layout against the real diffusers classes built in code.
"""

from __future__ import annotations

import json
import struct

from .architectures import ARCHITECTURES
from .specs import ModelSpec
from .types import IMAGE_TO_VIDEO

MAX_HEADER_BYTES = 16 * 1024 * 1024
PREFIX = "transformer."

# The diffusers classes' defaults, for values a config leaves out.
_LTX_DEFAULTS = {
    "in_channels": 128,
    "out_channels": 128,
    "num_attention_heads": 28,
    "attention_head_dim": 64,
    "cross_attention_dim": 2048,
    "num_layers": 28,
}
_WAN_DEFAULTS = {
    "patch_size": (1, 2, 2),
    "num_attention_heads": 40,
    "attention_head_dim": 128,
    "out_channels": 16,
    "ffn_dim": 13824,
    "num_layers": 40,
    "added_kv_proj_dim": None,
    "vace_layers": (),
}


class NotSafetensors(ValueError):
    """The file is not a readable safetensors file."""


def read_header(fileobj, size: int) -> dict[str, tuple[str, tuple[int, ...]]]:
    """{tensor name: (dtype, shape)} from a safetensors file of `size` bytes, reading only its
    header. Raises NotSafetensors for anything else (or a header whose offsets pass the end)."""
    head = fileobj.read(8)
    if len(head) != 8:
        raise NotSafetensors("shorter than a safetensors header")
    (length,) = struct.unpack("<Q", head)
    if not 2 <= length <= min(MAX_HEADER_BYTES, size - 8):
        raise NotSafetensors("no safetensors header")
    try:
        header = json.loads(fileobj.read(length))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise NotSafetensors("the header is not JSON") from None
    if not isinstance(header, dict):
        raise NotSafetensors("the header is not a table of tensors")
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (start, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
            shape = tuple(int(n) for n in shape)
        except (KeyError, TypeError, ValueError):
            raise NotSafetensors(f"tensor {name!r} is not described") from None
        if not 0 <= start <= end <= size - 8 - length:
            raise NotSafetensors(f"tensor {name!r} lies past the end of the file")
        tensors[name] = (str(dtype), shape)
    return tensors


def transformer_linears(spec: ModelSpec) -> dict[str, tuple[int, int]]:
    """{module name: (in features, out features)} of the linear layers a LoRA may adapt in the
    transformer of the spec's image to video pipeline (what effects run on)."""
    checkpoint = spec.pipeline_for(IMAGE_TO_VIDEO).checkpoint
    config = ARCHITECTURES[checkpoint][1]["transformer"]
    if spec.family == "ltx":
        return _ltx_linears({**_LTX_DEFAULTS, **config})
    return _wan_linears({**_WAN_DEFAULTS, **config})


def _attention(prefix: str, dim: int, kv_in: int) -> dict[str, tuple[int, int]]:
    return {
        f"{prefix}.to_q": (dim, dim),
        f"{prefix}.to_k": (kv_in, dim),
        f"{prefix}.to_v": (kv_in, dim),
        f"{prefix}.to_out.0": (dim, dim),
    }


def _ltx_linears(c: dict) -> dict[str, tuple[int, int]]:
    dim = c["num_attention_heads"] * c["attention_head_dim"]
    layers = {"proj_in": (c["in_channels"], dim), "proj_out": (dim, c["out_channels"])}
    for i in range(c["num_layers"]):
        block = f"transformer_blocks.{i}"
        layers.update(_attention(f"{block}.attn1", dim, dim))
        layers.update(_attention(f"{block}.attn2", dim, c["cross_attention_dim"]))
        layers[f"{block}.ff.net.0.proj"] = (dim, 4 * dim)
        layers[f"{block}.ff.net.2"] = (4 * dim, dim)
    return layers


def _wan_block(prefix: str, dim: int, c: dict, cross_image: bool) -> dict[str, tuple[int, int]]:
    layers = {**_attention(f"{prefix}.attn1", dim, dim), **_attention(f"{prefix}.attn2", dim, dim)}
    if cross_image:
        added = c["added_kv_proj_dim"]
        layers.update({f"{prefix}.attn2.add_k_proj": (added, dim)})
        layers.update({f"{prefix}.attn2.add_v_proj": (added, dim)})
    layers[f"{prefix}.ffn.net.0.proj"] = (dim, c["ffn_dim"])
    layers[f"{prefix}.ffn.net.2"] = (c["ffn_dim"], dim)
    return layers


def _wan_linears(c: dict) -> dict[str, tuple[int, int]]:
    dim = c["num_attention_heads"] * c["attention_head_dim"]
    patch = 1
    for n in c["patch_size"]:
        patch *= n
    layers = {"proj_out": (dim, c["out_channels"] * patch)}
    cross_image = c["added_kv_proj_dim"] is not None
    for i in range(c["num_layers"]):
        layers.update(_wan_block(f"blocks.{i}", dim, c, cross_image))
    for i in range(len(c["vace_layers"])):
        layers.update(_wan_block(f"vace_blocks.{i}", dim, c, cross_image))
        layers[f"vace_blocks.{i}.proj_out"] = (dim, dim)
        if i == 0:
            layers[f"vace_blocks.{i}.proj_in"] = (dim, dim)
    return layers


def misfits(tensors: dict[str, tuple[str, tuple[int, ...]]], spec: ModelSpec) -> list[str]:
    """Why a LoRA's tensors (read_header) do not fit the spec's transformer, in English for the
    log and the admin (the admin shows the first few); empty when every one fits."""
    if not tensors:
        return ["the file holds no tensors"]
    linears = transformer_linears(spec)
    problems, pairs = [], {}
    for name, (_dtype, shape) in sorted(tensors.items()):
        key = name.removeprefix(PREFIX)
        if key.endswith(".alpha"):
            continue
        module, dot, part = key.rpartition(".lora_")
        if not dot or part not in ("A.weight", "B.weight"):
            problems.append(f"{name}: not a LoRA tensor (expected <module>.lora_A/B.weight)")
            continue
        if module not in linears:
            problems.append(f"{name}: the model has no layer {module}")
            continue
        if len(shape) != 2:
            problems.append(f"{name}: shape {list(shape)} is not a matrix")
            continue
        pairs.setdefault(module, {})[part[0]] = shape
    for module, parts in pairs.items():
        in_features, out_features = linears[module]
        if set(parts) != {"A", "B"}:
            problems.append(f"{module}: lora_A and lora_B must come together")
            continue
        (rank, got_in), (got_out, rank_b) = parts["A"], parts["B"]
        if got_in != in_features or got_out != out_features or rank != rank_b:
            problems.append(
                f"{module}: adapts {got_in}->{got_out} (rank {rank}/{rank_b}); "
                f"the layer is {in_features}->{out_features}"
            )
    if not pairs and not problems:
        problems.append("the file adapts no layer")
    return problems
