"""A minimal Word (.docx, OOXML) writer for issued documents: A4 in the official-document layout (GB/T 9704)."""
import io
import zipfile
from xml.sax.saxutils import escape

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>"""

RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2"
 Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
 Target="docProps/core.xml"/>
</Relationships>"""

CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title><dc:creator>{creator}</dc:creator>
</cp:coreProperties>"""

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

# Sizes in half-points; fonts as the bureau's documents use them, with common fallbacks named by Word/WPS.
HEADING_FONT, BODY_FONT = "方正小标宋简体", "仿宋_GB2312"


def _xml_text(text: str) -> str:
    """Escaped for XML, without the control characters XML cannot hold (Word refuses such a file)."""
    return escape("".join(ch for ch in text if ch in "\t" or ord(ch) >= 0x20))


def _run(text: str, *, size: int, font: str, bold: bool = False, color: str | None = None) -> str:
    props = (f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}"/>'
             + ("<w:b/>" if bold else "") + (f'<w:color w:val="{color}"/>' if color else "")
             + f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>')
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r>'


def _para(text: str, *, align: str = "both", size: int = 32, font: str = BODY_FONT, indent: bool = False,
          bold: bool = False, color: str | None = None, before: int = 0, after: int = 0) -> str:
    ppr = (f'<w:jc w:val="{align}"/><w:spacing w:before="{before}" w:after="{after}" w:line="560" w:lineRule="exact"/>'
           + ('<w:ind w:firstLineChars="200" w:firstLine="640"/>' if indent else ""))
    return f"<w:p><w:pPr>{ppr}</w:pPr>{_run(text, size=size, font=font, bold=bold, color=color)}</w:p>"


def _border_para() -> str:
    return ('<w:p><w:pPr><w:pBdr><w:bottom w:val="single" w:sz="18" w:space="1" w:color="C00000"/></w:pBdr>'
            '<w:spacing w:before="0" w:after="240"/></w:pPr></w:p>')


def heading_para(text: str, *, size: int = 32, font: str = "黑体") -> str:
    """A bold left-aligned subheading (一、…) in the body."""
    return _para(text, align="left", size=size, font=font, bold=True)


def text_para(text: str, *, indent: bool = True, align: str = "both") -> str:
    return _para(text, indent=indent, align=align)


def build_docx(parts: list[str], *, title: str, creator: str) -> bytes:
    """Wrap paragraphs (from the helpers above) into an A4 .docx with the official-document margins."""
    sect = ('<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
            '<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" w:header="851" w:footer="992"'
            ' w:gutter="0"/></w:sectPr>')
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           f'<w:document xmlns:w="{W}"><w:body>{"".join(parts)}{sect}</w:body></w:document>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("docProps/core.xml", CORE.format(title=_xml_text(title), creator=_xml_text(creator)))
        zf.writestr("word/document.xml", xml)
    return buffer.getvalue()


def title_para(text: str) -> str:
    return _para(text, align="center", size=44, font=HEADING_FONT, before=240, after=240)


def document_docx(document, *, bureau_name: str) -> bytes:
    """The issued document as a .docx: letterhead, number, title, text, issuing body and date (seal line)."""
    from .documents import chinese_date

    parts = [
        _para(bureau_name, align="center", size=52, font=HEADING_FONT, color="C00000", after=120),
        _para(document.number, align="center", size=32, font=BODY_FONT),
        _border_para(),
        title_para(document.title),
    ]
    for i, paragraph in enumerate(document.paragraphs):
        # The first paragraph is the addressee (顶格); the rest are indented two characters.
        parts.append(_para(paragraph, indent=i > 0))
    parts += [
        _para("", after=240),
        _para(f"{bureau_name}（盖章）", align="right", before=480),
        _para(chinese_date(document.issued_on), align="right"),
    ]
    return build_docx(parts, title=f"{document.title} {document.number}", creator=bureau_name)


def docx_text(data: bytes) -> list[str]:
    """The paragraphs' text of a .docx (used to check downloads)."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = ET.fromstring(zf.read("word/document.xml"))
    ns = {"w": W}
    return ["".join(t.text or "" for t in p.iterfind(".//w:t", ns)) for p in root.iterfind(".//w:p", ns)]
