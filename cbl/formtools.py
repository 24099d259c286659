"""Small helpers shared by the forms of every area."""

from wtforms import SelectChoice


def choices(pairs) -> list[SelectChoice]:
    """``[(value, label), …]`` as the option objects WTForms expects."""
    return [SelectChoice(value, label) for value, label in pairs]
