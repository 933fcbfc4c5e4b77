"""Plain questions -> intents, in English, French and Spanish. Deterministic: an ordered table
of rules over folded text (lower case, accents removed, so "réunion", "reunion" and "RÉUNION"
are one word), plus fuzzy correction of misspelt keywords. Member names stay as text here; the
handler resolves them against the database (storage.members.resolve, which knows each country's
name in the three languages). The words themselves are in handlers.question_words.

To teach the bot a new phrasing, add a pattern to a rule in RULES (first match wins) and a line
to tests/test_questions.py (English) or tests/test_questions_languages.py (French, Spanish).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from rapidfuzz import fuzz, process

from bot.parsing import REGION_NAMES
from handlers.question_words import (
    CONNECTORS,
    LANGUAGE_WORDS,
    MONTHS,
    NEXT_MONTH,
    STOPWORDS,
    THIS_MONTH,
    VOCABULARY,
)
from storage.text import fold


@dataclass(frozen=True)
class Intent:
    name: str  # whoami, help, next, meetings, focal, actions, troika, steering, members, unknown
    subject: str | None = None  # a member as the user wrote it
    which: str = "open"  # actions: open or overdue
    mine: bool = False  # actions of the asker's own members
    kind: str | None = None  # next: steering, troika or friends meeting
    month: tuple[int, int] | None = None  # meetings: (year, month)
    region: str | None = None  # members: a UN regional group
    # The language the question is written in (en, fr, es), None when its words do not say.
    language: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Rule:
    intent: str
    patterns: tuple[str, ...]

    def matches(self, text: str) -> bool:
        return any(re.search(p, text) for p in self.patterns)


MEETING_WORDS = r"(meeting|meetings|session|gathering|forum|summit|call|reunion|réunion)"
FR_MEETING = r"(reunion|seance|session|rencontre|appel|sommet|forum|conference)"
ES_MEETING = r"(reunion|sesion|cumbre|llamada|foro|encuentro|conferencia)"

OVERDUE = (r"\b(overdue|late|behind|past due|missed|delayed|en retard|retard|retards"
           r"|echue?s?|depassee?s?|atrasad[oa]s?|retrasad[oa]s?|vencid[oa]s?|con retraso)\b")
MINE = (r"\b(my|mine|our|we|i|mes|mon|ma|nos|notre|je|moi|nous|mis|mi|nuestr[oa]s?|tengo"
        r"|tenemos|debo|debemos|yo)\b")

RULES: tuple[Rule, ...] = (
    Rule("whoami", (r"\bwho am i\b", r"\bmy (contact|record|profile|details)\b",
                    r"\bwhat do you know about me\b", r"\bqui suis je\b",
                    r"\b(mon profil|ma fiche|mes coordonnees|mes informations)\b",
                    r"\bque savez vous (de|sur) moi\b", r"\bquien soy\b",
                    r"\b(mi perfil|mi ficha|mis datos)\b",
                    r"\bque sabe(s| usted)? (de|sobre) mi\b")),
    Rule("help", (r"^(help|aide|ayuda|commands|commandes|comandos|menu)$",
                  r"\bwhat can (you|i) (do|ask)\b", r"\bhow (does this|do i use)\b",
                  r"\bwhich commands\b", r"\bque (pouvez vous|peux tu|puis je) (faire|demander)\b",
                  r"\bcomment (ca marche|vous utiliser|utiliser)\b", r"\bquelles commandes\b",
                  r"\bque (puede|puedes|puedo)( usted)? (hacer|preguntar)\b",
                  r"\bcomo (funciona|se usa)\b", r"\bque comandos\b")),
    Rule("next", (rf"\bnext\b.*\b{MEETING_WORDS}\b", rf"\bwhen\b.*\b(meet|{MEETING_WORDS})\b",
                  r"\bwhat s next\b", r"^next\b", r"\bupcoming (meeting|session)\b",
                  rf"\bprochaine?\b.*\b{FR_MEETING}\b",
                  rf"\bquand\b.*\b(reunit|reunissons|reunira|{FR_MEETING})\b",
                  r"\b(reunit|reunissons|reunira|retrouve|retrouvons)\b.*\bquand\b",
                  rf"\bproxim[oa]\b.*\b{ES_MEETING}\b",
                  rf"\bcuando\b.*\b(reunimos|reune|reunira|{ES_MEETING})\b")),
    Rule("meetings", (rf"\b{MEETING_WORDS}\b.*\b(in|during|for|this|next|en|durant|pendant|ce"
                      r"|cette|durante|este|esta)\b",
                      r"\b(calendar|schedule|agenda|events|meetings|reunions|reuniones"
                      r"|calendrier|calendario|evenements|eventos|seances|sesiones|rencontres"
                      r"|encuentros)\b")),
    Rule("focal", (r"\bfocal\b", r"\bfocaux\b", r"\bfocales\b", r"\bcontact (person|for|at|in)\b",
                   r"\bwho represents\b", r"\brepresentative\b", r"\bpoint person\b",
                   r"\bwho (do i|should i|can i) (contact|write to|email|call)\b",
                   r"\bqui represente\b", r"\bquien representa\b",
                   r"\bcontact (de|du|des|pour|au|aux)\b",
                   r"\bcontacto (de|del|para|en)\b",
                   r"\b(correspondant|interlocuteur|interlocutor|representant|representante)\b",
                   r"\ba qui (dois je|puis je|faut il) (ecrire|m adresser|contacter)\b",
                   r"\b(a|con) quien (debo|puedo) (escribir|contactar|llamar|hablar)\b")),
    Rule("actions", (OVERDUE,
                     r"\b(actions?|action items?|tasks?|to do|todo|deliverables?|follow ups?"
                     r"|pending|commitments?|due)\b",
                     r"\b(taches?|suivis?|engagements?|a faire|livrables?|echeances?"
                     r"|acciones?|tareas?|pendientes?|compromisos?|por hacer|entregables?)\b",
                     r"\b(dois je|je dois|devons nous|nous devons|ai je a) faire\b",
                     r"\b(tengo|tenemos|debo|debemos) que hacer\b", r"\bque debo hacer\b")),
    Rule("troika", (r"\btroika\b", r"\bchairs?\b", r"\bchairing\b", r"\bpresidency\b",
                    r"\bchair in office\b",
                    r"\b(presidence|presidencia|presidente|presidentes|preside|presiden)\b")),
    Rule("steering", (r"\bsteering\b", r"\bpilotage\b", r"\bdirectivo\b",
                      r"\bcomite directeur\b")),
    Rule("members", (r"\bmembers?\b", r"\bcountries\b", r"\bstates\b", r"\bwho is in\b",
                     r"\bparticipants?\b", r"\bwho belongs\b",
                     r"\b(membres?|miembros?|pays|paises|etats|estados|participantes?)\b",
                     r"\bqui fait partie\b", r"\bquien(es)? (forma|forman|es parte|son parte)\b")),
)

KINDS = (("steering", {"steering", "pilotage", "directivo"}), ("troika", {"troika"}),
         ("friends", {"friends", "amis", "amigos"}))


PREPOSITION = re.compile(
    r"\b(?:for|of|from|in|by|about|at|pour|de|du|des|d|au|aux|para|del|sobre)\s+(?P<rest>.+)$")


def correct(words: list[str]) -> list[str]:
    """Replace misspelt keywords by the closest known one (long words only, high similarity)."""
    fixed = []
    for word in words:
        if len(word) >= 5 and word not in VOCABULARY:
            found = process.extractOne(word, VOCABULARY, scorer=fuzz.ratio, score_cutoff=80)
            word = found[0] if found else word
        fixed.append(word)
    return fixed


def language_of(words: list[str]) -> str | None:
    """The language whose own words the question uses most; None when no language leads."""
    counts = {language: 0 for language in LANGUAGE_WORDS}
    for word in words:
        speakers = [language for language, known in LANGUAGE_WORDS.items() if word in known]
        if len(speakers) == 1:
            counts[speakers[0]] += 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    if ranked[0][1] == 0 or ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]


def _subject(text: str) -> str | None:
    """The member a question is about: after a preposition, else what is left of the words.
    Words that join a name ("of", "et", "y", "de") are kept between two words of it."""
    found = PREPOSITION.search(text)
    if found is not None:
        after = _name_in(found.group("rest"))
        if after is not None:
            return after
    return _name_in(text)


def _name_in(candidate: str) -> str | None:
    words = candidate.split()
    kept = [i for i, w in enumerate(words) if w not in STOPWORDS and len(w) > 1]
    if not kept:
        return None
    inside = words[kept[0]: kept[-1] + 1]
    chosen = [w for i, w in enumerate(inside, kept[0]) if i in kept or w in CONNECTORS]
    return " ".join(chosen)


def _month(words: list[str], today: date) -> tuple[int, int] | None:
    joined = " ".join(words)
    if any(phrase in joined for phrase in NEXT_MONTH):
        return (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    if any(phrase in joined for phrase in THIS_MONTH):
        return today.year, today.month
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


def _kind(words: list[str]) -> str | None:
    """next: the kind of meeting asked for (the steering group's, the troika's, ...)."""
    return next((kind for kind, names in KINDS if names.intersection(words)), None)


def _intent(name: str, words: list[str], text: str, today: date) -> Intent:
    if name == "next":
        return Intent("next", kind=_kind(words))
    if name == "meetings":
        return Intent("meetings", month=_month(words, today))
    if name == "focal":
        return Intent("focal", subject=_subject(text))
    if name == "actions":
        mine = bool(re.search(MINE, text))
        return Intent("actions", subject=None if mine else _subject(text), mine=mine,
                      which="overdue" if re.search(OVERDUE, text) else "open")
    if name == "members":
        return Intent("members", region=_region(text))
    return Intent(name)


def interpret(message: str, today: date) -> Intent:
    """What a plain question asks for, and the language it is asked in. The same text always
    gives the same intent."""
    words = correct(fold(message).split())
    text = " ".join(words)
    rule = next((r for r in RULES if r.matches(text)), None) if text else None
    name = rule.intent if rule is not None else "unknown"
    intent = _intent(name, words, text, today)
    return replace(intent, language=language_of(words))


def language_of_text(message: str) -> str | None:
    """The language a message is written in, as far as its words say (en, fr, es or None)."""
    return language_of(correct(fold(message).split()))
