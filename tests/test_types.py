"""Domain types: the weekday texts every reader shares, and validation at construction."""

from __future__ import annotations

import pytest

from solver.templates import load_templates
from wfm.errors import DataError, InputError
from wfm.io import demo_path
from wfm.types import ServiceTarget, ShiftTemplate, parse_weekdays


@pytest.mark.parametrize(
    ("value", "days"),
    [
        ("all", (0, 1, 2, 3, 4, 5, 6)),
        ("Mon-Fri", (0, 1, 2, 3, 4)),
        ("Sat,Sun", (5, 6)),
        ("Fri-Mon", (0, 4, 5, 6)),
        (["Sun", 0, "tuesday"], (0, 1, 6)),
        (3, (3,)),
        (["Mon", "Mon-Tue"], (0, 1)),
    ],
)
def test_weekday_texts(value, days):
    assert parse_weekdays(value) == days


@pytest.mark.parametrize("value", ["Funday", "Mon-Xyz", 7, [], True, ["Mon", None], "Mon--Fri"])
def test_bad_weekday_texts_name_the_parameter(value):
    with pytest.raises(InputError, match="weekend_days"):
        parse_weekdays(value, "weekend_days")


def test_shipped_templates_load_with_day_texts():
    templates = load_templates(demo_path("demo_templates.yaml"))
    assert [t.name for t in templates] == ["full 8h", "part 4h"]
    assert templates[0].days == (0, 1, 2, 3, 4, 5, 6) and templates[0].weekend_days == (4, 5)


def test_template_days_error_names_file_and_value(tmp_path):
    f = tmp_path / "t.yaml"
    f.write_text("- name: a\n  length_min: 240\n  days: Mon-Funday\n")
    with pytest.raises(DataError, match=r"t\.yaml.*column 'days'.*Mon-Funday"):
        load_templates(f)


def test_rules_refuse_bad_values_at_construction():
    with pytest.raises(InputError, match="service_level"):
        ServiceTarget(service_level=1.0)
    with pytest.raises(InputError, match="length_min"):
        ShiftTemplate("x", length_min=0)
