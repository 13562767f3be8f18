"""Lines written in another language than the show's: "NixOS - Les infrastructures immuables et
la configuration déclarative by David Sferruzza." in an English newsletter. The show's voice and
its clip check speak one language; such a line is left out (and listed), not read with the wrong
phonemes.

A line is in another language when it holds at least MIN_FOREIGN of that language's most common
small words (articles, conjunctions, prepositions), counting none the show's language shares, and
more of them than of the show's own small words. Lexical and conservative: a name ("La Liga") or
one quoted phrase stays; a whole sentence in French does not.
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


def foreign_language(line: str, language: str) -> str | None:
    """The language `line` is written in when it is not the show's `language`, else None."""
    words = [w.casefold() for w in _WORD.findall(line)]
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
