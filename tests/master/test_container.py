"""The MP3 as players see it: ffprobe for stream and chapters, mutagen for the ID3 tags."""

from __future__ import annotations

from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from tests.master.conftest import COVER, TITLES, Mastered, ffprobe


def test_stream_is_44k1_cbr_192k(mastered: Mastered) -> None:
    probe = ffprobe(mastered.result.mp3)
    (stream,) = [s for s in probe["streams"] if s["codec_type"] == "audio"]
    assert stream["codec_name"] == "mp3"
    (picture,) = [s for s in probe["streams"] if s["codec_type"] == "video"]
    assert picture["disposition"]["attached_pic"] == 1
    assert (stream["sample_rate"], stream["channels"], stream["bit_rate"]) == ("44100", 1, "192000")
    info = MP3(mastered.result.mp3).info
    assert info is not None
    assert info.bitrate_mode == BitrateMode.CBR and info.bitrate == 192000
    assert float(probe["format"]["duration"]) >= mastered.result.duration_s - 0.03
    assert len(mastered.decoded) / 44100 == mastered.result.duration_s


def test_chapters_start_at_each_sections_first_turn(mastered: Mastered) -> None:
    chapters = ffprobe(mastered.result.mp3)["chapters"]
    assert [c["tags"]["title"] for c in chapters] == list(TITLES.values())
    firsts = [
        turn for i, (clip, turn) in enumerate(zip(mastered.clips, mastered.turns, strict=True))
        if i == 0 or clip.section != mastered.clips[i - 1].section
    ]  # fmt: skip
    for chapter, (onset, _) in zip(chapters, firsts, strict=True):
        assert abs(float(chapter["start_time"]) - onset) <= 0.05
    for chapter, nxt in zip(chapters, chapters[1:], strict=False):
        assert chapter["end_time"] == nxt["start_time"]
    assert abs(float(chapters[-1]["end_time"]) - mastered.result.duration_s) <= 0.002


def test_id3_tags_and_cover(mastered: Mastered) -> None:
    id3 = ID3(mastered.result.mp3)
    assert str(id3["TIT2"]) == "Small models, big week"
    assert str(id3["TPE1"]) == "Ada & Ben"
    assert str(id3["TALB"]) == "Castwright Weekly"
    assert str(id3["TDRC"]) == "2026-11-16"
    assert str(id3["TCON"]) == "Podcast"
    assert id3.getall("COMM")[0].text == ["Two hosts read the week."]
    (cover,) = id3.getall("APIC")
    assert (cover.type, cover.mime, cover.data) == (3, "image/png", COVER.read_bytes())
    (toc,) = id3.getall("CTOC")
    assert len(toc.child_element_ids) == len(TITLES)


def test_only_finished_outputs_are_left(mastered: Mastered) -> None:
    names = sorted(p.name for p in mastered.result.mp3.parent.iterdir())
    assert names == ["ep.chapters.json", "ep.mp3", "ep.srt", "ep.vtt"]
