"""Stories told when they are over (issue 11: ConText's "historical" scope).

Written by hand, before the engine was changed, in the voice of people texting; none of
it is taken from the real-message corpora or derived from the triage data. Levels are
what a careful midwife would give by ../shared/clinical-reference.md section 5 (when
unsure, the higher one).

A past episode that ended, or that a clinician or a test assessed and reassured, is not
happening now. Anything still happening now, or back after the reassurance, is.
"""

from __future__ import annotations

from typing import Any

import pytest

from crampvoice.engine import Core
from crampvoice.triage import Level

E, U, R, N = Level.EMERGENCY, Level.URGENT, Level.ROUTINE, Level.NONE


@pytest.fixture(scope="module")
def core() -> Core:
    return Core.default()


#: A past story, then a red flag now (in either order): it must still escalate.
STILL_HAPPENING_OR_BACK = [
    ("I fainted last week and the doctor said it was fine, but today I fainted again", E),
    ("they said my bp was fine on monday, now I have a terrible headache and flashing lights",
     U),
    ("had a clot in my last pregnancy and now my calf is swollen and red", U),
    ("it eased for a bit but it's back and I can't breathe", E),
    ("I recovered from the pe but I'm short of breath again", E),
    ("The doctor said the chest pain was just heartburn. It hasn't gone away though.", E),
    ("Had a DVT years ago. My left calf swelled up this morning and it's hot to touch", U),
    ("I was checked over after my fall on Saturday and all was fine. Since last night the "
     "baby has barely moved.", U),
    ("Scan came back clear for a clot last month. My calf is swollen again and really "
     "tender", U),
    ("My midwife reassured me it was round ligament pain. Now I'm bleeding and the pain is "
     "much worse", U),
    ("The bleeding stopped after the scan on Tuesday and the baby was fine. It started "
     "again tonight and I've soaked a pad in half an hour", E),
    ("I made a full recovery after my PE in 2019. Over the last hour I've had a tight chest "
     "and I'm struggling to breathe", E),
    ("I got checked for pre-eclampsia last week and everything was normal. I woke up with a "
     "headache that won't shift and my face is puffy", U),
    ("Went to A&E with a swollen leg, the ultrasound showed no clot. It's got bigger and now "
     "it's red and hot", U),
    ("A few years ago I had a seizure. I think my wife is having one now, she's shaking and "
     "won't respond", E),
    ("They told me the dizziness was low blood pressure and sent me home. I just passed out "
     "in the kitchen", E),
    ("The nurse said baby was just sleepy yesterday. He still hasn't moved today", U),
    ("I felt better after a rest, then the pain in my chest came back worse than before", E),
    ("Everything turned out fine with my first. This time my vision has gone blurry and my "
     "head is pounding", U),
    ("The doctor said it was a pulled muscle. It came back last night and my calf is "
     "swollen", U),
    ("The headache went away with paracetamol yesterday but it's back today and I'm seeing "
     "flashing lights", U),
    ("my waters were checked on monday and they were fine. since this morning I keep "
     "leaking fluid", U),
    ("Had a bad fall two years ago. I just slipped down the stairs and landed on my bump", U),
    ("The doctor said my chest pain was a pulled muscle. It's back and it's worse", E),
    ("I had a clot after my son was born and made a full recovery. My calf swelled up last "
     "night and it's sore to walk on", U),
]

#: Past and over: told as a story that ended or was assessed and reassured. The level is
#: the midwife's; the test asks only that it does not escalate.
OVER = [
    ("Two years ago I had a clot in my leg after my son was born. I made a full recovery. "
     "I'm 20 weeks now, what helps with cramps at night?", N),
    ("I had a panic attack at 12 weeks where I couldn't breathe and thought I'd pass out. "
     "The GP said it was anxiety and I've been fine since.", N),
    ("When I was pregnant with my first I fainted at the supermarket. They checked me over "
     "and everything was fine.", N),
    ("I had some spotting at 8 weeks, went for a scan and the baby was fine. That was a "
     "month ago and there's been no bleeding since.", N),
    ("Last month my ankle swelled up after a long flight. The doctor said it was nothing to "
     "worry about and it went down in a day.", N),
    ("I slipped on ice at 18 weeks. They monitored the baby for a few hours and said all "
     "was well.", N),
    ("I had really bad headaches last week so they checked my bp and urine, everything came "
     "back normal", R),
    ("I went to the doctor with chest pain a few weeks ago and he said it was a pulled "
     "muscle from coughing. I recovered after a few days.", N),
    ("My wife was short of breath after the birth so they scanned her lungs. The scan "
     "showed no clots and she was fine.", N),
    ("had a dvt in 2018, all cleared up. just wondering if compression socks help with "
     "cramps", N),
    ("I ended up in hospital with pre-eclampsia with my daughter, she's 3 now. This "
     "pregnancy my blood pressure has been perfect.", N),
    ("Baby was quiet on Sunday so I went in to be monitored. All was fine on the trace and "
     "he's been kicking loads since.", N),
    ("I bled a lot after my first birth and needed a transfusion, but I made a full "
     "recovery.", N),
    ("The midwife was worried my hands looked swollen but my bloods and bp were normal, so "
     "she said it was just water retention", R),
    ("My leg went numb after sitting cross-legged. It was back to normal in a few minutes.",
     N),
    ("I had a bleed at 10 weeks. The ultrasound showed a small haematoma and the doctor "
     "said it would settle, and it did.", N),
    ("I had a fever with a cold last week, the GP said it was viral and it went in two "
     "days", N),
    ("I passed out once in my first pregnancy years ago when I hadn't eaten. Never happened "
     "since.", N),
    ("A few weeks ago my calf was red and tender, the scan showed no clot and the doctor "
     "said it was a superficial vein. It settled with cream.", N),
    ("With my second baby I had a terrible headache and blurry vision and they diagnosed "
     "pre-eclampsia. She's a healthy 4 year old now.", N),
    ("I had chest pains at 30 weeks and they did an ECG and a scan, all clear. Turned out to "
     "be a pulled muscle from coughing.", N),
    ("My feet swelled up in the heat last summer when I was pregnant with my son, the "
     "midwife said it was normal", N),
]


#: Failing when the table was written (before the engine was changed), with why.
_NOT_YET = {
    "I had really bad headaches last week so they checked my bp and urine, everything came "
    "back normal": "'everything came back normal' is no verdict",
    "I ended up in hospital with pre-eclampsia with my daughter, she's 3 now. This "
    "pregnancy my blood pressure has been perfect.":
        "'she's 3 now' is the present within reach of the story's pre-eclampsia",
}


def _marked(rows: list[tuple[str, Level]]) -> list[Any]:
    return [
        pytest.param(m, lvl, marks=pytest.mark.xfail(strict=True, reason=_NOT_YET[m]))
        if m in _NOT_YET
        else (m, lvl)
        for m, lvl in rows
    ]


@pytest.mark.parametrize(("message", "level"), _marked(STILL_HAPPENING_OR_BACK))
def test_what_is_still_happening_or_back_escalates(
    core: Core, message: str, level: Level
) -> None:
    assert core.assess(message).level is level, message


@pytest.mark.parametrize(("message", "level"), _marked(OVER))
def test_a_story_that_is_over_does_not_escalate(core: Core, message: str, level: Level) -> None:
    assert level.rank < Level.URGENT.rank  # the table's own check: these are not red flags
    assert not core.assess(message).level.escalates, message
