"""Four general clean-up rules around trafilatura's call, each switched by an option.

- ``hidden``: elements hidden inline (``display:none``, ``visibility:hidden``), with the ``hidden``
  attribute or ``aria-hidden="true"`` are pruned from the page before trafilatura sees it;
- ``split_bodies``: when the article is cut into sibling containers of the same tag and class and
  trafilatura kept only the first, the paragraphs of the later ones are merged into its text;
- ``trailing_widgets``: newsletter sign-ups, "follow us", copyright lines, "related" and "more
  from" lists and blocks that are only link text are cut from the end of the text, block by block,
  never from the middle and never more than a third of it;
- ``repeated_headline``: a first block that is the page's headline again is dropped (the title is
  stored apart).

The page is parsed once, here: trafilatura works on a copy of the tree, so the rules read the same
tree after extraction without parsing the page again, and they edit trafilatura's output tree
(``Document.body``) block by block rather than its text. No rule knows any site.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from crawler.article import RULES, ExtractOptions

__all__ = ["RULES", "ArticleCleaner"]

_HIDDEN = etree.XPath(
    "//body//*[@hidden or @aria-hidden='true' or re:test(@style,"
    " '(^|;)\\s*(display\\s*:\\s*none|visibility\\s*:\\s*hidden)', 'i')]",
    namespaces={"re": "http://exslt.org/regular-expressions"},
)
# Pages that hide their whole content until a script reveals it must keep it: an element holding
# more than this share of the page's text is never pruned.
HIDDEN_MAX_SHARE = 0.5
# A paragraph is recognised in the page by its first characters (trafilatura trims and merges
# inline text, so whole texts rarely compare equal); shorter ones are too common to tell apart.
KEY_CHARS = 40
KEY_MIN_CHARS = 30
# Levels above the paragraphs' common container searched for its split siblings; beyond them
# siblings of the same class are page layout (rows, columns), not parts of one article.
SPLIT_MAX_LEVELS = 3
SPLIT_MAX_LINK_SHARE = 0.3
SPLIT_MIN_PART_CHARS = 200
TRAILING_MAX_SHARE = 1 / 3
WIDGET_MAX_WORDS = 60
HEADING_MAX_WORDS = 8
LINK_LIST_SHARE = 0.6
_SKIP_PARENTS = frozenset({"aside", "figure", "figcaption", "nav", "footer", "form", "button"})
_TITLE_SEPARATORS = re.compile("\\s+[|:\u00b7\u2022\u2013\u2014-]\\s+")
_FOLD = re.compile(r"\W+")
_URL_TEXT = re.compile(r"(?:https?://|www\.)\S+$", re.IGNORECASE)

# Whole short blocks that head a widget: "Related articles", "Lesen Sie auch", ...
_WIDGET_HEADING = re.compile(
    r"^(?:"
    r"related(?: (?:articles?|stories|posts|news|content|coverage|topics|links|reading))?"
    r"|more (?:from|on|about|in|stories|news|articles|like this)\b.*|read (?:more|also|next)"
    r"|see also|further reading|recommended(?: for you| stories| articles| reading)?"
    r"|you (?:may|might) (?:also )?like.*|also (?:read|on \w+)|editor'?s picks|don'?t miss"
    r"|most (?:read|popular|viewed|shared)|trending(?: now)?|top stories|latest (?:news|stories)"
    r"|share(?: this(?: article| story| post)?)?|tags?|topics|follow us.*|comments?|no comments"
    r"|\d+ (?:comments?|kommentare)|leave a (?:comment|reply)"
    r"|mehr zum thema\b.*|weitere (?:artikel|beiträge|themen|nachrichten|meldungen)\b.*"
    r"|lesen sie (?:auch|mehr)\b.*|zum weiterlesen|schon gelesen|auch interessant"
    r"|das könnte (?:sie|dich) auch interessieren|(?:verwandte|ähnliche) (?:artikel|beiträge)"
    r"|meistgelesen|top-themen\b.*|keine kommentare|kommentare"
    r"|(?:à )?lire aussi|à voir aussi|sur le même sujet|articles similaires|les plus lus"
    r"|vous aimerez aussi|à lire également"
    r"|(?:noticias|notas|contenido|artículos) relacionad[oa]s|(?:también )?te puede interesar"
    r"|lee también|te recomendamos|más (?:noticias|leídas)|lo más leído"
    r"|leggi anche|(?:articoli )?correlati|potrebbe interessarti(?: anche)?|i più letti"
    r"|leia também|veja também|notícias relacionadas|mais lidas"
    r"|lees ook|meer over\b.*|gerelateerde artikelen"
    r"|(?:czytaj|zobacz) (?:też|także|również)|polecamy"
    r"|читайте также|похожие статьи|相关文章|相关阅读|関連記事"
    r")\W*$",
    re.IGNORECASE,
)
# Phrases that make a short trailing block a widget wherever they stand in it.
_WIDGET_PHRASE = re.compile(
    r"newsletter|sign up (?:for|to)|subscribe (?:to|for|now)|follow us"
    r"|download (?:our|the)\b.*\bapps?|all rights reserved|©|\(c\) \d{4}|copyright \d{4}"
    r"|^copyright\b|if you enjoyed"
    r"|support (?:us|our journalism)|become a member"
    r"|^(?:read (?:more|also)|see also|related|more|photo|image|credits?)\s*:"
    r"|alle rechte vorbehalten|folgen sie uns|abonnieren sie|unterstütze"
    r"|^(?:lesen sie auch|mehr dazu|mehr zum thema|foto|bild|titelbild|beitragsbild)\s*:"
    r"|tous droits réservés|suivez-nous|abonnez-vous|inscrivez-vous"
    r"|^(?:lire aussi|à lire aussi|crédits? photos?)\s*:"
    r"|todos los derechos reservados|s[ií]guenos|suscr[ií]bete|hazte miembro"
    r"|^(?:lee también|te puede interesar|mire|foto)\s*:"
    r"|tutti i diritti riservati|seguici|iscriviti|^leggi anche\s*:"
    r"|todos os direitos reservados|siga-nos|^(?:leia também|veja também)\s*:"
    r"|alle rechten voorbehouden|volg ons|^lees ook\s*:"
    r"|wszelkie prawa zastrzeżone|materiał chroniony prawem"
    r"|все права защищены|подписывайтесь|читайте также\s*:|版权所有|無断転載",
    re.IGNORECASE,
)


def squash(text: str) -> str:
    return " ".join(text.split())


def _key(text: str) -> str | None:
    return text[:KEY_CHARS] if len(text) >= KEY_MIN_CHARS else None


def _fold(text: str) -> str:
    return _FOLD.sub(" ", text.lower()).strip()


def _block_text(block: Any) -> str:
    return squash("".join(block.itertext()))


class ArticleCleaner:
    """The rules of one page: ``prepare`` the page for trafilatura, then ``text`` of its result.

    ``fired`` names, in rule order, the rules that changed this page: for ``hidden``, that it
    pruned hidden text (which trafilatura may have left out anyway); for the others, that they
    changed the text.
    """

    def __init__(self, options: ExtractOptions) -> None:
        self.options = options
        self.fired: tuple[str, ...] = ()
        self.tree: Any = None
        self._anchors: set[str] | None = None

    @property
    def active(self) -> bool:
        return any(getattr(self.options, f"rule_{rule}") for rule in RULES)

    def prepare(self, html: str) -> Any:
        """What to hand trafilatura: ``html`` itself, or its tree with hidden elements pruned."""
        if not self.active:
            return html
        try:
            self.tree = load_html(html)
        except (TypeError, ValueError, etree.ParserError):
            self.tree = None
        if self.tree is None:
            return html
        if self.options.rule_hidden and self._prune_hidden(self.tree):
            self._fire("hidden")
        return self.tree

    def text(self, doc: Any) -> str:
        """The text of trafilatura's result ``doc`` after the rules that work on its output."""
        try:
            return self._apply(doc)
        except (TypeError, ValueError, etree.LxmlError):
            # a rule tripping over a malformed page must not cost the page its article
            return str(doc.text or "")

    def _apply(self, doc: Any) -> str:
        body = doc.body
        if self.tree is None or body is None or len(body) == 0:
            return str(doc.text or "")
        changed = False
        if self.options.rule_split_bodies and self._merge_split_bodies(body):
            self._fire("split_bodies")
            changed = True
        if self.options.rule_trailing_widgets and self._cut_trailing_widgets(body):
            self._fire("trailing_widgets")
            changed = True
        if self.options.rule_repeated_headline and self._drop_repeated_headline(body, doc.title):
            self._fire("repeated_headline")
            changed = True
        return xmltotxt(body, False) if changed else str(doc.text or "")

    def _fire(self, rule: str) -> None:
        self.fired = tuple(r for r in RULES if r in self.fired or r == rule)

    @staticmethod
    def _prune_hidden(tree: Any) -> bool:
        matches = _HIDDEN(tree)
        if not matches:
            return False
        body = tree.find("body")
        limit = HIDDEN_MAX_SHARE * len((body if body is not None else tree).text_content())
        pruned = False
        for element in matches:
            text = element.text_content()
            if len(text) > limit:
                continue
            pruned = pruned or bool(text.strip())
            element.drop_tree()  # keeps its tail, which is visible text of the parent
        return pruned

    def _merge_split_bodies(self, body: Any) -> bool:
        keys: dict[str, int] = {}
        for index, block in enumerate(body):
            key = _key(_block_text(block)) if block.tag == "p" else None
            if key is not None:
                keys.setdefault(key, index)
        if not keys:
            return False
        matched = [p for p in self.tree.iter("p") if _key(squash(p.text_content())) in keys]
        if not matched:
            return False
        container = _common_ancestor(matched)
        extracted = sum(len(_block_text(b)) for b in body)
        for _ in range(SPLIT_MAX_LEVELS):
            if container is None or container.tag in ("body", "html"):
                return False
            if len(container.text_content()) > 2 * extracted + 200:
                return False
            cls = container.get("class")
            if cls:
                parts = [
                    s
                    for s in container.itersiblings()
                    if s.tag == container.tag and s.get("class") == cls
                ]
                if parts:
                    return self._insert_parts(body, parts, keys, max(keys.values()) + 1)
            container = container.getparent()
        return False

    @staticmethod
    def _insert_parts(body: Any, parts: list[Any], keys: dict[str, int], at: int) -> bool:
        added = []
        for part in parts:
            texts = []
            for element in part.iter("p", "h2", "h3", "h4"):
                text = squash(element.text_content())
                if not text or _key(text) in keys or _inside(element, part, _SKIP_PARENTS):
                    continue
                linked = sum(len(squash(a.text_content())) for a in element.iter("a"))
                if linked <= SPLIT_MAX_LINK_SHARE * len(text):
                    texts.append((element.tag == "p", text))
            # a part of the article reads as prose; a box of the same class holding a heading or
            # a teaser ("You might also like") does not
            prose = [t for is_p, t in texts if is_p]
            if sum(map(len, prose)) < SPLIT_MIN_PART_CHARS or max(map(len, prose)) < 100:
                continue
            for _, text in texts:
                block = etree.Element("p")
                block.text = text
                added.append(block)
        for offset, block in enumerate(added):
            body.insert(at + offset, block)
        return bool(added)

    def _cut_trailing_widgets(self, body: Any) -> bool:
        blocks = list(body)
        texts = [_block_text(b) for b in blocks]
        budget = TRAILING_MAX_SHARE * sum(len(t) for t in texts)
        cut = len(blocks)
        # a widget's heading near the end takes what follows it along: the teasers under
        # "Related articles" need not be links
        tail = 0
        for index in range(len(blocks) - 1, 0, -1):
            tail += len(texts[index])
            if tail > budget:
                break
            if _is_heading(texts[index]):
                cut = index
        removed = sum(len(t) for t in texts[cut:])
        for index in range(cut - 1, 0, -1):
            text = texts[index]
            if text and (removed + len(text) > budget or not self._is_widget(blocks[index], text)):
                break
            cut, removed = index, removed + len(text)
        if not removed:
            return False
        for block in blocks[cut:]:
            body.remove(block)
        return True

    def _is_widget(self, block: Any, text: str) -> bool:
        words = len(text.split())
        if _is_heading(text):
            return True
        if words <= WIDGET_MAX_WORDS and _WIDGET_PHRASE.search(text):
            return True
        anchors = self._anchor_texts()
        if block.tag == "list":
            items = [t for t in (_block_text(i) for i in block.iter("item")) if t]
            return bool(items) and sum(t in anchors for t in items) >= LINK_LIST_SHARE * len(items)
        # a link showing its own address is a source the article cites, not a widget
        return text in anchors and not _URL_TEXT.match(text)

    def _anchor_texts(self) -> set[str]:
        if self._anchors is None:
            self._anchors = {
                t for t in (squash(a.text_content()) for a in self.tree.iter("a")) if t
            }
        return self._anchors

    def _drop_repeated_headline(self, body: Any, title: str | None) -> bool:
        if len(body) < 2:
            return False
        first = _fold(_block_text(body[0]))
        if not first:
            return False
        headlines = {_fold(squash(h.text_content())) for h in self.tree.iter("h1")}
        if title:
            headlines.add(_fold(title))
            headlines.update(
                _fold(part) for part in _TITLE_SEPARATORS.split(title) if len(part.split()) >= 3
            )
        if first not in headlines:
            return False
        body.remove(body[0])
        return True


def _is_heading(text: str) -> bool:
    return len(text.split()) <= HEADING_MAX_WORDS and bool(_WIDGET_HEADING.match(text))


def _common_ancestor(elements: list[Any]) -> Any:
    chain = [elements[0], *elements[0].iterancestors()]
    for element in elements[1:]:
        ancestors = {element, *element.iterancestors()}
        while chain and chain[0] not in ancestors:
            chain.pop(0)
    return chain[0] if chain else None


def _inside(element: Any, stop: Any, tags: frozenset[str]) -> bool:
    for ancestor in element.iterancestors():
        if ancestor is stop:
            return False
        if ancestor.tag in tags:
            return True
    return False
