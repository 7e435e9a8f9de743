"""Who may use what in 双随机: one predicate per capability (navigation, views and tests use the same ones).

District roles (section staff, leadership, administrators) see everything; office staff see the checks of their
office's entities; a member department's inspector (a user whose department is a member department) sees only
the checks assigned to them. Leadership reads and signs off re-draws; section staff run the work.
"""
from core.choices import DepartmentKind, Role

from .choices import CheckStatus, FollowUpStatus


def is_member_user(user) -> bool:
    """A member department's account (成员单位): no bureau role, a department of kind member."""
    return (user.is_authenticated and user.department_id is not None
            and user.department.kind == DepartmentKind.MEMBER and not user.sees_whole_district)


def can_view_checks(user) -> bool:
    """The check list: district roles, office staff, and anyone the library links to an inspector."""
    if not user.is_authenticated:
        return False
    return (user.sees_whole_district or user.has_role(Role.OFFICE) or is_member_user(user)
            or hasattr(user, "inspector"))


def can_view_tasks(user) -> bool:
    """Plans, tasks, libraries: the bureau's staff (district roles and office staff)."""
    return user.is_authenticated and (user.sees_whole_district or user.has_role(Role.OFFICE))


def can_manage_inspections(user) -> bool:
    """Libraries, plans, tasks, draws, review, publication, integration: section staff and administrators."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION))


def can_view_certificates(user) -> bool:
    """A draw certificate lists every entity's risk class (internal): district roles only."""
    return user.is_authenticated and user.sees_whole_district


def can_approve_redraw(user) -> bool:
    return user.is_authenticated and user.has_role(Role.LEADER)


def can_view_object_lists(user) -> bool:
    return can_view_tasks(user) or is_member_user(user)


def can_manage_object_list(user, object_list) -> bool:
    """Section staff manage every list; a member department imports its own."""
    if can_manage_inspections(user):
        return True
    return is_member_user(user) and object_list.department_id == user.department_id


def can_view_kpis(user) -> bool:
    return user.is_authenticated and (user.sees_whole_district or user.has_role(Role.OFFICE))


# ---------------------------------------------------------------------------------------------------------
# One check (the caller has already found it within the user's scope)
# ---------------------------------------------------------------------------------------------------------

def _assigned(user, spot_check) -> bool:
    return any(a.inspector.user_id == user.pk for a in spot_check.assignments.all())


def can_record_result(user, spot_check) -> bool:
    """Enter or correct a result: the assigned inspectors, the entity's office staff, section staff."""
    if spot_check.status not in (CheckStatus.PENDING, CheckStatus.RETURNED):
        return False
    if user.has_role(Role.LEADER) and not user.has_role(Role.SECTION, Role.ADMIN):
        return False
    return (can_manage_inspections(user) or _assigned(user, spot_check)
            or (user.has_role(Role.OFFICE) and user.office_id == spot_check.entity.office_id))


def can_add_attachment(user, spot_check) -> bool:
    if spot_check.status not in (CheckStatus.PENDING, CheckStatus.RETURNED, CheckStatus.SUBMITTED):
        return False
    return can_record_result(user, spot_check) or (
        spot_check.status == CheckStatus.SUBMITTED and (
            can_manage_inspections(user) or _assigned(user, spot_check)
            or (user.has_role(Role.OFFICE) and user.office_id == spot_check.entity.office_id)))


def can_review(user, spot_check) -> bool:
    """Review a submitted result: section staff (not the person who recorded it)."""
    return (spot_check.status == CheckStatus.SUBMITTED and can_manage_inspections(user)
            and spot_check.recorded_by_id != user.pk)


def can_follow_up(user, spot_check) -> bool:
    """Open or close follow-up handling: section staff and the entity's office staff."""
    if not spot_check.found_problem or spot_check.status in (CheckStatus.PENDING, CheckStatus.RETURNED):
        return False
    return can_manage_inspections(user) or (user.has_role(Role.OFFICE)
                                            and user.office_id == spot_check.entity.office_id)


def can_close_follow_up(user, follow_up) -> bool:
    return follow_up.status == FollowUpStatus.OPEN and can_follow_up(user, follow_up.spot_check)


# ---------------------------------------------------------------------------------------------------------
# The leadership dashboard
# ---------------------------------------------------------------------------------------------------------

def can_view_dashboard(user) -> bool:
    """领导驾驶舱: district-wide figures, for leadership, section staff and administrators."""
    return user.is_authenticated and user.sees_whole_district


def can_manage_business_indicators(user) -> bool:
    """Enter the business-environment figures the bureau reports: section staff and administrators."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN, Role.SECTION))
