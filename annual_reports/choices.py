"""Choices of the annual-report season, reminder campaigns and the guidance of dormant entities."""
from django.db import models


class FilingStatus(models.TextChoices):
    NOT_FILED = "not_filed", "未报送"
    ON_TIME = "on_time", "按时报送"
    LATE = "late", "补报"
    NOT_REQUIRED = "not_required", "无需报送"


FILED = (FilingStatus.ON_TIME, FilingStatus.LATE)


class Channel(models.TextChoices):
    WEB = "web", "网页"
    MOBILE = "mobile", "手机"
    PAPER = "paper", "纸质"


class RecordSource(models.TextChoices):
    SEASON = "season", "开启年报季生成"
    IMPORT = "import", "公示系统导入"
    PAPER = "paper", "纸质年报录入"


class ContactChannel(models.TextChoices):
    SMS = "sms", "短信"
    PHONE = "phone", "电话"
    VISIT = "visit", "上门"
    WECHAT = "wechat", "微信"


class ContactOutcome(models.TextChoices):
    REACHED = "reached", "已告知"
    PROMISED = "promised", "承诺近期报送"
    ALREADY_FILED = "already_filed", "称已报送"
    NO_ANSWER = "no_answer", "无人接听/未回复"
    WRONG_NUMBER = "wrong_number", "号码错误/停机"
    REFUSED = "refused", "拒绝报送"


REACHED_OUTCOMES = (ContactOutcome.REACHED, ContactOutcome.PROMISED, ContactOutcome.ALREADY_FILED,
                    ContactOutcome.REFUSED)


class DormantSignal(models.TextChoices):
    NO_REPORT = "no_report", "连续未报送年报"
    UNREACHABLE = "unreachable", "抽查中无法联系"
    SUSPENSION_LIMIT = "suspension_limit", "歇业临近三年上限"
    SUSPENSION_EXPIRING = "suspension_expiring", "歇业期即将届满"


class GuidanceKind(models.TextChoices):
    SUSPENSION = "suspension", "引导办理歇业备案"
    SIMPLE_DEREG = "simple_dereg", "引导简易注销"
    ORDINARY_DEREG = "ordinary_dereg", "引导普通注销"
    RESUME = "resume", "提醒恢复经营/报送年报"


class GuidanceOutcome(models.TextChoices):
    PENDING = "pending", "待反馈"
    SUSPENSION_FILED = "suspension_filed", "已办理歇业备案"
    DEREGISTERED = "deregistered", "已办理注销"
    RESUMED = "resumed", "已恢复经营/已报送"
    DECLINED = "declined", "不愿办理"
    UNREACHABLE = "unreachable", "无法联系"
