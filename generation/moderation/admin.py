"""The review queue and the screening rules in the staff panel.

The queue is the Flag changelist, pending items first by default, with a thumbnail, the rule that
fired and its score, and one-click approve / reject buttons that post to the staff decision views
(webapp/staff/views.py), which call generation.moderation.review and write the audit row.
Rule edits are audited by AuditedSettingAdmin.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from generation.models import INPUT_CLIP, Asset
from generation.moderation import evaluation
from generation.moderation.models import BannedConcept, BlockedTerm, Flag, PhotoRule
from webapp.staff.admin_mixins import AuditedSettingAdmin, ReadOnlyAdmin
from webapp.staff.permissions import can_moderate
from webapp.stored_text import shown


@admin.register(BlockedTerm)
class BlockedTermAdmin(AuditedSettingAdmin, admin.ModelAdmin):
    list_display = ("term", "category", "action", "active", "note")
    list_filter = ("category", "action", "active")
    search_fields = ("term", "note")


@admin.register(BannedConcept)
class BannedConceptAdmin(AuditedSettingAdmin, admin.ModelAdmin):
    """Each concept links to its scores on the labelled set: how many benign, borderline and
    banned prompts reach each threshold, so staff see what moving one would change first."""

    list_display = ("description", "category", "refuse_at", "review_at", "active", "scores_link")
    list_filter = ("category", "active")
    search_fields = ("description",)

    def get_urls(self):
        scores = path(
            "<int:pk>/scores/",
            self.admin_site.admin_view(self.scores_view),
            name="moderation_bannedconcept_scores",
        )
        return [scores, *super().get_urls()]

    @admin.display(description=_("scores on the labelled set"))
    def scores_link(self, concept):
        url = reverse("admin:moderation_bannedconcept_scores", args=[concept.pk])
        return format_html('<a href="{}">{}</a>', url, _("distribution"))

    def scores_view(self, request, pk):
        concept = get_object_or_404(BannedConcept, pk=pk)
        if not self.has_view_permission(request, concept):
            raise PermissionDenied
        distribution = evaluation.concept_distribution(concept)
        rows = [
            {
                "threshold": threshold,
                "counts": [distribution[label]["at_or_above"][i] for label in evaluation.LABELS],
                "is_review": abs(threshold - concept.review_at) < 0.025,
                "is_refuse": abs(threshold - concept.refuse_at) < 0.025,
            }
            for i, threshold in enumerate(evaluation.THRESHOLDS)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Scores of a banned concept on the labelled set"),
            "concept": concept,
            "labels": evaluation.LABELS,
            "distribution": [(label, distribution[label]) for label in evaluation.LABELS],
            "rows": rows,
            "top": distribution["top"],
        }
        return TemplateResponse(request, "admin/moderation/bannedconcept/scores.html", context)


@admin.register(PhotoRule)
class PhotoRuleAdmin(AuditedSettingAdmin, admin.ModelAdmin):
    list_display = ("detector_class", "refuse_at", "review_at", "active")
    list_filter = ("active",)


def thumbnail_url(flag) -> str | None:
    """The picture a reviewer needs first: the flagged upload for an upload flag, else the
    output's poster or first picture, else the job's input image."""
    job = flag.job
    if flag.kind == Flag.Kind.UPLOAD:
        flagged = {"end_image": "end", "second_image": "second"}.get(flag.field, "start")
        if job.input_file(flagged):
            return reverse("staff:job_file", args=[job.pk, flagged])
    assets = job.assets.all()
    for kind in (Asset.Kind.POSTER, Asset.Kind.PICTURE):
        asset = next((a for a in assets if a.kind == kind), None)
        if asset is not None:
            return reverse("staff:job_file", args=[job.pk, asset.pk])
    if job.input_image:
        return reverse("staff:job_file", args=[job.pk, "start"])
    return None


INPUT_LABELS = {
    "start": _("photo"),
    "end": _("end frame"),
    "second": _("second photo"),
    INPUT_CLIP: _("source clip"),
}


def inputs_html(job) -> str:
    """Every input of the job, each linked to the file: photos as thumbnails, a restyle's source
    clip as a small player (its first frame shows until it plays)."""
    items = []
    for which, _stored in job.inputs():
        url = reverse("staff:job_file", args=[job.pk, which])
        label = INPUT_LABELS.get(which) or _("reference %(n)s") % {"n": which[3:]}
        if which == INPUT_CLIP:
            media = format_html(
                '<video src="{}" controls muted playsinline preload="metadata" '
                'class="flag-input" data-testid="flag-input-{}" title="{}"></video>',
                url,
                which,
                label,
            )
        else:
            media = format_html(
                '<img src="{}" alt="{}" title="{}" class="flag-input" data-testid="flag-input-{}">',
                url,
                label,
                label,
                which,
            )
        items.append(format_html('<a href="{}" target="_blank">{}</a>', url, media))
    return format_html_join("", "{}", ((item,) for item in items)) if items else "—"


class DecisionFilter(admin.SimpleListFilter):
    """The queue opens on what needs a decision; "All" is an explicit choice, not the default."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*Flag.Status.choices, (self.ALL, _("All"))]

    def choices(self, changelist):
        current = self.value() or Flag.Status.PENDING
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or Flag.Status.PENDING
        if value == self.ALL:
            return queryset
        return queryset.filter(status=value)


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):  # decisions go through review.approve / review.reject only
    list_display = (
        "thumbnail",
        "inputs",
        "kind",
        "job_link",
        "user_link",
        "layer",
        "category",
        "rule",
        "score_shown",
        "prompt_or_appeal",
        "created_at",
        "status",
        "decision",
    )
    list_display_links = None
    list_filter = (DecisionFilter, "kind", "layer", "category")
    list_select_related = ("job", "user", "decided_by")
    search_fields = ("user__email", "rule", "job__prompt", "message")
    ordering = ("created_at",)
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("job__assets", "job__references")

    def changelist_view(self, request, extra_context=None):
        extra = {
            **(extra_context or {}),
            "can_moderate": can_moderate(request.user),
            "next": request.get_full_path(),
        }
        return super().changelist_view(request, extra_context=extra)

    def get_list_display(self, request):
        # Only those who may decide see the buttons; the decision views check again.
        if can_moderate(request.user):
            return self.list_display
        return tuple(c if c != "decision" else "outcome" for c in self.list_display)

    @admin.display(description=_("preview"))
    def thumbnail(self, flag):
        url = thumbnail_url(flag)
        if url is None:
            return "—"
        return format_html(
            '<a href="{0}" target="_blank"><img src="{0}" alt="" class="flag-thumb" '
            'data-testid="flag-thumb" style="max-width:120px;max-height:90px"></a>',
            url,
        )

    @admin.display(description=_("inputs"))
    def inputs(self, flag):
        return inputs_html(flag.job)

    @admin.display(description=_("job"), ordering="job")
    def job_link(self, flag):
        return format_html("#{} <small>({})</small>", flag.job_id, flag.job.get_status_display())

    @admin.display(description=_("user"), ordering="user__email")
    def user_link(self, flag):
        return format_html(
            '<a href="{}">{}</a>', reverse("staff:user", args=[flag.user_id]), flag.user.email
        )

    @admin.display(description=_("score"), ordering="score")
    def score_shown(self, flag):
        return "—" if flag.score is None else f"{flag.score:.2f}"

    @admin.display(description=_("prompt / appeal"))
    def prompt_or_appeal(self, flag):
        text = flag.message if flag.kind == Flag.Kind.APPEAL else flag.job.prompt
        return text[:200]

    @admin.display(description=_("decision"))
    def outcome(self, flag):
        if flag.status == Flag.Status.PENDING:
            return flag.get_status_display()
        return format_html(
            "{} <small>{} {}</small><br><small>{}</small>",
            flag.get_status_display(),
            _("by"),
            flag.decided_by or _("screening"),
            shown(flag.decision_note),  # kept in the language it was written in
        )

    @admin.display(description=_("decision"))
    def decision(self, flag):
        if flag.status != Flag.Status.PENDING:
            return self.outcome(flag)
        # The inputs belong to the per-row forms rendered after the changelist form (see
        # templates/admin/moderation/flag/change_list.html): forms cannot nest.
        return format_html(
            '<button type="submit" form="approve-{0}" class="button" '
            'data-testid="approve-{0}">{1}</button> '
            '<input type="text" name="reason" form="reject-{0}" required maxlength="500" '
            'placeholder="{2}" aria-label="{2}" data-testid="reject-reason-{0}"> '
            '<button type="submit" form="reject-{0}" class="button" '
            'data-testid="reject-{0}">{3}</button>',
            flag.pk,
            _("Approve"),
            _("Reason (the user is told)"),
            _("Reject"),
        )
