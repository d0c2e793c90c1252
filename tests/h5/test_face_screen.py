"""Issue 20: the face screen a 75-year-old can follow, and no yearly try lost to the client.

Each test is one defect of the old page, in Chromium at 360 x 780 with the fake camera (or, for a
dead camera and a photo held up, a canvas stream the page gets from getUserMedia), axe on every
screen it stops at. Each test has its own registry person (a card holder whose photo is p04's
reference), so the tries and the daily sessions of one test never touch another's.
"""
from __future__ import annotations

import base64
import json
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from h5_support import DEVSET, Phone
from support import unique_id_number

NAMES = ("冯桂兰", "陈永福", "褚玉珍", "卫建国", "蒋淑芬", "沈德明", "韩凤英", "杨立新", "朱秀云", "秦保国",
         "魏春花", "许长顺", "何玉兰")  # one registry person per test that signs in
LEFT_NO_TRY = "没有用掉认证次数"


@pytest.fixture(scope="module")
def holders(h5_stack):
    """Card holders (PIN login, no phone) whose registry photo is p04's reference."""
    work = Path(tempfile.mkdtemp(prefix="pc-h5-face-"))
    (work / "p04.jpg").write_bytes((DEVSET / "reference" / "p04.jpg").read_bytes())
    people, lines = [], []
    for index, name in enumerate(NAMES):
        person = {"id": unique_id_number(1948), "pin": f"{314159 + index * 1111:06d}", "name": name}
        people.append(person)
        lines.append(f"{person['id']},{name},西安市,新城区机关事务中心,recipient,activated,{person['pin']},p04.jpg\n")
    report = h5_stack.import_registry("".join(lines), work)
    assert report.get("errors") == [] and report.get("written") == len(lines), report
    return iter(people)


def card_login(phone: Phone, person: dict) -> None:
    phone.open("#/card-login")
    phone.wait_title("社保卡登录")
    phone.card_login(person["id"], person["pin"])


def to_face_screen(phone: Phone, person: dict) -> None:
    card_login(phone, person)
    phone.click("menu-certify")
    phone.wait_title("本人资格认证")
    phone.click("certify-confirm")
    phone.wait_title("人脸识别")


def wait_ready(phone: Phone, step: int = 1) -> None:
    phone.wait(lambda: phone.css("#face-action").get_attribute("data-state") == "ready"
               and f"第 {step} 步" in phone.css("#prompt").text, f"the prompt of step {step}", 60)


def sent_paths(phone: Phone) -> list[str]:
    return [item["url"] for item in phone.driver.execute_script("return window.__sent || []")]


def speech_log(phone: Phone) -> list[dict]:
    return phone.driver.execute_script("return window.pcSpeechLog || null")


def api(phone: Phone, method: str, path: str, body: dict | None = None):
    """The API as the page's own account calls it (its token from the page's storage)."""
    token = phone.driver.execute_script("return JSON.parse(sessionStorage.getItem('pc_h5')).token")
    request = urllib.request.Request(
        f"{phone.base_url}/api{path}", method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def canvas_camera(picture: bytes | None) -> str:
    """A getUserMedia that films a canvas: black (a dead camera) or a still picture (a photo held up)."""
    source = "" if picture is None else "data:image/jpeg;base64," + base64.b64encode(picture).decode()
    return """
(function () {
  const source = SOURCE;
  navigator.mediaDevices.getUserMedia = async function () {
    const canvas = document.createElement('canvas'); canvas.width = 480; canvas.height = 640;
    const ctx = canvas.getContext('2d');
    const image = new Image();
    if (source) { image.src = source; await image.decode(); }
    const paint = () => {
      ctx.fillStyle = '#000'; ctx.fillRect(0, 0, 480, 640);
      if (source) ctx.drawImage(image, 0, 0, 480, 640);
    };
    paint(); setInterval(paint, 100);
    return canvas.captureStream(10);
  };
})();
""".replace("SOURCE", json.dumps(source))


# --- leaving means leaving ---------------------------------------------------------------------
def test_back_during_the_last_action_stops_the_flow_and_uses_no_try(phone_for, holders):
    person = next(holders)
    phone = phone_for("p04", "20-back")
    to_face_screen(phone, person)
    wait_ready(phone, 1)
    phone.click("face-action")
    wait_ready(phone, 2)
    phone.click("face-action")
    phone.wait(lambda: phone.css("#face-action").get_attribute("data-phase") == "recording", "the recording", 20)
    phone.click("back")
    phone.wait_title("本人资格认证")
    phone.wait_text(LEFT_NO_TRY)
    left_at = phone.driver.execute_script("return performance.now()")
    phone.screen("left-during-capture")
    time.sleep(4)  # longer than a capture and an upload: anything still running would show now
    assert not [path for path in sent_paths(phone) if path.endswith("/complete")], sent_paths(phone)
    spoken_after = [e for e in speech_log(phone) if e["event"] == "start" and e["at"] > left_at]
    assert spoken_after == [], spoken_after
    assert "本人资格认证" in phone.css("#screen-title").text, phone.body()


def test_the_camera_stopping_during_capture_stops_the_flow(phone_for, holders):
    person = next(holders)
    phone = phone_for("p04", "20-camera-stops")
    to_face_screen(phone, person)
    wait_ready(phone, 1)
    phone.driver.execute_script(
        "document.getElementById('face-action').click();"
        "setTimeout(() => document.querySelector('video').srcObject.getTracks().forEach(t => t.stop()), 200);")
    phone.wait_title("人脸识别已停止")
    assert "摄像头停止了工作" in phone.body() and LEFT_NO_TRY in phone.body(), phone.body()
    phone.screen("camera-stopped")
    time.sleep(3)
    assert not [path for path in sent_paths(phone) if path.endswith("/complete")], sent_paths(phone)


def test_the_page_hidden_during_capture_stops_the_flow(phone_for, holders):
    person = next(holders)
    phone = phone_for("p04", "20-hidden")
    to_face_screen(phone, person)
    wait_ready(phone, 1)
    phone.click("face-action")
    wait_ready(phone, 2)
    # The phone's home key: the page becomes hidden (as the browser reports it to the page).
    phone.driver.execute_script(
        "document.getElementById('face-action').click();"
        "Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'));")
    phone.wait_title("人脸识别已停止")
    assert "切换到了别的页面" in phone.body() and LEFT_NO_TRY in phone.body(), phone.body()
    phone.screen("hidden")
    time.sleep(4)
    assert not [path for path in sent_paths(phone) if path.endswith("/complete")], sent_paths(phone)


def test_a_reload_during_capture_says_what_happened(phone_for, holders):
    person = next(holders)
    phone = phone_for("p04", "20-reload")
    to_face_screen(phone, person)
    wait_ready(phone, 1)
    phone.driver.execute_script("document.getElementById('face-action').click();")
    phone.driver.refresh()
    phone.wait_title("本人资格认证")
    phone.wait_text("页面重新打开了")
    assert LEFT_NO_TRY in phone.body(), phone.body()
    phone.screen("reloaded")


def test_back_is_not_active_while_the_answer_is_decided(phone_for, holders):
    person = next(holders)
    phone = phone_for("p04", "20-deciding")
    to_face_screen(phone, person)
    for step in (1, 2):
        wait_ready(phone, step)
        phone.click("face-action")
        phone.wait(lambda: phone.css("#face-action").get_attribute("data-state") != "capturing", "capture", 20)
    phone.wait(lambda: phone.css("#face-action").get_attribute("data-state") == "submitting", "the upload", 20)
    assert not phone.css("#back").is_enabled(), "返回 is active while 正在核验"


def test_the_phone_back_key_while_the_answer_is_decided_says_where_the_answer_will_be(phone_for, holders):
    """返回 is disabled during 正在核验, but a phone's own back key still goes back in the history. The
    frames were already sent, so the page cannot say no try was used: it says the answer will be in
    我要查询, and when the answer comes it neither speaks nor replaces that screen."""
    person = next(holders)
    phone = phone_for("p04", "20-back-key-deciding")
    to_face_screen(phone, person)
    # A slow line: the answer to the steps reaches the page only when the test lets it (after the
    # back key), so the back key always lands while 正在核验. Each answer the page gets is recorded.
    phone.driver.execute_script(
        "window.__answered = []; window.__release = false;"
        "const sending = window.fetch;"
        "window.fetch = async (url, init) => { const r = await sending(url, init);"
        " if (String(url).endsWith('/complete')) {"
        "  while (!window.__release) await new Promise((go) => setTimeout(go, 50)); }"
        " window.__answered.push({url: String(url), status: r.status}); return r; };")
    for step in (1, 2):
        wait_ready(phone, step)
        phone.click("face-action")
        phone.wait(lambda: phone.css("#face-action").get_attribute("data-state") != "capturing", "capture", 20)
    phone.wait(lambda: phone.css("#face-action").get_attribute("data-state") == "submitting", "the upload", 20)
    phone.driver.back()  # the phone's back key: the browser's history, not the page's 返回
    phone.wait_title("本人资格认证")
    phone.wait_text("刚才的动作已提交核验")
    left_at = phone.driver.execute_script("return performance.now()")
    phone.driver.execute_script("window.__release = true;")

    def answered() -> list[dict]:
        return [a for a in phone.driver.execute_script("return window.__answered") if a["url"].endswith("/complete")]

    phone.wait(lambda: answered(), "the answer to the submitted steps", 120)
    time.sleep(1)  # the page handles the answer right after it arrives
    assert len(answered()) == 1 and len([p for p in sent_paths(phone) if p.endswith("/complete")]) == 1, sent_paths(phone)
    spoken_after = [e for e in speech_log(phone) if e["event"] == "start" and e["at"] > left_at]
    assert spoken_after == [], spoken_after
    assert "本人资格认证" in phone.css("#screen-title").text, phone.body()
    assert "刚才的动作已提交核验" in phone.body() and LEFT_NO_TRY not in phone.body(), phone.body()
    phone.screen("back-key-while-deciding")


def test_before_the_session_runs_out_a_warning_then_a_stop_that_uses_no_try(phone_for, holders):
    """The 3-minute session, seen from a phone whose clock is 140 s ahead: the page goes by the
    session's expires_at, warns, and stops 10 s before it with no try used (nothing sent)."""
    person = next(holders)
    phone = phone_for("p04", "20-expiry")
    phone.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
        "const realNow = Date.now.bind(Date); Date.now = () => realNow() + 140000;")})
    to_face_screen(phone, person)
    phone.wait_text("还剩不到1分钟", 20)
    phone.wait_title("人脸识别已停止", 60)
    assert "3分钟" in phone.body() and LEFT_NO_TRY in phone.body() and phone.all("#face-restart"), phone.body()
    phone.screen("expired")
    assert not [path for path in sent_paths(phone) if path.endswith("/complete")], sent_paths(phone)


# --- capture waits for the person ----------------------------------------------------------------
def test_a_dead_camera_cannot_start(phone_for, holders):
    person = next(holders)
    phone = phone_for("p04", "20-dead-camera")
    phone.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": canvas_camera(None)})
    to_face_screen(phone, person)
    wait_ready(phone, 1)
    phone.wait(lambda: phone.css("#guidance").get_attribute("data-verdict") == "dark", "the dark verdict")
    phone.screen("dead-camera")
    phone.driver.execute_script("document.getElementById('face-action').click();")
    time.sleep(2)
    assert not phone.css("#face-action").is_enabled() and phone.css("#face-action").get_attribute("data-state") == "ready"


def test_after_start_a_spoken_and_shown_3_2_1_then_a_recording_with_its_ring(phone_for, holders):
    person = next(holders)
    phone = phone_for("p04", "20-countdown")
    to_face_screen(phone, person)
    wait_ready(phone, 1)
    short = {"blink": "眨眼", "open_mouth": "张嘴", "turn_head": "转头"}[phone.css("#prompt").get_attribute("data-challenge")]
    tapped_at = phone.driver.execute_script(
        "window.__shown = []; const count = document.getElementById('countdown');"
        "new MutationObserver(() => { const n = count.textContent;"
        "  if (!count.hidden && n && window.__shown[window.__shown.length - 1] !== n) window.__shown.push(n); })"
        ".observe(count, {childList: true, characterData: true, subtree: true, attributes: true});"
        "document.getElementById('face-action').click(); return performance.now();")
    phone.wait(lambda: phone.css("#countdown").is_displayed(), "the countdown", 10)
    phone.screen("countdown")
    phone.wait(lambda: phone.css("#face-action").get_attribute("data-phase") == "recording", "the recording", 20)
    shown = phone.driver.execute_script("return window.__shown")
    assert phone.css("svg.ring").is_displayed() and "正在录制，请" + short in phone.css("#guidance").text
    phone.screen("recording")
    phone.wait(lambda: phone.css("#face-action").get_attribute("data-state") != "capturing", "the end of the recording", 20)
    said = [e["text"] for e in speech_log(phone) if e["event"] == "start" and e["at"] >= tapped_at]
    assert (shown, said[:4]) == (["3", "2", "1"], ["三", "二", "一", f"开始，请{short}"]), (shown, said)


def test_a_refused_camera_says_how_to_allow_it_and_nothing_else(phone_for, holders):
    person = next(holders)
    phone = phone_for("p04", "20-camera-refused")
    phone.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
        "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));")})
    to_face_screen(phone, person)
    phone.wait(lambda: phone.all("#camera-retry"), "the camera refusal")
    phone.screen("camera-refused")
    assert "正在打开摄像头" not in phone.body() and "把“摄像头”设为“允许”" in phone.body(), phone.body()
    assert any(e["text"].startswith("无法打开摄像头") for e in speech_log(phone)), speech_log(phone)


# --- words ----------------------------------------------------------------------------------------
def test_the_intro_is_heard_in_full_before_the_first_prompt_and_can_be_heard_again(phone_for, holders):
    person = next(holders)
    phone = phone_for("p04", "20-speech")
    to_face_screen(phone, person)
    wait_ready(phone, 1)
    prompt = phone.css("#prompt").text.split("：", 1)[1]
    phone.wait(lambda: any(e["event"] == "start" and e["text"] == prompt for e in speech_log(phone)), "the prompt spoken")
    log = [(e["event"], e["text"]) for e in speech_log(phone)]
    intro = "请将面部置于人像框内，按照提示完成动作"
    assert log[:3] == [("start", intro), ("end", intro), ("start", prompt)], log
    phone.click("face-repeat")
    phone.wait(lambda: [e["text"] for e in speech_log(phone) if e["event"] == "start"].count(prompt) == 2, "再听一遍")
    assert "摇头" not in phone.body(), phone.body()
    phone.screen("speech")


def test_empty_login_fields_are_asked_for(phone_for):
    phone = phone_for("p04", "20-empty-login")
    phone.open("#/card-login")
    phone.wait_title("社保卡登录")
    phone.click("card-login-submit")
    phone.wait(lambda: phone.all(".notice"), "the answer to an empty form")
    assert phone.css(".notice").text == "请输入身份证号码", phone.body()
    assert not [path for path in sent_paths(phone) if "/auth/" in path], sent_paths(phone)
    phone.screen("empty-card-login")


# --- at the limit, one clear next step -------------------------------------------------------------
def test_at_the_limit_every_screen_offers_home_visit_and_review_only(phone_for, holders):
    person = next(holders)
    phone = phone_for("p04", "20-limit")
    still = (DEVSET / "reference" / "p06.jpg").read_bytes()  # someone's photo held to the camera
    phone.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": canvas_camera(still)})
    card_login(phone, person)
    frames = [base64.b64encode(still).decode()] * 5
    for _ in range(4):  # four tries that a photo used up, through the API
        status, session = api(phone, "POST", "/certify/sessions", {"subject": "self"})
        assert status == 201, session
        steps = [{"challenge": c, "frames": frames} for c in session["challenges"]]
        status, body = api(phone, "POST", f"/certify/sessions/{session['session_id']}/complete", {"steps": steps})
        assert body["error"]["attempt_counted"] is True, body
    # The fifth through the page: the answer says no try is left, and offers no 再试一次.
    phone.click("menu-certify")
    phone.wait_title("本人资格认证")
    phone.click("certify-confirm")
    phone.wait_title("人脸识别")
    for step in (1, 2):
        wait_ready(phone, step)
        phone.click("face-action")
        phone.wait(lambda: phone.css("#face-action").get_attribute("data-state") != "capturing", "capture", 20)
    phone.wait_title("认证未成功", 180)
    phone.screen("limit-answer")
    assert not phone.all("#next-retry") and phone.all("#next-home-visit") and phone.all("#next-review"), phone.body()
    assert "请联系所在单位" not in phone.body(), phone.body()

    phone.click("next-home")
    phone.wait_title("您好")
    phone.click("menu-certify")
    phone.wait_title("本人资格认证")
    phone.wait(lambda: phone.all(".notice"), "the eligibility answer")
    phone.screen("limit-eligibility")
    assert not phone.css("#certify-confirm").is_enabled(), "确认 is enabled at the limit"
    assert not phone.all("#next-retry") and phone.all("#next-home-visit") and phone.all("#next-review")

    phone.open("#/query/self")
    phone.wait(lambda: phone.all("#status-card"), "the status")
    phone.screen("limit-status")
    assert phone.all("#status-closed") and not phone.all("#status-certify"), phone.body()
    assert phone.all("#status-home-visit") and phone.all("#status-review")
    tries = phone.all("#failed-tries li")
    assert len(tries) == 5 and all("没有看到要求的动作" in t.text for t in tries), phone.css("#failed-tries").text
    assert "暂无认证记录" not in phone.body()


# --- card holders without a phone -------------------------------------------------------------------
def test_a_card_holder_who_put_off_the_phone_binding_is_not_asked_again(phone_for, holders):
    person = next(holders)
    phone = phone_for("p04", "20-bind-later")
    phone.open("#/card-login")
    phone.wait_title("社保卡登录")
    phone.fill("id_number", person["id"])
    phone.fill("card_password", person["pin"])
    phone.click("card-login-submit")
    phone.wait_title("绑定手机号码")
    # Both boxes read in one script: read one after the other, the captcha picture loading above
    # them in between moved the second down (52 px in a full run).
    later, bind = phone.driver.execute_script(
        "return ['bind-later', 'bind-submit'].map((id) => {"
        " const box = document.getElementById(id).getBoundingClientRect(); return {x: box.x, y: box.y}; });")
    assert abs(later["y"] - bind["y"]) < 2 and later["x"] > bind["x"], (later, bind)  # beside the main button
    phone.screen("bind-asked")
    phone.bind_later()
    phone.wait_title("您好")
    phone.click("menu-logout")
    phone.wait_title("用户登录")
    phone.open("#/card-login")
    phone.wait_title("社保卡登录")
    phone.fill("id_number", person["id"])
    phone.fill("card_password", person["pin"])
    phone.click("card-login-submit")
    phone.wait_title("您好")
    assert phone.all("#menu-bind"), "the binding is still offered from the home screen"

