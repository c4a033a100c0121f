"""Measure the invisible mark (version 3, what outputs carry; version 2 with --mark 2) on
natural-looking clips:
identification after each attack, false matches, H.264 size overhead, PSNR/SSIM, change on flat
regions, and cost.

    python manage.py bench_watermark --clips 42 --frames 36          # the marked clips
    python manage.py bench_watermark --part unmarked --unmarked 1000  # false matches

On a machine with spare cores, the clips can be measured in shards and reported together:

    python manage.py bench_watermark --part clips --shard 0/2 --save rows-0.json   # and 1/2
    python manage.py bench_watermark --merge rows-0.json rows-1.json

Corpus (`provenance/mark_corpus.py`): pans and zooms over fractal landscapes, sunset skies,
a drawn portrait, night streets, whip pans with objects crossing; in turn at 1080p and 480p,
16:9, 9:16 and 1:1. Each clip is marked with a random 32-bit job id and delivered as the product
delivers it (libx264 veryfast crf 23); each attack starts from the decoded delivery and ends
re-encoded (H.264 crf 23 unless the attack says otherwise), and the detector reads 24 frames
spread over the result, as the check page does (`marks.read_mark`: version 3, then 2, then 1).
"480p + crf35" is two attacks in one, as a re-post makes them: scaled to 480p (360p for a clip
that is 480p already) and re-encoded at crf 35.
Versions: every fourth clip is also marked with version 1 and version 2 (the outputs made before
version 3), and must still be read.

    python manage.py bench_watermark --part clips --only 1,2,4 --attacks crf35   # a subset
"""

from __future__ import annotations

import io
import json
import os
import statistics
import time
from fractions import Fraction

import av
import cv2
import numpy as np
from django.core.management.base import BaseCommand
from PIL import Image

from generation import media
from generation.provenance import invisible, invisible_v2, invisible_v3, mark_corpus, marks

FPS = 24
READ_FRAMES = 24  # what the check page reads (CHECK_SAMPLE_FRAMES)
KEY = b"bench-watermark-key-0123456789ab"
OTHER_KEY = b"another-studio-key-0123456789abc"
SIZE_ORDER = ("480p", "9:16 480p", "1080p", "1:1 480p", "480p", "9:16 1080p", "1:1 1080p")
ATTACKS = (
    "crf28",
    "crf35",
    "480p",
    "480p + crf35",
    "trim 1 s",
    "crop 5 %",
    "crop 10 %",
    "crop 5 % + rescale",
    "crop 10 % + rescale",
    "flip",
    "letterbox 1:1",
    "letterbox 9:16",
    "rotate +2°",
    "rotate -2°",
    "VP9",
    "JPEG q70 1080p",
    "JPEG q70 480p",
)
MARKS = {2: invisible_v2, 3: invisible_v3}


class Command(BaseCommand):
    help = "Benchmark the invisible mark: attacks, false matches, bitrate, PSNR/SSIM, cost."
    requires_system_checks = []  # needs no URLs or database

    def add_arguments(self, parser):
        parser.add_argument("--part", choices=("clips", "unmarked", "all"), default="all")
        parser.add_argument("--clips", type=int, default=42)
        parser.add_argument("--frames", type=int, default=36, help="frames per marked clip")
        parser.add_argument("--unmarked", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--shard",
            default="0/1",
            help="K/N: measure only the clips (and unmarked inputs) whose index is K modulo N "
            "(each is the same whatever the sharding)",
        )
        parser.add_argument(
            "--only",
            help="comma-separated clip numbers (1-based): measure only these (with --shard, "
            "those of them in the shard)",
        )
        parser.add_argument(
            "--mark",
            type=int,
            choices=sorted(MARKS),
            default=3,
            help="version to embed (3: what outputs carry; 2: the one before it)",
        )
        parser.add_argument(
            "--attacks", help="comma-separated attacks to run (default: all), e.g. crf35,flip"
        )
        parser.add_argument("--save", help="write the measured clips' rows to this JSON file")
        parser.add_argument(
            "--merge", nargs="+", help="report the rows saved by earlier runs, measure nothing"
        )

    def handle(self, *args, **options):
        cv2.setNumThreads(1)  # the per-core figures must be per core
        rng = np.random.default_rng(options["seed"])
        started = time.perf_counter()
        if options["merge"]:
            rows = []
            for path in options["merge"]:
                with open(path) as file:
                    rows += [_loaded(row) for row in json.load(file)["rows"]]
            rows.sort(key=lambda row: row["index"])
            self._report_clips(rows, {**options, "frames": rows[0]["frames"] if rows else 0})
            return
        shard, shards = (int(part) for part in options["shard"].split("/"))
        if options["part"] in ("clips", "all"):
            rows = []
            only = {int(n) - 1 for n in options["only"].split(",")} if options["only"] else None
            for index in range(options["clips"]):
                # Every clip's seed and job id are drawn, measured or not, so that a shard
                # measures the same clips as a whole run.
                seed, job_id = int(rng.integers(1 << 31)), int(rng.integers(1 << 32))
                if index % shards == shard and (only is None or index in only):
                    rows.append(self._clip(index, options["frames"], seed, job_id, options))
                    if options["save"]:  # after each clip: a run cut short still counts
                        with open(options["save"], "w") as file:
                            json.dump({"rows": [_saved(row) for row in rows]}, file)
            self._report_clips(rows, options)
        if options["part"] in ("unmarked", "all"):
            found = self._unmarked(options["unmarked"], rng, shard, shards)
            self._report_unmarked(found)
        minutes = (time.perf_counter() - started) / 60
        self.stdout.write(f"Run time {minutes:.1f} min on {os.cpu_count()} cores, no GPU")

    # ------------------------------------------------------------------ marked clips

    def _clip(self, index: int, frames: int, seed: int, job_id: int, options) -> dict:
        kind = mark_corpus.KINDS[index % len(mark_corpus.KINDS)]
        size = SIZE_ORDER[index % len(SIZE_ORDER)]
        width, height = mark_corpus.SIZES[size]
        clean = mark_corpus.make_clip(kind, seed, frames, width, height)
        mark, read = MARKS[options["mark"]], marks.read_mark
        attacks = options["attacks"].split(",") if options["attacks"] else ATTACKS
        invisible_v2.unit_pattern.cache_clear()  # versions 2 and 3 share it
        begin = time.process_time()
        marked = mark.embed_frames(clean, job_id, KEY)
        embed_ms = 1000 * (time.process_time() - begin) / frames
        # Again with the pattern drawn: what each frame costs once an output's size is known.
        begin = time.process_time()
        mark.embed_frames(clean, job_id, KEY)
        embed_cached_ms = 1000 * (time.process_time() - begin) / frames
        clean_size = len(media.encode_mp4(clean, FPS, crf=23))
        delivered_bytes = media.encode_mp4(marked, FPS, crf=23)
        row = {
            "index": index,
            "frames": frames,
            "embed_cached_ms": embed_cached_ms,
            "kind": kind,
            "size": size,
            "job_id": job_id,
            "mark": options["mark"],
            "embed_ms": embed_ms,
            "megapixels": width * height / 1e6,
            "overhead": 100 * (len(delivered_bytes) / clean_size - 1),
            "psnr": psnr(clean, marked),
            "ssim": ssim(clean, marked),
            **flat_change(clean, marked),
        }
        delivered, _ = media.decode_video(delivered_bytes)
        detect_ms = []
        for attack in attacks:
            attacked = _attack(delivered, attack)
            begin = time.process_time()
            row[attack] = read(_sample(attacked), KEY)
            detect_ms.append(1000 * (time.process_time() - begin))
        row["detect_ms"] = statistics.median(detect_ms)
        row["other key"] = read(_sample(delivered), OTHER_KEY)
        if index % 4 == 0:
            old = invisible.embed_frames(clean, job_id, KEY)
            row["version 1"] = read(_sample(_h264(old, 23)), KEY)
            if options["mark"] == 3:
                old = invisible_v2.embed_frames(clean, job_id, KEY)
                row["version 2"] = read(_sample(_h264(old, 23)), KEY)
        self.stdout.write(
            f"clip {index + 1:3d} {kind:8s} {size:10s} +{row['overhead']:5.1f} % "
            f"{row['psnr']:.1f} dB ssim {row['ssim']:.4f} flat max {row['flat_max']:.0f} "
            + " ".join(_describe(row[a], job_id) for a in attacks)
        )
        self.stdout.flush()
        return row

    def _report_clips(self, rows: list[dict], options) -> None:
        out = self.stdout.write
        n = len(rows)
        out("")
        kinds = ", ".join(mark_corpus.KINDS)
        out(f"{n} clips of {options['frames']} frames at {FPS} fps; kinds {kinds}; sizes in turn")
        out("")
        out(
            "| attack | identified | 1080p-class | 480p-class | wrong id | not found "
            "| lowest score |"
        )
        out("|---|--:|--:|--:|--:|--:|--:|")
        for attack in (*ATTACKS, "version 2", "version 1"):
            subset = [r for r in rows if attack in r]
            if not subset:
                continue
            right = [r for r in subset if r[attack] and r[attack].job_id == r["job_id"]]
            wrong = sum(1 for r in subset if r[attack] and r[attack].job_id != r["job_id"])
            low = min((r[attack].score for r in right), default=float("nan"))
            misses = [f"{r['index'] + 1} {r['kind']} {r['size']}" for r in subset if r not in right]
            m = len(subset)
            classes = []
            for label in ("1080p", "480p"):
                group = [r for r in subset if label in r["size"]]
                classes.append(f"{sum(1 for r in group if r in right)}/{len(group)}")
            out(
                f"| {attack} | {len(right)}/{m} ({100 * len(right) / max(m, 1):.0f} %) "
                f"| {' | '.join(classes)} | {wrong} | {m - len(right) - wrong} | {low:.3f} |"
                + (f" missed: {', '.join(misses)}" if misses else "")
            )
        other = sum(1 for r in rows if r["other key"])
        out(f"\nThe marked clips read with another key: {other} of {n} matched")
        out("")
        out("| clip | kind | size | H.264 overhead, crf 23 | PSNR | SSIM | largest change, flat |")
        out("|--:|---|---|--:|--:|--:|--:|")
        for r in rows:
            out(
                f"| {r['index'] + 1} | {r['kind']} | {r['size']} | {r['overhead']:+.1f} % "
                f"| {r['psnr']:.1f} dB | {r['ssim']:.4f} | {r['flat_max']:.0f} |"
            )
        out("")
        out("| kind | clips | H.264 overhead at crf 23 (median, max) | PSNR min | SSIM min |")
        out("|---|--:|--:|--:|--:|")
        for kind in mark_corpus.KINDS:
            group = [r for r in rows if r["kind"] == kind]
            if group:
                over = [r["overhead"] for r in group]
                out(
                    f"| {kind} | {len(group)} | {statistics.median(over):+.1f} % / "
                    f"{max(over):+.1f} % | {min(r['psnr'] for r in group):.1f} dB | "
                    f"{min(r['ssim'] for r in group):.4f} |"
                )
        over = [r["overhead"] for r in rows]
        out(
            f"| all | {n} | {statistics.median(over):+.1f} % / {max(over):+.1f} % | "
            f"{min(r['psnr'] for r in rows):.1f} dB | {min(r['ssim'] for r in rows):.4f} |"
        )
        flat = [r for r in rows if r["flat_share"] > 0.05]
        if flat:
            out(
                f"\nFlat regions (local texture <= 1.5 levels, {len(flat)} clips with 5 % or more "
                f"of such pixels): marked minus clean, largest |change| "
                f"{max(r['flat_max'] for r in flat):.0f} code value, RMS at most "
                f"{max(r['flat_rms'] for r in flat):.2f}, share of pixels changed at most "
                f"{100 * max(r['flat_changed'] for r in flat):.0f} %"
            )
        for size in dict.fromkeys(SIZE_ORDER):
            group = [r for r in rows if r["size"] == size]
            if group:
                out(
                    f"Embed, ms per frame on one core, {size}: median "
                    f"{statistics.median(r['embed_cached_ms'] for r in group):.0f} with the "
                    f"pattern drawn, {statistics.median(r['embed_ms'] for r in group):.0f} "
                    f"including drawing it once per clip; detect (24 frames read) median "
                    f"{statistics.median(r['detect_ms'] for r in group):.0f} ms per input"
                )

    # ------------------------------------------------------------------ false matches

    def _unmarked(self, count: int, rng, shard: int = 0, shards: int = 1) -> dict:
        """Half short clips (8 frames, 480x270, crf 23), half pictures (384x384, JPEG q85 or
        PNG), of every kind; one in ten marked under another key instead (versions 1 to 3)."""
        results = {"clip": [], "picture": [], "other key": []}
        read = marks.read_mark
        mine = sum(1 for index in range(count) if index // 2 % shards == shard)
        for index in range(count):
            kind = mark_corpus.KINDS[index % len(mark_corpus.KINDS)]
            seed = int(rng.integers(1 << 31))
            other = index % 10 in (4, 9)
            # Drawn for every input, measured or not: a shard measures what a whole run does.
            foreign = int(rng.integers(1 << 32)) if other else 0
            # By pairs (a clip and a picture), so that every shard gets its share of the clips,
            # the slower half.
            if index // 2 % shards != shard:
                continue
            version = {4: invisible_v3, 9: invisible_v2}.get(index % 20, invisible)
            if index % 2 == 0:
                clip = mark_corpus.make_clip(kind, seed, 8, 480, 270)
                if other:
                    clip = version.embed_frames(clip, foreign, OTHER_KEY)
                found = read(_h264(clip, 23), KEY)
            else:
                picture = mark_corpus.make_clip(kind, seed, 1, 384, 384)
                if other:
                    picture = version.embed_frames(picture, foreign, OTHER_KEY)
                found = read(_resave(picture[0], index), KEY)
            results["other key" if other else ("clip" if index % 2 == 0 else "picture")].append(
                found
            )
            measured = sum(map(len, results.values()))
            if measured % 50 == 0:  # with the matches so far: a run cut short still tells
                matched = sum(1 for found in results.values() for f in found if f)
                self.stdout.write(f"unmarked {measured}/{mine}, {matched} matched")
                self.stdout.flush()
        return results

    def _report_unmarked(self, results: dict) -> None:
        out = self.stdout.write
        out("")
        out("| false matches | inputs | matched |")
        out("|---|--:|--:|")
        labels = {
            "clip": "unmarked clips, 8 frames 480x270, crf 23",
            "picture": "unmarked pictures 384x384, JPEG q85 or PNG",
            "other key": "clips and pictures marked under another key (v1, v2 and v3)",
        }
        for name, found in results.items():
            out(f"| {labels[name]} | {len(found)} | {sum(1 for f in found if f)} |")
        # The check page's chain, whichever version is embedded: versions 3 and 2 share the
        # detector, so each checks at most CHECKS payloads.
        checks = invisible_v2_sync_checks()
        bound = 2 * checks + 2
        out(
            "Bound by construction: a match needs the 24-bit check value to agree, 2^-24 per "
            f"payload checked; versions 3 and 2 decode each at most {checks} payloads, "
            f"version 1 at most 2: <= {bound * 2.0**-24:.1e} per input"
        )


def _saved(row: dict) -> dict:
    """`row` as JSON: each detection as [job id, score, frames used, version] or None."""
    return {
        name: [value.job_id, value.score, value.frames_used, value.version]
        if isinstance(value, invisible.Detection)
        else value
        for name, value in row.items()
    }


def _loaded(row: dict) -> dict:
    detections = (*ATTACKS, "other key", "version 2", "version 1")
    return {
        name: invisible.Detection(*value) if name in detections and value else value
        for name, value in row.items()
    }


def invisible_v2_sync_checks() -> int:
    from generation.provenance import invisible_v2_sync

    return invisible_v2_sync.CHECKS


# ---------------------------------------------------------------------- measures


def psnr(original: np.ndarray, marked: np.ndarray) -> float:
    mse = float(np.mean((original.astype(np.float32) - marked.astype(np.float32)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def ssim(original: np.ndarray, marked: np.ndarray, frames: int = 4) -> float:
    """Mean SSIM of the luminance (Gaussian window, sigma 1.5), over a few frames."""
    values = []
    for index in np.linspace(0, len(original) - 1, frames).round().astype(int):
        a = cv2.cvtColor(original[index], cv2.COLOR_RGB2GRAY).astype(np.float64)
        b = cv2.cvtColor(marked[index], cv2.COLOR_RGB2GRAY).astype(np.float64)
        blur = lambda x: cv2.GaussianBlur(x, (0, 0), 1.5)  # noqa: E731
        mu_a, mu_b = blur(a), blur(b)
        var_a, var_b = blur(a * a) - mu_a**2, blur(b * b) - mu_b**2
        cov = blur(a * b) - mu_a * mu_b
        c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
        ratio = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / (
            (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
        )
        values.append(float(ratio.mean()))
    return float(np.mean(values))


def flat_change(original: np.ndarray, marked: np.ndarray) -> dict:
    """How much the mark changes flat regions (`invisible_v2.is_flat`: local texture at most
    1.5 levels RMS over a cell, grain averaged out): the largest |change|, the RMS change and
    the share of those pixels changed."""
    a = original[len(original) // 2]
    b = marked[len(marked) // 2]
    flat = invisible_v2.is_flat(a)
    diff = np.abs(b.astype(np.int16) - a.astype(np.int16))[flat]
    if not diff.size:
        return {"flat_share": 0.0, "flat_max": 0.0, "flat_rms": 0.0, "flat_changed": 0.0}
    return {
        "flat_share": float(flat.mean()),
        "flat_max": float(diff.max()),
        "flat_rms": float(np.sqrt(np.mean(diff.astype(np.float32) ** 2))),
        "flat_changed": float(np.mean(diff > 0)),
    }


# ---------------------------------------------------------------------- attacks


def _attack(frames: np.ndarray, attack: str) -> np.ndarray:
    _count, height, width, _ = frames.shape
    if attack == "crf28":
        return _h264(frames, 28)
    if attack == "crf35":
        return _h264(frames, 35)
    if attack.startswith("480p"):  # "480p", "480p + crf35"
        target = 480 if min(height, width) > 480 else 360
        return _h264(_scale(frames, target / min(height, width)), 35 if "crf35" in attack else 23)
    if attack == "trim 1 s":
        return _h264(frames[FPS:], 23)
    if attack.startswith("crop"):
        share = 0.05 if "5 %" in attack else 0.10
        top, left = round(height * share / 2), round(width * share / 2)
        cropped = frames[:, top : height - top, left : width - left]
        if "rescale" in attack:
            cropped = np.stack([cv2.resize(f, (width, height)) for f in cropped])
        return _h264(cropped, 23)
    if attack == "flip":
        return _h264(frames[:, :, ::-1], 23)
    if attack.startswith("letterbox"):
        if attack.endswith("1:1"):
            canvas = (min(height, width), min(height, width))
        elif width > height:  # 16:9 or 1:1 into a 9:16 frame
            canvas = (min(height, width) * 16 // 9, min(height, width))
        else:  # a 9:16 clip into a 16:9 frame instead
            canvas = (width, width * 16 // 9)
        return _h264(_letterbox(frames, *canvas), 23)
    if attack.startswith("rotate"):
        angle = 2.0 if "+" in attack else -2.0
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
        return _h264(np.stack([cv2.warpAffine(f, matrix, (width, height)) for f in frames]), 23)
    if attack == "VP9":
        return _vp9(frames)
    if attack.startswith("JPEG"):
        short = 1080 if attack.endswith("1080p") else 480
        frame = _scale(frames[len(frames) // 2 : len(frames) // 2 + 1], short / min(height, width))
        buffer = io.BytesIO()
        Image.fromarray(frame[0]).save(buffer, format="JPEG", quality=70)
        return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))[None]
    raise ValueError(attack)


def _scale(frames: np.ndarray, factor: float) -> np.ndarray:
    height, width = frames.shape[1:3]
    size = (max(2, round(width * factor / 2) * 2), max(2, round(height * factor / 2) * 2))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return np.stack([cv2.resize(f, size, interpolation=interpolation) for f in frames])


def _letterbox(frames: np.ndarray, canvas_height: int, canvas_width: int) -> np.ndarray:
    """Each frame scaled to fit the canvas, centred on black (letterbox or pillarbox)."""
    height, width = frames.shape[1:3]
    factor = min(canvas_width / width, canvas_height / height)
    fitted = _scale(frames, factor)
    h, w = fitted.shape[1:3]
    out = np.zeros((len(frames), canvas_height, canvas_width, 3), dtype=np.uint8)
    top, left = (canvas_height - h) // 2, (canvas_width - w) // 2
    out[:, top : top + h, left : left + w] = fitted
    return out


def _h264(frames: np.ndarray, crf: int) -> np.ndarray:
    return media.decode_video(media.encode_mp4(frames, FPS, crf=crf))[0]


def _vp9(frames: np.ndarray) -> np.ndarray:
    frames = media._even(frames)
    out = io.BytesIO()
    with av.open(out, "w", format="webm") as target:
        stream = target.add_stream("libvpx-vp9", rate=Fraction(FPS))
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        stream.options = {"crf": "32", "b": "0", "deadline": "realtime", "cpu-used": "8"}
        for frame in frames:
            target.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        target.mux(stream.encode())
    return media.decode_video(out.getvalue())[0]


def _sample(frames: np.ndarray) -> np.ndarray:
    if len(frames) <= READ_FRAMES:
        return frames
    return frames[np.linspace(0, len(frames) - 1, READ_FRAMES).round().astype(int)]


def _resave(picture: np.ndarray, index: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="JPEG" if index % 4 == 1 else "PNG", quality=85)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))[None]


def _describe(found, job_id) -> str:
    if found is None:
        return "-"
    return f"{found.score:.2f}" if found.job_id == job_id else f"WRONG({found.job_id})"
