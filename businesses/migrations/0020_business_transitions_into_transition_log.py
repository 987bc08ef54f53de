"""The business workflow's log moves into the core's one log for every model (ikm_registry.TransitionLog).

Every BusinessTransition row is copied with its time, actor and note; its action is named from its pair of states;
its region is the business's desa (or, for a deleted business, the desa of its last history version). A step the
public site logged (no actor, draft → submitted) becomes what a self-registration logs now: the record's creation
as submitted. Backwards, the rows come back as BusinessTransition rows (creations as a self-registration's
draft → submitted; creations by an import or seed_demo, which had no row before, are dropped).
"""

from django.db import migrations

BATCH = 2000
ACTIONS = {
    ("draft", "submitted"): "submit",
    ("submitted", "verified"): "verify",
    ("verified", "published"): "publish",
    ("submitted", "returned"): "return",
    ("returned", "submitted"): "resubmit",
    ("submitted", "rejected"): "reject",
    ("published", "inactive"): "deactivate",
}
CREATE = "create"


def _content_type(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label="businesses", model="business")[0]


def _regions(apps, business_ids: set[int]) -> dict[int, str]:
    Business = apps.get_model("businesses", "Business")
    HistoricalBusiness = apps.get_model("businesses", "HistoricalBusiness")
    regions = dict(Business.objects.filter(pk__in=business_ids).values_list("pk", "village_id"))
    gone = business_ids - regions.keys()
    if gone:
        versions = HistoricalBusiness.objects.filter(id__in=gone).order_by("id", "history_date", "history_id")
        regions.update(versions.values_list("id", "village_id"))  # the last version of each wins
    return regions


def forwards(apps, schema_editor):
    BusinessTransition = apps.get_model("businesses", "BusinessTransition")
    TransitionLog = apps.get_model("ikm_registry", "TransitionLog")
    if not BusinessTransition.objects.exists():
        return
    content_type = _content_type(apps)
    regions = _regions(apps, set(BusinessTransition.objects.values_list("business_id", flat=True).distinct()))
    rows = []
    for step in BusinessTransition.objects.order_by("pk").iterator(chunk_size=BATCH):
        pair = (step.from_status, step.to_status)
        registered = step.actor_id is None and pair == ("draft", "submitted")
        rows.append(
            TransitionLog(
                content_type=content_type,
                object_id=step.business_id,
                region_code=regions.get(step.business_id) or "",
                action=CREATE if registered else ACTIONS.get(pair, "change"),
                from_state="" if registered else step.from_status,
                to_state=step.to_status,
                actor_id=step.actor_id,
                at=step.at,
                note=step.note,
            )
        )
        if len(rows) >= BATCH:
            TransitionLog.objects.bulk_create(rows)
            rows = []
    TransitionLog.objects.bulk_create(rows)


def backwards(apps, schema_editor):
    BusinessTransition = apps.get_model("businesses", "BusinessTransition")
    TransitionLog = apps.get_model("ikm_registry", "TransitionLog")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="businesses", model="business").first()
    if content_type is None:
        return
    logged = TransitionLog.objects.filter(content_type=content_type)
    at = BusinessTransition._meta.get_field("at")
    at.auto_now_add = False  # keep each step's time (this is the migration's own copy of the model)
    try:
        rows = []
        for step in logged.order_by("pk").iterator(chunk_size=BATCH):
            if step.action == CREATE:
                if step.actor_id is not None or step.actor_label or step.to_state != "submitted":
                    continue  # an import's or a seed's creation: the old log had no such row
                source = "draft"  # a self-registration
            else:
                source = step.from_state
            rows.append(
                BusinessTransition(
                    business_id=step.object_id,
                    from_status=source,
                    to_status=step.to_state,
                    actor_id=step.actor_id,
                    at=step.at,
                    note=step.note,
                )
            )
            if len(rows) >= BATCH:
                BusinessTransition.objects.bulk_create(rows)
                rows = []
        BusinessTransition.objects.bulk_create(rows)
    finally:
        at.auto_now_add = True
    logged.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0019_business_imports_are_tabular_imports"),
        ("ikm_registry", "0014_transition_log"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="BusinessTransition"),
    ]
