"""A clip's soundtrack in its MP4: AAC (PyAV's encoder), and read back.

The engine's audio is (channels, samples) float in [-1, 1] at its vocoder's rate (LTX-2: 24 kHz
stereo), already as long as the clip's frames (generation/engine/sound.py). The AAC stream is
added next to the video stream and encoded after it, so the MP4 stays one pass of the muxer;
AAC works in frames of 1024 samples, so the stream ends at most one frame (43 ms at 24 kHz)
after the video. No torch here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import av
import numpy as np

AAC_BIT_RATE = 128_000
LAYOUTS = {1: "mono", 2: "stereo"}


@dataclass(frozen=True)
class Soundtrack:
    samples: np.ndarray  # (channels, samples) float32 in [-1, 1]
    rate: int

    @property
    def seconds(self) -> float:
        return self.samples.shape[1] / self.rate


def from_result(result) -> Soundtrack | None:
    """The engine result's soundtrack, None for a silent clip."""
    if getattr(result, "audio", None) is None:
        return None
    return Soundtrack(np.asarray(result.audio, np.float32), int(result.sample_rate))


def add_stream(container, soundtrack: Soundtrack):
    """An AAC stream for `soundtrack` in `container` (before anything is muxed)."""
    channels = soundtrack.samples.shape[0]
    if channels not in LAYOUTS:
        raise ValueError(f"a soundtrack has 1 or 2 channels, not {channels}")
    stream = container.add_stream("aac", rate=soundtrack.rate)
    stream.layout = LAYOUTS[channels]
    stream.bit_rate = AAC_BIT_RATE
    return stream


def encode(container, stream, soundtrack: Soundtrack) -> None:
    """Encode the whole soundtrack into `stream` (the encoder re-frames it to AAC's 1024)."""
    samples = np.ascontiguousarray(np.clip(soundtrack.samples, -1.0, 1.0), dtype=np.float32)
    layout = LAYOUTS[samples.shape[0]]
    chunk = 1024
    for start in range(0, samples.shape[1], chunk):
        frame = av.AudioFrame.from_ndarray(
            samples[:, start : start + chunk], format="fltp", layout=layout
        )
        frame.sample_rate = soundtrack.rate
        frame.pts = start
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def decode(path: str | os.PathLike) -> Soundtrack | None:
    """The file's first audio stream as float (channels, samples), None when it has none."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        chunks = [_planar(frame) for frame in container.decode(stream)]
        rate = stream.rate
    if not chunks:
        return Soundtrack(np.zeros((1, 0), np.float32), rate)
    return Soundtrack(np.concatenate(chunks, axis=1).astype(np.float32), rate)


def _planar(frame) -> np.ndarray:
    """(channels, samples) of an audio frame, planar or packed (AAC decodes to planar)."""
    array = frame.to_ndarray()
    if frame.format.is_planar:
        return array
    return array.reshape(-1, len(frame.layout.channels)).T


def has_audio(path: str | os.PathLike) -> bool:
    with av.open(str(path)) as container:
        return bool(container.streams.audio)
