from django.db import models
from simple_history.models import HistoricalRecords

from ikm_registry.scoping import ScopedQuerySet


class WorkshopQuerySet(ScopedQuerySet):
    region_field = "village__code"


class Workshop(models.Model):
    """A toy event: a workshop held in a desa, with a workflow draft → open → closed."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draf"
        OPEN = "open", "Dibuka"
        CLOSED = "closed", "Ditutup"

    name = models.CharField("nama", max_length=200)
    village = models.ForeignKey("ikm_registry.Region", on_delete=models.PROTECT, related_name="+")
    seats = models.PositiveIntegerField("kursi", default=0)
    status = models.CharField("status", max_length=10, choices=Status.choices, default=Status.DRAFT)

    objects = WorkshopQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
