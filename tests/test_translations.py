"""The gettext catalogs: every word the pages ask for exists in Italian and in English, every
language of the card has every word of the card, and every reason of the pathway has its Italian."""
from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_python
from babel.messages.pofile import read_po

from api.card_words import CARD_WORDS
from api.i18n import translator

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "api" / "locale"


def _ids(path: Path) -> set[str]:
    with path.open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def _asked_by_pages() -> set[str]:
    """Literal keys in the templates (``_("key")``) and in the page code (``t("key")``, ``translator(...)("key")``)."""
    keys = set()
    for path in (ROOT / "api" / "templates").glob("*.html"):
        keys |= set(re.findall(r"""\b_\(["']([a-z0-9_]+)["']\)""", path.read_text(encoding="utf-8")))
    for path in (ROOT / "api").glob("*.py"):
        for pair in re.findall(r"""\bt\(["']([a-z0-9_]+)["']\)|\)\(["']([a-z0-9_]+)["']\)""", path.read_text(encoding="utf-8")):
            keys |= {k for k in pair if k}
    return keys


def test_every_word_a_page_asks_for_is_in_italian_and_in_english():
    asked = _asked_by_pages()
    assert len(asked) > 100  # the extraction sees the templates
    for lang in ("it", "en"):
        missing = asked - _ids(PAGES / lang / "LC_MESSAGES" / "pages.po")
        assert not missing, f"pages.po ({lang}) lacks {sorted(missing)}"
    assert _ids(PAGES / "it" / "LC_MESSAGES" / "pages.po") == _ids(PAGES / "en" / "LC_MESSAGES" / "pages.po")


def test_the_english_pages_are_in_english_and_a_missing_word_falls_back_to_italian():
    assert translator("en")("created") == "Created" and translator("it")("created") == "Creata"
    assert translator("xx")("login") == translator("it")("login")  # no such page language: Italian


def test_every_card_language_has_every_word_of_the_card():
    reference = _ids(PAGES / "it" / "LC_MESSAGES" / "card.po")
    assert {"it", "en", "fr", "es", "ro", "pt", "ar"} <= set(CARD_WORDS)
    for lang in CARD_WORDS:
        assert _ids(PAGES / lang / "LC_MESSAGES" / "card.po") == reference, lang
    assert CARD_WORDS["fr"].title != CARD_WORDS["it"].title and CARD_WORDS["ar"]["title"]


def test_every_reason_of_the_pathway_has_its_italian():
    source = (ROOT / "matcher" / "pathway" / "rules.py").read_bytes()
    marked = {msg for _, fn, msg, _ in extract_python(BytesIO(source), ["N_"], [], {}) if fn == "N_"}
    assert len(marked) >= 10
    with (ROOT / "matcher" / "locale" / "it" / "LC_MESSAGES" / "pathway.po").open("rb") as fh:
        italian = {m.id: m.string for m in read_po(fh) if m.id}
    assert marked == set(italian), marked ^ set(italian)
    for msgid, text in italian.items():
        assert text and text != msgid, msgid
        assert set(re.findall(r"{(\w+)", msgid)) == set(re.findall(r"{(\w+)", text)), msgid  # the same placeholders
