"""The `crampvoice` command.

The core's own commands (ask, eval, and chat on a speaker) import nothing from the
adapters. The commands that run a server, send the bedtime prompts, text the SMS service
or build the skill belong to their adapter, which registers them as entry points in the
`crampvoice.commands` group (pyproject.toml); this module finds them by name, so the
core imports no adapter and no Flask, ask-sdk or twilio. Every command builds what it
needs with the composition root (`crampvoice.composition`).

Every command works from any directory (content, corpora and the skill folder are found
beside the package, not in the working directory), and every refusal or failure is one
line on stderr with a non-zero exit, never a traceback (CRAMPVOICE_DEBUG=1 shows it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from importlib import resources
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, NoReturn

from crampvoice import composition, render
from crampvoice.content import ContentError
from crampvoice.errors import Refusal
from crampvoice.reply import Reply
from crampvoice.state import State

CHANNELS = ("sms", "voice")
#: The hand-labelled corpora `crampvoice eval` measures by default (those present).
CORPORA = (
    "triage_corpus.tsv", "triage_holdout.tsv", "red_team.tsv", "red_team_2.tsv",
    "red_team_3.tsv", "red_team_4.tsv", "real_dev.tsv", "real_holdout.tsv",
)
#: The checkout this package runs from (an editable install), for the repo's own folders.
REPO = Path(__file__).resolve().parents[2]
SKILL_MODELS = Path("skill", "skill-package", "interactionModels", "custom")


def reply_json(reply: Reply, channel: str) -> dict[str, Any]:
    """The public `--json` shape: intent, triage, text, ssml (voice), locale, and more."""
    data: dict[str, Any] = {
        "intent": reply.intent.value,
        "topic": reply.topic,
        "triage": reply.triage.value,
        "locale": reply.locale,
        "channel": channel,
        "text": render.sms(reply) if channel == "sms" else render.plain_voice(reply),
        "end_session": reply.end_session,
        "state": reply.state.to_dict(),
        "sources": list(reply.sources),
    }
    if channel == "voice":
        data["ssml"] = render.ssml(reply)
        data["reprompt"] = render.reprompt_ssml(reply)
    if reply.escalation is not None:
        data["escalation"] = {
            "level": reply.escalation.level.value,
            "emergency_number": reply.escalation.emergency_number,
            "reasons": list(reply.escalation.reasons),
        }
    return data


def _show(reply: Reply, channel: str, as_json: bool) -> str:
    if as_json:
        return json.dumps(reply_json(reply, channel), ensure_ascii=False)
    return render.sms(reply) if channel == "sms" else render.plain_voice(reply)


#: The entry-point group where the adapters register their commands.
COMMANDS = "crampvoice.commands"


def adapter_command(name: str) -> Any:
    """An adapter's command registered under `name` in the `crampvoice.commands` group."""
    found = entry_points(group=COMMANDS, name=name)
    if not found:
        raise Refusal(f"the {name} command is not installed (pip install -e . registers it)")
    return next(iter(found)).load()


def cmd_ask(args: argparse.Namespace) -> int:
    reply = composition.core().respond(" ".join(args.text), locale=args.locale)
    print(_show(reply, args.channel, args.json))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    if args.channel == "sms":  # the SMS service itself, exactly as a text reaches it
        return int(adapter_command("chat-sms")(args))
    core = composition.core()
    state = State()
    print(f"crampvoice chat ({args.channel}, {args.locale}). Ctrl-D to leave.")
    print("Information, not medical advice. In an emergency call your local emergency number.")
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        reply = core.respond(line, state=state, locale=args.locale)
        print(_show(reply, args.channel, args.json))
        state = reply.state
        if reply.end_session and args.channel == "voice":
            state = State()


def corpus_dir() -> Path:
    """Where the labelled corpora are: the wheel's copy, else the checkout's tests/data."""
    packaged = Path(str(resources.files("crampvoice"))) / "corpora"
    return packaged if packaged.is_dir() else REPO / "tests" / "data"


def corpus_paths(given: Sequence[str] | None) -> list[Path]:
    if given:
        paths = [Path(p) for p in given]
    else:
        paths = [corpus_dir() / name for name in CORPORA if (corpus_dir() / name).is_file()]
        if not paths:
            raise Refusal(f"no corpora in {corpus_dir()}: give a TSV file with --corpus")
    for path in paths:
        if not path.is_file():
            raise Refusal(f"no corpus at {path}: give a TSV file with --corpus")
    return paths


def cmd_eval(args: argparse.Namespace) -> int:
    from crampvoice.evaluation import (
        AAQ_TARGETS,
        Report,
        evaluate,
        is_held_out,
        read_aaq,
        read_corpus,
    )

    core = composition.core()
    reports: list[Report] = []
    for path in corpus_paths(args.corpus):
        try:
            examples = read_corpus(path)
        except (KeyError, ValueError) as error:
            raise Refusal(f"{path} is not a triage corpus (level, locale, text): {error}") from None
        details = args.show_held_out or not is_held_out(path.name)
        reports.append(evaluate(core, examples, path.name, details=details))
    if args.aaq:
        overrides = corpus_dir() / "aaq_reference.tsv"
        try:
            examples = read_aaq(args.aaq, overrides if overrides.is_file() else None)
        except (OSError, KeyError, TypeError, ValueError) as error:
            raise Refusal(f"{args.aaq} is not an urgency_detection.yaml: {error}") from None
        reports.append(evaluate(core, examples, "IDinsight urgency set", AAQ_TARGETS))
    print("\n\n".join(report.text() for report in reports))
    return 0 if all(report.meets_targets() for report in reports) else 1


def cmd_serve(args: argparse.Namespace) -> int:
    return int(adapter_command("serve")(args))  # the web app (Flask)


def cmd_worker(args: argparse.Namespace) -> int:
    return int(adapter_command("worker")(args))  # sends through twilio's REST client


def cmd_sms(args: argparse.Namespace) -> int:
    return int(adapter_command("sms")(args))  # signs with twilio's own validator


def cmd_build_skill(args: argparse.Namespace) -> int:
    if args.out is None:
        if not (REPO / "skill").is_dir():
            raise Refusal("no skill/ folder beside this install: give --out DIRECTORY")
        args.out = str(REPO / SKILL_MODELS)
    return int(adapter_command("build-skill")(args))  # the Alexa adapter


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (with where to look) like every refusal."""

    def error(self, message: str) -> NoReturn:
        raise Refusal(f"{message} (see: {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="crampvoice",
        description="Leg-cramp help in pregnancy, by voice and text. Information, not "
        "medical advice; not an emergency service.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def conversation(p: argparse.ArgumentParser) -> None:
        p.add_argument("--channel", choices=CHANNELS, default="sms")
        p.add_argument("--locale", default="en-US", help="en-US, en-GB, en-CA, en-AU, en-IN ...")
        p.add_argument("--json", action="store_true", help="print one JSON object per reply")

    ask = sub.add_parser("ask", help="answer one message")
    conversation(ask)
    ask.add_argument("text", nargs="+")
    ask.set_defaults(run=cmd_ask)

    chat = sub.add_parser(
        "chat",
        help="a conversation in the terminal: SMS through the real /sms webhook (every "
        "command as by text), or the core's voice conversation",
    )
    conversation(chat)
    chat.add_argument(
        "--from", dest="sender", help="SMS: the number to text from (default: one of --locale's)"
    )
    chat.set_defaults(run=cmd_chat)

    ev = sub.add_parser("eval", help="measure triage and routing against the labelled corpora")
    ev.add_argument(
        "--corpus",
        action="append",
        help="a TSV corpus (repeatable); default: every hand-labelled corpus",
    )
    ev.add_argument("--aaq", help="IDinsight's urgency_detection.yaml, to measure against it too")
    ev.add_argument(
        "--show-held-out",
        action="store_true",
        help="list a held-out corpus's misses too (by default only its figures: never tune to it)",
    )
    ev.set_defaults(run=cmd_eval)

    serve = sub.add_parser("serve", help="run the web app: /sms, /alexa (and the simulator)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1,
                       help="server processes (default 1; each has --threads threads)")
    serve.add_argument("--threads", type=int, default=None,
                       help="threads per process (default 2: one request's database wait "
                       "overlaps another's work; more only share the GIL and lengthen the "
                       "slowest replies)")
    serve.set_defaults(run=cmd_serve)

    worker = sub.add_parser("worker", help="send the nightly bedtime prompts as they fall due")
    worker.add_argument(
        "--once", action="store_true", help="send what is due now, then exit (for cron)"
    )
    worker.set_defaults(run=cmd_worker)

    sms = sub.add_parser("sms", help="send a correctly signed SMS webhook to a running server")
    sms.add_argument("--from", dest="sender", default="+15551234567")
    sms.add_argument("--url", default="http://127.0.0.1:8000", help="the server's base URL")
    sms.add_argument("text", nargs="+")
    sms.set_defaults(run=cmd_sms)

    skill = sub.add_parser(
        "build-skill", help="write the Alexa interaction models (and the manifest's privacy URLs)"
    )
    skill.add_argument(
        "--check", action="store_true", help="fail if the checked-in models are stale"
    )
    skill.add_argument("--out", default=None, help=f"default: {SKILL_MODELS} in the checkout")
    skill.add_argument(
        "--public-url",
        help="this app's public https base URL: the manifest links to its /privacy and /terms",
    )
    skill.add_argument("--privacy-url", help="your own privacy policy page (https)")
    skill.add_argument("--terms-url", help="your own terms of use page (https)")
    skill.set_defaults(run=cmd_build_skill)
    return parser


def _first_line(problem: object) -> str:
    return (str(problem).strip().splitlines() or [""])[0]


def _say(problem: str) -> None:
    print(f"crampvoice: {_first_line(problem)}", file=sys.stderr, flush=True)


def _failure(error: Exception) -> str:
    """An unexpected failure, in one line: what failed, and where to see more."""
    what = _first_line(error) or type(error).__name__
    if type(error).__module__.startswith("sqlalchemy"):  # (psycopg.OperationalError) ...
        what = "the database (DATABASE_URL) failed: " + what.split(") ", 1)[-1]
    return f"{what} (CRAMPVOICE_DEBUG=1 shows the traceback)"


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        result: int = args.run(args)
    except ContentError as error:
        _say(f"the advice content is invalid: {error}")
        return 2
    except Refusal as error:
        _say(str(error))
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a person at a terminal gets one line, never a traceback
        if os.environ.get("CRAMPVOICE_DEBUG") == "1":
            raise
        _say(_failure(error))
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
