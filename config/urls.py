from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import health
from core import views as core_views
from core.forms import ThrottledAdminAuthenticationForm

admin.site.site_header = "信用监管平台 · 系统管理"
admin.site.site_title = "信用监管平台"
admin.site.index_title = "系统管理"
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("core.urls")),
    path("registry/", include("registry.urls")),
    path("training/", include("training.urls")),
    path("credit/", include("credit.urls")),
    path("inspections/", include("inspections.urls")),
    path("annual-reports/", include("annual_reports.urls")),
    path("public/", include("credit.public_urls")),
]
