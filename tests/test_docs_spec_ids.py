"""Every model spec id (and picture model id) the README and docs/ name exists: an operator
copies them verbatim."""

import re

import pytest

from generation.engine.specs import MODEL_SPECS, PICTURE_MODELS
from tests.conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# A spec id where a command or setting takes one, or any backticked id of a model family.
CONTEXTS = re.compile(
    r"(?:GENERATION_MODEL=|fetch_model\s+|check_model\s+|--spec[ =])([A-Za-z0-9][\w.\-]*)"
)
# Spec ids are lower case (class names such as `FluxPipeline` are not ids).
FAMILY_WORD = re.compile(r"`((?:tiny|ltx|wan|flux|hunyuan|cogvideo|mochi|kling)[a-z0-9.\-]*)`")


def named_specs(text: str) -> set[str]:
    names = set(CONTEXTS.findall(text)) | set(FAMILY_WORD.findall(text))
    return {name.rstrip(".") for name in names if not name.isupper()}  # SPEC: a placeholder


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_spec_id_in_the_docs_exists(path):
    unknown = named_specs(path.read_text()) - set(MODEL_SPECS) - set(PICTURE_MODELS)
    assert not unknown, f"{path.name} names specs that do not exist: {sorted(unknown)}"


def test_the_check_catches_the_id_the_readme_once_had():
    assert named_specs("`GENERATION_MODEL` | `ltx-video`, `wan2.1-t2v-1.3b`, …") == {
        "ltx-video",
        "wan2.1-t2v-1.3b",
    }
    assert "wan2.1-t2v-1.3b" not in MODEL_SPECS


def test_the_readme_lists_every_spec():
    readme = (ROOT / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| `GENERATION_MODEL` |"))
    assert named_specs(row) == set(MODEL_SPECS)
