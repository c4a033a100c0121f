"""What a screening layer found, in one shape for every layer."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from generation.moderation.models import Action, Category

ALLOW = "allow"
REFUSE = Action.REFUSE.value
REVIEW = Action.REVIEW.value

FIELD_LABELS = {
    "prompt": gettext_lazy("prompt"),
    "negative_prompt": gettext_lazy("negative prompt"),
    "input_image": gettext_lazy("photo"),
    "end_image": gettext_lazy("end frame"),
    "output": gettext_lazy("result"),
}


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


def strongest(hits) -> Hit | None:
    """The hit that decides: the first refusal, else the first hold, else None."""
    hits = [h for h in hits if h is not None]
    return next((h for h in hits if h.outcome == REFUSE), hits[0] if hits else None)


def first_deciding(checks) -> Hit | None:
    """Run the checks (callables) in order and return as `strongest` would, but stop at the
    first refusal: later, costlier layers are not run once the answer is known."""
    hold = None
    for check in checks:
        hit = check()
        if hit is not None and hit.outcome == REFUSE:
            return hit
        hold = hold or hit
    return hold
