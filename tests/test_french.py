"""The French catalogue: the site speaks French, and no UI string is left untranslated."""

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings as django_settings

FR = Path(django_settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"

# One entry of a .po file: optional msgctxt, msgid, optional msgid_plural, then msgstr or msgstr[n].
_STRING = r'"(?:[^"\\]|\\.)*"(?:\s*\n\s*"(?:[^"\\]|\\.)*")*'
_ENTRY = re.compile(
    rf"^(?:msgctxt\s+(?P<ctx>{_STRING})\s*\n)?"
    rf"msgid\s+(?P<id>{_STRING})\s*\n"
    rf"(?:msgid_plural\s+(?P<plural>{_STRING})\s*\n)?"
    rf"(?P<strs>(?:msgstr(?:\[\d+\])?\s+{_STRING}\s*(?:\n|$))+)",
    re.MULTILINE,
)
_MSGSTR = re.compile(rf"msgstr(?:\[\d+\])?\s+({_STRING})")


def _unquote(block: str) -> str:
    """Join a (possibly multi-line) quoted .po string into its Python value."""
    return "".join(ast.literal_eval(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', block))


def _po_entries():
    text = (FR / "django.po").read_text(encoding="utf-8")
    # Obsolete entries (#~) are not part of the catalogue.
    text = "\n".join(line for line in text.splitlines() if not line.startswith("#~"))
    for match in _ENTRY.finditer(text):
        msgid = _unquote(match["id"])
        if msgid == "":
            continue  # the header
        msgstrs = [_unquote(s) for s in _MSGSTR.findall(match["strs"])]
        context = _unquote(match["ctx"]) if match["ctx"] else None
        yield context, msgid, bool(match["plural"]), msgstrs


def test_home_page_speaks_french(client, db, settings, payments_on):
    settings.LANGUAGE_CODE = "fr"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Aller au contenu" in html  # "Skip to content"
    assert 'aria-label="Navigation principale"' in html  # "Main"
    assert ">Recherche</a>" in html  # "Search"
    assert ">Tarifs</a>" in html  # "Pricing"
    assert "écrit par une personne, lu par vous." in html  # footer
    assert "Skip to content" not in html


def test_every_catalogue_entry_is_translated():
    entries = list(_po_entries())
    assert len(entries) > 250, "the .po file was not parsed"
    untranslated = [msgid for _, msgid, _, msgstrs in entries if not msgstrs or not all(msgstrs)]
    assert untranslated == []
    plurals = [msgstrs for _, _, is_plural, msgstrs in entries if is_plural]
    assert plurals and all(len(msgstrs) == 2 for msgstrs in plurals)

    po_text = (FR / "django.po").read_text(encoding="utf-8")
    assert '"Language: fr\\n"' in po_text
    assert '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"' in po_text
    assert "#, fuzzy" not in po_text


def test_compiled_catalogue_holds_every_translation():
    with (FR / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    for context, msgid, is_plural, msgstrs in _po_entries():
        if is_plural and context:
            found = catalog.npgettext(context, msgid, "", 1)
        elif is_plural:
            found = catalog.ngettext(msgid, "", 1)
        elif context:
            found = catalog.pgettext(context, msgid)
        else:
            found = catalog.gettext(msgid)
        assert found == msgstrs[0], msgid
