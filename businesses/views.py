from django.shortcuts import render

from businesses.selectors import public_counts


def home(request):
    """The public landing page; the full directory comes with the public site."""
    return render(request, "businesses/home.html", {"counts": public_counts()})
