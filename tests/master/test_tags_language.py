"""ID3 language frames follow the show's language (they were hard-coded to English)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from castwright.core.models import EpisodeTags
from tasks.master.tags import id3_language, write_id3


@pytest.mark.parametrize(("language", "code"), [("pt-BR", "por"), ("en", "eng"), ("xx", "und")])
def test_comment_and_language_frames_use_the_show_language(
    tmp_path: Path, language: str, code: str
) -> None:
    mp3 = tmp_path / "ep.mp3"
    mp3.write_bytes(b"\xff\xfb\x90\x00" + bytes(413))  # one silent MPEG frame header + payload
    tags = EpisodeTags(title="Episódio 1", artist="Ana & Bruno", album="O Sinal",
                       date=dt.date(2026, 12, 7), description="Notícias da semana.",
                       language=language)  # fmt: skip
    write_id3(mp3, tags, [])
    id3 = ID3(mp3)
    (comment,) = id3.getall("COMM")
    assert (comment.lang, comment.text) == (code, ["Notícias da semana."])
    assert str(id3["TLAN"]) == code == id3_language(language)
    assert str(id3["TIT2"]) == "Episódio 1"
