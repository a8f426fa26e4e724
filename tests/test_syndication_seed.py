"""The seed snapshot: Al Jazeera inside Firstpost is the only syndication among its articles."""

from __future__ import annotations

from crawler.syndication import SyndicationIndex
from tests.syndication.evalset import seed_texts


def test_only_aljazeera_in_firstpost_is_related() -> None:
    texts = seed_texts()
    assert len(texts) >= 20
    index = SyndicationIndex(text_of=texts.get)
    found = []
    for doc_id, text in texts.items():
        found += [(doc_id, m) for m in index.add(doc_id, text)]
    assert len(found) == 1, [(d, m.doc_id, m.relation) for d, m in found]
    doc_id, match = found[0]
    pair = {doc_id, str(match.doc_id)}
    aljazeera = next(d for d in pair if d.startswith("aljazeera-"))
    assert any(d.startswith("firstpost-") for d in pair)
    assert match.relation == "partial-copy"
    contained = doc_id if match.contained == "query" else match.doc_id
    assert contained == aljazeera
    assert 0.7 <= match.containment <= 0.9
    assert match.jaccard < 0.5
    # The shared passages are real text of both articles, at the reported spans.
    query_text, other_text = texts[doc_id], texts[str(match.doc_id)]
    assert sum(p.words for p in match.passages) > 200
    for p in match.passages:
        a = " ".join(query_text[p.a_start : p.a_end].split()).lower()
        b = " ".join(other_text[p.b_start : p.b_end].split()).lower()
        assert a.split()[:3] == b.split()[:3]
        assert a.split()[-3:] == b.split()[-3:]
