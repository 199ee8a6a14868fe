"""The look, at a phone's width (390 px) and a desktop's (1440 px): home, a note, a paywall.

Each run saves the pictures in var/screenshots/look/; docs/screenshots/ keeps a copy the README
shows (refresh it with `cp var/screenshots/look/*.png docs/screenshots/`). The tests assert what
a reader would notice — no sideways scrolling on a phone, the author's byline and the cover in
view, a subscribe box at the end, a paid mark on cards — not pixels.
"""

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from billing.models import Customer
from newsletter.models import Subscriber
from notes.publication import SiteSettings

from .test_accessibility import sign_in

SHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots" / "look"
WIDTHS = {390: 844, 1440: 900}

BODY = """Every model reads text as **tokens**, and what a token is decides what a prompt costs.

## Why it matters

A French sentence often takes a third more tokens than its English twin: *the same idea*, a
bigger bill. Counting before sending is cheap.

> Measure first; the tokenizer is not the one you imagine.

```python
import tiktoken
encoding = tiktoken.get_encoding("cl100k_base")
print(len(encoding.encode("Combien de jetons pour cette phrase, exactement ?")))
```

| language | sentence | tokens |
|---|---|---:|
| English | How many tokens for this sentence, exactly? | 9 |
| French | Combien de jetons pour cette phrase, exactement ? | 13 |

The rest is arithmetic.
"""

PREMIUM = """The free opening: what the benchmark measured, and why the numbers moved.

A second paragraph anyone may read.

<!-- paywall -->

The full analysis, for paid readers only.
"""


def picture(size: tuple[int, int], start: str, end: str, name: str) -> SimpleUploadedFile:
    """A diagonal gradient with two soft discs: a stand-in for a photo."""
    width, height = size
    image = Image.linear_gradient("L").rotate(45, expand=True).resize(size)
    image = Image.composite(Image.new("RGB", size, end), Image.new("RGB", size, start), image)
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.55, height * 0.15, width * 0.95, height * 0.75), fill=end)
    draw.ellipse((width * 0.1, height * 0.5, width * 0.4, height * 1.1), fill=start)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def logo() -> SimpleUploadedFile:
    image = Image.new("RGB", (256, 256), "#8a2f12")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((40, 40, 216, 216), radius=36, outline="#fdfcfa", width=18)
    draw.line((84, 170, 128, 86, 172, 170), fill="#fdfcfa", width=18, joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def publication(settings, tmp_path, make_note):
    """A publication as an author would set it up: name, logo, accent, author, covers."""
    settings.MEDIA_ROOT = tmp_path
    site = SiteSettings(
        name="Tokens & Tides",
        description="Notes on AI, written slowly, in French and English.",
        accent="#8a2f12",
        author_name="Camille Laurent",
        author_bio="I build language tools and write about what they get wrong.",
        mastodon="https://mastodon.social/@camille",
        github="https://github.com/camille",
        logo=logo(),
        avatar=picture((256, 256), "#e9c46a", "#8a2f12", "avatar.jpg"),
    )
    site.save()

    def dated(day):
        return datetime(2026, 11, day, 8, tzinfo=UTC)

    make_note(
        "Evaluations that do not lie",
        body="Benchmarks leak; evaluations you write yourself do not.\n\nHow to write them.",
        tags=["Evals"],
        published_at=dated(3),
        cover_image=picture((1600, 1000), "#264653", "#2a9d8f", "evals.jpg"),
    )
    make_note(
        "What paid readers get",
        body=PREMIUM,
        visibility="paid",
        tags=["AI", "Benchmarks"],
        published_at=dated(10),
        cover_image=picture((1600, 900), "#3d348b", "#f18701", "paid.jpg"),
    )
    make_note(
        "A reading list for the winter",
        body="Seven papers worth a slow evening.",
        tags=["Reading"],
        published_at=dated(14),
    )
    make_note(
        "Counting tokens",
        body=BODY,
        tags=["AI", "Tokenizers"],
        published_at=dated(20),
        cover_image=picture((1600, 900), "#8a2f12", "#e9c46a", "tokens.jpg"),
    )
    return site


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def layout_shift(page) -> float:
    """The page's cumulative layout shift so far (fonts swapping in, images without a size)."""
    return page.evaluate(
        """() => new Promise(resolve => new PerformanceObserver((list, observer) => {
            observer.disconnect();
            resolve(list.getEntries().reduce((sum, entry) => sum + entry.value, 0));
        }).observe({type: "layout-shift", buffered: true}) || setTimeout(() => resolve(0), 500))"""
    )


def loaded(locator) -> bool:
    return locator.is_visible() and locator.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_home_note_and_paywall_read_well_on_a_phone_and_a_desktop(
    page, live_server, publication, payments_on, width
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})

    def shoot(name):
        assert no_sideways_scroll(page), f"{name} scrolls sideways at {width} px"
        assert layout_shift(page) == 0, f"{name} moves while it loads"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)

    page.goto(live_server.url + "/")
    masthead = page.locator(".masthead")
    assert masthead.get_by_role("heading", level=1).inner_text() == "Tokens & Tides"
    assert masthead.get_by_text("Notes on AI, written slowly").is_visible()
    assert loaded(masthead.locator(".masthead-logo"))
    assert masthead.get_by_role("button", name="Subscribe").is_visible()
    featured = page.locator(".note-card.featured")
    assert featured.get_by_role("link").last.inner_text() == "Counting tokens"
    assert loaded(featured.locator("img"))
    paid = page.locator(".note-card", has_text="What paid readers get")
    assert paid.locator(".badge").inner_text().lower() == "paid"
    assert paid.locator("img").get_attribute("loading") == "lazy"  # below the fold
    # The reading face is the shipped one, not the system's.
    assert page.evaluate("document.fonts.check('1em \"Source Serif 4\"')")
    shoot("home")
    if width == 390:
        page.emulate_media(color_scheme="dark")
        shoot("home-dark")
        page.emulate_media(color_scheme="light")

    page.goto(live_server.url + "/notes/counting-tokens/")
    byline = page.locator(".byline")
    assert byline.get_by_text("By Camille Laurent").is_visible()
    assert loaded(byline.locator("img.avatar"))
    assert loaded(page.locator("img.note-cover"))
    # About 65 characters to a line, and code scrolls inside its box on a phone.
    measure = page.evaluate(
        """() => {
            const p = document.querySelector(".note-body p");
            const zeros = p.appendChild(document.createElement("span"));
            zeros.style.cssText = "position: absolute; white-space: nowrap";
            zeros.textContent = "0".repeat(100);
            const width = zeros.getBoundingClientRect().width / 100;
            zeros.remove();
            return p.clientWidth / width;
        }"""
    )
    assert measure <= 70 if width == 1440 else measure < 45, measure
    box = page.locator(".subscribe-box")
    assert box.get_by_role("heading").inner_text() == "Get the next note by email."
    assert box.get_by_role("button", name="Subscribe").is_visible()
    shoot("note")

    page.goto(live_server.url + "/notes/what-paid-readers-get/")
    paywall = page.locator(".paywall")
    assert "for paid subscribers" in paywall.get_by_role("heading").inner_text()
    plans = paywall.get_by_role("link", name="See the plans")
    subscribe = paywall.get_by_role("button", name="Subscribe")
    # One primary action: the plans are filled with the accent, the free newsletter is outlined.
    background = "el => getComputedStyle(el).backgroundColor"
    assert plans.evaluate(background) == "rgb(138, 47, 18)"
    assert subscribe.evaluate(background) == "rgba(0, 0, 0, 0)"
    shoot("paywall")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_out_does_not_look_like_manage_billing(page, live_server, payments_on):
    sign_in(page, live_server, "reader@example.com")
    subscriber = Subscriber.objects.get(email="reader@example.com")
    Customer.objects.create(stripe_id="cus_look", subscriber=subscriber)
    page.goto(live_server.url + "/account/")
    look = "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).borderTopColor]"
    billing = page.get_by_role("button", name="Manage billing").evaluate(look)
    newsletter = page.get_by_role("button", name="Stop the newsletter").evaluate(look)
    sign_out = page.get_by_role("button", name="Sign out").evaluate(look)
    assert billing[0] != "rgba(0, 0, 0, 0)"  # primary: filled with the accent
    assert (
        newsletter[0] == "rgba(0, 0, 0, 0)" and newsletter[1] == billing[0]
    )  # secondary: outlined
    assert sign_out == ["rgba(0, 0, 0, 0)", "rgba(0, 0, 0, 0)"]  # quiet: neither fill nor border
