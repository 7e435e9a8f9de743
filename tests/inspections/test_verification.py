"""Verifying a draw: manage.py verify_draw and draw_certificate, and tools/verify_draw.py (standard library only),
catch any change to the population, the seed, the selection or an assignment."""
import copy
import hashlib
import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from inspections.algorithm import certificate_digest, population_digest
from inspections.models import CheckAssignment, Inspector
from inspections.verification import verify_stored_draw
from tests.inspections.conftest import draw_now

pytestmark = pytest.mark.django_db

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"


def run_tool(path) -> subprocess.CompletedProcess:
    """The standalone verifier with Python's site-packages switched off (-I -S): the standard library only."""
    return subprocess.run([sys.executable, "-I", "-S", str(TOOL), str(path)], capture_output=True, text=True,
                          timeout=120)


def reseal(cert: dict) -> dict:
    """What a careful forger would do: make every digest match the changed content again."""
    for stratum in cert["strata"]:
        stratum["population_size"] = len(stratum["population"])
        stratum["population_sha256"] = population_digest(stratum["population"])
    cert["certificate_sha256"] = certificate_digest(cert)
    return cert


def write(tmp_path, cert, name="cert.json"):
    path = tmp_path / name
    path.write_text(json.dumps(cert, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def cert(task):
    draw = draw_now(task)
    return draw, draw.certificate()


def test_a_stored_draw_verifies(cert, tmp_path):
    draw, certificate = cert
    out = StringIO()
    call_command("verify_draw", str(draw.pk), stdout=out)
    assert "核对一致" in out.getvalue()
    path = write(tmp_path, certificate)
    call_command("verify_draw", "--certificate", str(path), stdout=StringIO())
    result = run_tool(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("一致：") and certificate["certificate_sha256"] in result.stdout


def test_draw_certificate_prints_the_stored_certificate(cert):
    draw, certificate = cert
    out = StringIO()
    call_command("draw_certificate", str(draw.pk), stdout=out)
    printed = json.loads(out.getvalue())
    assert printed == certificate
    latest = StringIO()
    call_command("draw_certificate", "--latest", stdout=latest)
    assert json.loads(latest.getvalue())["certificate_sha256"] == draw.certificate_sha256
    with pytest.raises(CommandError):
        call_command("draw_certificate", stdout=StringIO())


def _change_population(cert):
    stratum = next(s for s in cert["strata"] if s["selected"])
    stratum["population"] = sorted(set(stratum["population"]) - {stratum["selected"][0]}
                                   | {"91350505MA2ZZZZZZ9"})


def _change_seed(cert):
    cert["seed"] = hashlib.sha256(b"another seed").hexdigest()


def _change_selection(cert):
    stratum = next(s for s in cert["strata"] if s["selected"] and len(s["population"]) > len(s["selected"]))
    outsider = next(code for code in stratum["population"] if code not in stratum["selected"])
    stratum["selected"][-1] = outsider


def _change_assignment(cert):
    assignment = cert["assignments"][0]
    other = next(p["code"] for p in cert["pool"] if p["code"] not in assignment["inspectors"])
    assignment["inspectors"][1] = other


@pytest.mark.parametrize("tamper", [_change_population, _change_seed, _change_selection, _change_assignment])
def test_any_change_is_caught(cert, tmp_path, tamper):
    draw, original = cert
    for reseal_it in (False, True):
        changed = copy.deepcopy(original)
        tamper(changed)
        if reseal_it:
            reseal(changed)
        path = write(tmp_path, changed, f"{tamper.__name__}-{reseal_it}.json")
        result = run_tool(path)
        assert result.returncode == 1 and result.stdout.startswith("不一致："), (tamper.__name__, result.stdout)
        with pytest.raises(CommandError) as error:
            call_command("verify_draw", "--certificate", str(path), stdout=StringIO())
        assert error.value.returncode == 1 and "不一致" in str(error.value)


def test_the_tool_names_the_first_discrepancy(cert, tmp_path):
    _, original = cert
    changed = copy.deepcopy(original)
    _change_assignment(changed)
    result = run_tool(write(tmp_path, reseal(changed)))
    assert result.stdout.startswith("不一致：人员分派第 1 项应为")


def test_a_changed_assignment_in_the_database_is_caught(cert):
    draw, _ = cert
    assignment = CheckAssignment.objects.filter(spot_check__draw=draw, position=2).order_by("spot_check__walk_order")[0]
    others = Inspector.objects.exclude(pk__in=assignment.spot_check.assignments.values("inspector"))
    CheckAssignment.objects.filter(pk=assignment.pk).update(inspector=others.first())
    problems = verify_stored_draw(draw)
    assert problems and "检查人员为" in problems[0]
    with pytest.raises(CommandError) as error:
        call_command("verify_draw", str(draw.pk), stdout=StringIO())
    assert error.value.returncode == 1


def test_unreadable_files_and_unknown_draws(tmp_path, cert):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert run_tool(bad).returncode == 2
    with pytest.raises(CommandError) as error:
        call_command("verify_draw", "--certificate", str(bad), stdout=StringIO())
    assert error.value.returncode == 2
    with pytest.raises(CommandError):
        call_command("verify_draw", "999999", stdout=StringIO())
