"""Words that mark a shared passage as a site's service text, not a story.

Site repetition (:mod:`crawler.syndication.boilerplate`) learns a site's chrome from its own
pages; a newsletter pitch, an "about us" box or a legal line that several sites carry, each on a
few pages only, is not learned that way, and on short pages it can be half the text. Such blocks
say what they are: they ask the reader to subscribe, sign up, follow, or they state rights and
policies. A story rarely does in the passage it shares with a copy. So a partial copy that is not
strong loses the shared passages that carry these cues, and the shorter text's own service
sentences leave its size; strong copies and near-duplicates keep them (two copies of one wire
story share its agency's rights line too).
"""

from __future__ import annotations

import re

# lower-case, matched inside words' boundaries; English, German, French, Spanish, Italian,
# Portuguese
CUES: tuple[str, ...] = (
    # en
    "newsletter",
    "subscribe",
    "subscription",
    "sign up",
    "follow us",
    "all rights reserved",
    "terms of use",
    "terms of service",
    "privacy policy",
    "cookie settings",
    "read more",
    "related stories",
    "related articles",
    "download our app",
    "your inbox",
    "email address",
    # de
    "abonnieren",
    "abonnement",
    "melden sie sich",
    "folgen sie uns",
    "alle rechte vorbehalten",
    "datenschutz",
    "impressum",
    "nutzungsbedingungen",
    "lesen sie auch",
    "mehr zum thema",
    # fr
    "abonnez-vous",
    "inscrivez-vous",
    "suivez-nous",
    "tous droits réservés",
    "politique de confidentialité",
    "lire aussi",
    # es
    "suscríbete",
    "suscribirse",
    "síguenos",
    "todos los derechos reservados",
    "política de privacidad",
    "lee también",
    # it
    "iscriviti",
    "abbonati",
    "seguici",
    "tutti i diritti riservati",
    "leggi anche",
    # pt
    "assine",
    "inscreva-se",
    "siga-nos",
    "todos os direitos reservados",
    "leia também",
)
_CUE_RE = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(c) for c in CUES) + r")(?!\w)")


_SENTENCE = re.compile(r"[^\n.!?]+[.!?]*")


def service_words(text: str) -> int:
    """Words in the sentences of ``text`` that carry a service-text cue."""
    return sum(len(m.group().split()) for m in _SENTENCE.finditer(text) if has_cue(m.group()))


def has_cue(passage: str) -> bool:
    """Whether ``passage`` carries a service-text cue (case-insensitive)."""
    return _CUE_RE.search(passage.lower()) is not None
