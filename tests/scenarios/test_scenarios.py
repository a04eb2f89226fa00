"""Scenario files: loading, validation messages, round trip, overrides, compare."""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

from wfm.errors import InputError
from wfm.scenarios import (
    SECTION_SPECS,
    ScenarioError,
    apply_overrides,
    compare,
    load_scenario,
    scenario_from_dict,
)

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo_scenario.yaml"

MINIMAL = {
    "name": "tiny",
    "data": {"forecast": "fc.csv"},
    "horizon": {"week_start": "2024-01-01"},
    "shift_templates": [{"name": "day", "length_min": 480}],
}


def _raw():
    return yaml.safe_load(DEMO.read_text())


def test_demo_scenario_loads_with_its_values():
    s = load_scenario(DEMO)
    assert s.name == "demo"
    assert s.horizon.week_start == pd.Timestamp("1999-08-01")
    assert s.horizon.end == pd.Timestamp("1999-08-08")
    assert s.target.service_level == 0.8 and s.target.answer_within_s == 20
    full = s.templates[0]
    assert full.length_min == 8 * 60 + 30
    assert full.earliest_start_min == 360 and full.latest_start_min == 960
    assert full.paid_min == 510 - 30  # unpaid lunch
    assert full.weekend_days == (4, 5)  # Fri, Sat
    assert set(s.contracts) == {"full-time", "part-time"}
    assert s.data.history == DEMO.parent / "demo_history.csv"
    assert s.source_text == DEMO.read_text()


def test_minimal_scenario_takes_documented_defaults(tmp_path):
    s = scenario_from_dict(MINIMAL, base_dir=tmp_path)
    assert s.data.kind == "forecast" and s.data.forecast == tmp_path / "fc.csv"
    assert s.horizon.weeks == 1
    assert s.shrinkage.fraction == 0.30
    assert s.solver.mode == "coverage"
    assert not s.agents.given


def test_round_trip_through_to_dict():
    s = load_scenario(DEMO)
    again = scenario_from_dict(s.to_dict(), base_dir=DEMO.parent)
    assert dataclasses.replace(again, source=s.source, source_text=s.source_text) == s


def test_toml_and_yaml_give_the_same_scenario(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text(
        'name = "tiny"\n[data]\nforecast = "fc.csv"\n[horizon]\nweek_start = 2024-01-01\n'
        '[service]\ntarget = 0.9\nanswer_within_s = 15\n'
        '[[shift_templates]]\nname = "day"\nlength_min = "8:00"\ndays = "Mon-Fri"\n'
        '[[shift_templates.breaks]]\nname = "b"\nlength_min = 15\n'
        'earliest_start_min = 60\nlatest_start_min = 120\n'
    )
    ym = tmp_path / "s.yaml"
    ym.write_text(
        "name: tiny\ndata: {forecast: fc.csv}\nhorizon: {week_start: 2024-01-01}\n"
        "service: {target: 0.9, answer_within_s: 15}\n"
        "shift_templates:\n  - name: day\n    length_min: 480\n    days: [0, 1, 2, 3, 4]\n"
        "    breaks: [{name: b, length_min: 15, earliest_start_min: 60, latest_start_min: 120}]\n"
    )
    a, b = load_scenario(toml), load_scenario(ym)
    assert dataclasses.replace(a, source=None, source_text=None) == dataclasses.replace(
        b, source=None, source_text=None
    )
    assert a.templates[0].days == (0, 1, 2, 3, 4)


def _set(raw, path, value):
    node = raw
    parts = path.split(".")
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node[p]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


@pytest.mark.parametrize(
    ("path", "value", "key", "expected"),
    [
        ("service.target", 1.5, "service.target", "a fraction in (0, 1)"),
        ("service.target", 80, "service.target", "a fraction in (0, 1)"),
        ("service.answer_within_s", "20s", "service.answer_within_s", "a number"),
        ("shrinkage", 1.2, "shrinkage", "[0, 1)"),
        ("horizon.week_start", "1999-08-01 10:00", "horizon.week_start", "midnight"),
        ("horizon.weeks", 0, "horizon.weeks", "an integer >= 1"),
        ("shift_templates.0.days", ["Mon", "Funday"], "shift_templates[0].days[1]", "a weekday"),
        ("shift_templates.0.length_min", "8h", "shift_templates[0].length_min", "H:MM"),
        ("shift_templates.0.cost_per_hour", -3, "shift_templates[0].cost_per_hour", ">= 0"),
        ("shift_templates.0.breaks.1.paid", "no", "shift_templates[0].breaks[1].paid", "true or false"),
        ("shift_templates.0.breaks.1.latest_start_min", 100,
         "shift_templates[0].breaks[1].latest_start_min", "earliest_start_min"),
        ("contracts.0.employment", "casual", "contracts[0].employment", "'full_time'"),
        ("contracts.0.max_hours_week", 20, "contracts[0].max_hours_week", "min_hours_week"),
        ("agents", {"n": 9, "mix": {"full-time": 0.5, "temp": 0.5}}, "agents.mix.temp",
         "a contract named"),
        ("agents", {"n": 9, "mix": {"full-time": 0.5, "part-time": 0.4}}, "agents.mix", "sum to 1"),
        ("agents", {"n": 9, "file": "a.csv"}, "agents", "one of file, list and n"),
        ("solver.mode", "fastest", "solver.mode", "'coverage'"),
        ("simulation.replications", 2.5, "simulation.replications", "an integer"),
        ("service.colour", "blue", "service.colour", "one of the keys"),
    ],
)
def test_errors_name_file_key_and_value(tmp_path, path, value, key, expected):
    raw = _raw()
    _set(raw, path, value)
    f = tmp_path / "demo.yaml"
    f.write_text(yaml.safe_dump(raw))
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    msg = str(info.value)
    assert msg.startswith(f"demo.yaml: {key}: "), msg
    assert expected in msg
    assert info.value.key == key


def test_error_message_format_is_exactly_as_documented(tmp_path):
    raw = _raw()
    raw["service"]["target"] = 1.5
    f = tmp_path / "demo.yaml"
    f.write_text(yaml.safe_dump(raw))
    with pytest.raises(ScenarioError, match=r"^demo\.yaml: service\.target: 1\.5 \(expected a fraction in \(0, 1\)\)$"):
        load_scenario(f)


def test_missing_required_sections_and_ambiguous_sources(tmp_path):
    raw = copy.deepcopy(MINIMAL)
    del raw["horizon"]
    with pytest.raises(ScenarioError, match="horizon"):
        scenario_from_dict(raw)
    raw = copy.deepcopy(MINIMAL)
    raw["data"] = {"forecast": "a.csv", "history": "b.csv"}
    with pytest.raises(ScenarioError, match="exactly one of"):
        scenario_from_dict(raw)
    raw = copy.deepcopy(MINIMAL)
    raw["shift_templates"] = [{"name": "a", "length_min": 60}, {"name": "a", "length_min": 90}]
    with pytest.raises(ScenarioError, match=r"shift_templates\[1\]\.name"):
        scenario_from_dict(raw)
    raw = copy.deepcopy(MINIMAL)
    raw["staffing"] = {"model": "erlang_a"}
    with pytest.raises(ScenarioError, match="staffing.patience_s"):
        scenario_from_dict(raw)


def test_shrinkage_components_combine_multiplicatively():
    raw = copy.deepcopy(MINIMAL)
    raw["shrinkage"] = {"components": {"absence": 0.1, "training": 0.05}}
    s = scenario_from_dict(raw)
    assert math.isclose(s.shrinkage.fraction, 1 - 0.9 * 0.95)


def test_day_texts():
    raw = copy.deepcopy(MINIMAL)
    raw["shift_templates"][0]["days"] = "Fri-Mon"  # wraps over the week end
    assert scenario_from_dict(raw).templates[0].days == (0, 4, 5, 6)
    raw["shift_templates"][0]["days"] = "Sat,Sun"
    assert scenario_from_dict(raw).templates[0].days == (5, 6)


# ---------------------------------------------------------------------------- overrides


def test_overrides_change_the_right_fields():
    s = load_scenario(DEMO)
    v = apply_overrides(
        s,
        volume_factor=1.15,
        aht_delta_s=30,
        service_level=0.9,
        answer_within_s=15,
        shrinkage=0.35,
        break_min_per_hour=10,
        max_occupancy=0.8,
        headcount=50,
    )
    assert v.target.service_level == 0.9 and v.target.answer_within_s == 15
    assert v.target.max_occupancy == 0.8
    assert v.shrinkage.fraction == 0.35
    assert v.break_policy.min_break_min_per_hour == 10
    assert v.agents.headcount == 50 and v.agents.file == s.agents.file
    assert v.overrides.volume_factor == 1.15 and v.overrides.aht_delta_s == 30
    assert v.overrides.changed()["shrinkage"] == 0.35
    # untouched parts are the same objects
    assert v.templates == s.templates and v.contracts == s.contracts
    # the base is unchanged (frozen)
    assert s.target.service_level == 0.8 and s.overrides.volume_factor == 1.0


def test_volume_composes_by_product_and_aht_by_sum():
    s = load_scenario(DEMO)
    v = apply_overrides(apply_overrides(s, volume_factor=1.1, aht_delta_s=10), volume_factor=1.2,
                        aht_delta_s=-4)
    assert math.isclose(v.overrides.volume_factor, 1.1 * 1.2)
    assert v.overrides.aht_delta_s == 6


def test_cost_override_reaches_templates_contracts_and_agents():
    s = load_scenario(DEMO)
    v = apply_overrides(s, cost_per_hour=30)
    assert all(t.cost_per_hour == 30 for t in v.templates)
    assert v.contracts["part-time"].cost_per_hour == 30  # had its own cost
    assert v.contracts["full-time"].cost_per_hour is None  # uses the template cost (30)
    assert v.agents.cost_per_hour == 30


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [({"volume": 1.1}, "volume"), ({"service_level": 1.0}, "service_level"),
     ({"shrinkage": -0.1}, "shrinkage"), ({"headcount": 0}, "headcount")],
)
def test_bad_overrides_are_refused(kwargs, param):
    with pytest.raises(InputError) as info:
        apply_overrides(load_scenario(DEMO), **kwargs)
    assert info.value.parameter == param


def test_overrides_section_of_a_file_is_applied(tmp_path):
    raw = _raw()
    raw["overrides"] = {"shrinkage": 0.35, "volume_factor": 1.15}
    f = tmp_path / "v.yaml"
    f.write_text(yaml.safe_dump(raw))
    s = load_scenario(f)
    assert s.shrinkage.fraction == 0.35 and s.overrides.volume_factor == 1.15
    raw["overrides"] = {"shrinkage": 2}
    f.write_text(yaml.safe_dump(raw))
    with pytest.raises(ScenarioError, match=r"^v\.yaml: overrides\.shrinkage: 2 "):
        load_scenario(f)


def test_headcount_regenerates_generated_agents():
    raw = copy.deepcopy(MINIMAL)
    raw["contracts"] = [{"name": "ft"}]
    raw["agents"] = {"n": 40, "seed": 3}
    s = scenario_from_dict(raw)
    assert s.agents.mix == {"ft": 1.0}
    assert apply_overrides(s, headcount=30).agents.n == 30


def test_generated_agents_follow_the_scenario_contracts_and_mix():
    raw = copy.deepcopy(MINIMAL)
    raw["contracts"] = [
        {"name": "ft", "employment": "full_time", "min_hours_week": 30, "max_hours_week": 40},
        {"name": "pt", "employment": "part_time", "min_hours_week": 10, "max_hours_week": 24},
    ]
    raw["agents"] = {"n": 60, "seed": 4, "mix": {"ft": 0.7, "pt": 0.3}}
    s = scenario_from_dict(raw)
    agents = s.resolve_agents()
    assert len(agents) == 60 and len({a.id for a in agents}) == 60
    by = pd.Series([a.contract for a in agents]).value_counts()
    assert set(by.index) == {"ft", "pt"} and 12 <= by["pt"] <= 24
    # limited availability only on part-time contracts; leads on full time
    assert all(a.contract == "pt" for a in agents if a.availability)
    assert all(a.contract == "ft" for a in agents if a.is_lead)
    assert [a.id for a in s.resolve_agents()] == [a.id for a in agents]  # seeded
    fewer = apply_overrides(s, headcount=30).resolve_agents()
    assert len(fewer) == 30


def test_demo_agents_resolve_with_headcount():
    s = load_scenario(DEMO)
    agents = s.resolve_agents()
    assert len(agents) == 56 and {a.contract for a in agents} == {"full-time", "part-time"}
    fewer = apply_overrides(s, headcount=45, cost_per_hour=25).resolve_agents()
    assert [a.id for a in fewer] == [a.id for a in agents[:45]]
    assert all(a.cost_per_hour == 25 for a in fewer)
    with pytest.raises(InputError, match="headcount"):
        apply_overrides(s, headcount=57).resolve_agents()


def test_headcount_needs_agents():
    with pytest.raises(InputError, match="headcount"):
        apply_overrides(scenario_from_dict(MINIMAL), headcount=10)


# ------------------------------------------------------------------------------ compare


def test_compare_deltas_against_baseline():
    base = {"weekly_cost": 1000.0, "fte": 10.0, "service_level_erlang": 0.8, "status": "OPTIMAL"}
    more = {"weekly_cost": 1250.0, "fte": 12.5, "service_level_erlang": 0.9, "status": "FEASIBLE"}
    table = compare({"base": base, "more": more})
    assert table.loc["more", "weekly_cost_delta"] == 250.0
    assert table.loc["base", "weekly_cost_delta"] == 0.0
    assert math.isclose(table.loc["more", "service_level_erlang_delta"], 0.1)
    assert math.isnan(table.loc["more", "asa_s"])
    table = compare({"base": base, "more": more}, baseline="more")
    assert table.loc["base", "fte_delta"] == -2.5
    with pytest.raises(InputError):
        compare({"base": base}, baseline="nope")


def test_every_spec_key_is_documented():
    doc = (REPO / "docs" / "scenario.md").read_text()
    for section, spec in SECTION_SPECS.items():
        for key in spec:
            assert f"`{key}`" in doc, f"{section}.{key} is not documented in docs/scenario.md"


def test_skill_groups_and_queue_settings_load_and_round_trip():
    from wfm.types import SkillGroup

    s = load_scenario(DEMO.parent / "demo_multiskill.yaml")
    assert s.queues == ("retail", "premium", "new_customers")
    assert SkillGroup("all", frozenset(s.queues), 0.14) in s.skill_groups
    assert s.queue_target("premium").service_level == 0.85
    assert s.queue_target("retail") == s.target
    assert s.queue_priority() == {"premium": 0, "retail": 1, "new_customers": 2}
    assert s.data.history == DEMO.parent / "demo_history_queues.csv"
    again = scenario_from_dict(s.to_dict(), base_dir=DEMO.parent)
    assert again.skill_groups == s.skill_groups and again.queue_settings == s.queue_settings


@pytest.mark.parametrize("change, key", [
    ({"skill_groups": [{"name": "g", "queues": ["a", "zz"]}]}, "skill_groups[0].queues"),
    ({"skill_groups": [{"name": "g", "queues": ["a"]}]}, "skill_groups"),  # b has no group
    ({"queue_settings": {"zz": {"priority": 1}}}, "queue_settings.zz"),
    ({"queue_settings": {"a": {"target": 1.5}}}, "queue_settings.a.target"),
])
def test_bad_skill_groups_and_queue_settings_are_named(change, key):
    raw = dict(MINIMAL, queues=["a", "b"], **change)
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(raw)
    assert err.value.parameter.endswith(key) or key in str(err.value)
