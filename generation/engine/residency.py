"""Carry out a memory plan on one GPU: which components are on the device, moved in for a job,
moved out to host memory, offloaded while a pipeline runs, or dropped from host memory.

Components are tracked by their key `(checkpoint, component)`, so a text encoder shared by five
pipelines is moved once and counted once. Bytes are the plan's (expected sizes); moves happen
only between jobs, under the loader's lock.
"""

from __future__ import annotations

import contextlib
import logging
import time

from . import memory

log = logging.getLogger(__name__)


class Residency:
    def __init__(self, plan: memory.MemoryPlan, device: str, host: str = "cpu"):
        self.plan = plan
        self.device = device
        self.host = host
        self.modules: dict[memory.Key, object] = {}
        self.on_device: set[memory.Key] = set()
        self.last_used: dict[memory.Key, float] = {}
        self.pipeline_used: dict[str, float] = {}
        self.pipelines: dict[str, tuple[object, object]] = {}  # checkpoint -> (pipe, forget)
        self.moves: list[tuple[str, memory.Key]] = []  # ("in" | "out" | "drop", key), for tests

    # --- bookkeeping -------------------------------------------------------------------------

    def adopt(self, checkpoint: str, pipe, forget=None) -> None:
        """Take a freshly loaded pipeline: register its components, and put on the device
        those the plan starts there (when they fit)."""
        pipeline_plan = self.plan.for_checkpoint(checkpoint)
        names = _module_names(pipe)
        for key in pipeline_plan.components:
            name = self._name_in(pipeline_plan, key, names)
            if name is not None and key not in self.modules:
                self.modules[key] = pipe.components[name]
                self.on_device.discard(key)
        self.pipelines[checkpoint] = (pipe, forget)
        for key in pipeline_plan.components:
            planned = key in self.plan.on_gpu and key not in self.on_device
            if planned and self.used() + self.size(key) <= self.plan.budget:
                self._move_in(key)
        for key in pipeline_plan.components:
            if key not in self.on_device:
                self._move_out(key)

    def used(self) -> int:
        return sum(self.size(k) for k in self.on_device)

    def size(self, key: memory.Key) -> int:
        return self.plan.sizes.get(key, 0)

    @staticmethod
    def _name_in(pipeline_plan, key, names):
        for name in names:
            if memory.component_key(pipeline_plan.pipeline, name) == key:
                return name
        return None

    # --- a job -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def running(self, checkpoint: str, pipe):
        """Ready `pipe` on the device for one call, by its plan's mode."""
        pipeline_plan = self.plan.for_checkpoint(checkpoint)
        needed = [k for k in pipeline_plan.components if k in self.modules]
        now = time.monotonic()
        self.pipeline_used[checkpoint] = now
        for key in needed:
            self.last_used[key] = now
        if pipeline_plan.mode in (memory.RESIDENT, memory.SWAP):
            self._make_room(needed, pipeline_plan.working)
            for key in needed:
                if key not in self.on_device:
                    self._move_in(key)
            yield pipe
            return
        # offload / stream: the whole device for this pipeline, diffusers' hooks move its
        # components in and out during the call; removed afterwards, as other pipelines share
        # some of these modules.
        for key in list(self.on_device):
            self._move_out(key)
        self._empty_cache()
        if pipeline_plan.mode == memory.OFFLOAD:
            pipe.enable_model_cpu_offload(device=self.device)
        else:
            pipe.enable_sequential_cpu_offload(device=self.device)
        try:
            yield pipe
        finally:
            pipe.remove_all_hooks()
            for key in needed:
                self._move_out(key)
            self._empty_cache()

    def _make_room(self, needed: list, working: int) -> None:
        """Move the least recently used components that this call does not need off the device
        until the needed ones and the call's working memory fit in the budget."""
        missing = sum(self.size(k) for k in needed if k not in self.on_device)
        others = sorted(
            (k for k in self.on_device if k not in needed), key=lambda k: self.last_used.get(k, 0)
        )
        while others and self.used() + missing + working > self.plan.budget:
            self._move_out(others.pop(0))
        self._empty_cache()

    def make_room_in_host(self, checkpoint: str) -> None:
        """Before loading `checkpoint`: drop the least recently used other pipelines that are
        not on the device until its components fit in the plan's host memory."""
        pipeline_plan = self.plan.for_checkpoint(checkpoint)
        if self.plan.host_bytes is None:
            return
        room = self.plan.host_bytes - memory.HOST_RESERVE
        incoming = sum(self.size(k) for k in pipeline_plan.components if k not in self.modules)

        def held() -> int:
            return sum(self.size(k) for k in self.modules)

        candidates = sorted(
            (c for c in self.pipelines if c != checkpoint),
            key=lambda c: self.pipeline_used.get(c, 0.0),
        )
        while candidates and held() + incoming > room:
            self._drop(candidates.pop(0), keep=set(pipeline_plan.components))

    def _drop(self, checkpoint: str, keep: set) -> None:
        """Forget a pipeline and the components no other loaded pipeline uses."""
        pipe, forget = self.pipelines.pop(checkpoint)
        in_use = set(keep)
        for other in self.pipelines:
            in_use |= set(self.plan.for_checkpoint(other).components)
        dropped = []
        for key in self.plan.for_checkpoint(checkpoint).components:
            if key not in in_use and key in self.modules:
                self._move_out(key)
                del self.modules[key]
                dropped.append(key)
                self.moves.append(("drop", key))
        if forget is not None:
            forget(dropped)
        log.info("dropped %s from host memory", checkpoint)

    # --- moves -------------------------------------------------------------------------------

    def _move_in(self, key) -> None:
        self.modules[key].to(self.device)
        self.on_device.add(key)
        self.moves.append(("in", key))

    def _move_out(self, key) -> None:
        self.modules[key].to(self.host)
        if key in self.on_device:
            self.on_device.discard(key)
            self.moves.append(("out", key))

    def _empty_cache(self) -> None:
        if str(self.device).startswith("cuda"):
            import torch

            torch.cuda.empty_cache()


def _module_names(pipe) -> list[str]:
    return [name for name, c in pipe.components.items() if hasattr(c, "parameters")]
