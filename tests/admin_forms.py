"""POST data for admin change forms, as the browser sends them."""

from django.contrib import admin
from django.db.models.fields.files import FieldFile

from ikm_registry.admin_base import VERSION_FIELD


def _post_value(value):
    if value is None or isinstance(value, FieldFile):
        return None  # an empty field; a file input sends nothing when no new file is chosen
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value)


def _add_form(data: dict, form) -> None:
    for name in form.fields:
        value = _post_value(form[name].value())
        if value is not None:
            data[form.add_prefix(name)] = value


def form_data_from_response(response, **changes) -> dict:
    """What the change form of `response` (a rendered admin change page) posts when saved unchanged — its fields,
    every inline row with the management forms, and the version it was rendered from — updated with `changes`."""
    context = response.context
    data = {}
    _add_form(data, context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        _add_form(data, formset.management_form)
        for form in formset.forms:
            _add_form(data, form)
    if context.get("registry_version") is not None:
        data[VERSION_FIELD] = context["registry_version"]
    data.update(changes)
    return data


def change_form_data(client, url, **changes) -> dict:
    """GET the admin change page at `url` as `client` and return its form's POST data (see form_data_from_response)."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return form_data_from_response(response, **changes)


def current_version(obj) -> str:
    """The version a change form of `obj` rendered now would carry (for tests that build POST data by hand)."""
    return admin.site._registry[type(obj)].version_of(obj)


def business_form_data(business, **changes):
    """POST data for the business change form with its inlines, as the admin renders them."""
    owner = business.owner
    data = {
        "name": business.name,
        "legal_form": business.legal_form,
        "nib": business.nib,
        "status": business.status,
        "village": business.village_id,
        "address": "",
        "latitude": "",
        "longitude": "",
        "kbli": business.kbli_id,
        "main_product": business.main_product,
        "owner-TOTAL_FORMS": "1",
        "owner-INITIAL_FORMS": "1",
        "owner-MIN_NUM_FORMS": "1",
        "owner-MAX_NUM_FORMS": "1",
        "owner-0-id": owner.pk,
        "owner-0-business": business.pk,
        "owner-0-name": owner.name,
        "owner-0-sex": owner.sex,
    }
    for prefix in ("links", "years", "products", "assistance", "obstacles"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data[VERSION_FIELD] = current_version(business)
    data.update(changes)
    return data
