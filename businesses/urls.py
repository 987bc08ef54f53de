from django.urls import path

from businesses import owner_views, views

app_name = "businesses"
# The paths are part of the public interface (shared links, QR codes on printed profiles): keep them stable.
urlpatterns = [
    path("", views.home, name="home"),
    path("direktori/", views.directory, name="directory"),
    path("direktori/ikm/<int:pk>/", views.business_detail, name="business_detail"),
    path("sentra/", views.sentra_list, name="sentra_list"),
    path("sentra/<int:pk>/", views.sentra_detail, name="sentra_detail"),
    path("statistik/", views.statistics, name="statistics"),
    path("daftar/", views.register, name="register"),
    path("daftar/terkirim/", views.register_done, name="register_done"),
    path("daftar/kbli/", views.register_kbli, name="register_kbli"),
    path("tentang/", views.about, name="about"),
    path("usaha-saya/", owner_views.owner_link_request_view, name="owner_link_request"),
    path("usaha-saya/<str:secret>/", owner_views.owner_page, name="owner_page"),
]
