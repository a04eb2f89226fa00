"""Rules page: edit an agent, see the plan go stale, a bad cell named, save to the store."""

from __future__ import annotations

from wfm.ui import state


def test_rules_page_lists_the_demo_rules(app, open_page):
    at = open_page(app, "rules")
    assert any("56 agents, 2 contracts, 2 shift templates, 4 break rules" in m.value
               for m in at.markdown)
    assert at.selectbox(key="rules.agent_pick").value == "A001"
    # one editable table per kind of rule, holding the rules in use
    editors = at.dataframe
    assert len(editors) == 5 and all(d.proto.editing_mode == 2 for d in editors)  # dynamic
    assert [len(d.value) for d in editors] == [56, 2, 2, 4, 0]


def test_editing_an_agent_changes_the_rules_and_marks_the_plan_stale(app, open_page, inject,
                                                                     solved):
    data, run, plan_run = solved
    at = open_page(inject(app, data, run, plan_run), "rules")
    key = "rules.agent.0.A001"
    at.text_input(key=f"{key}.team").set_value("east")
    at.selectbox(key=f"{key}.contract").set_value("part-time")
    at.button(key=f"FormSubmitter:{key}.form-Apply to agent").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    ruleset = at.session_state[state.SCENARIO]
    assert ruleset.version == 1 and "edited (agent A001)" in ruleset.source
    first = ruleset.scenario.resolve_agents()[0]
    assert (first.id, first.team, first.contract) == ("A001", "east", "part-time")
    assert any("marked stale" in s.value for s in at.success)
    # the plan stays, and the Schedule page says it is stale
    at.switch_page("wfm/ui/pages/schedule.py").run()
    assert at.session_state[state.PLAN] is plan_run
    warnings = [w.value for w in at.warning]
    assert any("The rules (now: demo scenario · edited (agent A001)) changed" in w
               for w in warnings), warnings


def test_a_bad_agent_field_is_named_and_nothing_applied(app, open_page):
    at = open_page(app, "rules")
    at.selectbox(key="rules.agent_pick").set_value("A003").run()
    key = "rules.agent.0.A003"
    at.text_input(key=f"{key}.preferred_start").set_value("7h")
    at.button(key=f"FormSubmitter:{key}.form-Apply to agent").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (error,) = at.error
    assert "agents, row 3, field 'preferred_start': '7h'" in error.value
    assert at.session_state[state.SCENARIO].version == 0


def test_the_rules_are_saved_to_the_store(app, open_page):
    from wfm.store import Store, default_url

    at = open_page(app, "rules")
    at.text_input(key="rules.save_name").set_value("monday rules")
    at.button(key="FormSubmitter:rules.save-Save the rules").click().run()
    assert any("Saved scenario 'monday rules' v1" in s.value for s in at.success)
    with Store(default_url()) as store:
        assert list(store.list("scenario")["name"]) == ["monday rules"]
        back = store.load_scenario("monday rules")
    assert len(back.resolve_agents()) == 56
