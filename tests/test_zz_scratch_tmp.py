import time, re
import pytest
from django.core.management import call_command
from businesses.models import Business, Owner, Sentra, Product
pytestmark = pytest.mark.django_db

def test_seed(client):
    t=time.monotonic()
    call_command("seed_demo", verbosity=0)
    print("seed", time.monotonic()-t)
    from django.db.models import Count
    print(dict(Business.objects.values_list("status").annotate(n=Count("pk")).order_by()))
    print(Sentra.objects.count(), Product.objects.count())
    t=time.monotonic()
    ids = list(Business.objects.filter(status="published").values_list("pk", flat=True))
    for pk in ids:
        r = client.get(f"/direktori/ikm/{pk}/")
        assert r.status_code == 200
    print("profiles", len(ids), time.monotonic()-t)
    t=time.monotonic()
    r = client.get("/direktori/")
    print("dir", time.monotonic()-t)
    open("/tmp/scratch/dir.html","w").write(r.content.decode())
    open("/tmp/scratch/prof.html","w").write(client.get(f"/direktori/ikm/{ids[0]}/").content.decode())
    open("/tmp/scratch/stat.html","w").write(client.get("/statistik/").content.decode())
    open("/tmp/scratch/home.html","w").write(client.get("/").content.decode())
    print(Owner.objects.filter(business__status="published").exclude(phone_public_since=None).count())
