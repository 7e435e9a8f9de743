"""Who may use what: one predicate per capability, used by navigation, views and tests alike."""
from functools import wraps

from django.core.exceptions import PermissionDenied

from .choices import Role


def can_view_entities(user) -> bool:
    return user.is_authenticated and (user.sees_whole_district or user.has_role(Role.OFFICE))


def can_import_entities(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION))


def is_admin(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN))


def can_view_phone(user) -> bool:
    return user.is_authenticated and user.has_perm("registry.view_entity_phone")


def can_view_training(user) -> bool:
    """业务培训: every staff member with a role sees the sessions and their own hours."""
    return user.is_authenticated and (user.is_superuser or bool(user.role_names))


def can_manage_training(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION))


def can_view_training_stats(user) -> bool:
    """Everyone's hours, per-office completion and the staff behind: the district-wide roles."""
    return user.is_authenticated and user.sees_whole_district


def can_manage_conduct(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.DISCIPLINE))


def can_view_conduct(user) -> bool:
    """行风建设 plans, inspections and rectification: managed by discipline and admins, read by leadership."""
    return can_manage_conduct(user) or (user.is_authenticated and user.has_role(Role.LEADER))


def can_view_clues(user) -> bool:
    """Clue records (线索): the discipline role and nobody else, not even superusers or leadership."""
    return user.is_authenticated and not user.is_superuser and Role.DISCIPLINE in user.role_names


def can_view_risk_class(user) -> bool:
    """信用风险分类 (internal): section staff, office staff (their office's entities), leadership, admins."""
    return user.is_authenticated and (user.sees_whole_district or user.has_role(Role.OFFICE))


def can_import_risk_classes(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION))


def can_manage_credit_analysis(user) -> bool:
    """Runs of the scoring model, complaints import, the yearly analysis and risk warnings: section staff, admins."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION))


def can_view_credit_analysis(user) -> bool:
    """The yearly credit-status analysis: the district-wide roles (section staff, leadership, admins)."""
    return user.is_authenticated and user.sees_whole_district


def can_approve_credit_texts(user) -> bool:
    """Approving the analysis's text, warnings and guidance: leadership and admins."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.LEADER))


def require(predicate):
    """View decorator: a user without the capability gets 403 (records of another office answer 404)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not predicate(request.user):
                raise PermissionDenied("您的角色无权使用此功能。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# -- 登记监管 (registry: forced deregistration, registration findings and the three lists, unlicensed operation) --

def is_member_department_user(user) -> bool:
    """A member department's account (成员单位: tax, courts …): sees only what is addressed to its department."""
    from .choices import DepartmentKind

    return (user.is_authenticated and user.department_id is not None and not user.sees_whole_district
            and user.department.kind == DepartmentKind.MEMBER)


def can_view_registration_supervision(user) -> bool:
    """强制注销, 登记事项监管, 无证无照: the district roles and office staff (their office's records)."""
    return user.is_authenticated and (user.sees_whole_district or user.has_role(Role.OFFICE))


def can_manage_registration_supervision(user) -> bool:
    """Record and move cases: section staff, administrators and office staff (within their office); not leadership."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION, Role.OFFICE))


def can_run_forced_dereg(user) -> bool:
    """Screen candidates and take the forced-deregistration steps: section staff and administrators."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION))


def can_decide_forced_dereg(user) -> bool:
    """Sign off a forced-deregistration decision: leadership and administrators."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.LEADER))


def can_answer_department_requests(user) -> bool:
    """Member-department accounts answer the feedback requests and notifications addressed to their department."""
    return is_member_department_user(user)


def can_view_department_requests(user) -> bool:
    """The feedback and notification lists: member departments (their own) and the bureau's supervision users."""
    return is_member_department_user(user) or can_view_registration_supervision(user)


def can_view_publications(user) -> bool:
    """信用宣传 (handbook, typical cases, briefings) inside the platform: the district-wide roles."""
    return user.is_authenticated and user.sees_whole_district


def can_edit_publications(user) -> bool:
    """Drafting and correcting 信用宣传 texts: section staff and administrators."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION))


def can_approve_publications(user) -> bool:
    """Approving a 信用宣传 text for publication: leadership and administrators (never its author)."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.LEADER))


def can_publish_publications(user) -> bool:
    """Publishing an approved text and withdrawing a published one: section staff, leadership, administrators."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION, Role.LEADER))


def can_view_annual_reports(user) -> bool:
    """年报: the season's progress and lists — district roles, and office staff for their office."""
    return user.is_authenticated and (user.sees_whole_district or user.has_role(Role.OFFICE))


def can_manage_annual_reports(user) -> bool:
    """Opening seasons, importing the publicity system's export, handing non-filers to listing: section staff."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION))


def can_work_annual_reports(user) -> bool:
    """Paper reports, reminder campaigns and contacts, suspensions and dormant-entity guidance (not leadership)."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION, Role.OFFICE))


def can_view_credit_cases(user) -> bool:
    """列异列严, 行政处罚公示, 信用修复: office staff (their office's cases) and the district-wide roles."""
    return user.is_authenticated and (user.sees_whole_district or user.has_role(Role.OFFICE))


def can_handle_credit_cases(user) -> bool:
    """Entering triggers, reminders, penalty records, repair applications and their steps: office and section staff."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION, Role.OFFICE))


def can_sign_off_credit_cases(user) -> bool:
    """Approving a listing proposal (the second reviewer) and deciding a repair: case handlers and leadership."""
    return can_handle_credit_cases(user) or (user.is_authenticated and user.has_role(Role.LEADER))


def can_handle_serious_list(user) -> bool:
    """The serious-violation list procedure (notice, hearing, the level above's approval): section staff, admins."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION))


def can_view_shared_repairs(user) -> bool:
    """A member department's staff read the credit-repair results the bureau shared with their department."""
    return is_member_department_user(user)
