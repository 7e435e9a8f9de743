"""The 个体工商户 pilot model, version 1 (published): every indicator kind with an editable default weight.

Indicators whose data source is not in the system yet are included with their weight so that the model is
complete on paper; they contribute nothing (数据来源尚未上线) until their source goes live.
"""
from decimal import Decimal

from django.db import migrations

INDICATORS = [
    ("years_in_operation", "15", {"full_after_years": 3}),
    ("suspensions", "10", {"years": 3, "cap": 1}),
    ("complaints", "25", {"years": 2, "cap": 3, "substantiated_only": False}),
    ("risk_class_history", "20", {"years": 2, "points": {"A": 0, "B": 0.3, "C": 0.7, "D": 1}}),
    ("annual_reports", "20", {}),
    ("abnormal_marks", "20", {}),
    ("penalty_publicity", "20", {}),
    ("spot_check_problems", "20", {}),
    ("unlicensed_operation", "15", {}),
]


def seed(apps, schema_editor):
    ScoringModel = apps.get_model("credit", "ScoringModel")
    ModelVersion = apps.get_model("credit", "ModelVersion")
    ModelIndicator = apps.get_model("credit", "ModelIndicator")
    model, created = ScoringModel.objects.get_or_create(
        code="individual-pilot",
        defaults={"name": "个体工商户信用风险评价（试点）", "entity_type": "individual",
                  "description": "个体工商户不参加上级平台的信用风险分类。本模型以系统已有的数据逐项打分，"
                                 "风险分为各指标得分之和，按分类阈值分为 A、B、C、D 四类，供确定检查比例参考。"},
    )
    if not created:
        return
    version = ModelVersion.objects.create(model=model, number=1, status="published", note="试点初始版本",
                                          threshold_b=Decimal("15"), threshold_c=Decimal("30"),
                                          threshold_d=Decimal("45"))
    for order, (kind, weight, params) in enumerate(INDICATORS, start=1):
        ModelIndicator.objects.create(version=version, kind=kind, weight=Decimal(weight), params=params,
                                      sort_order=order)


def unseed(apps, schema_editor):
    ScoringModel = apps.get_model("credit", "ScoringModel")
    ModelVersion = apps.get_model("credit", "ModelVersion")
    model = ScoringModel.objects.filter(code="individual-pilot").first()
    if model is None or model.versions.filter(runs__isnull=False).exists():
        return
    ModelVersion.objects.filter(model=model).delete()
    model.delete()


class Migration(migrations.Migration):
    dependencies = [("credit", "0003_complaints_and_scoring_model")]

    operations = [migrations.RunPython(seed, unseed)]
