"""A small HTML tree from the standard library's parser: tags, attributes, text and where each tag sits.

Enough for what the report export and its checks need to know of an HTML fragment or page (tables and
their captions, headings, images, links), without a parsing library. Each element keeps its character
offsets in the source, so a caller can change a fragment by splicing text around an element.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["Element", "parse"]

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr"})


@dataclass(eq=False)
class Element:
    """One element: ``tag``, ``attrs``, ``children`` (elements and strings) and its span ``start:end`` in the source."""

    tag: str
    attrs: dict[str, str | None]
    start: int
    end: int = -1
    start_tag_end: int = -1
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)

    def iter(self, *tags: str) -> Iterator[Element]:
        """Every descendant element (document order), only those named ``tags`` when given."""
        for child in self.children:
            if isinstance(child, Element):
                if not tags or child.tag in tags:
                    yield child
                yield from child.iter(*tags)

    def find(self, *tags: str) -> Element | None:
        """The first descendant named one of ``tags``, or None."""
        return next(self.iter(*tags), None)

    def ancestor(self, tag: str, cls: str | None = None) -> Element | None:
        """The nearest enclosing ``tag`` (with class ``cls`` when given), or None."""
        node = self.parent
        while node is not None:
            if node.tag == tag and (cls is None or cls in (node.attrs.get("class") or "").split()):
                return node
            node = node.parent
        return None

    def text(self, sep: str = " ") -> str:
        """The element's text: its strings, each stripped, the non-empty ones joined by ``sep``."""
        parts = []
        for child in self.children:
            part = child.strip() if isinstance(child, str) else child.text(sep)
            if part:
                parts.append(part)
        return sep.join(parts)


class _Builder(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.root = Element("#document", {}, 0, len(source))
        self.stack = [self.root]
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", source))]

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _add(self, tag: str, attrs) -> Element:
        start = self._offset()
        text = self.get_starttag_text() or ""
        node = Element(tag, dict(attrs), start, start_tag_end=start + len(text), parent=self.stack[-1])
        self.stack[-1].children.append(node)
        return node

    def handle_starttag(self, tag, attrs):
        node = self._add(tag, attrs)
        if tag in VOID:
            node.end = node.start_tag_end
        else:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        node = self._add(tag, attrs)
        node.end = node.start_tag_end

    def handle_endtag(self, tag):
        if not any(n.tag == tag for n in self.stack[1:]):
            return  # a stray end tag closes nothing
        pos = self._offset()
        end = self.source.find(">", pos) + 1 or len(self.source)
        while True:
            node = self.stack.pop()
            node.end = end if node.tag == tag else pos
            if node.tag == tag:
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(source: str) -> Element:
    """The tree of ``source`` (a page or a fragment) under a ``#document`` root.

    Examples
    --------
    >>> doc = parse('<p>Før</p><table class="x"><caption>Svar &amp; n</caption><tr><td>1</td></tr></table>')
    >>> table = doc.find("table")
    >>> table.find("caption").text(), table.attrs["class"], table.start, table.end
    ('Svar & n', 'x', 10, 85)
    """
    builder = _Builder(source)
    builder.feed(source)
    builder.close()
    for node in builder.stack[1:]:
        node.end = len(source)  # elements left open end with the source
    return builder.root
