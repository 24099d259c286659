"""The framework every installation starts with: widely used cross-curricular competencies,
described in our own words. Schools add or import their own (1EdTech CASE, CSV)."""



def N_(text: str) -> str:
    """Marks a text for the catalog, unchanged: the database keeps the English, and
    :func:`translated` shows it in the reader's language."""
    return text


DEFAULT_FRAMEWORK = {
    "title": N_("CBL Tracker cross-curricular competencies"),
    "description": N_("Competencies that challenge-based learning develops in every subject."),
    "case_identifier": "3b0e8d0e-6f7c-4d2a-9a51-cb1000000000",
}

# (code, short name, description, children)
DEFAULT_COMPETENCIES = [
    ("COL", N_("Collaboration"), N_("Works with others toward a shared goal."), [
        ("COL.1", N_("Shares the work"), N_("Takes on a fair part of the team's work and follows through on it.")),
        ("COL.2", N_("Builds on others' ideas"),
         N_("Listens, asks, and develops teammates' ideas instead of replacing them.")),
        ("COL.3", N_("Works through disagreement"), N_("Names disagreements and helps the team decide.")),
    ]),
    ("COM", N_("Communication"), N_("Shares ideas clearly with different audiences."), [
        ("COM.1", N_("Explains clearly"),
         N_("Explains findings and ideas in words, images or numbers that fit the audience.")),
        ("COM.2", N_("Tells the story"), N_("Documents the process so that others can follow how the team got there.")),
    ]),
    ("CT", N_("Critical thinking"), N_("Questions, investigates and reasons from evidence."), [
        ("CT.1", N_("Asks good questions"), N_("Asks questions that are focused, researchable and worth answering.")),
        ("CT.2", N_("Weighs evidence"), N_("Compares sources and findings, and says how sure the team can be.")),
        ("CT.3", N_("Draws conclusions"), N_("Connects findings into a synthesis that points at a solution.")),
    ]),
    ("CR", N_("Creativity"), N_("Generates and develops original, useful ideas."), [
        ("CR.1", N_("Generates options"), N_("Comes up with several different ideas before choosing one.")),
        ("CR.2", N_("Prototypes and iterates"), N_("Tries ideas out early, learns from what fails and improves them.")),
    ]),
    ("SD", N_("Self-direction"), N_("Manages their own learning."), [
        ("SD.1", N_("Plans and keeps going"), N_("Sets goals, plans steps and keeps working when it gets hard.")),
        ("SD.2", N_("Reflects"), N_("Looks back honestly at what worked, what did not and what to change.")),
    ]),
    ("CIV", N_("Community engagement"), N_("Acts responsibly in and with their community."), [
        ("CIV.1", N_("Understands the community"),
         N_("Learns from the people affected and sees the issue through their eyes.")),
        ("CIV.2", N_("Takes action"), N_("Carries out a solution with a real audience and measures its effect.")),
    ]),
]


# Every text above: only these are translated when shown (a school's own or imported
# framework is shown as written).
DEFAULT_TEXTS = frozenset([DEFAULT_FRAMEWORK["title"], DEFAULT_FRAMEWORK["description"]]
                          + [text for code, name, about, children in DEFAULT_COMPETENCIES
                             for text in (name, about, *(t for child in children for t in child[1:]))])


def translated(text: str) -> str:
    """``text`` in the reader's language if it is one of the default framework's texts."""
    from flask import has_app_context  # here: the module also serves the migration, without Flask
    from flask_babel import gettext

    if text not in DEFAULT_TEXTS or not has_app_context():
        return text
    return gettext(text)
