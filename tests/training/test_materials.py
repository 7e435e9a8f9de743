"""Training materials: stored under MEDIA_ROOT, served only through the login-protected view, checked on upload."""
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.choices import AuditAction
from core.models import AuditLog
from tests.factories import make_user
from training.models import TrainingMaterial

PDF = "%PDF-1.4\n% 信用监管培训讲义\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".encode()


def _upload(client, session, name="讲义.pdf", content=PDF):
    return client.post(reverse("training:material_upload", args=[session.pk]),
                       {"file": SimpleUploadedFile(name, content)}, follow=True)


@pytest.fixture
def material(client, section_user, session_2023):
    client.force_login(section_user)
    _upload(client, session_2023)
    client.logout()
    return TrainingMaterial.objects.get()


def test_upload_stores_the_file_under_media_root_with_a_random_name(client, section_user, session_2023):
    client.force_login(section_user)
    html = _upload(client, session_2023).content.decode()
    assert "已上传“讲义.pdf”" in html
    material = TrainingMaterial.objects.get()
    path = Path(material.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT)) and path.read_bytes() == PDF
    assert "讲义" not in path.name and path.suffix == ".pdf"
    assert material.original_name == "讲义.pdf" and material.size == len(PDF)
    assert AuditLog.objects.for_object(material).get(action=AuditAction.CREATE).actor == section_user


def test_download_requires_login(client, material):
    response = client.get(reverse("training:material_download", args=[material.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["owner", "outsider", "leader", "discipline_user", "section_user"])
def test_every_staff_member_may_download(client, request, who, material):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("training:material_download", args=[material.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "%E8%AE%B2%E4%B9%89.pdf" in response["Content-Disposition"]  # 讲义.pdf, RFC 5987 encoded
    assert "no-store" in response["Cache-Control"]


def test_an_account_without_a_staff_role_may_not_download(client, material, office_a):
    client.force_login(make_user(None, office=office_a, username="norole"))
    response = client.get(reverse("training:material_download", args=[material.pk]))
    assert response.status_code == 403
    assert b"%PDF" not in response.content


def test_no_public_media_url_serves_the_file(client, material, owner):
    client.force_login(owner)
    assert client.get(settings.MEDIA_URL + material.file.name).status_code == 404


def test_a_missing_material_is_404(client, owner):
    client.force_login(owner)
    assert client.get(reverse("training:material_download", args=[99999])).status_code == 404


@pytest.mark.parametrize("name, content, message", [
    ("病毒.exe", b"MZ\x90\x00", "不支持的文件类型“.exe”"),
    ("讲义.pdf", b"<html>not a pdf</html>", "文件内容与扩展名 .pdf 不符"),
    ("幻灯片.pptx", b"%PDF-1.4 renamed", "文件内容与扩展名 .pptx 不符"),
    ("说明.txt", b"text\x00with nul", "不是纯文本"),
    ("无扩展名", b"%PDF-1.4", "不支持的文件类型“无扩展名”"),
])
def test_bad_files_are_refused_in_chinese(client, section_user, session_2023, name, content, message):
    client.force_login(section_user)
    html = _upload(client, session_2023, name, content).content.decode()
    assert "上传失败" in html and message in html
    assert not TrainingMaterial.objects.exists()


def test_oversized_files_are_refused(client, section_user, session_2023, settings):
    settings.TRAINING_MATERIAL_MAX_BYTES = 1024 * 1024
    client.force_login(section_user)
    html = _upload(client, session_2023, "大文件.pdf", b"%PDF-1.4" + b"0" * (1024 * 1024)).content.decode()
    assert "文件过大" in html and "不能超过 1 MB" in html
    assert not TrainingMaterial.objects.exists()


def test_the_same_file_twice_is_refused(client, section_user, session_2023):
    client.force_login(section_user)
    _upload(client, session_2023)
    html = _upload(client, session_2023, "讲义（副本）.pdf").content.decode()
    assert "该文件已上传到本次培训" in html
    assert TrainingMaterial.objects.count() == 1


def test_office_staff_may_not_upload(client, owner, session_2023):
    client.force_login(owner)
    response = client.post(reverse("training:material_upload", args=[session_2023.pk]),
                           {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 403
    assert not TrainingMaterial.objects.exists()


def test_delete_removes_the_file_after_commit_and_is_audited(client, section_user, material,
                                                             django_capture_on_commit_callbacks):
    path = Path(material.file.path)
    client.force_login(section_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("training:material_delete", args=[material.pk]))
    assert not TrainingMaterial.objects.exists()
    assert not path.exists()
    assert AuditLog.objects.filter(action=AuditAction.DELETE, summary__contains="讲义.pdf").exists()
