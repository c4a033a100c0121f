"""Append one H.264 MP4 to another by stream copy: the earlier footage is never decoded or
encoded again, so an extension chain loses no quality link by link and costs memory for the new
segment only.

Two files join when they were encoded alike (`media.write_mp4` at the same size and frame rate):
same codec, size, pixel format, time base and parameter sets (SPS/PPS in the avcC box; x264's
"stitchable" headers make them independent of the content). Each segment starts with an IDR
frame, so the joined stream decodes from any segment's start. Timestamps of each later segment
are moved to start where the one before it ends: pts and dts stay continuous and increasing.
"""

from __future__ import annotations

import os
from fractions import Fraction

import av

from generation import media
from generation import soundtrack as soundtracks


class Mismatch(ValueError):
    """The segments were not encoded alike: they cannot share one track without re-encoding."""


def join(parts: list[str | os.PathLike], out_path: str | os.PathLike) -> int:
    """Write the video of `parts`, one after another, to `out_path` (faststart) without
    re-encoding; returns the number of frames. Every packet keeps its bytes. Raises Mismatch
    when a part was encoded differently from the first."""
    inputs = [av.open(str(part)) for part in parts]
    try:
        streams = [container.streams.video[0] for container in inputs]
        for stream in streams[1:]:
            _check_alike(streams[0], stream)
        count = 0
        with av.open(str(out_path), mode="w", options={"movflags": "+faststart"}) as out:
            target = out.add_stream_from_template(streams[0])
            offset = 0  # in the first part's time base, which all parts share
            tick = round(1 / (streams[0].average_rate * streams[0].time_base))  # one frame
            for container, stream in zip(inputs, streams, strict=True):
                end = offset
                for packet in container.demux(stream):
                    if packet.dts is None:  # the demuxer's end-of-stream marker
                        continue
                    packet.pts += offset
                    packet.dts += offset
                    end = max(end, packet.pts + (packet.duration or tick))
                    packet.stream = target
                    out.mux(packet)
                    count += 1
                offset = end
        return count
    finally:
        for container in inputs:
            container.close()


def frame_rate(path: str | os.PathLike) -> Fraction:
    """The video's frame rate, as its stream states it."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return Fraction(stream.average_rate or stream.guessed_rate)


def _check_alike(first, other) -> None:
    a, b = first.codec_context, other.codec_context
    differences = [
        name
        for name, x, y in (
            ("codec", a.name, b.name),
            ("size", (a.width, a.height), (b.width, b.height)),
            ("pixel format", a.pix_fmt, b.pix_fmt),
            ("frame rate", first.average_rate, other.average_rate),
            ("time base", first.time_base, other.time_base),
            ("parameter sets", bytes(a.extradata or b""), bytes(b.extradata or b"")),
        )
        if x != y
    ]
    if differences:
        raise Mismatch("segments differ in " + ", ".join(differences))


def append_reencoded(
    source: str | os.PathLike,
    frames,
    fps,
    out_path: str | os.PathLike,
    *,
    mark=None,
    hardware: bool = False,
) -> int:
    """The fallback when the source cannot take the new frames by stream copy (made by another
    encoder or settings, or it lacks a variant the new job needs): decode the source one frame
    at a time, pass each through `mark` (a function of one (H, W, 3) frame, or None), and
    encode it and then `frames` into `out_path`. Memory stays one frame of the source; the
    source loses one generation of quality. Returns the number of frames."""

    def every_frame():
        with av.open(str(source)) as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                pixels = frame.to_ndarray(format="rgb24")
                yield mark(pixels) if mark is not None else pixels
        yield from frames

    return media.write_mp4(every_frame(), fps, out_path, hardware=hardware)


def add_soundtrack(video: str | os.PathLike, soundtrack, out_path: str | os.PathLike) -> int:
    """Write `video`'s video stream with `soundtrack` (generation/soundtrack.Soundtrack) as its
    AAC stream to `out_path` (faststart); returns the number of frames. The video's packets are
    copied as they are (every frame, and the invisible mark it carries, unchanged); any audio
    stream the file had is left out."""
    with av.open(str(video)) as source:
        stream = source.streams.video[0]
        with av.open(str(out_path), mode="w", options={"movflags": "+faststart"}) as out:
            target = out.add_stream_from_template(stream)
            audio = soundtracks.add_stream(out, soundtrack)  # every stream before any packet
            count = 0
            for packet in source.demux(stream):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = target
                out.mux(packet)
                count += 1
            soundtracks.encode(out, audio, soundtrack)
    return count


def reencode_with_soundtrack(
    video: str | os.PathLike, soundtrack, out_path: str | os.PathLike, *, mark=None, hardware=False
) -> int:
    """The fallback of `add_soundtrack` for a variant the source lacks: decode `video` one frame
    at a time, pass each through `mark` (a function of one (H, W, 3) frame), and encode it with
    the soundtrack. Returns the number of frames."""

    def every_frame():
        with av.open(str(video)) as container:
            for frame in container.decode(container.streams.video[0]):
                pixels = frame.to_ndarray(format="rgb24")
                yield mark(pixels) if mark is not None else pixels

    rate = frame_rate(video)
    return media.write_mp4(every_frame(), rate, out_path, hardware=hardware, soundtrack=soundtrack)
