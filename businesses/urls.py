from django.urls import path

from businesses import views

app_name = "businesses"
urlpatterns = [
    path("", views.home, name="home"),
]
