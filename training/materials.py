"""What a training material may be: the accepted file types, each checked by its first bytes, and the size limit."""
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError

# Extension → the leading bytes a genuine file of that type starts with (None: plain text, any bytes).
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (.doc .xls .ppt)
_ZIP = b"PK\x03\x04"  # Office Open XML and .zip
SIGNATURES: dict[str, tuple[bytes, ...] | None] = {
    ".pdf": (b"%PDF-",),
    ".doc": (_OLE,), ".xls": (_OLE,), ".ppt": (_OLE,),
    ".docx": (_ZIP,), ".xlsx": (_ZIP,), ".pptx": (_ZIP,),
    ".wps": (_OLE,), ".et": (_OLE,), ".dps": (_OLE,),
    ".zip": (_ZIP,),
    ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG\r\n\x1a\n",),
    ".mp4": None, ".txt": None,
}
ACCEPT = ",".join(SIGNATURES)
TYPES_LABEL = "PDF、Word、Excel、PowerPoint、WPS、图片（JPG/PNG）、ZIP 压缩包、MP4 视频或纯文本"


def max_bytes() -> int:
    """The largest material accepted, in bytes (settings.TRAINING_MATERIAL_MAX_BYTES, 50 MB by default)."""
    return int(getattr(settings, "TRAINING_MATERIAL_MAX_BYTES", 50 * 1024 * 1024))


def check_material(upload) -> None:
    """Refuse empty, oversized, unsupported or mislabelled files, with a message staff can act on."""
    name = upload.name or ""
    suffix = PurePath(name).suffix.lower()
    if suffix not in SIGNATURES:
        raise ValidationError(f"不支持的文件类型“{suffix or '无扩展名'}”。可上传：{TYPES_LABEL}。")
    if not upload.size:
        raise ValidationError("文件是空的，请重新选择。")
    limit = max_bytes()
    if upload.size > limit:
        raise ValidationError(f"文件过大（{upload.size / 1048576:.1f} MB），单个资料不能超过 {limit // 1048576} MB。")
    signatures = SIGNATURES[suffix]
    if suffix == ".mp4":
        upload.seek(0)
        head = upload.read(12)
        upload.seek(0)
        if head[4:8] != b"ftyp":
            raise ValidationError("文件内容与扩展名 .mp4 不符，可能已损坏或被改名。")
        return
    if signatures is None:  # plain text: no binary bytes
        upload.seek(0)
        head = upload.read(4096)
        upload.seek(0)
        if b"\x00" in head:
            raise ValidationError("文件不是纯文本（.txt），可能已被改名。")
        return
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in signatures):
        raise ValidationError(f"文件内容与扩展名 {suffix} 不符，可能已损坏或被改名，请另存为正确格式后再上传。")
