"""What a screening layer found, in one shape for every layer."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from generation.moderation.models import Action, Category, Subject

ALLOW = "allow"
REFUSE = Action.REFUSE.value
REVIEW = Action.REVIEW.value

FIELD_LABELS = dict(Subject.choices)


@dataclass(frozen=True)
class Hit:
    """One rule that fired. `rule` and `score` are for staff; users see field and category."""

    outcome: str  # REFUSE or REVIEW
    layer: str  # blocklist, semantic, photo, output
    field: str
    category: str
    rule: str
    score: float | None = None

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label) if self.category in Category.values else ""

    def user_message(self) -> str:
        """What the user is told: the field and the rule's category, never the rule itself."""
        field = FIELD_LABELS.get(self.field, self.field)
        if self.outcome == REFUSE:
            return _(
                "Your %(field)s was refused: it matches our rules on %(category)s. "
                "If you think this is a mistake, you can appeal once."
            ) % {"field": field, "category": self.category_label}
        return _(
            "Your %(field)s is being checked by our team (%(category)s). "
            "Your points stay held until they decide."
        ) % {"field": field, "category": self.category_label}


# Most severe first. Among hits of the same outcome the most severe category decides, whatever
# the layer or the score that found it; a refusal always outranks a hold.
SEVERITY = (
    "minors",
    "extremism",
    "weapons",
    "self_harm",
    "violence",
    "drugs",
    "deepfake",
    "hate",
    "sexual",
    "nudity",
)


def severity(category: str) -> int:
    """0 for the most severe category; unknown categories rank last."""
    return SEVERITY.index(category) if category in SEVERITY else len(SEVERITY)


def strongest(hits) -> Hit | None:
    """The hit that decides: a refusal before a hold, then the most severe category, then the
    first found (stable)."""
    hits = [h for h in hits if h is not None]
    if not hits:
        return None
    return min(hits, key=lambda h: (h.outcome != REFUSE, severity(h.category)))


def first_deciding(checks) -> Hit | None:
    """Run the checks (callables) in order and return as `strongest` would. Stops early only
    at a refusal filed under the most severe category, which no later hit could outrank;
    otherwise every check runs, so a later layer's more severe hit is never lost."""
    hits = []
    for check in checks:
        hit = check()
        if hit is not None and hit.outcome == REFUSE and severity(hit.category) == 0:
            return hit
        hits.append(hit)
    return strongest(hits)
