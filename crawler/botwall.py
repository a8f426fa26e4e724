"""Recognise bot walls and interstitials: pages that stand in front of an article.

A bot wall is short and says so: a bot-protection vendor's challenge markup, or phrases such as
"unusual activity from your computer network" or "verify you are human" in a page with little
other text. A long article that merely mentions a captcha is not a bot wall, and neither is a blog
post whose comment or contact form carries a captcha widget: a widget alone counts only on a page
with hardly any text besides it.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

MAX_WALL_WORDS = 400
MAX_WIDGET_WALL_WORDS = 150

PHRASES: tuple[str, ...] = (
    "unusual activity from your computer network",
    "not a robot",
    "are you a robot",
    "verify you are human",
    "verify that you are human",
    "confirm you are human",
    "checking your browser before accessing",
    "checking if the site connection is secure",
    "enable javascript and cookies to continue",
    "please enable cookies",
    "press & hold",
    "press and hold",
    "complete the security check",
    "access to this page has been denied",
    "request unsuccessful. incapsula",
    "attention required! | cloudflare",
    "just a moment...",
    "why have i been blocked",
    "pardon our interruption",
)
MARKUP_MARKERS: tuple[str, ...] = (
    "captcha-delivery.com",
    "px-captcha",
    "/cdn-cgi/challenge-platform/",
    "cf-chl-",
    "_incapsula_resource",
)
# general-purpose captcha widgets, also found in comment, newsletter and contact forms
WIDGET_MARKERS: tuple[str, ...] = ("g-recaptcha", "h-captcha")
_PHRASE_RE = re.compile("|".join(re.escape(p) for p in PHRASES))
_SPACES = re.compile(r"\s+")


def visible_text(html: str) -> str:
    """The page's text outside scripts and styles, whitespace collapsed, lower-cased."""
    try:
        root = lxml_html.fromstring(html)
    except (ValueError, TypeError, SyntaxError):
        return ""
    for node in root.xpath("//script|//style|//noscript|//template"):
        node.drop_tree()
    text = root.text_content()
    return _SPACES.sub(" ", text).strip().lower()


def detect_bot_wall(html: str) -> str | None:
    """Why ``html`` is a bot wall or interstitial, or ``None`` when it is not one."""
    text = visible_text(html)
    words = len(text.split())
    if words > MAX_WALL_WORDS:
        return None
    match = _PHRASE_RE.search(text)
    if match:
        return f"page says '{match.group(0)}'"
    lowered = html.lower()
    markers = MARKUP_MARKERS + (WIDGET_MARKERS if words <= MAX_WIDGET_WALL_WORDS else ())
    for marker in markers:
        if marker in lowered:
            return f"captcha markup '{marker}'"
    return None
