"""The framework every installation starts with: widely used cross-curricular competencies,
described in our own words. Schools add or import their own (1EdTech CASE, CSV)."""

DEFAULT_FRAMEWORK = {
    "title": "CBL Tracker cross-curricular competencies",
    "description": "Competencies that challenge-based learning develops in every subject.",
    "case_identifier": "3b0e8d0e-6f7c-4d2a-9a51-cb1000000000",
}

# (code, short name, description, children)
DEFAULT_COMPETENCIES = [
    ("COL", "Collaboration", "Works with others toward a shared goal.", [
        ("COL.1", "Shares the work", "Takes on a fair part of the team's work and follows through on it."),
        ("COL.2", "Builds on others' ideas", "Listens, asks, and develops teammates' ideas instead of replacing them."),
        ("COL.3", "Works through disagreement", "Names disagreements and helps the team decide."),
    ]),
    ("COM", "Communication", "Shares ideas clearly with different audiences.", [
        ("COM.1", "Explains clearly", "Explains findings and ideas in words, images or numbers that fit the audience."),
        ("COM.2", "Tells the story", "Documents the process so that others can follow how the team got there."),
    ]),
    ("CT", "Critical thinking", "Questions, investigates and reasons from evidence.", [
        ("CT.1", "Asks good questions", "Asks questions that are focused, researchable and worth answering."),
        ("CT.2", "Weighs evidence", "Compares sources and findings, and says how sure the team can be."),
        ("CT.3", "Draws conclusions", "Connects findings into a synthesis that points at a solution."),
    ]),
    ("CR", "Creativity", "Generates and develops original, useful ideas.", [
        ("CR.1", "Generates options", "Comes up with several different ideas before choosing one."),
        ("CR.2", "Prototypes and iterates", "Tries ideas out early, learns from what fails and improves them."),
    ]),
    ("SD", "Self-direction", "Manages their own learning.", [
        ("SD.1", "Plans and keeps going", "Sets goals, plans steps and keeps working when it gets hard."),
        ("SD.2", "Reflects", "Looks back honestly at what worked, what did not and what to change."),
    ]),
    ("CIV", "Community engagement", "Acts responsibly in and with their community.", [
        ("CIV.1", "Understands the community", "Learns from the people affected and sees the issue through their eyes."),
        ("CIV.2", "Takes action", "Carries out a solution with a real audience and measures its effect."),
    ]),
]
