"""The H5 screens the journeys do not pass through, their error states (the API's message shown as
is, with a next step), and the face screen's cheap live guidance, in Chromium at 360 x 780 with
axe-core on every screen."""
from __future__ import annotations

from h5_support import Phone
from support import unique_id_number, unique_phone


def test_errors_are_the_apis_messages_with_a_next_step(phone_for, people):
    phone = phone_for("p04", "4-screens")
    phone.open()
    phone.wait_title("用户登录")
    phone.fill("phone", unique_phone())
    phone.fill("password", "WrongPassword1")
    phone.click("login-submit")
    phone.wait(lambda: phone.all(".notice.error"), "the login error")
    error = phone.css(".notice.error")
    assert error.get_attribute("data-code") == "LOGIN_FAILED"
    assert "手机号码或密码错误" in error.text and "还可尝试 2 次" in error.text, error.text
    assert phone.css("main").text.count("忘记密码") >= 1
    phone.screen("login-failed")

    phone.click_text("忘记密码")
    phone.wait_title("忘记密码")
    phone.wait(lambda: phone.css("#captcha-image").get_attribute("src"), "the captcha")
    phone.screen("reset")

    phone.open("#/card-login")
    phone.wait_title("社保卡登录")
    phone.fill("id_number", unique_id_number(1950))
    phone.fill("card_password", "000000")
    phone.click("card-login-submit")
    phone.wait(lambda: phone.all(".notice.error"), "the card login error")
    phone.screen("card-login-failed")
    assert phone.css(".notice.error").text.strip(), "an empty error box"

    holder = people["holder_p04"]
    phone.card_login(holder["id"], holder["pin"])

    # Adding a relative whose ID number is not valid: the API's message, on the same screen.
    phone.click("menu-contacts")
    phone.wait_title("替亲友办理业务")
    phone.click("contact-add")
    phone.wait_title("添加亲友")
    phone.fill("name", "李桂芳")
    phone.fill("id_number", "610102195001010010")  # wrong check digit
    phone.click("contact-submit")
    phone.wait(lambda: phone.all(".notice.error"), "the contact error")
    assert phone.css(".notice.error").get_attribute("data-code") == "ID_NUMBER_INVALID"
    phone.screen("contact-invalid")
    relative = unique_id_number(1930)
    phone.fill("id_number", relative)
    phone.click("contact-submit")
    phone.wait_title("李桂芳")
    # Not in the registry: the grey button and the reason, with what to do next.
    phone.click("contact-certify")
    phone.wait_title("替李桂芳认证")
    phone.wait(lambda: phone.all(".notice.error"), "the eligibility reason")
    assert not phone.css("#certify-confirm").is_enabled(), "the confirm button is not grey"
    assert phone.css(".notice.error").get_attribute("data-code") == "NOT_FOUND"
    assert phone.all("#next-home")
    phone.screen("certify-not-eligible")
    phone.click("back")
    phone.wait_title("李桂芳")
    phone.click("contact-delete")
    phone.wait_title("删除亲友")
    phone.screen("contact-delete")
    phone.click("delete-confirm")
    phone.wait_title("替亲友办理业务")
    assert "李桂芳" not in phone.css("main").text

    phone.open("#/query")
    phone.wait_title("认证信息查询")
    phone.wait(lambda: phone.all("#query-self"), "the people to query")
    phone.screen("query-choose")

    phone.open("#/proxies")
    phone.wait_title("谁在替我办理")
    phone.wait(lambda: not phone.all(".busy"), "the proxies answer")
    phone.screen("proxies")

    phone.open("#/home-visit/self")
    phone.wait_title("申请上门认证")
    phone.screen("home-visit-form")


def card_login(phone: Phone, person: dict) -> None:
    phone.open("#/card-login")
    phone.wait_title("社保卡登录")
    phone.card_login(person["id"], person["pin"])


def logout(phone: Phone) -> None:
    phone.open("#/home")
    phone.wait_title("您好")
    phone.click("menu-logout")
    phone.wait_title("用户登录")


def test_no_reference_photo_and_the_relatives_consent(phone_for, people):
    """v1.1: no trusted reference -> the API's message and the home-visit offer; a relative's data
    stays closed (CONSENT_REQUIRED, shown as is) until the relative consents in their own account."""
    holder, relative = people["holder"], people["consenter"]
    phone = phone_for("p04", "7-consent")
    card_login(phone, holder)
    phone.click("menu-certify")
    phone.wait_title("本人资格认证")
    phone.click("certify-confirm")
    phone.wait(lambda: phone.all(".notice.error"), "the session's refusal")
    error = phone.css(".notice.error")
    assert error.get_attribute("data-code") == "NO_REFERENCE_PHOTO", phone.body()
    assert phone.all("#next-home-visit")
    phone.screen("no-reference-photo")

    phone.click("back")
    phone.wait_title("您好")
    phone.click("menu-contacts")
    phone.wait_title("替亲友办理业务")
    phone.click("contact-add")
    phone.wait_title("添加亲友")
    phone.fill("name", relative["name"])
    phone.fill("id_number", relative["id"])
    phone.click("contact-submit")
    phone.wait_title(relative["name"])
    contact_url = phone.driver.current_url
    phone.click("contact-query")
    phone.wait_title(f"认证信息：{relative['name']}")
    phone.wait(lambda: phone.all(".notice.error"), "the consent refusal")
    assert phone.css(".notice.error").get_attribute("data-code") == "CONSENT_REQUIRED", phone.body()
    phone.screen("consent-required")

    logout(phone)
    card_login(phone, relative)
    phone.click("menu-proxies")
    phone.wait_title("谁在替我办理")
    phone.wait(lambda: not phone.all(".busy"), "the proxies answer")
    phone.screen("proxies-ask")
    phone.click_text("同意授权")
    phone.wait_text("已同意授权")
    phone.screen("proxies-consented")

    logout(phone)
    card_login(phone, holder)
    phone.driver.get(contact_url)
    phone.wait_title(relative["name"])
    phone.click("contact-query")
    phone.wait(lambda: phone.all("#status-card"), "the relative's status after consent")
    assert "未认证" in phone.css("#status-card").text
    phone.screen("relative-status-after-consent")


def test_card_holder_binds_a_domestic_phone(phone_for, people):
    """Those abroad bind a domestic relative's number at their first card login (the guide's 6.(2))."""
    binder = people["binder"]
    phone = phone_for("p04", "8-bind-phone")
    phone.open("#/card-login")
    phone.wait_title("社保卡登录")
    phone.fill("id_number", binder["id"])
    phone.fill("card_password", binder["pin"])
    phone.click("card-login-submit")
    phone.wait_title("绑定手机号码")
    phone.fill("phone", "+44 7700 900123")  # an overseas number: the API's message, as is
    phone.fill("captcha", phone.banner_number("图形验证码"))
    first_banner = phone.css("#dev-banner").text
    phone.click("send-code")
    phone.wait(lambda: phone.all("#sms-errors .notice.error"), "the overseas number's refusal")
    assert phone.css("#sms-errors .notice.error").get_attribute("data-code") == "PHONE_NOT_MAINLAND"
    phone.screen("bind-overseas-refused")
    number = unique_phone()
    phone.fill("phone", number)
    phone.wait(lambda: phone.css("#dev-banner").text != first_banner, "a new captcha (one is single-use)")
    phone.fill("captcha", phone.banner_number("图形验证码"))
    phone.click("send-code")
    phone.fill("sms_code", phone.banner_number("短信验证码"))
    phone.click("bind-submit")
    phone.wait_title("社保卡登录")
    phone.wait_text("手机号码绑定成功")
    phone.screen("bound")
    phone.fill("id_number", binder["id"])
    phone.fill("card_password", binder["pin"])
    phone.click("card-login-submit")
    phone.wait_title("您好")  # bound: no binding screen this time
    assert not phone.all("#menu-bind")


GUIDANCE_PROBE = """
const [kind, done] = arguments;
const canvas = document.createElement('canvas'); canvas.width = 480; canvas.height = 640;
const ctx = canvas.getContext('2d');
function paint() {
  ctx.fillStyle = kind === 'dark' ? '#0a0a0a' : '#8a8f96';
  ctx.fillRect(0, 0, 480, 640);
  if (kind !== 'dark') {
    ctx.fillStyle = '#e0ac8a';  // a skin tone
    const r = kind === 'far' ? 40 : 170;
    ctx.beginPath(); ctx.ellipse(240, 300, r, r * 1.3, 0, 0, 2 * Math.PI); ctx.fill();
  }
}
paint();
const stream = canvas.captureStream(10);
const timer = setInterval(paint, 100);
const video = document.createElement('video'); video.muted = true; video.srcObject = stream;
video.play().then(() => setTimeout(() => { clearInterval(timer); done(PcCamera.judge(video)); }, 500));
"""


def test_face_guidance_from_cheap_checks_in_the_page(phone_for):
    """The oval's live guidance: a dark picture says 光线太暗, a small face says 请靠近一些."""
    phone: Phone = phone_for("p04", "5-guidance")
    phone.open()
    phone.wait_title("用户登录")
    verdicts = {kind: phone.driver.execute_async_script(GUIDANCE_PROBE, kind) for kind in ("dark", "far", "near")}
    assert verdicts == {"dark": "dark", "far": "far", "near": "ok"}, verdicts
    texts = phone.driver.execute_script("return PcCamera.GUIDANCE")
    assert "光线太暗" in texts["dark"] and "请靠近一些" in texts["far"]


def test_the_accessibility_check_finds_what_it_should(phone_for):
    """axe really runs: a planted unlabeled field and a low-contrast text are caught as serious."""
    phone: Phone = phone_for("p04", "6-axe-check")
    phone.open()
    phone.wait_title("用户登录")
    phone.driver.execute_script(
        "const i = document.createElement('input'); document.querySelector('main').append(i);"
        "const p = document.createElement('p'); p.textContent = '浅色文字'; p.style.color = '#ccc';"
        "document.querySelector('main').append(p);")
    found = {v["id"] for v in phone.axe() if v["impact"] in ("serious", "critical")}
    assert {"label", "color-contrast"} <= found, found


def test_a_data_matched_retiree_sees_the_records_that_counted(phone_for, h5_stack, tmp_path):
    """Issue 13: a hospital visit settled by medical insurance certifies the year; the retiree's
    认证信息 shows the method and the record that counted, without a selfie."""
    import subprocess
    import sys
    from datetime import datetime

    from support import REPO

    from pensioncert.clock import BEIJING

    person, pin = unique_id_number(1944), "357913"
    report = h5_stack.import_registry(f"{person},郭秀珍,西安市,新城区机关事务中心,recipient,activated,{pin},\n")
    assert report.get("errors") == [], report
    today = datetime.now(BEIJING).date().isoformat()
    events = tmp_path / "events.csv"
    events.write_text("id_number,name,event_type,event_date,source,source_ref\n"
                      f"{person},郭秀珍,medical_settlement,{today},西安市第一医院,H5{person}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pensioncert.import_events", str(events)], cwd=REPO,
                          env=h5_stack.child_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr

    phone = phone_for("p04", "7-data-match")
    card_login(phone, {"id": person, "pin": pin})
    phone.open("#/query/self")
    phone.wait(lambda: phone.css("#status-evidence"), "the evidence of the data match")
    assert f"{today} 医保结算（西安市第一医院）" in phone.css("#status-evidence").text
    assert "数据比对认证" in phone.css("#history").text and "医保结算" in phone.css("#history").text
    phone.screen("data-match")


def test_the_login_hint_states_the_lock_the_api_enforces(phone_for):
    """Issue 21: the hint's 3次 / 24小时 came from a copy in the page; it now comes from GET
    /auth/login-policy. On this stack (the default settings) it says 3 and 24; on a deployment whose
    API answers other numbers, the page says those."""
    phone: Phone = phone_for("p04", "21-login-hint")
    phone.open()
    phone.wait_title("用户登录")
    phone.wait(lambda: "密码输错3次" in phone.css("#login-hint").text, "the hint with the stack's numbers")
    assert "24小时后自动解锁" in phone.css("#login-hint").text, phone.css("#login-hint").text
    assert any(item["url"].endswith("/auth/login-policy") for item in phone.driver.execute_script("return window.__sent"))

    other: Phone = phone_for("p04", "21-login-hint-other")
    other.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
        "const asking = window.fetch;"
        "window.fetch = (url, init) => String(url).endsWith('/auth/login-policy')"
        " ? Promise.resolve(new Response(JSON.stringify({max_failures: 5, lock_hours: 6}),"
        "   {status: 200, headers: {'Content-Type': 'application/json'}}))"
        " : asking(url, init);")})
    other.open()
    other.wait_title("用户登录")
    other.wait(lambda: "密码输错5次" in other.css("#login-hint").text, "the hint with the API's other numbers")
    assert "6小时后自动解锁" in other.css("#login-hint").text, other.css("#login-hint").text
