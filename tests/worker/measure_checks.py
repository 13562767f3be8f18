"""Measure the clip check and the speaker check on the real CPU voices (not a test).

    uv run python -m tests.worker.measure_checks [--language pt-BR] [--voices e:v,e:v] [--json F]

Voices each line of a realistic script (sentences of examples/newsletter.md, in the spoken forms
castwright's speech normalization writes: "A.I.", "forty percent", "twenty twenty-six") with
Piper joe and Kokoro jf_alpha through the worker's real path (`handle`, one attempt, no pass
mark), and reports per clip: the transcript score before normalization (case and punctuation
only) and after, and the voice-print distance to its own voice and to the other voice.
With --language pt-BR: Portuguese lines (as castwright's pt-BR normalization writes them) voiced
by Kokoro jf_gongitsune and jm_kumo with espeak-ng pt-br phonemes, checked by the multilingual Whisper.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from tests.worker.worker_testkit import REPO_ROOT, decode_output_audio
from worker.engines.base import SynthesisRequest
from worker.handler import handle
from worker.runtime import Worker
from worker.scoring import raw_score
from worker.settings import WorkerSettings
from worker.voiceprint import VoicePrint, distance, voice_print

LINES = [
    "Three vendors shipped language models under two billion parameters this week.",
    "They run on an ordinary laptop without a graphics card, at no cost per request.",
    "A survey of two hundred startups found that cloud spending grew by forty percent in a year.",
    "A.I. is changing how small teams work in twenty twenty-six.",
    "The rules apply from next September, and most schools cannot update their laptops by then.",
    "Cheap A.P.I.s and faster G.P.U.s cut the bill by thirty percent.",
    "The C.E.O. said one thousand, five hundred customers signed up in the first week.",
    "Storage and data transfer, not computing, made up most of the increase.",
    "Listening data from two large apps shows that shows with human hosts gained listeners.",
    "European education ministers agreed that chatbots must explain their answers.",
    "Version three point five of the model runs twice as fast on a laptop.",
    "In two thousand and twenty-five, only ten percent of startups used local models.",
]
VOICES = (("piper", "en_US-joe-medium"), ("kokoro", "jf_alpha"))
LINES_PT = [
    "Três empresas lançaram modelos de linguagem com menos de dois bilhões de parâmetros.",
    "Eles rodam num notebook comum, sem placa de vídeo, a custo zero por pedido.",
    "Uma pesquisa com duzentas startups mostrou que o gasto com nuvem subiu quarenta por cento.",
    "O Banco Central cortou os juros em meio ponto, para dez vírgula cinco por cento ao ano.",
    "O plano custa mil e quinhentos reais por ano, ou cento e vinte e cinco reais por mês.",
    "A lei entra em vigor em primeiro de março de dois mil e vinte e sete.",
    "Mais de mil pessoas se inscreveram na primeira semana.",
    "O escritório fica a dez quilômetros do centro e abre às nove horas.",
    "A Lei Geral de Proteção de Dados vale para empresas de todos os tamanhos.",
    "Os ministros europeus querem que os robôs de conversa expliquem suas respostas.",
]
VOICES_PT = (("kokoro", "jf_gongitsune"), ("kokoro", "jm_kumo"))
SETS = {"en": (LINES, VOICES), "pt-BR": (LINES_PT, VOICES_PT)}


def phrase_prints(
    worker: Worker, voices: tuple[tuple[str, str], ...], language: str = "en"
) -> dict[str, VoicePrint]:
    prints = {}
    for engine_name, voice in voices:
        engine = worker.engine(engine_name)
        request = SynthesisRequest("x", language, voice=voice)
        reference = worker.speaker_reference(engine, request)
        if reference is None:
            raise SystemExit(f"no voice print for {voice}: its phrase clip failed the check")
        prints[voice] = reference.print
    return prints


def measure(
    worker: Worker, language: str = "en", voices: tuple[tuple[str, str], ...] | None = None
) -> list[dict[str, Any]]:
    lines, default_voices = SETS[language]
    voices = voices or default_voices
    prints = phrase_prints(worker, voices, language)
    rows = []
    for engine_name, voice in voices:
        other = next(v for _, v in voices if v != voice)
        for line in lines:
            job = {"text": line, "engine": engine_name, "voice": voice, "language": language}
            out = handle({"input": {**job, "min_score": 0, "max_attempts": 1}}, worker)
            if "error" in out:
                raise SystemExit(f"{voice}: {line!r} failed: {out['error']}")
            heard = voice_print(*decode_output_audio(out["audio_base64"]))
            rows.append(
                {
                    "voice": voice,
                    "text": line,
                    "transcript": out["transcript"],
                    "score_before": raw_score(line, out["transcript"]),
                    "score_after": out["score"],
                    "wer_after": round(1 - out["score"] / 100, 3),
                    "same_voice_distance": out["speaker_distance"],
                    "other_voice_distance": round(distance(prints[other], heard), 2)
                    if heard
                    else None,
                }
            )
            print(
                f"{voice:17s} {rows[-1]['score_before']:5.1f} -> {out['score']:5.1f}  "
                f"same {out['speaker_distance']}  other {rows[-1]['other_voice_distance']}  "
                f"| {out['transcript']}",
                flush=True,
            )
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for voice in sorted({r["voice"] for r in rows}) + ["all"]:
        mine = [r for r in rows if voice in ("all", r["voice"])]
        stats: dict[str, Any] = {}
        keys = ("score_before", "score_after", "wer_after", "same_voice_distance",
                "other_voice_distance")  # fmt: skip
        for key in keys:
            values = [r[key] for r in mine if r[key] is not None]
            stats[key] = {
                "median": round(statistics.median(values), 2),
                "min": min(values),
                "max": max(values),
            }
        result[voice] = stats
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write rows and summary here")
    parser.add_argument("--language", choices=sorted(SETS), default="en")
    parser.add_argument(
        "--voices", help="engine:voice pairs to compare instead of the set's two, comma-separated"
    )
    args = parser.parse_args()
    voices = (
        tuple(tuple(pair.split(":", 1)) for pair in args.voices.split(",")) if args.voices else None
    )
    started = time.perf_counter()
    settings = WorkerSettings.from_env(env={"WORKER_WARMUP": "0"}, cwd=REPO_ROOT)
    worker = Worker.load(settings)
    rows = measure(worker, args.language, voices)  # type: ignore[arg-type]
    figures = summary(rows)
    print(json.dumps(figures, indent=2))
    print(f"{len(rows)} clips in {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "summary": figures}, indent=2) + "\n")


if __name__ == "__main__":
    main()
