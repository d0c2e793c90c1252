"""Every Chinese word the admin shows for a code, and its own messages, in one place."""
from __future__ import annotations

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
