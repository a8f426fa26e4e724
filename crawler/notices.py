"""Recognise notice pages: extracted text that is a notice standing where an article would be.

A notice is a paywall ("subscribe to continue reading"), a registration or log-in form, a
subscription offer, a cookie-consent banner, an ad-blocker plea, or the text of an empty template
page ("page not found", "no results", "not available in your region"), in English, German, French,
Spanish, Italian or Portuguese. Such pages from different sites say nearly the same words, so
stored as articles they would be reported as copies of each other.

The trap is the article that mentions these things: a story that ends with "subscribe to our
newsletter", a consent banner that leaked into a long text, or a report about cookies, paywalls
or ad blockers. So the cues are what a notice says to its reader ("disable your ad blocker"),
never the topic's nouns ("ad blocker", "cookie policy") or button labels ("accept all") that a
report on the topic repeats; and a cue alone proves nothing: the text must be short and the
paragraphs that carry cues must make up most of its words. Only a strong cue (a sentence a page
says only about itself) on a very short page suffices by itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from crawler.textnorm import word_count

# Notices are short: a log-in form or "subscribe to continue" box runs to 10-60 words, and the
# longest in the real pages, a paywall pitch listing its member benefits, to 175; a consent
# banner that lists its purposes is about as long. Beyond 250 words a text has room for a whole
# article, or for a report that quotes notices at length. Short news briefs fit under the bound
# too: the share rule below is what keeps them.
MAX_NOTICE_WORDS = 250
# Most of the text, not some of it: an article of 150 words that ends with a 40-word newsletter
# box is 27% notice.
MIN_NOTICE_SHARE = 0.5
# A page this short has no room for an article around a strong cue: the cue is the page.
MAX_STRONG_CUE_WORDS = 40
# A paragraph this short that carries a cue is part of the notice as a whole ("Get unlimited
# access. Cancel anytime. Already a subscriber? Log in"); in a longer one only the sentences with a
# cue count, so that an article paragraph quoting a notice does not turn into one.
MAX_NOTICE_PARAGRAPH_WORDS = 40

# Per kind: (strong cues, further cues), lower-case, apostrophes straight. A strong cue is
# something a page says only about itself when it is a notice; the others are notice phrases that
# an article may also quote.
LEXICON: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "paywall notice": (
        (
            "subscribe to continue reading",
            "subscribe to keep reading",
            "subscribe to read the full",
            "subscribe to unlock",
            "continue reading with a subscription",
            "this article is for subscribers",
            "this article is reserved for subscribers",
            "this content is for subscribers",
            "this content is only available to subscribers",
            "this article is only available to subscribers",
            "you have reached your limit of free articles",
            "you've reached your free article limit",
            "you have read all your free articles",
            "jetzt abonnieren und weiterlesen",
            "dieser artikel ist nur für abonnenten",
            "dieser artikel ist exklusiv für abonnenten",
            "lesen sie jetzt weiter mit",
            "cet article est réservé aux abonnés",
            "la suite est réservée aux abonnés",
            "abonnez-vous pour lire la suite",
            "suscríbete para seguir leyendo",
            "suscríbete para continuar leyendo",
            "este contenido es exclusivo para suscriptores",
            "abbonati per continuare a leggere",
            "questo articolo è riservato agli abbonati",
            "contenuto riservato agli abbonati",
            "assine para continuar lendo",
            "assine para continuar a ler",
            "este conteúdo é exclusivo para assinantes",
            "conteúdo exclusivo para assinantes",
            "conteúdo exclusivo para subscritores",
        ),
        (
            "to continue reading",
            "keep reading",
            "to read the full story",
            "to view the full story",
            "to read the full article",
            "please subscribe",
            "already a subscriber",
            "already subscribed",
            "subscribers only",
            "subscriber-only",
            "exclusive to subscribers",
            "free articles remaining",
            "unlock this article",
            "nur für abonnenten",
            "exklusiv für abonnenten",
            "bereits abonnent",
            "schon abonnent",
            "um diesen artikel zu lesen",
            "um den vollständigen artikel zu lesen",
            "weiterlesen mit",
            "réservé aux abonnés",
            "déjà abonné",
            "pour lire la suite",
            "de cet article à lire",
            "exclusivo para suscriptores",
            "solo para suscriptores",
            "ya eres suscriptor",
            "ya soy suscriptor",
            "has alcanzado el límite",
            "para seguir leyendo",
            "para continuar leyendo",
            "riservato agli abbonati",
            "già abbonato",
            "per continuare a leggere",
            "per leggere l'articolo completo",
            "exclusivo para assinantes",
            "exclusivo para subscritores",
            "já é assinante",
            "já sou assinante",
            "já é subscritor",
            "para continuar lendo",
            "para continuar a ler",
        ),
    ),
    "registration notice": (
        (
            "register to continue reading",
            "sign up to continue reading",
            "log in to continue reading",
            "sign in to continue reading",
            "create a free account to continue",
            "you must be logged in to",
            "you need to be logged in to",
            "kostenlos registrieren und weiterlesen",
            "melden sie sich an, um weiterzulesen",
            "anmelden und weiterlesen",
            "connectez-vous pour lire la suite",
            "inscrivez-vous pour lire la suite",
            "regístrate para seguir leyendo",
            "regístrate para continuar leyendo",
            "registrati per continuare a leggere",
            "accedi per continuare a leggere",
            "cadastre-se para continuar lendo",
            "faça login para continuar lendo",
            "registe-se para continuar a ler",
        ),
        (
            "register to read",
            "sign up to read",
            "create a free account",
            "register for free",
            "log in to continue",
            "login to continue",
            "sign in to continue",
            "please log in",
            "please sign in",
            "don't have an account",
            "already have an account",
            "already registered",
            "forgot your password",
            "forgot password",
            "create an account to continue",
            "create an account to read",
            "registrieren sie sich",
            "kostenlos registrieren",
            "jetzt registrieren",
            "bitte melden sie sich an",
            "noch kein konto",
            "passwort vergessen",
            "sie müssen angemeldet sein",
            "inscrivez-vous",
            "créez votre compte",
            "créer un compte",
            "connectez-vous",
            "vous devez être connecté",
            "mot de passe oublié",
            "pas encore de compte",
            "déjà inscrit",
            "regístrate",
            "regístrese",
            "crea tu cuenta",
            "crear una cuenta",
            "inicia sesión",
            "debes iniciar sesión",
            "olvidaste tu contraseña",
            "olvidó su contraseña",
            "no tienes cuenta",
            "ya tienes una cuenta",
            "registrati gratuitamente",
            "registrati ora",
            "crea un account",
            "accedi per continuare",
            "devi effettuare il login",
            "password dimenticata",
            "non hai un account",
            "hai già un account",
            "cadastre-se",
            "registe-se",
            "crie sua conta",
            "crie a sua conta",
            "faça login",
            "inicie sessão",
            "esqueceu sua senha",
            "esqueceu a senha",
            "esqueceu-se da palavra-passe",
            "não tem uma conta",
            "já tem uma conta",
        ),
    ),
    "subscription notice": (
        (
            "choose your subscription",
            "start your subscription",
            "wählen sie ihr abo",
            "choisissez votre abonnement",
            "elige tu suscripción",
            "scegli il tuo abbonamento",
            "escolha sua assinatura",
            "escolha a sua assinatura",
        ),
        (
            "subscribe now",
            "subscribe today",
            "become a subscriber",
            "cancel anytime",
            "cancel at any time",
            "unlimited digital access",
            "subscribe to our newsletter",
            "sign up for our newsletter",
            "sign up to our newsletter",
            "jetzt abonnieren",
            "abo abschließen",
            "jederzeit kündbar",
            "newsletter abonnieren",
            "abonnez-vous",
            "je m'abonne",
            "sans engagement",
            "résiliable à tout moment",
            "inscrivez-vous à notre newsletter",
            "suscríbete",
            "suscríbase",
            "hazte suscriptor",
            "cancela cuando quieras",
            "suscríbete a nuestro boletín",
            "abbonati ora",
            "abbonati subito",
            "disdici quando vuoi",
            "iscriviti alla newsletter",
            "assine já",
            "assine agora",
            "cancele quando quiser",
            "assine nossa newsletter",
            "subscreva a newsletter",
        ),
    ),
    "cookie-consent notice": (
        (
            "we use cookies",
            "this website uses cookies",
            "this site uses cookies",
            "you consent to our use of cookies",
            "you agree to our use of cookies",
            "store and/or access information on a device",
            "wir verwenden cookies",
            "wir nutzen cookies",
            "diese website verwendet cookies",
            "diese webseite verwendet cookies",
            "diese website nutzt cookies",
            "nous utilisons des cookies",
            "ce site utilise des cookies",
            "utilizamos cookies",
            "usamos cookies",
            "este sitio web utiliza cookies",
            "esta web utiliza cookies",
            "utilizziamo i cookie",
            "utilizziamo cookie",
            "usiamo i cookie",
            "questo sito utilizza cookie",
            "questo sito utilizza i cookie",
            "questo sito usa i cookie",
            "este site utiliza cookies",
            "este site usa cookies",
        ),
        (
            "we and our partners",
            "our use of cookies",
            "you agree to the use of cookies",
            "by continuing to browse",
            "by continuing to use this site",
            "by continuing to use this website",
            "wir und unsere partner",
            "stimmen sie der verwendung von cookies zu",
            "stimmst du der verwendung von cookies zu",
            "nos partenaires et nous",
            "vous acceptez l'utilisation de cookies",
            "vous acceptez l'utilisation des cookies",
            "en poursuivant votre navigation",
            "aceptas el uso de cookies",
            "acepta el uso de cookies",
            "si continúa navegando",
            "acconsenti all'uso dei cookie",
            "proseguendo la navigazione",
            "aceita a utilização de cookies",
            "concorda com a utilização de cookies",
            "aceita o uso de cookies",
            "ao continuar a navegar",
            "ao continuar navegando",
        ),
    ),
    "ad-blocker notice": (
        (
            "disable your ad blocker",
            "disable your adblocker",
            "turn off your ad blocker",
            "we noticed you're using an ad blocker",
            "looks like you're using an ad blocker",
            "deaktivieren sie ihren werbeblocker",
            "deaktivieren sie ihren adblocker",
            "désactivez votre bloqueur de publicité",
            "désactiver votre bloqueur de publicités",
            "desactiva tu bloqueador de anuncios",
            "disattiva il tuo ad blocker",
            "disattiva l'adblock",
            "desative o seu bloqueador de anúncios",
            "desative seu bloqueador de anúncios",
        ),
        (
            "whitelist our site",
            "using an ad blocker",
            "using an adblocker",
            "pause your ad blocker",
            "add us to your allowlist",
            "ihren werbeblocker",
            "ihren adblocker",
            "deinen adblocker",
            "sie verwenden einen werbeblocker",
            "sie nutzen einen werbeblocker",
            "votre bloqueur de publicité",
            "votre bloqueur de publicités",
            "votre adblock",
            "vous utilisez un bloqueur de publicité",
            "tu bloqueador de anuncios",
            "su bloqueador de anuncios",
            "hemos detectado un bloqueador de anuncios",
            "estás usando un bloqueador de anuncios",
            "il tuo ad blocker",
            "il tuo adblock",
            "abbiamo rilevato un ad blocker",
            "stai usando un ad blocker",
            "o seu bloqueador de anúncios",
            "seu bloqueador de anúncios",
            "detetámos um bloqueador de anúncios",
            "detectamos um bloqueador de anúncios",
            "está usando um bloqueador de anúncios",
        ),
    ),
    "empty template page": (
        (
            "page not found",
            "404 not found",
            "the page you are looking for",
            "the page you requested",
            "this page does not exist",
            "this page doesn't exist",
            "page cannot be found",
            "page could not be found",
            "not available in your region",
            "not available in your country",
            "no results found",
            "no results were found",
            "your search did not match",
            "nothing matched your search",
            "seite nicht gefunden",
            "die seite wurde nicht gefunden",
            "die angeforderte seite",
            "in ihrem land nicht verfügbar",
            "keine ergebnisse gefunden",
            "page introuvable",
            "page non trouvée",
            "la page que vous recherchez",
            "la page demandée",
            "cette page n'existe pas",
            "n'est pas disponible dans votre pays",
            "n'est pas disponible dans votre région",
            "aucun résultat trouvé",
            "página no encontrada",
            "la página que buscas",
            "la página que busca",
            "esta página no existe",
            "no está disponible en tu país",
            "no está disponible en su país",
            "no se encontraron resultados",
            "pagina non trovata",
            "la pagina che stai cercando",
            "la pagina richiesta",
            "questa pagina non esiste",
            "non è disponibile nel tuo paese",
            "nessun risultato trovato",
            "página não encontrada",
            "a página que procura",
            "a página que você procura",
            "esta página não existe",
            "não está disponível no seu país",
            "não está disponível na sua região",
            "nenhum resultado encontrado",
            "this content is not available",
            "this page is no longer available",
            "this article is no longer available",
            "this content is no longer available",
            "dieser inhalt ist nicht verfügbar",
            "diese seite ist nicht mehr verfügbar",
            "dieser artikel ist nicht mehr verfügbar",
            "keine treffer gefunden",
            "ihre suche ergab keine treffer",
            "ce contenu n'est pas disponible",
            "cette page n'est plus disponible",
            "cet article n'est plus disponible",
            "votre recherche n'a donné aucun résultat",
            "este contenido no está disponible",
            "esta página ya no está disponible",
            "este artículo ya no está disponible",
            "tu búsqueda no obtuvo resultados",
            "contenuto non disponibile",
            "questa pagina non è più disponibile",
            "questo articolo non è più disponibile",
            "la ricerca non ha prodotto risultati",
            "conteúdo não disponível",
            "esta página não está mais disponível",
            "este artigo já não está disponível",
            "a sua pesquisa não retornou resultados",
        ),
        (
            "error 404",
            "did not match any documents",
            "no posts matched",
            "nothing found",
            "content is unavailable",
            "fehler 404",
            "erreur 404",
            "errore 404",
            "erro 404",
            "no hay resultados para",
            "nessun risultato per",
            "nenhum resultado para",
            "aucun résultat pour",
            "keine ergebnisse für",
        ),
    ),
}

_KIND_OF = {phrase: kind for kind, (strong, weak) in LEXICON.items() for phrase in strong + weak}
_STRONG = frozenset(phrase for strong, _ in LEXICON.values() for phrase in strong)
# A lookahead finds overlapping cues too: "this content is not available" must not hide the
# strong "not available in your region" that overlaps it. Longest first at each position.
_CUE_RE = re.compile(
    r"(?<!\w)(?=("
    + "|".join(re.escape(p) for p in sorted(_KIND_OF, key=len, reverse=True))
    + r")(?!\w))"
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
# typographic apostrophes, so that "you\u2019ve" on a page matches the cue "you've"
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})


def detect_notice(text: str) -> str | None:
    """Why the extracted ``text`` is a notice page rather than an article, or ``None``.

    Args:
        text: the extracted main text, one paragraph a line.

    Returns:
        The notice's kind and the cue phrase found, e.g.
        ``"paywall notice: 'subscribe to continue reading'"``, or ``None`` for an article.
    """
    total = word_count(text)
    if total == 0 or total > MAX_NOTICE_WORDS:
        return None
    lowered = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    notice_words = 0
    kind_words: Counter[str] = Counter()
    # per kind, its first strong cue if any, else its first cue: the phrase that says most
    shown: dict[str, str] = {}
    strong_cue: str | None = None
    for paragraph in lowered.split("\n"):
        units = (
            [paragraph]
            if word_count(paragraph) <= MAX_NOTICE_PARAGRAPH_WORDS
            else _SENTENCE_END.split(paragraph)
        )
        for unit in units:
            cues = [m.group(1) for m in _CUE_RE.finditer(unit)]
            if not cues:
                continue
            words = word_count(unit)
            notice_words += words
            for cue in cues:
                kind = _KIND_OF[cue]
                if kind not in shown or (cue in _STRONG and shown[kind] not in _STRONG):
                    shown[kind] = cue
                if strong_cue is None and cue in _STRONG:
                    strong_cue = cue
            for kind in {_KIND_OF[cue] for cue in cues}:
                kind_words[kind] += words
    if strong_cue is not None and total <= MAX_STRONG_CUE_WORDS:
        return f"{_KIND_OF[strong_cue]}: '{strong_cue}'"
    if notice_words >= MIN_NOTICE_SHARE * total:
        kind = kind_words.most_common(1)[0][0]
        return f"{kind}: '{shown[kind]}'"
    return None
