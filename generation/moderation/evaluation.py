"""Measuring the prompt screen on a labelled set (tests/fixtures/moderation_prompts.json):
used by `manage.py bench_moderation` and by tests/test_moderation_prompt_set.py."""

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from generation.moderation import blocklist, semantic
from generation.moderation.screening import NEGATIVE_PROMPT_CATEGORIES
from generation.moderation.verdict import ALLOW, REVIEW, strongest

LABELLED_PROMPTS = Path(settings.BASE_DIR) / "tests" / "fixtures" / "moderation_prompts.json"
LABELS = ("benign", "borderline", "banned")


@dataclass
class Row:
    label: str
    lang: str
    prompt: str
    negative_prompt: str
    outcome: str
    layer: str
    category: str
    blocklist_ms: float
    semantic_ms: float


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    model_load_s: float = 0.0

    def count(self, label: str, outcome: str | None = None) -> int:
        return sum(
            1 for r in self.rows if r.label == label and (outcome is None or r.outcome == outcome)
        )

    def misses(self) -> list[Row]:
        """Clearly banned prompts that were allowed."""
        return [r for r in self.rows if r.label == "banned" and r.outcome == ALLOW]

    def false_refusal_rate(self) -> float:
        benign = self.count("benign")
        return self.count("benign", "refuse") / benign if benign else 0.0

    def table(self) -> Counter:
        return Counter((r.label, r.lang, r.outcome) for r in self.rows)


def load_labelled(path: Path = LABELLED_PROMPTS) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def evaluate(items: list[dict]) -> Report:
    """Screen every prompt layer by layer, timing each layer, as screening.screen_prompt does
    (but without stopping at the first refusal, so every layer is timed on every prompt)."""
    report = Report()
    terms = blocklist.active_terms()
    concepts = list(semantic.BannedConcept.objects.filter(active=True))
    if semantic.enabled():
        started = time.perf_counter()
        semantic.concept_vectors(concepts)  # loads the model and caches the concepts
        report.model_load_s = time.perf_counter() - started
    for item in items:
        prompt, negative = item["prompt"], item.get("negative_prompt", "")
        started = time.perf_counter()
        word_hits = [
            blocklist.check(prompt, "prompt", terms),
            blocklist.check(negative, "negative_prompt", terms, NEGATIVE_PROMPT_CATEGORIES),
        ]
        blocklist_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        meaning_hit = semantic.check(prompt, "prompt", concepts)
        semantic_ms = (time.perf_counter() - started) * 1000
        hit = strongest([*word_hits, meaning_hit])
        report.rows.append(
            Row(
                label=item["label"],
                lang=item["lang"],
                prompt=prompt,
                negative_prompt=negative,
                outcome=hit.outcome if hit else ALLOW,
                layer=hit.layer if hit else "",
                category=hit.category if hit else "",
                blocklist_ms=blocklist_ms,
                semantic_ms=semantic_ms,
            )
        )
    return report


__all__ = ["ALLOW", "REVIEW", "LABELS", "Report", "evaluate", "load_labelled"]
