"""The Simplified Chinese catalogue is complete: it holds every translatable string of the code
and templates (as `makemessages` finds them), none of them empty or fuzzy, and the compiled
catalogue the site loads says the same."""

import gettext
import os
import shutil
import subprocess
import sys

import pytest

from tests.catalogue import PO, ROOT, read_po

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# django.po (the site's strings) and djangojs.po (Django's admin scripts' strings Django lacks).
CATALOGUES = sorted(PO.parent.glob("*.po"))


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.name)
def test_no_entry_is_empty_or_fuzzy(po):
    entries = read_po(po)
    empty = [f"line {e.line}: {e.msgid!r}" for e in entries if not e.translated]
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in entries if "fuzzy" in e.flags]
    assert empty == [], "untranslated: run `make messages` and translate them"
    assert fuzzy == [], "fuzzy: check each translation, then remove its fuzzy flag"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.name)
def test_the_catalogue_compiles_cleanly_and_the_compiled_one_is_current(po):
    subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(po)], check=True)
    with po.with_suffix(".mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog
    for entry in read_po(po):
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            assert compiled.get(key) == entry.msgstr[0], f"{po.name} line {entry.line}: {key!r}"
        else:
            for n, text in entry.msgstr.items():
                assert compiled.get((key, n)) == text, f"line {entry.line}: {key!r}[{n}]"


def test_the_catalogue_holds_every_string_makemessages_finds(tmp_path):
    """`make messages` run on a copy of the working tree adds nothing to the catalogue."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    copy = tmp_path / "tree"
    for name in filter(None, listed.split("\0")):
        if not name.endswith((".py", ".html", ".txt", ".po")):
            continue
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    env = {**os.environ, "DATA_DIR": str(tmp_path / "var")}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"]
        + ["--ignore=.venv", "--ignore=var", "-v0"],
        cwd=copy,
        env=env,
        check=True,
    )
    fresh = {e.key: e for e in read_po(copy / PO.relative_to(ROOT))}
    ours = {e.key for e in read_po()}
    missing = sorted(f"{key[1]!r}" for key in fresh.keys() - ours)
    assert missing == [], "strings not in the catalogue: run `make messages` and translate them"
