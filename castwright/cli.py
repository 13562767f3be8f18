"""The `castwright` command line.

    castwright run [NEWSLETTER] [--show FILE] [--out DIR] [--script FILE] [--minutes N] [--no-publish]
    castwright voices check [--fix]
    castwright feed rebuild [--show FILE] [--out DIR]
    castwright feed check [--out DIR]          (also: castwright feed --check)
    castwright episodes list [--out DIR]
    castwright episodes remove ID [--show FILE] [--out DIR]
    castwright doctor [--pool NAME] [--deployment FLOW/NAME ...]
    castwright listen (--text TEXT [--voice NAME] | --script FILE) [--profile fast|cinematic]
                      [--out FILE.wav | --serve [--port N]]

Every command prints what it does; errors print one clear message and exit with status 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from castwright.core.errors import CastwrightError
from castwright.core.paths import require_checkout

log = logging.getLogger("castwright")

Handler = Callable[[argparse.Namespace], int]


def _quiet_prefect_defaults() -> None:
    """Keep the ephemeral server's shutdown noise out of a user's terminal, and show our logs."""
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "castwright,tasks,worker")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no telemetry calls out
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_EVENTS_LEVEL", "CRITICAL")
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_UVICORN_LEVEL", "CRITICAL")


def cmd_run(args: argparse.Namespace) -> int:
    from prefect.task_runners import ThreadPoolTaskRunner

    from flows.app import check_inputs
    from flows.episode import episode_flow

    newsletter = str(args.newsletter) if args.newsletter else None
    show = check_inputs(newsletter, args.show)  # fail fast, before any server
    runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=show.tts.concurrency)
    flow = episode_flow.with_options(task_runner=runner)  # type: ignore[arg-type]
    state = flow(
        newsletter=newsletter, show=str(args.show) if args.show else None, out=str(args.out),
        target_minutes=args.minutes, script_file=str(args.script) if args.script else None,
        publish=not args.no_publish, return_state=True,
    )  # fmt: skip
    if not state.is_completed():
        raise CastwrightError(state.message or f"the episode run ended {state.name}")
    result = state.result()
    if result.get("nothing_new"):
        print(result["message"])
        return 0
    print(f"episode {result['slug']}: {result['mp3']}")
    length = result["length"]
    print(f"length: {length['measured_minutes']:.1f} min measured, target "
          f"{length['target_minutes']:g} min ({length['measured_error']:+.0%}); "
          f"script: {result['script_report']}")  # fmt: skip
    if result.get("told"):
        print(f"source: {result['told']}")
    for line in result.get("left_out") or []:
        print(f"  left out: {line}")
    for warning in result.get("warnings") or []:
        print(f"warning: {warning}")
    if result.get("feed_url"):
        print(
            f"feed: {result['feed_url']}  (preview: python -m http.server 8000 --directory {args.out})"
        )
    print(f"{result['cost']['line']} (manifest: cost, cost_episode)")
    print(f"manifest: {result['manifest']}")
    return 0


def cmd_voices_check(args: argparse.Namespace) -> int:
    from flows.app import check_voices

    problems = check_voices(fix=args.fix)
    for line in problems:
        print(line)
    return 1 if any(p.startswith("ERROR") for p in problems) else 0


def cmd_feed_rebuild(args: argparse.Namespace) -> int:
    from flows.app import rebuild_feed

    print(f"feed rebuilt: {rebuild_feed(args.show, Path(args.out))}")
    return 0


def cmd_feed_check(args: argparse.Namespace) -> int:
    from flows.app import check_feed

    url, problems = check_feed(Path(args.out))
    for problem in problems:
        print(f"PROBLEM {problem}")
    if problems:
        print(f"{url}: {len(problems)} problem(s) Apple Podcasts or Spotify would reject")
        return 1
    print(f"ok      {url}: nothing Apple Podcasts or Spotify would reject (artwork, category, "
          "owner, language, explicit, self link, GUIDs, dates, enclosures, durations, "
          "transcripts, chapters)")  # fmt: skip
    return 0


def cmd_feed(args: argparse.Namespace) -> int:
    """`castwright feed --check` is `castwright feed check`; with neither, say what to add."""
    if not args.check:
        raise CastwrightError("name what to do with the feed: `castwright feed rebuild` or "
                              "`castwright feed check` (also `castwright feed --check`)")  # fmt: skip
    return cmd_feed_check(args)


def cmd_episodes_list(args: argparse.Namespace) -> int:
    from flows.app import list_episodes

    episodes = list_episodes(Path(args.out))
    if not episodes:
        print("no episodes published yet")
    for ep in episodes:
        print(
            f"{ep.number:>4}  {ep.slug:<50}  {ep.pub_date:%Y-%m-%d}  {ep.duration_s / 60:5.1f} min  {ep.guid}"
        )
    return 0


def cmd_episodes_remove(args: argparse.Namespace) -> int:
    from flows.app import remove_episode

    remove_episode(args.show, Path(args.out), args.id)
    print(f"removed {args.id}; feed rebuilt")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from castwright.doctor import DEPLOYMENTS, report, run_checks

    findings = run_checks(args.pool, args.deployment or DEPLOYMENTS)
    print(report(findings))
    return 0 if all(f.ok for f in findings) else 1


def cmd_listen(args: argparse.Namespace) -> int:
    from flows.listen import listen_page, listen_to, listen_turns

    turns = listen_turns(args.text, args.script, args.voice, args.show)
    if args.serve:
        with listen_page(turns, args.profile, port=args.port) as server:
            print(f"listen at {server.url}  (Ctrl-C to stop)", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return 0
    result = listen_to(turns, args.profile, args.out)
    where = args.out or "the speakers"
    print(f"{result.audio_s:.1f} s of audio to {where}: first audio after "
          f"{result.first_audio_s or 0:.2f} s, playback after {result.playback_s or 0:.2f} s "
          f"({args.profile} profile), done in {result.total_s:.1f} s")  # fmt: skip
    return 0


def _listen_parser(sub: Any) -> None:
    from castwright.core.profiles import DEFAULT_PROFILE, PROFILES

    listen = sub.add_parser("listen", help="hear a turn or a script as it renders (streaming)")
    what = listen.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", help="the words to say")
    what.add_argument("--script", type=Path, help="a script file: every turn in its host's voice")
    listen.add_argument("--voice", default="joe", help="voice profile for --text (default joe)")
    listen.add_argument(
        "--show",
        type=Path,
        help="show file for --script (default: $CASTWRIGHT_SHOW, else the example)",
    )
    listen.add_argument("--profile", choices=sorted(PROFILES), default=DEFAULT_PROFILE,
                        help=f"streaming profile (default {DEFAULT_PROFILE})")  # fmt: skip
    where = listen.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, help="write a WAV file (default: the speakers)")
    where.add_argument("--serve", action="store_true", help="serve a page that plays it")
    listen.add_argument("--port", type=int, default=8010, help="port for --serve (default 8010)")
    listen.set_defaults(handler=cmd_listen)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="castwright", description="Newsletter in, podcast out.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="make and publish an episode from a newsletter")
    run.add_argument(
        "newsletter",
        nargs="?",
        help="the issue: a markdown file or an http(s) URL (markdown or HTML); "
        "omitted: the newest unpublished issue at the show file's source",
    )
    _show_out(run)
    run.add_argument("--script", type=Path, help="voice this edited script file (no LLM call)")
    run.add_argument("--minutes", type=_minutes, help="target length, overrides the show file")
    run.add_argument(
        "--no-publish", action="store_true", help="master the episode, publish nothing"
    )
    run.set_defaults(handler=cmd_run)

    voices = sub.add_parser("voices", help="voice profiles").add_subparsers(
        dest="action", required=True
    )
    check = voices.add_parser(
        "check", help="validate every profile in voices/ and its reference audio"
    )
    check.add_argument(
        "--fix", action="store_true", help="repair what can be repaired (silence pad, trim)"
    )
    check.set_defaults(handler=cmd_voices_check)

    feed_parser = sub.add_parser("feed", help="the podcast feed")
    feed_parser.add_argument("--check", action="store_true", help="the same as `feed check`")
    _out(feed_parser)
    feed_parser.set_defaults(handler=cmd_feed)
    feed = feed_parser.add_subparsers(dest="action")
    _show_out(
        feed.add_parser("rebuild", help="regenerate feed.xml and the show page from the catalog")
    ).set_defaults(handler=cmd_feed_rebuild)
    _out(
        feed.add_parser("check", help="what Apple Podcasts or Spotify would reject, with the fix")
    ).set_defaults(handler=cmd_feed_check)

    episodes = sub.add_parser("episodes", help="published episodes").add_subparsers(
        dest="action", required=True
    )
    listing = episodes.add_parser("list", help="list published episodes")
    listing.add_argument(
        "--out", type=Path, default=Path("public"), help="published folder (default public/)"
    )
    listing.set_defaults(handler=cmd_episodes_list)
    remove = episodes.add_parser(
        "remove", help="remove an episode (by slug or GUID) and rebuild the feed"
    )
    remove.add_argument("id")
    _show_out(remove).set_defaults(handler=cmd_episodes_remove)

    doctor = sub.add_parser(
        "doctor", help="check that the weekly schedule will fire (Prefect API, pool, worker)"
    )
    doctor.add_argument(
        "--pool", default="castwright", help="work pool to check (default: castwright)"
    )
    doctor.add_argument(
        "--deployment",
        action="append",
        metavar="FLOW/NAME",
        help="deployment to check, repeatable (default: the two in prefect.yaml)",
    )
    doctor.set_defaults(handler=cmd_doctor)
    _listen_parser(sub)
    return parser


def _minutes(value: str) -> float:
    from pydantic import TypeAdapter, ValidationError

    from castwright.core.config import MAX_TARGET_MINUTES, TargetMinutes

    try:
        return float(TypeAdapter(TargetMinutes).validate_python(value))
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(
            f"{value} minutes: give a length between 0 and {MAX_TARGET_MINUTES}"
        ) from exc


def _show_out(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--show", type=Path, help="show file (default: $CASTWRIGHT_SHOW, else the example show)"
    )
    return _out(parser)


def _out(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("public"),
        help="the published folder (default public/; a bucket when CASTWRIGHT_S3_BUCKET is set)",
    )
    return parser


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (stays valid when stderr is swapped)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _: object) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler_out = StderrHandler()
    handler_out.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S")
    )
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, handlers=[handler_out]
    )
    _quiet_prefect_defaults()
    for ours in ("castwright", "tasks", "flows", "worker"):  # whatever Prefect does to the root
        logging.getLogger(ours).setLevel(logging.DEBUG if args.verbose else logging.INFO)
    for noisy in ("httpx", "httpx2", "httpcore", "openai", "urllib3", "botocore", "faster_whisper"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    handler: Handler = args.handler
    try:
        require_checkout()
        return handler(args)
    except CastwrightError as exc:
        print(f"castwright: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
