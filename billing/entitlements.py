"""What a user may do now. Every other part of the site asks `entitlements(user)`; nothing else
reads tiers or memberships to decide a permission."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import Membership, Tier


@dataclass(frozen=True)
class Entitlements:
    tier: Tier | None  # None: the free plan
    no_watermark: bool
    professional_mode: bool
    video_extension: bool
    camera_movement: bool
    priority_queue: bool
    max_concurrent_jobs: int
    max_resolution: int  # short side of the output, in pixels
    max_frame_rate: int  # frames per second of the output
    membership_ends_at: datetime | None = None

    @property
    def is_member(self) -> bool:
        return self.tier is not None

    @property
    def plan_name(self) -> str:
        return self.tier.display_name if self.tier else str(_("Free"))


FREE = Entitlements(
    tier=None,
    no_watermark=False,
    professional_mode=False,
    video_extension=False,
    camera_movement=False,
    priority_queue=False,
    max_concurrent_jobs=1,
    max_resolution=720,
    max_frame_rate=24,
)


def of_tier(tier: Tier, membership_ends_at: datetime | None = None) -> Entitlements:
    return Entitlements(
        tier=tier,
        no_watermark=tier.no_watermark,
        professional_mode=tier.professional_mode,
        video_extension=tier.video_extension,
        camera_movement=tier.camera_movement,
        priority_queue=tier.priority_queue,
        max_concurrent_jobs=tier.max_concurrent_jobs,
        max_resolution=tier.max_resolution,
        max_frame_rate=tier.max_frame_rate,
        membership_ends_at=membership_ends_at,
    )


def current_membership(user, now: datetime | None = None) -> Membership | None:
    """The highest-ranked active membership covering `now`."""
    if user is None or not user.is_authenticated:
        return None
    now = now or timezone.now()
    return (
        Membership.objects.filter(
            user=user, status=Membership.Status.ACTIVE, starts_at__lte=now, ends_at__gt=now
        )
        .select_related("tier")
        .order_by("-tier__rank", "-ends_at")
        .first()
    )


def entitlements(user, now: datetime | None = None) -> Entitlements:
    """The user's entitlements now: their best current membership's tier, else the free set
    (also for anonymous visitors)."""
    membership = current_membership(user, now)
    if membership is None:
        return FREE
    return of_tier(membership.tier, membership.ends_at)


def lowest_tier_with(entitlement: str) -> Tier | None:
    """The cheapest tier that grants a yes/no entitlement ("camera_movement"), for the messages
    on locked options: read from the tiers, so they say what the pricing table says."""
    return Tier.objects.filter(**{entitlement: True}).order_by("rank").first()


def lowest_tier_with_output(short_side: int, fps: int, professional_mode: bool) -> Tier | None:
    """The cheapest tier whose videos may be `short_side` pixels on their short side at `fps`
    (and that has professional mode, where the video needs it), for the message on a refused
    size: read from the tiers, as the pricing table shows them."""
    tiers = Tier.objects.filter(max_resolution__gte=short_side, max_frame_rate__gte=fps)
    if professional_mode:
        tiers = tiers.filter(professional_mode=True)
    return tiers.order_by("rank").first()


def allows_output(plan: Entitlements, short_side: int, fps: int) -> bool:
    """Whether the plan's videos may be this big and this smooth."""
    return short_side <= plan.max_resolution and fps <= plan.max_frame_rate


# For the pricing page: one row per entitlement, one column per plan (free first).
COMPARED = [
    ("no_watermark", _("No watermark")),
    ("professional_mode", _("Professional mode")),
    ("video_extension", _("Video extension")),
    ("camera_movement", _("Camera movement")),
    ("priority_queue", _("Priority queue")),
    ("max_concurrent_jobs", _("Jobs at a time")),
]
# (The video size each plan gets is not a tier setting: it depends on the model the workers run,
# so the pricing view adds that row from the model's spec.)


def comparison(tiers) -> list[tuple[str, list]]:
    plans = [FREE, *(of_tier(tier) for tier in tiers)]
    return [(label, [getattr(plan, name) for plan in plans]) for name, label in COMPARED]
