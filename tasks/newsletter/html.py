"""Just enough HTML -> markdown for a newsletter issue published as a web page.

Headings become `#` lines, paragraphs and list items become lines, links keep their URLs,
blockquotes keep their `>`; scripts, styles, navigation and images are dropped.
"""

from __future__ import annotations

from html.parser import HTMLParser

_SKIP = {"script", "style", "nav", "header", "footer", "noscript", "svg", "form", "head"}
_BLOCK = {"p", "div", "section", "article", "br", "tr", "table", "ul", "ol", "pre"}


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0
        self.href: str | None = None
        self.link_text: list[str] = []
        self.quote = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        elif self.skip_depth:
            return
        elif tag in {"h1", "h2", "h3", "h4"}:
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag == "blockquote":
            self.quote = True
            self.out.append("\n\n> ")
        elif tag in _BLOCK:
            self.out.append("\n\n> " if self.quote else "\n\n")
        elif tag == "a":
            self.href = dict(attrs).get("href")
            self.link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif self.skip_depth:
            return
        elif tag == "a" and self.href is not None:
            text = "".join(self.link_text).strip()
            url = self.href
            self.out.append(
                f"[{text}]({url})" if text and url.startswith(("http://", "https://")) else text
            )
            self.href = None
        elif tag == "blockquote":
            self.quote = False
        elif tag in {"h1", "h2", "h3", "h4"}:
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        text = " ".join(data.split())
        if not text:
            return
        if self.href is not None:
            self.link_text.append(text + " ")
        else:
            self.out.append(text + " ")


def html_to_markdown(html: str) -> str:
    converter = _Converter()
    converter.feed(html)
    converter.close()
    lines = [line.rstrip() for line in "".join(converter.out).splitlines()]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n"
