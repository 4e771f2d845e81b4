"""Recording a stage of a batch through the sector templates, as a form."""

from datetime import datetime, timedelta

from tests.web.conftest import make_batch, make_product
from tests.web.helpers import field_error, field_value, text_of


def test_stage_form_follows_the_products_sector(business):
    batch_id = make_batch(business, make_product(business))
    page = text_of(business.get(f"/portal/batches/{batch_id}/stages"))
    assert field_value(page, "template") == "fresh_produce"  # the product's sector
    page = text_of(business.get(f"/portal/batches/{batch_id}/stages?template=fresh_produce"
                                "&stage=spraying"))
    assert '<label for="f-product_name">' in page
    assert '<label for="f-withdrawal_period_days">' in page
    english = text_of(business.get(f"/portal/batches/{batch_id}/stages?template=fresh_produce"
                                   "&stage=spraying&lang=en"))
    assert "Withdrawal" in english or "withdrawal" in english


def test_stage_errors_are_shown_on_their_fields_in_the_readers_language(business):
    batch_id = make_batch(business, make_product(business))
    future = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = business.post(f"/portal/batches/{batch_id}/stages", data={
        "template": "fresh_produce", "stage": "spraying", "event_time": future,
        "product_name": "", "withdrawal_period_days": "bảy", "dosage": "20 ml/bình"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "tương lai" in field_error(page, "event_time")
    assert " / " not in field_error(page, "event_time")  # only the reader's language
    assert field_error(page, "product_name")
    assert field_error(page, "withdrawal_period_days")
    assert field_value(page, "dosage") == "20 ml/bình"
    english = business.post(f"/portal/batches/{batch_id}/stages?lang=en", data={
        "template": "fresh_produce", "stage": "spraying", "event_time": future})
    assert "future" in field_error(english.get_data(as_text=True), "event_time")


def test_recorded_stage_appears_in_the_journey(business):
    batch_id = make_batch(business, make_product(business))
    when = (datetime.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = business.post(f"/portal/batches/{batch_id}/stages", data={
        "template": "fresh_produce", "stage": "planting", "event_time": when,
        "crop_variety": "Hành tím Vĩnh Châu", "area_hectares": "2,5"})
    assert response.status_code == 303
    page = text_of(business.get(f"/portal/batches/{batch_id}"))
    assert "Đã ghi nhận công đoạn." in page
    journey = page.split("Hành trình")[1]
    assert datetime.strptime(when, "%Y-%m-%dT%H:%M").strftime("%d/%m/%Y") in journey
