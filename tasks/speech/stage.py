"""Stage 3: voice every turn on the TTS endpoint; each clip is Whisper-checked by the worker.

Clips are content-addressed: the key hashes the text, the voice profile, the sampling and check
parameters and the engine, so the same clip is never paid for twice (a rerun synthesizes only what
is new or failed). Transient endpoint faults are retried by Prefect; anything else fails the turn
with the endpoint's message.
"""

from __future__ import annotations

import base64
import io
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np
import soundfile as sf
from prefect import task, unmapped
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFutureList, as_completed
from prefect.tasks import exponential_backoff

from castwright.clients.factory import Clients
from castwright.clients.llm import LLMClient
from castwright.clients.tts import RunPodClient
from castwright.core.config import ShowConfig, TTSSettings, VoiceProfile, host_voice
from castwright.core.errors import (
    ClipCheckFailedError,
    ScriptError,
    SynthesisError,
    TransientServiceError,
)
from castwright.core.models import Clip, Script, Turn
from castwright.core.retry import retry_on
from castwright.core.store import Store, content_key
from castwright.core.text import pack, speech_units, with_short_joined
from tasks.script.rephrase import rephrase_turn
from tasks.script.skeleton import other_filler

log = logging.getLogger(__name__)

CLIP_FORMAT_VERSION = "1"


def job_input(turn: Turn, voice: VoiceProfile, tts: TTSSettings) -> dict[str, Any]:
    """The worker's input for one turn (see worker/README.md for the schema)."""
    payload: dict[str, Any] = {
        "text": turn.text,
        "language": voice.language,
        "engine": voice.engine,
        "mode": voice.mode,
        "voice": voice.voice,
        "speed": voice.speed,
        "n_candidates": tts.n_candidates,
        "min_score": tts.min_score,
        "max_attempts": tts.max_attempts,
    }
    if voice.sampling:
        payload["sampling"] = dict(voice.sampling)
    if voice.mode == "clone" and voice.reference_audio is not None:
        payload["reference_audio"] = base64.b64encode(voice.reference_audio.read_bytes()).decode()
        payload["reference_text"] = voice.reference_text
    return payload


CLIPS = "clips"


def clip_key(payload: dict[str, Any]) -> str:
    return content_key(payload, CLIP_FORMAT_VERSION)[:32]


def _wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def _store_clip(output: dict[str, Any], store: Store, key: str) -> float:
    """Decode the worker's audio, store it as WAV, return its measured duration in seconds."""
    try:
        audio = base64.b64decode(output["audio_base64"], validate=True)
        samples, rate = sf.read(io.BytesIO(audio), dtype="float32")
    except (KeyError, ValueError, sf.LibsndfileError) as exc:
        raise SynthesisError(f"the TTS worker returned unreadable audio: {exc}") from exc
    if len(samples) == 0:
        raise SynthesisError("the TTS worker returned empty audio")
    store.put_bytes(CLIPS, key, ".wav", _wav_bytes(samples, rate))
    return len(samples) / rate


def _clip_from(
    turn: Turn, voice: VoiceProfile, path: Path, meta: dict[str, Any], cached: bool
) -> Clip:
    return Clip(
        turn_id=turn.id, speaker=turn.speaker, section=turn.section, text=turn.text, path=path,
        duration_s=meta["duration_s"], sample_rate=meta["sample_rate"], score=meta["score"],
        attempts=meta["attempts"], engine=meta["engine"], voice=voice.name,
        worker_ms=meta.get("worker_ms", 0), cached=cached,
    )  # fmt: skip


def chunk_text(text: str, tts: TTSSettings) -> list[str]:
    """A long turn in generation-sized chunks: a shorter first one, never over the hard maximum,
    and no sentence of a few words on its own (see `with_short_joined`)."""

    def limit(i: int) -> int:
        return min(tts.chunk_first_words if i == 0 else tts.chunk_words, tts.chunk_max_words)

    return with_short_joined(
        pack(speech_units(text, tts.chunk_max_words), limit), tts.chunk_max_words
    )


def is_stored(turn: Turn, voice: VoiceProfile, tts: TTSSettings, store: Store) -> bool:
    """Whether every chunk of this turn (in the words it was voiced with) is in the clip store."""
    spoken = _rephrased(turn, voice, tts, store)
    if spoken is not None:
        turn = turn.model_copy(update={"text": spoken})
    return all(
        store.has(CLIPS, clip_key(job_input(turn.model_copy(update={"text": text}), voice, tts)),
                  ".wav", ".json")
        for text in _split(turn, voice, tts, store) or chunk_text(turn.text, tts)
    )  # fmt: skip


def _voice_piece(
    text: str,
    turn: Turn,
    voice: VoiceProfile,
    tts: TTSSettings,
    client: RunPodClient | None,
    store: Store,
) -> tuple[Path, dict[str, Any], bool]:
    """One generation from the clip store or the endpoint: (wav path, metadata, reused?)."""
    payload = job_input(turn.model_copy(update={"text": text}), voice, tts)
    key = clip_key(payload)
    wav_path, stored = store.path(CLIPS, key, ".wav"), store.get_json(CLIPS, key)
    if isinstance(stored, dict) and wav_path.is_file():
        return wav_path, stored, True
    if client is None:
        raise SynthesisError(f"turn {turn.id} has no stored clip and no TTS endpoint is open")
    output = client.run(payload)
    duration = _store_clip(output, store, key)
    metadata = output.get("metadata", {})
    meta = {
        "duration_s": round(duration, 3), "sample_rate": int(output.get("sample_rate", 0)),
        "score": float(output.get("score", 0.0)), "attempts": int(metadata.get("attempts", 1)),
        "engine": str(metadata.get("engine", voice.engine)), "transcript": output.get("transcript", ""),
        "worker_ms": int(metadata.get("generation_ms", 0)) + int(metadata.get("validation_ms", 0)),
        "metadata": metadata,
    }  # fmt: skip
    store.put_json(CLIPS, key, meta)
    return wav_path, meta, False


def crossfade_join(paths: list[Path], fade_ms: int) -> tuple[np.ndarray, int]:
    """Join chunk WAVs (same voice, same rate) with short equal-power crossfades."""
    pieces = [sf.read(str(p), dtype="float32") for p in paths]
    rate = pieces[0][1]
    if any(r != rate for _, r in pieces):
        raise SynthesisError("chunks of one turn came back at different sample rates")
    joined = pieces[0][0]
    for samples, _ in pieces[1:]:
        n = min(int(rate * fade_ms / 1000), len(joined), len(samples))
        ramp = np.linspace(0.0, np.pi / 2, n, dtype=np.float32)
        overlap = joined[len(joined) - n :] * np.cos(ramp) + samples[:n] * np.sin(ramp)
        joined = np.concatenate([joined[: len(joined) - n], overlap, samples[n:]])
    return joined, rate


def _joined_meta(metas: list[dict[str, Any]], duration: float) -> dict[str, Any]:
    return {
        "duration_s": round(duration, 3), "sample_rate": metas[0]["sample_rate"],
        "score": min(m["score"] for m in metas), "attempts": max(m["attempts"] for m in metas),
        "engine": metas[0]["engine"], "worker_ms": sum(m.get("worker_ms", 0) for m in metas),
        "chunks": len(metas),
    }  # fmt: skip


Rephraser = Callable[[Turn, str], str | None]


def synthesize_turn(
    turn: Turn, voice: VoiceProfile, tts: TTSSettings, client: RunPodClient | None, store: Store,
    rephrase: Rephraser | None = None,
) -> Clip:  # fmt: skip
    """The checked clip for one turn. When no clip of it passes the worker's check (after the
    worker's own retries with adjusted parameters), its sentences are voiced and checked one by
    one (a short one with its neighbour) and joined; when one of them still fails, the line is
    rephrased once and voiced again."""
    spoken = _rephrased(turn, voice, tts, store)
    if spoken is not None:  # an earlier run had to rephrase it: reuse those words
        clip = _voice_turn(turn.model_copy(update={"text": spoken}), voice, tts, client, store)
        return clip.model_copy(update={"rephrased_from": turn.text})
    if (sentences := _split(turn, voice, tts, store)) is not None:  # as an earlier run voiced it
        return _voice_turn(turn, voice, tts, client, store, sentences)
    try:
        return _voice_turn(turn, voice, tts, client, store)
    except ClipCheckFailedError as exc:
        failed = exc
    sentences = with_short_joined(speech_units(turn.text, tts.chunk_max_words), tts.chunk_max_words)
    if len(sentences) > 1 and sentences != chunk_text(turn.text, tts):  # voiced one by one, joined
        try:
            clip = _voice_turn(turn, voice, tts, client, store, sentences)
        except ClipCheckFailedError as exc:
            failed = exc
        else:
            log.warning("voices: %s failed the clip check whole (%s); voiced sentence by sentence",
                        turn.id, failed)  # fmt: skip
            store.put_json(CLIPS, _split_key(turn, voice, tts), {"pieces": sentences})
            return clip
    return _voice_rephrased(turn, voice, tts, client, store, rephrase, failed)


def _voice_rephrased(
    turn: Turn, voice: VoiceProfile, tts: TTSSettings, client: RunPodClient | None, store: Store,
    rephrase: Rephraser | None, exc: ClipCheckFailedError,
) -> Clip:  # fmt: skip
    """The last resort for a line the voice cannot say: the line in other words."""
    text = rephrase(turn, str(exc.details.get("transcript", ""))) if rephrase else None
    if text is None:
        raise ClipCheckFailedError(
            f"turn {turn.id} ({turn.speaker}: {turn.text[:70]!r}) never passed the clip check, "
            f"also not rephrased: {exc}. Edit the turn in script.yaml and run again with "
            "--script, or lower tts.min_score in the show file.",
            exc.details,
        ) from exc
    log.warning("voices: %s never passed the clip check (%s); voicing it rephrased", turn.id, exc)
    clip = _voice_turn(turn.model_copy(update={"text": text}), voice, tts, client, store)
    store.put_json(CLIPS, _alias_key(turn, voice, tts), {"text": text})
    return clip.model_copy(update={"rephrased_from": turn.text})


def _split_key(turn: Turn, voice: VoiceProfile, tts: TTSSettings) -> str:
    return clip_key({"by_sentence": job_input(turn, voice, tts)})


def _split(turn: Turn, voice: VoiceProfile, tts: TTSSettings, store: Store) -> list[str] | None:
    """The sentences an earlier run voiced this turn in, when it failed the check whole."""
    stored = store.get_json(CLIPS, _split_key(turn, voice, tts))
    return list(stored["pieces"]) if isinstance(stored, dict) and "pieces" in stored else None


def _alias_key(turn: Turn, voice: VoiceProfile, tts: TTSSettings) -> str:
    return clip_key({"rephrased": job_input(turn, voice, tts)})


def _rephrased(turn: Turn, voice: VoiceProfile, tts: TTSSettings, store: Store) -> str | None:
    alias = store.get_json(CLIPS, _alias_key(turn, voice, tts))
    return str(alias["text"]) if isinstance(alias, dict) and "text" in alias else None


def _voice_turn(
    turn: Turn, voice: VoiceProfile, tts: TTSSettings, client: RunPodClient | None, store: Store,
    texts: list[str] | None = None,
) -> Clip:  # fmt: skip
    """Long turns are voiced in chunks (each stored by content, so a retry pays only for the
    missing ones) and joined with short crossfades; `texts`: other pieces (its sentences)."""
    pieces = [
        _voice_piece(text, turn, voice, tts, client, store)
        for text in texts or chunk_text(turn.text, tts)
    ]
    cached = all(reused for _, _, reused in pieces)
    if len(pieces) == 1:
        path, meta, _ = pieces[0]
    else:
        samples, rate = crossfade_join([p for p, _, _ in pieces], tts.crossfade_ms)
        key = clip_key({"chunks": [p.stem for p, _, _ in pieces], "fade": tts.crossfade_ms})
        path = store.path(CLIPS, key, ".wav")
        if not path.is_file():
            store.put_bytes(CLIPS, key, ".wav", _wav_bytes(samples, rate))
        meta = _joined_meta([m for _, m, _ in pieces], len(samples) / rate)
        meta["worker_ms"] = 0 if cached else meta["worker_ms"]
    if not cached:
        log.info("voiced %s (%s, %.1f s, score %.0f, %d attempt(s), %d chunk(s))", turn.id, turn.speaker,
                 meta["duration_s"], meta["score"], meta["attempts"], len(pieces))  # fmt: skip
    return _clip_from(turn, voice, path, meta, cached=cached)


@task(
    name="synthesize-turn",
    retries=4,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_jitter_factor=0.5,
    retry_condition_fn=retry_on(TransientServiceError),
    cache_policy=NO_CACHE,
    task_run_name="voice-{turn.id}",
)
def synthesize_turn_task(
    turn: Turn, voice: VoiceProfile, tts: TTSSettings, client: RunPodClient, store: Store,
    rephrase: Rephraser | None = None,
) -> Clip:  # fmt: skip
    return synthesize_turn(turn, voice, tts, client, store, rephrase)


def warmup_job(show: ShowConfig) -> dict[str, Any]:
    """A tiny real job that makes a cold endpoint start a worker (and keeps it from idling)."""
    host = show.hosts[0]
    turn = Turn(id="warmup", speaker=host.name, text="Hello.", section="warmup")
    settings = TTSSettings(n_candidates=1, max_attempts=1, min_score=0)
    return job_input(turn, host_voice(show, host), settings)


def forget_clips(
    turns: list[Turn], voices: dict[str, VoiceProfile], tts: TTSSettings, store: Store
) -> None:
    """Drop stored clips of these turns so they are synthesized again (an operator's re-voice)."""
    for turn in turns:
        store.forget(CLIPS, clip_key(job_input(turn, voices[turn.speaker], tts)), ".wav", ".json")
        log.info("re-voicing %s on request", turn.id)


def track_progress(futures: PrefectFutureList[Clip]) -> list[Clip]:
    """Wait for every turn, logging progress and updating a progress artifact on the flow run."""
    total = len(futures)
    progress = create_progress_artifact(0.0, key="tts-progress", description="Turns voiced")
    for done, _ in enumerate(as_completed(list(futures)), 1):
        if done == total or done % max(1, total // 10) == 0:
            log.info("voices: %d/%d turns done", done, total)
            if isinstance(progress, UUID):
                update_progress_artifact(progress, 100.0 * done / total)
    return [f.result() for f in futures]


def voice_stage(
    script: Script, show: ShowConfig, clients: Clients, store: Store, revoice: list[str]
) -> list[Clip]:
    """Synthesize every turn as mapped tasks, bounded by the flow's task runner. When every clip
    is already stored (an unchanged rerun), no endpoint is contacted at all."""
    voices = {h.name: host_voice(show, h) for h in show.hosts}
    forget_clips([t for t in script.turns if t.id in set(revoice)], voices, show.tts, store)
    if all(is_stored(t, voices[t.speaker], show.tts, store) for t in script.turns):
        log.info("voices: every clip is already stored; the TTS endpoint is not needed")
        return [synthesize_turn(t, voices[t.speaker], show.tts, None, store) for t in script.turns]
    client = clients.tts
    client.wait_until_ready(warmup_job(show))

    futures = synthesize_turn_task.map(
        script.turns, [voices[t.speaker] for t in script.turns], unmapped(show.tts),
        unmapped(client), unmapped(store), unmapped(rephraser(script, show, lambda: clients.llm)),
    )  # fmt: skip
    return track_progress(futures)


def rephraser(script: Script, show: ShowConfig, llm: Callable[[], LLMClient]) -> Rephraser:
    """What a turn the voice cannot say is voiced as instead: a line without content (one of the
    skeleton's segues or replies) becomes another of its kind not yet said in the episode, with
    no LLM; any other line is rephrased by the LLM, once (tasks/script/rephrase.py)."""
    said = {t.text for t in script.turns}
    choosing = threading.Lock()  # turns fail in parallel: two may not pick the same line

    def rephrase(turn: Turn, heard: str) -> str | None:
        with choosing:
            other = other_filler(turn.text, show.language, said)
            if other is not None:
                said.add(other)
        if other is None:
            try:
                return rephrase_turn(llm(), show, turn, heard)
            except ScriptError as exc:  # the model gave nothing usable: the turn stays failed
                log.warning("voices: %s could not be rephrased: %s", turn.id, exc)
                return None
        log.info("voices: %s says %r instead of %r (heard %r)", turn.id, other, turn.text, heard)
        return other

    return rephrase
