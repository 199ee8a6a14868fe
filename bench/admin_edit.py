"""The author edits a note's title through the admin over HTTP, as a browser would: sign in,
open the note's change form, send it back with a new title. Used by bench/pages.py."""

import http.cookiejar
import re
import urllib.parse
import urllib.request
from html.parser import HTMLParser

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _FormFields(HTMLParser):
    """The values a browser would send for the form with this id."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside = form_id, False
        self.fields: list[tuple[str, str]] = []
        self._textarea = self._select = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file", "image", "reset"):
                self.fields.append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None


class _LoopbackPolicy(http.cookiejar.DefaultCookiePolicy):
    """Production cookies are `Secure`; the benchmark speaks plain HTTP over 127.0.0.1."""

    def return_ok_secure(self, cookie, request):
        return True


def edit_title(base: str, user: str, password: str, note_id: int, title: str) -> int:
    """Sign in at `base`/admin/ and save the note with a new title; the answer's status."""
    jar = http.cookiejar.CookieJar(_LoopbackPolicy())
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def send(path, fields=None):
        body = urllib.parse.urlencode(fields).encode() if fields is not None else None
        with opener.open(base + path, body, timeout=10) as response:
            return response.status, response.read().decode()

    _, page = send("/admin/login/")
    login = {"username": user, "password": password, "next": "/admin/"}
    send("/admin/login/", {"csrfmiddlewaretoken": _CSRF.search(page)[1], **login})
    _, page = send(f"/admin/notes/note/{note_id}/change/")
    form = _FormFields("note_form")
    form.feed(page)
    fields = [(k, title if k == "title" else v) for k, v in form.fields] + [("_save", "Save")]
    status, _ = send(f"/admin/notes/note/{note_id}/change/", fields)
    return status
