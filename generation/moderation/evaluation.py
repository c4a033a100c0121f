"""Measuring the prompt screen on the labelled set (generation/moderation/labelled_prompts.json,
expanded with two mechanical disguises of every clearly banned prompt): used by
`manage.py bench_moderation`, by the concept page in the admin and by the tests."""

import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from generation.moderation import blocklist, disguise, screening, semantic
from generation.moderation.verdict import ALLOW, REFUSE, REVIEW, strongest

LABELLED_PROMPTS = Path(__file__).with_name("labelled_prompts.json")
LABELS = ("benign", "borderline", "banned")
LANGS = ("en", "zh", "mixed", "fr", "es", "de")


@dataclass
class Row:
    label: str
    lang: str
    disguise: str
    expected_category: str
    prompt: str
    negative_prompt: str
    outcome: str
    layer: str
    category: str
    words_ms: float  # blocklist and combined rules
    total_ms: float  # the whole prompt screen, wall clock
    cpu_ms: float  # the same, CPU time of the screening thread


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

    def minors(self) -> list[Row]:
        return [r for r in self.rows if r.expected_category == "minors"]

    def minors_not_refused_as_minors(self) -> list[Row]:
        return [r for r in self.minors() if (r.outcome, r.category) != (REFUSE, "minors")]

    def false_refusal_rate(self) -> float:
        benign = self.count("benign")
        return self.count("benign", REFUSE) / benign if benign else 0.0

    def benign_hold_rate(self) -> float:
        benign = self.count("benign")
        return self.count("benign", REVIEW) / benign if benign else 0.0

    def caught_rate(self) -> float:
        banned = self.count("banned")
        return (banned - len(self.misses())) / banned if banned else 1.0

    def table(self) -> Counter:
        return Counter((r.label, r.lang, r.outcome) for r in self.rows)

    def p95_ms(self) -> float:
        return p95([r.total_ms for r in self.rows])

    def p95_cpu_ms(self) -> float:
        return p95([r.cpu_ms for r in self.rows])


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def load_labelled(path: Path = LABELLED_PROMPTS, disguised: bool = True) -> list[dict]:
    """The hand-written set, plus (with `disguised`) two mechanical disguises of every clearly
    banned prompt that has none of its own."""
    items = json.loads(Path(path).read_text(encoding="utf-8"))
    for item in items:
        item.setdefault("disguise", "none")
        item.setdefault("category", "")
    if not disguised:
        return items
    originals = [i for i in items if i["label"] == "banned" and i["disguise"] == "none"]
    for index, item in enumerate(originals):
        for kind, text in disguise.variants(item["prompt"], index, item["lang"]):
            items.append({**item, "prompt": text, "disguise": kind})
    return items


def evaluate(items: list[dict]) -> Report:
    """Screen every prompt as screening.screen_prompt does, timing the word layers (blocklist
    and combined rules) and the whole screen."""
    report = Report()
    terms = blocklist.active_terms()
    concepts = list(semantic.BannedConcept.objects.filter(active=True))
    if semantic.enabled():
        started = time.perf_counter()
        semantic.concept_vectors(concepts)  # loads the model and caches the concepts
        report.model_load_s = time.perf_counter() - started
    screening.prompt_hits("warm up", "", terms, concepts)
    for item in items:
        prompt, negative = item["prompt"], item.get("negative_prompt", "")
        timings = {}
        hit = strongest(screening.prompt_hits(prompt, negative, terms, concepts, timings))
        report.rows.append(
            Row(
                label=item["label"],
                lang=item["lang"],
                disguise=item.get("disguise", "none"),
                expected_category=item.get("category", ""),
                prompt=prompt,
                negative_prompt=negative,
                outcome=hit.outcome if hit else ALLOW,
                layer=hit.layer if hit else "",
                category=hit.category if hit else "",
                words_ms=timings["words_ms"],
                total_ms=timings["total_ms"],
                cpu_ms=timings["cpu_ms"],
            )
        )
    return report


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.1%})" if whole else "0/0"


def markdown(report: Report) -> list[str]:
    """The tables bench_moderation prints and docs/MODERATION.md quotes."""
    lines = ["| label | lang | prompts | refused | held for review | allowed |"]
    lines.append("| --- | --- | ---: | ---: | ---: | ---: |")
    table = report.table()
    for label in LABELS:
        for lang in LANGS:
            n = sum(v for (lb, lg, _), v in table.items() if lb == label and lg == lang)
            if n:
                cells = [table[(label, lang, o)] for o in (REFUSE, REVIEW, ALLOW)]
                lines.append(f"| {label} | {lang} | {n} | " + " | ".join(map(str, cells)) + " |")
    lines += ["", "| banned, by disguise | prompts | refused | held | allowed |"]
    lines.append("| --- | ---: | ---: | ---: | ---: |")
    banned = [r for r in report.rows if r.label == "banned"]
    for kind in sorted({r.disguise for r in banned}, key=lambda k: (k != "none", k)):
        outcomes = Counter(r.outcome for r in banned if r.disguise == kind)
        n = sum(outcomes.values())
        lines.append(
            f"| {kind} | {n} | {outcomes[REFUSE]} | {outcomes[REVIEW]} | {outcomes[ALLOW]} |"
        )
    minors = report.minors()
    refused_minors = len(minors) - len(report.minors_not_refused_as_minors())
    benign = report.count("benign")
    mean_ms = statistics.mean(r.total_ms for r in report.rows)
    mean_cpu_ms = statistics.mean(r.cpu_ms for r in report.rows)
    lines += [
        "",
        f"Clearly banned refused or held: {_pct(len(banned) - len(report.misses()), len(banned))}",
        f"Minors with sexual content refused and filed under minors: "
        f"{_pct(refused_minors, len(minors))}",
        f"Benign refused: {_pct(report.count('benign', REFUSE), benign)}; "
        f"benign held for review: {_pct(report.count('benign', REVIEW), benign)}",
        f"Whole prompt screen per prompt: mean {mean_ms:.1f} ms, p95 {report.p95_ms():.1f} ms "
        f"(CPU time: mean {mean_cpu_ms:.1f} ms, p95 {report.p95_cpu_ms():.1f} ms)",
    ]
    return lines


# Thresholds a staff member may consider, for the concept page.
THRESHOLDS = tuple(round(0.30 + 0.05 * i, 2) for i in range(11))


@cache
def _set_vectors() -> tuple[list[dict], list]:
    """Every undisguised labelled prompt's readings, embedded once per process (the first
    concept page takes a while: about 400 prompts through MiniLM)."""
    items = load_labelled(disguised=False)
    vectors = [
        semantic.embed([p for r in semantic.readings(i["prompt"]) for p in semantic.chunks(r)])
        for i in items
    ]
    return items, vectors


def concept_distribution(concept, top: int = 8) -> dict:
    """How `concept` scores on the labelled set: per label, the median, 90th percentile and
    maximum, and how many prompts reach each of THRESHOLDS, so staff see what moving a
    threshold would change; and under "top", the highest-scoring benign and banned prompts."""
    items, vectors = _set_vectors()
    vector = semantic.concept_vectors([concept])[0]
    scored = [
        (float((pieces @ vector).max()), item) for item, pieces in zip(items, vectors, strict=True)
    ]
    result = {}
    for label in LABELS:
        values = [score for score, item in scored if item["label"] == label]
        quantiles = np.quantile(values, [0.5, 0.9, 1.0]) if values else [0.0, 0.0, 0.0]
        result[label] = {
            "count": len(values),
            "median": float(quantiles[0]),
            "p90": float(quantiles[1]),
            "max": float(quantiles[2]),
            "at_or_above": [sum(1 for v in values if v >= t) for t in THRESHOLDS],
        }
    ranked = sorted(scored, key=lambda pair: -pair[0])
    result["top"] = {
        label: [
            (round(score, 3), item["prompt"]) for score, item in ranked if item["label"] == label
        ][:top]
        for label in ("benign", "banned")
    }
    return result


__all__ = ["ALLOW", "REVIEW", "LABELS", "Report", "evaluate", "load_labelled", "markdown"]
