"""Pages of shared works: the public page, its files, embed and oEmbed, explore, profiles, and
the owner's and visitors' actions. Rules live in services.py; "may this be shown" is answered
by services.shown_share alone (through _shown here)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.files.storage import default_storage
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from generation.models import Asset, Job
from webapp.sharing import feed, services
from webapp.sharing.forms import ProfileForm, ReportForm
from webapp.sharing.models import Profile, Share

# Seconds a CDN or browser may keep what a logged-out visitor sees. Short, so a withdrawn or
# hidden work disappears within minutes everywhere.
PUBLIC_MAX_AGE = 60
PUBLIC_SHARED_MAX_AGE = 300


class GoneResponse(HttpResponse):
    status_code = 410


def _shown(token: str) -> Share:
    try:
        return services.shown_share(token)
    except Share.DoesNotExist:
        raise Http404("no such shared work") from None


def _gone(request):
    return _cacheable(request, _render(request, "sharing/gone.html", {}, status=410))


# The language switch of pages a CDN may cache: those pages set no CSRF cookie, so Django's
# switch would refuse their visitors. Choosing a language changes nothing but that cookie.
set_language = csrf_exempt(i18n.set_language)


def _cacheable(request, response):
    """Logged-out pages are the same for everyone: a CDN may keep them, so they set no cookie
    (no CSRF cookie: their only form, the language switch, works from any later page).
    Signed-in pages show the visitor's likes and stay private."""
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        request.META.pop("CSRF_COOKIE", None)
        patch_cache_control(
            response, public=True, max_age=PUBLIC_MAX_AGE, s_maxage=PUBLIC_SHARED_MAX_AGE
        )
    return response


def _render(request, template, context, status=200):
    """Render a page _cacheable may let a CDN keep (its language switch works without a cookie)."""
    context["cdn_cacheable"] = not request.user.is_authenticated
    return render(request, template, context, status=status)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@require_safe
def share_page(request, token):
    try:
        share = _shown(token)
    except services.Gone:
        return _gone(request)
    job = share.job
    prefetch_related_objects([job], "assets")
    page_url = _absolute(reverse("sharing:page", args=[share.token]))
    context = {
        "share": share,
        "job": job,
        "creator": services.creator_name(share.user),
        "profile": _listed_profile(share.user),
        "liked": share.pk in services.liked([share], request.user),
        "remix_source": _remix_source(job),
        "page_url": page_url,
        "poster_url": _absolute(reverse("sharing:file", args=[share.token, "poster"])),
        "video_url": _absolute(reverse("sharing:file", args=[share.token, "video"])),
        "oembed_url": _absolute(reverse("sharing:oembed") + "?" + urlencode({"url": page_url})),
        "embed_url": _absolute(reverse("sharing:embed", args=[share.token])),
        "pictures": [
            (reverse("sharing:file", args=[share.token, f"picture-{i}"]), picture)
            for i, picture in enumerate(job.pictures)
        ],
        "report_form": ReportForm(),
    }
    return _cacheable(request, _render(request, "sharing/page.html", context))


def _listed_profile(user):
    profile = getattr(user, "profile", None)
    return None if profile is None or profile.anonymous else profile


def _remix_source(job):
    """The shared work this one remixes, while that one is still shown."""
    remix = getattr(job, "remix", None)
    if remix is None:
        return None
    try:
        return services.shown_share(remix.source.token)
    except (Share.DoesNotExist, services.Gone):
        return None


@require_safe
def embed(request, token):
    try:
        share = _shown(token)
    except services.Gone:
        return _gone(request)
    response = render(request, "sharing/embed.html", {"share": share})
    # Other sites frame this page, and only this one.
    response.xframe_options_exempt = True
    return _cacheable(request, response)


@require_safe
def share_file(request, token, what):
    """A shared work's file, in the variant its creator's plan allows (a free creator's clip
    keeps its visible watermark). "poster" of a picture work is its first picture."""
    try:
        share = _shown(token)
    except services.Gone:
        return _gone(request)
    kinds = {"video": [Asset.Kind.VIDEO], "preview": [Asset.Kind.PREVIEW]}
    kinds["poster"] = [Asset.Kind.POSTER, Asset.Kind.PICTURE]
    index = 0
    if what.startswith("picture-") and what[8:].isdigit() and len(what) < 12:
        kinds[what], index = [Asset.Kind.PICTURE], int(what[8:])
    if what not in kinds:
        raise Http404("no such file")
    assets = Asset.objects.filter(job_id=share.job_id, kind__in=kinds[what]).order_by(
        "-kind" if what == "poster" else "kind", "index"
    )
    asset = assets[index : index + 1].first()
    if asset is None:
        raise Http404("no such file")
    stored = services.served_file(share, asset)
    if settings.S3_BUCKET:
        response = redirect(default_storage.url(stored.name))
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        return response
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=asset.content_type)
    patch_cache_control(response, public=True, max_age=PUBLIC_SHARED_MAX_AGE)
    return response


@require_safe
def oembed(request):
    """oEmbed (https://oembed.com) for a share page's address: a video iframe of the embed
    page. Only this site's share links are answered."""
    try:
        parts = urlsplit(request.GET.get("url", ""))
    except ValueError:  # "http://[::1" and the like
        raise Http404("not a shared work's address") from None
    prefix = "/share/"
    if not parts.path.startswith(prefix):
        raise Http404("not a shared work's address")
    if request.GET.get("format", "json") != "json":
        return HttpResponse(status=501)
    token = parts.path[len(prefix) :].strip("/")
    try:
        share = _shown(token)
    except services.Gone:
        return _gone(request)
    job = Job.objects.prefetch_related("assets").get(pk=share.job_id)
    shown = job.video or job.poster or (job.pictures[0] if job.pictures else None)
    width, height = (shown.width, shown.height) if shown else (640, 360)
    try:
        max_width = int(request.GET.get("maxwidth") or width)
    except ValueError:
        max_width = width
    if 0 < max_width < width:
        width, height = max_width, round(height * max_width / width)
    embed_url = _absolute(reverse("sharing:embed", args=[share.token]))
    title = (
        job.prompt[:120]
        if share.show_prompt
        else _("A work made with %(site)s") % {"site": settings.SITE_NAME}
    )
    data = {
        "version": "1.0",
        "type": "video",
        "title": title,
        "author_name": services.creator_name(share.user),
        "provider_name": settings.SITE_NAME,
        "provider_url": settings.SITE_URL,
        "thumbnail_url": _absolute(reverse("sharing:file", args=[share.token, "poster"])),
        "thumbnail_width": shown.width if shown else width,
        "thumbnail_height": shown.height if shown else height,
        "width": width,
        "height": height,
        "html": (
            f'<iframe src="{embed_url}" width="{width}" height="{height}" frameborder="0" '
            f'allowfullscreen title="{settings.SITE_NAME}"></iframe>'
        ),
    }
    response = JsonResponse(data)
    patch_cache_control(response, public=True, max_age=PUBLIC_SHARED_MAX_AGE)
    return response


@login_required
@require_POST
def like(request, token):
    share = _shown_or_404(token)
    try:
        if request.POST.get("undo"):
            services.unlike(share, request.user)
        else:
            services.like(share, request.user)
    except services.SharingRefused as exc:
        messages.error(request, str(exc))
    return redirect("sharing:page", share.token)


@login_required
@require_POST
def report(request, token):
    share = _shown_or_404(token)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reason."))
        return redirect("sharing:page", share.token)
    try:
        new = services.report(share, request.user, **form.cleaned_data)
    except services.SharingRefused as exc:
        messages.error(request, str(exc))
        return redirect("sharing:page", share.token)
    if new:
        messages.success(request, _("Thank you. Our team will look at this work."))
    else:
        messages.info(request, _("You already reported this work."))
    if Share.objects.filter(pk=share.pk, hidden_at__isnull=False).exists():
        return redirect("sharing:explore")
    return redirect("sharing:page", share.token)


def _shown_or_404(token) -> Share:
    try:
        return _shown(token)
    except services.Gone:
        raise Http404("deleted") from None


@login_required
def remix(request, token):
    """ "Use this prompt": the create page, filled from the shared work (generation.views)."""
    share = _shown_or_404(token)
    query = {"remix": share.token}
    if request.GET.get("seed") == "1":
        query["seed"] = "1"
    return redirect(reverse("generation:create") + "?" + urlencode(query))


def _own_job(request, job_id) -> Job:
    """The one answer to "may this user share this job": its owner, while it is not deleted."""
    return get_object_or_404(Job, pk=job_id, user=request.user, deleted_at=None)


@login_required
@require_POST
def publish(request, job_id):
    job = _own_job(request, job_id)
    visibility = request.POST.get("visibility", "")
    show_prompt = request.POST.get("show_prompt") == "on"
    try:
        share = services.publish(job, request.user, visibility, show_prompt)
    except services.SharingRefused as exc:
        messages.error(request, str(exc))
    else:
        if share.visibility == Share.Visibility.PUBLIC:
            messages.success(request, _("Shared publicly. Anyone can find it in Explore."))
        else:
            messages.success(request, _("Shared. Only people with the link can see it."))
    return redirect("generation:job", job_id=job.pk)


@login_required
@require_POST
def unpublish(request, job_id):
    job = _own_job(request, job_id)
    share = Share.objects.filter(job=job).first()
    if share is not None and services.unpublish(share):
        messages.success(request, _("No longer shared. Its link does not work any more."))
    return redirect("generation:job", job_id=job.pk)


@require_safe
def explore(request):
    sort = request.GET.get("sort", "newest")
    kind, aspect = request.GET.get("kind", ""), request.GET.get("aspect", "")
    try:
        shares, next_cursor = feed.page(sort, kind, aspect, request.GET.get("cursor", ""))
    except feed.BadCursor:
        raise BadRequest("malformed cursor") from None
    query = {k: v for k, v in (("sort", sort), ("kind", kind), ("aspect", aspect)) if v}
    context = {
        "shares": shares,
        "liked": services.liked(shares, request.user),
        "next_url": "?" + urlencode({**query, "cursor": next_cursor}) if next_cursor else "",
        "sort": sort if sort in feed.SORTS else "newest",
        "kind": kind,
        "aspect": aspect,
        "query": query,
        "kinds": Job.Kind.choices,
        "aspects": feed.ASPECT_RATIOS,
    }
    template = (
        "sharing/_cards.html" if request.headers.get("HX-Request") else "sharing/explore.html"
    )
    return _cacheable(request, _render(request, template, context))


@require_safe
def profile(request, handle):
    profile = get_object_or_404(Profile.objects.select_related("user"), handle=handle)
    user = profile.user
    if profile.anonymous or user.deleted_at or not user.is_active:
        raise Http404("no such profile")
    try:
        shares, next_cursor = feed.page(cursor=request.GET.get("cursor", ""), user=user)
    except feed.BadCursor:
        raise BadRequest("malformed cursor") from None
    context = {
        "profile": profile,
        "creator": services.creator_name(user),
        "shares": shares,
        "liked": services.liked(shares, request.user),
        "next_url": "?" + urlencode({"cursor": next_cursor}) if next_cursor else "",
    }
    return _cacheable(request, _render(request, "sharing/profile.html", context))


@login_required
def profile_settings(request):
    profile = services.profile_for(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            services.update_profile(request.user, **form.cleaned_data)
            messages.success(request, _("Your profile is saved."))
            return redirect("sharing:profile_settings")
    else:
        form = ProfileForm(
            initial={"display_name": request.user.display_name, "anonymous": profile.anonymous}
        )
    return render(request, "sharing/profile_settings.html", {"form": form, "profile": profile})


@require_safe
def sitemap(request):
    """Public works and their creators' profiles, newest first; unlisted works never."""
    shares = feed.listed().order_by("-published_at", "-pk")[:10_000]
    response = render(
        request,
        "sharing/sitemap.xml",
        {"shares": shares, "site_url": settings.SITE_URL.rstrip("/")},
        content_type="application/xml",
    )
    patch_cache_control(response, public=True, max_age=PUBLIC_SHARED_MAX_AGE)
    return response
