"""Write the README's configuration table from the settings table (``crawler/config/table.py``).

Run after adding or changing a setting: ``.venv/bin/python tools/settings_table.py``.
``tests/test_docs_settings.py`` fails while the README and the table differ.
"""

from __future__ import annotations

from pathlib import Path

from crawler.config.docs import replace_table

README = Path(__file__).resolve().parent.parent / "README.md"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    updated = replace_table(text)
    if updated != text:
        README.write_text(updated, encoding="utf-8")
        print(f"{README}: settings table rewritten")
    else:
        print(f"{README}: settings table already current")


if __name__ == "__main__":
    main()
