"""Masking personal data for roles that may not see it."""


def mask_phone(phone: str) -> str:
    """Keep the first three and last four digits of a mobile number; hide the middle of anything else."""
    if not phone:
        return ""
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) > 4:
        return "*" * (len(phone) - 4) + phone[-4:]
    return "*" * len(phone)
