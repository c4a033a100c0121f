"""The generation engine: the only part of the project that imports torch, diffusers, transformers.

Importing this package (or `specs`, `types`, `runner`, `loader`) does not import torch;
the web tier reads the registry from here to know what each model can do. Workers call
`generation.engine.runner.run`, which loads the pipeline lazily and keeps it warm per process.
"""

from .specs import CAMERA_MOVEMENTS, MODEL_SPECS, ModelSpec, PipelineSpec, get_spec
from .types import Canceled, GenerationRequest, GenerationResult

__all__ = [
    "CAMERA_MOVEMENTS",
    "MODEL_SPECS",
    "Canceled",
    "GenerationRequest",
    "GenerationResult",
    "ModelSpec",
    "PipelineSpec",
    "get_spec",
]
