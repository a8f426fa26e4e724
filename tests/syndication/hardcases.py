"""The hard cases of the evaluation set: what chained unrelated stories into one cluster.

Short pages whose text is mostly boilerplate, the same boilerplate sentences on many sites,
paywall and newsletter pages, a story copied by 50+ sites, trims of trims, aggregator pages of
several stories' ledes and write-throughs. Every page body is real text transformed with the
case's seed; the sites 20-59 each carry many pages, so their boilerplate repeats as on the web.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from tests.syndication.evalset import (
    OLD_SITES,
    EvalSet,
    PageText,
    chrome,
    copy_edit,
    header,
    site_host,
    site_name,
    trim,
    with_chrome,
)

NEW_SITES = range(OLD_SITES, 60)
ALL_SITES = range(0, 60)

# One pool shared by all sites: each site draws a few, so one sentence shows on several sites.
_POOL = {
    "en": [
        "Sign up for our morning briefing and get the stories that matter delivered to your "
        "inbox before breakfast.",
        "Get our free newsletter: the most important news, analysis and opinion of the day, "
        "every weekday at six in the morning.",
        "Never miss a story: subscribe to breaking news alerts and we will notify you the "
        "moment news breaks.",
        "Follow us on Facebook, X, Instagram and LinkedIn for the latest headlines, videos and "
        "live coverage.",
        "Join the conversation on our WhatsApp channel and get the top stories of the day "
        "straight to your phone.",
        "We use cookies and similar technologies to improve your experience, measure our "
        "audience and show you personalised advertising.",
        "By continuing to browse this site you agree to our use of cookies as described in our "
        "privacy and cookie policy.",
        "You have read three of your five free articles this month. Subscribe now for unlimited "
        "access from just one dollar a week.",
        "This article is available to subscribers only. Already a subscriber? Log in to "
        "continue reading.",
        "Read more: the latest updates on this story and related coverage from our reporters "
        "around the world.",
        "More from this section: the stories our readers are talking about today, hand-picked "
        "by our editors.",
        "Recommended for you: stories picked by our editors based on what you have been "
        "reading recently.",
        "This story was produced by our newsroom with material from wire services and has been "
        "updated with additional reporting.",
        "Our journalists are committed to accuracy. If you spot a mistake in this article, "
        "please contact the corrections desk.",
        "Have a news tip? Send it to our newsroom securely and confidentially, and our "
        "reporters will look into it.",
        "Support independent journalism: become a member today and help us keep our reporting "
        "free for everyone to read.",
        "Share this article on social media, copy the link or send it by email to a friend who "
        "might be interested.",
        "Download our free app for iOS and Android to read the news on the go and receive "
        "personalised push notifications.",
        "Comments are closed for this article. Read our community guidelines before joining the "
        "discussion on other stories.",
        "About the author: the {name} staff writers cover politics, business and culture for "
        "readers across the region.",
        "{name} newsroom. Updated throughout the day. Read our editorial standards and our "
        "ethics policy.",
    ],
    "de": [
        "Melden Sie sich für unseren Newsletter an und erhalten Sie jeden Morgen die "
        "wichtigsten Nachrichten des Tages kostenlos.",
        "Folgen Sie uns auf Facebook, Instagram und X und verpassen Sie keine Nachrichten mehr "
        "aus Ihrer Region.",
        "Wir verwenden Cookies und ähnliche Technologien, um Ihnen ein besseres "
        "Nutzungserlebnis und personalisierte Werbung zu bieten.",
        "Dieser Artikel ist nur für Abonnenten verfügbar. Sie sind bereits Abonnent? Dann "
        "melden Sie sich hier an.",
        "Lesen Sie auch: Weitere Artikel zu diesem Thema finden Sie in unserem Dossier mit allen "
        "aktuellen Entwicklungen.",
        "Dieser Text wurde von unserer Redaktion mit Material der Nachrichtenagenturen erstellt "
        "und laufend aktualisiert.",
        "Haben Sie einen Fehler entdeckt? Schreiben Sie unserer Redaktion, wir prüfen jeden "
        "Hinweis sorgfältig.",
        "Laden Sie jetzt unsere kostenlose App herunter und lesen Sie alle Nachrichten bequem "
        "auf Ihrem Smartphone.",
        "Unterstützen Sie unabhängigen Journalismus und werden Sie jetzt Mitglied, schon ab "
        "einem Euro pro Woche.",
    ],
}
_COPYRIGHT = {
    "en": "© {year} {name}. All rights reserved.",
    "de": "© {year} {name}. Alle Rechte vorbehalten.",
}
# Paywall vendors: several sites use one vendor's wording, changing only the site name.
_PAYWALL = {
    "en": [
        "Subscribe to continue reading. You have reached your limit of free articles. Get "
        "unlimited digital access to {name}, including our award-winning journalism, the daily "
        "e-paper, puzzles and exclusive newsletters. Cancel anytime. Already a subscriber? Sign "
        "in. Questions about your subscription? Contact our customer service team, available "
        "seven days a week, or read the answers to frequent questions about billing.",
        "Create a free account to keep reading. Registration takes less than a minute and "
        "gives you more stories each month, personalised news alerts and our morning "
        "newsletter. By registering you agree to our terms of service and acknowledge our "
        "privacy notice. Already registered? Log in with your email address and password, or "
        "continue with your Google or Apple account.",
        "This content is reserved for premium members. Unlock this story and every article on "
        "{name} with a digital subscription: first month free, then 9.99 a month, cancel "
        "anytime online. Subscribers enjoy ad-light reading, full archive access and early "
        "access to our investigations. Are you a print subscriber? Activate your free digital "
        "access now with your customer number.",
        "We noticed you are using an ad blocker. Our journalism is funded by advertising and "
        "subscriptions. Please disable your ad blocker for {name} or subscribe to read without "
        "ads. To disable it, click the ad blocker icon in your browser toolbar, choose to pause "
        "it on this site and reload the page. Thank you for supporting local journalism.",
    ],
    "de": [
        "Weiterlesen mit Plus. Dieser Artikel ist exklusiv für Abonnenten von {name}. Jetzt "
        "vier Wochen für nur einen Euro testen und alle Artikel, das E-Paper und exklusive "
        "Newsletter lesen. Danach monatlich kündbar. Sie sind bereits Abonnent? Hier anmelden. "
        "Bei Fragen zu Ihrem Abonnement erreichen Sie unseren Leserservice montags bis "
        "samstags von sieben bis zwanzig Uhr.",
        "Registrieren Sie sich kostenlos, um diesen Artikel weiterzulesen. Mit einem "
        "kostenlosen Konto lesen Sie jeden Monat mehr Artikel, erhalten unseren Newsletter und "
        "können Artikel für später merken. Mit der Registrierung stimmen Sie unseren "
        "Nutzungsbedingungen zu und nehmen die Datenschutzerklärung zur Kenntnis. Sie haben "
        "bereits ein Konto? Dann melden Sie sich mit Ihrer E-Mail-Adresse an.",
        "Sie nutzen einen Werbeblocker. Unser Journalismus wird durch Werbung und Abonnements "
        "finanziert. Bitte deaktivieren Sie Ihren Werbeblocker für {name} oder lesen Sie "
        "werbefrei mit einem Abonnement. Klicken Sie dazu auf das Symbol Ihres Werbeblockers "
        "in der Browserleiste, pausieren Sie ihn für diese Seite und laden Sie die Seite neu. "
        "Vielen Dank für Ihre Unterstützung.",
    ],
}
# Newsletter and footer blocks that a publisher group puts under every short article.
_BLOCKS = {
    "en": [
        "The Morning Briefing. Start your day with the stories everyone will be talking about. "
        "Every weekday our editors pick the most important news from politics, business, "
        "science and culture, explain what happened overnight and what to watch today, and add "
        "one good read for the weekend. It is free and takes five minutes to read. Enter your "
        "email address to subscribe. You can unsubscribe at any time with one click, and we "
        "will never share your address with third parties. More newsletters: Business Daily, "
        "Weekend Reads, Climate Weekly, Local Sport, Food and Drink, Morning Markets.",
        "About {name}. {name} is an independent digital newsroom covering the region since "
        "2009. Our reporters and editors work to give readers accurate, fair and useful "
        "reporting on the issues that shape their lives. We are funded by readers, advertisers "
        "and foundations that share our belief in a free press. Contact the newsroom, "
        "advertising, subscriptions, careers and corrections. Editorial guidelines and ethics "
        "code. Terms of service. Privacy policy. Cookie settings. Accessibility statement. "
        "Sitemap. RSS feeds. Follow us on Facebook, X, Instagram, YouTube and LinkedIn.",
        "Weekend Reads. Every Saturday morning, the best long reads, interviews and features "
        "of the week, chosen by the {name} editors, with a crossword, a recipe and a list of "
        "what to watch, hear and read. Sign up now and receive our free guide to the best "
        "local restaurants as a welcome gift. Already subscribed to one of our newsletters? "
        "Manage your subscriptions in your account settings, where you can also change your "
        "email address, choose your topics and set how often you hear from us.",
    ],
    "de": [
        "Der Morgen-Newsletter. Starten Sie informiert in den Tag: Unsere Redaktion wählt "
        "jeden Werktag die wichtigsten Nachrichten aus Politik, Wirtschaft, Wissenschaft und "
        "Kultur aus, erklärt, was über Nacht passiert ist, und worauf es heute ankommt. Der "
        "Newsletter ist kostenlos und in fünf Minuten gelesen. Geben Sie Ihre E-Mail-Adresse "
        "ein, um ihn zu abonnieren. Sie können sich jederzeit mit einem Klick abmelden. Wir "
        "geben Ihre Adresse nicht an Dritte weiter. Weitere Newsletter: Wirtschaft am Abend, "
        "Wochenende, Klima, Sport aus der Region.",
        "Über {name}. {name} ist ein unabhängiges Nachrichtenportal, das seit 2009 über die "
        "Region berichtet. Unsere Reporterinnen und Reporter arbeiten jeden Tag daran, Ihnen "
        "genaue, faire und nützliche Berichterstattung zu bieten. Wir finanzieren uns durch "
        "Leserinnen und Leser, Anzeigen und Stiftungen. Kontakt zur Redaktion, Anzeigen, "
        "Abonnement, Karriere. Redaktionelle Leitlinien. Nutzungsbedingungen. "
        "Datenschutzerklärung. Cookie-Einstellungen. Barrierefreiheit. Impressum. RSS-Feeds. "
        "Folgen Sie uns auf Facebook, Instagram, YouTube und X.",
    ],
}
_SENTENCE_END = re.compile(r"[.!?\u201d\"]$")


def _lang(page: PageText) -> str:
    return page.language if page.language in _POOL else "en"


def _words(text: str) -> int:
    return len(text.split())


@cache
def boilerplate(site: int, lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The boilerplate sentences site ``site`` puts above and below its ``lang`` articles."""
    srng = random.Random(f"boilerplate-{lang}-{site}")
    chosen = [s.format(name=site_name(site)) for s in srng.sample(_POOL[lang], k=4)]
    return tuple(chosen[:1]), tuple(chosen[1:])


def site_page(text: str, site: int, lang: str) -> str:
    """``text`` on site ``site``: header, its boilerplate sentences, copyright line."""
    top, bottom = boilerplate(site, lang)
    foot = _COPYRIGHT[lang].format(year=2020 + site % 5, name=site_name(site))
    return "\n".join([header(site, lang), *top, text, *bottom, foot])


def first_words(text: str, n: int) -> str:
    """The first ``n`` words of ``text`` in its paragraphs, ended at a sentence end if near."""
    taken: list[tuple[int, str]] = []
    for i, para in enumerate(text.split("\n")):
        taken += [(i, w) for w in para.split()]
        if len(taken) >= n:
            break
    taken = taken[:n]
    ends = [k for k in range(len(taken)) if _SENTENCE_END.search(taken[k][1])]
    if ends and ends[-1] + 1 >= 0.75 * len(taken):
        taken = taken[: ends[-1] + 1]
    paras: dict[int, list[str]] = {}
    for i, w in taken:
        paras.setdefault(i, []).append(w)
    return "\n".join(" ".join(ws) for ws in paras.values())


def chunks(text: str, count: int, lo: int, hi: int, start: int = 0) -> list[str]:
    """Up to ``count`` runs of whole paragraphs from paragraph ``start``, ``lo``-``hi`` words."""
    paras = [p for p in text.split("\n") if p.strip()][start:]
    out: list[str] = []
    words: list[str] = []
    for p in paras:
        words += p.split()
        if len(words) >= lo:
            out.append(" ".join(words[:hi]))
            words = []
            if len(out) == count:
                break
    return out


@dataclass
class Case:
    """One recipe case being built: where its documents go and what they are made from."""

    es: EvalSet
    n: int
    recipe: Mapping[str, object]
    split: str
    rng: random.Random
    texts: dict[str, PageText]
    heads: list[str]

    @property
    def kind(self) -> str:
        return str(self.recipe["kind"])

    def pages(self, *keys: str) -> list[PageText]:
        """The extracted pages named under ``keys`` (single names or lists), in order."""
        names: list[str] = []
        for key in keys:
            value = self.recipe.get(key)
            names += [str(v) for v in value] if isinstance(value, list) else [str(value)]
        return [self.texts[name] for name in names if name in self.texts]

    def add(self, suffix: str, text: str, site: int, group: str = "") -> None:
        group_id = f"g{self.n}-{group}" if group else f"g{self.n}"
        self.es.add(f"{self.n}-{suffix}", text, group_id, self.kind, self.split, site_host(site))


def shortcopy(case: Case) -> None:
    """A full story and 60-140-word copies of its lede on other sites, all one group."""
    rng, (story,) = case.rng, case.pages("base")
    lang, copies = _lang(story), int(str(case.recipe["copies"]))
    sites = rng.sample(NEW_SITES, 1 + copies)
    case.add("orig", site_page(story.text, sites[0], lang), sites[0])
    for k in range(copies):
        body = first_words(story.text, rng.randint(60, 140))
        if rng.random() < 0.5:
            body = copy_edit(body, rng, rate=1 / 120)
        case.add(f"short{k}", site_page(body, sites[1 + k], lang), sites[1 + k])


def paywall(case: Case) -> None:
    """Notice pages of one site: its header, a headline, the vendor's notice; one group each."""
    rng = case.rng
    site = rng.choice(NEW_SITES)
    for k, page in enumerate(case.pages("base", "others")):
        lang = _lang(page)
        vendor = random.Random(f"vendor-{lang}-{site}").choice(_PAYWALL[lang])
        headline = first_words(page.text.split("\n")[0], rng.randint(6, 14))
        _, bottom = boilerplate(site, lang)
        foot = _COPYRIGHT[lang].format(year=2020 + site % 5, name=site_name(site))
        notice = vendor.format(name=site_name(site))
        text = "\n".join([header(site, lang), headline, notice, bottom[-1], foot])
        case.add(f"wall{k}", text, site, group=f"wall{k}")


def newsletter(case: Case) -> None:
    """Short distinct articles under one shared block that is at least 40% of each page.

    The block takes the place of the site's boilerplate sentences: with them as well, a
    60-word article could not leave the block 40% of the page.
    """
    rng = case.rng
    pages = case.pages("base", "others")
    lang = _lang(pages[0])
    sites = rng.sample(NEW_SITES, rng.randint(1, 3))
    block = rng.choice(_BLOCKS[lang]).format(name=f"{site_name(sites[0])} Media")
    for k, page in enumerate(pages):
        site = sites[k % len(sites)]
        foot = _COPYRIGHT[lang].format(year=2020 + site % 5, name=site_name(site))
        n = rng.randint(60, 150)
        while True:
            text = "\n".join([header(site, lang), first_words(page.text, n), block, foot])
            if _words(block) >= 0.4 * _words(text) or n <= 60:
                break
            n -= 10
        case.add(f"news{k}", text, site, group=f"news{k}")


def _on_any_site(case: Case, text: str, site: int, lang: str) -> str:
    if site < OLD_SITES:
        return with_chrome(text, *chrome(site, lang, case.rng, case.heads))
    return site_page(text, site, lang)


def wide(case: Case) -> None:
    """One story on 50+ sites: copies with other chrome, copy-edits and trims."""
    rng, (story,) = case.rng, case.pages("base")
    lang, copies = _lang(story), int(str(case.recipe["copies"]))
    sites = rng.sample(ALL_SITES, 1 + copies)
    case.add("orig", _on_any_site(case, story.text, sites[0], lang), sites[0])
    for k in range(copies):
        r = rng.random()
        body = story.text
        if r >= 0.75:
            body = trim(copy_edit(body, rng, rate=1 / 200), rng)
        elif r >= 0.4:
            body = copy_edit(body, rng)
        case.add(f"copy{k}", _on_any_site(case, body, sites[1 + k], lang), sites[1 + k])


def trimchain(case: Case) -> None:
    """A story, a trim of it, a trim of the trim and a trim of that, each on another site."""
    rng, (story,) = case.rng, case.pages("base")
    lang = _lang(story)
    text = story.text
    for k, site in enumerate(rng.sample(NEW_SITES, 4)):
        if k:
            text = trim(copy_edit(text, rng, rate=1 / 200), rng)
        case.add(f"trim{k}", site_page(text, site, lang), site)


def aggregator(case: Case) -> None:
    """Stories with their copies, and pages made of 3-6 of their ledes (one group each)."""
    rng = case.rng
    stories = case.pages("base", "stories")
    if len(stories) < 3:
        return
    for i, story in enumerate(stories):
        lang = _lang(story)
        sites = rng.sample(NEW_SITES, 1 + rng.randint(1, 2))
        case.add(f"s{i}-orig", site_page(story.text, sites[0], lang), sites[0], group=f"s{i}")
        for c, site in enumerate(sites[1:]):
            body = story.text if rng.random() < 0.5 else copy_edit(story.text, rng)
            case.add(f"s{i}-copy{c}", site_page(body, site, lang), site, group=f"s{i}")
    lang = _lang(stories[0])
    for j in range(int(str(case.recipe["pages"]))):
        chosen = rng.sample(stories, k=rng.randint(3, min(6, len(stories))))
        items = [
            " ".join(first_words(s.text, rng.randint(30, 60)).split()) + " Read more »"
            for s in chosen
        ]
        site = rng.choice(NEW_SITES)
        case.add(f"agg{j}", site_page("\n".join(items), site, lang), site, group=f"agg{j}")


def writethrough(case: Case) -> None:
    """Two stories, each with 2-3 later versions on other sites: a new lede over the same body.

    A version may end on a background paragraph lifted from the other story, as wire
    write-throughs do; it must not bridge the two stories' groups.
    """
    rng = case.rng
    stories, donors = case.pages("base", "other"), case.pages("donors")
    if len(stories) < 2 or len(donors) < 2:
        return
    a, b = stories
    for tag, story, partner, donor in (("a", a, b, donors[0]), ("b", b, a, donors[1])):
        lang = _lang(story)
        ledes = chunks(donor.text, rng.randint(2, 3), 30, 80)
        sites = rng.sample(NEW_SITES, 1 + len(ledes))
        case.add(f"{tag}-v0", site_page(story.text, sites[0], lang), sites[0], group=tag)
        body = [p for p in story.text.split("\n") if p.strip()][1:]
        partner_paras = len([p for p in partner.text.split("\n") if p.strip()])
        cap = min(80, _words(partner.text) // 5)
        background = chunks(partner.text, 1, min(40, cap), cap, start=partner_paras // 2)
        for v, lede in enumerate(ledes, start=1):
            parts = [lede, *body]
            if background and rng.random() < 0.5:
                parts.append(background[0])
            page = site_page("\n".join(parts), sites[v], lang)
            case.add(f"{tag}-v{v}", page, sites[v], group=tag)


BUILDERS: dict[str, Callable[[Case], None]] = {
    "shortcopy": shortcopy,
    "paywall": paywall,
    "newsletter": newsletter,
    "wide": wide,
    "trimchain": trimchain,
    "aggregator": aggregator,
    "writethrough": writethrough,
}
