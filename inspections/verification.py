"""Checking a stored draw: its certificate recomputed (hmac-sha256-rank/v1), its digest, and the checks and
assignments the database holds against it. Used by ``manage.py verify_draw`` and the tests."""
from .algorithm import verify_certificate
from .choices import DrawStatus
from .models import CheckAssignment, Draw, SpotCheck


def verify_stored_draw(draw: Draw) -> list[str]:
    """Every discrepancy of a stored draw, first first; an empty list means it is exactly reproducible."""
    cert = draw.certificate()
    problems = verify_certificate(cert)
    if cert.get("certificate_sha256") != draw.certificate_sha256:
        problems.insert(0, f"凭证摘要与抽取记录中保存的摘要不符（记录：{draw.certificate_sha256}）")
    if cert.get("seed") != draw.seed:
        problems.insert(0, "凭证中的随机种子与抽取记录不符")
    if draw.status != DrawStatus.VALID:
        return problems  # a voided draw keeps its certificate; its checks were removed
    stratum_of = {code: s["class"] for s in cert.get("strata", []) for code in s.get("selected", [])}
    stored = list(SpotCheck.objects.filter(draw=draw).order_by("walk_order")
                  .values_list("pk", "entity__uscc", "stratum"))
    codes: dict[int, list[str]] = {}
    for check_id, code in (CheckAssignment.objects.filter(spot_check__draw=draw)
                           .order_by("spot_check_id", "position").values_list("spot_check_id", "inspector__code")):
        codes.setdefault(check_id, []).append(code)
    expected = cert.get("assignments", [])
    if len(stored) != len(expected):
        problems.append(f"数据库中有 {len(stored)} 户抽查检查，凭证中有 {len(expected)} 户")
    for n, ((check_id, uscc, stratum), want) in enumerate(zip(stored, expected, strict=False), start=1):
        if uscc != want["uscc"]:
            problems.append(f"数据库中第 {n} 户为 {uscc}，凭证为 {want['uscc']}")
            break
        if codes.get(check_id, []) != want["inspectors"]:
            problems.append(f"数据库中 {uscc} 的检查人员为 {'、'.join(codes.get(check_id, []))}，"
                            f"凭证为 {'、'.join(want['inspectors'])}")
            break
        if stratum != stratum_of.get(uscc):
            problems.append(f"数据库中 {uscc} 的风险类别为 {stratum}，凭证为 {stratum_of.get(uscc)}")
            break
    return problems
