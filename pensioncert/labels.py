"""The domain's Chinese words that are not errors, in one place: what an SMS says, how an event,
a list or a rule is named, who did a thing, and the keys of an audit event's before and after.
Errors are in ``pensioncert/errors.py``; the admin's own words in ``pensioncert/admin/labels.py``."""
from __future__ import annotations

# Who did a thing, as the subject's history and the audit log show it.
BY_SELF = "本人"
BY_PROXY = "亲友代办"
BY_PROXY_NAMED = "亲友代办（{name}）"
DATA_MATCH = "数据比对"
ELIGIBLE = "可以进行资格认证"

# SMS (sms/, jobs/reminders.py, logic/contacts.py).
SMS_SIGN_NAME = "养老保险认证"  # the signature registered with the mainland gateway
SMS_PURPOSES = {"register": "注册", "reset_password": "找回密码", "bind_phone": "绑定手机"}
VERIFICATION_SMS = "您正在{purpose}，验证码{code}，{minutes}分钟内有效。请勿将验证码告诉他人。"
CONTACT_ADDED_SMS = ("{name}已将您添加为养老保险资格认证的亲友（代办人）。"
                     "如不认识此人，请登录App在“我的代办人”中查看，未经您同意其不能查询您的认证信息。")
REMINDER_WHOM_SELF = "您"
REMINDER_WHOM_RELATIVE = "您的亲友{name}"
REMINDER_HOW_TO = "可用手机APP本人刷脸认证，或由亲友在APP代办，行动不便的可联系所在单位申请上门认证"
REMINDER_SMS = ("【养老保险待遇资格认证】{whom}{year}年度的资格认证尚未完成，请于{due_by}前完成：{how_to}。"
                "逾期未认证将暂停发放养老金，认证后恢复发放并补发。")
DATE_IN_WORDS = "{year}年{month}月{day}日"

# Life events (rules/life_events.py): what the retiree and staff read for each type.
LIFE_EVENTS = {
    "medical_settlement": "医保结算",
    "transit_ride": "公交出行",
    "bank_counter": "银行柜面业务",
    "civil_affairs_visit": "民政/公安业务办理",
    "death_record": "死亡登记",
    "imprisonment": "服刑",
    "exit_abroad": "出境",
    "return_home": "入境",
}
# Shown to a relative instead of the institution (health information about the retiree).
LIFE_EVENT_SOURCES_MASKED = {"medical_settlement": "医疗机构"}
EVENT_FEED_FILE = "比对数据文件"
# Why a person is on a list the life events made.
SUSPENDED_IN_PRISON = "服刑期间暂停发放"
PAID_AFTER_DEATH = "死亡后继续发放"
WENT_ABROAD = "出境（{source}）"
SUSPENDED_UNCERTIFIED = "{year}年度未完成养老保险待遇资格认证"
DUPLICATE_FACES_LIST = "同一人脸对应多名待遇人员"

# Four eyes (rules/four_eyes.py): what waits for the second person.
FOUR_EYES_KINDS = {
    "home_visit": "上门认证（待第二人确认）",
    "overseas": "境外人员认证（待第二人确认）",
    "staff_photo": "更换比对照片（待省级管理员批准）",
    "event_feed": "未签名的比对数据文件（待第二人批准）",
    "death_record": "比对数据中的死亡记录（确认后停发）",
    "review": "APP认证申诉复核通过（待第二人确认）",
}

# Fraud signals (rules/fraud_signals.py): each one's title and how staff read it.
CONTACTS_TO_MANY = ("一个账户添加多名亲友",
                    "同一APP账户{days}天内添加了{people}名以上不同的人员为亲友。"
                    "核对这些人员是否确为其家属；非亲属的，联系被添加人员本人核实。")
REFERENCE_PHOTO_REPLACED = ("比对照片被更换或删除",
                            "{days}天内每一次更换（现场照片经批准后生效）或删除比对照片。核对采集人、批准人和理由，"
                            "更换后的首次认证宜由本人到场确认。")
CERTIFIED_AT_ODD_HOURS = ("夜间办理认证",
                          "{start}:00至次日{end}:00（北京时间）登记的上门结果、境外认证或第二人批准。"
                          "核对当时是否确有上门或值班安排，必要时联系本人核实。")
PROXY_CERTIFIED_MANY = ("一个账户代办认证多人",
                        "同一APP账户{days}天内为{people}名以上不同的人员代办认证（按查看人所辖地区统计）。"
                        "列出每一笔代办认证。核对被认证人员是否确为其家属，必要时联系本人核实。系统不记录手机设备信息，无法按设备统计。")
VISITS_BEYOND_A_DAY = ("一人一天登记上门结果过多",
                       "同一工作人员在同一天（北京时间）登记了超过{visits}条上门结果"
                       "（按每天工作{hours}小时、每次上门至少{minutes}分钟计算，一天最多上门"
                       "{visits}次；未通过的结果也算一次上门）。核对当天的上门安排和上门日期；集中补录的，核对每条记录的实际上门日期。")
NEAR_THRESHOLD_AFTER_MISMATCH = ("人脸比对未通过后以临界相似度通过认证",
                                 "{days}天内的认证，相似度仅比通过标准高不到{band}，且同一人本年度此前有“人脸与对比照片不符”的失败记录。"
                                 "列出该次认证及其前的失败记录（时间、原因、操作人）。核对认证证据中的人是否确为本人，必要时请本人到场或上门核实。")
SESSIONS_UNFINISHED = ("大量认证会话开启后未完成",
                       "同一APP账户{days}天内开启的人脸识别会话中，有{sessions}次以上未提交完成"
                       "（按会话所属人员的地区统计）。列出每天开启和完成的次数。可能是反复开启会话挑选动作，或操作困难；"
                       "联系账户本人了解情况。系统不记录手机设备信息。")

# A record's fields, as an import's cells and an audit event's before and after name them.
FIELD_NAME = "姓名"
FIELD_REGION = "地区"
FIELD_UNIT = "单位"
FIELD_STATUS = "待遇状态"
FIELD_CARD_STATUS = "社保卡状态"
FIELD_CARD_PIN = "社保卡密码"
FIELD_REFERENCE_PHOTO = "比对照片"
FIELD_EVENT = "事件"
FIELD_EVENT_DATE = "事件日期"
FIELD_SOURCE = "来源"
FIELD_SOURCE_REF = "来源编号"
FIELD_REASON = "原因"
# Their values in an audit event.
PRESENT = "有"
ABSENT = "无"
EMPTY = "空"
REPLACED = "已更换"
PIN_SET = "已设置"
PIN_CLEARED = "已清除"

# Audit events written by the domain: who, what, and why, as the admin's log shows them.
COMMAND_LINE_IMPORTER = "命令行导入"
AUDIT_IMPORTED_FROM = "导入 {source}"
AUDIT_LIFE_EVENT_REASON = "比对数据：{event}"
AUDIT_LINES = "行号"
AUDIT_LINE_COUNT = "行数"
AUDIT_MOVED_CERTIFICATIONS = "转移认证记录"
AUDIT_MOVED_CONTACTS = "转移亲友关系"
AUDIT_MOVED_ACCOUNTS = "转移APP账户"
AUDIT_REAL_NAME_ACCOUNT = "实名账户"
AUDIT_CLAIM_REVOKED_REASON = "导入业务系统记录时复核：该实名仅凭身份证照片与人脸一致取得，未经可信照片证明"
AUDIT_REVIEW_DUE = "复核期限"
