from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.i18n import set_language

from ikm_registry import accounts, sitemaps, verification

urlpatterns = [
    # Password reset by e-mail, linked from the admin login ("Lupa kata sandi?"); before the admin's own catch-all.
    path("admin/lupa-sandi/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("admin/lupa-sandi/terkirim/", accounts.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "admin/sandi-baru/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("admin/sandi-baru/selesai/", accounts.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("admin/", admin.site.urls),
    # The language switch posts without a CSRF token so that public pages carry no per-visitor token and can be
    # cached whole; the worst a forged post can do is switch someone's language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("favicon.ico", RedirectView.as_view(url=static_url("favicon.svg"), permanent=True)),
    path("verifikasi/", verification.verify_view, name="verify"),
    # For search engines: the apps' public pages (their sitemap sections) and the paths to stay out of.
    path("robots.txt", sitemaps.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap_section"),
    # Open data: /data/ with its files, the DCAT catalog and the CKAN action API (/api/3/action/...), which must
    # come before the API's own paths under /api/.
    path("", include("ikm_registry.opendata.urls")),
    path("api/", include("ikm_registry.api.urls")),
    path("", include("businesses.urls")),
    path("", include("events.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Error pages in the site's layout (the admin's under /admin/), Indonesian with the language switch.
handler400 = "ikm_registry.error_pages.bad_request"
handler403 = "ikm_registry.error_pages.permission_denied"
handler404 = "ikm_registry.error_pages.page_not_found"
handler500 = "ikm_registry.error_pages.server_error"
