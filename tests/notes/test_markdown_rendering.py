"""What the author writes comes out right, and nothing hostile survives rendering."""

from pathlib import Path

import frontmatter
import pytest

from notes.markdown import render_markdown, render_note, split_teaser

SAMPLES = Path("/work/shared/samples/hashnode")

HOSTILE = [
    '<script>alert("x")</script>',
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">click</a>',
    "[js](javascript:alert(1))",
    "[js upper](JaVaScRiPt:alert(1))",
    "[vb](vbscript:msgbox(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<style>body{display:none}</style>",
    '<p style="position:fixed">styled</p>',
    '<form action="https://evil.example"><input name="password"></form>',
    "<div><b>unclosed <i>tags",
    '<a href="java&#x09;script:alert(1)">entity</a>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


def sample_body(name):
    return frontmatter.load(SAMPLES / name).content


@pytest.mark.parametrize("snippet", HOSTILE)
def test_hostile_markdown_leaves_nothing_that_runs(snippet):
    html = render_markdown(f"Intro.\n\n{snippet}\n\nOutro.").lower()
    for forbidden in (
        "<script", "onerror", "onclick", "onload", "javascript:", "vbscript:", "data:text",
        "<iframe", "<object", "<embed", "<style", "style=", "<form", "<input", "<meta", "<svg",
    ):  # fmt: skip
        assert forbidden not in html
    assert "intro." in html  # the text around survives (an unclosed <style> may eat the rest)


def test_hashnode_list_with_blank_lines_is_one_tight_list():
    html = render_markdown(sample_body("note-001-premiers-pas.md"))
    assert html.count("<ul>") == 1
    assert html.count("<li>") == 3
    assert "<li><p>" not in html.replace("\n", "")
    assert "<li>la précision des poids (16 bits, 8 bits, 4 bits),</li>" in html


def test_french_emphasis_and_code_highlighting():
    html = render_markdown(sample_body("note-001-premiers-pas.md"))
    assert "<em>chez soi</em>" in html
    assert "<strong>mémoire</strong>" in html
    assert '<div class="codehilite">' in html
    assert '<span class="k">def</span>' in html  # Pygments token classes, styled by site.css


def test_tables_footnotes_headings_and_links():
    html = render_markdown(
        "## Été 2024\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\nA claim[^1].\n\n"
        "[out](https://example.com/) and [in](/notes/x/)\n\n[^1]: The source.\n"
    )
    assert '<h2 id="ete-2024">Été 2024</h2>' in html
    assert '<th align="left">a</th>' in html and '<td align="right">2</td>' in html
    assert 'href="#fn:1"' in html and '<li id="fn:1">' in html
    assert '<a href="https://example.com/" rel="noopener nofollow">out</a>' in html
    assert '<a href="/notes/x/">in</a>' in html


def test_sample_with_script_and_javascript_link_is_neutralised():
    html = render_markdown(sample_body("shipping-a-newsletter-in-a-weekend.md"))
    assert "<script" not in html and "alert" not in html.replace("alert(1)", "")
    assert "javascript:" not in html
    assert "<a>a link that must be neutralised</a>" in html
    assert "<table>" in html and "<ol>" in html


def test_teaser_is_what_comes_before_the_paywall_line():
    before, after = split_teaser("One.\n\nTwo.\n\n<!-- paywall -->\n\nThree.\n")
    assert before == "One.\n\nTwo."
    assert after == "Three."


def test_teaser_without_paywall_line_is_the_first_two_paragraphs():
    body = "One.\n\n```\ncode\n\nstill code\n```\n\nThree, longer than the rest.\n\nFour, as well."
    note = render_note(body)
    assert note.teaser_html.startswith("<p>One.</p>")
    assert "code\n\nstill code" in note.teaser_html  # the code block stays whole
    assert note.rest_html.strip() == "<p>Three, longer than the rest.</p>\n<p>Four, as well.</p>"


@pytest.mark.parametrize(
    "text,html",
    [
        (
            "C'est d'**abord** une *affaire*.",
            "C'est d'<strong>abord</strong> une <em>affaire</em>.",
        ),
        (
            "L'*été* à **Dakar** : « *vraiment* » !",
            "L'<em>été</em> à <strong>Dakar</strong> : « <em>vraiment</em> » !",
        ),
        ("**Note :** le *modèle*", "<strong>Note :</strong> le <em>modèle</em>"),
        ("Texte\u00a0**gras**\u00a0!", "Texte&nbsp;<strong>gras</strong>&nbsp;!"),
    ],
)
def test_french_italic_and_bold(text, html):
    assert render_markdown(text) == f"<p>{html}</p>"
