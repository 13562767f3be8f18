"""Stage 4: master the voiced turns into one tagged episode MP3, with chapters and transcripts.

The chain, each step once per clip or once per episode:
  1. every clip is read, resampled to the episode rate (mono float32), K-weighted, trimmed to a
     40 ms pad around its speech, faded at both ends and measured (loudness, true peak);
  2. each clip is gained to the target loudness, so the hosts match whatever the TTS engines gave;
  3. clips are placed with the configured pauses (shorter before short reactions, longer at a
     section change; the pause is the silence from one turn's last sound to the next one's first);
  4. an optional music bed is laid under the first and last turns;
  5. a gentle compressor, a make-up gain and a look-ahead true-peak limiter are solved on the
     per-block analysis so the episode reaches the target loudness under the peak ceiling
     (ffmpeg's loudnorm falls back to dynamic mode there and misses by ~1 LU on speech);
  6. one MP3 encode, one ebur128 measurement of the MP3 itself (re-encoded from the float mix,
     never from the MP3, if the measurement misses), then ID3 tags and chapters, transcripts.
Outputs are written atomically and content-addressed: the same inputs return the stored result.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from castwright.core.config import AudioSettings
from castwright.core.errors import AudioError
from castwright.core.models import Chapter, Clip, Cue, EpisodeTags, MasteredEpisode
from castwright.core.store import Store, atomic_file, atomic_write, content_key, file_sha256
from tasks.master.dsp import (
    BLOCKS_PER_SECOND,
    block_energy,
    block_size,
    cut,
    fade_ends,
    read_mono,
    speech_blocks,
    to_working,
    true_peak_blocks,
)
from tasks.master.ffmpeg import Loudness, encode_and_measure, find_tool, mp3_level_loss_db
from tasks.master.loudness import Dynamics, fit_gain, gated_loudness, mean_loudness
from tasks.master.mix import Layer, Mix, analyse, mix, render
from tasks.master.music import INTRO_S, OUTRO_S, music_layers
from tasks.master.tags import chapters_json, srt, webvtt, write_id3

log = logging.getLogger(__name__)

MASTER_VERSION = "1"  # bump when the output for the same inputs changes
PAD_BLOCKS = 12  # 40 ms of the clip's own audio kept before and after its speech
TRIM_REL_DB = -45.0  # speech = blocks within 45 dB of the clip's loudest block ...
TRIM_FLOOR_DBFS = -70.0  # ... and above -70 dBFS
SILENT_LUFS = -60.0  # a clip quieter than this is a failed synthesis, not a quiet line
SHORT_REACTION_WORDS = 4
SHORT_REACTION_PAUSE = 0.6  # fraction of pause_ms before a reaction of <= 4 words
TP_MARGIN_DB = 0.3  # limiter ceiling below the true-peak limit: room for MP3 overshoot
LUFS_TOLERANCE = 0.2  # re-encode when the MP3 measures further than this from the target
MAX_ENCODES = 3
HOST_SPREAD_LU = 0.3  # hosts closer than this after the dynamics are left as they are
HOST_PASSES = 4


@dataclass(frozen=True)
class Prepared:
    """One clip in the working format: pad + speech + pad, analysed per block."""

    layer: Layer  # at block 0 until the clip is laid out
    speech: int  # blocks from the first to the last sound
    lufs: float  # the clip's integrated loudness (LUFS)


def prepare_clip(clip: Clip, rate: int, fade_ms: int) -> Prepared:
    """Read, resample, trim, fade and measure one clip (see the module docstring, step 1)."""
    samples, src = read_mono(clip.path)
    audio, weighted = to_working(samples, src, rate)
    block = block_size(rate)
    on, off = speech_blocks(audio, block, TRIM_REL_DB, TRIM_FLOOR_DBFS)
    lo, hi = (on - PAD_BLOCKS) * block, (off + PAD_BLOCKS) * block
    audio, weighted = cut(audio, lo, hi), cut(weighted, lo, hi)
    fade_ends(audio, min(fade_ms * rate // 1000, PAD_BLOCKS * block))
    energy = block_energy(weighted, block)
    speech = energy[PAD_BLOCKS : PAD_BLOCKS + off - on]
    short = len(speech) < 4 * BLOCKS_PER_SECOND // 10
    lufs = mean_loudness(speech, block) if short else gated_loudness(speech, block)
    if not lufs > SILENT_LUFS:
        raise AudioError(
            f"clip {clip.turn_id} ({clip.path}) measures {lufs:.1f} LUFS: it is (nearly) silent; "
            "delete it from the clip store and re-synthesize the turn"
        )
    layer = Layer(0, audio, energy, true_peak_blocks(audio, block))
    return Prepared(layer, off - on, lufs)


def prepare_all(clips: list[Clip], rate: int, fade_ms: int) -> list[Prepared]:
    """`prepare_clip` for every clip on a few threads (numpy's FFTs and ufuncs release the GIL)."""
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda c: prepare_clip(c, rate, fade_ms), clips))


def pause_blocks(prev: Clip, clip: Clip, audio: AudioSettings) -> int:
    """Silence before `clip` in blocks (1/300 s): section_pause_ms at a section change, 60% of
    pause_ms before a reaction of <= 4 words, else pause_ms; rounded down, never up."""
    if clip.section != prev.section:
        ms = float(audio.section_pause_ms)
    elif len(clip.text.split()) <= SHORT_REACTION_WORDS:
        ms = audio.pause_ms * SHORT_REACTION_PAUSE
    else:
        ms = float(audio.pause_ms)
    return int(ms * BLOCKS_PER_SECOND // 1000)


Span = tuple[int, int]  # (onset, offset) of a turn's speech, in blocks on the episode timeline


def lay_out(
    clips: list[Clip], prepared: list[Prepared], audio: AudioSettings, first: int
) -> list[Span]:
    """(onset, offset) block of each clip's speech on the timeline; the first starts at `first`."""
    spans: list[Span] = []
    for i, (clip, prep) in enumerate(zip(clips, prepared, strict=True)):
        onset = first if i == 0 else spans[-1][1] + pause_blocks(clips[i - 1], clip, audio)
        spans.append((onset, onset + prep.speech))
    return spans


def placed(prepared: list[Prepared], spans: list[Span]) -> list[Layer]:
    """Each clip's layer moved to its span (no copy of the audio)."""
    return [
        replace(p.layer, start=on - PAD_BLOCKS) for p, (on, _) in zip(prepared, spans, strict=True)
    ]


def host_levels(energy: np.ndarray, dyn: Dynamics, clips: list[Clip], spans: list[Span],
                block: int) -> dict[str, float]:  # fmt: skip
    """Each host's loudness (LUFS) over their own turns, after make-up and dynamics."""
    after = energy * (dyn.makeup * dyn.speech) ** 2
    parts: dict[str, list[np.ndarray]] = {}
    for clip, (on, off) in zip(clips, spans, strict=True):
        parts.setdefault(clip.speaker, []).append(after[on:off])
    return {host: gated_loudness(np.concatenate(p), block) for host, p in parts.items()}


def clip_gains(
    layers: list[Layer], prepared: list[Prepared], clips: list[Clip], spans: list[Span],
    bed: tuple[np.ndarray, np.ndarray], audio: AudioSettings,
) -> list[float]:  # fmt: skip
    """Linear gain per clip: each clip to the target level, then a trim per host (dB) until the
    hosts measure within HOST_SPREAD_LU of each other after the dynamics, which squeeze a peaky
    voice more than a smooth one. Secant steps on the block analysis; no audio is touched."""
    target, ceiling = audio.target_lufs, 10 ** ((audio.true_peak_dbtp - TP_MARGIN_DB) / 20)
    block, base = block_size(audio.sample_rate), [target - p.lufs for p in prepared]
    trim = dict.fromkeys((c.speaker for c in clips), 0.0)
    slope, last = 1.0, None
    for _ in range(HOST_PASSES):
        gains = [10 ** ((b + trim[c.speaker]) / 20) for b, c in zip(base, clips, strict=True)]
        energy, peak = analyse(layers, gains, len(bed[0]))
        dyn = fit_gain(energy, peak, *bed, block, target, ceiling)
        levels = host_levels(energy, dyn, clips, spans, block)
        spread = max(levels.values()) - min(levels.values())
        if spread <= HOST_SPREAD_LU:
            break
        if last is not None and last[0] != spread:
            slope = float(np.clip((last[0] - spread) / last[1], 0.1, 1.0))
        mean = float(np.mean(list(levels.values())))
        log.info(
            "hosts at %s LUFS after dynamics; trimming", {h: round(v, 2) for h, v in levels.items()}
        )
        steps = {h: (mean - level) / slope for h, level in levels.items()}
        last = (spread, max(steps.values()) - min(steps.values()))
        trim = {h: trim[h] + steps[h] for h in trim}
    return gains


def cues_for(clips: list[Clip], spans: list[Span]) -> list[Cue]:
    """One transcript cue per turn, from its first to its last sound (seconds)."""
    sec = BLOCKS_PER_SECOND
    return [
        Cue(speaker=c.speaker, text=c.text, start_s=on / sec, end_s=off / sec)
        for c, (on, off) in zip(clips, spans, strict=True)
    ]


def chapters_for(
    cues: list[Cue], clips: list[Clip], titles: dict[str, str], end_s: float
) -> list[Chapter]:
    """A chapter per run of turns in one section, from its first turn's first sound (seconds)."""
    starts = [
        (cue.start_s, clip.section)
        for i, (cue, clip) in enumerate(zip(cues, clips, strict=True))
        if i == 0 or clip.section != clips[i - 1].section
    ]
    ends = [s for s, _ in starts[1:]] + [end_s]
    return [
        Chapter(title=titles.get(section, section), start_s=start, end_s=end)
        for (start, section), end in zip(starts, ends, strict=True)
    ]


def _log_dynamics(m: Mix, dyn: Dynamics) -> None:
    speech = m.energy > 0
    cut_db = -20 * np.log10(np.maximum(dyn.speech[speech], 1e-9)) if speech.any() else np.zeros(1)
    log.info(
        "dynamics: make-up %+.1f dB; compressor + limiter reduction median %.1f, p95 %.1f, "
        "max %.1f dB",
        20 * np.log10(dyn.makeup), *np.percentile(cut_db, [50, 95, 100]),
    )  # fmt: skip


def encode_to_target(m: Mix, audio: AudioSettings, dest: Path) -> Loudness:
    """Solve gain + limiter, encode `dest` once, measure it; correct and re-encode if it missed."""
    target, ceiling_db = audio.target_lufs, audio.true_peak_dbtp - TP_MARGIN_DB
    loss_db = 0.0
    for attempt in range(1, MAX_ENCODES + 1):
        ceiling = 10 ** (ceiling_db / 20)
        dyn = fit_gain(m.energy, m.peak, m.bed_energy, m.bed_peak, m.block, target, ceiling)
        _log_dynamics(m, dyn)
        samples = render(m, dyn)
        if attempt == 1:
            loss_db = mp3_level_loss_db(samples, audio.sample_rate, audio.bitrate_kbps)
        samples *= np.float32(10 ** (loss_db / 20))
        got = encode_and_measure(samples, audio.sample_rate, audio.bitrate_kbps, dest)
        over = got.true_peak_dbtp - audio.true_peak_dbtp
        miss = audio.target_lufs - got.integrated_lufs
        if over <= 1e-9 and abs(miss) <= LUFS_TOLERANCE + 1e-9:
            return got
        log.warning("master attempt %d measured %s; correcting", attempt, got)
        ceiling_db -= max(over, 0.0) + (0.1 if over > 0 else 0.0)
        target += miss
    raise AudioError(
        f"the mastered MP3 measures {got.integrated_lufs} LUFS / {got.true_peak_dbtp} dBTP after "
        f"{MAX_ENCODES} encodes (target {audio.target_lufs} LUFS, limit {audio.true_peak_dbtp} "
        "dBTP); check the clips for clipping or DC offset, or relax true_peak_dbtp"
    )


MASTERS = "masters"


class _MasterRecord(BaseModel):
    """What the store keeps of one master: the result, and the hash of the MP3 it describes."""

    episode: MasteredEpisode
    mp3_sha256: str


def master_key(clips: list[Clip], titles: dict[str, str], tags: EpisodeTags, audio: AudioSettings,
               music: Path | None, out_dir: Path, slug: str) -> str:  # fmt: skip
    """A hash of everything that shapes the output: clip audio and text, settings, tags, music."""
    parts = {
        "audio": audio, "titles": titles, "tags": tags, "out": [out_dir.resolve(), slug],
        "cover": file_sha256(tags.cover) if tags.cover else None,
        "music": file_sha256(music) if music else None,
        "clips": [[c.turn_id, c.speaker, c.section, c.text, file_sha256(c.path)] for c in clips],
    }  # fmt: skip
    return content_key(parts, MASTER_VERSION)


def _stored(store: Store, key: str) -> MasteredEpisode | None:
    """The stored master for `key` if its files are still there and unchanged (else a miss)."""
    record = store.get_model(MASTERS, key, _MasterRecord)
    if record is None:
        return None
    episode = record.episode
    outputs = [episode.mp3, episode.transcript_vtt, episode.transcript_srt, episode.chapters_json]
    if not all(p is not None and p.is_file() for p in outputs):
        return None
    return episode if file_sha256(episode.mp3) == record.mp3_sha256 else None


def _check_inputs(clips: list[Clip], music: Path | None) -> None:
    find_tool("ffmpeg")
    if not clips:
        raise AudioError("no clips to master: the voices stage produced nothing")
    missing = [str(c.path) for c in clips if not c.path.is_file()]
    if music is not None and not music.is_file():
        missing.append(str(music))
    if missing:
        raise AudioError(f"audio files not found: {', '.join(missing[:5])}; rerun the voices stage")


def master_episode(
    clips: list[Clip], section_titles: dict[str, str], tags: EpisodeTags, audio: AudioSettings,
    out_dir: Path, slug: str, music: Path | None = None, *, store: Store,
) -> MasteredEpisode:  # fmt: skip
    """Master `clips` (in episode order) into out_dir/{slug}.mp3 plus .vtt, .srt, .chapters.json.

    `music` is an optional intro/outro bed (any format ffmpeg reads). Loudness figures in the
    result are measured on the finished MP3 (LUFS, dBTP, LU); times are in seconds. The result is
    kept in `store` by the hash of its inputs: the same inputs again reuse the files.
    """
    _check_inputs(clips, music)
    out_dir.mkdir(parents=True, exist_ok=True)
    key = master_key(clips, section_titles, tags, audio, music, out_dir, slug)
    if (stored := _stored(store, key)) is not None:
        log.info("master: %s is up to date, reusing it", stored.mp3)
        return stored
    rate, block = audio.sample_rate, block_size(audio.sample_rate)
    prepared = prepare_all(clips, rate, audio.fade_ms)
    first = round((INTRO_S if music else 0) * BLOCKS_PER_SECOND) + PAD_BLOCKS
    spans = lay_out(clips, prepared, audio, first)
    tail = round(OUTRO_S * BLOCKS_PER_SECOND) if music else PAD_BLOCKS
    blocks = spans[-1][1] + tail
    bed = music_layers(music, rate, audio.target_lufs, first, spans[-1][1]) if music else []
    layers = placed(prepared, spans)
    bed_analysis = analyse(bed, [1.0] * len(bed), blocks)
    gains = clip_gains(layers, prepared, clips, spans, bed_analysis, audio)
    timeline = mix(layers, gains, bed, blocks, block)
    del prepared, layers
    episode = _write_outputs(timeline, clips, spans, section_titles, tags, audio, out_dir, slug)
    store.put_model(
        MASTERS, key, _MasterRecord(episode=episode, mp3_sha256=file_sha256(episode.mp3))
    )
    return episode


def _write_outputs(
    timeline: Mix, clips: list[Clip], spans: list[Span], titles: dict[str, str],
    tags: EpisodeTags, audio: AudioSettings, out_dir: Path, slug: str,
) -> MasteredEpisode:  # fmt: skip
    duration = len(timeline.energy) / BLOCKS_PER_SECOND
    cues = cues_for(clips, spans)
    chapters = chapters_for(cues, clips, titles, duration)
    mp3 = out_dir / f"{slug}.mp3"
    with atomic_file(mp3) as tmp:
        got = encode_to_target(timeline, audio, tmp)
        write_id3(tmp, tags, chapters)
    episode = MasteredEpisode(
        mp3=mp3, duration_s=duration, integrated_lufs=got.integrated_lufs,
        true_peak_dbtp=got.true_peak_dbtp, lra=got.lra, chapters=chapters, cues=cues,
        transcript_vtt=atomic_write(out_dir / f"{slug}.vtt", webvtt(cues)),
        transcript_srt=atomic_write(out_dir / f"{slug}.srt", srt(cues)),
        chapters_json=atomic_write(out_dir / f"{slug}.chapters.json", chapters_json(chapters)),
    )  # fmt: skip
    log.info("mastered %s: %.1f s, %s", mp3, duration, got)
    return episode


@task(name="master-episode", cache_policy=NO_CACHE)
def master_episode_task(
    clips: list[Clip], section_titles: dict[str, str], tags: EpisodeTags, audio: AudioSettings,
    out_dir: Path, slug: str, music: Path | None = None, *, store: Store,
) -> MasteredEpisode:  # fmt: skip
    """Prefect wrapper: mastering failures are not transient, so no retries."""
    return master_episode(clips, section_titles, tags, audio, out_dir, slug, music, store=store)
