"""LoRA adapters switched per job on a warm pipeline (the effects catalogue's).

A pipeline is loaded once per worker process (loader.py); an effect's adapter is loaded into
it under its own name (`load_lora_weights(..., adapter_name=...)`) and made the only active one
(`set_adapters`); a job without an adapter runs with LoRA disabled. The last `slots` adapters
used stay loaded in each pipeline (a small LRU); the least recently used is removed with
`delete_adapters` when another is needed. Nothing here reloads the base pipeline.

torch is only reached through the pipeline's own methods: importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections import OrderedDict

from .types import Adapter, AdapterError

log = logging.getLogger(__name__)

_LOCK = threading.RLock()
# pipeline -> its loaded adapter names, least recently used first. Weak: a pipeline the loader
# drops (host memory ran short) takes its adapters with it.
_LOADED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def takes_adapters(pipe) -> bool:
    """Whether the pipeline class loads LoRA adapters (the upscaler does not)."""
    return hasattr(pipe, "load_lora_weights") and hasattr(pipe, "set_adapters")


def loaded(pipe) -> list[str]:
    """The adapters loaded in `pipe`, least recently used first."""
    return list(_LOADED.get(pipe, ()))


def apply(pipe, adapter: Adapter | None, slots: int) -> None:
    """Make `adapter` the only active one in `pipe` (None: LoRA off), loading it if it is not
    among the pipeline's last `slots` adapters and evicting the least recently used.

    Raises AdapterError, leaving the pipeline as it was with LoRA off, when the file does not
    load (wrong modules or shapes, not a LoRA, unreadable)."""
    if not takes_adapters(pipe):
        return
    with _LOCK:
        names = _LOADED.setdefault(pipe, OrderedDict())
        if adapter is None:
            if names:
                pipe.disable_lora()
            return
        if adapter.name in names:
            names.move_to_end(adapter.name)
        else:
            while names and len(names) >= max(slots, 1):
                oldest, _ = names.popitem(last=False)
                pipe.delete_adapters(oldest)
                log.info("adapter %s evicted", oldest)
            _load(pipe, adapter)
            names[adapter.name] = None
        pipe.enable_lora()
        pipe.set_adapters([adapter.name], adapter_weights=[adapter.weight])


def _load(pipe, adapter: Adapter) -> None:
    try:
        pipe.load_lora_weights(adapter.path, adapter_name=adapter.name)
    except Exception as exc:
        # A half-loaded adapter must not stay in the modules it reached.
        with contextlib.suppress(Exception):
            pipe.delete_adapters(adapter.name)
        if _LOADED.get(pipe):
            with contextlib.suppress(Exception):
                pipe.disable_lora()
        raise AdapterError(f"adapter {adapter.name} does not load: {exc}") from exc
    log.info("adapter %s loaded (weight %s)", adapter.name, adapter.weight)


@contextlib.contextmanager
def applied(acquired, adapter: Adapter | None, slots: int):
    """A loader.acquire block with the job's adapter switched on (or LoRA off) in the pipe."""
    with acquired as pipe:
        apply(pipe, adapter, slots)
        yield pipe


ATTENTION = ("to_q", "to_k", "to_v", "to_out.0")


def save_random_lora(transformer, path, *, seed=0, rank=4, targets=ATTENTION, scale=1.0):
    """Write a LoRA for `transformer`'s class and config with random A and B (peft's default B
    is zero, which would change nothing), in the diffusers layout
    (`transformer.<module>.lora_A.weight`): benchmarks and tests, where no trained adapter can be
    downloaded. `transformer` itself is not touched (a fresh copy of its class is adapted)."""
    import torch
    from peft import LoraConfig, get_peft_model_state_dict, inject_adapter_in_model
    from safetensors.torch import save_file

    torch.manual_seed(seed)
    model = transformer.__class__.from_config(transformer.config)
    config = LoraConfig(
        r=rank, lora_alpha=rank, target_modules=list(targets), init_lora_weights=False
    )
    inject_adapter_in_model(config, model)
    tensors = {
        f"transformer.{name}": (tensor * scale if ".lora_B." in name else tensor).contiguous()
        for name, tensor in get_peft_model_state_dict(model).items()
    }
    save_file(tensors, str(path))
    return path
