"""Every Chinese word the admin shows for a code, and its own messages, in one place."""
from __future__ import annotations

from pensioncert.labels import (  # noqa: F401  the record's own fields, as the domain names them
    ABSENT,
    AUDIT_LINE_COUNT,
    FIELD_NAME,
    FIELD_REASON,
    FIELD_REFERENCE_PHOTO,
    FIELD_REGION,
    FIELD_SOURCE,
    FIELD_UNIT,
    PRESENT,
)

ROLE_PROVINCE_ADMIN = "province_admin"
ROLE_OPERATOR = "operator"
ROLES = {ROLE_PROVINCE_ADMIN: "省级管理员", ROLE_OPERATOR: "市级经办人员"}

PERSON_STATUS = {"recipient": "领取待遇", "not_recipient": "非待遇领取人员", "suspended": "待遇暂停",
                 "deceased": "已死亡（待遇终止）"}
METHODS = {"app": "本人手机认证", "proxy_app": "亲友代办认证", "home_visit": "上门认证",
           "overseas": "境外人员认证", "agency": "经办机构认证", "data_match": "数据比对认证"}
FAILURE_REASONS = {"NO_FACE": "未检测到人脸", "MULTIPLE_FACES": "多张人脸", "POOR_QUALITY": "画面质量差",
                   "LIVENESS_FAILED": "活体检测未通过", "FACE_MISMATCH": "人脸比对不一致",
                   "ID_CARD_UNREADABLE": "身份证人像无法识别"}
CASE_STATUS = {"open": "待分配", "assigned": "已分配", "scheduled": "已预约", "done": "已办结"}
CASE_SOURCE = {"app": "手机APP申请", "unit_report": "单位报送", "review": "人工复核未通过"}
CASE_OUTCOME = {"passed": "认证通过", "failed": "未通过", "already_certified": "本年度已认证"}
PHOTO_STATUS = {"none": "未上传照片", "modelled": "已建模", "rejected": "建模未通过"}
ACTIONS = {
    "login": "登录", "logout": "退出登录", "view_person": "查看人员信息", "correct_record": "更正人员信息",
    "correct_id_number": "更正身份证号码",
    "import_registry": "导入人员名册", "import_row": "导入人员（逐行变更）", "move_region": "转移人员地区",
    "remove_reference_photo": "删除比对照片", "hv_create": "登记上门认证", "hv_import": "导入单位报送名单",
    "hv_assign": "分配上门人员", "hv_schedule": "预约上门时间", "hv_outcome": "登记上门结果",
    "overseas_import": "导入境外人员名单", "overseas_row": "导入境外人员（逐行变更）", "overseas_photo": "上传境外人员照片",
    "overseas_certify": "登记境外人员认证", "overseas_export": "导出境外人员汇总表",
    "fraud_signals_export": "导出风险提示",
    "review_request": "申请人工复核", "review_open": "转人工复核（现场照片比对不一致）",
    "review_view": "查看人工复核材料", "review_decide": "人工复核决定",
    "account_unlock": "解锁APP账户", "card_unlock": "解锁社保卡登录",
    "staff_create": "新建工作人员账号", "staff_disable": "停用工作人员账号", "staff_enable": "启用工作人员账号",
    "staff_reset_password": "重置工作人员密码", "staff_role": "调整工作人员角色或地区",
    "staff_revoke_sessions": "强制工作人员下线", "staff_change_password": "修改本人密码",
    "import_events": "导入比对数据", "life_event_status": "比对数据变更待遇状态",
    "suspension_run": "生成暂停发放名单", "suspension_export": "导出暂停发放名单",
    "events_list_export": "导出比对数据名单",
    "confirm_requested": "提交待第二人确认", "confirm_approved": "第二人批准", "confirm_refused": "第二人未批准",
    "import_events_pending": "上传未签名比对数据（待批准）", "import_events_refused": "比对数据签名不符（拒收）",
    "claim_revoked": "撤销未经可信照片证明的实名",
    "duplicate_face_decide": "一人多户核查结论",
}

LOGIN_FAILED = "用户名或密码错误"
LOGIN_LOCKED = "密码连续输错{n}次，账号已锁定，{hours}小时后自动解锁；如需提前解锁请联系省级管理员"
STAFF_CAPTCHA_NEEDED = "该账号或本机登录失败次数较多，请输入图形验证码后再登录"
STAFF_CAPTCHA_WRONG = "图形验证码错误或已失效，请输入新的验证码"
STAFF_LOGIN_WAIT = "密码输错次数较多，请{minutes}分钟后再试；忘记密码请联系省级管理员重置"
STAFF_LOGIN_RATE_LIMITED = "本机登录失败次数过多，请1小时后再试，或联系省级管理员"
STAFF_ACTIVE = "正常"
STAFF_DISABLED = "已停用"
STAFF_NOT_FOUND = "找不到该工作人员账号"
STAFF_NOT_SELF = "不能对自己的账号进行此操作"
STAFF_USERNAME_INVALID = "用户名须为3至32位小写字母、数字或下划线，以字母开头"
STAFF_USERNAME_TAKEN = "该用户名已被使用"
STAFF_NAME_INVALID = "请填写姓名（1至30个字）"
STAFF_ROLE_INVALID = "请选择角色"
STAFF_REGIONS_NEEDED = "市级经办人员须至少负责一个地区（多个地区用顿号分隔）"
STAFF_OLD_PASSWORD_WRONG = "原密码错误"
NOT_STAFF = "请先登录"
OUT_OF_SCOPE = "该人员不属于您负责的地区，无权查看或办理"
ADMIN_ONLY = "此操作仅限省级管理员"
REASON_REQUIRED = "请填写操作原因（不超过200字）"
PERSON_NOT_FOUND = "业务系统中没有此人的记录，请核对身份证号码"
CASE_NOT_FOUND = "找不到该上门认证任务"
CASE_CHANGED = "该任务的状态已被他人更新，请刷新后重试"
NOT_A_RECIPIENT = "此人当前不是待遇领取人员（{status}），不能登记认证"
SEARCH_TOO_SHORT = "请输入完整的18位身份证号码，或2个字以上的姓名"
UPLOAD_OUT_OF_SCOPE = "第{line}行：地区“{region}”不在您负责的范围内，整份文件未导入"
PAGE_TOKEN_INVALID = "翻页参数有误，请重新查询"
DATE_MALFORMED = "日期格式应为 年-月-日"
AUDIT_RANGE_TOO_LONG = "一次最多查询{days}天的日志"
EXPORT_FORMAT_INVALID = "导出格式须为 csv 或 xlsx"
UPLOADED_FILE = "上传文件"  # an upload's name when the browser sent none
ALL_REGIONS = "全省"
NONE = "无"
TEXT_WITHIN_LIMIT = "{message}（不超过{limit}字）"
CSV_UNREADABLE = "文件无法读取：请上传 UTF-8 编码的 CSV 文件"
CSV_OR_ZIP_UNREADABLE = "文件无法读取：请上传 UTF-8 编码的 CSV 文件或 zip 压缩包"
CERTIFIED = "已认证"
UNCERTIFIED = "未认证"

# The keys and values of the admin's audit events (the record's own fields: pensioncert.labels).
AUDIT_ITEM = "事项"
AUDIT_RESULT = "结果"
AUDIT_STATE = "状态"
AUDIT_OPINION = "意见"
AUDIT_REQUESTED_BY = "提交人"
AUDIT_APPROVER = "批准人"
AUDIT_HANDLER = "处理人"
AUDIT_COLLECTOR = "采集人"
AUDIT_VISITOR = "上门人员"
AUDIT_VISIT_DATE = "上门日期"
AUDIT_SIMILARITY = "相似度"
AUDIT_ASSIGNEE = "负责人"
AUDIT_SCHEDULED_FOR = "预约日期"
AUDIT_FILE = "文件"
AUDIT_PHOTO = "照片"
AUDIT_STAFF_PHOTO = "现场照片"
AUDIT_EFFECTIVE = "生效日期"
AUDIT_YEAR = "年度"
AUDIT_METHOD = "认证方式"
AUDIT_REVIEW = "复核"
AUDIT_SIGNED_BY = "签名来源"
AUDIT_FAILED_IN_A_ROW = "连续输错次数"
AUDIT_LOCKED_UNTIL = "锁定至"

# Accounts (admin/accounts.py).
ACCOUNT_NOT_FOUND = "没有找到此手机号码或身份证号码注册的APP账户或社保卡"
CARD_NOT_FOUND = "没有找到此人的社保卡"
CARD_STATUS = {"activated": "已激活", "not_activated": "未激活", "none": "无社保卡", "": "无社保卡"}
ACCOUNT_WITHOUT_PHONE = "（社保卡登录账户）"
ACCOUNT_BY_PHONE = "手机号码注册"
ACCOUNT_BY_CARD = "社保卡登录"
ACCOUNT_LOOKUP_INVALID = "请输入11位手机号码或18位身份证号码"

# Confirmations (待确认, admin/confirmations.py).
CONFIRMATION_NOT_FOUND = "找不到该待确认事项"
CONFIRMATION_CHANGED = "该事项已由他人处理，请刷新"
CONFIRMATION_REASON_REQUIRED = "请填写确认意见（不超过200字）"
CONFIRMATION_STATES = {"pending": "待确认", "approved": "已批准", "refused": "未批准"}
CONFIRMATION_AGREED = "同意"  # the opinion when the approver wrote none
IMPORTER_APPROVED_BY = "{importer}（{approver}批准）"
DEATH_RECORD_CONFIRMED_BY = "{confirmer}（确认{importer}导入的死亡记录）"
SUMMARY_VISIT = "{visited_on} 相似度 {score}（复制判定线 {copy_line}）"
SUMMARY_STAFF_PHOTO = "原因：{reason}"
SUMMARY_EVENT_FEED = "{size} 字节，SHA-256 {digest}…"
SUMMARY_REVIEW = "复核意见：{reason}"
SUMMARY_DEATH_RECORD = "死亡日期 {event_date}，来源 {source}"

# Duplicate faces (同一人脸对应多名待遇人员, admin/duplicate_faces.py).
DUPLICATE_PHOTO_SOURCES = {"registry_photo": "名册照片", "staff_photo": "现场采集照片"}
DUPLICATE_FINDINGS = {"same_person": "同一人（一人多户，转稽核处理）", "different_people": "不是同一人（排除）"}
DUPLICATE_OPEN = "待核查"
DUPLICATE_PERSON_STATUS = {"recipient": "领取待遇", "not_recipient": "未领取", "suspended": "暂停发放", "deceased": "已死亡"}
DUPLICATE_FINDING_NEEDED = "请选择核查结论"
DUPLICATE_OPINION_NEEDED = "请填写核查意见"
DUPLICATE_ALREADY_DECIDED = "这一对记录已有核查结论"
DUPLICATE_PAIR_NOT_FOUND = "没有这一对记录"
DUPLICATE_FINDING = "结论"

# Life-event lists and feeds (admin/events.py).
EVENT_LISTS = {
    "suspended": "暂停发放名单（未按时认证）",
    "reinstated": "恢复发放名单（补发）",
    "overpayment": "死亡后多发待遇名单（追回）",
    "overseas_review": "出境人员名单（转境外人员认证）",
    "imprisoned": "服刑期间暂停发放名单",
}
EVENT_LIST_HEADER = ("地区", "单位", "姓名", "身份证号码", "年度", "起始日期", "截止日期", "原因", "月份")
EVENT_LIST_NOT_FOUND = "没有这个名单"
FEED_SIGNATURE_INVALID = "文件签名与登记的数据来源不符（签名错误或文件在签名后被修改），未导入任何数据"
FEED_SIGNATURE_MISMATCH = "签名不符"
FEED_AWAITS_SECOND_PERSON = "待第二人批准"
CERTIFIED_AFTER_DEATH = "死亡后仍有认证记录：{dates}"

# Fraud signals (风险提示, admin/fraud_signals.py).
FRAUD_SIGNALS_TITLE = "风险提示"
FRAUD_SIGNALS_FILE = "风险提示_{day}"
FRAUD_SIGNALS_HEADER = ["提示", "对象", "时间", "操作人", "操作", "涉及人员", "地区", "内容"]
FACE_MISMATCH_FAILURE = "人脸与对比照片不符"
PERSON_NOT_IN_REGISTRY = "（登记库中无此人）"
APP_ACCOUNT = "APP账户 {name}"
FACE_MATCH_FAILED = "人脸比对未通过"
SESSIONS_OPENED = "开启人脸识别会话"
SESSIONS_OPENED_AND_COMPLETED = "开启{opened}次，完成{completed}次"
SIMILARITY_SHOWN = "相似度 {value:.4f}"

# Home visits (上门认证, admin/home_visits.py).
CASE_OUTCOME_REVIEW = "现场照片比对不一致，转人工复核"
CASE_OUTCOME_CONFIRMING = "待未参与上门的工作人员确认"
CASE_REASON_NEEDED = "请填写无法自助认证的原因"
CASE_ADDRESS_NEEDED = "请填写上门地址"
CASE_VISITOR_NEEDED = "请选择负责该地区的工作人员"
CASE_DATE_NEEDED = "请选择预约上门的日期"
CASE_DATE_PAST = "预约日期不能早于今天"
CASE_ASSIGN_FIRST = "请先分配上门人员，再登记上门结果"
CASE_FAILURE_REASON_NEEDED = "请填写未通过的原因"
CASE_FAILED = "未通过"
CASE_NO_RECORD = "无记录"
CASE_FROM_UNIT_REPORT = "单位报送"
CASE_SOURCE_HOME_VISIT = "上门认证"
CASE_NOT_CONFIRMED = "第二人未确认：{reason}"
CASE_LAST_FAILED = "上次未通过："

# Manual certification and its evidence (admin/manual_certification.py, admin/manual_evidence.py).
MANUAL_OPERATORS = {"home_visit": "上门认证", "overseas": "境外人员认证"}
MANUAL_OPERATOR = "{method}（{visitor}；{confirmer}确认）"
VISIT_PHOTO_REQUIRED = "登记“通过”须上传本次上门（或视频、使领馆）现场拍摄的本人照片（JPEG 或 PNG，不超过5MB）"
VISIT_PHOTO_REFUSED = "{reason}：现场照片未通过质量检查，请在光线充足处正面拍摄本人后重新上传"
VISIT_DATE_REQUIRED = "请填写上门（核验）日期，不能晚于今天，且须为本年度"
VISIT_ADDRESS_REQUIRED = "请填写上门（核验）地址（不超过200字）"
VISITOR_REQUIRED = "请选择负责该地区、实际上门（核验）的工作人员"
NO_TRUSTED_REFERENCE = "无可比对的可信照片"
NOT_COMPARED = "未能比对"
IDENTITY_SERVICE_DOWN = "身份核验服务暂不可用，请稍后再登记"

# Overseas residents (境外人员, admin/overseas.py).
OVERSEAS_REPORT_HEADER = ("经办机构", "境外人员数", "照片已建模", "建模未通过", "未上传照片", "本年已认证", "未认证", "认证率(%)")
OVERSEAS_PHOTO_REJECTED = "建模未通过"
OVERSEAS_PHOTO_RETRY = "{reason}，请更换照片后重新上传"
OVERSEAS_REFERENCE_REASON = "境外人员比对照片"
OVERSEAS_PHOTO_AWAITS_APPROVAL = "已建模，待省级管理员批准"
OVERSEAS_PHOTO_PASSED = "照片已通过质量检查，待省级管理员在“待确认”中批准后成为比对照片"
OVERSEAS_CHANNELS = {"consular": "驻外使领馆核验", "video_call": "视频通话核验"}
OVERSEAS_CHANNEL_NEEDED = "请选择核验方式：驻外使领馆或视频通话"
OVERSEAS_ALREADY_CERTIFIED = "本年度已完成认证"
OVERSEAS_CHANNEL = "核验方式"
OVERSEAS_VERIFIED_ON = "核验日期"
OVERSEAS_VERIFIER = "核验人员"
OVERSEAS_SOURCE = "境外人员认证"
OVERSEAS_TOTAL = "合计"
OVERSEAS_REPORT_FILE = "境外人员认证汇总表_{year}"
OVERSEAS_REPORT_SHEET = "汇总"
OVERSEAS_REPORT_TITLE = "{year}年度境外人员领取养老保险待遇资格认证汇总表"
OVERSEAS_COUNTRY = "居住国家或地区"
OVERSEAS_AGENCY = "经办机构"
OVERSEAS_PHONE = "联系电话"
OVERSEAS_PHONE_INVALID = "联系电话格式有误"
OVERSEAS_NAME_MISMATCH = "姓名与业务系统记录（{name}）不一致"
OVERSEAS_NOT_LISTED = "境外人员名单中没有此人"

# Pensioners (待遇人员, admin/pensioners.py).
CORRECTION_EMPTY = "请填写要更正的姓名、身份证号码或待遇状态"
MOVE_NEEDS_REGION_AND_UNIT = "请填写新的地区和单位（各不超过100字）"
MOVE_ID_CORRECTED_AWAY = "此身份证号码已更正为其他号码，请在新号码的记录上办理"
MOVE_CHANGES_NOTHING = "新的地区和单位与现在相同"
RECORD_BEING_CHANGED = "此人的记录正被他人修改，请稍后重试"
NO_REFERENCE_PHOTO = "此人没有比对照片"
REPLACE_REFERENCE_PHOTO = "更换比对照片"
REFERENCE_CHANGED_SMS = ("【养老保险认证】{name}的认证比对照片已由社保经办机构更换。如非本人知情办理，"
                         "请立即携带身份证到社保经办机构或拨打12333反映。")
STAFF_PHOTO_REFUSED = "照片不能用作比对照片：请在光线充足处正面拍摄本人，面部清晰、无遮挡后重新上传"

# Reviews (人工复核, admin/reviews.py).
REVIEW_KINDS = {"app": "APP认证申诉", "home_visit": "上门认证照片比对不一致", "overseas": "境外认证照片比对不一致"}
REVIEW_STATES = {"pending": "待复核", "decided": "已办结"}
REVIEW_OUTCOMES = {"passed": "复核通过", "refused": "复核未通过（已安排上门认证）"}
REVIEW_REFERENCES = {"staff_photo": "工作人员现场拍摄的比对照片", "registry_photo": "业务系统登记照片",
                     "identity_authority": "身份核验机构的照片", None: "无可信比对照片"}
REVIEW_NOT_FOUND = "找不到该复核任务"
REVIEW_CHANGED = "该复核已由他人办结，请刷新"
REVIEW_OWN_VISIT = "现场照片比对不一致的认证须由未参与本次上门（登记）的省级管理员复核"
REVIEW_REASON_REQUIRED = "请填写复核意见（不超过200字）"
REVIEW_PROPOSED = "该复核已提议通过，待另一名工作人员在“待确认”中确认"
REVIEW_CONFIRMED_REASON = "{reason}（{proposer}提议，{confirmer}确认）"
REVIEW_CONFIRMED_OPERATOR = "{proposer}；{confirmer}确认"
REVIEW_OPERATOR = "人工复核（{operator}）"
REVIEW_REFUSED_VISIT_REASON = "人工复核未通过（{review_id}），请上门核验"
REVIEW_REFUSED_SOURCE = "人工复核未通过"
REVIEW_VISIT_PHOTO = "现场照片（{visited_on}）"
REVIEW_FRAME = "{challenge} 第{number}帧"
