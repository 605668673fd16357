"""UTM parameters and click ids from landing URLs: the conventions the sandbox uses, and real-world mess."""

from __future__ import annotations

import pytest

from metrics_pipeline.sources.shopify.landing_urls import PARAMETERS, LandingParameters, parse_landing_url


def test_a_google_click_with_full_utms():
    url = (
        "https://www.acme-outdoor.com/products/stormline-rain-shell?gclid=Cj0KCQjw0123abcd"
        "&utm_source=google&utm_medium=cpc&utm_campaign=Search+%7C+Rain+Jackets&utm_id=10010200000"
    )
    assert parse_landing_url(url) == LandingParameters(
        utm_source="google",
        utm_medium="cpc",
        utm_campaign="Search | Rain Jackets",
        utm_id="10010200000",
        gclid="Cj0KCQjw0123abcd",
    )


def test_a_meta_click_names_its_campaign_and_ad():
    url = (
        "https://www.citrus-kitchen.de/?fbclid=IwAR2x_Gz-9&utm_source=facebook&utm_medium=paid_social"
        "&utm_campaign=Meal+Kits+%7C+Prospecting&utm_id=12120100000000&utm_content=12320101010000"
    )
    parsed = parse_landing_url(url)
    assert (parsed.fbclid, parsed.utm_campaign, parsed.utm_id, parsed.utm_content) == (
        "IwAR2x_Gz-9",
        "Meal Kits | Prospecting",
        "12120100000000",
        "12320101010000",
    )
    assert parsed.gclid is None and parsed.ttclid is None


def test_utf8_names_and_percent_encoded_spaces_decode():
    parsed = parse_landing_url("https://x.de/?utm_campaign=Video%20%7C%20Herbstmen%C3%BC&gclid=abc")
    assert parsed.utm_campaign == "Video | Herbstmenü"


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "   ",
        "https://www.acme-outdoor.com/",
        "/wallets/checkouts.json",
        "https://www.acme-outdoor.com/?ref=blog",
        "not a url at all",
    ],
)
def test_nothing_to_find_is_all_none(url):
    assert parse_landing_url(url) == LandingParameters()


def test_a_path_with_a_query_as_legacy_landing_sites_are():
    parsed = parse_landing_url("/collections/all?utm_source=newsletter&utm_medium=email&utm_campaign=fall-w38")
    assert (parsed.utm_source, parsed.utm_medium, parsed.utm_campaign) == ("newsletter", "email", "fall-w38")


def test_keys_are_case_insensitive_values_trimmed_and_blank_values_absent():
    parsed = parse_landing_url("https://x.com/?UTM_Source=%20Google%20&utm_medium=&GCLID=abc&ttclid=t1")
    assert (parsed.utm_source, parsed.utm_medium, parsed.gclid, parsed.ttclid) == ("Google", None, "abc", "t1")


def test_the_first_non_empty_value_of_a_repeated_key_wins():
    parsed = parse_landing_url("https://x.com/?utm_source=&utm_source=google&utm_source=bing")
    assert parsed.utm_source == "google"


def test_html_escaped_ampersands_and_fragments():
    parsed = parse_landing_url("https://x.com/p?utm_source=google&amp;utm_medium=cpc#utm_campaign=not-sent")
    assert (parsed.utm_source, parsed.utm_medium, parsed.utm_campaign) == ("google", "cpc", None)


def test_a_broken_host_still_yields_the_query():
    parsed = parse_landing_url("https://[broken/?gclid=abc&utm_id=42")
    assert (parsed.gclid, parsed.utm_id) == ("abc", "42")


def test_as_dict_names_exactly_the_landing_columns():
    assert tuple(LandingParameters().as_dict()) == PARAMETERS
