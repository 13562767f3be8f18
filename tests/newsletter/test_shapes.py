"""Document shapes the regular-expression parser got wrong (issue #24): headings inside code or
quoted prompts, plain text with heading-like lines, TOML front matter, header blocks, setext
headings, inline code and config values."""

from __future__ import annotations

from castwright.core.paths import PROJECT_ROOT
from tasks.newsletter.blocks import speakable_code
from tasks.newsletter.stage import detect_format, parse_newsletter

HOSTS = ["Ada", "Marvin"]

PLAIN_POST = """Serving a TTS model on a serverless GPU

This post is about what broke when we served a voice model in production.
Three things went wrong, and all of them were ours.

Problem 1: the cold start

A worker starts when a request arrives and loads the model, which takes a minute.

    # Fallback: local download
    ## Not a heading either
    GENERATION_TIMEOUT=180

Problem 2: the prompt

We told the model what to do in a prompt like this one, quoted here.

> ## Style
> ## Rules
> Speak plainly.

That was the whole fix.
"""


def test_plain_text_headings_are_its_short_lines_never_code_or_quotes() -> None:
    issue = parse_newsletter(PLAIN_POST, HOSTS, "post.txt")
    assert issue.format == "text" and issue.title == "Serving a TTS model on a serverless GPU"
    assert [s.title for s in issue.sections] == [
        "Serving a TTS model on a serverless GPU",  # its title and the text under it
        "Problem 1: the cold start",
        "Problem 2: the prompt",
    ]
    assert issue.left_out[0].kind == "code block"
    assert issue.left_out[0].first_words.startswith("# Fallback: local download")
    assert (
        "## Style" in issue.sections[2].body and "That was the whole fix." in issue.sections[2].body
    )


def test_markdown_headings_inside_code_and_quotes_are_not_sections() -> None:
    text = PLAIN_POST.replace("Problem 1: the cold start", "## Problem 1: the cold start").replace(
        "Problem 2: the prompt", "## Problem 2: the prompt"
    )
    issue = parse_newsletter(text, HOSTS, "post.md")
    assert [s.title for s in issue.sections] == [
        "Serving a TTS model on a serverless GPU",  # the text before the first heading
        "Problem 1: the cold start",
        "Problem 2: the prompt",
    ]
    assert issue.title == "Serving a TTS model on a serverless GPU"
    assert "Style" in issue.sections[2].body  # the quoted prompt's '##' lines are its text


def test_toml_front_matter_and_mixed_heading_levels() -> None:
    text = '+++\ntitle = "Announcing 1.0"\ndate = 2026-03-01\n+++\n\nIntro words here.\n\n## What is new\n\n# Big change\nIt is big.\n\n### Small change\nIt is small.\n'
    issue = parse_newsletter(text, HOSTS, "post.md")
    assert issue.title == "Announcing 1.0" and str(issue.date) == "2026-03-01"
    assert [s.title for s in issue.sections] == ["Announcing 1.0", "Big change", "Small change"]


def test_header_block_and_setext_headings() -> None:
    text = "Title: Weekly 7\nDate: 2026-04-02\n\nHello.\n\nNews\n====\nA thing happened.\n\nMore\n----\nAnother thing.\n"
    issue = parse_newsletter(text, HOSTS, "issue.md")
    assert issue.title == "Weekly 7" and str(issue.date) == "2026-04-02"
    assert [s.title for s in issue.sections] == ["Weekly 7", "News", "More"]
    assert parse_newsletter("Ada: I think so.\n\n## A\nb\n", HOSTS).sections[0].comments


def test_inline_code_and_config_values_are_spoken() -> None:
    assert speakable_code("GENERATION_TIMEOUT=180", "en") == "generation timeout of 180"
    assert speakable_code("GENERATION_TIMEOUT=180", "pt-BR") == "generation timeout de 180"
    assert speakable_code("maxTokens", "en") == "max tokens"
    assert speakable_code("x86_64-unknown-linux-gnu", "en") == "x86_64-unknown-linux-gnu"
    issue = parse_newsletter("## A\nSet `GENERATION_TIMEOUT=180` and `temperature: 0.5`.\n", HOSTS)
    assert issue.sections[0].body == "Set generation timeout of 180 and temperature of 0.5."


def test_format_is_sniffed_when_the_name_does_not_say() -> None:
    assert detect_format("<!doctype html><html><body><p>x</p></body></html>") == "html"
    assert detect_format("## A heading\ntext") == "markdown"
    assert detect_format("Just a few lines\n\nof plain text.") == "text"


def test_prose_without_headings_is_one_section_and_unsafe_links_keep_only_their_label() -> None:
    hostile = PROJECT_ROOT / "tests" / "data" / "hostile"
    issue = parse_newsletter((hostile / "no-structure.md").read_text(), HOSTS, "no-structure.md")
    assert [s.title for s in issue.sections] == [issue.title]
    assert issue.title.startswith("Just a paragraph of prose with no headings")
    assert "Another paragraph." in issue.sections[0].body
    injected = parse_newsletter((hostile / "injection.md").read_text(), HOSTS, "injection.md")
    assert "javascript" not in injected.sections[0].body and "click me" in injected.sections[0].body


def test_merge_notes_and_issue_numbers_are_left_out_and_listed() -> None:
    """Release notes end each item with its merge note; no host reads a commit hash aloud."""
    text = (
        "Fixes since v2.49\n-----------------\n\n"
        ' * Certain "cruft" objects would have never been refreshed, which has been\n'
        "   corrected.\n   (merge 08f612ba70 tb/multi-cruft-pack-refresh-fix later to maint).\n\n"
        " * The deadbeef cache (1990s style) is gone (#1234), see (PR #55, #66).\n"
    )
    issue = parse_newsletter(text, HOSTS, "notes.txt")
    assert issue.sections[0].body == (
        'Certain "cruft" objects would have never been refreshed, which has been corrected.\n'
        "The deadbeef cache (1990s style) is gone, see."
    )
    [listed] = [o for o in issue.left_out if o.kind == "references"]
    assert listed.section == "Fixes since v2.49"
    assert listed.first_words.startswith("(merge 08f612ba70 tb/multi-cruft-pack-refresh-fix")
    assert listed.first_words.endswith(" and 2 more")
    assert listed.words == 15  # 11 + 1 + 3, as a reader counts "tb/multi-cruft-pack-refresh-fix"


def test_a_paragraph_ends_its_sentence_and_a_european_day_does_not() -> None:
    """An HTML list item's paragraphs without a final stop must not run into the next line."""
    text = "## News\n\nImportant date: 27. Feb 2017 a branch-off is going to happen\n\nPlan ahead."
    body = parse_newsletter(text, HOSTS).sections[0].body
    assert body == "Important date: 27 Feb 2017 a branch-off is going to happen.\nPlan ahead."


def test_an_html_link_keeps_the_spacing_of_the_page() -> None:
    page = (
        "<html><head><title>Weekly</title></head><body><article><h1>Weekly</h1><h2>News</h2>"
        "<p>Since the last issue two roundups happened: <a href='https://x.org/1'>21</a>, "
        "<a href='https://x.org/2'>22</a>. Read <em>them</em> (<a href='https://x.org/3'>here</a>)."
        "</p></article></body></html>"
    )
    body = parse_newsletter(page, HOSTS, "weekly.html").sections[0].body
    assert body == "Since the last issue two roundups happened: 21, 22. Read them (here)."


def test_a_line_in_another_language_is_left_out_and_listed() -> None:
    """NixOS Weekly #03 lists a French talk; the English voice would read it with English
    phonemes. Names ("La Liga") and one-word loans stay."""
    text = (
        "## Presentations\n\n"
        "- Deploying NPM packages with the Nix package manager by Sander van der Burg.\n"
        "- NixOS - Les infrastructures immuables et la configuration déclarative by David.\n"
        "- La Liga signed a deal with the league in Spain.\n"
    )
    issue = parse_newsletter(text, HOSTS)
    assert "Les infrastructures" not in issue.sections[0].body
    assert "La Liga signed" in issue.sections[0].body and "Sander" in issue.sections[0].body
    [listed] = [o for o in issue.left_out if o.kind == "another language"]
    assert listed.first_words.startswith("(French) NixOS - Les infrastructures")
    pt = parse_newsletter(
        "## Modelo\n\nO modelo fala bem.\n\nThe model was trained on the data and it is fast.\n\n"
        'Leia "The State of the Octoverse" no blog do GitHub.\n\n'
        "O relatório do GitHub, chamado\n\"The State of the Octoverse and the Future of AI\",\n"
        "mostra que o uso cresceu.\n\n"  # a wrapped paragraph is judged whole
        "Novo curso: Introduction to the Theory of Computation\n",
        ["Ana", "Bruno"], language="pt-BR",
    )  # fmt: skip
    assert pt.sections[0].body.count("\n") == 5 and "The model" not in pt.sections[0].body
    left = [o.first_words for o in pt.left_out]
    assert left == ["(English) The model was trained on the data and ..."]
    english = parse_newsletter(
        "## A\n\nDoS attacks on .com and .de domains.\n\nNew: La Croix, Les Paul.\n", HOSTS
    )
    assert not english.left_out


def test_the_authors_come_from_the_front_matter() -> None:
    """Hugo's TOML `authors` (Rust's blog), the Go blog's YAML `by:` list, a plain `author`."""
    toml = (
        '+++\ntitle = "Announcing Rust 1.90.0"\nauthors = ["The Rust Release Team"]\n+++\n\nText.\n'
    )
    assert parse_newsletter(toml, HOSTS, "post.md").authors == ["The Rust Release Team"]
    yaml_by = "---\ntitle: Go\nby:\n- Russ Cox\n- Rob Pike\n---\n\nText.\n"
    assert parse_newsletter(yaml_by, HOSTS, "post.md").authors == ["Russ Cox", "Rob Pike"]
    odd = "---\ntitle: T\nauthor: 42\n---\n\nText.\n"  # not a name: no by-line
    assert parse_newsletter(odd, HOSTS, "post.md").authors == []
    entries = (
        "---\ntitle: T\nauthors:\n- name: Russ Cox\n- Russ Cox <rsc@golang.org>\n---\n\nText.\n"
    )
    assert parse_newsletter(entries, HOSTS, "post.md").authors == ["Russ Cox"]
    header = "Title: Weekly 7\nAuthor: Jane Doe\n\nText.\n"
    assert parse_newsletter(header, HOSTS, "post.md").authors == ["Jane Doe"]
