"""A real document end to end on the embedded CPU defaults (issue #24): `python -m bench document
[--doc=PATH] [--minutes=30] [--show=FILE]`.

Runs `castwright run DOC --minutes N` in a fresh work folder and, every half second, reads the
resident memory of each process of the run from /proc: the flow's own process, the llama.cpp
server (the script stage), the embedded TTS worker (the voices stage) and ffmpeg (the master
stage). Prints the wall time per stage (the manifest's timings), each stage's peak memory, the
measured audio minutes and audio minutes per wall minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOC = ROOT / "tests" / "fixtures" / "realworld" / "go-open-source.md"
ROLES = (("llama", "script (llama.cpp server)"), ("worker", "voices (TTS worker)"),
         ("ffmpeg", "master (ffmpeg)"))  # fmt: skip
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _role(pid: int) -> str:
    try:
        cmd = (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")).decode(
            errors="replace"
        )
    except OSError:
        return ""
    return next((name for key, name in ROLES if key in cmd), "flow (main process)")


def _rss_mb(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB / 1024
    except (OSError, IndexError, ValueError):
        return 0.0


def _sample(root: int, peaks: dict[str, float], done: threading.Event) -> None:
    while not done.is_set():
        totals: dict[str, float] = {}
        for pid in _tree(root):
            role = _role(pid)
            if role:
                totals[role] = totals.get(role, 0.0) + _rss_mb(pid)
        for role, mb in totals.items():
            peaks[role] = max(peaks.get(role, 0.0), mb)
        done.wait(0.5)


def bench_document(*options: str) -> dict[str, Any]:
    opts = dict(o.removeprefix("--").split("=", 1) for o in options)
    doc = Path(opts.get("doc", DEFAULT_DOC))
    minutes = opts.get("minutes", "30")
    work = Path(tempfile.mkdtemp(prefix="cw-doc-bench-"))
    command = [sys.executable, "-m", "castwright.cli", "run", str(doc), "--minutes", minutes,
               "--out", str(work / "public")] + (["--show", opts["show"]] if "show" in opts else [])  # fmt: skip
    env = {**os.environ, "CASTWRIGHT_WORK_DIR": str(work / "work"),
           "PREFECT_HOME": str(work / "prefect")}  # fmt: skip  # runs side by side do not share a database
    peaks: dict[str, float] = {}
    done = threading.Event()
    start = time.monotonic()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)  # fmt: skip
    sampler = threading.Thread(target=_sample, args=(proc.pid, peaks, done), daemon=True)
    sampler.start()
    seen: list[str] = []
    for line in proc.stdout or []:  # the run's log and closing lines, shown as they come
        print(line, end="", file=sys.stderr, flush=True)
        seen.append(line)
    proc.wait()
    out = "".join(seen)
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    manifests = sorted((work / "work" / "episodes").glob("*/manifest.json"))
    selection = next((line.split("selection: ", 1)[1] for line in out.splitlines()
                      if "selection: told" in line), "")  # fmt: skip
    if proc.returncode != 0 or not manifests:
        return {"doc": doc.name, "returncode": proc.returncode, "wall_s": round(wall, 1),
                "peak_mb": {k: round(v) for k, v in peaks.items()}, "selection": selection,
                "refusal": _refusal(out), "output": out[-2000:]}  # fmt: skip
    manifest = json.loads(manifests[0].read_text())
    audio_min = manifest["length"]["measured_minutes"]
    return {
        "doc": doc.name, "target_minutes": float(minutes), "wall_s": round(wall, 1),
        "stages_s": {k: round(v, 1) for k, v in manifest.get("timings_s", {}).items()},
        "peak_mb": {k: round(v) for k, v in peaks.items()},
        "selection": selection, "returncode": proc.returncode,
        "audio_minutes": audio_min, "audio_min_per_wall_min": round(audio_min / (wall / 60), 3),
        "length_error": manifest["length"]["measured_error"],
        "gate_failures": (manifest["script"].get("gate") or {}).get("failures"),
        "gate_warnings": (manifest["script"].get("gate") or {}).get("warnings"),
    }  # fmt: skip


def _refusal(output: str) -> str:
    """The run's one-line reason for refusing: its last line that says what went wrong."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    said = [line for line in lines if line.lower().startswith(("error", "refused", "castwright:"))]
    return (said or lines or [""])[-1][:300]


def bench_corpus(*options: str) -> dict[str, Any]:
    """Every document of the real-world corpus (tests/fixtures/realworld/sources.yaml) through
    `castwright run DOC` on the example show of its language, at the show's own target length."""
    import yaml

    opts = dict(o.removeprefix("--").split("=", 1) for o in options)
    corpus = ROOT / "tests" / "fixtures" / "realworld"
    documents = yaml.safe_load((corpus / "sources.yaml").read_text(encoding="utf-8"))["documents"]
    only = set(opts["only"].split(",")) if "only" in opts else None
    rows = []
    for entry in documents:
        if only and entry["file"] not in only:
            continue
        show = ROOT / "examples" / ("show-pt.yaml" if entry["language"] == "pt-BR" else "show.yaml")
        result = bench_document(f"--doc={corpus / entry['file']}", f"--show={show}",
                                f"--minutes={opts.get('minutes', '4')}")  # fmt: skip
        rows.append(result | {"format": entry["format"], "language": entry["language"]})
        print(json.dumps(rows[-1], indent=2), flush=True)
    return {"documents": rows}


def corpus_table(figures: dict[str, Any]) -> list[str]:
    lines = ["| document | format | selection | wall | minutes (error) | result |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for row in figures["documents"]:
        if "audio_minutes" in row:
            minutes = f"{row['audio_minutes']:.2f} ({row['length_error']:+.0%})"
            result = "published" + (
                "; warned: " + "; ".join(row["gate_warnings"]) if row.get("gate_warnings") else ""
            )
        else:
            minutes, result = "-", f"refused: {row['refusal']}"
        lines.append(f"| {row['doc']} | {row['format']} | {row['selection']} | "
                     f"{row['wall_s'] / 60:.1f} min | {minutes} | {result} |")  # fmt: skip
    return lines


if __name__ == "__main__":
    print(json.dumps(bench_document(*sys.argv[1:]), indent=2))
