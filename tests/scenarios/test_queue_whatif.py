"""One queue's volume or target as a what-if: the scenario change, the pipeline, the CLI,
and the per-queue tables (cost split, comparison)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from tests.scenarios.frames import two_queue_forecast
from wfm.cli import app
from wfm.errors import InputError
from wfm.pipeline import adjusted_forecast, run_plan
from wfm.queue_report import CENTRE, queue_table, shared_requirements
from wfm.scenarios import ScenarioError, apply_overrides, compare_queues, scenario_from_dict

STAGES = ("forecast", "requirements", "shifts", "evaluate")
SHARED = [{"name": "sales", "queues": ["sales"]}, {"name": "care", "queues": ["care"]},
          {"name": "both", "queues": ["sales", "care"]}]


def _raw(tmp_path, groups=SHARED):
    two_queue_forecast(tmp_path)
    raw = {
        "name": "two queues", "data": {"forecast": "fc.csv"},
        "horizon": {"week_start": "2024-03-04"},
        "queues": ["sales", "care"],
        "queue_settings": {"care": {"target": 0.9, "priority": 0}, "sales": {"priority": 1}},
        "service": {"target": 0.8, "answer_within_s": 20, "max_occupancy": 1.0},
        "shrinkage": 0.0,
        "shift_templates": [{"name": "day", "length_min": "8:00", "earliest_start_min": "8:00",
                             "latest_start_min": "8:00", "days": "Mon-Tue",
                             "cost_per_hour": 20}],
        "solver": {"plan_time_limit_s": 10, "num_workers": 1},
        "simulation": {"replications": 2, "seed": 3},
    }
    if groups:
        raw["skill_groups"] = groups
    else:
        raw.pop("queue_settings")
    return raw


@pytest.fixture
def two(tmp_path):
    return scenario_from_dict(_raw(tmp_path), base_dir=tmp_path)


# ---------------------------------------------------------------- the scenario change
def test_queue_volume_is_recorded_and_composes(two):
    s = apply_overrides(two, queue_volume_factor={"care": 1.5})
    assert s.overrides.queue_volume_factor == {"care": 1.5}
    s = apply_overrides(s, queue_volume_factor={"care": 2.0, "sales": 0.5})
    assert s.overrides.queue_volume_factor == {"care": 3.0, "sales": 0.5}
    assert s.overrides.changed() == {"queue_volume_factor": {"care": 3.0, "sales": 0.5}}
    assert two.overrides.changed() == {}  # the base is untouched


def test_queue_target_is_written_into_the_queue_settings(two):
    s = apply_overrides(two, queue_service_level={"sales": 0.95})
    assert s.queue_target("sales").service_level == 0.95
    assert s.queue_target("care").service_level == 0.9
    assert s.queue_settings["sales"].priority == 1  # the rest of the queue's settings kept
    assert s.target.service_level == 0.8            # and the centre's target
    assert s.overrides.queue_service_level == {"sales": 0.95}


def test_unknown_queue_is_refused_naming_it_and_the_known_ones(two):
    with pytest.raises(InputError, match=r"queue_volume_factor: queue='vip'.*sales, care"):
        apply_overrides(two, queue_volume_factor={"vip": 1.2})
    with pytest.raises(InputError, match="vip"):
        apply_overrides(two, queue_service_level={"vip": 0.9})


@pytest.mark.parametrize("change, text", [
    ({"queue_volume_factor": {"care": 0.0}}, r"queue_volume_factor\.care=0.0: expected a number > 0"),
    ({"queue_volume_factor": {"care": "x"}}, r"queue_volume_factor\.care"),
    ({"queue_service_level": {"care": 1.2}}, r"queue_service_level\.care=1.2"),
    ({"queue_volume_factor": 1.2}, "a mapping queue name"),
])
def test_bad_per_queue_values_are_refused(two, change, text):
    with pytest.raises(InputError, match=text):
        apply_overrides(two, **change)


def test_queue_target_needs_skill_groups(tmp_path):
    pooled = scenario_from_dict(_raw(tmp_path, groups=None), base_dir=tmp_path)
    with pytest.raises(InputError, match="skill groups"):
        apply_overrides(pooled, queue_service_level={"care": 0.9})
    # a queue's volume is fine on a pooled plan: it is a change of the demand
    assert apply_overrides(pooled, queue_volume_factor={"care": 2.0}).overrides.queue_volume_factor


def test_queue_volume_round_trips_through_the_file(two, tmp_path):
    s = apply_overrides(two, queue_volume_factor={"care": 1.5}, queue_service_level={"sales": 0.95})
    back = scenario_from_dict(s.to_dict(), base_dir=tmp_path)
    assert back.overrides.queue_volume_factor == {"care": 1.5}
    assert back.queue_target("sales").service_level == 0.95
    raw = _raw(tmp_path)
    raw["overrides"] = {"queue_volume_factor": {"nobody": 2}}
    with pytest.raises(ScenarioError, match="nobody"):
        scenario_from_dict(raw, base_dir=tmp_path)


# ------------------------------------------------------------------------ the pipeline
def test_adjusted_forecast_scales_one_queue_only(two):
    fc = pd.read_csv(two.data.forecast, parse_dates=["interval_start"])
    fc["calls_low"], fc["calls_high"] = 0.9 * fc["calls"], 1.1 * fc["calls"]
    s = apply_overrides(two, volume_factor=2.0, queue_volume_factor={"care": 1.5})
    out = adjusted_forecast(fc, s, pool=False)
    for q, factor in (("care", 3.0), ("sales", 2.0)):
        for col in ("calls", "calls_low", "calls_high"):
            assert out.loc[out["queue"] == q, col].sum() == pytest.approx(
                factor * fc.loc[fc["queue"] == q, col].sum())
    pooled = adjusted_forecast(fc, s)  # pooled after the queue's change
    assert pooled["calls"].sum() == pytest.approx(out["calls"].sum())
    gone = apply_overrides(two, queue_volume_factor={"care": 1.5})
    with pytest.raises(InputError, match="care.*a queue of the forecast: sales"):
        adjusted_forecast(fc[fc["queue"] == "sales"], gone)


def test_plan_with_one_queue_busier(two):
    base = run_plan(two, stages=STAGES)
    busy = run_plan(apply_overrides(two, queue_volume_factor={"care": 1.5}), stages=STAGES)
    b, v = base.queue_kpis.set_index("queue"), busy.queue_kpis.set_index("queue")
    assert v.loc["care", "calls"] == pytest.approx(1.5 * b.loc["care", "calls"])
    assert v.loc["sales", "calls"] == pytest.approx(b.loc["sales", "calls"])
    assert busy.kpis["weekly_cost"] > base.kpis["weekly_cost"]
    table = compare_queues({"base": base, "busy care": busy})
    row = table[(table["scenario"] == "busy care") & (table["queue"] == "care")].iloc[0]
    assert row["calls_delta"] == pytest.approx(0.5 * b.loc["care", "calls"])
    assert row["cost_delta"] == pytest.approx(v.loc["care", "cost"] - b.loc["care", "cost"])
    assert (table.loc[table["scenario"] == "base", "cost_delta"] == 0).all()

    # the cost split: shares of the on-phone hours, adding up to the week's cost
    t = queue_table(base).set_index("queue")
    queues = t.drop(CENTRE)
    assert queues["cost"].sum() == pytest.approx(base.kpis["weekly_cost"])
    hours = queues["agent_hours"] / queues["agent_hours"].sum()
    assert np.allclose(queues["cost_share"], hours)
    assert np.allclose(queues["cost_per_call"], queues["cost"] / queues["calls"])
    assert t.loc[CENTRE, "cost_per_call"] == pytest.approx(base.kpis["weekly_cost"]
                                                           / t.loc[CENTRE, "calls"])
    assert t.loc[CENTRE, "met"] == queues["met"].all()
    # sharing: the cross-trained set needs fewer agent-hours than its queues apart
    shared = shared_requirements(base).iloc[0]
    assert shared["queue_set"] == "care+sales"
    assert shared["pooled_staff_hours"] < shared["dedicated_staff_hours"]
    pooled = base.pooled_requirements
    assert shared["pooled_staff_hours"] == pytest.approx(pooled["staff_needed"].sum() * 0.5)


def test_compare_queues_is_empty_for_plans_without_queues():
    class Flat:
        queue_kpis = None

    assert compare_queues({"a": Flat(), "b": Flat()}).empty
    with pytest.raises(InputError):
        compare_queues({"a": Flat()}, baseline="z")


# ----------------------------------------------------------------------------- the CLI
def test_cli_sets_one_queue_and_prints_its_service(two, tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(two.to_dict(), sort_keys=False))
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["plan", str(path), "-o", str(out), "--no-roster", "-q",
                                   "--no-excel", "--set", "volume_factor.care=1.5",
                                   "--set", "service_level.sales=0.95"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())  # the terminal may wrap long lines
    care = text[text.index("queue care:"):text.index("queue sales:")]
    assert "960 calls" in care  # 640 × 1.5
    assert "ASA" in care and "abandoned" in care and "per call offered" in care
    assert "target 95%" in text[text.index("queue sales:"):]
    bad = CliRunner().invoke(app, ["plan", str(path), "-o", str(out), "--no-roster", "-q",
                                   "--set", "volume_factor.vip=2"])
    assert bad.exit_code != 0
    assert "vip" in str(bad.exception) and "sales, care" in str(bad.exception)
    worse = CliRunner().invoke(app, ["plan", str(path), "--set", "shrinkage.care=0.3"])
    assert worse.exit_code != 0 and "volume_factor.QUEUE" in str(worse.exception)


def test_cli_compare_prints_each_queue(two, tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(two.to_dict(), sort_keys=False))
    res = CliRunner().invoke(app, ["compare", str(path), "--what-if",
                                   "busy:volume_factor.care=1.5", "--no-roster",
                                   "--no-simulate", "-q"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "per queue" in res.output
    assert "(+320)" in res.output  # care: 960 - 640 calls
