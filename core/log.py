"""Structured logs: one JSON line per request and per job, with personal data (phones, ID numbers) masked.

Settings wire these in (config/settings/base.py LOGGING): every handler carries MaskPersonalDataFilter, and
LOG_FORMAT=json (the default) formats each record as one JSON object per line for journald or a log shipper.
This module is loaded while logging is configured, before the apps: it must not import models.
"""
import json
import logging
import re
import time
from datetime import UTC, datetime

request_logger = logging.getLogger("xinyong.request")
job_logger = logging.getLogger("xinyong.job")

# An 11-digit mainland mobile number, not part of a longer run of digits.
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
# An 18-character resident ID number (17 digits and a check digit or X) or a unified social credit code
# (GB 32100: two letters or digits, the 6-digit division, then 10 characters of its alphabet).
_CODE_CHARS = "0-9A-HJ-NPQRTUWXY"
_ID_OR_USCC = re.compile(
    rf"(?<![0-9A-Za-z])(\d{{17}}[\dXx]|[{_CODE_CHARS}]{{2}}\d{{6}}[{_CODE_CHARS}]{{10}})(?![0-9A-Za-z])",
    re.IGNORECASE,
)


def mask_personal_data(text: str) -> str:
    """Mask mobile numbers (138****5678) and ID numbers or credit codes (3505**********1234) in a text."""
    if not text:
        return text
    text = _ID_OR_USCC.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(1)[-4:], text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


class MaskPersonalDataFilter(logging.Filter):
    """Rewrites a record's message and traceback with personal data masked; attach it to every handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call (wrong number of args): keep the template, drop the args
            message = str(record.msg)
        record.msg, record.args = mask_personal_data(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {k: mask_personal_data(v) if isinstance(v, str) else v for k, v in fields.items()}
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's structured `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestLogMiddleware:
    """Logs one line per request: method, path (never the query string), status, user and duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated)
        fields = {
            "event": "request",
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "user_id": user.pk if authenticated else None,
            "username": user.get_username() if authenticated else "",
            "duration_ms": duration_ms,
        }
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        request_logger.log(
            level, "%s %s %s %sms %s", request.method, request.path, response.status_code, duration_ms,
            fields["username"] or "-", extra={"fields": fields},
        )
        return response


def log_job(job, *, status: str, duration_ms: float | None = None, level: int = logging.INFO, **extra) -> None:
    """One line for a job's step: queued, unsent, running, succeeded, failed or retried."""
    fields = {
        "event": "job",
        "task": job.task_name or job.kind,
        "kind": job.kind,
        "job_id": job.pk,
        "status": status,
        "user_id": job.created_by_id,
        "duration_ms": duration_ms,
        **extra,
    }
    job_logger.log(level, "job %s #%s %s", fields["task"], job.pk, status, extra={"fields": fields})
