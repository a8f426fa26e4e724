"""Binary bodies served as pages are recognised by their share of bad characters."""

from __future__ import annotations

from crawler.sniff import binary_reason

PAGE = "<html><head><title>t</title></head><body><p>" + "An article. " * 50 + "</p></body></html>"


def test_a_few_stray_nul_bytes_after_the_page_do_not_make_it_binary() -> None:
    text = PAGE + "\x00\x00\x00\n"
    assert binary_reason(text.encode(), text) is None


def test_a_body_of_many_bad_characters_is_binary() -> None:
    text = "".join(f"{c}\x00" for c in PAGE)  # UTF-16 read as UTF-8: every other one is NUL
    reason = binary_reason(text.encode(), text)
    assert reason is not None
    assert "undecodable characters" in reason


def test_known_signatures_are_named() -> None:
    assert binary_reason(b"%PDF-1.7 ...", "%PDF-1.7 ...") == "PDF served as a web page"
