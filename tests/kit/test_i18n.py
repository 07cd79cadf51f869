"""The ko and en catalogs stay in step, and t() escapes what it is given."""

from __future__ import annotations

from kit.i18n import catalog, placeholders, resolve_locale, t
from kit.text import Raw, mention


def test_catalogs_have_the_same_keys():
    assert set(catalog("ko")) == set(catalog("en"))


def test_catalogs_have_the_same_placeholders_for_every_key():
    ko, en = catalog("ko"), catalog("en")
    mismatched = {key for key in ko if placeholders(ko[key]) != placeholders(en[key])}
    assert not mismatched


def test_every_error_code_raised_by_services_has_a_string():
    import pathlib
    import re

    codes = set()
    for path in (pathlib.Path(__file__).parents[2] / "services").rglob("*.py"):
        codes |= set(re.findall(r'DomainError\(\s*"([a-z_.]+)"', path.read_text()))
    assert codes, "expected services to raise DomainErrors"
    assert {f"error.{c}" for c in codes} <= set(catalog("ko"))


def test_locale_resolution_from_slack_locales():
    assert resolve_locale("ko-KR", "en") == "ko"
    assert resolve_locale("en-GB", "ko") == "en"
    assert resolve_locale("ja-JP", "en") == "en"
    assert resolve_locale(None, "ko") == "ko"


def test_values_are_escaped_but_raw_mrkdwn_is_not_escaped_twice():
    text = t("project.joined", "en", name="<!channel> & <@U9>", key="K")
    assert "&lt;!channel&gt; &amp; &lt;@U9&gt;" in text
    assert isinstance(text, Raw)
    nested = t("notify.member_joined", "en", member=mention("U1"), name=t("common.none", "en"), key="K")
    assert "<@U1>" in nested and "&amp;" not in nested


def test_plain_strings_are_not_escaped():
    assert t("project.modal.title_new", "en", plain=True) == "Register a project"
