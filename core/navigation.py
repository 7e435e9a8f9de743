"""The navigation by capability: each entry shows only to the roles that may use it."""
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from inspections.permissions import can_view_checks, can_view_dashboard, can_view_tasks

from .permissions import (
    can_import_entities,
    can_view_annual_reports,
    can_view_clues,
    can_view_conduct,
    can_view_credit_analysis,
    can_view_credit_cases,
    can_view_entities,
    can_view_publications,
    can_view_registration_supervision,
    can_view_risk_class,
    can_view_training,
    is_admin,
    is_member_department_user,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    allowed: Callable  # user -> bool


# Later capabilities (双随机抽查, 信用修复, 年报, 登记监管, 业务培训 …) add their entries here.
NAV_ITEMS = [
    NavItem("首页", "home", lambda u: True),
    NavItem("领导驾驶舱", "inspections:dashboard", can_view_dashboard),
    NavItem("市场主体名录", "registry:entity_list", can_view_entities),
    NavItem("名录导入", "registry:import", can_import_entities),
    NavItem("信用风险分类", "credit:risk_overview", can_view_risk_class),
    NavItem("信用评价模型", "credit:model_home", can_view_risk_class),
    NavItem("信用指数", "credit:index_home", can_view_risk_class),
    NavItem("信用状况分析", "credit:analysis_home", can_view_credit_analysis),
    NavItem("风险提示与指引", "credit:warning_list", can_view_risk_class),
    NavItem("信用宣传", "credit:publication_list", can_view_publications),
    NavItem("列异列严", "credit:listing_list", can_view_credit_cases),
    NavItem("行政处罚公示", "credit:penalty_list", can_view_credit_cases),
    NavItem("信用修复", "credit:repair_list", can_view_credit_cases),
    NavItem("双随机抽查", "inspections:home", can_view_tasks),
    NavItem("我的抽查检查", "inspections:check_list", lambda u: can_view_checks(u) and not can_view_tasks(u)),
    NavItem("年报", "annual_reports:home", can_view_annual_reports),
    NavItem("登记监管", "registry:supervision_home", can_view_registration_supervision),
    NavItem("强制注销征求意见", "registry:feedback_list", is_member_department_user),
    NavItem("信息抄告", "registry:notification_list", is_member_department_user),
    NavItem("信用修复结果", "credit:repair_shared_list", is_member_department_user),
    NavItem("业务培训", "training:overview", can_view_training),
    NavItem("行风建设", "training:conduct_plan_list", can_view_conduct),
    NavItem("线索管理", "training:clue_list", can_view_clues),
    NavItem("工作日历", "core:calendar", is_admin),
    NavItem("后台任务", "core:jobs", is_admin),
    NavItem("系统管理", "admin:index", lambda u: u.is_staff),
]


def nav_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    return [
        {"label": item.label, "url": reverse(item.url_name)}
        for item in NAV_ITEMS
        if item.allowed(user)
    ]
