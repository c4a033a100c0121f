"""Where small tables are made: on the host, in float32, whatever a build's device and dtype."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def on_host():
    """Schedulers keep small float32 tables on the CPU, whatever the modules' device and dtype."""
    import torch

    previous_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    try:
        with torch.device("cpu"):
            yield
    finally:
        torch.set_default_dtype(previous_dtype)
