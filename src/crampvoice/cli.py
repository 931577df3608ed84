"""The `crampvoice` command.

The core's own commands (ask, chat, eval) import nothing from the adapters; the
commands that run a server or build the skill import their adapter lazily, so this
module is the composition root and the core stays free of Flask, ask-sdk and twilio.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crampvoice import render
from crampvoice.content import ContentError
from crampvoice.engine import Core
from crampvoice.reply import Reply
from crampvoice.state import State

CHANNELS = ("sms", "voice")


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


def cmd_ask(args: argparse.Namespace) -> int:
    reply = Core.default().respond(" ".join(args.text), locale=args.locale)
    print(_show(reply, args.channel, args.json))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    core = Core.default()
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


#: The corpora `crampvoice eval` measures, beside the package in a source checkout.
DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
CORPORA = ("triage_corpus.tsv", "triage_holdout.tsv", "real_dev.tsv", "real_holdout.tsv")


def cmd_eval(args: argparse.Namespace) -> int:
    from crampvoice.evaluation import AAQ_TARGETS, evaluate, read_aaq, read_corpus

    core = Core.default()
    paths = [Path(p) for p in args.corpus] or [DATA / n for n in CORPORA if (DATA / n).exists()]
    reports = [evaluate(core, read_corpus(path), path.name) for path in paths]
    if args.aaq:
        overrides = DATA / "aaq_reference.tsv"
        examples = read_aaq(args.aaq, overrides if overrides.exists() else None)
        reports.append(evaluate(core, examples, "IDinsight urgency set", AAQ_TARGETS))
    print("\n\n".join(report.text() for report in reports))
    return 0 if reports and all(report.meets_targets() for report in reports) else 1


def cmd_serve(args: argparse.Namespace) -> int:
    from crampvoice_sms.commands import serve  # the web adapter (Flask)

    return int(serve(args))


def cmd_worker(args: argparse.Namespace) -> int:
    from crampvoice_sms.commands import worker  # sends through twilio's REST client

    return int(worker(args))


def cmd_sms(args: argparse.Namespace) -> int:
    from crampvoice_sms.commands import send  # signs with twilio's own validator

    return int(send(args))


def cmd_build_skill(args: argparse.Namespace) -> int:
    from crampvoice_skill.commands import build_skill  # the Alexa adapter

    return int(build_skill(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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

    chat = sub.add_parser("chat", help="a conversation in the terminal")
    conversation(chat)
    chat.set_defaults(run=cmd_chat)

    ev = sub.add_parser("eval", help="measure triage and routing against the labelled corpora")
    ev.add_argument(
        "--corpus", action="append", default=[], help="a TSV corpus (default: all in tests/data)"
    )
    ev.add_argument("--aaq", help="IDinsight's urgency_detection.yaml, to measure against it too")
    ev.set_defaults(run=cmd_eval)

    serve = sub.add_parser("serve", help="run the web app: /sms, /alexa (and the simulator)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
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
    skill.add_argument("--out", default="skill/skill-package/interactionModels/custom")
    skill.add_argument(
        "--public-url",
        help="this app's public https base URL: the manifest links to its /privacy and /terms",
    )
    skill.add_argument("--privacy-url", help="your own privacy policy page (https)")
    skill.add_argument("--terms-url", help="your own terms of use page (https)")
    skill.set_defaults(run=cmd_build_skill)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except ContentError as error:
        print(f"crampvoice: the advice content is invalid: {error}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
