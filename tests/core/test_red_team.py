"""The red-team corpus (`tests/data/red_team.tsv`): 271 short texts a second-reader session
wrote and labelled by hand, before the engine ran on them, to break the scopes (a danger
sign beside a negation, a supposition, a question, someone else, the past, a story, a
verdict). A message that must escalate reaches at least its level; one that must not
is not escalated. What is still wrong is listed with why, as strict expected failures:
fixing one makes its test fail until it leaves the list."""

from __future__ import annotations

from pathlib import Path

import pytest

from crampvoice.engine import Core
from crampvoice.evaluation import Example, read_corpus
from crampvoice.triage import Level

DATA = Path(__file__).parents[1] / "data"

_QUESTION = "a question about danger in general with a present report in it and no comma"
_STORY = "a new episode told in the past after a story or verdict cue with no time of its own"
_BABY = "no words for the baby's movements here"
_VERDICT = "a verdict closes every earlier finding, whatever it was about"

#: Still wrong at the end of the stop that added the corpus, with why.
KNOWN = {
    "why does baby not kick anymore": _QUESTION,
    "symptoms of clot calf red hot swollen": _QUESTION,
    "can lack of sleep cause thoughts of hurting the baby": _QUESTION,
    "same thing as last year my calf is swollen and hot on one side": "a comparison with "
    "last year is read as last year",
    "In the end they sent me home. Then the bleeding got heavy and I soaked 2 pads": _STORY,
    "baby hardly kicked all evening. Scan was fine at 28 weeks.": _VERDICT,
    "I collapsed after my shower. The ultrasound showed baby is okay": _VERDICT,
    "baby was moving fine this morning, since then nothing": _BABY,
    "baby usually goes mad at night but tonight nothing": _BABY,
    "the headache went away after paracetamol but it came back and is worse than before":
    "'went away' lowers the headache though it came back worse",
    "swollen calf, both my feet are fine": "'both' of feet that are fine is read as both legs",
    # ...and must-nots still escalated.
    "my sister had pre eclampsia, am i at risk": "a sister is not someone else, and 'at "
    "risk' alone asks nothing",
    "my husband has a swollen ankle from football, can he use my cramp cream": "a partner "
    "is taken to be the pregnant one",
    "with my first i had pre e and my face swelled up, this time all good so far, any "
    "cramp tips": "'and my' ends the past of 'with my first'",
}

_WORDS = "a sign said in words the vocabulary does not have, or in another order"
_POINTING = "'mine' or 'it' after a question does not point back to the sign it asked about"
_HISTORY = "a history told by age ('when I was 15', 'as a kid', 'used to') is not a past"
_OVER = "an ordinary message read as a sign (a second sense, a question, someone else)"
_OVER_NOW = "a past sign, over and reassured, kept open by 'now' said of something else"
_AFTER_BIRTH = "after the birth, bleeding is heavy only with a listed word of heavy"
_BABY_2 = "counted kicks or 'hardly anything': no words for movement there"

#: The second round, still wrong when it was added (its first-contact figures were
#: emergency 85.5%, urgent+ 89.6%, false alarms 12.3%), with why.
KNOWN_2 = {
    "my wife had the baby on monday and now she's bleeding so much it's gone through "
    "her clothes": _AFTER_BIRTH,
    'postnatal depression, feel like throwing myself off the bridge': _WORDS,
    'my calf is rock hard and hurts, not cramping': _WORDS,
    "calf feels bruised but I haven't knocked it, and it's swollen": _WORDS,
    'pulse 130 sitting down': _WORDS,
    'contractions at 30 weeks': _WORDS,
    'sharp lower tummy pain and some fluid': _WORDS,
    'I cant feel the right side of my body': _WORDS,
    "cut my leg shaving over a varicose vein and it's spurting": _WORDS,
    'my leg feels hot and tight': _WORDS,
    'baby was moving fine yesterday but today hardly anything': _BABY_2,
    'usually 10 kicks by now but only 2 today': _BABY_2,
    "is it ok if baby's only kicked twice today": _BABY_2,
    "do I call the midwife if I've had a headache and blurry vision all afternoon": _WORDS,
    'I fainted once at a concert when I was 15. Now pregnant and get cramps, any tips?': _HISTORY,
    'dizzy for a second when I stood up too fast, passed straight away': _OVER,
    'my mum had pre-eclampsia with me, am I at risk?': _OVER,
    'my heart rate goes up when I exercise, is that normal?': _OVER,
    'is it normal for babies to move less near the end?': _OVER,
    'I had a cramp yesterday that lasted ages, maybe 5 minutes, but it went with stretching': _OVER,
    'baby kicked so hard I dropped my cup lol': _OVER,
    'I was bleeding a little at 8 weeks but it stopped and scans were fine, now 25 '
    'weeks and cramps': _OVER_NOW,
    'my temperature was 38 last week with a cold, all better now, cramps at night': _OVER_NOW,
    "my calf was swollen and red last week, had a scan, no clot, it's all gone now "
    "and I just get normal cramps": _OVER_NOW,
    'I fainted in my first pregnancy years ago, all fine since, just want cramp tips': _HISTORY,
    "my hubby slipped a disc lifting the cot, I'm fine, I just get calf cramps": _OVER,
    "I'm 28 weeks, will cramps get worse?": _OVER,
    'what does it mean if my baby moves less? asking for my antenatal class homework': _OVER,
    'I heard pre-eclampsia can cause swelling, what should I look out for?': _OVER,
    "the weather's hot and my feet swell a little by night, both of them, gone by morning": _OVER,
}

#: The third round, a measurement at its first contact (emergency 94.1%, urgent+ 95.2%,
#: false alarms 2.6%); tuned to only by two mechanisms its misses showed (a past in
#: another part hid self-harm; pads by the hour). Still wrong, with why.
KNOWN_3 = {
    "only felt 2 faint kicks all day, usually he's really active": "'faint kicks' is kept "
    "from fainting, and nothing reads two kicks as fewer",
    "cramp has lasted more than 10 minutes, i've stretched and it's still locked": _WORDS,
    "dampness in my underwear that keeps coming, 35 weeks, not wee i think": _WORDS,
    "babby not mooving since last nite": "misspellings the normaliser does not mend",
    "it's been fine all week, just the odd short cramp": _OVER,
}

#: The fourth round, written as real people write; its first contact: emergency 66.7%,
#: urgent+ 87.5%, false alarms 13.8%. Tuned to by the words its misses showed (fainting,
#: fits, speech, self-harm, "days back", a thermometer, the weather). Still wrong: signs
#: said in words or combinations the rules lack (_WORDS), ordinary messages or finished
#: stories read as signs (_OVER).
KNOWN_4 = {
    'calf still tight and hot from yesterday and now my heart is going like the '
    'clappers even lying down and I feel a bit grey. prob nothing but':
    _WORDS,
    'Madam my daughter in law 7 month pregnant, one leg is swelling since 3 days, '
    'today evening she fell down in the kitchen, eyes closed for some time then she '
    'got up. Now she is saying ok. Please tell home remedy':
    _WORDS,
    'WHY CANT I BREATHE PROPERLY my leg has been killing me all week and now this 31 '
    'weeks':
    _WORDS,
    'my mum says its nothing but my right leg feels heavy and achy and when I press '
    'my shin it leaves a dent, the left one doesnt do that. 36 weeks':
    _WORDS,
    "Normally he goes mad at bedtime but tonight nothing, I've been poking and "
    "playing music for an hour. 35 weeks. I'm sure he's just asleep":
    _WORDS,
    'calf cramp started at 2.40 and its now 3.05 and its still locked solid, ive '
    'stretched and pulled my toes up and rubbed it, nothing':
    _WORDS,
    'Whole day giddiness is there, not stopping, even lying down head is spinning. '
    'Delivered 3 weeks ago':
    _WORDS,
    'my undies keep getting wet through the day, clear watery stuff, more than normal'
    ' discharge. 36 weeks':
    _WORDS,
    'Mostly asking about cramps. Had one in my calf at 3 am, I walked it off and it '
    "went in a couple of minutes, that part is fine. But now that I'm up and thinking"
    " about it I don't think the baby has moved at all today and I'm 36 weeks. Anyway"
    ' what stretches are best before bed?':
    _WORDS,
    'Some crampy feeling in my uterus when I breastfeed, baby is 1 week, bleeding is '
    'light and getting less':
    _OVER,
    "Tummy aches a bit after my dinner most nights, I think it's wind. No bleeding or"
    ' anything. 25 weeks':
    _OVER,
    'with my first in 2019 i had a DVT at 30 weeks, swollen leg, the lot, was on '
    'injections till 6 weeks after. all fine since and shes 6 now. just sharing cos '
    'people on here were asking what it felt like':
    _OVER,
    'my sister had a seizure with pre-eclampsia back in 2015, she and my nephew are '
    'both totally fine now. its made me paranoid, what are the signs i should look '
    'for?':
    _OVER,
    'Two years ago I fell down the stairs at 32 weeks, got monitored for 4 hours and '
    "all was fine, he's a cheeky toddler now. Is it normal to still be scared of "
    'stairs this time around? No falls this time':
    _OVER,
    'Had a scare last week where baby went quiet, went into the maternity unit, they '
    'monitored for an hour and she was perfect, kicking away since. Midwife said come'
    ' back any time. Just wanted to say thanks to whoever posted to go in':
    _OVER,
    'Last month I had swelling in one leg, went to hospital, doppler was normal, '
    'doctor said no clot. Now swelling is gone. Only small cramps at night now':
    _OVER,
    'my feet are killing me after the shopping centre, walked for 4 hours. both the '
    'same, not really swollen. stretches?':
    _OVER,
    'nearly fainted when I saw the price of the pram lol. anyway, best way to stop a '
    'calf cramp?':
    _OVER,
    'my blood is boiling, husband left the wet towels on the bed again. also the '
    'cramp in my calf last night, short one, how do i stop them':
    _OVER,
}

ROWS = read_corpus(DATA / "red_team.tsv")
ROWS_2 = read_corpus(DATA / "red_team_2.tsv")
ROWS_3 = read_corpus(DATA / "red_team_3.tsv")
ROWS_4 = read_corpus(DATA / "red_team_4.tsv")


@pytest.fixture(scope="module")
def core() -> Core:
    return Core.default()


def _param(example: Example, known: dict[str, str]) -> object:
    reason = known.get(example.text)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(example, id=example.text[:60], marks=marks)


def test_every_known_failure_is_in_its_corpus() -> None:
    assert set(KNOWN) <= {example.text for example in ROWS}
    assert set(KNOWN_2) <= {example.text for example in ROWS_2}
    assert set(KNOWN_3) <= {example.text for example in ROWS_3}
    assert set(KNOWN_4) <= {example.text for example in ROWS_4}


@pytest.mark.parametrize(
    "example",
    [_param(e, KNOWN) for e in ROWS]
    + [_param(e, KNOWN_2) for e in ROWS_2]
    + [_param(e, KNOWN_3) for e in ROWS_3]
    + [_param(e, KNOWN_4) for e in ROWS_4],
)
def test_the_red_team_corpus(core: Core, example: Example) -> None:
    got = core.assess(example.text).level
    if example.level.rank >= Level.URGENT.rank:
        assert got.rank >= example.level.rank, (example.text, got)
    else:
        assert got.rank < Level.URGENT.rank, (example.text, got)
