"""A call turn as TwiML, with only verbs and attributes Twilio documents: <Gather> (speech
and keypad, speechTimeout auto, hints, the caller's language) holding every <Say> and
<Pause> of a prompt, so the caller can interrupt any of it (barge-in); <Hangup>; <Dial>
to the operator's maternity line, never to an emergency number."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

from crampvoice import render
from crampvoice.calling.policy import CallTurn, hints
from crampvoice.engine import Core

PATH = "/voice"
GATHER_TIMEOUT = 6  # seconds of silence after the prompt before the action gets nothing
DIAL_TIMEOUT = 30
#: A natural (neural) voice per content locale, and the language it speaks.
VOICES = {
    "en-US": ("Polly.Joanna-Neural", "en-US"),
    "en-CA": ("Polly.Joanna-Neural", "en-US"),
    "en-GB": ("Polly.Amy-Neural", "en-GB"),
    "en-AU": ("Polly.Olivia-Neural", "en-AU"),
    "en-IN": ("Polly.Kajal-Neural", "en-IN"),
    "en-IE": ("Polly.Niamh-Neural", "en-IE"),
    "en-NZ": ("Polly.Aria-Neural", "en-NZ"),
}
DEFAULT_VOICE = VOICES["en-US"]
#: Speech recognition languages Twilio lists for these locales (the base locale: en-US).
LISTEN = {"en-US", "en-CA", "en-GB", "en-AU", "en-IN", "en-IE", "en-NZ"}


class Voice:
    def __init__(self, core: Core, *, line: str) -> None:
        self.line = line
        self.hints = hints(core.understander.phrasings.language)

    def twiml(self, turn: CallTurn) -> str:
        locale = turn.reply.locale
        voice, language = VOICES.get(locale, DEFAULT_VOICE)
        response = VoiceResponse()
        spoken = render.spoken(turn.reply)
        if turn.then == "listen":
            target: VoiceResponse | Gather = response.gather(
                input="speech dtmf",
                speech_timeout="auto",
                hints=self.hints,
                language=locale if locale in LISTEN else "en-US",
                action=PATH,
                method="POST",
                num_digits=1,
                timeout=GATHER_TIMEOUT,
                action_on_empty_result=True,
            )
        else:
            target = response
        for piece in spoken:
            if isinstance(piece, int):
                target.pause(length=piece)
            else:
                target.say(piece, voice=voice, language=language)
        if turn.then == "dial" and self.line:
            response.dial(self.line, action=PATH, method="POST", timeout=DIAL_TIMEOUT)
        elif turn.then != "listen":
            response.hangup()
        return str(response)
