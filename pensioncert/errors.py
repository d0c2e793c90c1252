"""Every error a user can meet: its HTTP status, its code and its Chinese message, in one place.

Raise ``AppError.of(ErrorCode.X, field=...)``-style through the helpers below; the API turns any
``AppError`` into the contract's shape ``{"error": {"code", "message", ...extra}}``.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    message: str


class ErrorCode(Enum):
    BAD_REQUEST = ErrorSpec(400, "请求内容有误，请检查后重新提交")
    PAYLOAD_TOO_LARGE = ErrorSpec(413, "提交的内容过大，请重新拍摄或压缩后再提交")
    UNAUTHENTICATED = ErrorSpec(401, "登录已失效，请重新登录")
    FORBIDDEN = ErrorSpec(403, "无权进行此操作")
    REAL_NAME_REQUIRED = ErrorSpec(403, "请先完成实名注册，再使用此功能")
    NOT_FOUND = ErrorSpec(404, "查无此人信息，请联系离退休时所在单位到养老保险经办机构确认信息")
    ROUTE_NOT_FOUND = ErrorSpec(404, "请求的功能不存在")
    METHOD_NOT_ALLOWED = ErrorSpec(405, "不支持此操作方式")
    SERVICE_UNAVAILABLE = ErrorSpec(503, "系统繁忙，请稍后再试")
    INTERNAL_ERROR = ErrorSpec(500, "系统出现异常，请稍后再试")

    CAPTCHA_INVALID = ErrorSpec(400, "图形验证码错误或已失效，请点击图片刷新后重新输入")
    PHONE_NOT_MAINLAND = ErrorSpec(
        400,
        "请输入中国大陆11位手机号码。身在境外无法接收短信的，可使用国内亲友的手机号码注册或绑定",
    )
    PHONE_ALREADY_REGISTERED = ErrorSpec(
        409, "该手机号码已注册（一个手机号码只可注册一次）。如是您本人注册，请使用“忘记密码”找回"
    )
    PHONE_NOT_REGISTERED = ErrorSpec(404, "该手机号码尚未注册，请先注册")
    SMS_RATE_LIMITED = ErrorSpec(429, "短信发送过于频繁，请稍后再试")
    SMS_SEND_FAILED = ErrorSpec(503, "短信发送失败，请稍后再试")
    SMS_CODE_INVALID = ErrorSpec(400, "短信验证码错误或已失效，请重新获取")
    PASSWORD_MISMATCH = ErrorSpec(400, "两次输入的密码不一致，请重新输入")
    PASSWORD_WEAK = ErrorSpec(
        400, "密码太简单：请设置8至32位密码，须同时包含字母和数字，且不能包含手机号码或生日"
    )
    ID_NUMBER_INVALID = ErrorSpec(400, "身份证号码有误，请核对18位身份证号码（末位X可小写）")
    NAME_INVALID = ErrorSpec(400, "姓名有误，请输入与身份证一致的中文姓名（2至30个字）")
    ID_NUMBER_ALREADY_REGISTERED = ErrorSpec(
        409, "该身份证号码已注册账户。如忘记登录手机号码或密码，请使用“忘记密码”或社保卡登录"
    )
    LOGIN_FAILED = ErrorSpec(401, "手机号码或密码错误")
    CARD_LOGIN_FAILED = ErrorSpec(401, "身份证号码或社保卡密码错误")
    ACCOUNT_LOCKED = ErrorSpec(
        423, "密码输入错误3次，账户已锁定，24小时后自动解锁；也可通过“忘记密码”重置密码立即解锁"
    )
    CARD_NOT_ACTIVATED = ErrorSpec(
        403, "您的社保卡尚未激活，请先激活社保卡，或使用手机号码注册后登录"
    )
    LOGIN_RATE_LIMITED = ErrorSpec(
        429, "登录尝试过于频繁，请1小时后再试；忘记社保卡密码的，请携带身份证和社保卡到社保经办机构办理"
    )

    NOT_ELIGIBLE = ErrorSpec(409, "暂不能进行资格认证")
    CONTACT_EXISTS = ErrorSpec(409, "该亲友已在您的联系人列表中")
    SESSION_EXPIRED = ErrorSpec(410, "本次认证已失效，请重新开始认证")
    # v1.2: refused before the person was judged, these use no try (rules/attempts.py): the message
    # says what to change and that the try was not counted.
    NO_FACE = ErrorSpec(
        422, "未检测到人脸：请到光线充足处，把手机拿到面前约一臂远，让整张脸在人像框内，保持手机稳定后重试。本次不计入失败次数"
    )
    MULTIPLE_FACES = ErrorSpec(422, "检测到多张人脸：请确保画面中只有被认证人一人后重试。本次不计入失败次数")
    POOR_QUALITY = ErrorSpec(
        422, "画面质量不佳：请到光线充足处，正对手机，保持手机稳定后重试。本次不计入失败次数"
    )
    # The session as a whole (a photo, a screen, frames seen before); one action: LIVENESS_ACTION_MESSAGES.
    LIVENESS_FAILED = ErrorSpec(422, "未能确认是本人实时操作：请本人正对手机，按提示完成动作后重试")
    FACE_MISMATCH = ErrorSpec(422, "人脸与对比照片相似度低,请确认是本人后重新操作")
    ID_CARD_UNREADABLE = ErrorSpec(422, "未能识别身份证人像，请将身份证正面完整放入框内，避免反光后重拍")
    NO_REFERENCE_PHOTO = ErrorSpec(
        422, "系统中暂无该人员的比对照片，无法自助认证。请联系所在单位采集照片，或申请上门认证"
    )
    CONTACT_LIMIT = ErrorSpec(409, "联系人数量已达上限（最多10人），请先删除不再需要的联系人")
    CONTACT_RATE_LIMITED = ErrorSpec(429, "24小时内添加亲友次数已达上限（5次），请明天再试")
    CONSENT_REQUIRED = ErrorSpec(
        403, "该亲友尚未同意您查询其认证信息。请亲友本人登录后在“我的代认证人”中同意，或为其成功完成一次代认证"
    )
    ATTEMPTS_EXHAUSTED = ErrorSpec(
        429, "认证失败次数已达上限，暂不能继续自助认证。请申请人工复核，或申请上门认证"
    )
    # v1.2: sessions opened per subject and per account per Beijing calendar day (rules/session_caps.py).
    SESSION_LIMIT = ErrorSpec(
        429, "今天开始认证的次数已达上限，请明天（北京时间0点以后）再试。如多次未通过，可申请人工复核或上门认证"
    )
    ID_CARD_MISMATCH = ErrorSpec(422, "身份证上的姓名或号码与您填写的不一致，请核对后使用本人身份证重新拍摄")
    IMAGE_TOO_LARGE = ErrorSpec(400, "图片尺寸过大，请重新拍摄（每边不超过4096像素）")
    IMAGE_INVALID = ErrorSpec(400, "图片无法识别，请重新拍摄后提交（支持JPEG或PNG）")
    VISION_UNAVAILABLE = ErrorSpec(503, "人脸识别服务繁忙，请稍后再试")
    HOME_VISIT_PENDING = ErrorSpec(409, "已有一条上门认证申请正在办理中，请耐心等待经办机构联系")
    REVIEW_PENDING = ErrorSpec(409, "已有一条人工复核申请正在办理中，请耐心等待工作人员答复")

    @property
    def status(self) -> int:
        return self.value.status

    @property
    def message(self) -> str:
        return self.value.message


# Messages for contract codes met on another screen (the code stays the contract's).
PHONE_LOGIN_RATE_LIMITED = "本网络登录失败次数过多，请1小时后再试；忘记密码的，可通过“忘记密码”重置"
LOGIN_CAPTCHA_REQUIRED = "该账号近期在多处登录失败，为保护账户安全，请输入图形验证码后再登录"
CAPTCHA_RATE_LIMITED = "获取图形验证码过于频繁，请1小时后再试"


# v1.2 "Which step failed": 422 LIVENESS_FAILED names the one drawn action that was not seen, in
# the contract's words (摇头, 张嘴, 眨眼).
LIVENESS_ACTION_MESSAGES = {
    "turn_head": "未看到摇头动作：请把头慢慢向左或向右转，再转回来",
    "open_mouth": "未看到张嘴动作：请把嘴张大，停一下，再合上",
    "blink": "未看到眨眼动作：请正对手机，慢慢闭上眼睛，再睁开",
}
# 403 CONSENT_REQUIRED at POST /certify/sessions (v1.2): the relative has a phone of their own to consent with.
CONSENT_TO_CERTIFY_REQUIRED = (
    "该亲友已有本人的手机账户，须由其本人登录后在“我的代认证人”中同意，您才能为其代办认证"
)
# The message of a not-eligible answer to a contact without the relative's consent (issue 19,
# finding 8): it names no reason (rules.certification.REASON_FOR_UNCONSENTED).
REASON_NOT_TOLD = (
    "暂不能为该亲友办理认证。具体原因须经亲友本人同意后才能查看：请亲友本人登录后在“我的代认证人”中同意，"
    "或由亲友本人联系所在单位、养老保险经办机构"
)
# ACCOUNT_LOCKED with the lockout's own numbers (settings lock_max_failures, lock_hours): a phone
# account's lock, which a password reset ends, and a card's, which only the counter ends.
ACCOUNT_LOCKED_PHONE = "密码输入错误{failures}次，账户已锁定，{hours}小时后自动解锁；也可通过“忘记密码”重置密码立即解锁"
ACCOUNT_LOCKED_CARD = ("社保卡密码连续输错{failures}次，社保卡登录已锁定{hours}小时，将于{month}月{day}日{time}自动解锁；"
                       "急需使用的，请本人携带身份证和社保卡到社保经办机构柜台解锁")
# ID_NUMBER_ALREADY_REGISTERED when another account proved the number (binding, or a card's first login).
ID_PROVED_BY_ANOTHER_ACCOUNT = (
    "该身份证号码已由其他账户完成实名认证或社保卡登录。如是您本人，请使用社保卡登录；"
    "如非本人操作，请携带身份证到社保经办机构处理"
)
# Appended to the refusal that used the year's last self-service try.
LAST_TRY_HOME_VISIT_HINT = "本年度自助认证未通过的次数已达上限，请联系所在单位申请上门认证"
# Appended to a refusal's own advice when vision refused before judging the person (v1.2).
TRY_NOT_COUNTED = "本次不计入失败次数"
# POOR_QUALITY: which check failed, in words a retiree can act on (the vision layer's detail).
POOR_QUALITY_ADVICE = {
    "too_dark": "光线太暗，请到光线充足的地方，正对手机后重试",
    "too_bright": "光线太强或逆光，请避开强光后重试",
    "blur": "画面模糊，请保持手机稳定后重试",
    "face_too_small": "脸部太小，请将手机靠近一些，使脸部充满人像框",
    "not_frontal": "请正对手机屏幕，不要侧脸或低头",
    "face_cut_off": "脸部没有完整出现在画面中，请将整张脸放入人像框",
}

# BAD_REQUEST said precisely: the request itself (http_edge) and its fields.
BODY_NOT_JSON = "请求内容不是有效的 JSON"
BODY_NOT_AN_OBJECT = "请求内容须为 JSON 对象"
BODY_NOT_DECLARED_JSON = "请以 application/json 提交请求内容"
FIELD_MISSING = "缺少必填项：{field}"
FIELD_TOO_LONG = "{field} 内容过长"
FIELD_MALFORMED = "{field} 格式有误"
QUERY_PARAMETER_MISSING = "缺少查询参数：{name}"
SESSION_ID_MALFORMED = "session_id 格式有误"
STEPS_OUT_OF_ORDER = "steps 须按 challenges 的顺序逐项提交：{challenges}"
SMS_PURPOSE_INVALID = "purpose 须为 register、reset_password 或 bind_phone"
ID_CARD_IMAGE_NOT_BASE64 = "身份证照片不是有效的 base64 图片"
CARD_PIN_MALFORMED = "社保卡密码为6位数字，请重新输入"
# Appended to a password refusal at reset: the SMS code was spent by the try.
RESET_CODE_SPENT = "。本次验证码已使用，请重新获取验证码后再设置"
SMS_DAILY_LIMIT_REACHED = "今日获取短信验证码次数已达上限，请明天再试"
SMS_RESEND_WAIT = "验证码已发送，请{seconds}秒后再重新获取"
# A text field with a length limit: its own request, then the limit.
WITHIN_LIMIT = "{message}（不超过{limit}字）"

# Real-name binding.
ALREADY_VERIFIED = "您已完成实名注册，无需重复办理；如需变更实名信息，请本人携带身份证到社保经办机构办理"
NO_REFERENCE_FOR_BINDING = (
    "系统中暂无您的比对照片，无法通过手机完成实名注册。请使用社保卡登录，"
    "或携带身份证到社保经办机构采集照片后再办理"
)
# Someone the agency's registry does not hold and the identity authority has no photo of.
NO_TRUSTED_FACE = (
    "暂时无法核实您的身份：社保系统和身份核验机构中都没有可与您的人脸比对的照片，"
    "因此不能通过手机实名注册，您的身份证号码未被登记到本账户。请携带身份证到社保经办机构办理"
)
BINDING_DETAILS_MISMATCH = "姓名或身份证号码与注册信息不一致，请核对后重新输入"

# Contacts and the people they name.
RELATION_INVALID = "请填写与您的关系（如父亲、母亲、配偶），不超过20字"
CONTACT_IS_SELF = "不能添加本人为亲友，本人认证请选择“本人”"
CONTACT_NOT_FOUND = "未找到该联系人"
SUBJECT_NOT_A_CONTACT = "未找到该联系人，请先在亲友列表中添加"
PROXY_NOT_FOUND = "未找到该代办人"

# NOT_ELIGIBLE's reasons, one message each (rules.certification.ELIGIBILITY_MESSAGES).
NOT_ELIGIBLE_MESSAGES = {
    "NOT_FOUND": "查无此人：业务系统中没有此身份证号码的记录，请联系离退休时所在单位到养老保险经办机构确认信息",
    "RECORD_MISMATCH": "姓名与业务系统记录不一致，请联系离退休时所在单位到养老保险经办机构修改信息，改完次日即可认证",
    "NOT_A_RECIPIENT": "此人不是本养老保险待遇领取人员，无需认证",
    "ALREADY_CERTIFIED": "本年度已认证通过（不论何种方式），无需再次认证。可在“我要查询”中查看认证信息",
    "SUSPENDED_DECEASED": "待遇已暂停或已终止，请联系所在单位或养老保险经办机构",
}

# Home visits and reviews the app asks for.
HOME_VISIT_REASON_NEEDED = "请说明无法自助认证的原因"
HOME_VISIT_ADDRESS_NEEDED = "请填写上门认证的详细地址"
NO_SUCH_SESSION = "没有可以复核的认证记录：请使用本年度未通过的认证"
NOT_YET_APPEALABLE = "本次认证未通过的原因可以重新自助认证解决，请按提示重新认证；次数用完后可申请人工复核"
REVIEW_NOT_NEEDED = "本年度已完成认证，无需复核"
REVIEW_ALREADY_OPEN = "此人已有一条人工复核正在办理，请先办结该复核"

# Corrections of a registry record (staff).
CORRECTION_STATUS_INVALID = "待遇状态须为 {statuses}"
CORRECTION_EMPTY = "请填写要更正的姓名或待遇状态"
NEW_ID_SAME_AS_OLD = "新身份证号码与原号码相同"
ID_ALREADY_CORRECTED = "该记录的身份证号码已更正过"
NEW_ID_ALREADY_IN_REGISTRY = "新身份证号码在业务系统中已有记录"

# A row of an imported file (registry, life events, overseas list): why it was refused.
COLUMNS_MISSING = "缺少列：{columns}"
EVENT_TYPE_INVALID = "事件类型须为 {event_types}"
EVENT_DATE_MALFORMED = "事件日期须为 年-月-日（如 2026-03-14）"
EVENT_DATE_IN_FUTURE = "事件日期不能晚于今天"
CELL_EMPTY_OR_TOO_LONG = "{label}不能为空且不超过{limit}字"
ID_NUMBER_NOT_IN_REGISTRY = "业务系统中没有此身份证号码的记录"
ROW_NAME_MISMATCH = "姓名与业务系统记录不一致，此行未导入"
ROW_OUT_OF_SCOPE = "此身份证号码的人员不在您负责的地区，此行未导入"
ROW_MOVES_REGION = ("此人现属{region}，导入不能变更人员所属地区；地区变更须由省级管理员在“待遇人员”页面"
                    "办理并填写原因，此行未导入")
ROW_ID_NUMBER_REPEATED = "身份证号码与第{line}行重复"
ROW_ID_NUMBER_CORRECTED_AWAY = "该身份证号码已由经办机构更正为其他号码（自 {since} 起），此行未导入"
CELL_ONE_OF = "{label}须为 {choices}"
CARD_PIN_NEEDED = "已激活的社保卡须有6位数字密码"
CARD_PIN_INVALID = "社保卡密码须为6位数字"
# The registry's zip and its photos.
ARCHIVE_UNREADABLE = "压缩包无法读取，请上传 zip 格式的文件"
ARCHIVE_TOO_LARGE = "压缩包过大或文件过多，请分批导入"
ARCHIVE_NEEDS_ONE_CSV = "压缩包中须有且只有一个人员名册 CSV 文件（不超过50MB）"
ARCHIVE_CSV_UNREADABLE = "名册文件无法读取：请使用 UTF-8 编码的 CSV"
PHOTO_PATH_OUTSIDE = "照片路径须在导入文件所在目录之内"
PHOTO_FILE_MISSING = "找不到照片文件：{path}"
PHOTO_MISSING_IN_ARCHIVE = "压缩包中找不到照片文件：{path}"
PHOTO_FILE_UNREADABLE = "照片文件无法读取：{path}"
PHOTO_NOT_AN_IMAGE = "照片须为不超过5MB的 JPEG 或 PNG 图片"
PHOTOS_NOT_UPLOADED = "上传的 CSV 文件不含照片：请把 CSV 和照片打包成 zip 上传，或将照片列留空（保留原有照片）"
# Why a reference photo was refused (vision's code), and what the row then says.
PHOTO_REFUSALS = {
    "NO_FACE": "照片中未检测到人脸",
    "MULTIPLE_FACES": "照片中有多张人脸",
    "POOR_QUALITY": "照片质量不合格（过暗、模糊、遮挡或脸部太小）",
    "IMAGE_INVALID": "照片文件无法识别",
}
PHOTO_FAILED_QUALITY = "照片未通过质量检查"
PHOTO_REFUSED_ROW = "{reason}，未建立比对模板；请更换照片，或将照片列留空后导入"

# Four eyes (rules/four_eyes.py): why this approver may not approve.
APPROVER_IS_SUBMITTER = "同一工作人员不能既提交又批准：须由另一名工作人员确认"
APPROVER_MADE_THE_VISIT = "上门（核验）人员不能确认自己的上门认证：须由未参与上门的工作人员确认"
PHOTO_NEEDS_PROVINCE_ADMIN = "更换比对照片须由省级管理员批准"
VISIT_PHOTO_A_COPY = ("现场照片与比对照片过于相似（相似度 {score:.2f}），像是比对照片的复制、裁剪、镜像或翻拍："
                      "须上传本次上门（核验）时新拍摄的本人照片")


class AppError(Exception):
    """An error with a contract code; ``extra`` fields are added beside code and message."""

    def __init__(self, code: ErrorCode, message: str | None = None, **extra: Any) -> None:
        self.code = code
        self.message = message or code.message
        self.extra = extra
        super().__init__(f"{code.name}: {self.message}")

    @property
    def status(self) -> int:
        return self.code.status

    def body(self) -> dict[str, Any]:
        error = {"code": self.contract_code, "message": self.message, **self.extra}
        return {"error": error}

    @property
    def contract_code(self) -> str:
        # Card login reports a wrong PIN with the same contract code as a wrong password.
        return "LOGIN_FAILED" if self.code is ErrorCode.CARD_LOGIN_FAILED else self.code.name
