"""One price table: what each job costs, in tenths of a point, exactly as advertised."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from billing.pricing import PriceError, price_of, price_table
from tests.conftest import subscribe


@pytest.mark.parametrize(
    ("params", "tenths"),
    [
        ({"kind": "text_to_video", "duration": 5, "mode": "standard"}, 100),
        ({"kind": "text_to_video", "duration": 10, "mode": "standard"}, 200),
        ({"kind": "image_to_video", "duration": 5, "mode": "standard"}, 100),
        ({"kind": "image_to_video", "duration": 10, "mode": "standard"}, 200),
        ({"kind": "text_to_video", "duration": 5, "mode": "professional"}, 350),
        ({"kind": "image_to_video", "duration": 10, "mode": "professional"}, 700),
    ],
)
def test_videos_cost_10_points_per_5_seconds_and_three_and_a_half_times_that_in_pro(params, tenths):
    assert price_of(params) == tenths


def test_a_request_without_mode_or_duration_is_a_standard_5_second_video():
    assert price_of({"kind": "text_to_video"}) == 100


def test_an_extension_costs_a_new_5_second_clip():
    assert price_of({"kind": "extend", "mode": "standard"}) == 100
    assert price_of({"kind": "extend", "mode": "professional"}) == 350
    assert price_of({"kind": "extend", "duration": 10, "mode": "standard"}) == 100


@pytest.mark.parametrize(("count", "tenths"), [(1, 2), (2, 4), (4, 8)])
def test_pictures_cost_a_fifth_of_a_point_each(count, tenths):
    assert price_of({"kind": "text_to_picture", "num_images": count}) == tenths


def test_form_values_given_as_text_are_priced_the_same():
    assert price_of({"kind": "text_to_video", "duration": "10", "mode": "standard"}) == 200
    assert price_of({"kind": "text_to_picture", "num_images": "3"}) == 6


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"kind": "song"},
        {"kind": "text_to_video", "duration": 7},
        {"kind": "text_to_video", "duration": "five"},
        {"kind": "text_to_video", "mode": "cinematic"},
        {"kind": "text_to_picture", "num_images": 0},
        {"kind": "text_to_picture", "num_images": 5},
        {"kind": "text_to_picture", "num_images": True},
    ],
)
def test_requests_that_have_no_price_are_refused(params):
    with pytest.raises(PriceError):
        price_of(params)


def test_prices_are_integers_never_floats():
    for params in [
        {"kind": "text_to_video", "mode": "professional"},
        {"kind": "text_to_picture", "num_images": 3},
    ]:
        assert type(price_of(params)) is int


def test_prices_follow_the_settings(settings):
    settings.POINT_PRICES = {
        "video_5s": "12",
        "video_10s": "24",
        "picture": "0.5",
        "professional_multiplier": "2.25",
    }
    assert price_of({"kind": "text_to_video", "duration": 5}) == 120
    assert price_of({"kind": "text_to_video", "duration": 10}) == 240
    assert price_of({"kind": "text_to_picture", "num_images": 2}) == 10
    # 12 x 2.25 = 27 points exactly; 24 x 2.25 = 54.
    assert price_of({"kind": "text_to_video", "mode": "professional"}) == 270
    assert price_of({"kind": "extend", "mode": "professional"}) == 270


def test_a_professional_price_between_tenths_is_rounded_up(settings):
    settings.POINT_PRICES = {
        **settings.POINT_PRICES,
        "video_5s": "0.3",
        "professional_multiplier": "1.5",
    }
    assert price_of({"kind": "text_to_video", "mode": "professional"}) == 5  # 0.45 -> 0.5


@pytest.mark.parametrize(
    ("key", "value", "variable"),
    [
        ("picture", "0.25", "PRICE_PICTURE"),
        ("video_5s", "free", "PRICE_VIDEO_5S"),
        ("video_10s", "-20", "PRICE_VIDEO_10S"),
        ("professional_multiplier", "0.5", "PRICE_PROFESSIONAL_MULTIPLIER"),
    ],
)
def test_a_malformed_price_names_its_variable(settings, key, value, variable):
    settings.POINT_PRICES = {**settings.POINT_PRICES, key: value}
    with pytest.raises(ImproperlyConfigured, match=variable):
        price_table()


def test_the_pricing_page_lists_prices_plans_and_entitlements(client, db):
    response = client.get("/pricing/")

    assert response.status_code == 200
    text = response.content.decode()
    for shown in ["10 points", "20 points", "35 points", "70 points", "0.2 points"]:
        assert shown in text
    for tier, monthly in [("Standard", "660"), ("Pro", "3000"), ("Premier", "8000")]:
        assert tier in text
        assert monthly in text
    for entitlement in ["No watermark", "Professional mode", "Priority queue", "Jobs at a time"]:
        assert entitlement in text
    assert "66 free inspiration points each day" in text


def test_the_pricing_page_tells_a_member_their_plan(client, alice):
    subscribe(alice, "pro")
    client.force_login(alice)

    response = client.get("/pricing/")

    assert "Your plan: Pro" in response.content.decode()


@pytest.mark.parametrize("model", ["tiny", "ltx-video", "wan2.1"])
def test_the_pricing_page_states_the_video_each_plan_really_gets_per_mode(
    client, db, settings, model
):
    """Not a tier's nominal "max resolution": the size and frame rate the site's model delivers
    (after upscaling and re-timing) in each mode the plan has, a dash for the others."""
    import re

    settings.GENERATION_MODEL = model
    text = client.get("/pricing/").content.decode()

    def row(label):
        found = re.search(rf"{re.escape(label)}</td>(.*?)</tr>", text, re.S).group(1)
        return re.findall(r"<td>([^<]*)</td>", found)

    from billing.models import Tier

    tiers = list(Tier.objects.all())
    standard = {
        "tiny": "512×288 · 8 fps",
        "ltx-video": "832×480 · 24 fps",
        "wan2.1": "832×480 · 16 fps",
    }[model]
    professional = {
        "tiny": "1920×1080 · 30 fps",
        "ltx-video": "1920×1080 · 30 fps",
        "wan2.1": "1280×720 · 16 fps",  # no upscaler for Wan: what it makes is what it sells
    }[model]
    assert row("Standard mode video (16:9)") == [standard] * (1 + len(tiers))
    assert row("Professional mode video (16:9)") == ["—"] + [
        professional if t.professional_mode else "—" for t in tiers
    ]


def test_a_tier_without_1080p_shows_no_1080p_professional_video(client, db, settings):
    """The table follows each tier's max resolution, as submit does."""
    import re

    from billing.models import Tier

    settings.GENERATION_MODEL = "tiny"
    Tier.objects.filter(code="standard").update(max_resolution=720)
    text = client.get("/pricing/").content.decode()
    found = re.search(r"Professional mode video \(16:9\)</td>(.*?)</tr>", text, re.S).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", found)
    codes = list(Tier.objects.values_list("code", flat=True))
    assert cells[1 + codes.index("standard")] == "—"
    assert cells[1 + codes.index("pro")] == "1920×1080 · 30 fps"
