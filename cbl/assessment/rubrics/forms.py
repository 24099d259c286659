"""Forms of the rubric builder and of a challenge's assessment settings.

Forms check shape (lengths, numbers, known choices); :func:`cbl.assessment.rubrics.grid.check_rubric`
checks the rules. The builder works without JavaScript: the grid is one form whose "Add a
level", "Add a criterion" and "Remove" buttons post everything typed back and get it back
with one row or column more or less, so nothing typed is ever lost. Rows and columns left
wholly blank are skipped on saving."""

import math

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, FieldList, FloatField, FormField, HiddenField, SelectChoice, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import Length
from wtforms.widgets import TextInput

from cbl.assessment.rubrics.grid import (CRITERION_TITLE_MAX, DESCRIPTION_MAX, DESCRIPTOR_MAX, LABEL_MAX,
                                       MAX_CRITERIA, MAX_LEVELS, TITLE_MAX, CriterionData, LevelData, Problem,
                                       RubricData, format_points)
from cbl.assessment.rubrics.starter import STARTER_LEVELS
from cbl.formtools import Form, OnceForm

# The lists take a few entries beyond the rules, so that a grid one level or row too big is
# shown with its message instead of being cut short; anything further is not read.
LEVEL_ENTRIES = MAX_LEVELS + 4
CRITERION_ENTRIES = MAX_CRITERIA + 5
BLANK_CRITERIA = 2  # rows a new rubric starts with


def _length(limit: int) -> Length:
    return Length(max=limit, message=_l("Keep it to %(max)d characters."))


class PointsField(FloatField):
    """Points typed as text ("3", "2.5", "2,5"); what was typed is shown back as it was."""

    widget = TextInput()

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Give the points as a number, for example 3 or 2.5.")) from None
        if not math.isfinite(value):
            self.data = None
            raise ValueError(_l("Give the points as a number, for example 3 or 2.5."))
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_points(self.data) if self.data is not None else ""


class LevelForm(Form):
    class Meta:
        csrf = False  # part of RubricForm, which carries the token

    label = StringField(_l("Label"), validators=[_length(LABEL_MAX)])
    points = PointsField(_l("Points"), render_kw={"inputmode": "decimal", "autocomplete": "off"})


class CriterionForm(Form):
    class Meta:
        csrf = False

    title = StringField(_l("Criterion"), validators=[_length(CRITERION_TITLE_MAX)])
    competency = SelectField(_l("Competency"), choices=[],
                             invalid_choice_message=_l("Choose a competency from the list."))
    descriptors = FieldList(TextAreaField(validators=[_length(DESCRIPTOR_MAX)]), max_entries=LEVEL_ENTRIES)

    def is_blank(self) -> bool:
        return (not (self.title.data or "").strip() and not self.competency.data
                and not any((d.data or "").strip() for d in self.descriptors))


class RubricForm(OnceForm):
    title = StringField(_l("Title"), validators=[_length(TITLE_MAX)],
                        description=_l("For example “Water challenge: process and product”."))
    description = TextAreaField(_l("Description (optional)"), validators=[_length(DESCRIPTION_MAX)],
                                description=_l("What the rubric is for, and how to use it."))
    levels = FieldList(FormField(LevelForm), max_entries=LEVEL_ENTRIES)
    criteria = FieldList(FormField(CriterionForm), max_entries=CRITERION_ENTRIES)
    token = HiddenField()
    marked = False  # some field carries a message from the service

    # --- the shape of the grid ---------------------------------------------------------------

    def prepare(self, competency_choices: list) -> None:
        """Give every criterion the competency choices and one descriptor per level."""
        self._competency_choices = competency_choices
        for entry in self.criteria:
            self._fit(entry.form)

    def _fit(self, criterion: CriterionForm) -> None:
        criterion.competency.choices = self._competency_choices
        wanted = len(self.levels.entries)
        while len(criterion.descriptors.entries) < wanted:
            criterion.descriptors.append_entry()
        while len(criterion.descriptors.entries) > wanted:
            criterion.descriptors.pop_entry()

    def add_level(self) -> str | None:
        """One more level column; a message instead when the grid has all it may."""
        if len(self.levels.entries) >= MAX_LEVELS:
            return str(_l("A rubric has at most %(n)d levels.", n=MAX_LEVELS))
        self.levels.append_entry()
        for entry in self.criteria:
            self._fit(entry.form)
        return None

    def add_criterion(self) -> str | None:
        if len(self.criteria.entries) >= MAX_CRITERIA:
            return str(_l("A rubric has at most %(n)d criteria.", n=MAX_CRITERIA))
        self._fit(self.criteria.append_entry().form)
        return None

    def remove_level(self, index: int) -> None:
        if 0 <= index < len(self.levels.entries):
            del self.levels.entries[index]
            for entry in self.criteria:
                del entry.form.descriptors.entries[index]

    def remove_criterion(self, index: int) -> None:
        if 0 <= index < len(self.criteria.entries):
            del self.criteria.entries[index]

    # --- to and from the service ---------------------------------------------------------------

    def to_data(self) -> tuple[RubricData, list[int], list[int]]:
        """The grid as data, skipping wholly blank levels and criteria; with the form rows the
        kept levels and criteria came from (to put the service's messages back on them)."""
        criteria = [entry.form for entry in self.criteria]

        def blank_level(j: int) -> bool:
            level = self.levels.entries[j].form
            return (not (level.label.data or "").strip() and level.points.data is None
                    and not any((c.descriptors.entries[j].data or "").strip() for c in criteria))

        level_rows = [j for j in range(len(self.levels.entries)) if not blank_level(j)]
        criterion_rows = [i for i, c in enumerate(criteria) if not c.is_blank()]
        levels = tuple(LevelData(self.levels.entries[j].form.label.data or "", self.levels.entries[j].form.points.data)
                       for j in level_rows)
        kept = tuple(CriterionData(criteria[i].title.data or "", _competency_id(criteria[i].competency.data),
                                   tuple(criteria[i].descriptors.entries[j].data or "" for j in level_rows))
                     for i in criterion_rows)
        return (RubricData(self.title.data or "", self.description.data or "", levels, kept),
                level_rows, criterion_rows)

    def show_problems(self, problems: list[Problem], level_rows: list[int], criterion_rows: list[int]) -> list[str]:
        """Put each problem on its field; return those that belong to no single field."""
        general: list[str] = []
        for problem in problems:
            field = self._field_at(problem.where, level_rows, criterion_rows)
            if field is None:
                general.append(problem.message)
            else:
                field.errors = [*field.errors, problem.message]
                self.marked = True
        return general

    def _field_at(self, where: tuple, level_rows: list[int], criterion_rows: list[int]):
        if where in (("title",), ("description",)):
            return self[where[0]]
        if where[0] == "levels" and len(where) == 3:
            return self.levels.entries[level_rows[where[1]]].form[where[2]]
        if where[0] == "criteria" and len(where) >= 3:
            criterion = self.criteria.entries[criterion_rows[where[1]]].form
            if where[2] == "title":
                return criterion.title
            if where[2] == "competency_id":
                return criterion.competency
            if where[2] == "descriptors" and len(where) == 4:
                return criterion.descriptors.entries[level_rows[where[3]]]
        return None


def _competency_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def form_data(data: RubricData) -> dict:
    """What a :class:`RubricForm` shows for ``data`` (``data=`` of the form)."""
    return {
        "title": data.title, "description": data.description,
        "levels": [{"label": level.label, "points": level.points} for level in data.levels],
        "criteria": [{"title": c.title, "competency": str(c.competency_id) if c.competency_id else "",
                      "descriptors": list(c.descriptors)} for c in data.criteria],
    }


def blank_rubric() -> dict:
    """A new rubric's form: the four usual levels and a few empty criteria to fill."""
    levels = [{"label": str(label), "points": points} for label, points in STARTER_LEVELS]
    blank = {"title": "", "competency": "", "descriptors": [""] * len(levels)}
    return {"title": "", "description": "", "levels": levels, "criteria": [dict(blank) for _ in range(BLANK_CRITERIA)]}


def competency_choices(picker) -> list:
    """The competency options grouped by framework (``<optgroup>``), sub-competencies
    indented under their strand; ``picker`` is a
    :class:`cbl.competencies.queries.CompetencyPicker` (its kept competencies, those the
    rubric has but are no longer offered, come first)."""
    options = [SelectChoice("", str(_l("Choose a competency")))]
    options += [SelectChoice(str(c.id), c.label, optgroup=str(_l("Chosen before, no longer offered")))
                for c in picker.kept]
    for framework_tree in picker.trees:
        children = framework_tree.children

        def walk(parent_id, depth, title=framework_tree.framework.name):
            for competency in children.get(parent_id, []):
                options.append(SelectChoice(str(competency.id), ("— " * depth) + competency.label, optgroup=title))
                walk(competency.id, depth + 1)

        walk(None, 0)
    return options


def parse_action(value: str | None) -> tuple[str, int | None]:
    """The builder button pressed: ``("save", None)``, ``("add_level", None)``,
    ``("remove_criterion", 2)``…; anything unknown saves."""
    verb, _sep, index = (value or "save").partition("-")
    if verb in ("add_level", "add_criterion") and not index:
        return verb, None
    if verb in ("remove_level", "remove_criterion") and index.isdigit() and len(index) < 4:
        return verb, int(index)
    return "save", None


class ChallengeAssessmentForm(Form):
    rubric = SelectField(_l("Rubric"), choices=[], invalid_choice_message=_l("Choose a rubric from the list."),
                         description=_l("Assessments already made keep the rubric they were made with."))
    self_assessment = BooleanField(_l("Students assess themselves with the rubric"))
    peer_evaluation = BooleanField(_l("Teammates evaluate each other's contribution"))
    partner_rating = BooleanField(_l("Invited partners rate the project with a short form"))

    def set_rubrics(self, mine: list, others: list, extra=None) -> None:
        """The rubric options: none, the visitor's own, the rest of the library (current
        versions), and ``extra``: an older version the challenge still uses, if so."""
        options = [SelectChoice("", str(_l("No rubric yet")))]
        if extra is not None:
            options.append(SelectChoice(str(extra.id), str(_l("%(title)s (version %(version)d, replaced)",
                                                              title=extra.title, version=extra.version))))
        for group, rubrics in ((_l("Your rubrics"), mine), (_l("Other rubrics in the library"), others)):
            options += [SelectChoice(str(r.id), rubric_label(r), optgroup=str(group)) for r in rubrics]
        self.rubric.choices = options


def rubric_label(rubric) -> str:
    """A rubric's title, with its version from version 2 on."""
    if rubric.version > 1:
        return str(_l("%(title)s (version %(version)d)", title=rubric.title, version=rubric.version))
    return rubric.title
