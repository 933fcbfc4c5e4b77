"""Plain questions -> intents. Deterministic: an ordered table of rules over folded text, plus
fuzzy correction of misspelt keywords. Member names stay as text here; the handler resolves them
against the database (storage.members.resolve).

To teach the bot a new phrasing, add a pattern to a rule in RULES (first match wins) and a line
to tests/test_questions.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process

from bot.parsing import REGION_NAMES
from storage.text import fold


@dataclass(frozen=True)
class Intent:
    name: str  # whoami, help, next, meetings, focal, actions, troika, steering, members, unknown
    subject: str | None = None  # a member as the user wrote it
    which: str = "open"  # actions: open or overdue
    mine: bool = False  # actions of the asker's own members
    kind: str | None = None  # next: steering or troika meeting
    month: tuple[int, int] | None = None  # meetings: (year, month)
    region: str | None = None  # members: a UN regional group


@dataclass(frozen=True)
class Rule:
    intent: str
    patterns: tuple[str, ...]

    def matches(self, text: str) -> bool:
        return any(re.search(p, text) for p in self.patterns)


MEETING_WORDS = r"(meeting|meetings|session|gathering|forum|summit|call|reunion|réunion)"

OVERDUE = r"\b(overdue|late|behind|past due|missed|delayed|en retard|atrasad[oa]s?)\b"

RULES: tuple[Rule, ...] = (
    Rule("whoami", (r"\bwho am i\b", r"\bmy (contact|record|profile|details)\b",
                    r"\bwhat do you know about me\b")),
    Rule("help", (r"^(help|aide|ayuda|commands|menu)$", r"\bwhat can (you|i) (do|ask)\b",
                  r"\bhow (does this|do i use)\b", r"\bwhich commands\b")),
    Rule("next", (rf"\bnext\b.*\b{MEETING_WORDS}\b", rf"\bwhen\b.*\b(meet|{MEETING_WORDS})\b",
                  r"\bwhat s next\b", r"^next\b", r"\bupcoming (meeting|session)\b",
                  r"\bprochaine reunion\b", r"\bproxima reunion\b")),
    Rule("meetings", (rf"\b{MEETING_WORDS}\b.*\b(in|during|for|this|next)\b",
                      r"\b(calendar|schedule|agenda|events|meetings|reunions|reuniones)\b")),
    Rule("focal", (r"\bfocal\b", r"\bcontact (person|for|at|in)\b", r"\bwho represents\b",
                   r"\brepresentative\b", r"\bpoint person\b", r"\bpoint focal\b",
                   r"\bwho (do i|should i|can i) (contact|write to|email|call)\b")),
    Rule("actions", (OVERDUE,
                     r"\b(actions?|action items?|tasks?|to do|todo|deliverables?|follow ups?"
                     r"|pending|commitments?|due)\b")),
    Rule("troika", (r"\btroika\b", r"\bchairs?\b", r"\bchairing\b", r"\bpresidency\b",
                    r"\bchair in office\b")),
    Rule("steering", (r"\bsteering\b",)),
    Rule("members", (r"\bmembers?\b", r"\bcountries\b", r"\bstates\b", r"\bwho is in\b",
                     r"\bparticipants?\b", r"\bwho belongs\b")),
)

# Words the rules look for; a misspelt one ("focla", "overdeu") is corrected before matching.
VOCABULARY = sorted({
    "focal", "point", "troika", "steering", "meeting", "meetings", "overdue", "actions",
    "action", "members", "member", "countries", "calendar", "schedule", "represents",
    "representative", "contact", "deadline", "pending", "chair", "next", "group", "tasks",
    "delayed", "summit", "session", "agenda", "upcoming", "participants",
})

MONTHS = {
    **{m: i + 1 for i, m in enumerate((
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december"))},
    **{m: i + 1 for i, m in enumerate((
        "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
        "octobre", "novembre", "decembre"))},
    **{m: i + 1 for i, m in enumerate((
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
        "octubre", "noviembre", "diciembre"))},
    **{m: i + 1 for i, m in enumerate((
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))},
}

STOPWORDS = set("""
a an the is are was were be of for from in on at by to about with and or me us our your my i
who whom whose what which when where how why does do did can could would should please tell
show list give get find know there s it its this that these those any some all has have
focal focals point points person contact contacts representative represents rep
action actions item items task tasks todo to do overdue late behind past due missed delayed
open pending commitments commitment deliverable deliverables follow ups up
country member state organisation organization anything something everything now today
currently still yet group
""".split())

PREPOSITION = re.compile(r"\b(?:for|of|from|in|by|about|at|pour|de|du|para|del)\s+(?P<rest>.+)$")


def correct(words: list[str]) -> list[str]:
    """Replace misspelt keywords by the closest known one (long words only, high similarity)."""
    fixed = []
    for word in words:
        if len(word) >= 5 and word not in VOCABULARY:
            found = process.extractOne(word, VOCABULARY, scorer=fuzz.ratio, score_cutoff=80)
            word = found[0] if found else word
        fixed.append(word)
    return fixed


def _subject(text: str) -> str | None:
    """The member a question is about: after a preposition, else what is left of the words."""
    found = PREPOSITION.search(text)
    candidate = found.group("rest") if found else text
    words = [w for w in candidate.split() if w not in STOPWORDS and len(w) > 1]
    return " ".join(words) or None


def _month(words: list[str], today: date) -> tuple[int, int] | None:
    joined = " ".join(words)
    if "this month" in joined:
        return today.year, today.month
    if "next month" in joined:
        return (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    for word in words:
        if word in MONTHS and not (word == "may" and words[0] == "may"):
            month = MONTHS[word]
            return (today.year if month >= today.month else today.year + 1), month
    return None


def _region(text: str) -> str | None:
    for name in sorted(REGION_NAMES, key=len, reverse=True):
        if re.search(rf"\b{re.escape(name)}\b", text):
            return str(REGION_NAMES[name])
    return None


def interpret(message: str, today: date) -> Intent:
    """What a plain question asks for. The same text always gives the same intent."""
    words = correct(fold(message).split())
    text = " ".join(words)
    if not text:
        return Intent("unknown")
    rule = next((r for r in RULES if r.matches(text)), None)
    if rule is None:
        return Intent("unknown")
    name = rule.intent
    if name == "next":
        kind = "steering" if "steering" in words else "troika" if "troika" in words else None
        return Intent("next", kind=kind)
    if name == "meetings":
        return Intent("meetings", month=_month(words, today))
    if name == "focal":
        return Intent("focal", subject=_subject(text))
    if name == "actions":
        mine = bool(re.search(r"\b(my|mine|our|we|i)\b", text))
        return Intent("actions", subject=None if mine else _subject(text), mine=mine,
                      which="overdue" if re.search(OVERDUE, text) else "open")
    if name == "members":
        return Intent("members", region=_region(text))
    return Intent(name)
