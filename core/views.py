"""Log-in, each role's landing page, and job progress."""
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.decorators import method_decorator

from registry.selectors import entity_overview

from .forms import ThrottledAuthenticationForm
from .permissions import can_view_entities
from .selectors import job_for_user


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            failure_limit=settings.LOGIN_FAILURE_LIMIT, failure_window=settings.LOGIN_FAILURE_WINDOW_MINUTES, **kwargs
        )


def home(request):
    """Each role's landing page: its scope's figures and the capabilities it may use; leadership's is the dashboard."""
    from .choices import Role

    if request.user.has_role(Role.LEADER):
        from inspections.dashboard_views import dashboard

        return dashboard(request)
    from .permissions import is_member_department_user

    if is_member_department_user(request.user):
        # A member department's landing page is its list of requests (chased ones highlighted at the top).
        return redirect("registry:feedback_list")
    context = {"breadcrumbs": []}
    if can_view_entities(request.user):
        context["overview"] = entity_overview(request.user)
    return render(request, "core/home.html", context)


def job_status(request, job_id: int):
    """Polled by progress bars: status, progress and, when finished, the result or error."""
    job = job_for_user(request.user, job_id)
    return JsonResponse({
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "status_label": job.get_status_display(),
        "stage": job.stage,
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "finished": job.is_finished,
        "error": job.error,
        "result": job.result,
    })


def csrf_failure(request, reason=""):
    """A Chinese page for an expired or missing CSRF token (the form was open too long, or the session ended)."""
    return HttpResponseForbidden(render_to_string("403_csrf.html", request=request))
