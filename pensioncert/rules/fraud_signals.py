"""Fraud signals (issue 19): patterns in the audit log, the certifications, the failed tries and the
session counters that a person should look at. Each is a trigger for human review, never a decision:
a signal stops nothing and changes no record.

Each signal names what it reads and the threshold at which the records behind it are listed. The
admin service (admin/fraud_signals.py) reads them region by region (audit events through
admin.audit), so an operator sees the signals of their own regions only."""
from __future__ import annotations

from dataclasses import dataclass

# The window the signals look back over: the audit log answers at most 31 days per query.
WINDOW_DAYS = 31

# An account that added this many different people as contacts within the window: a household's
# parents and parents-in-law are four, so a fifth person is more than a family certifying its own.
# Finding 5's stranger added retirees he did not know.
CONTACTS_ADDED_TO_MANY_PEOPLE = 5

# Every replaced or removed reference photo is listed: finding 3's rogue operator swapped one for an
# accomplice's face, and a swap is rare enough to look at each time.
REFERENCE_PHOTO_ACTIONS = ("set_staff_photo", "remove_reference_photo")
CONTACT_ADD_ACTION = "contact_add"

# Staff actions that cause or approve a certification (a visit's outcome, an overseas certificate,
# the second person's approval), and the Beijing hours at which one is listed: offices and home
# visits keep daytime hours, so a certification recorded at night is worth a look.
CERTIFYING_ACTIONS = ("hv_outcome", "overseas_certify", "confirm_approved")
ODD_HOURS_FROM, ODD_HOURS_UNTIL = 22, 6  # 22:00 to 05:59 Beijing

# An app account that certified this many different people for others (method proxy_app) within the
# window: as for contacts, a household's parents and parents-in-law are four, so a fifth is more than
# a family certifying its own. Counted within the regions the reader sees.
PROXY_CERTIFIED_MANY_PEOPLE = 5
PROXY_METHOD = "proxy_app"

# Home visits one staff member can make in a working day: 8 hours, and at least 30 minutes a visit
# (getting to the home, checking the person, taking the photo, writing the record), so 16. Every visit
# outcome stands for a trip, a failed one (no one at home) too, so more outcomes than that recorded
# by one person in one Beijing day are listed.
WORKING_MINUTES_PER_DAY = 8 * 60
MIN_MINUTES_PER_VISIT = 30
VISITS_POSSIBLE_PER_DAY = WORKING_MINUTES_PER_DAY // MIN_MINUTES_PER_VISIT
VISIT_OUTCOME_ACTION = "hv_outcome"

# A certification this close above vision's match threshold (similarity in [threshold, threshold +
# band)) after a counted face mismatch of the same year: the threshold is the dev set's highest
# impostor similarity + 0.02 (layers/vision/vision/match_calibration.py), so a pass in the band is
# within reach of a look-alike, and one after a mismatch may be someone else trying until a face got
# through.
NEAR_MATCH_BAND = 0.05
FACE_MISMATCH = "FACE_MISMATCH"

# Liveness sessions an account opened and never completed within the window (in the regions of the
# people they were for): a session left to expire is a draw of challenges re-rolled or given up.
# 20 is a whole day of an account's sessions (settings.liveness_sessions_per_account_per_day) left
# unanswered; an honest household (one person and four parents, each certifying once a year, a few
# sessions left to expire while learning the app) stays well below it.
SESSIONS_LEFT_UNFINISHED = 20


@dataclass(frozen=True)
class Signal:
    key: str
    title: str
    how_to_read: str


CONTACTS_TO_MANY = Signal(
    "contacts_to_many", "一个账户添加多名亲友",
    f"同一APP账户{WINDOW_DAYS}天内添加了{CONTACTS_ADDED_TO_MANY_PEOPLE}名以上不同的人员为亲友。"
    "核对这些人员是否确为其家属；非亲属的，联系被添加人员本人核实。")
REFERENCE_PHOTO_REPLACED = Signal(
    "reference_photo_replaced", "比对照片被更换或删除",
    f"{WINDOW_DAYS}天内每一次更换（现场照片经批准后生效）或删除比对照片。核对采集人、批准人和理由，"
    "更换后的首次认证宜由本人到场确认。")
CERTIFIED_AT_ODD_HOURS = Signal(
    "certified_at_odd_hours", "夜间办理认证",
    f"{ODD_HOURS_FROM}:00至次日{ODD_HOURS_UNTIL}:00（北京时间）登记的上门结果、境外认证或第二人批准。"
    "核对当时是否确有上门或值班安排，必要时联系本人核实。")

PROXY_CERTIFIED_MANY = Signal(
    "proxy_certified_many", "一个账户代办认证多人",
    f"同一APP账户{WINDOW_DAYS}天内为{PROXY_CERTIFIED_MANY_PEOPLE}名以上不同的人员代办认证（按查看人所辖地区统计）。"
    "列出每一笔代办认证。核对被认证人员是否确为其家属，必要时联系本人核实。系统不记录手机设备信息，无法按设备统计。")
VISITS_BEYOND_A_DAY = Signal(
    "visits_beyond_a_day", "一人一天登记上门结果过多",
    f"同一工作人员在同一天（北京时间）登记了超过{VISITS_POSSIBLE_PER_DAY}条上门结果"
    f"（按每天工作{WORKING_MINUTES_PER_DAY // 60}小时、每次上门至少{MIN_MINUTES_PER_VISIT}分钟计算，一天最多上门"
    f"{VISITS_POSSIBLE_PER_DAY}次；未通过的结果也算一次上门）。核对当天的上门安排和上门日期；集中补录的，核对每条记录的实际上门日期。")
NEAR_THRESHOLD_AFTER_MISMATCH = Signal(
    "near_threshold_after_mismatch", "人脸比对未通过后以临界相似度通过认证",
    f"{WINDOW_DAYS}天内的认证，相似度仅比通过标准高不到{NEAR_MATCH_BAND}，且同一人本年度此前有“人脸与对比照片不符”的失败记录。"
    "列出该次认证及其前的失败记录（时间、原因、操作人）。核对认证证据中的人是否确为本人，必要时请本人到场或上门核实。")
SESSIONS_UNFINISHED = Signal(
    "sessions_unfinished", "大量认证会话开启后未完成",
    f"同一APP账户{WINDOW_DAYS}天内开启的人脸识别会话中，有{SESSIONS_LEFT_UNFINISHED}次以上未提交完成"
    "（按会话所属人员的地区统计）。列出每天开启和完成的次数。可能是反复开启会话挑选动作，或操作困难；"
    "联系账户本人了解情况。系统不记录手机设备信息。")

SIGNALS = (CONTACTS_TO_MANY, REFERENCE_PHOTO_REPLACED, CERTIFIED_AT_ODD_HOURS, PROXY_CERTIFIED_MANY,
           VISITS_BEYOND_A_DAY, NEAR_THRESHOLD_AFTER_MISMATCH, SESSIONS_UNFINISHED)


def at_odd_hours(hour: int) -> bool:
    """Whether a Beijing hour (0-23) falls in the night window."""
    return hour >= ODD_HOURS_FROM or hour < ODD_HOURS_UNTIL


def _reaching_many_people(rows_by_account: dict[str, list[dict]], person_field: str,
                          people: int) -> dict[str, list[dict]]:
    """The accounts whose rows name at least ``people`` distinct people, each with its rows."""
    return {account: rows for account, rows in rows_by_account.items()
            if len({row[person_field] for row in rows}) >= people}


def contacts_to_many(events_by_account: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The accounts whose successful contact additions reach the threshold in distinct people,
    each with those events."""
    return _reaching_many_people(events_by_account, "target", CONTACTS_ADDED_TO_MANY_PEOPLE)


def proxy_certified_many(certifications_by_account: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The accounts whose proxy certifications reach the threshold in distinct people, each with them."""
    return _reaching_many_people(certifications_by_account, "subject_key", PROXY_CERTIFIED_MANY_PEOPLE)


def visits_beyond_a_day(outcomes_by_staff_day: dict[tuple[str, str], list[dict]]) -> dict[tuple[str, str], list[dict]]:
    """The (staff member, Beijing day) pairs with more visit outcomes than one person can visit."""
    return {key: rows for key, rows in outcomes_by_staff_day.items() if len(rows) > VISITS_POSSIBLE_PER_DAY}


def near_threshold(similarity: float | None, threshold: float) -> bool:
    """Whether a certifying similarity sits in the band just above the match threshold."""
    return similarity is not None and threshold <= similarity < threshold + NEAR_MATCH_BAND


def sessions_unfinished(opened: int, completed: int) -> bool:
    """Whether an account's sessions of the window left unfinished reach the threshold."""
    return opened - completed >= SESSIONS_LEFT_UNFINISHED
