"""Defaults offered to teachers, adapted from the Challenge Based Learning Guide
(Nichols, Cator and Torres, Digital Promise, 2016, CC BY)."""

from flask import current_app
from flask_babel import force_locale, lazy_gettext as _l

from cbl.projects.models import ElementKey, Phase

REFLECTION_PROMPTS = {
    Phase.ENGAGE: _l("What surprised you while exploring the big idea? Why does this challenge matter to you?"),
    Phase.INVESTIGATE: _l("What did you learn that changed your thinking? Which question was hardest to answer, and why?"),
    Phase.ACT: _l("What happened when you tried your solution? What would you do differently next time?"),
}



def shown_prompt(phase: Phase, stored: str) -> str:
    """A challenge's reflection prompt as its reader reads it: the default, left unchanged in
    whichever of the site's languages the challenge was written, in the reader's language
    (a Spanish-speaking family no longer reads the English default); a teacher's own words as
    written."""
    text = (stored or "").strip()
    if text:
        for language in current_app.config.get("LANGUAGES", ()):
            with force_locale(language):
                matches = str(REFLECTION_PROMPTS[phase]) == text
            if matches:
                return str(REFLECTION_PROMPTS[phase])
    return stored


PHASE_LABELS = {
    Phase.ENGAGE: _l("Engage"),
    Phase.INVESTIGATE: _l("Investigate"),
    Phase.ACT: _l("Act"),
}

PHASE_PURPOSE = {
    Phase.ENGAGE: _l("Move from a big idea to a concrete, actionable challenge."),
    Phase.INVESTIGATE: _l("Learn everything you need to meet the challenge."),
    Phase.ACT: _l("Develop a solution, put it into the world and evaluate it."),
}

ELEMENT_LABELS = {
    ElementKey.ESSENTIAL_QUESTION: _l("Essential question"),
    ElementKey.CHALLENGE_STATEMENT: _l("Challenge statement"),
    ElementKey.ANALYSIS: _l("Analysis"),
    ElementKey.SOLUTION_CONCEPTS: _l("Solution concepts"),
    ElementKey.DEVELOPMENT: _l("Solution development"),
    ElementKey.IMPLEMENTATION: _l("Implementation"),
    ElementKey.AUDIENCE: _l("Audience"),
    ElementKey.EVALUATION: _l("Evaluation"),
}

ELEMENT_HELP = {
    ElementKey.ESSENTIAL_QUESTION: _l("The one question, personal and local, that connects the big idea to your lives. Choose it from your brainstorm or write it here."),
    ElementKey.CHALLENGE_STATEMENT: _l("Turn the essential question into a call to act: concrete, doable, open to several solutions."),
    ElementKey.ANALYSIS: _l("Bring your findings together: what did you learn, which patterns do you see, and what must your solution do?"),
    ElementKey.SOLUTION_CONCEPTS: _l("Several ideas grounded in your analysis. Which one did you pick, and why?"),
    ElementKey.DEVELOPMENT: _l("Prototypes, plans and tests with users. What failed, and what did you change?"),
    ElementKey.IMPLEMENTATION: _l("How you carried out your solution in the real world: what you did, where and when."),
    ElementKey.AUDIENCE: _l("Who your solution reached: which people, how many, and how they took part."),
    ElementKey.EVALUATION: _l("Did it work? Your evidence, what you would change, and what comes next."),
}

SIZE_LABELS = {
    "nano": _l("Nano — a class period to a few days"),
    "mini": _l("Mini — two to four weeks"),
    "macro": _l("Macro — a term or more"),
}

PRIORITY_LABELS = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
