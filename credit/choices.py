"""Choices of the credit app."""
from django.db import models


class RiskClass(models.TextChoices):
    """企业信用风险分类: A low risk … D high risk (an internal basis for inspections, never published)."""

    A = "A", "A 类（信用风险低）"
    B = "B", "B 类（信用风险一般）"
    C = "C", "C 类（信用风险较高）"
    D = "D", "D 类（信用风险高）"


RISK_CLASSES = [c.value for c in RiskClass]
GENERAL_LABEL = "通用"  # the classification type of the general model (通用型), as the import file writes it
