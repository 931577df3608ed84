"""Stories told when they are over (issue 11: ConText's "historical" scope).

Written by hand, before the engine was changed, in the voice of people texting; none of
it is taken from the real-message corpora or derived from the triage data. Levels are
what a careful midwife would give by ../shared/clinical-reference.md section 5 (when
unsure, the higher one).

A past episode that ended, or that a clinician or a test assessed and reassured, is not
happening now. Anything still happening now, or back after the reassurance, is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crampvoice.content import ContentError
from crampvoice.engine import Core
from crampvoice.triage import Level, load_vocabulary

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
    # Written by the second reader: the history itself, in the present tense.
    ("I have a history of pre-eclampsia, what helps with cramps?", N),
    ("In my last pregnancy, I had pre-eclampsia", N),
    ("history of pre-eclampsia is it likely to come back?", N),
    ("history of pre-eclampsia, is it likely to come back?", N),
    ("I had a clot after my first, can it come back?", N),
]


#: Failing when the table was written, or in the second reader's round, with why.
_NOT_YET = {
    "Baby was fine at the check up but she has been really quiet since":
        "'she has been really quiet' names no baby movements (a gap in the words for the "
        "baby, not in the story)",
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


#: The second reader's round, written by hand after the change to try to break it: a red
#: flag now hidden inside or after a reassured story. Each must escalate at least this much.
SECOND_READER = [
    ("I had a PE in 2020 and recovered. Woke up unable to breathe properly.", E),
    ("Had a clot years ago. Went to bed fine and woke up with my calf swollen and red", U),
    ("The midwife said it was nothing. Then my calf swelled up and went hot", U),
    ("My scan was clear on Monday, however my leg has swollen up since", U),
    ("Baby was fine at the check up but she has been really quiet since", U),
    ("They said my bp was normal last week. Headache that won't go away and seeing sparkles",
     U),
    ("I fainted at 12 weeks and the doctor said it was low blood sugar. I just fainted again "
     "at the shops", E),
    ("Made a full recovery from my clot last year. Now I've got pain in my chest when I "
     "breathe in", E),
    ("Everything was fine at my scan. An hour ago I started bleeding heavily, soaked two pads",
     E),
    ("She reassured me the chest pain was heartburn. It's much worse now", E),
    ("I was diagnosed with pre-eclampsia last pregnancy. This one I've got a pounding "
     "headache and my hands have puffed up", U),
    ("the ultrasound showed no clot, but I'm more breathless every day", U),
    ("The doctor told me not to worry about the swelling. My left leg is now twice the size "
     "of my right", U),
    ("Went to triage with reduced movements yesterday and the trace was fine. Today he's "
     "barely moved at all", U),
    ("Nurse said baby's heartbeat was strong. I've had no kicks since lunch", U),
    ("I had a fall at 20 weeks and the baby was fine. I fell down the stairs this morning and "
     "hit my bump", U),
    ("Everything turned out fine after my bleed at 8 weeks. Bleeding again now, bright red", U),
    ("After my c-section they said my bloods were normal. Since yesterday my calf is red, hot "
     "and swollen", U),
    # Feeling faint with a racing heart at rest is urgent by the reference (fainting is not).
    ("My PE was treated and I recovered, but tonight my heart is racing and I feel faint", U),
    ("the GP said my headache was tension. woke up with blurred vision", U),
    ("I had a DVT with my first, luckily I recovered, and now my calf is hot and swollen", U),
    ("Scan showed baby was fine. But she hasn't kicked since last night", U),
    ("Doctors said the bleeding was normal after birth. I'm soaking a pad every half hour", E),
    ("Was told it was a migraine last time. This time my face is drooping and my words are "
     "slurred", E),
    ("I went to A&E after fainting and they said everything was fine. Still feeling like I'm "
     "going to pass out", U),
    ("my midwife said my swelling was normal. my face has puffed up really suddenly today", U),
    ("Felt better after a lie down yesterday but the chest pain is back", E),
    ("had a panic attack last month, the ER said my heart was fine. right now I can't catch "
     "my breath and my chest is tight", E),
    ("The doctor said it was a pulled muscle and it would settle. It hasn't, and my calf is "
     "hotter and redder", U),
    ("She was checked and everything was fine. She's now shaking and not responding", E),
    ("The scan was fine yesterday. Went to the loo and passed a clot the size of a golf ball",
     E),
    ("Recovered from pre-eclampsia after my first. Bad headache and flashing lights", U),
    # A verdict, then only what comes back or gets worse, in the past tense.
    ("The doctor said my chest pain was a pulled muscle. It got worse overnight", E),
    ("The doctor said my chest pain was a pulled muscle. Then it came back", E),
    ("The doctor said my headache was a migraine. Its still there 3 days later", U),
    ("I've made a full recovery since, although my calf swelled up again last night", U),
    # Reassured by family, not by a clinician or a test: no verdict.
    ("My calf went red and hot. My husband assured me it's nothing.", U),
    ("My calf went red and hot. My mum reassured me.", U),
    ("My calf went red and hot, my mum told me not to worry", U),
    ("My calf went red and hot but my sister says it was nothing to worry about", U),
    # The past and the present in one sentence, parted by a comma; a past that is denied.
    ("history of clots, my calf is red hot and swollen", U),
    ("I had a DVT years ago, my calf is swollen and red today", U),
    ("I have a history of migraines, bad headache today", U),
    ("years ago I had pre-eclampsia, I have a terrible headache now", U),
    ("sudden severe headache, no history of migraines", U),
    # Still there, or back, in the sentence that dates the story.
    ("Last year I had chest pain and it never went away, it's still there", E),
    ("A few years ago I had a bad headache with my first and it is back", U),
]


@pytest.mark.parametrize(("message", "level"), _marked(SECOND_READER))
def test_the_second_readers_red_flags_still_escalate(
    core: Core, message: str, level: Level
) -> None:
    assert core.assess(message).level.rank >= level.rank, message


def test_only_a_modifier_reopens(tmp_path: Path) -> None:
    source = Path(__file__).parents[2] / "shared" / "triage" / "en.toml"
    text = source.read_text(encoding="utf-8")
    marked = text.replace('[concepts.pain]\nkind = "finding"\n',
                          '[concepts.pain]\nkind = "finding"\nreopens = true\n')
    assert marked != text
    path = tmp_path / "en.toml"
    path.write_text(marked, encoding="utf-8")
    with pytest.raises(ContentError, match="reopens"):
        load_vocabulary(path, "en")
