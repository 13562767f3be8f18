"""The conversation report, the skeleton that sounds like two people, and the opinion check that
judges substance and stance, not delivery."""

from __future__ import annotations

import re

import pytest

from castwright.core.config import ShowConfig, load_show
from castwright.core.models import Comment, Newsletter, Script, Section, Turn
from castwright.core.paths import DEFAULT_NEWSLETTER, DEFAULT_SHOW, EXAMPLES_DIR, PROJECT_ROOT
from castwright.core.text import sentences
from tasks.newsletter.stage import load_newsletter
from tasks.script.checks import repeated_sentences
from tasks.script.conversation import conversation_report, count_markers
from tasks.script.echo import continue_sentence, key_span, number_echo, section_names
from tasks.script.facts import news_sentences
from tasks.script.gate import check_script
from tasks.script.length import estimate_minutes
from tasks.script.normalize import spoken_title
from tasks.script.opinions import check_opinions, judge
from tasks.script.person import in_first_person
from tasks.script.persona import marker_forms, persona_markers
from tasks.script.skeleton import Rotation, build_skeleton, load_phrases

SHOW = load_show(DEFAULT_SHOW)
HOSTS = SHOW.host_names
ISSUE = load_newsletter(DEFAULT_NEWSLETTER, HOSTS)
ENERGY = load_newsletter(EXAMPLES_DIR / "newsletter-energy.md", HOSTS)
PERSONAS = {h.name: h.persona for h in SHOW.hosts}
REALWORLD = PROJECT_ROOT / "tests" / "fixtures" / "realworld"


def skeleton_script(issue: Newsletter, show: ShowConfig = SHOW) -> Script:
    """The embedded path's script when the LLM writes nothing usable: every gap takes the code's
    own line (the worst case for liveliness: no model line at all)."""
    turns, rotation = [], Rotation(show, issue.sections)
    topics = [s.title for s in issue.sections]
    for i, section in enumerate(issue.sections, 1):
        lines = build_skeleton(section, i, len(issue.sections), show, issue.title, topics, rotation,
                               authors=issue.authors)  # fmt: skip
        for line in lines:
            text = line.text or line.fallback
            if text:
                turns.append(Turn(id=f"t{len(turns) + 1:03d}", speaker=line.speaker, text=text,
                                  section=section.id))  # fmt: skip
    return Script(turns=turns)


def report_of(issue: Newsletter, script: Script, show: ShowConfig = SHOW):  # type: ignore[no-untyped-def]
    rows = check_opinions(issue, script, show.host_names, show.language)
    personas = {h.name: h.persona for h in show.hosts}
    return conversation_report(issue, script, personas, rows, show.language)


# --- persona markers ------------------------------------------------------------------------


def test_markers_are_the_quotes_a_persona_asks_for_not_the_ones_it_forbids() -> None:
    assert marker_forms(PERSONAS["Ada"]) == ("Look,", "Here is the thing:", "Right.", "Sure.")
    assert persona_markers(PERSONAS["Marvin"]) == ("Well", "Hmm, so", "I mean", "you know")
    # "never uses fillers like "um" or "you know"": what Ada must not say is no marker of hers
    assert "you know" not in persona_markers(PERSONAS["Ada"])
    two = 'She states her point first ("This matters. Here is why."). She never says "um".'
    assert marker_forms(two) == ("This matters.", "Here is why.")


def test_markers_are_counted_as_words_not_inside_other_words() -> None:
    markers = persona_markers(PERSONAS["Marvin"])
    assert count_markers("Well, hmm, so, I mean, you know it.", markers) == 4
    assert count_markers("It went well. The farewell. Hmm so.", markers) == 1  # "Hmm so" opens


# --- the embedded skeleton sounds like two people -------------------------------------------


@pytest.mark.parametrize("issue", [ISSUE, ENERGY], ids=["weekly-signal", "grid-notes"])
def test_the_skeleton_alone_is_a_conversation(issue: Newsletter) -> None:
    script = skeleton_script(issue)
    talk = report_of(issue, script)
    assert talk.stock_share <= 0.20, talk.stock_turns
    assert talk.top_phrase_count <= 2, talk.top_phrase
    assert talk.handover_share <= 0.5
    assert talk.longest_run_words <= 90
    assert all(not d.sections_without for d in talk.delivery), talk.delivery
    assert all(d.marker_count > 0 for d in talk.delivery)
    markers = [m for persona in PERSONAS.values() for m in persona_markers(persona)]
    assert repeated_sentences(script.turns, markers) == []
    # both hosts tell the news: each section's news has lines by both
    for section in issue.sections:
        tellers = {t.speaker for t in script.turns if t.section == section.id}
        assert tellers == set(HOSTS)


def test_the_skeleton_keeps_every_fact_and_every_opinion_by_its_host() -> None:
    script = skeleton_script(ISSUE)
    report = check_script(ISSUE, script, SHOW)
    assert all(c.percent == 100 for c in report.coverage)
    assert {r.status for r in report.opinions} == {"kept"}


def test_no_lead_in_stacks_on_a_transition() -> None:
    """LWKD (a real newsletter, no host comments) gave Ada "Here is the thing: next: Introduce
    Node Lifecycle Conditions": her marker on the line that carries the transition."""
    phrases = load_phrases("en")
    leads = [p.split("{title}")[0].strip() for p in phrases.first + phrases.next]
    colon_markers = [m for m in marker_forms(PERSONAS["Ada"]) if m.endswith(":")]
    stacks = [f"{m} {lead}".lower() for m in colon_markers for lead in leads]
    lwkd = load_newsletter(REALWORLD / "lwkd-2026-07-12.md", HOSTS)
    for issue in (lwkd, ISSUE, ENERGY):
        said = [t.text.lower() for t in skeleton_script(issue).turns]
        assert [t for t in said if t.startswith(tuple(stacks))] == []


def test_real_newsletters_read_as_said_not_as_stitched() -> None:
    """From the published corpus episodes: Haskell Weekly's first line is its first section's
    title and was said twice in a row; Go's blog had "What's more, but why open source Go?" and
    "Well, google's primary role" (a name at a sentence's start, seen inside one elsewhere)."""
    haskell = load_newsletter(REALWORLD / "haskell-weekly-538.md", HOSTS)
    said = " ".join(t.text for t in skeleton_script(haskell).turns)
    # the welcome and "first up" say it; neither the rundown nor the news say it again
    assert said.count("Welcome to another issue of Haskell Weekly!") == 2
    assert "Today: Featured, In brief, Show & tell" in said
    go = load_newsletter(REALWORLD / "go-open-source.md", HOSTS)
    lines = [t.text for t in skeleton_script(go).turns]
    takes = [p.split("{news}")[0] for p in load_phrases("en").takes]
    assert not [ln for ln in lines for p in takes if ln.startswith(p) and
                ln[len(p):].split(" ")[0].lower() in {"but", "and", "so"}]  # fmt: skip
    assert not [ln for ln in lines if re.search(r"\bgoogle", ln)]
    leads = ("Well", "Hmm, so", "I mean", "you know", "Look", "Here is the thing")
    linked = [
        ln for ln in lines if re.match(rf"(?:{'|'.join(leads)})[,:] (?:but|and|so) ", ln, re.I)
    ]
    assert linked == []  # "Here is the thing: but we also opened our development process"


def test_no_i_read_that_before_a_release_notes_command() -> None:
    """Git's release notes: Marvin said "I read that fix lockfile contention in reftable code"."""
    git = load_newsletter(REALWORLD / "git-2.50.0-relnotes.txt", HOSTS)
    lines = [t.text for t in skeleton_script(git).turns]
    commands = [ln for ln in lines if re.search(r"\b(?:that|read,) (?:fix|teach|make|reduce) ", ln)]
    assert commands == []
    assert any(re.match(r"(?:There's more|And here's a detail|And get this): (?:fix|teach|make)", ln)
               for ln in lines)  # fmt: skip


def test_lead_ins_and_bylines_fit_what_follows() -> None:
    from tasks.script.echo import lead_ins_for, with_byline

    assert lead_ins_for("Fix it now.", ["I read that {news}"], "en") == ["{news}"]
    assert lead_ins_for("But why?", ["Plus, {news}"], "en") == ["{news}"]
    assert with_byline("What is new in Go?", ", by Russ Cox") == "What is new in Go? By Russ Cox"
    assert with_byline("Go at Google", ", by Russ Cox") == "Go at Google, by Russ Cox"


def test_a_blog_posts_i_is_its_authors_never_a_hosts() -> None:
    """Go's blog: Ada said "I am the tech lead for the Go project and the Go team at Google".
    The welcome names the author; the news says "they"; the hosts' comments keep their "I"."""
    go = load_newsletter(REALWORLD / "go-open-source.md", HOSTS)
    assert go.authors == ["Russ Cox"]
    lines = [t.text for t in skeleton_script(go).turns]
    assert (
        lines[0]
        == "Welcome to The Weekly Signal. This week: Go, Open Source, Community, by Russ Cox."
    )
    said = " ".join(lines)
    assert "They are the tech lead for the Go project and the Go team at Google." in said
    first_person = [s for sec in go.sections for s in news_sentences(sec) if in_first_person(s)]
    assert len(first_person) > 10 and not [s for s in first_person if s in said]
    comments = [c.text for sec in ISSUE.sections for c in sec.comments if in_first_person(c.text)]
    said = " ".join(t.text for t in skeleton_script(ISSUE).turns)
    assert comments and all(s in said for c in comments for s in sentences(c))  # Marvin's "I am"


@pytest.mark.parametrize(
    ("sentence", "names", "continued"),
    [
        ("The deadline moved.", set(), "the deadline moved."),
        ("Google's primary role is to enable.", {"Google"}, "Google's primary role is to enable."),
        ("API users wait.", set(), "API users wait."),
        # NixOS Weekly: "I read that mar twenty-two": a lower-cased month is no date to speak
        ("Mar 22, 2017, Munich NixOS Meetup.", set(), "Mar 22, 2017, Munich NixOS Meetup."),
    ],
)
def test_a_sentence_continues_with_its_names_capitalized(
    sentence: str, names: set[str], continued: str
) -> None:
    assert continue_sentence(sentence, names) == continued


def test_names_are_capitalized_words_that_are_no_function_words() -> None:
    # akita-tts (pt-BR) had "E Com uma voz fine-tuned": "Com" after a colon counted as a name
    names = section_names(["Dica: Com uma voz treinada, use o Qwen.", "Com isso, a dica vale."])
    assert names == {"Qwen"}
    # a word that only ever starts a sentence and is never written in lower case is a name
    texts = ["John Darrington will give a talk. After that, we eat.", "We meet after six."]
    assert section_names(texts) == {"John", "Darrington"}
    # ... and before another capitalized word: "Fundamentally, Go must be open" names only Go
    assert section_names(["Fundamentally, Go must be open.", "It is open."]) == {"Go"}
    # the pronoun is no second name, nor is a sentence's opening "-ing" verb a first one: Go's
    # and NixOS Weekly's hosts said "Look, Today I want" and "Plus, Having NixOS already"; an
    # "-ing" name is one where the issue writes it inside a sentence
    texts = [
        "Today I want to share.",
        "Having NixOS already is a step.",
        "Boeing flew. It was Boeing.",
    ]
    assert section_names(texts) == {"NixOS", "Boeing"}


def test_the_other_host_asks_about_a_number_with_the_number() -> None:
    script = skeleton_script(ISSUE)
    questions = [t.text for t in script.turns if t.text.endswith("?")]
    assert "Did you say forty percent?" in questions or any(
        "two hundred startups" in q for q in questions
    )
    assert not any(q in load_phrases("en").segues for q in questions)


def _section(n: int) -> Section:
    cities = ["Oslo", "Lisbon", "Quito", "Hanoi", "Accra", "Perth", "Lima", "Riga", "Tunis",
              "Kyoto", "Porto", "Dakar"]  # fmt: skip
    city, k = cities[n], n + 2
    body = (f"The city of {city} opened {k} new libraries this year. Each library in {city} lends "
            f"tools and laptops as well as books. Visits grew by {k * 5} percent in the first "
            f"month. The council will decide in spring whether {city} builds {k + 1} more.")  # fmt: skip
    return Section(id=f"s{n}", title=f"Libraries in {city}", body=body, comments=[
        Comment(host="Ada", text=f"Libraries are the best public money {city} spends. Build "
                                 f"{k + 1} more in {city}."),
        Comment(host="Marvin", text=f"Laptops in {city} sound nice. Who repairs them in {city}?"),
    ])  # fmt: skip


def test_a_thirty_minute_episode_of_twelve_sections_says_no_fixed_line_more_than_twice() -> None:
    issue = Newsletter(title="Twelve cities", source_sha256="0",
                       sections=[_section(n) for n in range(12)])  # fmt: skip
    script = skeleton_script(issue)
    talk = report_of(issue, script)
    assert talk.top_phrase_count <= 2, talk.top_phrase
    assert talk.stock_share <= 0.20 and talk.handover_share <= 0.5
    assert all(not d.sections_without for d in talk.delivery)
    markers = [m for persona in PERSONAS.values() for m in persona_markers(persona)]
    assert repeated_sentences(script.turns, markers) == []


def test_a_reading_with_a_form_around_it_is_reported_and_fails_the_bars() -> None:
    """The newsletter read aloud by one host, stock segues between chunks, the same hand-over
    before every comment: each bar the show sets catches it, and the reason is named."""
    turns: list[tuple[str, str, str]] = []
    for section in ISSUE.sections:
        for sentence in section.body.split(". "):
            turns += [("Ada", sentence.strip() + ".", section.id),
                      ("Marvin", "Go on, what else is there?", section.id)]  # fmt: skip
        for comment in section.comments:
            asker = "Marvin" if comment.host == "Ada" else "Ada"
            turns += [(asker, f"{comment.host}, what's your take?", section.id),
                      (comment.host, comment.text, section.id)]  # fmt: skip
    script = Script(turns=[Turn(id=f"t{i:03d}", speaker=s, text=t, section=sid)
                           for i, (s, t, sid) in enumerate(turns, 1)])  # fmt: skip
    show = SHOW.model_copy(deep=True)
    show.script.target_minutes = round(estimate_minutes(script, show), 2)
    gate = show.script.gate
    gate.max_stock_share, gate.max_phrase_repeats, gate.max_handover_share = 0.2, 2, 0.5
    gate.max_verbatim_share, gate.max_run_words, gate.markers_in_sections = 0.2, 90, True
    show.script.gate.allow_repeats = True
    report = check_script(ISSUE, script, show)
    talk = report.conversation
    assert talk is not None
    assert talk.stock_share > 0.3 and talk.handover_share == 1.0
    assert talk.top_phrase == "go on what else is there" and talk.top_phrase_count > 2
    assert talk.verbatim_share > 0.8
    failures = "\n".join(report.failures)
    for reason in ("stock lines", "follow a hand-over question", "read word for word",
                   '"go on what else is there" said', "uses none of the persona's markers"):  # fmt: skip
        assert reason in failures


@pytest.mark.parametrize(
    ("before", "counted"),
    [("Marvin, what's your take?", True), ("Go ahead, Marvin.", True), ("Over to you, Marvin.", True),
     ("Right.", False), ("Marvin told me last week that the survey was run by two hundred startups.", False)],
)  # fmt: skip
def test_a_hand_over_is_a_question_or_a_short_line_naming_the_next_host(
    before: str, counted: bool
) -> None:
    section = ISSUE.sections[1]
    marvin = section.comments[1]
    turns = [("Marvin", section.body, section.id), ("Ada", before, section.id),
             (marvin.host, marvin.text, section.id)]  # fmt: skip
    script = Script(turns=[Turn(id=f"t{i}", speaker=s, text=t, section=sid)
                           for i, (s, t, sid) in enumerate(turns, 1)])  # fmt: skip
    issue = ISSUE.model_copy(
        update={"sections": [section.model_copy(update={"comments": [marvin]})]}
    )
    talk = check_script(issue, script, SHOW).conversation
    assert talk is not None and talk.handover_share == (1.0 if counted else 0.0)


@pytest.mark.parametrize(
    "body",
    ["Three vendors shipped small language models this week that run on an ordinary laptop.",
     "Three vendors shipped small language models this week. They run on an ordinary laptop."],
)  # fmt: skip
def test_a_short_story_without_comments_is_told_by_both_hosts(body: str) -> None:
    section = Section(id="s2", title="Small models", body=body)
    lines = build_skeleton(section, 2, 3, SHOW, ISSUE.title, ["A", "Small models", "C"])
    speakers = {ln.speaker for ln in lines if ln.kind != "open"}
    assert speakers == set(HOSTS), [(ln.speaker, ln.text or ln.fallback) for ln in lines]
    said = [ln.text or ln.fallback for ln in lines]
    assert all(said), said  # every line has words even when the model writes nothing usable


def test_the_host_who_ended_a_story_does_not_open_the_next() -> None:
    section = ISSUE.sections[1]  # position 2: Marvin would present it
    usual = build_skeleton(section, 2, 4, SHOW, ISSUE.title, [s.title for s in ISSUE.sections])
    after_marvin = build_skeleton(section, 2, 4, SHOW, ISSUE.title, [s.title for s in ISSUE.sections],
                                  last_speaker="Marvin")  # fmt: skip
    assert usual[0].speaker == "Marvin" and after_marvin[0].speaker == "Ada"
    assert after_marvin[0].text.startswith(usual[0].text.split(":")[0])  # the same transition


def test_the_report_is_in_the_markdown_and_the_summary() -> None:
    from tasks.script.gate import report_markdown_text, report_summary

    report = check_script(ISSUE, skeleton_script(ISSUE), SHOW)
    text = report_markdown_text(report)
    assert "## Conversation" in text and "persona's markers" in text
    assert "stock turns" in report_summary(report) and "longest run" in report_summary(report)


# --- the opinion check judges substance and stance, not surface -----------------------------

LOGS = "Honestly, most of that money is logs nobody reads. Delete them before you call your vendor."
LAPTOP = "I am less excited. They still invent facts, and a confident wrong answer is still wrong."


def _status(comment: str, said: str, speaker: str = "Marvin") -> str:
    turn = Turn(id="t1", speaker=speaker, text=said, section="s")
    return judge(Comment(host="Marvin", text=comment), "s", [turn], "Ada").status


@pytest.mark.parametrize(
    ("comment", "delivery"),
    [
        (LOGS, "Well, honestly, most of that money is, I mean, logs nobody reads. I once found, "
               "well, no, a client found three years of logs nobody opened. Delete them before "
               "you call your vendor."),  # a self-correction and an example: delivery
        (LOGS, "Hmm, so, most of that money is logs nobody reads, you know. Delete them, no, "
               "wait, delete them before you call your vendor."),
        (LAPTOP, "Hmm, so, I am, well, less excited. They still invent facts, you know, and a "
                 "confident wrong answer is, I mean, still wrong."),
    ],
)  # fmt: skip
def test_fillers_hesitations_and_self_corrections_are_delivery(comment: str, delivery: str) -> None:
    assert _status(comment, delivery) == "kept"


@pytest.mark.parametrize(
    ("comment", "flip"),
    [
        (LOGS, "Honestly, most of that money is logs everybody reads. Delete them before you "
               "call your vendor."),  # a dropped negation
        (LOGS, "Honestly, most of that money is logs nobody reads. Don't delete them before you "
               "call your vendor."),  # an added negation
        (LOGS, "Honestly, most of that money is logs nobody reads. Delete them before you call "
               "your vendor. Or not."),  # a bare negation added
        (LAPTOP, "I am less excited. They no longer invent facts, and a confident wrong answer "
                 "is still wrong."),  # a reversal
        (LAPTOP, "I am less excited. They hardly invent facts, and a confident wrong answer is "
                 "still wrong."),  # a negation by "hardly"
    ],
)  # fmt: skip
def test_a_real_reversal_still_fails(comment: str, flip: str) -> None:
    assert _status(comment, flip) == "flipped"


def test_a_comment_moved_to_the_other_host_still_fails() -> None:
    assert _status(LOGS, LOGS, speaker="Ada") == "wrong-host"


def test_an_inflected_word_tells_its_fact() -> None:
    """A real stemmer: "summarize" in the script tells the news's "summarizing"."""
    from tasks.script.facts import section_coverage

    section = Section(id="s", title="t", body="Early tests show them summarizing e-mail.")
    turn = Turn(id="t1", speaker="Ada", text="Tests show they summarize e-mail early.", section="s")
    assert section_coverage(section, [turn]).missing == []


def test_a_claim_and_its_negation_side_by_side_is_a_flip_whatever_the_order() -> None:
    comment = "Open models are good enough for most teams."
    both = ("Open models are good enough for most teams. Well, no, open models are not good "
            "enough for most teams.")  # fmt: skip
    swapped = " ".join(reversed(both.split(". ", 1)))
    assert _status(comment, both) == _status(comment, swapped) == "flipped"


def test_a_question_before_the_answer_is_no_flip() -> None:
    comment = "I don't think the rollout is worth it."
    assert _status(comment, "Is the rollout worth it? Honestly, I don't think so, no.") != "flipped"


def test_portuguese_words_match_before_their_accents_are_folded() -> None:
    from tasks.script.opinions import coverage

    assert coverage("As regulações são uma bobagem.", "A regulação é uma bobagem.", "pt-BR") == 100


def test_a_portuguese_new_is_no_invented_nine() -> None:
    """The Portuguese stemmer makes "nove" and "nova" one stem; numbers compare unstemmed."""
    from tasks.script.checks import invented_numbers

    section = Section(id="s", title="Lei", body="O governo aprovou a lei em março.")
    assert not invented_numbers("É uma lei nova, com um novo prazo.", section, "pt-BR")
    assert invented_numbers("A lei tem nove artigos.", section, "pt-BR")


def test_markers_count_where_they_open_a_sentence_or_clause() -> None:
    markers = ("Well", "Right", "Sure")
    assert count_markers("The model works well and it looks right.", markers) == 0
    assert count_markers("Well, it works. Right, sure.", markers) == 3
    assert marker_forms('She uses "—" and "Well," often.') == ("Well,",)
    assert marker_forms('Ada never says "um." She ends with "Right."') == ("Right.",)


@pytest.mark.parametrize(
    ("text", "echo"),
    [
        ("Forty percent of 200 startups pay", "forty percent"),
        ("It costs 3.5 million euros", "three point five million euros"),
        ("We saw 1,500 users, and 2 of them left", "one thousand five hundred users"),
        # a number that names something is no count; what is counted stays in its clause
        ("Here are two. Last year, on RedMonk.com, Donnie wrote", None),
        ("sites that supply P4, Git-LFS, and JGit", None),
        ("PR 139993 and Rust 1.90.0 add 5 conditions", "five conditions"),
        ("linked to KEP-5055, this milestone", None),
        ("Go 1.25 ships 3 new features", "three new features"),  # a version counts nothing
        ("139993: Introduce 4 conditions", "four conditions"),
        ("The repo hit 50000 stars", "fifty thousand stars"),
        ("five patches against the GHC source tree", "five patches"),  # Haskell Weekly
        ("the target is now a tier 2 target with 3 hosts", "three hosts"),  # Rust: "two target?"
        ("Important date: 27 Feb 2017 a branch-off", None),  # NixOS: "did you say twenty seventh?"
        ("On March 22, 2017, 40 people met", "forty people met"),
        ("3 maintainers and 5 outages", "three maintainers"),  # "Mar" is no month inside a word
        ("The repo hit 2000 stars", "two thousand stars"),  # a number like a year still counts
    ],
)
def test_a_number_echo_is_a_count_said_within_its_clause(text: str, echo: str | None) -> None:
    assert number_echo(text, "en") == echo


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Good rules. Teachers stay in charge.", "Good rules"),
        ("They blame the deadline for everything.", "the deadline"),
        # a phrase ends at a clause mark: LWKD's hosts said "Okay, the core API including, noted."
        ("rthallisey added conditions into the core API, including Drained.", "the core API"),
        ("It is not a winter.", None),  # never a span from a negated sentence
    ],
)
def test_a_key_span_is_a_phrase_within_its_clause(text: str, span: str | None) -> None:
    assert key_span(text, "en") == span


@pytest.mark.parametrize(
    ("title", "spoken"),
    [
        ("140333: Update etcd to v3.7.0", "Update etcd to v3.7.0"),
        ("#03 - Better Late Than Never", "Better Late Than Never"),
        ("PR #1234: Fix it.", "Fix it"),
        ("2026: the year of Rust", "2026: the year of Rust"),
    ],
)
def test_a_section_title_is_said_without_its_pr_number(title: str, spoken: str) -> None:
    assert spoken_title(title) == spoken


def test_a_lead_in_keeps_i_capital_and_a_title_ends_once() -> None:
    assert (
        continue_sentence("I've added a clock parameter.", set()) == "I've added a clock parameter."
    )
    assert continue_sentence("Ideas matter.", set()) == "ideas matter."
    section = Section(
        id="s1", title="Why Go?", body="Go is an attempt to make programmers productive."
    )
    lines = build_skeleton(section, 1, 1, SHOW, "Go at Google", topics=["Why Go?"])
    assert all("?." not in line.text for line in lines)
    assert any("first up: Why Go? Go is" in line.text for line in lines)
