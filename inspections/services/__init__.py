"""Writes of 双随机、一公开, one module per workflow; every state change is ``<entity>_<action>(*, …, by)``."""
from .checks import (
    attachment_add,
    attachment_delete,
    check_publish,
    check_review,
    check_submit_result,
    checks_publish,
    follow_up_close,
    follow_up_open,
)
from .draws import draw_resume, redraw_approve, redraw_reject, redraw_request, task_draw_request
from .libraries import (
    check_item_create,
    check_item_retire,
    check_item_revise,
    conflict_declare,
    conflict_withdraw,
    inspector_create,
    inspector_update,
    object_list_create,
    object_list_entry_remove,
)
from .plans import kpi_target_set, plan_create, plan_update, task_create, task_delete, task_update
from .visits import visit_create, visit_dissolve

__all__ = [
    "attachment_add", "attachment_delete", "check_item_create", "check_item_retire", "check_item_revise",
    "check_publish", "check_review", "check_submit_result", "checks_publish", "conflict_declare",
    "conflict_withdraw", "draw_resume", "follow_up_close", "follow_up_open", "inspector_create", "inspector_update",
    "kpi_target_set", "object_list_create", "object_list_entry_remove", "plan_create", "plan_update",
    "redraw_approve", "redraw_reject", "redraw_request", "task_create", "task_delete", "task_draw_request",
    "task_update", "visit_create", "visit_dissolve",
]
