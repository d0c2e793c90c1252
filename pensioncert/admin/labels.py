"""Every Chinese word the admin shows for a code, and its own messages, in one place: the services'
words first (pensioncert/admin/), then the Dash frame's and each page's (admin_dash/), a section each."""
from __future__ import annotations

from pensioncert.labels import (  # noqa: F401  the record's own fields, as the domain names them
    ABSENT,
    AUDIT_LINE_COUNT,
    FIELD_CARD_STATUS,
    FIELD_NAME,
    FIELD_REASON,
    FIELD_REFERENCE_PHOTO,
    FIELD_REGION,
    FIELD_SOURCE,
    FIELD_STATUS,
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

# The Dash admin's frame (admin_dash/app.py, components/).
ADMIN_TITLE = "养老保险待遇资格认证 · 经办管理"
CALLBACK_REFUSED = "页面提交的内容有误，未能处理：请刷新页面后重试"
ORIGIN_UNVERIFIED = "请求来源无法验证，请刷新页面后重试"
LOGIN_PAGE_EXPIRED = "页面已过期，请重新登录"
LOGOUT = "退出登录"
SIGN_IN_FIRST = "请先登录。"
# The login page (components/login_form.py), by the placeholder each fills.
LOGIN_FORM = {
    "page_title": "登录 · 养老保险待遇资格认证经办管理",
    "heading": "养老保险待遇资格认证",
    "subheading": "经办机构工作人员登录",
    "username": "用户名",
    "password": "密码",
    "submit": "登录",
    # Filled from the staff login policy (rules/staff_login.py, its numbers from settings).
    "hint": ("连续输错密码{captcha_after}次后须输入图形验证码，{backoff_after}次起每次须等待几分钟"
             "（最长{max_minutes}分钟）。忘记密码请联系省级管理员。"),
    "captcha": "图形验证码",
}
# AG Grid's interface text (components/grid.py).
GRID_LOCALE = {
    "noRowsToShow": "暂无数据", "loadingOoo": "加载中…", "page": "页", "of": "共", "to": "至",
    "filterOoo": "筛选…", "contains": "包含", "equals": "等于", "notEqual": "不等于",
    "startsWith": "开头是", "endsWith": "结尾是", "andCondition": "且", "orCondition": "或",
    "applyFilter": "应用", "resetFilter": "重置", "clearFilter": "清除",
}
# An import's report (components/reports.py): the CSV's columns and the row errors' table.
IMPORT_COLUMNS = {"id_number": "身份证号码", "name": "姓名", "region": "地区", "unit": "单位",
                  "status": "待遇状态", "card_status": "社保卡状态", "card_password": "社保卡密码",
                  "photo": "照片", "country": "居住国家/地区", "agency": "经办机构", "phone": "联系电话",
                  "reason": "原因", "address": "地址", "contact_phone": "联系电话", "file": "文件"}
IMPORT_SUMMARY = "共 {rows} 行：新增或更新 {written} 行，未变化 {unchanged} 行，有误 {errors} 处。"
IMPORT_ERROR_COLUMNS = [("line", "行号"), ("field", "列"), ("message", "问题")]
IMPORT_FACES_NOT_CHECKED = "照片人脸查重未能完成，将在夜间检查中补做。"
IMPORT_FACES_DUPLICATED = "照片人脸查重：发现 {pairs} 对不同身份证号码为同一人脸，已列入“一人多户”名单，请核查。"

# The Dash pages (admin_dash/pages/), one section each; what several share first.
PAGE_TITLE = "{page} · 经办管理"  # the browser tab's title
EXPORT_CSV = "导出 CSV"
EXPORTED = "已导出 {filename}"
SEARCH = "查询"
SHOW_MORE = "显示更多"
CHOSEN = "已选择：{chosen}"

FRAUD_SIGNALS_HINT = "以下情况提示需要人工核查，不是结论，也不会自动停止任何业务。每条提示列出其依据的操作记录。"
FRAUD_SIGNALS_COLUMNS = [("signal", "提示"), ("subject", "对象"), ("time", "时间"), ("actor_name", "操作人"),
                         ("action_label", "操作"), ("target", "涉及人员"), ("region", "地区"), ("after", "内容"),
                         ("reason", "理由")]
FRAUD_SIGNAL_SHOWN = "{title}："

AUDIT_PAGE = "操作日志"
AUDIT_PAGE_HINT = "记录所有工作人员的每一次操作，只能查询，不能修改或删除。"
AUDIT_COLUMNS = [("time", "时间"), ("actor_name", "操作人"), ("actor", "用户名"), ("action_label", "操作"),
                 ("target", "对象"), ("region", "地区"), ("before", "操作前"), ("after", "操作后"), ("reason", "原因")]
AUDIT_FROM = "开始日期 年-月-日"
AUDIT_TO = "结束日期 年-月-日"
AUDIT_ACTOR = "操作人用户名"
AUDIT_ALL_ACTIONS = "全部操作"
CLICK_A_ROW_FIRST = "请先点击一行"
ID_NUMBER = "身份证号码"

DUPLICATES_PAGE = "一人多户"
DUPLICATES_HINT = ("两个身份证号码的比对照片经人脸比对为同一人（与认证自动通过相同的阈值），可能一人以两个身份重复领取待遇。"
                   "每次导入名册和每晚检查新照片后更新。点击一行，核对两条记录和照片，再填写核查结论。")
DUPLICATES_COLUMNS = [("state", "核查状态"), ("similarity", "相似度"), ("name", "姓名"), ("id", "身份证号码"),
                      ("region", "地区"), ("source", "照片"), ("other_name", "另一人姓名"),
                      ("other_id", "另一人身份证号码"), ("other_region", "另一人地区"), ("other_source", "另一人照片"),
                      ("listed_at", "发现时间"), ("reason", "核查意见")]
DUPLICATES_OPINION = "核查意见（必填）"
DUPLICATES_SUBMIT = "提交核查结论"
DUPLICATES_RECORDED = "已记录核查结论：{state}"
DUPLICATES_NO_PHOTO = "无照片"

CONFIRMATIONS_PAGE = "待确认"
CONFIRMATIONS_HINT = ("一人办理、另一人确认：上门和境外认证须由未参与上门的工作人员确认；更换比对照片须由省级管理员"
                      "批准（并短信告知本人）；未签名的比对数据文件须由另一名工作人员批准后才导入；比对数据中的死亡"
                      "记录经确认后才停发待遇。提交人不能确认自己提交的事项。点击一行后批准或不批准。")
CONFIRMATIONS_COLUMNS = [("created", "提交时间"), ("kind_label", "事项"), ("name", "姓名 / 文件"),
                         ("id_masked", "身份证号码"), ("region", "地区"), ("requested_by", "提交人"),
                         ("visited_by", "上门人员"), ("summary", "内容"), ("may_label", "我能否确认")]
CONFIRMATION_MAY = "可以确认"
CONFIRMATION_OPINION = "意见（不批准时必填）"
CONFIRMATION_APPROVE = "批准"
CONFIRMATION_REFUSE = "不批准"
CONFIRMATION_CHOOSE_FIRST = "请先在列表中点击要处理的一行"
CONFIRMATION_REFUSED = "已不批准（记录在案）"
CONFIRMED_FEED = "已批准：比对数据已导入（{rows} 行，新记录 {written} 条，错误 {errors} 行）"
CONFIRMED_DEATH = "已确认死亡记录：待遇已停发，多发月份已列入追回名单"
CONFIRMED_PHOTO = "已批准：比对照片已更换"
CONFIRMED_PHOTO_TOLD = "，已短信告知本人"
CONFIRMED_PHOTO_NOT_TOLD = "（此人未绑定手机，请另行告知）"
CONFIRMED_ALREADY_CERTIFIED = "已批准：此人本年度已通过其他方式认证"
CONFIRMED_CERTIFIED = "已批准：本年度认证已记录（提交人和确认人均记录在案）"
CLICK_OR_DROP_CSV = "点击或拖入 CSV 文件"
EXPORT_EXCEL = "导出 Excel"
FILE_UNREADABLE = "文件无法读取"

EVENTS_PAGE = "数据比对"
EVENTS_HINT = ("导入医保、公交、银行、民政、公安等部门的比对数据：本年度本人到场的记录视同认证"
               "（数据比对认证），死亡记录终止待遇并列出多发月份，服刑暂停发放，出境转境外人员认证。")
EVENTS_COLUMNS = [("name", "姓名"), ("id", "身份证号码"), ("region", "地区"), ("unit", "单位"), ("year", "年度"),
                  ("since", "起始日期"), ("until", "截止日期"), ("reason", "原因"), ("months", "月份"), ("note", "备注")]
EVENTS_IMPORT = "导入比对数据"
EVENTS_IMPORT_FORMAT = ("CSV 文件（UTF-8），表头：id_number,name,event_type,event_date,source,source_ref。"
                        "事件类型：medical_settlement 医保结算、transit_ride 公交出行、bank_counter 银行柜面、"
                        "civil_affairs_visit 民政/公安业务、death_record 死亡登记、imprisonment 服刑、"
                        "exit_abroad 出境、return_home 入境。同一来源编号重复导入不会重复记录。")
EVENTS_SIGNING = ("来源系统签名的文件（填写来源和签名）导入即生效；未签名的文件须由另一名工作人员在“待确认”中批准后"
                  "才导入。死亡记录均须经工作人员确认后才停发待遇。")
EVENTS_SOURCE = "来源系统（已登记，可不填）"
EVENTS_SIGNATURE = "文件签名 HMAC-SHA256（可不填）"
EVENTS_LISTS = "名单"
EVENTS_EXPORT_XLSX = "导出 Excel（按地区分表）"
EVENTS_LIST_CONTENT = "名单内容"
EVENTS_UNSIGNED = ("文件未签名：已保存（SHA-256 {digest}…），待另一名工作人员在“待确认”中批准后导入，"
                   "此前不产生任何认证或停发")
EVENTS_OUTCOMES = "数据比对认证 {certified} 人，死亡记录待确认 {deaths} 人，服刑暂停 {suspended} 人，出境待核 {flagged} 人。"

REVIEWS_PAGE = "人工复核"
REVIEWS_HINT = ("APP认证人脸比对不一致（或本年度自助认证次数用完）后本人或亲友申请的复核，以及上门、境外认证"
                "现场照片比对不一致的认证。须在申请后5个工作日内答复；现场照片比对不一致的，须由未参与上门的"
                "省级管理员复核。点击一行查看材料。")
REVIEWS_COLUMNS = [("created", "申请时间"), ("kind_label", "类型"), ("name", "姓名"), ("id_masked", "身份证号码"),
                   ("region", "地区"), ("failure", "未通过原因"), ("similarity", "相似度"), ("due_by", "答复期限"),
                   ("overdue_label", "超期")]
REVIEW_OVERDUE = "已超期"
REVIEW_QUEUE = "待复核"
REVIEW_EVIDENCE_GONE = "认证材料已过保存期限或未保存"
REVIEW_REFERENCE_NOT_KEPT = "本系统未保存该比对照片"
REVIEW_KIND = "类型"
REVIEW_FAILURE = "未通过原因"
REVIEW_IN_BAND = "（处于人工复核区间：略低于自动通过的阈值）"
REVIEW_REFERENCE = "比对对象"
REVIEW_DETAIL = "检测说明"
REVIEW_CREATED = "申请时间"
REVIEW_DUE_BY = "答复期限"
REVIEW_VISITED_ON = "上门（核验）日期"
REVIEW_VISIT_ADDRESS = "地址"
REVIEW_VISITED_BY = "上门（核验）人员"
REVIEW_TITLE = "复核：{name}（{id_masked}，{region}）"
REVIEW_EVIDENCE = "认证时的画面 / 现场照片"
REVIEW_DECISIONS = [{"label": "复核通过（记录本年度认证）", "value": "passed"},
                    {"label": "复核未通过（安排上门认证）", "value": "refused"}]
REVIEW_OPINION = "复核意见（必填）"
REVIEW_SUBMIT = "提交复核决定"
REVIEW_PROPOSED_DONE = "已提议复核通过：待另一名工作人员在“待确认”中确认后记录本年度认证"
REVIEW_PASSED_ALREADY_CERTIFIED = "复核通过：此人本年度已通过其他方式认证"
REVIEW_PASSED = "复核通过：本年度认证已记录（复核人记录在案）"
REVIEW_REFUSED_DONE = "复核未通过：已安排上门认证（任务 {case_id}）"
PHOTO_UNREADABLE = "照片无法读取"
SIMILARITY_NOTE = "（相似度 {similarity:.2f}）"

OVERSEAS_PAGE = "境外人员"
OVERSEAS_HINT = "导入部里下发的境外人员名单，上传本人照片建立比对模板，登记认证，并导出报送省社保中心的汇总表。点击名单中的一行办理。"
OVERSEAS_COLUMNS = [("name", "姓名"), ("id_masked", "身份证号码"), ("country", "居住国家/地区"), ("agency", "经办机构"),
                    ("region", "地区"), ("photo", "照片建模"), ("photo_reason", "建模问题"), ("certified", "本年认证")]
OVERSEAS_IMPORT = "导入名单"
OVERSEAS_IMPORT_FORMAT = "CSV 文件（UTF-8），表头：id_number,name,country,agency,phone（电话可留空）。名单中的人员须已在业务系统中。"
OVERSEAS_EXPORT = "导出汇总表"
OVERSEAS_EXPORT_HINT = "按经办机构汇总本年度境外人员建模与认证情况。"
OVERSEAS_LIST = "境外人员名单"
OVERSEAS_TITLE = "办理：{name}（{country}）"
OVERSEAS_STATE = "照片建模：{photo}\u3000本年认证：{certified}"
OVERSEAS_PHOTO_UPLOAD = "上传本人照片（JPEG/PNG，正面免冠）"
OVERSEAS_CERTIFY = "登记本年度认证"
OVERSEAS_CERTIFY_HINT = ("须上传驻外使领馆或视频通话时拍摄的本人照片（与可信比对照片比对，相似度记录在案；低于比对阈值的转省级"
                         "人工复核），并填写核验日期、地点和核验人员。")
OVERSEAS_VISIT_PHOTO = "核验时拍摄的照片（JPEG/PNG）"
OVERSEAS_VISITED_ON = "核验日期，如 2026-03-05"
OVERSEAS_PLACE = "核验地点（使领馆或境外住址）"
OVERSEAS_CERTIFY_SUBMITTED = "已提交 {year} 年度境外人员认证（核验照片相似度 {similarity:.2f}），待另一名工作人员在“待确认”中确认后记录"
OVERSEAS_CERTIFY_REVIEW = "核验照片与可信比对照片不一致{score}，已转省级人工复核（{review_id}）"

ACCOUNTS_PAGE = "账户管理"
ACCOUNTS_HEADING = "APP账户"
ACCOUNTS_HINT = "按注册手机号码或身份证号码查找退休人员的手机APP账户和社保卡登录，查看锁定状态并解锁。"
ACCOUNTS_QUERY = "手机号码或身份证号码"
ACCOUNTS_FIND = "查找"
ACCOUNTS_NONE_FOR_ID = "此身份证号码尚无完成实名认证或社保卡登录的APP账户。"
ACCOUNT_UNLOCKED = "已解锁，本人现在可以重新登录"
CARD_UNLOCKED = "社保卡登录已解锁，本人现在可以用社保卡重新登录"
ACCOUNT_PHONE = "手机号码"
ACCOUNT_CREATED_BY = "开户方式"
ACCOUNT_REAL_NAME = "实名认证"
ACCOUNT_REAL_NAME_DONE = "已完成"
ACCOUNT_REAL_NAME_NOT_DONE = "未完成"
ACCOUNT_STATE = "账户状态"
ACCOUNT_LOCKED_UNTIL = "已锁定（至 {until}）"
ACCOUNT_FAILED_LOGINS = "连续输错密码"
TIMES = "{count} 次"
ACCOUNT_LAST_LOGIN = "最近登录"
ACCOUNT_CERT_FAILURES = "本年自助认证未通过"
ACCOUNT_CERT_LAST_REASON = "（最近：{reason}）"
ACCOUNT_UNLOCK_REASON = "解锁原因（必填，如：本人来电核实身份）"
ACCOUNT_UNLOCK = "解锁账户"
ACCOUNT_NOT_LOCKED = "账户未锁定，无需解锁。"
CARD_LOGIN_LOCKED_UNTIL = "已锁定（至 {until}，到时自动解锁）"
CARD_FAILED_PINS = "连续输错社保卡密码"
CARD_UNLOCK_REASON = "解锁原因（必填，如：本人持身份证和社保卡到柜台）"
CARD_UNLOCK = "解锁社保卡登录"
CARD_NOT_LOCKED = "社保卡登录未锁定，无需解锁。"
ACCOUNT_NORMAL = "正常"  # an account or card login not locked

OVERVIEW_PAGE = "总览"
OVERVIEW_TITLE = "{year}年度认证总览（{scope}）"
OVERVIEW_HINT = "认证截止日期：{due_by}。数字随每次认证、导入实时更新。"
OVERVIEW_KPIS = {"recipients": "待遇领取人数", "certified": "本年已认证", "rate": "认证率", "due": "待认证",
                 "overdue": "逾期未认证", "failed": "自助认证失败次数"}
OVERVIEW_DUE_SOON = "距认证截止日期（{due_by}）已不足{days}天，请督促未认证人员尽快认证。"
OVERVIEW_COVERAGE = "认证方式与数据比对来源覆盖"
OVERVIEW_COVERAGE_COLUMNS = [("name", "认证方式 / 数据来源"), ("certified", "已认证人数"), ("share", "占待遇领取人数(%)")]
OVERVIEW_BY_REGION = "各地区认证情况"
OVERVIEW_REGION_COLUMNS = [("name", "地区"), ("recipients", "待遇领取人数"), ("certified", "已认证"),
                           ("rate", "认证率(%)"), ("due", "待认证")]
OVERVIEW_BY_UNIT = "各单位认证情况"
OVERVIEW_UNIT_COLUMNS = [("region", "地区"), ("name", "单位"), ("recipients", "待遇领取人数"),
                         ("certified", "已认证"), ("rate", "认证率(%)"), ("due", "待认证")]
OVERVIEW_NO_OVERDUE_REVIEWS = "人工复核：无超期未办结的复核。"
OVERVIEW_OVERDUE_REVIEWS = "人工复核：{count} 件已超过答复期限未办结，"
OVERVIEW_GO_TO_REVIEWS = "前往人工复核"
OVERVIEW_MONTH = "{month}月"
OVERVIEW_PER_MONTH = "每月认证人数"
OVERVIEW_DATA_MATCH_SOURCE = "数据比对：{source}"
OVERVIEW_METHODS = "认证方式"
OVERVIEW_FAILURES = "自助认证失败原因"
NO_DATA = "暂无数据"

STAFF_PAGE = "工作人员"
STAFF_HINT = "修改本人密码；省级管理员在此新建、停用、启用工作人员账号，重置密码，调整角色和负责地区，强制下线。所有操作记入操作日志。"
STAFF_COLUMNS = [("username", "用户名"), ("display_name", "姓名"), ("role_label", "角色"), ("regions", "负责地区"),
                 ("status", "账号状态"), ("failed_logins", "连续输错密码"), ("last_login", "最近登录")]
OWN_PASSWORD = "修改我的密码"
OWN_PASSWORD_HINT = "修改后您在所有电脑上的登录都会结束，请用新密码重新登录。"
OWN_OLD_PASSWORD = "原密码"
OWN_NEW_PASSWORD = "新密码（8至32位，含字母和数字）"
OWN_CHANGE = "修改密码"
STAFF_ACCOUNTS = "工作人员账号"
STAFF_ACCOUNTS_HINT = "点击一行选择账号，再填写原因进行操作。"
STAFF_REASON = "操作原因（必填，如：离职、调岗、本人忘记密码）"
STAFF_DISABLE = "停用"
STAFF_ENABLE = "启用"
STAFF_REVOKE = "强制下线"
STAFF_RESET_PASSWORD = "新密码（重置用）"
STAFF_RESET = "重置密码"
STAFF_NEW_ROLE = "新角色"
STAFF_NEW_REGIONS = "负责地区（多个用顿号分隔）"
STAFF_SET_ROLE = "调整角色和地区"
STAFF_CREATE_TITLE = "新建账号"
STAFF_NEW_USERNAME = "用户名（小写字母、数字、下划线）"
STAFF_NEW_REGIONS_EXAMPLE = "负责地区，如：西安市"
STAFF_INITIAL_PASSWORD = "初始密码"
STAFF_CREATE = "新建"
OWN_PASSWORD_CHANGED = "密码已修改，所有登录已结束。"
SIGN_IN_AGAIN = "请重新登录"
STAFF_CHOOSE_FIRST = "请先在表格中点击选择一个账号"
STAFF_DISABLED_DONE = "已停用 {username}，其所有登录已结束"
STAFF_ENABLED_DONE = "已启用 {username}"
STAFF_REVOKED_DONE = "已强制 {username} 下线"
STAFF_RESET_DONE = "已重置 {username} 的密码，其所有登录已结束"
STAFF_ROLE_DONE = "已调整 {username} 的角色和负责地区，其所有登录已结束"
STAFF_CREATED_DONE = "已新建账号 {username}"

HOME_VISITS_PAGE = "上门认证"
HOME_VISITS_HINT = "卧床、行动不便等无法自助认证的人员，由单位报送或本人在手机APP申请后，安排工作人员上门认证。点击队列中的一行办理。"
HOME_VISITS_COLUMNS = [("created", "登记时间"), ("name", "姓名"), ("id_masked", "身份证号码"), ("region", "地区"),
                       ("source", "来源"), ("reason", "原因"), ("address", "地址"), ("phone", "联系电话"),
                       ("status_label", "状态"), ("assigned_to", "负责人"), ("scheduled_for", "预约日期"),
                       ("last_outcome", "备注")]
HOME_VISITS_QUEUE = "待办队列"
HOME_VISIT_REGISTER = "登记单位报送的上门认证"
HOME_VISIT_REASON = "原因（如：长期卧床）"
HOME_VISIT_ADDRESS = "上门地址"
HOME_VISIT_PHONE = "联系电话（手机号码）"
HOME_VISIT_CREATE = "登记"
HOME_VISITS_UPLOAD = "上传单位报送名单"
HOME_VISITS_UPLOAD_FORMAT = "CSV 文件（UTF-8），表头：id_number,reason,address,contact_phone"
HOME_VISIT_TITLE = "办理：{name}（{status}）"
HOME_VISIT_FACTS = "地址：{address}；原因：{reason}"
HOME_VISIT_CHOOSE_VISITOR = "选择上门人员"
HOME_VISIT_ASSIGN = "分配"
HOME_VISIT_DATE = "预约日期，如 2026-03-05"
HOME_VISIT_SCHEDULE = "预约"
HOME_VISIT_OUTCOME = "上门结果"
HOME_VISIT_OUTCOME_HINT = ("登记“认证通过”须上传上门时现场拍摄的本人正面照片（与可信比对照片比对，相似度记录在案；"
                           "低于比对阈值的转省级人工复核），并填写上门日期、地址和上门人员。")
HOME_VISIT_PHOTO = "点击或拖入现场照片（JPEG/PNG）"
HOME_VISIT_VISITED_ON = "上门日期，如 2026-03-05"
HOME_VISIT_OUTCOMES = [{"label": "认证通过", "value": "passed"}, {"label": "未通过", "value": "failed"}]
HOME_VISIT_FAILURE = "未通过的原因（如：本人不在家）"
HOME_VISIT_RECORD = "登记上门结果"
HOME_VISIT_ASSIGNED = "已分配上门人员"
HOME_VISIT_SCHEDULED = "已预约 {day} 上门"
HOME_VISIT_SCORE = "（现场照片相似度 {score:.2f}）"
HOME_VISIT_RECORDED = {
    "confirming": "已登记：现场照片与比对照片一致{score}，待未参与上门的工作人员在“待确认”中确认后记录认证",
    "passed": "已登记：上门认证通过{score}，本年度认证已记录，任务办结",
    "review": "现场照片与可信比对照片不一致{score}，已转省级人工复核（{review_id}），复核通过后记录认证",
    "failed": "已登记：本次上门未通过，任务保留在队列中",
    "already_certified": "此人本年度已通过其他方式认证，任务办结",
}
HOME_VISIT_QUEUED = "已登记，已加入待办队列"

PENSIONERS_PAGE = "待遇人员"
PENSIONERS_HINT = "按姓名或18位身份证号码查询；点击查询结果中的一行查看详细信息。"
PENSIONERS_COLUMNS = [("name", "姓名"), ("id_masked", "身份证号码"), ("region", "地区"), ("unit", "单位"),
                      ("status", "待遇状态"), ("certified", "本年认证")]
PENSIONERS_QUERY = "姓名或身份证号码"
REGISTRY_IMPORT = "导入人员名册"
REGISTRY_IMPORT_FORMAT = ("上传业务系统导出的 CSV 文件（UTF-8，表头：id_number,name,region,unit,status,card_status,"
                          "card_password,photo），或把 CSV 和照片打包成 zip 上传（照片列填写照片在压缩包中相对 CSV 的路径）。"
                          "照片列留空的行保留原有照片；只能导入和修改您负责地区的人员，不能变更人员所属地区；"
                          "已激活社保卡的密码不会被导入更改。与 make import 使用同一导入程序，已导入且未变化的行会跳过。")
REGISTRY_UPLOAD = "点击或拖入 CSV 或 zip 文件"
PENSIONERS_NONE_FOUND = "没有找到符合条件的人员（仅显示您负责地区的人员）"
CORRECTED_NAME_AND_STATUS = "姓名“{name}”，待遇状态“{status}”"
CORRECTED_ID_NUMBER = "身份证号码“{id_number}”"
CORRECTION_SUBMITTED = "已提交更正：{changes}，自 {effective} 起生效。"
STAFF_PHOTO_UNREADABLE = "照片无法读取：请上传 JPEG 或 PNG 照片"
STAFF_PHOTO_SAVED = "现场照片已保存，待省级管理员在“待确认”中批准后成为比对照片（批准后短信告知本人）。"
REFERENCE_PHOTO_SET = "已建立"
STAFF_PHOTO_TAKEN = "已采集"
PERSON_TITLE = "{name} 的信息"
CORRECTION_PENDING = "待生效的更正：姓名“{name}”，待遇状态“{status}”，自 {effective} 起生效"
ID_NUMBER_CORRECTED_TO = "身份证号码更正为本号码，自 {since} 起生效（此前仍按原号码认证）"
ID_NUMBER_CORRECTED_AWAY = "此身份证号码已更正为其他号码，自 {until} 起停用"
CERTIFICATION_HISTORY = "认证记录"
CERTIFICATION_HISTORY_COLUMNS = [("year", "年度"), ("method", "认证方式"), ("certified_at", "认证时间"), ("operator", "经办")]
FAILED_ATTEMPTS = "自助认证未通过记录"
FAILED_ATTEMPTS_COLUMNS = [("year", "年度"), ("failed", "未通过次数"), ("last_reason", "最近原因"),
                           ("last_failed_at", "最近时间")]
CORRECTION_TITLE = "更正信息（次日生效）"
CORRECTION_NAME = "正确的姓名（不改可留空）"
CORRECTION_ID_NUMBER = "正确的身份证号码（不改可留空）"
CORRECTION_STATUS = "待遇状态（不改可留空）"
CORRECTION_REASON = "更正原因（必填）"
CORRECTION_SUBMIT = "提交更正"
CORRECTION_ID_NUMBER_HINT = ("身份证号码更正后，次日起此人须用正确的号码认证和社保卡登录，原号码停用；历年认证记录、"
                             "亲友关系和证明过原号码的APP账户随之转移。此后导入业务系统文件时，原号码的行将被拒绝。")
STAFF_PHOTO_TITLE = "现场采集比对照片"
STAFF_PHOTO_HINT = ("仅限工作人员当面拍摄的本人正面照片（窗口、上门认证、境外认证）。上传后作为此人自助认证的比对照片，"
                    "优先于名册照片；须填写采集原因，操作记入审计日志。")
STAFF_PHOTO_REASON = "采集原因（必填，如：上门认证现场拍摄）"
STAFF_PHOTO_UPLOAD = "点击或拖入照片（JPEG/PNG）"
MOVE_REGION = "新的地区（地市）"
MOVE_UNIT = "新的单位"
MOVE_SUBMIT = "转移地区"
REMOVE_PHOTO = "删除比对照片"
REMOVE_PHOTO_AND_MOVE = "、转移所属地区"
REMOVE_PHOTO_HINT = "导入时照片列留空不会删除照片；照片有误时在此删除。人员跨地区转移只能由省级管理员在此办理。均须填写原因，记入操作日志。"
REASON_REQUIRED_SHORT = "原因（必填）"
PHOTO_REMOVED = "比对照片已删除；此人需重新采集照片后才能自助认证。"
REGION_MOVED = "已转移至 {region} {unit}。"
