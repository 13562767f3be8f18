"""Lines written in another language than the show's: "NixOS - Les infrastructures immuables et
la configuration déclarative by David Sferruzza." in an English newsletter. The show's voice and
its clip check speak one language; such a line is left out (and listed), not read with the wrong
phonemes.

A line is in another language when it holds at least MIN_FOREIGN of that language's most common
small words (articles, conjunctions, prepositions), counting none the show's language shares, and
more of them than of the show's own small words, a paragraph or a list item at a time (a line of a
wrapped paragraph is never judged alone). Lexical and conservative: names ("La Liga", "Les
Paul"), a quoted title ("The State of the Octoverse") and domains (".de") are not counted; a
whole sentence in French is. German, whose nouns are capitalized, is mostly missed.
"""

from __future__ import annotations

import re

from tasks.script.lexicon import lexicon

MIN_FOREIGN = 3

#: the most frequent function words of the languages a newsletter quotes most
_SMALL_WORDS = {
    "French": "le la les et des du un une est dans pour que qui sur avec pas au aux ce cette "
    "sont nous vous il elle ils",
    "Spanish": "el los las del y en un una es por para con que se su al lo como más pero "
    "esta este son",
    "German": "der die das und ist nicht mit von zu den dem ein eine für auf auch sich im wir ich",
    "Italian": "il lo gli le della di che è per con non una sono del nel alla anche",
    "English": "the and of to in is that for it with as on are this be by from or an",
    "Portuguese": "o a os as e de do da dos das em no na um uma para com que não por se",
}
_LANGUAGE_NAMES = {"en": "English", "pt-BR": "Portuguese"}
_WORD = re.compile(r"[^\W\d_]+")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|«[^»]*»")
_STARTS = re.compile(r"(?:^|[-–—:.!?]\s+)$")


def _small_word_candidates(text: str) -> list[str]:
    """The words of `text` that may be small words: not in a quoted title, not part of a domain
    or a path (".de", "/com"), no inner capitals ("DoS"), capitalized only where a sentence or a
    title starts ("La Croix" and "Les Paul" inside a sentence are names), and not inside a title
    in title case ("the" and "of" in "Introduction to the Theory of Computation")."""
    text = _QUOTED.sub(" ", text)
    matches = list(_WORD.finditer(text))
    found = []
    for match, following in zip(matches, [*matches[1:], None], strict=False):
        word, before = match.group(0), text[max(0, match.start() - 1) : match.start()]
        if (before and before in "./@") or any(c.isupper() for c in word[1:]):
            continue
        if word[0].isupper() and not _STARTS.search(text[: match.start()]):
            continue
        if following is not None and following.group(0)[0].isupper():
            continue
        found.append(word.casefold())
    return found


def foreign_language(text: str, language: str) -> str | None:
    """The language `text` (a paragraph, a list item) is written in when it is not the show's
    `language`, else None."""
    words = _small_word_candidates(text)
    own_name = _LANGUAGE_NAMES.get(language, "")
    own = lexicon(language).stop_words | set(_SMALL_WORDS.get(own_name, "").split())
    own_count = sum(1 for w in words if w in own)
    best, best_count = None, 0
    for name, small in _SMALL_WORDS.items():
        if name == own_name:
            continue
        count = sum(1 for w in words if w in set(small.split()) - own)
        if count > best_count:
            best, best_count = name, count
    return best if best_count >= MIN_FOREIGN and best_count > own_count else None
