"""The CBL starter rubric: one criterion per strand of the default competency framework
(collaboration, communication, critical thinking, creativity, self-direction, community
engagement), four levels, descriptors in our own words (see CBL.md, "Assessment in CBL").

The texts are lazy gettext strings: a rubric built from them is written in the language of
the request that builds it, and teachers adapt the wording to their challenge afterwards."""

from flask_babel import lazy_gettext as _l

STARTER_TITLE = _l("CBL starter rubric")
STARTER_DESCRIPTION = _l(
    "A starting point for challenge-based learning: one criterion for each cross-curricular competency, "
    "assessed on the team's process and product. Adapt the wording to your challenge.")

# The four levels most CBL classrooms use, low to high: (label, points).
STARTER_LEVELS = [
    (_l("Beginning"), 1.0),
    (_l("Developing"), 2.0),
    (_l("Proficient"), 3.0),
    (_l("Advanced"), 4.0),
]

# (competency code in the default framework, criterion title, one descriptor per level)
STARTER_CRITERIA = [
    ("COL", _l("Collaboration"), (
        _l("Takes part when asked; leaves most tasks and decisions to others and rarely builds on teammates' ideas."),
        _l("Does a share of some tasks and listens to teammates, but follow-through and part in team decisions "
           "are uneven."),
        _l("Takes on a fair share of the work and follows through, builds on teammates' ideas and helps the team "
           "decide."),
        _l("Helps the whole team work well: shares the load, draws in quieter voices and turns disagreements into "
           "better decisions."),
    )),
    ("COM", _l("Communication"), (
        _l("Ideas are hard to follow; the documentation leaves out key steps of the process."),
        _l("Explains the main ideas with some clarity; documents parts of the process, with gaps in why choices "
           "were made."),
        _l("Explains findings and ideas clearly for the audience, and documents the process so that others can "
           "follow how the team got there."),
        _l("Chooses words, images and data that reach the audience; the team's story shows the evidence, the "
           "turning points and why they mattered."),
    )),
    ("CT", _l("Critical thinking"), (
        _l("Asks broad or yes-or-no questions; relies on one source and states conclusions without evidence."),
        _l("Asks some researchable guiding questions; uses several sources but compares them little; conclusions "
           "are partly supported."),
        _l("Asks focused, researchable questions, compares sources and findings, and writes a synthesis that "
           "points at a solution."),
        _l("Questions assumptions, weighs the evidence and says how sure the team can be; the synthesis explains "
           "clearly why this solution."),
    )),
    ("CR", _l("Creativity"), (
        _l("Goes with the first idea; little testing or change after feedback."),
        _l("Considers a few ideas before choosing one; builds a prototype but changes it little after testing."),
        _l("Generates several different solution concepts, tests a prototype early and improves it from what "
           "did not work."),
        _l("Develops original, useful ideas grounded in the synthesis and iterates through several tested "
           "versions, noting what each one taught."),
    )),
    ("SD", _l("Self-direction"), (
        _l("Needs frequent reminders to start and keep going; reflections say what happened without looking "
           "ahead."),
        _l("Plans some steps and meets some deadlines; reflections name what went well or badly."),
        _l("Sets goals, plans the steps and keeps going when it gets hard; reflects honestly and changes course "
           "when needed."),
        _l("Manages their own learning: seeks out feedback and resources, and uses reflection to set the next "
           "goals."),
    )),
    ("CIV", _l("Community engagement"), (
        _l("Describes the issue only from their own point of view; the solution stays in the classroom."),
        _l("Talks to some of the people affected; the solution reaches a real audience in a limited way."),
        _l("Learns from the people affected, carries out the solution with a real audience and gathers evidence "
           "of its effect."),
        _l("Works with the community as partners, adapts the solution to what they say, and measures and shares "
           "its impact."),
    )),
]
