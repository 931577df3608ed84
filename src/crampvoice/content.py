"""Advice content: loaded once from `shared/`, validated, and frozen.

The files are data reviewed like code (see shared/README.md). Anything wrong,
from a curly quote in an SMS to a topic missing in one locale, stops the load
with a `ContentError` that names the file and the key.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from crampvoice import gsm
from crampvoice.intents import ANSWER_INTENTS, GUIDES, Intent

BASE_LOCALE = "en"
#: The variant used for countries whose emergency number is 112 but which have no overlay.
LOCALE_112 = "en-150"

ESCALATION_LEVELS = ("emergency", "urgent", "routine")
CALL_KEYS = (
    "call_welcome",
    "call_menu",
    "call_keys_yes_no",
    "call_no_input",
    "call_goodbye",
    "call_hang_up",
    "call_hang_up_urgent",
    "call_step_keys",
    "call_connect_offer",
    "call_connecting",
    "call_after_dial",
    "call_text_hint",
    "call_text_offer",
    "call_text_unavailable",
    "call_text_sent",
    "call_text_blocked",
    "call_text_cancelled",
    "call_text_intro",
)
SYSTEM_KEYS = (
    "welcome",
    "fallback",
    "goodbye",
    "reprompt",
    "more_prompt",
    "next_hint",
    "guide_end_hint",
    "no_guide",
    "first_step",
    "leg_check",
    "leg_check_clear",
    "error",
    "first_aid_bleeding",
    "delete_confirm",
    "stop_clarify",
    "delete_done",
    "delete_cancelled",
    "rate_limited",
    "stopped",
    "disclaimer",
    "hold_done",
    "bedtime_confirm",
    "bedtime_off",
    "bedtime_ask_zone",
    "bedtime_zone_unknown",
    "bedtime_zone_set",
    "bedtime_outside_window",
    "bedtime_bad_time",
    "reminder",
    # A speaker's own daily reminder (the Alexa Reminders API): asking, confirming, failing.
    "reminder_permission",
    "reminder_set",
    "reminder_cancelled",
    "reminder_none",
    "reminder_denied",
    "reminder_not_answered",
    "reminder_no_access",
    "reminder_failed",
    # Said wherever a person might be in danger and we did not understand (fallbacks,
    # the end of the relief steps, distress without a topic).
    "safety_net",
    "distress",
    # The routine mention in fewer words, where a long answer leaves no room for its own.
    "routine_short",
    # Safety questions of the triage's doubt layer (shared/triage/*.toml [[doubt]] ask),
    # each with the answer to a NO.
    "swelling_check",
    "swelling_check_clear",
    "breath_check",
    "breath_check_clear",
    "bleeding_check",
    "bleeding_check_clear",
    "headache_check",
    "headache_check_clear",
    "movement_check",
    "movement_check_clear",
    # A phone call (the Twilio voice webhook): the greeting, the keypad, silence, the
    # hang-up line of an escalation, the maternity line, and the steps by text.
    *CALL_KEYS,
)
#: Placeholders filled per message, not at load; budgets are checked with the longest value.
RUNTIME_PLACEHOLDERS = {
    # The reason for an escalation; the core checks every reason's text against the budget.
    "why": "",
    "time": "12:30 am",
    "zone": "America/Argentina/ComodRivadavia",
    "window": "12:00 am to 11:59 pm",
    "said": "99:99 p.m.",  # a time of day that does not exist, as the person wrote it
}
#: The longest name a time zone may be given for people (`zone_names`).
ZONE_NAME_CHARACTERS = len(RUNTIME_PLACEHOLDERS["zone"])

SMS_ONE_SEGMENT = gsm.SINGLE_SEGMENT
SMS_TWO_SEGMENTS = 2 * gsm.MULTI_SEGMENT
VOICE_STEP_WORDS = 25
VOICE_ANSWER_WORDS = 90

_SCHEMA: dict[str, frozenset[str]] = {
    "meta": frozenset({"locale", "language", "program_name", "contact"}),
    "region": frozenset({"emergency", "emergency_number", "urgent_contact", "advice_line"}),
    "topic": frozenset({"intent", "voice", "sms", "sources"}),
    "guide": frozenset({"intro_voice", "intro_sms", "done_voice", "done_sms", "sources", "steps"}),
    "step": frozenset({"voice", "sms", "hold"}),
    "text": frozenset({"voice", "sms"}),
}
_TOP = frozenset(
    {
        "meta",
        "region",
        "topics",
        "guides",
        "escalation",
        "system",
        "reminders",
        "reasons",
        "zone_names",
    }
)
#: Words in a spoken reason for an escalation ("a swollen, painful calf can be a clot").
VOICE_REASON_WORDS = 25
#: Tables whose keys each file chooses (an overlay may name zones the base does not).
_OPEN_TABLES = frozenset({"zone_names"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class ContentError(ValueError):
    """Content that must not ship. The message names the file and the key."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        super().__init__(f"{file}: {key}: {problem}")


@dataclass(frozen=True)
class Text:
    voice: str
    sms: str


@dataclass(frozen=True)
class Topic:
    key: str
    intent: Intent
    text: Text
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    text: Text
    hold: int


@dataclass(frozen=True)
class Guide:
    key: str
    intro: Text
    done: Text
    steps: tuple[Step, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Region:
    emergency: str
    emergency_number: str
    urgent_contact: str
    advice_line: str


@dataclass(frozen=True)
class LocaleContent:
    """Everything one locale says, placeholders already filled."""

    locale: str
    program_name: str
    contact: str
    region: Region
    topics: Mapping[str, Topic]
    guides: Mapping[str, Guide]
    escalation: Mapping[str, Text]
    system: Mapping[str, Text]
    reminders: tuple[str, ...] = ()  # the nightly bedtime prompts, in rotation
    #: Why an escalation is given, by triage reason; said with the number to call.
    reasons: Mapping[str, Text] = field(default_factory=dict)
    #: IANA zone -> what people here call it ("America/New_York" -> "Eastern time").
    zone_names: Mapping[str, str] = field(default_factory=dict)

    def topic_for(self, intent: Intent) -> Topic:
        """The default topic of an answer intent (the topic named like the intent)."""
        return self.topics[intent.value]

    def zone_name(self, zone: str) -> str:
        """A time zone as people say it: the region's own name ("Eastern time", "UK
        time"), else its city ("Australia/Perth" -> "Perth time"); never the IANA id."""
        named = self.zone_names.get(zone)
        if named:
            return named
        city = zone.rsplit("/", 1)[-1].replace("_", " ")
        return f"{city} time"


@dataclass(frozen=True)
class Library:
    """All locales, and how countries map onto them."""

    locales: Mapping[str, LocaleContent]
    countries: Mapping[str, str] = field(default_factory=dict)
    emergency_112: frozenset[str] = frozenset()

    def get(self, locale: str | None) -> LocaleContent:
        """Content for a BCP-47 locale (en-GB, en_gb, en): exact, else the language base."""
        if locale:
            tag = locale.replace("_", "-")
            for known in self.locales:
                if known.lower() == tag.lower():
                    return self.locales[known]
        return self.locales[BASE_LOCALE]

    def locale_for_country(self, country: str | None) -> str:
        """The locale for an ISO country code (from a phone number); unknown: the base."""
        if not country:
            return BASE_LOCALE
        country = country.upper()
        if country in self.countries:
            return self.countries[country]
        if country in self.emergency_112:
            return LOCALE_112
        return BASE_LOCALE


def fill_runtime(text: str, values: Mapping[str, str]) -> str:
    """Fill the per-message placeholders ({time}, {zone}, {window}) of a content text."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


# --------------------------------------------------------------------------- loading


def content_dir() -> Path:
    """Where the content lives: $CRAMPVOICE_CONTENT_DIR, the wheel's copy, or the repo's."""
    override = os.environ.get("CRAMPVOICE_CONTENT_DIR")
    if override:
        return Path(override)
    packaged = Path(str(resources.files("crampvoice"))) / "shared"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "shared"


@functools.cache
def library() -> Library:
    """The validated content, loaded once per process."""
    return load_library(content_dir())


def load_library(root: Path) -> Library:
    content = root / "content"
    base_path = content / f"{BASE_LOCALE}.toml"
    base_raw = read_toml(base_path)
    _check_shape(base_raw, base_path.name)
    overlays: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in sorted(content.glob("*.toml")):
        if path == base_path:
            continue
        raw = read_toml(path)
        _check_subset(raw, base_raw, path.name, "")
        overlays[path.stem] = (path.name, raw)

    countries, emergency_112 = _load_regions(root / "regions.toml")
    locales: dict[str, LocaleContent] = {
        BASE_LOCALE: _build(BASE_LOCALE, base_raw, {}, base_path.name, None)
    }
    for locale, (name, raw) in overlays.items():
        locales[locale] = _build(locale, base_raw, raw, base_path.name, name)
    if emergency_112:
        region_112 = {"region": {"emergency": "112", "emergency_number": "112"}}
        locales[LOCALE_112] = _build(LOCALE_112, base_raw, region_112, base_path.name, None)
    for country, locale in countries.items():
        if locale not in locales:
            raise ContentError("regions.toml", f"countries.{country}", f"no content for {locale}")
    return Library(locales=locales, countries=countries, emergency_112=emergency_112)


def read_toml(path: Path, name: str | None = None) -> dict[str, Any]:
    """A data file of shared/, or a ContentError naming it (`name`, else the file name)."""
    name = name or path.name
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ContentError(name, "-", "file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ContentError(name, "-", f"not valid TOML: {error}") from None


def _load_regions(path: Path) -> tuple[dict[str, str], frozenset[str]]:
    if not path.exists():
        return {}, frozenset()
    raw = read_toml(path)
    unknown = set(raw) - {"countries", "emergency_112", "time_zones"}
    if unknown:
        raise ContentError(path.name, sorted(unknown)[0], "unknown key")
    countries = {str(k).upper(): str(v) for k, v in raw.get("countries", {}).items()}
    listed = raw.get("emergency_112", {}).get("countries", [])
    return countries, frozenset(str(c).upper() for c in listed)


def _check_shape(raw: dict[str, Any], file: str) -> None:
    """The base file: known tables only, known keys only, everything required present."""
    for key in raw:
        if key not in _TOP:
            raise ContentError(file, key, "unknown key")
    for table in ("meta", "region"):
        _check_keys(raw.get(table), _SCHEMA[table], file, table, required=True)
    for name, topic in raw.get("topics", {}).items():
        _check_keys(topic, _SCHEMA["topic"], file, f"topics.{name}", required=True)
    for name, guide in raw.get("guides", {}).items():
        _check_keys(guide, _SCHEMA["guide"], file, f"guides.{name}", required=True)
        steps = guide["steps"]
        if not isinstance(steps, list) or not steps:
            raise ContentError(file, f"guides.{name}.steps", "must be a non-empty array")
        for index, step in enumerate(steps):
            _check_keys(step, _SCHEMA["step"], file, f"guides.{name}.steps[{index}]", True)
    if "zone_names" in raw:
        _check_zone_names(raw["zone_names"], file)
    reminders = raw.get("reminders", {})
    if not isinstance(reminders, dict) or set(reminders) - {"sms"}:
        raise ContentError(file, "reminders", "must be a table with only `sms`")
    for group in ("escalation", "system", "reasons"):
        for name, text in raw.get(group, {}).items():
            _check_keys(text, _SCHEMA["text"], file, f"{group}.{name}", required=True)


def _check_keys(table: Any, allowed: frozenset[str], file: str, where: str, required: bool) -> None:
    if not isinstance(table, dict):
        raise ContentError(file, where, "missing, or not a table")
    for key in table:
        if key not in allowed:
            raise ContentError(file, f"{where}.{key}", "unknown key")
    if required:
        for key in sorted(allowed - set(table)):
            raise ContentError(file, f"{where}.{key}", "missing")


def _check_subset(raw: Any, base: Any, file: str, where: str) -> None:
    """An overlay may only set keys the base has, with values of the same kind."""
    if isinstance(raw, dict):
        if not isinstance(base, dict):
            raise ContentError(file, where, "is a table here but not in the base")
        for key, value in raw.items():
            path = f"{where}.{key}" if where else key
            if not where and key in _OPEN_TABLES:
                _check_zone_names(value, file)
                continue
            if key not in base:
                raise ContentError(file, path, "unknown key (not in the base file)")
            _check_subset(value, base[key], file, path)
    elif type(raw) is not type(base):
        raise ContentError(file, where, f"must be a {type(base).__name__}")
    elif isinstance(raw, list) and where.endswith(".steps"):
        for index, step in enumerate(raw):
            _check_keys(step, _SCHEMA["step"], file, f"{where}[{index}]", required=True)


def _check_zone_names(table: Any, file: str) -> None:
    """`[zone_names]`: IANA zone -> a short name people use, in GSM-7."""
    if not isinstance(table, dict):
        raise ContentError(file, "zone_names", "missing, or not a table")
    for zone, name in table.items():
        where = f"zone_names.{zone}"
        if "/" not in zone or not _is_zone(zone):
            raise ContentError(file, where, "not an IANA time zone (like America/New_York)")
        if not isinstance(name, str) or not name.strip():
            raise ContentError(file, where, "must be a non-empty string")
        if gsm.non_gsm_characters(name) or len(name) > ZONE_NAME_CHARACTERS:
            raise ContentError(
                file, where, f"must be GSM-7 and at most {ZONE_NAME_CHARACTERS} characters"
            )


def _is_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only when content names zones

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def _origin(overlay: dict[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = overlay
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


class _Builder:
    """Fills placeholders and checks budgets, blaming the file a value came from."""

    def __init__(
        self, locale: str, raw: dict[str, Any], overlay: dict[str, Any], base: str, own: str | None
    ) -> None:
        self.locale = locale
        self.raw = raw
        self.overlay = overlay
        self.base_file = base
        self.own_file = own or base
        region = raw["region"]
        self.values = {
            "emergency": str(region["emergency"]),
            "urgent_contact": str(region["urgent_contact"]),
            "advice_line": str(region["advice_line"]),
            "program": str(raw["meta"]["program_name"]),
            # The operator's own contact (HELP replies must name one), else the content's.
            "contact": os.environ.get("CRAMPVOICE_CONTACT") or str(raw["meta"]["contact"]),
        }

    def file(self, path: tuple[str, ...]) -> str:
        return self.own_file if _origin(self.overlay, path) else self.base_file

    def key(self, path: tuple[str, ...]) -> str:
        return ".".join(path) + f" (locale {self.locale})"

    def string(self, value: Any, path: tuple[str, ...]) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ContentError(self.file(path), self.key(path), "must be a non-empty string")

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in RUNTIME_PLACEHOLDERS:
                return match.group(0)
            if name not in self.values:
                raise ContentError(
                    self.file(path), self.key(path), f"unknown placeholder {{{name}}}"
                )
            return self.values[name]

        return " ".join(_PLACEHOLDER.sub(fill, value).split())

    def sms(self, value: Any, path: tuple[str, ...], budget: int) -> str:
        text = self.string(value, path)
        bad = gsm.non_gsm_characters(text)
        if bad:
            shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in bad)
            raise ContentError(self.file(path), self.key(path), f"SMS text is not GSM-7: {shown}")
        length = gsm.septets(fill_runtime(text, RUNTIME_PLACEHOLDERS))
        if length > budget:
            raise ContentError(
                self.file(path),
                self.key(path),
                f"SMS text is {length} characters; the budget is {budget}",
            )
        return text

    def voice(self, value: Any, path: tuple[str, ...], words: int) -> str:
        text = self.string(value, path)
        count = len(text.split())
        if count > words:
            raise ContentError(
                self.file(path), self.key(path), f"voice text is {count} words; at most {words}"
            )
        return text

    def text(self, table: dict[str, Any], path: tuple[str, ...], sms: int, words: int) -> Text:
        return Text(
            voice=self.voice(table["voice"], (*path, "voice"), words),
            sms=self.sms(table["sms"], (*path, "sms"), sms),
        )

    def sources(self, value: Any, path: tuple[str, ...]) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
            raise ContentError(self.file(path), self.key(path), "must list at least one source")
        return tuple(value)


def _build(
    locale: str, base: dict[str, Any], overlay: dict[str, Any], base_file: str, own: str | None
) -> LocaleContent:
    raw = _merge(base, overlay)
    b = _Builder(locale, raw, overlay, base_file, own)
    region = raw["region"]

    topics: dict[str, Topic] = {}
    for name, table in raw.get("topics", {}).items():
        path = ("topics", name)
        try:
            intent = Intent(table["intent"])
        except ValueError:
            raise ContentError(b.file(path), b.key((*path, "intent")), "unknown intent") from None
        if intent not in ANSWER_INTENTS:
            raise ContentError(b.file(path), b.key((*path, "intent")), "not an answer intent")
        # Relief must fit one text: a person mid-cramp reads one message, not two.
        budget = SMS_ONE_SEGMENT if name == Intent.RELIEF_NOW.value else SMS_TWO_SEGMENTS
        topics[name] = Topic(
            key=name,
            intent=intent,
            text=b.text(table, path, budget, VOICE_ANSWER_WORDS),
            sources=b.sources(table["sources"], (*path, "sources")),
        )
    for intent in sorted(ANSWER_INTENTS):
        if intent.value not in topics:
            raise ContentError(b.file(("topics",)), b.key(("topics", intent.value)), "missing")

    guides: dict[str, Guide] = {}
    for name in GUIDES:
        path = ("guides", name)
        if name not in raw.get("guides", {}):
            raise ContentError(b.file(("guides",)), b.key(path), "missing")
        table = raw["guides"][name]
        steps = []
        for index, step in enumerate(table["steps"]):
            where = (*path, f"steps[{index}]")
            hold = step["hold"]
            if not isinstance(hold, int) or not 0 <= hold <= 120:
                raise ContentError(b.file(path), b.key((*where, "hold")), "seconds from 0 to 120")
            steps.append(Step(b.text(step, where, SMS_ONE_SEGMENT, VOICE_STEP_WORDS), hold))
        guides[name] = Guide(
            key=name,
            intro=Text(
                voice=b.voice(table["intro_voice"], (*path, "intro_voice"), VOICE_ANSWER_WORDS),
                sms=b.sms(table["intro_sms"], (*path, "intro_sms"), SMS_ONE_SEGMENT),
            ),
            done=Text(
                voice=b.voice(table["done_voice"], (*path, "done_voice"), VOICE_ANSWER_WORDS),
                sms=b.sms(table["done_sms"], (*path, "done_sms"), SMS_TWO_SEGMENTS),
            ),
            steps=tuple(steps),
            sources=b.sources(table["sources"], (*path, "sources")),
        )

    escalation: dict[str, Text] = {}
    for level in ESCALATION_LEVELS:
        path = ("escalation", level)
        if level not in raw.get("escalation", {}):
            raise ContentError(b.file(("escalation",)), b.key(path), "missing")
        escalation[level] = b.text(raw["escalation"][level], path, SMS_ONE_SEGMENT, 60)

    reminders: list[str] = []
    table = raw.get("reminders", {})
    prompts = table.get("sms") if isinstance(table, dict) else None
    if not isinstance(prompts, list) or not prompts:
        raise ContentError(b.file(("reminders",)), b.key(("reminders", "sms")), "missing")
    for index, prompt in enumerate(prompts):
        reminders.append(b.sms(prompt, ("reminders", f"sms[{index}]"), SMS_ONE_SEGMENT))

    system: dict[str, Text] = {}
    for name in SYSTEM_KEYS:
        path = ("system", name)
        if name not in raw.get("system", {}):
            raise ContentError(b.file(("system",)), b.key(path), "missing")
        system[name] = b.text(raw["system"][name], path, SMS_TWO_SEGMENTS, VOICE_ANSWER_WORDS)
    for name in raw.get("system", {}):
        if name not in SYSTEM_KEYS:
            raise ContentError(b.file(("system", name)), b.key(("system", name)), "unknown key")

    reasons: dict[str, Text] = {}
    for name, table in raw.get("reasons", {}).items():
        path = ("reasons", name)
        # The core checks each reason inside the emergency SMS against one message.
        reasons[name] = b.text(table, path, SMS_ONE_SEGMENT, VOICE_REASON_WORDS)

    return LocaleContent(
        reasons=reasons,
        locale=locale,
        program_name=b.string(raw["meta"]["program_name"], ("meta", "program_name")),
        contact=b.values["contact"],
        region=Region(
            emergency=b.string(region["emergency"], ("region", "emergency")),
            emergency_number=str(region["emergency_number"]),
            urgent_contact=b.string(region["urgent_contact"], ("region", "urgent_contact")),
            advice_line=str(region["advice_line"]),
        ),
        topics=topics,
        guides=guides,
        escalation=escalation,
        system=system,
        reminders=tuple(reminders),
        zone_names={str(k): str(v) for k, v in raw.get("zone_names", {}).items()},
    )
