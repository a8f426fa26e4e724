"""Bot walls and interstitials are recognised; articles that mention captchas are not."""

from __future__ import annotations

import pytest

from crawler.botwall import detect_bot_wall

ARTICLE_WORDS = " ".join(["The summit in Moscow went on for two days of talks."] * 60)


@pytest.mark.parametrize(
    "page",
    [
        "<html><body><h1>We've detected unusual activity from your computer network</h1>"
        "<p>To continue, please click the box below to let us know you're not a robot.</p>"
        "</body></html>",
        "<html><head><title>Just a moment...</title></head><body>"
        "<p>Checking if the site connection is secure</p></body></html>",
        "<html><body><div id='px-captcha'></div><p>Press &amp; Hold to confirm</p></body></html>",
        "<html><body><script src='https://geo.captcha-delivery.com/captcha/'></script></body></html>",
    ],
)
def test_walls_are_detected(page: str) -> None:
    assert detect_bot_wall(page) is not None


def test_a_long_article_about_captchas_is_not_a_wall() -> None:
    page = f"<html><body><article><p>{ARTICLE_WORDS}</p><p>Are you a robot? the sign asked."
    page += "</p></article></body></html>"
    assert detect_bot_wall(page) is None


def test_an_ordinary_short_page_is_not_a_wall() -> None:
    assert detect_bot_wall("<html><body><p>Short note about the weather.</p></body></html>") is None


def test_text_inside_scripts_does_not_count() -> None:
    page = "<html><body><script>var msg = 'not a robot';</script><p>Hello</p></body></html>"
    assert detect_bot_wall(page) is None


BLOG_POST = " ".join(
    f"Paragraph {n} of the post explains how the interpreter caches small integers."
    for n in range(20)
)


def test_a_post_with_a_captcha_in_its_comment_form_is_not_a_wall() -> None:
    # a blog post of ~230 words with a reCAPTCHA under its comment form (seen on real blogs)
    page = (
        f"<html><body><article><h1>Interning</h1><p>{BLOG_POST}</p></article>"
        "<form id='commentform'><textarea name='comment'></textarea>"
        "<div class='g-recaptcha' data-sitekey='x'></div><input type='submit'></form>"
        "</body></html>"
    )
    assert detect_bot_wall(page) is None


@pytest.mark.parametrize("widget", ["g-recaptcha", "h-captcha"])
def test_a_captcha_widget_alone_on_a_page_is_a_wall(widget: str) -> None:
    page = (
        "<html><body><h1>One more step</h1><p>Please complete the check below to continue.</p>"
        f"<form><div class='{widget}' data-sitekey='x'></div></form></body></html>"
    )
    assert detect_bot_wall(page) == f"captcha markup '{widget}'"
