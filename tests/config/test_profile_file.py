"""Saving the window's edits into profiles.toml: only the profile's tables change, atomically."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsdesk.config import DEFAULT_ALERTS, load_profiles, resolve_profile
from opsdesk.config.alert_rules import AlertRule, RuleKind
from opsdesk.config.profile_file import (
    ProfileWriteError,
    save_alert_rules,
    save_mappings,
    tables_toml,
)
from opsdesk.events.mapping import FieldMapping

HAND_WRITTEN = """\
# profiles for the payments desk -- keep this line
[profiles.prod]
url = "amqps://ops@rabbit.prod.example:5671/payments"   # no password here
read_only = true

[[profiles.prod.bindings]]
exchange = "payments.events"
routing_key = "payment.#"

[profiles.prod.tap]
queue = "opsdesk.tap.prod.alice"   # shared with nobody

[[profiles.prod.alerts]]           # the one that pages at night
name = "settlement backlog"
kind = "queue_depth"
queue = "payments.settlement"
above = 500    # tuned after the March incident
for_seconds = 120

# dead letters: anything at all is news
[[profiles.prod.alerts]]
name = "dead letters"
kind = "dead_letters"

# the ledger's own event shape
[[profiles.prod.mappings]]
name = "ledger"
match = { routing_key = "ledger.#" }
fields = { payment_id = "payment.ref" }

[profiles.staging]   # staging: the team's shared broker
url = "amqp://ops@rabbit.staging.example:5672/payments"
read_only = false

[[profiles.staging.alerts]]
name = "staging quiet"
kind = "silence"
minutes = 30
"""

TRICKY_NAMES = [
    "settlement backlog 🚀💸",
    'the "big" one',
    "back\\slash and C:\\path\\",
    "two\nlines",
    "tab\there, bell\x07, del\x7f, nul\x00",
    "'single' and \"double\" and '''triple'''",
    "ünïcödé — ∞ 日本語",
]


def backlog(name: str, above: float = 500.0) -> AlertRule:
    return AlertRule(
        name, RuleKind.QUEUE_DEPTH, queue="payments.settlement", threshold=above, for_seconds=120
    )


def test_rules_with_any_name_read_back_through_the_config_loader(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    rules = tuple(backlog(name, 100.0 + n) for n, name in enumerate(TRICKY_NAMES))
    rules += (AlertRule("rate", RuleKind.SUCCESS_RATE, threshold=99.5, window_seconds=600),)
    save_alert_rules(path, "local", rules)
    assert load_profiles(path)["local"].alerts == rules
    assert resolve_profile(config_path=path).alerts == rules


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(min_size=1, max_size=40).filter(lambda s: s.strip() == s and s))
def test_any_printable_or_control_name_round_trips(tmp_path: Path, name: str) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(HAND_WRITTEN)
    rules = (backlog(name), AlertRule("quiet", RuleKind.SILENCE, for_seconds=300))
    if name == "quiet":
        rules = rules[:1]
    save_alert_rules(path, "prod", rules)
    assert load_profiles(path)["prod"].alerts == rules


def test_a_hand_written_file_keeps_its_comments_and_other_profiles(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(HAND_WRITTEN)
    before = load_profiles(path)
    rules = (
        backlog("settlement backlog", 800.0),  # kept by name: its comments stay
        AlertRule("no consumers", RuleKind.NO_CONSUMERS, queue="payments.settlement"),
    )
    saved = save_alert_rules(path, "prod", rules)

    text = path.read_text()
    for line in HAND_WRITTEN.splitlines():
        if "#" in line and "dead letters" not in line:
            assert line.split("#", 1)[1] in text, f"comment lost: {line!r}"
    assert "above = 800    # tuned after the March incident" in text
    assert "# the ledger's own event shape\n[[profiles.prod.mappings]]" in text
    assert "dead letters" not in text  # the removed rule and the comment above it
    # Everything after the edited profile is byte for byte what the user wrote.
    staging = HAND_WRITTEN[HAND_WRITTEN.index("[profiles.staging]") :]
    assert text.endswith(staging)
    after = load_profiles(path)
    assert after["prod"].alerts == rules
    assert after["staging"] == before["staging"]
    assert after["prod"].mappings == before["prod"].mappings
    assert after["prod"].tap == before["prod"].tap
    assert after["prod"].bindings == before["prod"].bindings
    assert saved.backup is not None and saved.backup.read_text() == HAND_WRITTEN


def test_a_rule_renamed_where_it_stood_keeps_its_comments(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(HAND_WRITTEN)
    rules = (backlog("settlement queue backlog", 500.0), load_profiles(path)["prod"].alerts[1])
    save_alert_rules(path, "prod", rules)
    text = path.read_text()
    assert '# the one that pages at night\nname = "settlement queue backlog"' in text
    assert "above = 500    # tuned after the March incident" in text
    assert load_profiles(path)["prod"].alerts == rules


def test_adding_a_rule_keeps_what_followed_the_last_one_after_it(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(HAND_WRITTEN)
    kept = load_profiles(path)["prod"].alerts
    rules = (*kept, AlertRule("quiet", RuleKind.SILENCE, for_seconds=600))
    save_alert_rules(path, "prod", rules)
    text = path.read_text()
    assert "# dead letters: anything at all is news\n[[profiles.prod.alerts]]" in text
    assert text.index('name = "quiet"') < text.index("# the ledger's own event shape")
    assert load_profiles(path)["prod"].alerts == rules


def test_no_rules_is_written_as_an_empty_list_not_as_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(HAND_WRITTEN)
    save_alert_rules(path, "prod", ())
    assert load_profiles(path)["prod"].alerts == ()
    assert tomllib.loads(path.read_text())["profiles"]["prod"]["alerts"] == []


def test_the_default_rules_save_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    save_alert_rules(path, "local", DEFAULT_ALERTS)
    assert tables_of(load_profiles(path)["local"].alerts) == tables_of(DEFAULT_ALERTS)


def test_without_a_file_it_is_created_with_the_profile(tmp_path: Path) -> None:
    path = tmp_path / "config" / "opsdesk" / "profiles.toml"  # the folder does not exist yet
    assert load_profiles(path)["local"].alerts == DEFAULT_ALERTS
    rules = (backlog("orders backlog"),)
    saved = save_alert_rules(path, "local", rules)
    assert saved.path == path and saved.backup is None
    assert resolve_profile(config_path=path).alerts == rules
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tomllib.loads(path.read_text()) == {
        "profiles": {"local": {"alerts": [tables_of(rules)[0]]}}
    }


def tables_of(rules: tuple[AlertRule, ...]) -> list[dict[str, object]]:
    from opsdesk.config.alert_rules import rule_to_dict

    return [rule_to_dict(rule) for rule in rules]


def test_a_new_profile_is_added_beside_the_others(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(HAND_WRITTEN)
    save_alert_rules(path, "local", (backlog("orders"),))
    text = path.read_text()
    assert text.startswith(HAND_WRITTEN)
    assert load_profiles(path)["local"].alerts == (backlog("orders"),)


def test_the_password_never_reaches_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(HAND_WRITTEN)
    monkeypatch.setenv("OPSDESK_PASSWORD", "s3cret-pa55")
    profile = resolve_profile("prod", config_path=path)
    assert profile.endpoint.password == "s3cret-pa55"
    save_alert_rules(path, profile.name, profile.alerts)
    save_mappings(path, profile.name, profile.mappings)
    assert "s3cret-pa55" not in path.read_text()
    assert 'url = "amqps://ops@rabbit.prod.example:5671/payments"' in path.read_text()


def test_the_file_mode_is_kept_and_a_symlink_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "profiles.toml"
    real.parent.mkdir()
    real.write_text(HAND_WRITTEN)
    os.chmod(real, 0o640)
    link = tmp_path / "profiles.toml"
    link.symlink_to(real)
    saved = save_alert_rules(link, "prod", (backlog("x"),))
    assert link.is_symlink() and saved.path == real
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert load_profiles(link)["prod"].alerts == (backlog("x"),)


def test_an_unwritable_place_says_why_and_changes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config folder should be")
    with pytest.raises(ProfileWriteError, match=r"not-a-folder/profiles\.toml: Not a directory"):
        save_alert_rules(blocker / "profiles.toml", "local", (backlog("x"),))
    assert blocker.read_text() == "a file where the config folder should be"


def test_a_failed_write_leaves_the_file_as_it_was_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(HAND_WRITTEN)
    (tmp_path / "profiles.toml.bak").mkdir()  # the backup cannot be replaced
    with pytest.raises(ProfileWriteError, match=r"cannot write .*profiles\.toml: Is a directory"):
        save_alert_rules(path, "prod", (backlog("x"),))
    assert path.read_text() == HAND_WRITTEN
    assert sorted(p.name for p in tmp_path.iterdir()) == ["profiles.toml", "profiles.toml.bak"]


def test_a_broken_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text("[profiles.prod\nurl = 'x'\n")
    with pytest.raises(ProfileWriteError, match="not valid TOML"):
        save_alert_rules(path, "prod", (backlog("x"),))
    assert path.read_text() == "[profiles.prod\nurl = 'x'\n"
    assert not (tmp_path / "profiles.toml.bak").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["profiles.toml"]  # no temp file left


def test_a_profile_in_dotted_keys_is_refused_rather_than_rewritten_wrongly(
    tmp_path: Path,
) -> None:
    text = '[profiles]\nprod.url = "amqp://localhost"\ndev.url = "amqp://127.0.0.1"\n'
    path = tmp_path / "profiles.toml"
    path.write_text(text)
    with pytest.raises(ProfileWriteError, match=r"cannot edit .*\[profiles.prod\] table"):
        save_alert_rules(path, "prod", (backlog("x"),))
    assert path.read_text() == text


def test_a_profile_written_as_an_inline_table_gets_inline_alerts(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text('profiles = { prod = { url = "amqp://localhost" } }  # tiny\n')
    rules = (backlog("a"), backlog("b"))
    save_alert_rules(path, "prod", rules)
    assert load_profiles(path)["prod"].alerts == rules
    assert "# tiny" in path.read_text()


def test_mappings_round_trip_with_their_nested_tables_inline(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(HAND_WRITTEN)
    ledger = FieldMapping.from_dict(
        {
            "name": 'ledger 📒 "v2"',
            "match": {"routing_key": "ledger.*.payment.#", "field": "/schema"},
            "fields": {"payment_id": "payment.ref", "amount_minor": "/payment/money/minor"},
            "status": {"field": "state", "succeeded": ["BOOKED"], "failed": ["REJECTED"]},
        }
    )
    kept = load_profiles(path)["prod"].mappings[0]
    save_mappings(path, "prod", (kept, ledger))
    after = load_profiles(path)
    assert after["prod"].mappings == (kept, ledger)
    assert after["prod"].alerts == load_profiles(tmp_path / "profiles.toml.bak")["prod"].alerts
    assert "# the ledger's own event shape" in path.read_text()
    assert "[profiles.prod.mappings.fields]" not in path.read_text()


def test_tables_toml_is_text_to_paste(tmp_path: Path) -> None:
    text = tables_toml("prod eu", "alerts", tables_of((backlog('a "b" 🚀'),)))
    path = tmp_path / "profiles.toml"
    path.write_text(text)
    assert load_profiles(path)["prod eu"].alerts == (backlog('a "b" 🚀'),)


def test_odd_mappings_under_an_odd_profile_name_round_trip(tmp_path: Path) -> None:
    odd = FieldMapping(
        'odd "quoted" name ü',
        payment_id='meta["order.id"]',
        amount_minor="/a~1b/0",
        status="state",
        pending=("in\tflight", "😀", "x\x7fy"),
        match_equals="a\\b",
        match_field="kind",
    )
    mappings = (FieldMapping("bare", payment_id="id"), odd)
    path = tmp_path / "profiles.toml"
    save_mappings(path, 'prod "eu"', mappings)
    assert load_profiles(path)['prod "eu"'].mappings == mappings
