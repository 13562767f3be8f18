"""An issue published as HTML (a web page, or a feed entry's content) -> markdown, so that it
takes the same path as a markdown issue (tasks.newsletter.markdown).

A whole page's main content is found by a readability extractor (readability-lxml), then read
from the page as written (navigation, sidebars, headers, footers and forms left out): readability's
own clean-up drops lists of links and headings that are links, which in a newsletter are the
news ("Reading", "Questions"). When that part holds less than half of the page's text, the page's
body is used instead and the parse says so. The page's title is the main content's own
`<h1>` (also in its `<header>`), else the page's first `<h1>`, else its `<title>`. A fragment (a
feed entry) is all content. Headings keep their level, paragraphs, list items, quotes, code and
tables keep their shape, links keep their URLs, images their alt text.
"""

from __future__ import annotations

import copy
import logging
import re

import lxml.html
from lxml.etree import ParserError
from readability import Document

log = logging.getLogger(__name__)

_DROP = ("script", "style", "nav", "header", "footer", "noscript", "svg", "form", "head",
         "aside", "iframe", "button")  # fmt: skip
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {"p", "div", "section", "article", "main", "dd", "dt", "figcaption", "center", "td"}
#: elements that break the line where they stand, also inside a paragraph or a list item
_LINE_BREAKING = _BLOCKS | set(_HEADINGS) | {"li", "ul", "ol", "tr", "th", "table", "blockquote",
                                             "pre", "hr", "dl", "figure"}  # fmt: skip
_ESCAPE = re.compile(r"([\\`*_\[\]<>#|])")
MIN_KEPT_SHARE = 0.5


def _escape(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", " ".join(text.split()))


def _inline(element: lxml.html.HtmlElement) -> str:
    """The element's text as one markdown line: links as [text](url), images as ![alt](),
    code as `code`, everything else as its escaped text. Spaces are the page's own: a link
    followed by ", " stays "[21](url), ", never "[21](url) ,"."""
    return " ".join(_inline_parts(element).split())


def _spaced(text: str) -> str:
    """`text` escaped, its runs of white space one space (kept at the ends)."""
    return _ESCAPE.sub(r"\\\1", re.sub(r"\s+", " ", text))


def _inline_parts(element: lxml.html.HtmlElement) -> str:
    parts = [_spaced(element.text or "")]
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "a" and child.get("href", "").startswith(("http://", "https://")):
            raw = _inline_parts(child)  # "Read<a> the docs </a>today": the spaces stay outside
            label = " ".join(raw.split())
            link = f"[{label}]({child.get('href')})" if label else ""
            parts.append(_edge(raw[:1]) + link + _edge(raw[-1:]))
        elif tag == "img":
            parts.append(f"![{_escape(child.get('alt', ''))}]()")
        elif tag == "code":
            parts.append("`" + " ".join(child.text_content().split()).replace("`", "'") + "`")
        elif tag == "br":
            parts.append(" ")
        elif tag in _LINE_BREAKING:  # a block inside a line is a word of its own at least
            parts.append(f" {_inline_parts(child)} ")
        elif tag not in _DROP:
            parts.append(_inline_parts(child))
        parts.append(_spaced(child.tail or ""))
    return "".join(parts)


def _edge(char: str) -> str:
    return " " if char.isspace() else ""


def _table(table: lxml.html.HtmlElement) -> str:
    rows = [[_inline(c) for c in tr if c.tag in ("td", "th")] for tr in table.iter("tr")]
    rows = [r for r in rows if any(r)]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    lines = ["| " + " | ".join(r + [""] * (width - len(r))) + " |" for r in rows]
    return "\n".join([lines[0], "|" + "---|" * width, *lines[1:]])


def _element(el: lxml.html.HtmlElement, quote: str = "") -> list[str]:
    """Markdown paragraphs for one element (and its children)."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _DROP:
        return []
    if tag in _HEADINGS:
        return [quote + "#" * _HEADINGS[tag] + " " + _inline(el)]
    if tag == "pre":
        return [quote + "```\n" + el.text_content().strip("\n").replace("```", "'''") + "\n```"]
    if tag == "table":
        return [_table(el)]
    if tag == "li":
        return (
            [quote + "- " + _inline(el)]
            if not el.xpath(".//ul|.//ol|.//p")
            else _nested(el, quote, "- ")
        )
    if tag == "blockquote":
        return _children(el, quote + "> ") or [quote + "> " + _inline(el)]
    if tag in _BLOCKS and not _has_blocks(el):
        return [quote + _inline(el)]
    return _children(el, quote)


def _nested(el: lxml.html.HtmlElement, quote: str, bullet: str) -> list[str]:
    head = _escape(el.text or "")
    out = [quote + bullet + head] if head.strip() else []
    return out + _children(el, quote)


_BLOCK_TAGS = set(_HEADINGS) | _BLOCKS | {"pre", "table", "ul", "ol", "li", "blockquote", "p"}


def _has_blocks(el: lxml.html.HtmlElement) -> bool:
    return any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el.iterdescendants())


def _children(el: lxml.html.HtmlElement, quote: str) -> list[str]:
    out: list[str] = []
    loose = _escape(el.text or "")
    if loose.strip():
        out.append(quote + loose)
    for child in el:
        out += _element(child, quote)
        tail = _escape(child.tail or "")
        if tail.strip():
            out.append(quote + tail)
    return out


def _markdown(root: lxml.html.HtmlElement) -> str:
    paragraphs = [p for p in _element(root) if p.strip(" >-#")]
    return "\n\n".join(paragraphs).strip() + "\n"


def _words(root: lxml.html.HtmlElement) -> int:
    return len(" ".join(_element(root)).split())


def _body(page: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    bodies = page.xpath("//body")
    return bodies[0] if bodies else page


def _title(page: lxml.html.HtmlElement, main: lxml.html.HtmlElement) -> str:
    """The main content's own h1 (a site's masthead may come first), else the page's."""
    h1 = main.xpath(".//h1") or page.xpath("//body//h1")
    if h1:
        return " ".join(h1[0].text_content().split())
    titles = page.xpath("//title")
    return " ".join(titles[0].text_content().split()) if titles else ""


_MARK = "data-castwright-n"
_HIDDEN = ".//*[@hidden] | .//*[contains(translate(@style, ' ', ''), 'display:none')]"


def _main_content(page: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The page's main content as the page has it: readability names the elements (each one
    marked with its place in the page), and those are copied from the page itself, in the page's
    order, rather than from readability's cleaned-up copy; hidden elements stay out."""
    marked = copy.deepcopy(page)
    for n, el in enumerate(marked.iter()):
        if isinstance(el.tag, str):
            el.set(_MARK, str(n))
    summary = Document(lxml.html.tostring(marked, encoding="unicode")).summary(html_partial=True)
    places = lxml.html.fragment_fromstring(summary, create_parent="div").xpath(f"//@{_MARK}")
    originals = list(page.iter())
    chosen: list[lxml.html.HtmlElement] = []
    for n in sorted({int(p) for p in places if p.isdigit() and int(p) < len(originals)}):
        el = originals[n]  # in page order, so an element's ancestors come before it
        if isinstance(el.tag, str) and not any(c in el.iterancestors() for c in chosen):
            chosen.append(el)
    main = lxml.html.fragment_fromstring("<div></div>")
    main.extend(copy.deepcopy(el) for el in chosen)
    for el in main.xpath(_HIDDEN):
        el.drop_tree()
    return main


def html_to_markdown(html: str) -> str:
    """The issue's markdown: a page's main content with its title as a `#` heading, or a
    fragment as it is."""
    try:
        page = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return ""
    if not re.search(r"<(html|body)[\s>]", html[:5000], re.I):
        return _markdown(_body(page))
    body = _body(page)
    main = _main_content(page)
    if _words(main) < MIN_KEPT_SHARE * _words(body):
        log.warning("html: the readability extractor kept %d of %d words; reading the whole "
                    "page body instead", _words(main), _words(body))  # fmt: skip
        main = body
    title = _title(page, main)
    text = _markdown(main)
    if title and not re.search(r"^# ", text, re.M):
        text = f"# {_escape(title)}\n\n{text}"
    return text
