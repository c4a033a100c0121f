"""Runs one job on a GPU worker: claim it, run the engine, store the media, finish it.

Imported only by the worker's task at call time; it pulls in generation.engine (torch) lazily, so
the prefork parent never touches CUDA and the web tier never loads torch.
"""

import io
import logging
import os
import shutil
import tempfile
import threading
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import close_old_connections, connection
from django.utils.translation import gettext as _
from PIL import Image

from generation import notify, services
from generation.models import Asset, Job
from generation.moderation.screening import screen_result

log = logging.getLogger(__name__)


class JobMonitor:
    """Keeps the job's heartbeat fresh and learns of a cancel, from a background thread.

    Progress is written at most once per `interval` seconds; the pipeline's step callback only
    updates memory.
    """

    def __init__(self, job_id: int, interval: float, attempt: int | None = None):
        self.job_id = job_id
        self.attempt = attempt
        self.interval = interval
        self.progress: int | None = None
        self.canceled = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-beat", daemon=True)

    def start(self) -> "JobMonitor":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval * 2)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def on_progress(self, step: int, total: int) -> None:
        self.progress = int(100 * step / max(total, 1))

    def should_cancel(self) -> bool:
        return self.canceled.is_set()

    def _run(self):
        try:
            while not self._stop.wait(self.interval):
                if not services.beat(self.job_id, self.progress, self.attempt):
                    self.canceled.set()
        finally:
            connection.close()


def execute(job_id: int, worker: str) -> str:
    """Run the job if it is ours to run; return its status afterwards (for logs and tests):
    "post-processing" when its files are being made in the background (overlap.py)."""
    close_old_connections()
    outcome = _execute(job_id, worker)
    if outcome in ("succeeded", "failed"):
        notify.later(job_id)
    return outcome


def _execute(job_id: int, worker: str) -> str:
    from generation import overlap
    from generation.engine.loader import resolve_device

    job = services.claim(job_id, worker)
    if job is None:
        # "busy": running elsewhere with a live heartbeat (a duplicate delivery, or our own
        # redelivery after a crash before the heartbeat went stale): the task looks again later.
        running = Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).exists()
        return "busy" if running else "skipped"
    started = time.monotonic()
    # An extension's files (the source's, the joined video) live here until they are stored.
    folder = tempfile.mkdtemp(prefix=f"job-{job.pk}-")
    # The heartbeat runs until the job's files are stored, in the background or not.
    monitor = JobMonitor(job.pk, settings.JOB_HEARTBEAT_SECONDS, job.attempts).start()

    def done():
        monitor.stop()
        shutil.rmtree(folder, ignore_errors=True)

    try:
        denoised = _denoise(job, folder, monitor)
    except BaseException:
        done()
        raise
    if isinstance(denoised, str):  # an outcome: canceled or failed
        done()
        return denoised

    def post_process() -> str:
        try:
            return _post_process(job, worker, *denoised, folder, started)
        finally:
            done()

    if not overlap.enabled(resolve_device(settings.GENERATION_DEVICE or None)):
        return post_process()

    def in_background():
        if post_process() in ("succeeded", "failed"):
            notify.later(job.pk)

    try:
        # Waits for the previous job's post-processing: at most two jobs' frames in memory.
        overlap.submit(in_background, name=f"job-{job.pk}-post")
    except SoftTimeLimitExceeded:
        done()
        services.fail(job.pk, _("The job ran past its time limit. Your points were refunded."))
        return "failed"
    except BaseException:
        done()
        raise
    return "post-processing"


def _denoise(job: Job, folder: str, monitor: JobMonitor):
    """The engine's result and the extension's source, or the job's outcome if it ended."""
    from generation.engine import runner
    from generation.engine.types import AdapterError, Canceled

    began = time.time()
    try:
        source = fetch_source(job, folder)
        request = build_request(job, source)
        result = runner.run(
            request,
            spec=job.model_spec,
            device=settings.GENERATION_DEVICE or None,
            options=load_options(),
            on_progress=monitor.on_progress,
            should_cancel=monitor.should_cancel,
        )
    except Canceled:
        return "canceled"
    except SoftTimeLimitExceeded:
        services.fail(job.pk, _("The job ran past its time limit. Your points were refunded."))
        return "failed"
    except AdapterError:
        # The effect's adapter does not fit the model (or the effect is gone): this job ends,
        # refunded; the pipeline stays as it was for the next one.
        log.exception("job %s: its effect cannot be applied", job.pk)
        services.fail(
            job.pk, _("This effect could not be applied on our servers. Your points were refunded.")
        )
        return "failed"
    except Exception:
        log.exception("job %s crashed", job.pk)
        services.fail(job.pk, _("Generation failed on our servers. Your points were refunded."))
        return "failed"
    # Read by `manage.py bench_overlap`: when the pipeline worked on this job.
    log.info("job %s stage denoise %.3f %.3f", job.pk, began, time.time())
    return result, source


def _post_process(job: Job, worker: str, result, source, folder: str, started: float) -> str:
    """Mark, encode, screen and store the job's outputs, then finish it; returns its outcome."""
    began = time.time()
    try:
        return _store(job, worker, result, source, folder, started)
    finally:
        log.info("job %s stage postprocess %.3f %.3f", job.pk, began, time.time())


def _store(job: Job, worker: str, result, source, folder: str, started) -> str:
    try:
        outputs = render_outputs(job, result, source, folder)
        # Moderation: a detector hit on a sampled frame or picture hides the outputs.
        held = screen_result(result)
    except SoftTimeLimitExceeded:
        services.fail(job.pk, _("The job ran past its time limit. Your points were refunded."))
        return "failed"
    except Exception:
        log.exception("job %s crashed", job.pk)
        services.fail(job.pk, _("Generation failed on our servers. Your points were refunded."))
        return "failed"

    # Files go to storage (S3: seconds for a large clip) before the job row is locked; inside
    # the transaction only their rows are written.
    assets = upload_outputs(job, outputs)
    try:
        finished = services.succeed(
            job.pk,
            lambda _job: Asset.objects.bulk_create(assets),
            review=held,
            attempt=job.attempts,
        )
    except BaseException:
        _delete_uploads(assets)
        raise
    if not finished:  # canceled, or a later attempt owns the job: nobody will show these
        _delete_uploads(assets)
        return "canceled"
    if held is not None:
        log.info("job %s outputs held for review: %s", job.pk, held.rule)
        return "review"
    log.info("job %s succeeded in %.1fs on %s", job.pk, time.monotonic() - started, worker)
    return "succeeded"


def load_options():
    """How this worker loads pipelines, from its settings (one set per process)."""
    from generation.engine.loader import LoadOptions

    plan = settings.GENERATION_MEMORY_PLAN
    return LoadOptions(
        model_dir=str(settings.GENERATION_MODEL_DIR),
        gpu_memory_gb=settings.GENERATION_GPU_MEMORY_GB,
        host_memory_gb=settings.GENERATION_HOST_MEMORY_GB,
        memory_plan=None if plan == "auto" else plan,
        step_cache=settings.GENERATION_STEP_CACHE,
        compile=settings.GENERATION_COMPILE,
        precision=settings.GENERATION_PRECISION,
        adapter_slots=settings.GENERATION_ADAPTER_SLOTS,
    )


def fetch_source(job: Job, folder: str):
    """The video an extension continues or sound is added to, copied from storage into
    `folder` (in chunks: a 3-minute chain is never in memory): its clean master, and its
    visibly marked variant when this job needs one and the source has it. None for other
    kinds."""
    from generation.postprocess import Source

    if job.kind not in (Job.Kind.EXTEND, Job.Kind.ADD_SOUND):
        return None
    video = job.source_job.video
    marked = None
    if job.watermarked and video.marked_file:
        marked = _download(video.marked_file, f"{folder}/source-marked.mp4")
    return Source(clean=_download(video.file, f"{folder}/source.mp4"), marked=marked)


def _download(field, path: str) -> str:
    with field.open("rb") as stored, open(path, "wb") as local:
        shutil.copyfileobj(stored, local, 1 << 20)
    return path


def chain_root(job: Job) -> int:
    """The first job of an extension chain (the job itself when it extends nothing): the one
    whose invisible mark all the chain's footage carries. Sound added to a video keeps its
    footage, so its mark too."""
    while job.kind in (Job.Kind.EXTEND, Job.Kind.ADD_SOUND) and job.source_job is not None:
        job = job.source_job
    return job.pk


def build_request(job: Job, source=None):
    """The engine's request for `job`; an extension's `source` (fetch_source) gives only its
    last frames, as many as the model conditions on; a restyle's source is its whole clip (at
    most 10 s at the spec's size and fps, as the web tier stored it); a video sound is added
    to is decoded whole (at most 10 s), each frame brought to the size the model takes."""
    from generation.engine.specs import get_spec
    from generation.engine.types import DEFAULT_STRENGTH, GenerationRequest, Shot
    from generation.media import decode_tail, decode_video

    p = job.params
    source_frames = source_fps = None
    image, adapter = _open_image(job.input_image), None
    if job.kind == Job.Kind.EFFECT:
        from generation import effects

        adapter = effects.adapter_for(job)
        if job.second_image:  # both people on the first frame, side by side
            image = effects.compose_pair(image, _open_image(job.second_image))
    if job.kind == Job.Kind.EXTEND:
        spec = get_spec(job.model_spec)
        seconds = spec.extend_context_frames / spec.fps
        source_frames, source_fps = decode_tail(source.clean, seconds)
    if job.kind == Job.Kind.RESTYLE:
        with job.input_video.open("rb") as clip:
            source_frames, source_fps = decode_video(clip.read())
    if job.kind == Job.Kind.ADD_SOUND:
        size = get_spec(job.model_spec).size_for(p.get("aspect_ratio", "16:9"))
        source_frames, source_fps = decode_video(source.clean, fit=size)
    return GenerationRequest(
        kind=services.engine_kind(job.kind),
        prompt=job.prompt,
        negative_prompt=job.negative_prompt,
        aspect_ratio=p["aspect_ratio"],
        duration_s=p.get("duration_s") or 5,
        mode=p.get("mode", "standard"),
        creativity=p.get("creativity", 0.5),
        seed=p["seed"],
        image=image,
        end_image=_open_image(job.end_image),
        source_frames=source_frames,
        source_fps=source_fps,
        num_images=p.get("num_images") or 1,
        camera_movement=p.get("camera_movement", "static"),
        num_inference_steps=services.steps_override(job.kind),
        shots=[Shot(**shot) for shot in p.get("shots", [])],
        references=[_open_image(reference.image) for reference in job.references.all()],
        strength=p.get("strength", DEFAULT_STRENGTH),
        adapter=adapter,
        restore=tuple(p.get("restore") or ()),
        # Added sound is the job itself, not an option of a new clip.
        sound=bool(p.get("sound")) and job.kind != Job.Kind.ADD_SOUND,
    )


def _open_image(field):
    if not field:
        return None
    with field.open("rb") as f:
        return Image.open(io.BytesIO(f.read())).convert("RGB")


def render_outputs(job: Job, result, source=None, folder: str | None = None) -> list:
    """Mark, encode and sign the engine's frames/images into files (not yet stored); an
    extension's new frames are appended to its `source` in `folder`."""
    from generation import postprocess, soundtrack

    stamp = postprocess.Stamp(
        job_id=job.pk,
        model=job.model_spec,
        created_at=job.created_at,
        watermarked=job.watermarked,
        mark_id=chain_root(job),
    )
    outputs = []
    if job.kind == Job.Kind.ADD_SOUND:
        outputs += postprocess.render_add_sound(
            stamp,
            soundtrack.from_result(result),
            source,
            folder,
            hardware=settings.VIDEO_HARDWARE_ENCODER,
        )
    elif source is not None:
        outputs += postprocess.render_extension(
            stamp, result.frames, source, folder, hardware=settings.VIDEO_HARDWARE_ENCODER
        )
    elif result.frames is not None:
        outputs += postprocess.render_video(
            stamp,
            result.frames,
            result.fps,
            hardware=settings.VIDEO_HARDWARE_ENCODER,
            soundtrack=soundtrack.from_result(result),
        )
    if result.images:
        outputs += postprocess.render_pictures(stamp, result.images)
    return outputs


def upload_outputs(job: Job, outputs: list) -> list[Asset]:
    """Write the files to storage; returns their Asset rows, not yet saved."""
    assets = []
    try:
        for out in outputs:
            asset = Asset(
                job=job,
                kind=out.kind,
                content_type=out.content_type,
                width=out.width,
                height=out.height,
                frames=out.frames,
                fps=out.fps,
                index=out.index,
                size_bytes=_size(out.data),
            )
            assets.append(asset)
            with _content(out.data) as content:
                asset.file.save(f"job-{job.pk}-{out.name}", content, save=False)
            if out.marked_data is not None:
                stem, dot, extension = out.name.rpartition(".")
                with _content(out.marked_data) as content:
                    asset.marked_file.save(
                        f"job-{job.pk}-{stem}-marked{dot}{extension}", content, save=False
                    )
    except BaseException:
        _delete_uploads(assets)
        raise
    return assets


def _size(data: bytes | str) -> int:
    return len(data) if isinstance(data, bytes) else os.path.getsize(data)


def _content(data: bytes | str):
    """A file for storage from an Output's bytes, or from its path (streamed from disk)."""
    return ContentFile(data) if isinstance(data, bytes) else File(open(data, "rb"))  # noqa: SIM115


def _delete_uploads(assets: list[Asset]) -> None:
    for asset in assets:
        for stored in (asset.file, asset.marked_file):
            if stored:
                try:
                    stored.storage.delete(stored.name)
                except OSError:
                    log.exception("could not delete %s", stored.name)
