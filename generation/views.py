from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, BadRequest, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import ledger
from billing.entitlements import entitlements
from billing.pricing import PriceError
from billing.units import format_points
from generation import add_sound, effects, eta, services
from generation.engine.specs import MODEL_SPECS, get_spec
from generation.engine.types import MAX_REFERENCES, MAX_SHOTS, MIN_SHOTS
from generation.forms import (
    MAX_CHAIN_SECONDS,
    OLD_PHOTO_PROMPT,
    SOUND_KINDS,
    AppealForm,
    JobForm,
    storyboard_rows,
)
from generation.labels import camera_label
from generation.models import INPUT_CLIP, MAX_ROW_ID, Asset, Effect, Job, input_content_type
from generation.moderation import review
from generation.moderation.models import Flag
from generation.private_files import private_file
from generation.restyle import restyle_sources
from webapp.sharing import services as sharing

# Written as SQL: every status poll (most of the site's requests) reads its job here, and the
# ORM's building of this 28-column select took more CPU than the rest of the view (0.3 ms of
# 2). A raw query still converts each column as the ORM does, on every database.
_OWN_JOB = (
    f"SELECT * FROM {Job._meta.db_table} "  # noqa: S608 (a fixed name)
    "WHERE id = %s AND user_id = %s AND deleted_at IS NULL"
)


def _get_job_for_user(request, job_id, with_files=True) -> Job:
    """The one answer to "may this user see this job": only its owner, and not once deleted."""
    job_id = int(job_id)
    if not 0 < job_id <= MAX_ROW_ID:  # a longer number names no job (and is not a 500)
        raise Http404
    jobs = Job.objects.raw(_OWN_JOB, [job_id, request.user.pk])
    for job in jobs.prefetch_related("assets") if with_files else jobs:
        return job
    raise Http404


def _extendable_videos(user):
    return (
        Job.objects.filter(user=user, status=Job.Status.SUCCEEDED, deleted_at=None)
        .exclude(kind=Job.Kind.TEXT_TO_PICTURE)
        # A clip with sound is not extended (forms.py); one made before the option is. (Not
        # `exclude(params__sound=True)`: that drops rows without the key too, and SQLite has
        # no JSON `contains`.)
        .filter(~Q(params__has_key="sound") | Q(params__sound=False))
        .prefetch_related("assets")[:30]
    )


def _initial_from(request) -> dict:
    """Refill the form from one of the user's earlier jobs ("generate again")."""
    initial = {}
    if source_id := request.GET.get("from"):
        if not (source_id.isascii() and source_id.isdigit()) or len(source_id) > 18:
            raise BadRequest("from= names no job")
        job = _get_job_for_user(request, source_id)
        # Everything but the seed: the same seed would make the same video again.
        initial = {
            "kind": job.kind,
            "prompt": job.prompt,
            "negative_prompt": job.negative_prompt,
            **{k: v for k, v in job.params.items() if v is not None and k != "seed"},
        }
        if job.kind == Job.Kind.RESTYLE and job.source_job_id:  # an upload is chosen again
            initial.update(
                restyle_source=job.source_job_id, restyle_seconds=job.params["duration_s"]
            )
    if token := request.GET.get("remix"):
        # "Use this prompt" on a shared work: its prompt and options, never its photos.
        initial = sharing.remix_initial(token, with_seed=request.GET.get("seed") == "1")
    if request.GET.get("extend"):
        initial.update(kind=Job.Kind.EXTEND, source_job=request.GET["extend"])
    if request.GET.get("add_sound"):
        initial.update(kind=Job.Kind.ADD_SOUND, sound_source=request.GET["add_sound"])
    if request.GET.get("kind") in Job.Kind.values:
        initial["kind"] = request.GET["kind"]
    return initial


@login_required
def create(request):
    if request.method == "POST":
        form = JobForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                job = services.submit(request.user, form)
            except ValidationError as exc:
                _attach_errors(form, exc)
            else:
                sharing.record_remix(job, request.POST.get("remix_of", ""))
                if job.status == Job.Status.QUEUED and job.enqueued_at is None:
                    # Not sent to the workers yet (the queue was unreachable): the sweep sends it.
                    messages.info(
                        request,
                        _("Your job is saved and will start within a couple of minutes."),
                    )
                return redirect("generation:job", job_id=job.pk)
    else:
        form = JobForm(initial=_initial_from(request), user=request.user)
    allowed = entitlements(request.user)
    videos = _extendable_videos(request.user)
    return render(
        request,
        "generation/create.html",
        {
            "form": form,
            "remix_of": request.POST.get("remix_of") or form.initial.get("remix_of", ""),
            "allowed": entitlements(request.user),
            "videos": videos,
            "restyle_videos": restyle_sources(request.user, videos),
            "sound_videos": add_sound.sound_sources(request.user, videos),
            "old_photo_prompt": OLD_PHOTO_PROMPT,
            "price": _price_text(form),
            "locked": {
                **{
                    name: services.locked_message(name)
                    for name in ("professional_mode", "video_extension", "camera_movement")
                },
                "storyboard": services.storyboard_locked_message(),
                "references": services.references_locked_message(),
            },
            "max_references": MAX_REFERENCES,
            "modes": _mode_choices(form, allowed),
            "min_shots": MIN_SHOTS,
            "effects": _effect_cards(allowed),
            "sound_offered": get_spec(settings.GENERATION_MODEL).supports_sound,
            "short_of_points": form.has_error(NON_FIELD_ERRORS, "not_enough_points"),
        },
    )


def _effect_cards(allowed) -> list[dict]:
    """The catalogue as the create page shows it: each effect with its price and, when the
    plan does not include it, why."""
    return [
        {
            "effect": effect,
            "price": format_points(effect.price),
            "locked": None if effects.allowed(effect, allowed) else effects.locked_message(effect),
            "retouches": effects.retouches_offered(effect),
        }
        for effect in effects.catalogue()
    ]


def _mode_choices(form, allowed) -> list[dict]:
    """Each quality mode with the video it makes (16:9: "1080p · 30 fps") and, when the plan
    does not include it, why and which plan does."""
    spec = get_spec(settings.GENERATION_MODEL)
    choices = []
    for value, label in form.fields["mode"].choices:
        width, height, fps = services.video_output(spec, value)
        locked = services.output_locked_message(allowed, spec, value)
        if value == "professional" and not allowed.professional_mode:
            locked = locked or services.locked_message("professional_mode")
        choices.append(
            {
                "value": value,
                "label": label,
                "output": _("%(size)sp · %(fps)d fps") % {"size": min(width, height), "fps": fps},
                "locked": locked,
            }
        )
    return choices


def _attach_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _price_text(form) -> str:
    """The price of the options the form holds now, each checked by its own field; empty when
    one of them has no price (an unknown kind, a 9999-second video)."""

    def value(name):
        field = form.fields[name]
        raw = form.data.get(name) if form.is_bound else None
        if raw in (None, ""):
            raw = form.initial.get(name, field.initial)
        try:
            return field.clean(raw)
        except ValidationError:
            return None

    kind = value("kind")
    if kind == Job.Kind.EFFECT:
        effect = effects.get_effect(value("effect"))
        return format_points(effect.price) if effect else ""
    params = {
        "duration_s": 5 if kind == Job.Kind.EXTEND else value("duration_s"),
        "mode": value("mode"),
        "num_images": value("num_images") if kind == Job.Kind.TEXT_TO_PICTURE else 1,
        "sound": bool(value("sound")) and kind in SOUND_KINDS,
    }
    if kind == Job.Kind.TEXT_TO_PICTURE:
        params["duration_s"] = 5  # a picture has no length
    if kind == Job.Kind.RESTYLE:  # per second of the clip, as the page read its length
        params["duration_s"] = value("restyle_seconds")
    if kind == Job.Kind.ADD_SOUND:  # per second of the chosen video
        source = add_sound.source_for(form.user, value("sound_source"))
        params["duration_s"] = add_sound.billed_seconds(source) if source else None
    if kind == Job.Kind.STORYBOARD:  # the sum of its shots
        if form.is_bound:
            rows = storyboard_rows(form.data)
        else:  # the shots refilled from an earlier job, or the first two rows
            rows = range(1, len(form.initial.get("shots") or []) + 1) or range(1, MIN_SHOTS + 1)
        names = [f"shot_duration_{n}" for n in rows]
        durations = [value(name) if name in form.fields else None for name in names]
        if not MIN_SHOTS <= len(durations) <= MAX_SHOTS or None in durations:
            return ""
        params["duration_s"] = sum(durations)
    if kind is None or None in params.values():
        return ""
    try:
        return format_points(services.price_for(kind, params))
    except PriceError:
        return ""


@login_required
def price(request):
    """The live price shown on the create form as options change (htmx)."""
    form = JobForm(request.GET, user=request.user)
    return HttpResponse(_price_text(form))


@login_required
def effect_preview(request, slug):
    """An effect's preview clip (stored through the default storage, as outputs are)."""
    effect = effects.get_effect(slug)
    if effect is None or not effect.preview:
        raise Http404
    return FileResponse(effect.preview.open("rb"), content_type="video/mp4")


@login_required
def job_detail(request, job_id):
    job = _get_job_for_user(request, job_id)
    # Mirrors Asset.file_for: what the owner's downloads are right now.
    allowed = entitlements(request.user)
    watermarked = job.watermarked and not allowed.no_watermark
    context = {
        "job": job,
        "watermarked": watermarked,
        "allowed": allowed,
        # A clip at the length limit cannot grow: no button that can only fail.
        # A clip with sound is not extended (generation/forms.py says why).
        "can_extend": bool(job.video and (job.video.duration_s or 0) + 5 <= MAX_CHAIN_SECONDS)
        and not job.params.get("sound"),
        "extend_locked": services.locked_message("video_extension"),
        "can_add_sound": add_sound.offered() and add_sound.takes_sound(job),
        "shots": _timeline(job),
        "references": [
            {
                "position": reference.position,
                "url": reverse("generation:input_photo", args=[job.pk, f"ref{reference.position}"]),
            }
            for reference in job.references.all()
        ],
        "effect": Effect.objects.filter(slug=job.params.get("effect")).first()
        if job.kind == Job.Kind.EFFECT
        else None,
        **_status_context(job),
    }
    if review.can_appeal(job):
        context["appeal_form"] = AppealForm()
    elif job.status == Job.Status.REJECTED:
        context["appeal"] = job.flags.filter(kind=Flag.Kind.APPEAL).first()
        if review.appeal_accepted(job):
            context["run_price"] = services.price_for(job.kind, job.params)
    return render(request, "generation/job.html", context)


def _timeline(job) -> list[dict]:
    """A storyboard's shots with where each starts and ends in the video, in seconds."""
    shots, start = [], 0
    for number, shot in enumerate(job.params.get("shots", []), start=1):
        end = start + shot["duration_s"]
        camera = camera_label(shot.get("camera_movement", "static"))
        shots.append({"number": number, "start": start, "end": end, "camera": camera, **shot})
        start = end
    return shots


@login_required
@require_POST
def run_appealed(request, job_id):
    """The owner runs a job whose appeal was accepted, for the price the page showed them."""
    job = _get_job_for_user(request, job_id)
    price = services.price_for(job.kind, job.params)
    if request.POST.get("price") != str(price):
        messages.error(
            request,
            _("The price changed to %(points)s points. Check it and confirm again.")
            % {"points": format_points(price)},
        )
        return redirect("generation:job", job_id=job.pk)
    try:
        ran = review.run_accepted_appeal(job, request.user)
    except ledger.NotEnoughPoints as short:
        messages.error(request, services.short_of_points(short), extra_tags="points-short")
        return redirect("generation:job", job_id=job.pk)
    if ran:
        messages.success(
            request,
            _("Your job is queued; %(points)s points are held until it finishes.")
            % {"points": format_points(price)},
        )
    return redirect("generation:job", job_id=job.pk)


@login_required
@require_POST
def appeal(request, job_id):
    """The owner appeals a moderation refusal, once, with a short message."""
    job = _get_job_for_user(request, job_id)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            review.appeal(job, request.user, form.cleaned_data["message"])
        except review.AppealRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Thank you. Our team will look at your appeal."))
    else:
        messages.error(request, " ".join(form.errors.get("message", [])))
    return redirect("generation:job", job_id=job.pk)


@login_required
def job_status(request, job_id):
    """The live status line, polled by htmx while the job is queued or running: most of the
    site's requests, so it reads one job row (no files) and counts the queue on an index; the
    rest comes from the cache (generation/eta.py)."""
    job = _get_job_for_user(request, job_id, with_files=False)
    # The fragment needs none of the context processors (navigation, points, messages): leaving
    # them out is a quarter of the poll's CPU.
    context = {"job": job, **_status_context(job)}
    response = HttpResponse(render_to_string("generation/_job_status.html", context))
    if not job.is_active and request.GET.get("was_active"):
        # The job just ended: reload the page once to show the player or the message.
        response["HX-Refresh"] = "true"
    return response


def _status_context(job: Job) -> dict:
    position = eta.queue_position(job)
    seconds = eta.eta_seconds(job, position)
    return {
        "position": position,
        "eta": seconds,
        "poll_seconds": eta.poll_seconds(seconds),
        # Past a minute and a half, minutes read better than seconds.
        "eta_minutes": -(-seconds // 60) if seconds and seconds >= 90 else None,
        "is_demo": bool((spec := MODEL_SPECS.get(job.model_spec)) and spec.is_demo),
    }


@login_required
@require_POST
def cancel(request, job_id):
    job = _get_job_for_user(request, job_id)
    if services.cancel(job):
        messages.success(request, _("Job canceled. Your points were refunded."))
    else:
        messages.info(request, _("This job had already finished."))
    return redirect("generation:job", job_id=job.pk)


@login_required
@require_POST
def delete(request, job_id):
    job = _get_job_for_user(request, job_id)
    if job.status == Job.Status.REVIEW:
        # Its points are held until the review ends; deleting now would strand them.
        messages.error(request, _("This job is under review; you can delete it afterwards."))
        return redirect("generation:job", job_id=job.pk)
    if job.is_active:
        messages.error(request, _("Cancel the job before deleting it."))
        return redirect("generation:job", job_id=job.pk)
    services.delete_work(job)
    messages.success(request, _("Deleted."))
    return redirect("generation:works")


@login_required
def my_works(request):
    jobs = Job.objects.filter(user=request.user, deleted_at=None).prefetch_related("assets")
    kind, status = request.GET.get("kind"), request.GET.get("status")
    if kind in Job.Kind.values:
        jobs = jobs.filter(kind=kind)
    if status in Job.Status.values:
        jobs = jobs.filter(status=status)
    page = Paginator(jobs, 24).get_page(request.GET.get("page"))
    return render(
        request,
        "generation/works.html",
        {
            "page": page,
            "kinds": Job.Kind.choices,
            "statuses": Job.Status.choices,
            "kind": kind,
            "status": status,
        },
    )


def _get_asset_for_user(request, asset_id) -> Asset:
    """The one answer to "may this user fetch this file": only the job's owner, while the job
    is not deleted, and only once it succeeded (outputs held for review are not served)."""
    return get_object_or_404(
        Asset.objects.select_related("job"),
        pk=asset_id,
        job__user=request.user,
        job__deleted_at=None,
        job__status=Job.Status.SUCCEEDED,
    )


@login_required
def asset_file(request, asset_id):
    """A job's file for its owner: the clean master if their plan has "no watermark" now (or the
    job was made without one), else the watermarked variant. Streamed from local storage, or a
    short-lived signed S3 URL handed out after the check."""
    asset = _get_asset_for_user(request, asset_id)
    response = private_file(
        asset.file_for(request.user),
        asset.content_type,
        as_attachment=request.GET.get("download") == "1",
        filename=asset.file.name.rsplit("/", 1)[-1],
    )
    # The same URL serves another variant after an upgrade: browsers must ask again.
    patch_cache_control(response, no_cache=True)
    return response


@login_required
def input_photo(request, job_id, which):
    """The photo a job was made from ("start"), its end frame ("end"), an effect's second photo
    ("second") or one of its reference photos ("ref1" to "ref4"), for its owner only."""
    job = _get_job_for_user(request, job_id)
    stored = job.input_file(which) if which != INPUT_CLIP else None
    if not stored:
        raise Http404("no such photo")
    return private_file(stored, input_content_type(which))


@login_required
def input_clip(request, job_id):
    """The clip a restyle was made from, for its owner only."""
    job = _get_job_for_user(request, job_id)
    stored = job.input_file(INPUT_CLIP)
    if not stored:
        raise Http404("no source clip")
    return private_file(stored, input_content_type(INPUT_CLIP))


@login_required
def notifications(request):
    """Which e-mails the user gets: one per finished job, on or off."""
    user = request.user
    if request.method == "POST":
        user.notify_job_finished = request.POST.get("notify_job_finished") == "on"
        user.save(update_fields=["notify_job_finished"])
        messages.success(request, _("Your e-mail settings are saved."))
        return redirect("generation:notifications")
    return render(request, "generation/notifications.html", {"notify": user.notify_job_finished})
