"""HTML message bodies (Microsoft Teams, Graph ``itemBody`` with ``contentType: html``) as plain text.

Standard library only (``html.parser``). Block elements (p, div, br, li, headings,
table rows...) end a line; character references (``&amp;``, ``&nbsp;``, ``&#128075;``)
are decoded; ``<at id="N">Name</at>`` keeps its text ("Name"); ``<emoji alt="👋">``
becomes its ``alt``; ``<attachment>`` placeholders, images, scripts and styles give
no text. Spaces are collapsed within a line and empty lines are dropped.
"""

from __future__ import annotations

from html.parser import HTMLParser

BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "blockquote", "pre", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer",
})
SILENT_TAGS = frozenset({"script", "style", "emoji", "attachment", "customemoji", "systemeventmessage"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.silent = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "emoji":
            self.parts.append(dict(attrs).get("alt") or "")
        if tag in BLOCK_TAGS:
            self.parts.append("\n")
        if tag in SILENT_TAGS:
            self.silent += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "emoji":
            self.parts.append(dict(attrs).get("alt") or "")
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SILENT_TAGS and self.silent:
            self.silent -= 1
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.silent:
            self.parts.append(data)


def html_to_text(content: str) -> str:
    """The visible text of an HTML fragment, one line per block."""
    collector = _TextCollector()
    collector.feed(content)
    collector.close()
    text = "".join(collector.parts).replace("\xa0", " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def plain_text(content: str) -> str:
    """A text body: spaces collapsed within lines, empty lines dropped (as for HTML)."""
    lines = (" ".join(line.split()) for line in content.replace("\xa0", " ").splitlines())
    return "\n".join(line for line in lines if line)
