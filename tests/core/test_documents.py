"""Standard documents: templates and their versions, per-year numbers, scoped print and .docx, the admin check."""
import threading
import time
from datetime import date

import pytest
from django.db import connections, transaction
from django.urls import reverse

from core.choices import AuditAction, Role
from core.documents import DocumentError, documents_for, issue_document, validate_template
from core.docx import docx_text
from core.models import AuditLog, DocumentCounter, DocumentTemplate, IssuedDocument
from tests.factories import make_entity, make_office, make_user

SEEDED = [
    "repair_acceptance_notice", "repair_refusal_notice", "repair_decision", "repair_refusal_decision",
    "listing_reminder", "abnormal_listing_decision", "individual_abnormal_notice", "abnormal_removal_decision",
    "serious_listing_notice", "serious_listing_decision", "warning_letter", "prompt_letter",
    "forced_dereg_reminder", "forced_dereg_decision",
    # core.0007: the listing outcomes
    "listing_objection_refusal_notice", "listing_objection_upheld_decision", "listing_objection_rejected_notice",
    "individual_abnormal_restore_decision", "serious_removal_decision",
]


def acceptance_context(entity, **extra):
    context = {"entity_name": entity.name, "uscc": entity.uscc, "legal_rep": entity.legal_rep,
               "address": entity.address, "apply_date": date(2026, 3, 2), "repair_kind": "移出经营异常名录",
               "repair_item": "未按期报送2024年度年度报告被列入经营异常名录"}
    context.update(extra)
    return context


@pytest.mark.django_db
def test_every_standard_template_is_seeded_and_renders_with_sample_values():
    assert sorted(DocumentTemplate.objects.values_list("code", flat=True)) == sorted(SEEDED)
    for template in DocumentTemplate.objects.all():
        text = validate_template(template)
        assert "〔市场主体名称〕" in text, template.code
        assert template.versions.get().version == 1
        assert "{seq}" in template.number_pattern and "{year}" in template.number_pattern


@pytest.mark.django_db
def test_issue_numbers_per_year_and_freezes_the_text(owner, entity_a):
    first = issue_document("repair_acceptance_notice", acceptance_context(entity_a, contact="王科员 0595-87982345"),
                           user=owner, subject=entity_a, office=entity_a.office, on=date(2026, 3, 3))
    second = issue_document("repair_acceptance_notice", acceptance_context(entity_a), user=owner, subject=entity_a,
                            office=entity_a.office, on=date(2026, 3, 4))
    next_year = issue_document("repair_acceptance_notice", acceptance_context(entity_a), user=owner,
                               subject=entity_a, office=entity_a.office, on=date(2027, 1, 5))
    assert [first.number, second.number, next_year.number] == [
        "泉港市监信修受〔2026〕1号", "泉港市监信修受〔2026〕2号", "泉港市监信修受〔2027〕1号"]
    assert first.title == "信用修复受理通知书"
    assert first.paragraphs[0] == f"{entity_a.name}（统一社会信用代码：{entity_a.uscc}）："
    assert "你（单位）于2026年3月2日提出的移出经营异常名录信用修复申请" in first.text
    assert "联系人及电话：王科员 0595-87982345。" in first.text
    assert "联系人" not in second.text  # an optional field left out leaves no empty sentence
    assert list(documents_for(entity_a)) == [next_year, second, first]
    log = AuditLog.objects.for_object(first).get()
    assert log.action == AuditAction.CREATE and first.number in log.summary and log.actor == owner


@pytest.mark.django_db
def test_editing_a_template_keeps_the_issued_text_and_version(owner, entity_a):
    old = issue_document("repair_acceptance_notice", acceptance_context(entity_a), user=owner, subject=entity_a)
    template = DocumentTemplate.objects.get(code="repair_acceptance_notice")
    from core.documents import template_save_version

    template.body = "{{ entity_name }}：\n\n你单位的申请已受理（{{ number }}）。"
    template.save()
    template_save_version(template=template, user=owner)
    new = issue_document("repair_acceptance_notice", acceptance_context(entity_a), user=owner, subject=entity_a)
    old.refresh_from_db()
    assert old.template_version.version == 1 and "材料齐全" in old.text
    assert new.template_version.version == 2 and template.versions.count() == 2
    assert new.paragraphs == [f"{entity_a.name}：", f"你单位的申请已受理（{new.number}）。"]
    assert "材料齐全" in template.versions.get(version=1).body


@pytest.mark.django_db
def test_missing_inactive_or_incomplete_template_is_refused_without_using_a_number(owner, entity_a):
    with pytest.raises(DocumentError, match="文书模板“no_such_notice”不存在"):
        issue_document("no_such_notice", {}, user=owner, subject=entity_a)
    with pytest.raises(DocumentError, match="缺少必填内容：申请日期"):
        issue_document("repair_acceptance_notice", acceptance_context(entity_a, apply_date=""), user=owner,
                       subject=entity_a)
    DocumentTemplate.objects.filter(code="repair_decision").update(is_active=False)
    with pytest.raises(DocumentError, match="已停用"):
        issue_document("repair_decision", acceptance_context(entity_a), user=owner, subject=entity_a)
    assert not IssuedDocument.objects.exists()
    assert not DocumentCounter.objects.filter(last__gt=0).exists()


@pytest.mark.django_db
def test_a_template_broken_after_seeding_fails_before_taking_a_number(owner, entity_a):
    template = DocumentTemplate.objects.get(code="warning_letter")
    version = template.versions.get()
    version.body = "{{ entity_name }}：{{ secret_field }}"
    version.save()
    with pytest.raises(DocumentError, match="未提供的字段：secret_field"):
        issue_document("warning_letter", {"entity_name": "甲", "uscc": "1", "risks": "年报未报"}, user=owner,
                       subject=entity_a)
    assert not DocumentCounter.objects.filter(sequence="warning_letter", last__gt=0).exists()


@pytest.mark.django_db
def test_templates_may_not_load_or_include():
    template = DocumentTemplate.objects.get(code="warning_letter")
    template.body = '{% include "base.html" %}'
    with pytest.raises(DocumentError, match="不能使用"):
        validate_template(template)


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, username="docadmin", is_staff=True, is_superuser=True)


def admin_post(client, template, **changes):
    data = {"code": template.code, "name": template.name, "number_pattern": template.number_pattern,
            "sequence": template.sequence, "body": template.body, "is_active": "on",
            "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0", "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000"}
    data.update(changes)
    return client.post(reverse("admin:core_documenttemplate_change", args=[template.pk]), data)


@pytest.mark.django_db
def test_admin_refuses_a_syntax_error_or_unknown_field_and_versions_a_good_edit(client, admin_user):
    client.force_login(admin_user)
    template = DocumentTemplate.objects.get(code="prompt_letter")
    page = client.get(reverse("admin:core_documenttemplate_change", args=[template.pk]))
    assert page.status_code == 200
    assert "{{ matters }}" in page.content.decode() and "提示事项" in page.content.decode()  # the field list
    response = admin_post(client, template, body="{{ entity_name }}：{% if matters %}未结束的判断")
    assert response.status_code == 200 and "文书模板语法错误" in response.content.decode()
    response = admin_post(client, template, body="{{ entity_name }}：{{ fine_amount }}")
    assert "文书模板使用了不存在的字段：fine_amount" in response.content.decode()
    response = admin_post(client, template, number_pattern="泉港市监行提〔{year}〕号")
    assert "文号格式必须包含 {seq}" in response.content.decode()
    template.refresh_from_db()
    assert template.version == 1 and template.versions.count() == 1
    response = admin_post(client, template, body=template.body + "\n\n特此提示，请予配合。")
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.version == 2 and template.versions.get(version=2).body.endswith("请予配合。")
    assert AuditLog.objects.for_object(template).filter(action=AuditAction.UPDATE).exists()


@pytest.fixture
def issued(owner, entity_a):
    return issue_document("repair_decision", acceptance_context(
        entity_a, findings="该企业已补报2024年度年度报告并公示", legal_basis="《市场监督管理信用修复管理办法》第十条",
        measure="将你（单位）移出经营异常名录"), user=owner, subject=entity_a, office=entity_a.office,
        on=date(2026, 3, 10))


@pytest.mark.django_db
def test_print_page_and_docx_for_the_owner_office_and_district_roles(client, issued, owner, colleague, section_user,
                                                                      leader):
    for user in (owner, colleague, section_user, leader):
        client.force_login(user)
        page = client.get(reverse("core:document_print", args=[issued.pk]))
        assert page.status_code == 200
        html = page.content.decode()
        assert issued.number in html and "泉州市泉港区市场监督管理局" in html and "2026年3月10日" in html
        assert "（盖章）" in html and "@page { size: A4" in html
    response = client.get(reverse("core:document_docx", args=[issued.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    paragraphs = docx_text(response.content)
    assert paragraphs[:2] == ["泉州市泉港区市场监督管理局", issued.number]
    assert "信用修复决定书" in paragraphs
    assert any("将你（单位）移出经营异常名录" in p for p in paragraphs)
    assert paragraphs[-1] == "2026年3月10日"


@pytest.mark.django_db
def test_another_office_and_unscoped_roles_get_404(client, issued, outsider, discipline_user):
    for user in (outsider, discipline_user):
        client.force_login(user)
        assert client.get(reverse("core:document_print", args=[issued.pk])).status_code == 404
        assert client.get(reverse("core:document_docx", args=[issued.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("core:document_print", args=[issued.pk])).status_code == 302  # to the log-in page


@pytest.mark.django_db
def test_district_documents_are_not_shown_to_office_staff(client, owner, section_user, entity_a):
    document = issue_document("warning_letter", {"entity_name": entity_a.name, "uscc": entity_a.uscc,
                                                 "risks": "连续两年未报送年度报告"},
                              user=section_user, subject=entity_a)
    client.force_login(owner)
    assert client.get(reverse("core:document_print", args=[document.pk])).status_code == 404
    client.force_login(section_user)
    assert client.get(reverse("core:document_print", args=[document.pk])).status_code == 200


@pytest.mark.django_db
def test_documents_include_lists_print_and_download_links(issued, entity_a):
    from django.template.loader import render_to_string

    html = render_to_string("core/_documents.html", {"documents": documents_for(entity_a)})
    assert issued.number in html
    assert reverse("core:document_print", args=[issued.pk]) in html
    assert reverse("core:document_docx", args=[issued.pk]) in html
    assert "尚未制发文书" in render_to_string("core/_documents.html", {"documents": []})


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_issues_never_share_a_number():
    office = make_office()
    user = make_user(Role.SECTION)
    entity = make_entity(office)
    context = acceptance_context(entity)
    a_has_number, b_started = threading.Event(), threading.Event()
    numbers, errors = [], []

    def first():
        try:
            with transaction.atomic():
                numbers.append(issue_document("repair_acceptance_notice", context, user=user, subject=entity,
                                              on=date(2026, 5, 6)).number)
                a_has_number.set()
                b_started.wait(10)
                time.sleep(0.3)  # let the second request reach the locked counter while this one is open
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            a_has_number.set()
            connections.close_all()

    def second():
        try:
            a_has_number.wait(10)
            b_started.set()
            numbers.append(issue_document("repair_acceptance_notice", context, user=user, subject=entity,
                                          on=date(2026, 5, 6)).number)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    def many():
        barrier.wait()
        try:
            for _ in range(5):
                numbers.append(issue_document("repair_acceptance_notice", context, user=user, subject=entity,
                                              on=date(2026, 5, 6)).number)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=f) for f in (first, second, many, many)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == sorted(f"泉港市监信修受〔2026〕{n}号" for n in range(1, 13))
    assert DocumentCounter.objects.get(sequence="repair_acceptance_notice", year=2026).last == 12
