"""Red-flag triage, row by row of ../shared/clinical-reference.md section 5.

Every table here is written by hand. None of it is derived from the content or the
triage patterns under test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crampvoice import gsm, render
from crampvoice.content import ContentError
from crampvoice.engine import Core
from crampvoice.evaluation import evaluate, read_corpus
from crampvoice.state import State
from crampvoice.triage import Assessment, Level, Triage, load_vocabulary
from crampvoice.understanding import Understander, Understanding

E, U, R, N = Level.EMERGENCY, Level.URGENT, Level.ROUTINE, Level.NONE

REFERENCE_ROWS = [
    # leg pain or swelling with breathlessness, chest pain, coughing blood, racing heart, fainting
    ("my calf is swollen and now I can't breathe properly", E),
    ("leg hurts and I feel short of breath", E),
    ("swollen leg and a sharp pain in my chest when I breathe in", E),
    ("my calf has been sore for days and I just coughed up blood", E),
    ("my heart is racing and my leg is swollen", E),
    ("I fainted and my leg is really painful", E),
    # chest pain or sudden breathlessness alone
    ("I have chest pain", E),
    ("suddenly I can't catch my breath", E),
    ("trouble breathing", E),
    ("I'm having difficulty breathing", E),
    # seizure, unresponsive
    ("my wife is having a fit", E),
    ("she collapsed and won't wake up", E),
    # stroke signs
    ("my face is drooping on one side", E),
    ("my speech is slurred and my arm feels weak", E),
    # bleeding varicose vein
    ("my varicose vein is bleeding and won't stop even with pressure", E),
    # urgent: a possible clot
    ("pain in my left calf that won't go away", U),
    ("my right leg is swollen, the left one is fine", U),
    ("my calf is red and warm", U),
    ("the leg has gone a darker colour", U),
    ("there's a hard, sore vein behind my knee", U),
    ("it hurts to walk on my left leg", U),
    ("my left calf is swollen and hot and it hurts to walk", U),
    # urgent: pre-eclampsia signs
    ("I have a terrible headache", U),
    ("my vision is blurry and I see flashing lights", U),
    ("severe pain just below my ribs", U),
    ("I keep vomiting", U),
    ("my face and hands swelled up suddenly today", U),
    # urgent: the baby
    ("the baby is moving less than usual", U),
    ("I haven't felt the baby move today", U),
    # urgent: long cramp, fever, fall
    ("this cramp has lasted 20 minutes and stretching doesn't help", U),
    ("my leg aches and I have a fever of 38.5", U),
    ("I fell down the stairs onto my bump", U),
    # belly cramps with danger signs
    ("stomach cramps and some bleeding", U),
    ("belly cramps and I think my waters broke", U),
    ("tightenings in my belly every 5 minutes", U),
    # routine
    ("cramps wake me up every night", R),
    ("my toes go numb sometimes but I can move them fine", R),
    ("both ankles are a bit puffy in the evening and fine by morning", R),
    ("should I start taking magnesium?", R),
    ("mild period-like cramps in my tummy, no bleeding", R),
    # none
    ("had a cramp last night, it's gone now, no swelling", N),
    ("I have a cramp in my calf right now", N),
    ("short calf cramp at 3am, sore this morning, not red or swollen", N),
    ("why do I get leg cramps", N),
    ("thanks", N),
]

NEGATION_AND_SCOPE = [
    ("no swelling but it's red", U),
    ("no chest pain, breathing fine", N),
    ("no trouble breathing, just a sore calf after a cramp that passed", N),
    ("not swollen, not red, not warm, just sore", N),
    ("my leg isn't swollen but I can't breathe", E),
    ("without any swelling or redness, a quick cramp that passed", N),
    ("no pain in my chest but I'm so short of breath", E),
    ("nothing like chest pain, just a calf cramp", N),
    ("I'm not breathless, but my left calf is swollen", U),
    ("my chest is fine, my calf hurts after a cramp, it's easing", N),
]

ONE_LEG_VERSUS_BOTH = [
    ("both ankles swell a little by the end of the day", R),
    ("my left leg is much more swollen than my right", U),
    ("both feet suddenly swelled up this afternoon", U),
    ("swelling in one leg only", U),
]

SPELLING_AND_PLAIN_WORDS = [
    ("my leg is swolen and its hard to brething", E),
    ("calf is hott", U),
    ("my leg is puffy", U),
    ("it's hot to touch", U),
    ("can't catch my breath", E),
    ("charley horse last night, gone now", N),
    ("baby hasnt moved much today", U),
]

SEVERAL_SENTENCES_AND_AFTER_BIRTH = [
    ("Had a cramp. Now my calf is swollen. And I'm breathless.", E),
    ("Had a cramp. It went. But now the calf is all swollen.", U),
    ("since I gave birth my calf has been red and sore", U),
    ("2 weeks postpartum and I have chest pain when I breathe", E),
    ("Nothing wrong with my legs. It's my chest. It hurts.", E),
]

QUESTIONS_ARE_NOT_REPORTS = [
    ("what does a clot feel like?", N),
    ("when should I worry about leg pain?", N),
    ("is chest pain in pregnancy dangerous?", N),
    ("what should I do if my leg swells up", N),
    ("my calf is red and swollen, could it be a clot?", U),
    ("what does a clot feel like? asking because my calf is warm and swollen", U),
]

NOT_LEG_CRAMPS = [
    ("I have belly cramps", R),
    ("really severe pain in my tummy", U),
    ("cramps low in my belly and there's fluid leaking", U),
]


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in text.replace("?", ".").split(". ") if part.strip()]


@pytest.fixture(scope="module")
def core() -> Core:
    return Core.default()


@pytest.mark.parametrize(
    ("message", "level"),
    REFERENCE_ROWS
    + NEGATION_AND_SCOPE
    + ONE_LEG_VERSUS_BOTH
    + SPELLING_AND_PLAIN_WORDS
    + SEVERAL_SENTENCES_AND_AFTER_BIRTH
    + QUESTIONS_ARE_NOT_REPORTS
    + NOT_LEG_CRAMPS,
)
def test_level(core: Core, message: str, level: Level) -> None:
    assert core.assess(message).level is level, message


@pytest.mark.parametrize(
    ("locale", "number"),
    [
        ("en-GB", "999"),
        ("en-US", "911"),
        ("en-AU", "000"),
        ("en-CA", "911"),
        ("en-IN", "112"),
        ("en-NZ", "111"),
        ("en-IE", "112"),
    ],
)
def test_emergency_reply_leads_with_the_local_number(core: Core, locale: str, number: str) -> None:
    reply = core.respond("my calf is swollen and now I can't breathe properly", locale=locale)
    text = render.sms(reply)
    assert reply.triage is Level.EMERGENCY
    assert text.startswith(f"Call {number}")
    assert gsm.segments(text) == 1
    spoken = render.plain_voice(reply)
    first_two = ". ".join(spoken.split(". ")[:2])
    assert number in first_two
    assert reply.end_session
    assert reply.escalation is not None and reply.escalation.emergency_number.startswith(number)


def test_unknown_region_says_local_emergency_number(core: Core) -> None:
    reply = core.respond("I have chest pain", locale="en")
    assert "your local emergency number" in render.sms(reply)


def test_escalation_beats_the_question_asked(core: Core) -> None:
    reply = core.respond("does magnesium help? also my calf is red and swollen", locale="en-GB")
    text = render.sms(reply)
    assert reply.triage is Level.URGENT
    assert text.startswith("Contact the maternity triage")
    assert "magnesium" not in text.lower()


def test_escalation_asks_to_say_pregnant(core: Core) -> None:
    for message in ("I have chest pain", "the baby is moving less"):
        text = render.sms(core.respond(message, locale="en-US")).lower()
        assert "pregnant" in text


def test_bleeding_vein_gets_first_aid(core: Core) -> None:
    text = render.sms(core.respond("varicose vein bleeding and it won't stop", locale="en-GB"))
    assert text.startswith("Call 999")
    assert "press" in text.lower()


def test_follow_up_yes_settles_urgent(core: Core) -> None:
    asked = core.respond("my leg still hurts", locale="en-GB")
    assert asked.state.pending == "leg_check"
    assert "swollen, red or warm" in render.sms(asked)
    settled = core.respond("yes", state=asked.state, locale="en-GB")
    assert settled.triage is Level.URGENT
    assert render.sms(settled).startswith("Contact")


def test_follow_up_no_gives_self_care_and_when_to_act(core: Core) -> None:
    asked = core.respond("my leg still hurts", locale="en-US")
    settled = core.respond("no", state=asked.state, locale="en-US")
    assert settled.triage is Level.ROUTINE
    assert settled.state.pending is None
    assert "sore" in render.sms(settled)


def test_follow_up_description_is_triaged(core: Core) -> None:
    asked = core.respond("my leg still hurts", locale="en-AU")
    settled = core.respond("it's swollen and I'm breathless", state=asked.state, locale="en-AU")
    assert settled.triage is Level.EMERGENCY
    assert render.sms(settled).startswith("Call 000")


def test_follow_up_in_voice_has_a_reprompt(core: Core) -> None:
    asked = core.respond("my leg still hurts", locale="en-US")
    assert render.reprompt_ssml(asked) is not None


def test_red_flags_survive_any_conversation_state(core: Core) -> None:
    for state in (
        State(guide="relief", step=2),
        State(pending="delete_confirm"),
        State(pending="leg_check"),
    ):
        reply = core.respond("I can't breathe", state=state, locale="en-US")
        assert reply.triage is Level.EMERGENCY


DATA = Path(__file__).parents[1] / "data"


@pytest.mark.parametrize(
    ("corpus", "size"), [("triage_corpus.tsv", 300), ("triage_holdout.tsv", 150)]
)
def test_corpus_meets_targets(core: Core, corpus: str, size: int) -> None:
    report = evaluate(core, read_corpus(DATA / corpus))
    assert len(report.outcomes) >= size
    assert not report.misses(), report.text()
    assert report.recall(Level.EMERGENCY) == 1.0
    assert report.recall(Level.URGENT) == 1.0
    assert report.false_alarm_rate() <= 0.03, report.text()


# --------------------------------------------------------------------------- real language
# Written by hand from the reference's section 5 and the kinds of failure seen in real
# messages (paraphrased, never copied from a corpus, never derived from shared/triage).

PARTNERS_AND_PLAIN_WORDS = [
    ("she's on the floor shaking and choking, what do I do", E),
    ("my wife is jerking all over and her eyes rolled back", E),
    ("I think I just had a stroke, my face feels numb on one side", E),
    ("feels like something heavy is sitting on my chest", E),
    ("there's a weight pressing on my chest and I feel sick", E),
    ("my girlfriend passed out in the bathroom", E),
    ("I keep thinking about hurting myself", E),
    ("sometimes I think the baby would be better off without me", E),
    ("I keep getting pictures in my head of hurting my son", E),
    ("I am frightened I might smother her, the thought will not go away", E),
    ("intrusive images all day whenever I hold the baby", E),
    ("my heartbeat is irregular and my left ankle is puffy", E),
    ("all of a sudden my rings will not come off and my fingers are puffy", U),
    ("my rings do not fit any more", R),
    ("the cramp was last night and my calf is still rock hard", U),
    # Above the belly button is below the ribs (pre-eclampsia's pain); around it is not.
    ("sharp pain above my belly button", U),
    ("shooting pain just above the navel since this morning", U),
    ("a dull ache around my belly button", R),
    # A bump that goes hard is a tightening; a pain said to be very painful is severe.
    ("my stomach goes rock hard and it's coming and going every few minutes", U),
    ("my bump keeps getting hard and it hurts", U),
    ("these belly pains are ridiculously painful", U),
    ("my tummy is so painful, it's unreal", U),
    ("I sneezed and something wet came out, and more since", U),
    # "I can hardly move" is the person, not the baby.
    ("my tummy is so painful I can hardly move", U),
    ("my back is so stiff I can barely move in the mornings", N),
    ("she can hardly move for the heartburn", N),
    ("the baby has hardly moved today", U),
    # One leg that will not hold her up is weakness of one side (a stroke sign); a numb leg
    # alone is numbness without weakness.
    ("my left leg is paralysed, I can't lift it off the bed", E),
    ("one of her legs is paralyzed since the birth and she can't stand", E),
    ("my right leg went weak all of a sudden and I can't stand on it", E),
    ("my left thigh is numb, it comes and goes", R),
    ("one of my legs is swollen", U),
    ("both my legs feel weak and heavy at the end of the day", N),
    ("I had sleep paralysis again last night, it was terrifying", N),
    ("the cramp was so bad it paralysed my left leg for a minute", N),
    ("I froze at the top of the stairs, paralysed, it was so scary", N),
    ("she is paralysed down one side", E),
    ("with the epidural both my legs were paralysed for hours", N),
    ("my left leg feels weak after the cramp last night", N),
    ("I'm paralysed with fear about the birth, my left leg cramps every night", R),
    # Signs in indirect words (the fourth red team's kinds, said otherwise here).
    ("the world went black and next I was lying by the sink", E),
    ("I came to with the dog licking my face, I must have dropped", E),
    ("my girlfriend slid down the wall and her eyes were open but she was not there", E),
    ("the room went dark for a second when I stood, it's 2 weeks after my c section", E),
    ("he says I had some sort of fit on the sofa, 35 weeks", E),
    ("my wife was staring and twitching and would not answer me", E),
    ("her words come out all jumbled and wrong since this morning", E),
    ("my right arm has no power in it all of a sudden", E),
    ("I've been counting how many of my tablets it would take", E),
    ("I keep thinking about walking into the sea", E),
    ("I gave birth 3 weeks back, now passing clots the size of an egg", E),
    ("I went dark red in the face from laughing", N),
    ("my back hurts, I had a cramp a few days back", N),
    # A temperature on the thermometer is the body's; one in the weather is the air's.
    ("39.2 on the thermometer, 30 weeks, is that bad?", U),
    ("it's 39 degrees outside today and my feet are puffy by the evening, both of them", R),
    # ...unless the person's own temperature is named with the weather.
    ("my temperature is 38.6 and the heat outside is unbearable", U),
    ("it's 35 degrees outside and I've got a fever of 38.4", U),
    # A week of pregnancy is not a temperature, nor is the c of a c-section.
    ("I had a c-section at 38 weeks, now my calves cramp at night", R),
    ("temp was normal at my check, I'm 38 weeks and get short cramps at night", N),
]

AFTER_THE_BIRTH = [
    ("gave birth 5 days ago, soaking a pad every hour and passing clots the size of an egg", E),
    ("heavy bleeding with big clots since the delivery", E),
    ("3 weeks postpartum and it hurts to breathe in", E),
    ("two weeks after my c section, sudden worst headache of my life and light hurts my eyes", E),
    ("had the baby last week, my calf is red and sore", U),
    ("a week after birth I have a fever of 38.6", U),
    ("lochia smells really bad, 10 days after birth", U),
    ("nine days after my caesarean the incision has opened", U),
    ("my stitches look infected and there is pus", U),
    ("my c-section scar is healing nicely, a bit itchy", N),
    ("my incision is not red or oozing, just sore", N),
]

QUESTION_FRAMING_NEVER_LOWERS = [
    ("is it normal that the baby hasn't moved for days?", U),
    ("should I worry that my left calf is swollen and warm?", U),
    ("my friend said it's normal that the baby moves less at the end, is that right?", U),
    ("is it normal to be this short of breath all of a sudden?", E),
    ("is it bad that I coughed up a bit of blood?", E),
]

WORD_SENSES = [
    ("I can feel faint kicks low down today", N),
    ("put some icy hot on my calf after the cramp, it's fine now", N),
    ("the warmer it gets the more my ankles swell by the evening, both of them", R),
    ("cramp lasted about 10 minutes and now it's fine", N),
    ("a hot water bottle on my calf helped the cramp", N),
    ("I fell asleep on the sofa and woke with a cramp, gone now", N),
    ("bloody cramps again tonight, gone now", N),
    ("my nose bleeds a bit when I blow it", N),
    ("my blood pressure was fine at the check up", N),
    # Written by hand before the word-sense changes of stop 20.
    ("it slipped my mind to ask about my leg cramps at my appointment", N),
    ("the fruit punch flavour of the glucose drink was the best", N),
    ("I keep shaking my hands to get the pins and needles out", R),
    ("woke up suddenly with mind numbing pain in both wrists, carpal tunnel again", R),
    ("a hand-size patch on the outside of my left thigh goes numb when I stand", R),
    ("still get flashes of pain in my hip from the SPD", N),
    ("my heart skips a beat now and then when I lie down", R),
    ("my heart keeps skipping beats and it is getting worse", U),
    ("I've been throwing up every morning, 9 weeks today", R),
    ("throwing up at 34 weeks with a bad headache", U),
    ("I get dizzy spells on and off, what should I do?", R),
    ("I have been more and more breathless for weeks, stairs are hard", U),
    ("now and then I get out of breath just sitting on the sofa", U),
    ("I am suddenly breathless and it is getting worse", E),
    # Past-tense and plain descriptions (stop 20, written before the vocabulary changes).
    ("I couldn't get my breath at all on the phone just now", E),
    ("I went dizzy and the next thing I knew I was lying in the hallway", E),
    ("I felt light-headed and out of breath sitting on the sofa", E),
    ("my calf has hurt for a couple of days since that cramp, it hurts to walk", U),
    ("a small clot on the tissue when I wiped, I'm 8 weeks", U),
    ("my blood pressure is way higher than it was at booking", U),
    ("her face puffed up very quickly this afternoon", U),
    ("ten days after the birth she is acting strangely and not herself", E),
    ("she keeps saying someone wants to kill the baby", E),
    ("up all night feeding the baby, and now I've started hearing voices", E),
    # A son or daughter may be an older child: bleeding in pregnancy stays urgent.
    ("I am 30 weeks, after feeding my son I noticed some bleeding", U),
    ("a warm rush when I stood up and my legs are smeared with blood, 22 weeks", E),
    ("I only need to call if I get a headache or blurry vision, which hasn't happened", N),
    ("the baby is still kicking away like mad this morning", N),
    ("lots of Braxton Hicks this week, my bump goes tight and hard and it hurts", R),
    ("Braxton Hicks every five minutes for the last hour and they hurt", U),
    # Terms whose alternatives were two words never matched (a|went up, a|not as good).
    ("my blood pressure went up at the clinic", U),
    ("my vision is not as good as it was yesterday", U),
    ("my legs keep kicking out at night and I can't sleep", N),
    # A fit of something else, clothes that fit, and control of something else.
    ("I've had three crying fits today, the hormones are wild", N),
    ("my jeans are fitting tighter every week", N),
    ("I nearly lost control of my bladder when I sneezed", N),
    # A fall that is no fall: a disc, blood sugar, a baby kicking, a feeling.
    ("I have a slipped disc, is a heat pad ok for my calf cramps?", N),
    ("I felt shaky, probably let my blood sugar fall too low", N),
    ("the baby keeps kicking above my belly button all evening", N),
    ("my bump is so low it feels like the baby is about to fall out", N),
    # Breath and blood in another sense.
    ("which side to sleep on so I don't constrict blood flow to the baby?", N),
    ("I have a blood clotting disorder, can I still use a heat pad on my calf?", N),
    ("the cramp doubled me over, gasping in pain, it eased after five minutes", N),
    ("once I could catch my breath again the cramp let go", N),
    ("lying flat it feels like my bump is suffocating me, so I sleep on my side", N),
    ("she punches me from the inside all evening", N),
    ("this baby uses me as a punching bag every night", N),
    ("my calf goes rock hard in a cramp, soft again now", N),
    # ...and the same words still mean the sign.
    ("she's fitting and won't wake up", E),
    ("I slipped on the ice and fell on my bump", U),
    ("I'm gasping and can't get my breath", E),
]

# A question about pregnancy in general is answered with the warning signs; the same
# question about one's own symptom is read for its content.
GENERAL_QUESTIONS = [
    ("Is it normal to be short of breath in pregnancy?", N),
    ("is it common to get headaches during pregnancy?", N),
    ("is it normal to be this short of breath all of a sudden?", E),
    ("is it normal that I'm short of breath since this morning?", E),
]

ACROSS_SENTENCES_AND_STORIES = [
    ("My vision went blurry an hour ago. Now my right hand is numb.", E),
    ("My calf is swollen. Now I can't breathe properly.", E),
    ("It's my left calf. It's been swollen since yesterday.", U),
    ("I had a DVT in my last pregnancy years ago, what are the chances again?", N),
    ("my friend had a clot after her baby, how do I know if I have one?", N),
    # A story that is over: what happened then is not happening now...
    ("I ended up in the ER with a clot in my lung after my first. I made a full recovery.", N),
    ("My story: I had a seizure the day after my son was born and they admitted me.", N),
    # ...but what is said in the present tense still is.
    ("I ended up in hospital with a DVT last year. Now my left calf is swollen again.", U),
    ("I remember my first charley horse. Today my right calf is red and hot.", U),
    # A dash ends what a negation reaches.
    ("I haven't done this for years - I fainted at work this morning", E),
]

BOTH_LEGS_AND_TRENDS = [
    ("my feet and ankles swell and ache by the evening, both of them", R),
    ("my legs and feet are so swollen and they hurt", R),
    ("my hands and feet have been really puffy this week, I'm 34 weeks", U),
    ("my left ankle is swollen and painful", U),
    ("the leg cramps are getting worse with each day", R),
    ("shooting pain in my calf, I stretched it and 10 minutes later it was back to normal", N),
    ("I couldn't stop moving my legs all night, they felt like ants crawling", N),
    ("I'm exhausted all the time", N),
    ("I keep imagining hurting my baby. Am I a danger to her?", E),
]

#: A story is over only when it says so (an outcome, a year); past tense alone is not
#: enough, and a person or partner describing confusion, self-harm or blood after a cough
#: is heard whatever words they use.
NOT_OVER_UNTIL_IT_SAYS_SO = [
    ("I was 30 weeks when I woke up and my right leg was swollen and a dark purple colour", U),
    ("when I was 8 months pregnant I got this terrible pain in my calf, I could barely walk", U),
    ("my first trimester was awful: I fainted twice", E),
    ("she doesn't know who I am and keeps saying the nurses aren't real", U),
    ("my girlfriend has been cutting herself since the baby came", E),
    ("had a chesty cough all week. this morning there was blood in the tissue", E),
    ("I tried to walk but the pain in my left calf was too much", U),
    ("I'm confused about which stretches to do", N),
    ("my cough is keeping me up at night", N),
    ("the cramp finally loosened enough that I could hobble to the bathroom", N),
    ("I get a burning pain in my left leg when I stand on it", U),
    ("calf cramp again, I stood on it and it eased", N),
    # A diagnosis told in the past tense closes the story; in the present it does not.
    pytest.param(
        "I had a stroke a few weeks after the birth: my left side went weak, speech slurred",
        N, marks=pytest.mark.xfail(strict=True, reason="a part with no tense after a comma "
                                   "is read as now, the safer reading: 'back in 2019 i had a "
                                   "clot, calf swollen and red' is a report"),
    ),
    ("they said it turned out to be a clot in my lung, I felt so breathless that week", N),
    ("I have a clot in my left calf and it is swollen", U),
    ("a bad cough since Monday. this morning my mouth filled with blood", E),
    ("my gums bleed and there's blood in my mouth when I brush", N),
    ("a week after the birth I found myself back in hospital with a fever", U),
    ("after my first baby my blood pressure was 170/110 and they admitted me", N),
    ("my blood pressure was 170/110 at the clinic today", U),
    ("the first sign of a problem was a headache, then they diagnosed pre-eclampsia", N),
    # A cramp of more than ten minutes; of an hour, even when it eased in the end.
    ("it lasted 10 minutes and now it's fine", N),
    ("calf cramp that lasted over an hour before it finally eased", U),
    ("a cramp in my left calf, it went, then an hour later one in the right", N),
]

# Written by hand before the outcome and verdict cues: a story whose end is told is over;
# what is told after a verdict, or in the present tense, is not.
STORIES_WITH_AN_OUTCOME = [
    ("I slipped on the stairs at 20 weeks and went in to be checked, the baby was fine", N),
    ("lost a lot of blood and passed big clots that night, but the scan showed a healthy baby", N),
    ("the left leg swelled badly. The ultrasound came back clear, no clot", N),
    ("back in 2016 my vision went blurry and my ankles ballooned", N),
    ("she fainted at 12 weeks and was checked over in A&E, all was fine", N),
    ("my calf was so sore, the midwife said it was a trapped nerve", N),
    ("I fainted at the clinic. They attributed it to skipping breakfast", N),
    ("my feet swelled up badly, the doctor said that my swelling was nothing to worry about", N),
    (
        "I felt a sharp stabbing pain in my belly that stopped me in my tracks. "
        "It was round ligament pain",
        N,
    ),
    (
        "I woke up gasping for air and sure I was dying. "
        "The ER doctor said I suffered a panic attack",
        N,
    ),
    (
        "I was so breathless at 36 weeks I could not climb the stairs. "
        "Months later I can laugh about it",
        N,
    ),
    ("the pain in my left calf went on for days. To this day nobody knows why", N),
    ("I had terrible headaches and blurred vision at 38 weeks and was induced", N),
    # ...but what follows a verdict happened next, and the present is the present.
    ("the doctor said it was nothing. By the next day my calf was swollen and red", U),
    ("scan was clear last week but today my calf is swollen and hot", U),
    ("everything was fine at my check-up, now I can't catch my breath", E),
    ("baby was fine on the monitor yesterday but I have not felt him move since", U),
    ("in 2019 I had a clot. I think I have another one, my calf is swollen", U),
    ("I was induced on Monday. Since last night I have a pounding headache and blurry vision", U),
    ("it was just heartburn last time. Now my chest is tight and I can't breathe", E),
    ("I thought it was round ligament pain but the pain in my belly is getting worse", U),
    ("went in to be monitored, everything was absolutely fine with the baby", N),
    ("they kept her in for her blood pressure, it came back down to normal and she came home", N),
    ("a day after I was discharged I started to get a crushing feeling in my chest", E),
    ("I was sent home with painkillers and now my calf is red and hot", U),
    # Written from reasoning, before running: an outcome followed by "until" or "but" is
    # the calm before the complaint; a partner's "she said it was" is a report; "it was
    # just after midnight" is a time, not a verdict.
    ("everything was fine until last night when my left calf swelled up", U),
    ("baby was fine but then he stopped moving this afternoon", U),
    ("she said it was hard to breathe and her chest felt crushed", E),
    ("it was just after midnight when my calf went hot and red", U),
    ("the calf was sore for a day; the midwife said it was a muscle strain", N),
    # From the second reader's review of stop 20 (written before the fix): an outcome or
    # a verdict closes only what was told before it, and present-tense reassurance is not
    # an outcome.
    ("Soaking a pad an hour. I am ok though", E),
    ("I am ok, just worried. Soaked through a pad in 20 minutes", E),
    ("Everything seemed fine. Then sudden severe headache and blurred vision.", U),
    ("Baby is okay I think. Sudden swelling of face and hands.", U),
    ("My phone just died. Soaked 2 pads in an hour", E),
    ("Just found out that I'm pregnant again. Bleeding heavily", E),
    ("Doctor said it was a virus, I fainted twice this morning", E),
    ("Midwife said everything looked okay, after I got home I started bleeding heavily and"
     " passed clots", E),
    ("Calf swollen red and hot. Was discharged after my c section 5 days ago", U),
    ("Soaked 3 pads in the last hour. I was sent home from triage yesterday", E),
    ("Sudden swelling in my face and hands and a bad headache. Midwife said it was nothing"
     " last week", U),
    ("Felt faint and collapsed at work. It was nothing probably", E),
    ("It was just a cramp at first, then my calf went red and swollen and hot", U),
    ("The pain in my chest goes up my neck and back down to my arm", E),
    ("The doctor said it was fine on Monday. BP 165/110", U),
    ("Midwife said everything looked ok. Temp 39.4", U),
    ("Baby not moving much, still kicks a bit", U),
    ("My baby has barely moved, still moving a tiny bit", U),
    ("I get the odd headache. I'm breathless and wheezy", E),
    ("I've felt sick the whole pregnancy and now I'm short of breath", E),
    ("My hand suddenly went numb and tingly, my feet are swollen too", E),
    ("I've had Braxton Hicks before but this is severe pain in my belly that won't go away",
     U),
    ("I'm 35 weeks pregnant and have been vomiting for 5 weeks", U),
    ("I've been having dizzy spells all day and it won't pass", U),
    ("My calf is swollen and my heart keeps skipping beats", E),
    ("I have SPD and I'm bleeding heavily", E),
    ("Flashes of light and pain behind my eyes", U),
    ("I slumped on the couch all day with cramps", U),  # cramps all day; not a faint
    # A belief is not an outcome, before it or after it; nor is one's own reassurance:
    # only what a clinician or a test found, or how it ended, closes a story.
    ("I slipped on the ice. Everything was fine I think", U),
    ("I fainted. I'm fine now", E),
    ("I fell down the stairs. Baby is fine, kicking away", U),
    ("I told myself it was nothing, my left calf was red and hot", U),
    ("I was sure everything was fine, but my face and hands were suddenly puffy", U),
]

# A past told as typed closes its own sentence only: a later time ("a few hours later",
# "the next morning") may be now, and a history told with "I think" or "then" closes
# nothing before it (from the second read of a story-time cue that was then removed).
A_LATER_TIME_MAY_BE_NOW = [
    ("I had a PE in 2021. A few hours later I couldn't breathe and my chest hurt", E),
    ("I was diagnosed with a DVT yesterday. A few hours later I couldn't breathe.", E),
    ("I had a DVT in 2019. I went to bed fine. A few hours later I woke up and couldn't breathe.",
     E),
    ("I had a DVT in 2019. The next morning my calf was swollen and red. Should I go to hospital?",
     U),
    ("I had a clot in 2020. Within minutes I could not breathe", E),
    ("I had a DVT in 2019. By the time I got home from work my calf was swollen and red.", U),
    ("They diagnosed a clot in my leg on Monday. The next day I couldn't breathe and coughed "
     "up blood.", E),
    ("In Feb 2019 I had swollen face and hands and a pounding headache", N),
    ("I had a PE in 2021. Woke up gasping for air", E),
    ("I had a DVT in 2019. My calf swelled up and went red last night", U),
    ("I had a cramp at midnight. A few hours later my calf was swollen and red", U),
    ("When I was pregnant with my son my face and hands swelled up. Now my face is puffy again", U),
    (
        "My calf swelled up and went red when I was 30 weeks pregnant, "
        "I am 32 weeks now and it is still swollen",
        U,
    ),
    ("My left calf swelled up and went red. I had a DVT in 2019 I think.", U),
    ("I fainted and hit my head. I was diagnosed with pre-eclampsia in 2020 I think.", E),
    ("My left calf swelled up and went red. I had a DVT in 2019 then another in 2021.", U),
    ("I suddenly couldn't breathe and my chest was tight. I had a PE in 2021 I think it's "
     "happening again.", E),
    ("I had a DVT in 2019 but it cleared up", N),
    # "I had a seizure" with no time is most likely just now; with a year it is history.
    ("I had a seizure", E),
    ("I had a stroke", E),
    ("I had pre-eclampsia in 2022. Today I had a headache. By the evening I had a seizure.", E),
    ("I had a seizure in 2019 and now my calf cramps at night", N),
]

# Labour before its time, itching of the palms and soles (cholestasis: the reference is
# silent, the NHS says to call), sites listed after their finding, and an "if" that asks.
SIGNS_THE_REFERENCE_IMPLIES = [
    ("could this be preterm labour? tightenings since lunch", U),
    ("I think I'm in premature labor", U),
    ("what are the signs of preterm labour?", N),
    ("I had preterm labour with my first, now 20 weeks with cramps in my calf at night", N),
    ("my palms and soles are so itchy at night", U),
    ("itchy hands and feet, 34 weeks, worse at night", U),
    ("I have an itchy rash on my belly", N),
    ("no itchy palms or soles, just cramps", N),
    ("my palms are not itchy", N),
    ("hands and feet never itch, only my back", N),
    ("my feet are really itchy, 34 weeks, worse at night", U),
    ("itching on my hands and feet at night", U),
    ("Do leg cramps mean preterm labour?", N),
    ("I'm on progesterone to prevent preterm labour, and my calves cramp at night", N),
    ("preterm contractions earlier, they've stopped now", N),
    # A place listed after the finding is perhaps where it is too: it adds, never vetoes.
    ("it hurts to breathe in my chest and hip", E),
    ("pain in my leg and chest", E),
    ("pain in my back and left calf that won't go away", U),
    ("my hands and my feet are suddenly puffy", U),
    ("pain in my left calf that doesn't seem to go away", U),
    ("pain in my left calf that doesn't seem to get better", U),
    ("so worried about these headaches and blurry vision", U),
    ("can this mean preeclampsia? bad headache and flashing lights", U),
    ("cramping radiating from my back and uterus for hours", U),
    ("sudden swelling in my face and hands", U),
    ("cramps in my belly for three hours and it doesn't seem to ease", U),
    # Belly pain that does not ease, beside tightenings called practice ones.
    ("Braxton Hicks all day, and now the pain low in my belly is constant", U),
    ("I'm curious if my swollen red calf is a clot", U),
    ("I have been unable to walk without pain in my right thigh for 8 days", U),
    ("unable to walk, my right calf hurts so much", U),
]

# Second senses found in the sixth real collection's development part, both ways.
ASKING_IS_NOT_HARMING = [
    ("Could I harm my baby by running?", N),
    ("will it hurt the baby if I take paracetamol", N),
    ("I'm afraid I might hurt my baby by accident", E),
    ("I want to hurt my baby", E),
    ("my sacrum hurts like I have fallen on it", N),
    ("I fell on my bump like an idiot", U),
    ("burning in my throat and chest after I eat", N),
    ("burning pain in my chest, can't breathe", E),
    ("It feels like a nonstop contraction and my belly hurts", U),
    ("29 weeks and intense itching especially at night", U),
    ("severe pelvic pain and bleeding at 7 weeks", U),
]

DISTRESS_WITHOUT_A_TOPIC = [
    ("help me", N),
    ("it won't stop", N),
    ("STOP IT HURTS", N),
    ("again, third time tonight", N),
]

#: Written by hand before modifiers were bound to their finding (issue 11): how a thing is
#: said (mild, sudden, eased, both, for days...) is said of one finding, and must neither
#: cancel nor complete what is said of another one in the same message.
MODIFIERS_BIND_TO_THEIR_FINDING = [
    # Said of something else, it must not cancel an escalation...
    ("I've had a headache for a week and it won't go away. The nausea is subsiding though.", U),
    ("My back pain is mild but I have a really severe headache", U),
    ("Mild cramps in my tummy and a severe headache since this morning", U),
    ("Terrible headache all day. The cramp in my calf last night was only mild.", U),
    ("The heartburn has eased but I've had a pounding headache since yesterday", U),
    ("Soaked through a pad in under an hour. The cramps are only mild.", E),
    ("I'm bleeding heavily and passing clots. My back aches a little.", E),
    ("Pain in my left calf for three days now and it's not going away. The heartburn settled"
     " after I ate.", U),
    ("I've had pain in my right calf since Monday. Both my ankles get a little puffy in the"
     " evening.", U),
    ("My calf has swollen up since yesterday. Both my hips ache.", U),
    ("I've felt dizzy all day and it won't pass. The heartburn went away when I stood up.", U),
    ("I keep being sick and I'm 32 weeks. A little bit of heartburn too.", U),
    ("I'm out of breath just sitting on the sofa. My legs ache a little after walking.", E),
    # ...nor complete one.
    ("My calf suddenly cramped up last night. I also have a headache today.", R),
    ("The worst cramp of my life last night. Now I have a sudden headache.", U),
    ("My calf cramp was really bad last night. I have a headache today.", R),
    ("I had a quick calf cramp last night. My nose has been blocked for three days.", N),
    ("My heartburn is getting worse every day. I get a bit out of breath on the stairs.", R),
    ("Sharp pain in my side when I sneezed, it came on suddenly and went. Both my ankles are"
     " swollen like every evening.", R),
    ("My left hip aches and both my feet are swollen by the evening", R),
    ("My heart skips a beat now and then. My back pain is getting worse.", R),
    ("I get a bit dizzy when I stand up too fast. My hips have ached for days.", R),
    ("My left knee hurts and my hands go numb at night", R),
    ("Both my hands are numb and tingly in the mornings and my right ankle is sore", R),
    ("Mild tummy cramps tonight. The heartburn is terrible.", R),
    ("My calf cramped for a couple of minutes and then it eased. My back has been sore for a"
     " week.", N),
    # Said of the finding itself, before it, after it, across "and it's", or in the next
    # short sentence about it, the modifier still counts.
    ("Bad headache. It's not going away.", U),
    ("The headache is bad and getting worse", U),
    ("My headache won't go away and it's getting worse", U),
    ("Since yesterday I've had a headache that won't shift", U),
    ("My calf is sore. It's been like that for three days.", U),
    ("My hands swelled up really suddenly this morning", U),
    ("My hands are swollen. It happened really suddenly.", U),
    ("Sudden headache, the worst I've ever had", E),
    ("Had a bad headache this morning but it's gone now", R),
    ("Just a little spotting when I wipe, and mild cramps", U),
    ("My right hand has suddenly gone numb", E),
    ("I'm a bit out of breath when I climb the stairs, it comes and goes", R),
    ("My left calf hurts so much I can barely walk", U),
    ("Cramp in my calf, it's lasted over half an hour and won't let go", U),
    ("Suddenly, my face and hands puffed up", U),
]


@pytest.mark.parametrize(
    ("message", "level"),
    PARTNERS_AND_PLAIN_WORDS
    + AFTER_THE_BIRTH
    + QUESTION_FRAMING_NEVER_LOWERS
    + WORD_SENSES
    + GENERAL_QUESTIONS
    + ACROSS_SENTENCES_AND_STORIES
    + BOTH_LEGS_AND_TRENDS
    + NOT_OVER_UNTIL_IT_SAYS_SO
    + STORIES_WITH_AN_OUTCOME
    + A_LATER_TIME_MAY_BE_NOW
    + SIGNS_THE_REFERENCE_IMPLIES
    + ASKING_IS_NOT_HARMING
    + DISTRESS_WITHOUT_A_TOPIC,
)
def test_level_in_real_language(core: Core, message: str, level: Level) -> None:
    assert core.assess(message).level is level, message


#: A finding with no place takes the first place said after it, even in another sentence
#: with a finding of its own ("...passing clots. My back aches": bleeding at the back). A
#: narrower rule (only a sentence with no finding of its own lends its place) mended these
#: and lost 13 leg-clot and labour escalations in review ("It hurts to walk. My right
#: calf is tender"): left for a binding that can keep both readings.
_LATER_PLACE = pytest.mark.xfail(strict=True, reason="the place of a later sentence")
_SITE_FROM_A_LATER_SENTENCE = {
    "I'm bleeding heavily and passing clots. My back aches a little.",
    "Heavy bleeding with big clots since this morning. My hips are sore from the bed.",
}


def _marked(rows: list[tuple[str, Level]]) -> list[Any]:
    return [
        pytest.param(m, lvl, marks=_LATER_PLACE) if m in _SITE_FROM_A_LATER_SENTENCE
        else (m, lvl)
        for m, lvl in rows
    ]


@pytest.mark.parametrize(("message", "level"), _marked(MODIFIERS_BIND_TO_THEIR_FINDING))
def test_a_modifier_counts_only_for_its_finding(core: Core, message: str, level: Level) -> None:
    assert core.assess(message).level is level, message


#: A finding with no place takes the first one said after it (see `_LATER_PLACE`).
A_LATER_PLACE = [
    ("I'm bleeding heavily and passing clots. My back aches a little.", E),
    ("Heavy bleeding with big clots since this morning. My hips are sore from the bed.", E),
    ("The pain has been there all day and won't ease. It's behind my right knee.", U),
    ("It's been aching for three days. Only my left calf, the right one is fine.", U),
    ("Really bad headache. My feet are a bit puffy as usual.", U),
]

#: A pain that runs from one place to another is at both (stop 27: found when trying a
#: lower-back site of its own; "lower back" stays in the belly meanwhile).
FROM_ONE_PLACE_TO_ANOTHER = [
    ("pain wrapping from my lower back round to my belly, it won't ease", U),
    ("pain from my back round to my belly that won't ease", U),
    ("it aches from my back all the way round the bottom of my bump and it's constant", U),
    ("from my back into my belly it hurts and it will not stop", U),
    ("a sharp pain from my thigh down to my calf, which is swollen", U),
]

#: The lower back is a place of its own: bad back ache is not belly pain, but in waves or
#: beside tightenings that go on it can be labour, and what is told with it still counts.
LOWER_BACK = [
    ("My lower back is killing me, what can I do?", N),
    ("The pain in my lower back is excruciating, any tips?", N),
    ("lower back ache, I've had it for weeks", N),
    ("my lower back pain comes every ten minutes", U),
    ("lower back pain and tightenings that won't stop", U),
    ("lower back pain and some bleeding", U),
    ("my lower back aches and my waters are leaking", U),
]

#: Negation words that negate nothing (NegEx's pseudo-negations).
NEGATING_NOTHING = [
    ("I try not to worry about it but the baby has hardly moved today", U),
    ("Trying not to worry about the reduced movements, he is usually so active", U),
    ("No doubt my left calf is swollen, it is twice the size of the right", U),
    ("Not only is my face puffy, I have a pounding headache and blurry vision", U),
    ("No idea why but my calf is red and hot and it hurts to walk", U),
    ("Not just cramps, I feel short of breath and my chest hurts", E),
    # ...and negations that still negate.
    ("No swelling, no redness, just a cramp last night that went in a minute", N),
    pytest.param(
        "The baby is not moving less, she kicks as much as ever", N,
        marks=pytest.mark.xfail(strict=True, reason="a term's gap runs across the comma: "
                                "'not ... kicks as much' reads as fewer kicks"),
    ),
]


# "It turns out" is told now: what it turns out to be is happening (a story cue only in
# the past tense, "it turned out to be nothing").
TURNS_OUT_NOW = [
    ("I thought I had normal discharge come out but it turns out being some blood", U),
    ("it turns out to be blood, dark red, 7 weeks", U),
    ("turns out to be fluid leaking, not wee", U),
    ("The wet patch turns out to be blood", U),
    ("Turns out the swelling in my calf is worse than I thought, it's hot too", U),
    # ...and the past tense still tells a story that is over.
    ("I had some spotting at 8 weeks, it turned out to be nothing and the scan was fine", N),
    ("At 30 weeks I had a swollen calf, it turned out to be a clot and I was treated. "
     "Baby is 2 now.", N),
    # The reveal closes what came before it, not what it reveals.
    ("I thought my waters had gone. Turns out I just peed, the midwife checked me", N),
    ("I thought it was just wee but turns out it's fluid, it keeps trickling", U),
]


# Written by hand and run on the engine before its fix: each escalation here was `none`.
# A word that can be told now ("they want to admit me", "take me to the ER", "the scan
# shows") is no sign of a story that is over; a time long ago ("two years ago", "last
# year") is said of its own sentence; and a clause in no tense ("Calf swollen and red.")
# is told now even in a story.
PRESENT_BESIDE_A_STORY_WORD = [
    ("My husband is taking me to the hospital. Calf swollen and red.", U),
    ("They want to admit me. Heavy bleeding, soaked a pad in an hour", E),
    ("The scan shows a clot in my leg. Calf swollen and sore.", U),
    ("Please take me to the ER, chest pain and short of breath", E),
    ("Waiting to be admitted. Headache, flashing lights, swollen face", U),
    ("I'm being admitted tonight. Bleeding through pads", E),
    ("I had a DVT two years ago. Calf swollen and red.", U),
    ("Last year I had pre-eclampsia. Bad headache and blurry vision.", U),
    ("I'm recovering from a c-section. Short of breath, chest tight.", E),
    ("Diagnosed with pre-eclampsia last week. Pounding headache, seeing spots.", U),
    ("I had a DVT years ago. Woke up with my calf swollen and hot", U),
    ("I made a full recovery from my PE last year. Chest pain, can't breathe", E),
    ("In the end they sent me home. Bleeding heavily now, soaked 2 pads", E),
    # ...and what is told in the past with a word that says it is over still is.
    ("Two years ago I had a DVT in my left leg. They treated it and it cleared up.", N),
    ("My story: I had pre-eclampsia with my first. It went away after she was born.", N),
    ("Looking back I was so lucky. I had a seizure a day after my son was born and they "
     "admitted me", N),
]

# A verdict closes what was told before it, but not symptoms named now with no verb, and
# not a finding that a word said now, after it, raises again ("but it's worse now").
AFTER_A_VERDICT = [
    ("calf swollen and red, the scan came back clear 2 weeks ago but its worse now", U),
    ("Bleeding bright red. They said it was a polyp last week but it's heavier now", E),
    ("Calf swollen and red. The doctor said it was a trapped nerve.", U),
    ("Baby moving less. Trace was fine yesterday but she's still quiet", U),
    # ...and what the verdict closed, told in the past, stays closed.
    pytest.param(
        "My calf was swollen and red. The scan came back clear. Still sore now but much better",
        R, marks=pytest.mark.xfail(strict=True, reason="'still' said now reopens the swelling "
                                   "the scan closed, though it is said of the soreness"),
    ),
    ("I thought my waters had gone. Turns out I just peed. It felt like a real gush", N),
]


# The baby told as "she" or "he" with a movement word (a kick, been still) is the baby's
# movements; "still" as "yet", or sitting still, is not.
THE_BABY_AS_SHE_OR_HE = [
    ("she hasn't kicked today, 34 weeks", U),
    ("he's been really still tonight", U),
    ("she has been very still all day", U),
    ("he wasn't moving at all this morning, 37 weeks", U),
    ("she is not moving the way she usually does", U),
    ("she is still kicking loads", N),
    ("she sat really still for her scan", N),
]


@pytest.mark.parametrize(
    ("message", "level"),
    _marked(A_LATER_PLACE) + FROM_ONE_PLACE_TO_ANOTHER + LOWER_BACK + NEGATING_NOTHING
    + TURNS_OUT_NOW + PRESENT_BESIDE_A_STORY_WORD
    + AFTER_A_VERDICT + THE_BABY_AS_SHE_OR_HE,
)
def test_what_words_are_said_of(core: Core, message: str, level: Level) -> None:
    assert core.assess(message).level is level, message


def _vocabulary_with(tmp_path: Path, rule: str) -> None:
    source = Path(__file__).parents[2] / "shared" / "triage" / "en.toml"
    path = tmp_path / "en.toml"
    rule = f'[[rules]]\nlevel = "urgent"\nreason = "x"\n{rule}\n'
    path.write_text(source.read_text(encoding="utf-8") + "\n" + rule, encoding="utf-8")
    load_vocabulary(path, "en")


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        # `~` binds a modifier to a finding, not a finding to a finding...
        ('all = ["headache~vision"]', "finding~a modifier"),
        # ...and a modifier alone needs a finding to be said of.
        ('all = ["postpartum", "severe"]', "said of no finding"),
    ],
)
def test_a_rule_says_which_finding_a_modifier_is_said_of(
    tmp_path: Path, rule: str, problem: str
) -> None:
    with pytest.raises(ContentError, match=problem):
        _vocabulary_with(tmp_path, rule)


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ("my left calf is swollen and hot", "blood clot"),
        ("I have chest pain", "clot in the lung"),
        ("the baby is moving less than usual", "moving less"),
        ("terrible headache and flashing lights", "pre-eclampsia"),
        ("soaking a pad an hour since the birth", "Heavy bleeding"),
        ("my wife is having a fit", "fit"),
    ],
)
def test_every_escalation_says_why_then_who_to_call(core: Core, message: str, why: str) -> None:
    for locale in ("en-GB", "en-US", "en"):
        reply = core.respond(message, locale=locale)
        text = render.sms(reply)
        assert reply.triage.escalates and reply.escalation is not None
        assert text.startswith(("Call ", "Contact ")), text  # who to call, first
        assert why in _sentences(text)[1], text  # then why, in one plain sentence
        assert why.lower() in render.plain_voice(reply).lower()
        assert gsm.is_gsm7(text)
        if reply.triage is Level.EMERGENCY:
            assert gsm.segments(text) == 1


def test_thoughts_of_self_harm_get_the_emergency_number_then_the_crisis_line(core: Core) -> None:
    text = render.sms(core.respond("I want to end my life", locale="en-US"))
    assert text.startswith("Call 911 now") and text.index("988") > text.index("911")
    assert gsm.segments(text) == 1
    uk = render.sms(core.respond("I want to end my life", locale="en-GB"))
    assert uk.startswith("Call 999 now") and "Samaritans on 116 123" in uk


@pytest.mark.parametrize(
    ("message", "question", "yes"),
    [
        ("my leg still hurts", "swollen, red or warm", U),
        ("I'm a bit out of breath", "suddenly", E),
        ("I'm 30 weeks and sometimes short of breath, is that normal?", "suddenly", E),
        ("a little bleeding after the birth", "soaking a pad", E),
        ("I have a headache", "blurred vision", U),
        ("I'm a bit swollen", "one leg only", U),
    ],
)
def test_doubt_asks_the_one_question_that_settles_it(
    core: Core, message: str, question: str, yes: Level
) -> None:
    asked = core.respond(message, locale="en-GB")
    assert asked.triage is Level.ROUTINE and not asked.end_session
    assert question in render.sms(asked) and "YES or NO" in render.sms(asked)
    assert question in render.plain_voice(asked) and "yes or no" in render.plain_voice(asked)
    assert core.respond("yes", state=asked.state, locale="en-GB").triage is yes
    calm = core.respond("no", state=asked.state, locale="en-GB")
    assert calm.triage is Level.ROUTINE and not calm.escalation


def test_an_informational_question_lists_the_warning_signs(core: Core) -> None:
    reply = core.respond("what are the signs of pre-eclampsia?", locale="en-GB")
    assert reply.triage is Level.NONE and reply.intent.value == "when_to_get_help"
    assert "999" in render.sms(reply)


SAFETY_NET = ("Chest pain", "heavy bleeding", "baby moving less")


def test_not_understood_is_never_all_we_say(core: Core) -> None:
    for message in ("what crib should I buy", "asdfgh", "is it safe to fly at 30 weeks?"):
        reply = core.respond(message, locale="en-GB")
        text = render.sms(reply)
        assert reply.intent.value == "fallback"
        assert "not sure what you're asking" in text
        assert all(sign in text for sign in SAFETY_NET) and "999" in text
        assert "999" in render.plain_voice(reply) and "heavy bleeding" in render.plain_voice(reply)


def test_distress_gets_the_first_instruction_and_the_safety_net(core: Core) -> None:
    for message in ("help me", "it won't stop", "STOP IT HURTS", "again, third time tonight"):
        reply = core.respond(message, locale="en-US")
        text = render.sms(reply)
        assert reply.intent.value == "relief_now" and reply.action is None, message
        assert text.startswith("Straighten your leg and pull your toes up")
        assert "Call 911" in text and gsm.segments(text) == 1
        spoken = render.plain_voice(reply)
        assert spoken.startswith("Straighten your leg") and "heavy bleeding" in spoken


# From the second read of this stop's change: messages a reviewer wrote to break it, each
# with the level the reference gives; each was wrong at some commit of the stop.
FROM_THE_SECOND_READ = [
    ('i keep having thoughts that i might hurt the baby', E),
    ('im scared that i will hurt my baby', E),
    ('i worry that i will harm my baby', E),
    ('it makes me want to hurt the baby', E),
    ('lying awake thinking i could hurt the baby', E),
    ('my partner said that i might harm the baby', E),
    ('My calf swelled up and went hot and red. I had a DVT in 2019.', U),
    ('Woke up with my calf swollen and hot. I was diagnosed with a DVT in 2020.', U),
    ('My face swelled up and my vision went blurry. '
     'I was diagnosed with pre eclampsia in 2021.', U),
    ('I had a DVT in 2019. Same leg swelled up and went hot and red. Last time I was admitted.', U),
    ('my calf is swollen and hot, i had a dvt last year', U),
    ('baby hasnt moved today, lost a baby last year', U),
    ('my calf is swollen and red, same as last year', U),
    ('chest pain and cant breathe, had asthma as a kid', E),
    ('no headache, chest pain, should i go or wait', E),
    ('no fever, chest pain since this morning, should i go to a&e or wait', E),
    ('no bleeding, chest pain and breathless, should I call 999 or wait', E),
    ('no fever and chest pain and cant breathe and calf swollen and red', E),
    ('history of migraines and headache and blurry vision today', U),
    ('family history of stroke and face drooping', E),
    ('No i have chest pain', E),
    ('if i stand up i black out, could it be low iron', E),
    ('if I lie flat I cant breathe, will it harm the baby?', E),
    ('unless im overreacting chest tight and cant breathe', E),
    ('in case its relevant baby hasnt moved all day', U),
    ('my friend started timing it, bleeding heavily soaked 3 pads', E),
    ('my friend started crying because baby hasnt moved', U),
    ('my friend feels baby hasnt moved today and made me text', U),
    ('is this serious worst headache ever and blurry vision', U),
    ('is it safe to sleep with chest pain while pregnant', E),
    ("can't breathe, chest pain, are these signs of a clot?", E),
    ("don't feel baby moving, signs of labour?", U),
    ('what are the signs of a clot but calf is swollen red and hot', U),
    ('what does a clot feel like, and calf is swollen red and hot', U),
    ("chest pain and I can't breathe", E),
    ('I made a full recovery after my PE. The chest pain came back.', E),
    ('I made a full recovery after my PE. Speech slurred and face numb.', E),
    ('I made a full recovery after my PE. Chest pain and winded.', E),
    ('I made a full recovery after my PE. Reduced movements and bleeding.', U),
    ('I had pre eclampsia. Vision blurred and headache pounding.', U),
]


@pytest.mark.parametrize(("message", "level"), FROM_THE_SECOND_READ)
def test_what_the_second_read_found(core: Core, message: str, level: Level) -> None:
    assert core.assess(message).level.rank >= level.rank, message


@pytest.mark.parametrize("locale", ["en-GB", "en-IE", "en-US", "en-AU", "en-IN", "en-NZ"])
@pytest.mark.parametrize(
    "message",
    [
        "I keep thinking about hurting myself and I have chest pain and can't breathe",
        "heavy bleeding soaking a pad an hour and I keep thinking about ending it all",
        "she collapsed and won't wake up and she said she wants to kill herself",
    ],
)
def test_an_escalation_with_several_reasons_is_still_one_text(
    core: Core, message: str, locale: str
) -> None:
    """Each reason's first aid and crisis line fit one SMS; two together must not push the
    escalation over its budget (the person would get the error text instead)."""
    reply = core.respond(message, locale=locale)
    text = render.sms(reply)
    assert reply.triage is Level.EMERGENCY and text.startswith("Call ")
    assert gsm.segments(text) == 1


# Written by hand before the pad-rate reader: the reference's heavy bleeding is "soaking
# a pad in an hour or less", so a rate of a pad an hour or more is an emergency however
# it is said; fewer is not heavy bleeding by itself.
PADS_BY_THE_HOUR = [
    ("I've changed my pad 4 times in 3 hours, 5 days after birth", E),
    ("filled a maxi pad in 20 minutes", E),
    ("two pads in an hour and it's still coming", E),
    ("changed my pad 3 times in the last 2 hours and its full each time", E),
    ("changing my pad every 30 mins, postpartum", E),
    ("is it normal to fill a pad in 40 minutes 2 weeks after birth?", E),
    ("I change my pad every 4 hours, is that normal after birth?", N),
    ("used 3 pads today, lochia is normal", N),
    ("one pad a day now, it's nearly stopped", N),
]


@pytest.mark.parametrize(("message", "level"), PADS_BY_THE_HOUR)
def test_pads_by_the_hour(core: Core, message: str, level: Level) -> None:
    got = core.assess(message).level
    if level.escalates:
        assert got is level, message
    else:
        assert not got.escalates, message


class _Broken(Triage):
    """A triage with a defect: it raises on every message."""

    def assess(self, text: str) -> Assessment:
        raise TypeError("a defect")


def test_a_defect_in_the_triage_still_answers_with_the_safety_net(
    core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    broken = Core(core.content, core.understander, _Broken(core.triage.vocab))
    reply = broken.respond("my calf is swollen and I can't breathe", locale="en-GB")
    text = render.sms(reply)
    assert all(sign in text for sign in SAFETY_NET) and "999" in text
    assert "could not be triaged" in caplog.text


class _BrokenReader(Understander):
    """An understander with a defect: it raises on every message."""

    def understand(self, text: str) -> Understanding:
        raise TypeError("a defect")


def test_a_defect_in_understanding_keeps_the_escalation(core: Core) -> None:
    reader = _BrokenReader(core.understander.phrasings, core.understander.topic_intents)
    broken = Core(core.content, reader, core.triage)
    reply = broken.respond("chest pain and I can't breathe", locale="en-GB")
    assert reply.triage is Level.EMERGENCY and render.sms(reply).startswith("Call 999 now")


def test_the_last_relief_step_carries_the_safety_net(core: Core) -> None:
    reply = core.respond("cramp", locale="en-AU")
    while reply.state.guide == "relief":
        reply = core.respond("next", state=reply.state, locale="en-AU")
    text = render.sms(reply)
    assert "That's all the steps" in text and all(sign in text for sign in SAFETY_NET)
    assert "000" in text and gsm.segments(text) <= 2


@pytest.mark.parametrize("corpus", ["triage_corpus.tsv", "triage_holdout.tsv", "same_triage.tsv"])
def test_no_escalation_without_its_reason(core: Core, corpus: str) -> None:
    for example in read_corpus(DATA / corpus):
        reply = core.respond(example.text, locale=example.locale)
        if not reply.triage.escalates:
            continue
        assert reply.escalation is not None and reply.escalation.reasons, example.text
        why = _sentences(render.sms(reply))[1]
        # The sentence after whom to call is the reason, not the generic instructions.
        assert not why.startswith(("Say you", "If you can", "Call", "Contact")), example.text
        assert len(why.split()) >= 4, (example.text, why)


#: From the second reader's review of this release's binding (written by the reviewer,
#: before the fixes, with the level clinical-reference section 5 wants): escalations the
#: first version of the binding lost or never made. They must not fall again.
FROM_THE_BINDING_REVIEW = [
    # A place said in a later sentence with a finding of its own.
    ("It hurts to walk. My right calf is tender", U),
    ("Hurts when i walk on it. left calf is tender to touch", U),
    ("Constant ache that won't go away. My right calf feels tight.", U),
    ("The pain has been there all day and is getting worse. It's behind my right knee, "
     "and it feels hard.", U),
    ("Pain when I walk and it's been 3 days. My right calf is also tight.", U),
    ("its so painful and been getting worse since yesterday. my right calf feels really "
     "tight and heavy", U),
    ("The ache won't go away, 4 days now. Back of my knee feels lumpy", U),
    ("Its been aching for 3 days and not going away. my right calf feels hard", U),
    ("so much pain, its been 2 days and wont go away!! my left calf is all tight", U),
    ("Really bad pain, comes every few minutes. My bump goes hard", U),
    ("Agony, coming in waves. My tummy feels tight.", U),
    ("Crampy pains every 4 mins. My belly goes tight with them", U),
    ("Sharp stabbing pains every 5 minutes. My lower back aches too.", U),
    # A place said on its own, then how it goes.
    ("A dull ache. Only the left leg. Getting worse since Sunday.", U),
    # "Heavy" in a sentence of its own is the bleeding's.
    ("I'm bleeding. It's really heavy.", E),
    ("There's blood. It's heavy.", E),
    ("Bleeding since I woke up. Heavy with clots", E),
    ("I'm 5 days postpartum and bleeding. It's heavy.", E),
    ("There's blood in the toilet. Quite heavy", E),
    ("Im bleeding, its very heavy now and my tummy hurts", E),
    # A mild word next to one finding is that finding's, not the danger beside it.
    ("Heavy bleeding and slight cramps", E),
    ("im bleeding heavily with mild cramping in my tummy", E),
    ("Im bleeding heavily and have some mild cramps", E),
    ("Light cramps in my belly and bleeding a lot", E),
    ("I'm short of breath and a bit dizzy", E),
    ("Throwing up and a little dizzy", U),
    ("Really bad headache and a bit of swelling in my feet", U),
    # The second round: a word that raises stays with both findings as near to it...
    ("im bleeding heavily cramping really bad", E),
    ("bleeding heavily cramps in my tummy", E),
    ("blood everywhere dizzy", E),
    ("Blood everywhere cramping so bad 33 weeks", E),
    ("bleeding wont stop cramping", E),
    ("bleeding heavily contractions every 5 mins", E),
    ("hubby here, shes bleeding heavily dizzy and pale", E),
    ("my left calf has hurt for days numb toes too", U),
    ("my back of knee hurts constantly cramps at night", U),
    ("sudden headache worst ever vomiting", E),
    # ..."no doubt" affirms...
    ("No doubt it's swollen, my left calf", U),
    ("Theres no doubt shes moving less today", U),
    ("no doubt im bleeding more than yesterday", U),
    ("There is no doubt my face is puffier", U),
    ("no doubt my left leg is bigger than the right", U),
    # ...and past a place said on its own, only a word that raises goes on.
    ("Im dizzy and breathless. My left leg. Just a little.", E),
    ("Short of breath. My legs too. Comes and goes.", E),
    ("Bad headache. My hands too. Only slightly.", U),
    pytest.param("Blood everywhere. My hip is sore.", E, marks=_LATER_PLACE),
    # A word that lowers counts only when it is said of every time the finding is told.
    ("Soaked through a pad in an hour. It was only spotting this morning.", E),
    ("Woke up bleeding heavily, bright red. Yesterday just spotting.", E),
    ("Bleeding heavily with clots. Before that some pink discharge.", E),
    ("im bleeding. its really heavy. had brown discharge earlier", E),
    ("Blood pouring down my legs. Is spotting normal at 34 weeks?", E),
    ("Just some spotting, light pink", U),
    # The third round: "often" is no lowering word (cramps often waking someone is a rule).
    ("Leg cramps wake me up every night. Had another cramp tonight but it eased after a "
     "few mins", R),
    ("cramps in my legs most nights, they wake me up. the cramps go away when i stretch", R),
    ("Calf cramps keep waking me up. Is it normal to get cramps this much at 32 weeks?", R),
    ("charley horse in my calf every night this week. tonight's charley horse was the worst, "
     "lasted a min", R),
    ("Cramps every night. Cramp in my left calf now", R),
    ("heart skips a beat several times a day. felt a skipped beat just now while sitting", U),
    ("skipped beats lately, every day. the skipped beat this morning scared me", U),
    ("heart skipping beats a lot lately. skipped beat again tonight", U),
    ("my calf cramps constantly at night, the cramp last night went away after i stretched", R),
    ("cramps every night for weeks now. last nights cramp was short", R),
    ("my wife gets leg cramps all the time at night. the cramp tonight eased quickly", R),
    # The back of a knee or calf is the leg, and a pain that "is back" is no back.
    ("Sharp pain. Back of my right calf. For 3 days now.", U),
    ("Its swollen. The back of my left knee. Getting bigger.", U),
    ("A sore lump. Back of my left knee. Not going away.", U),
    ("calf cramp went away after stretching, but now the cramp is back and wont go away, "
     "been 15 mins", U),
    ("My leg pain eased overnight. This morning the pain in my left calf is back and its "
     "swollen", U),
    # Light and heavy said of one mention: heavy wins.
    ("light bleeding at first then heavy, filled a pad in 40 mins", E),
    ("Soaked a pad in under an hour. Now its just light", E),
    ("some pink when i wipe. then a gush of blood, soaked my jeans", E),
    ("mild headache that is getting worse and worse", U),
]


@pytest.mark.parametrize(("message", "level"), FROM_THE_BINDING_REVIEW)
def test_escalations_the_binding_review_found(core: Core, message: str, level: Level) -> None:
    assert core.assess(message).level is level, message


#: ...and messages it must not escalate (the review's false alarms).
NOT_ESCALATED_BY_THE_REVIEW = [
    pytest.param(
        "no doubt im being paranoid, had my baby 2 weeks ago and I'm so tired",
        marks=pytest.mark.xfail(strict=True, reason="'paranoid' reads as confusion, an "
                                "emergency after the birth; 'no doubt' must stay a "
                                "pseudo-negation ('no doubt she is moving less')"),
    ),
    "The midwife said not to worry about the bleeding after birth, it's normal now",
    "I'm not worried about swelling, there isn't any, just cramps at night",
    pytest.param(
        "I'm not worried about bleeding, haven't had any, just asking about cramps",
        marks=pytest.mark.xfail(strict=True, reason="'not worry about' negates nothing, and "
                                "the negation after the symptom does not reach back"),
    ),
]


@pytest.mark.parametrize("message", NOT_ESCALATED_BY_THE_REVIEW)
def test_false_alarms_the_binding_review_found(core: Core, message: str) -> None:
    assert not core.assess(message).level.escalates, message
