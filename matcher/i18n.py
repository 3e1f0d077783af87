"""Message catalogs (gettext ``.po`` files, read with Babel): the wording of the pathway's reasons
here, of the web pages and the profiling card in ``api/locale``.

Catalogs are compiled in memory when first read, so the ``.po`` files translators edit are the only
copy kept in the repository; a language without a catalog falls back to the given fallback (the
message id where there is none)."""
from __future__ import annotations

import gettext
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@lru_cache(maxsize=64)
def translations(domain: str, language: str, localedir: Path = LOCALE_DIR,
                 fallback: str | None = None) -> gettext.NullTranslations:
    po = Path(localedir) / language / "LC_MESSAGES" / f"{domain}.po"
    result: gettext.NullTranslations
    if po.is_file():
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language, domain=domain)
        mo = BytesIO()
        write_mo(mo, catalog, use_fuzzy=False)
        mo.seek(0)
        result = Translations(mo, domain=domain)
    else:
        result = gettext.NullTranslations()
    if fallback and fallback != language:
        result.add_fallback(translations(domain, fallback, localedir))
    return result


def catalog_languages(domain: str, localedir: Path = LOCALE_DIR) -> list[str]:
    return sorted(p.parent.parent.name for p in Path(localedir).glob(f"*/LC_MESSAGES/{domain}.po"))


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for extraction, translate later"
    return message
