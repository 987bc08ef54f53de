from django.urls import path

from events import views

app_name = "events"
# Public interface (shared links, personal links in e-mails, calendar subscriptions): keep the paths stable.
urlpatterns = [
    path("agenda/", views.agenda, name="agenda"),
    path("agenda/<int:pk>/", views.event_detail, name="event_detail"),
    path("agenda/<int:pk>/kalender.ics", views.event_ics, name="event_ics"),
    path("agenda/<int:pk>/daftar/", views.event_register, name="event_register"),
    path("agenda/saya/<str:secret>/", views.registration_page, name="registration"),
    path("agenda/saya/<str:secret>/sertifikat.pdf", views.registration_certificate, name="registration_certificate"),
]
