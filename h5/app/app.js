/* 陕西养老保险 H5: the mobile web client of the API contract (v1.1), plain JavaScript in ES modules
   (dom.js the element helpers, api.js the API client, router.js the routes, camera.js the camera and
   speech; this module the screens and the face flow). One screen per step, the guide's wording, the
   API's error message shown as is, and after every failure a clear next step (try again / ask a
   relative / home visit / review). */
import { makeApi, SIGNED_OUT } from "./api.js";
import { Camera } from "./camera.js";
import { button, field, h, notice, setChildren, value } from "./dom.js";
import { resolveRoute } from "./router.js";

(function () {
  const main = document.getElementById("app");
  const backButton = document.getElementById("back");
  const devBanner = document.getElementById("dev-banner");
  const METHOD_NAMES = {
    app: "本人手机认证", proxy_app: "亲友代办认证", home_visit: "上门认证", overseas: "境外认证",
    agency: "经办机构认证", data_match: "数据比对认证",
  };
  const PAYMENT = { normal: "正常发放", warning: "即将到期，请尽快认证", suspended: "已暂停发放，认证后恢复" };
  const REVIEW_STATES = { pending: "复核中", decided: "已答复" };
  const REVIEW_OUTCOMES = { passed: "复核通过", refused: "复核未通过，已安排上门认证" };
  const FAILED_REASONS = { LIVENESS_FAILED: "没有看到要求的动作", FACE_MISMATCH: "照片和本人不太像" };
  const RELATIONS = ["父亲", "母亲", "配偶", "子女", "兄弟姐妹", "其他亲属"];

  /* ---------- state (this tab only) ---------- */
  const store = {
    load() {
      try { return JSON.parse(sessionStorage.getItem("pc_h5") || "{}"); } catch (e) { return {}; }
    },
    save() { sessionStorage.setItem("pc_h5", JSON.stringify(state)); },
  };
  const state = Object.assign({ token: null, user: null, contacts: [], failed: {}, flash: null }, store.load());
  let flow = null; // the running real-name or certification flow (never persisted: it holds images)
  let activeStream = null;
  let localStage = false; // set when the API shows it runs its local stage (captcha debug_answer)

  function render(title, nodes, options = {}) {
    stopCamera();
    devBanner.hidden = true; // a code shown for one screen is not left on the next
    setChildren(main, h("h1", { id: "screen-title", tabindex: "-1" }, title), ...[].concat(nodes).flat(Infinity).filter(Boolean));
    document.title = `${title} · 陕西养老保险`;
    backButton.hidden = !options.back;
    backButton.onclick = () => go(options.back);
    if (state.flash) {
      main.querySelector("h1").after(notice(state.flash.text, state.flash.kind));
      state.flash = null;
      store.save();
    }
    main.querySelector("h1").focus();
    window.scrollTo(0, 0);
  }

  function go(path) {
    if (location.hash === `#/${path}`) route();
    else location.hash = `#/${path}`;
  }

  function flash(text, kind = "success") {
    state.flash = { text, kind };
    store.save();
  }

  function showDev(text) {
    devBanner.hidden = false;
    devBanner.textContent = `本地开发环境：${text}`;
  }

  function formatTime(iso) {
    if (!iso) return "—";
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(iso);
    if (!m) return iso;
    return `${m[1]}年${Number(m[2])}月${Number(m[3])}日` + (m[4] ? ` ${m[4]}:${m[5]}` : "");
  }

  /* ---------- the API ---------- */
  // Same origin: the H5 server (local) or CloudFront (deployed) passes /api on. A sign-in the
  // server ended (401 UNAUTHENTICATED) signs the page out and goes to the login screen.
  const api = makeApi({
    base: "/api",
    token: () => state.token,
    onSignedOut: (error) => { logout(); flash(error.message, "error"); go("login"); },
  });

  /* The API's message as is, with the extra facts it carries. */
  function errorBox(error, attemptsScope = "") {
    const lines = [h("p", {}, error.message)];
    if (error.attempt_counted === false) lines.push(h("p", {}, "本次没有用掉认证次数。"));
    if (error.attempts_left === 0) lines.push(h("p", {}, `${attemptsScope}的尝试次数已用完。`));
    else if (typeof error.attempts_left === "number") lines.push(h("p", {}, `${attemptsScope}还可尝试 ${error.attempts_left} 次`));
    if (error.unlock_at) lines.push(h("p", {}, `解锁时间：${formatTime(error.unlock_at)}`));
    return h("div", { class: "notice error", role: "alert", "data-code": error.code }, lines);
  }

  /* An empty field is asked for, not called wrong: true (and the field focused) when one is empty. */
  function askFor(container, fields) {
    const empty = fields.find(([id]) => !value(id));
    if (!empty) return false;
    setChildren(container, h("div", { class: "notice info", role: "alert", "data-code": "EMPTY" }, empty[1]));
    document.getElementById(empty[0]).focus();
    return true;
  }

  function showError(container, error) {
    setChildren(container, errorBox(error));
  }

  function busy(btn, text) {
    const label = btn.textContent;
    btn.disabled = true;
    btn.textContent = text || "请稍候…";
    return () => { btn.disabled = false; btn.textContent = label; };
  }

  /* Per account on this phone (localStorage): the last failed session per subject (a review needs
     it, also after the tab was closed) and when the phone binding was put off. */
  function accountMemory(name) {
    const key = `pc_h5_${name}_${(state.user && state.user.user_id) || "anon"}`;
    return {
      get() { try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; } },
      set(data) { try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* private mode */ } },
    };
  }

  function rememberFailed(subject, sessionId) {
    state.failed[subject] = sessionId;
    store.save();
    const memory = accountMemory("failed");
    memory.set(Object.assign(memory.get() || {}, { [subject]: { session_id: sessionId, year: new Date().getFullYear() } }));
  }

  function failedSession(subject) {
    if (state.failed[subject]) return state.failed[subject];
    const remembered = (accountMemory("failed").get() || {})[subject];
    return remembered && remembered.year === new Date().getFullYear() ? remembered.session_id : null;
  }

  function logout() {
    state.token = null;
    state.user = null;
    state.contacts = [];
    store.save();
  }

  function requireLogin() {
    if (!state.token) { go("login"); return false; }
    return true;
  }

  function subjectName(subject) {
    if (subject === "self") return "本人";
    const contact = state.contacts.find((c) => c.contact_id === subject);
    return contact ? contact.name : "亲友";
  }

  async function refreshContacts() {
    const result = await api("GET", "/contacts");
    if (result.ok) { state.contacts = result.data.items; store.save(); }
    return result;
  }

  /* ---------- captcha + SMS code block (register, password reset, phone binding) ---------- */
  function smsBlock(purpose) {
    const img = h("img", { alt: "图形验证码", id: "captcha-image" });
    let captchaId = null;
    const errors = h("div", { id: "sms-errors" });
    async function loadCaptcha() {
      const result = await api("POST", "/auth/captcha");
      if (!result.ok) return showError(errors, result.error);
      captchaId = result.data.captcha_id;
      img.src = `data:image/png;base64,${result.data.image}`;
      if (result.data.debug_answer) {
        localStage = true;
        showDev(`图形验证码为 ${result.data.debug_answer}`);
      }
    }
    const send = button("发送验证码", async () => {
      setChildren(errors);
      const done = busy(send, "正在发送…");
      const phone = value("phone");
      const result = await api("POST", "/auth/sms-code", {
        phone, captcha_id: captchaId, captcha_answer: value("captcha"), purpose,
      });
      done();
      if (!result.ok) {
        showError(errors, result.error);
        document.getElementById("captcha").value = "";
        return loadCaptcha(); // a captcha is single-use
      }
      setChildren(errors, notice(`验证码已发送，请查看短信（${result.data.expires_in / 60} 分钟内有效）`, "success"));
      document.getElementById("sms_code").focus();
      if (!localStage) return;
      const outbox = await api("GET", `/dev/sms-outbox?phone=${encodeURIComponent(phone)}`);
      if (outbox.ok && outbox.data.messages.length) {
        const code = (outbox.data.messages[0].text.match(/(?:^|\D)(\d{6})(?!\d)/) || ["", ""])[1];
        showDev(`短信验证码为 ${code}（只在本地开发环境显示）`);
      }
    }, { class: "secondary", id: "send-code" });
    loadCaptcha();
    return [
      ...field("手机号码", "phone", { type: "tel", inputmode: "numeric", autocomplete: "tel", maxlength: "14" }),
      h("label", { for: "captcha" }, "图形验证码"),
      h("div", { class: "row" },
        h("input", { id: "captcha", name: "captcha", autocomplete: "off", maxlength: "6" }),
        h("div", { class: "captcha" }, img),
        h("div", { class: "captcha" }, button("换一张", loadCaptcha, { class: "secondary", "aria-label": "换一张图形验证码" }))),
      send,
      ...field("短信验证码（6位）", "sms_code", { inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6" }),
      errors,
    ];
  }

  /* ---------- screens ---------- */
  const screens = {};

  /* The login screen's words on the lock, with the numbers the API enforces (GET /auth/login-policy,
     asked once): until they arrive, or if they cannot, the same sentence without numbers. */
  let loginPolicy = null;
  function lockHint() {
    const say = (p) => (p
      ? `输入已注册的手机号码和密码。密码输错${p.max_failures}次，账户会被锁定，${p.lock_hours}小时后自动解锁，或通过忘记密码重置即可解锁。`
      : "输入已注册的手机号码和密码。密码多次输错，账户会被锁定，可通过忘记密码重置解锁。");
    const hint = h("p", { class: "hint", id: "login-hint" }, say(loginPolicy));
    if (!loginPolicy) {
      api("GET", "/auth/login-policy").then((result) => {
        if (!result.ok) return;
        loginPolicy = result.data;
        hint.textContent = say(loginPolicy);
      });
    }
    return hint;
  }

  screens.login = () => {
    const errors = h("div");
    const submit = button("登录", async () => {
      if (askFor(errors, [["phone", "请输入手机号码"], ["password", "请输入密码"]])) return;
      const done = busy(submit, "正在登录…");
      const result = await api("POST", "/auth/login", { phone: value("phone"), password: value("password") });
      done();
      if (!result.ok) {
        showError(errors, result.error);
        if (result.error.code === "ACCOUNT_LOCKED" || result.error.code === "LOGIN_FAILED") {
          errors.append(button("忘记密码，重置密码解锁", () => go("reset"), { class: "secondary" }));
        }
        return;
      }
      signedIn(result.data, "phone");
    }, { id: "login-submit" });
    render("用户登录", [
      lockHint(),
      ...field("手机号码", "phone", { type: "tel", inputmode: "numeric", autocomplete: "username" }),
      ...field("密码", "password", { type: "password", autocomplete: "current-password" }),
      errors, submit,
      h("div", { class: "links" },
        button("社保卡登录", () => go("card-login")),
        button("免费注册", () => go("register")),
        button("忘记密码", () => go("reset"))),
    ]);
  };

  const BIND_LATER_DAYS = 30;

  /* 以后再说 on the phone binding: not asked again on this phone for 30 days. */
  function bindingPutOff() {
    const at = accountMemory("bind_later").get();
    return typeof at === "number" && Date.now() - at < BIND_LATER_DAYS * 86400000;
  }

  function signedIn(data, method) {
    state.token = data.token;
    state.user = Object.assign({}, data.user, { method, phone_bound: method === "phone" ? true : !!data.phone_bound });
    store.save();
    if (method === "card" && !data.phone_bound && !bindingPutOff()) go("bind-phone");
    else go("home");
  }

  screens["card-login"] = () => {
    const errors = h("div");
    const submit = button("登录", async () => {
      if (askFor(errors, [["id_number", "请输入身份证号码"], ["card_password", "请输入社保卡密码"]])) return;
      const done = busy(submit, "正在登录…");
      const result = await api("POST", "/auth/card-login", { id_number: value("id_number"), card_password: value("card_password") });
      done();
      if (!result.ok) {
        showError(errors, result.error);
        if (result.error.code === "CARD_NOT_ACTIVATED" || result.error.code === "NOT_FOUND") {
          errors.append(button("用手机号码注册", () => go("register"), { class: "secondary" }));
        }
        return;
      }
      signedIn(result.data, "card");
    }, { id: "card-login-submit" });
    render("社保卡登录", [
      h("p", { class: "hint" }, "社保卡（社保功能）已激活的，可以免注册，输入身份证号码和社保卡密码（即药店购药时的密码）即可登录。"),
      ...field("身份证号码", "id_number", { autocomplete: "off", maxlength: "18" }),
      ...field("社保卡密码", "card_password", { type: "password", inputmode: "numeric", autocomplete: "current-password" }),
      errors, submit,
      h("div", { class: "links" }, button("用户登录", () => go("login")), button("免费注册", () => go("register"))),
    ], { back: "login" });
  };

  screens.register = () => {
    const errors = h("div");
    render("手机号码验证", [
      h("p", { class: "hint" }, "一个手机号码只可注册一次。填写手机号码和图形验证码，点击“发送验证码”，收到短信后输入6位短信验证码。"),
      ...smsBlock("register"),
      errors,
      button("下一步", () => {
        if (!/^\d{6}$/.test(value("sms_code"))) {
          return showError(errors, { code: "LOCAL", message: "请输入6位短信验证码" });
        }
        flow = { kind: "register", phone: value("phone"), sms_code: value("sms_code") };
        go("register-info");
      }, { id: "register-next" }),
    ], { back: "login" });
  };

  screens["register-info"] = () => {
    if (!flow || flow.kind !== "register") return go("register");
    const errors = h("div");
    const submit = button("注册", async () => {
      const done = busy(submit, "正在注册…");
      const result = await api("POST", "/auth/register", {
        phone: flow.phone, sms_code: flow.sms_code, name: value("name"), id_number: value("id_number"),
        password: document.getElementById("password").value, password_confirm: document.getElementById("password_confirm").value,
      });
      done();
      if (!result.ok) {
        showError(errors, result.error);
        if (["SMS_CODE_INVALID", "PHONE_ALREADY_REGISTERED"].includes(result.error.code)) {
          errors.append(button("重新获取短信验证码", () => go("register"), { class: "secondary" }));
        }
        if (result.error.code === "PHONE_ALREADY_REGISTERED") {
          errors.append(button("忘记密码", () => go("reset"), { class: "secondary" }));
        }
        return;
      }
      flow = null;
      go("register-done");
    }, { id: "register-submit" });
    render("填写注册信息", [
      h("p", { class: "hint" }, "姓名与身份证号码必须真实，需与身份证信息一致（请不要使用繁体输入法）。"),
      ...field("姓名", "name", { autocomplete: "name" }),
      ...field("身份证号码", "id_number", { autocomplete: "off", maxlength: "18" }),
      ...field("登录密码", "password", { type: "password", autocomplete: "new-password" }),
      ...field("再次输入密码", "password_confirm", { type: "password", autocomplete: "new-password" }),
      errors, submit,
    ], { back: "register" });
  };

  screens["register-done"] = () => {
    render("注册成功", [
      notice("恭喜您已经注册成功", "success"),
      h("p", {}, "请返回登录页面，用手机号码和密码登录。登录后请先完成实名注册。"),
      button("返回登录页面", () => go("login"), { id: "back-to-login" }),
    ]);
  };

  screens.reset = () => {
    const errors = h("div");
    const submit = button("重置密码", async () => {
      const done = busy(submit);
      const result = await api("POST", "/auth/password-reset", {
        phone: value("phone"), sms_code: value("sms_code"),
        new_password: document.getElementById("new_password").value,
        new_password_confirm: document.getElementById("new_password_confirm").value,
      });
      done();
      if (!result.ok) return showError(errors, result.error);
      flash("密码已重置，账户已解锁，请用新密码登录");
      go("login");
    }, { id: "reset-submit" });
    render("忘记密码", [
      h("p", { class: "hint" }, "系统会给您的手机号码发送一条验证短信，重置密码后账户即可解锁。"),
      ...smsBlock("reset_password"),
      ...field("新密码", "new_password", { type: "password", autocomplete: "new-password" }),
      ...field("再次输入新密码", "new_password_confirm", { type: "password", autocomplete: "new-password" }),
      errors, submit,
    ], { back: "login" });
  };

  screens["bind-phone"] = () => {
    if (!requireLogin()) return;
    const errors = h("div");
    const submit = button("绑定手机号码", async () => {
      const done = busy(submit);
      const result = await api("POST", "/auth/bind-phone", { phone: value("phone"), sms_code: value("sms_code") });
      done();
      if (!result.ok) return showError(errors, result.error);
      // A new binding ends the account's earlier logins (contract v1.1): log in once more.
      logout();
      flash("手机号码绑定成功，请重新登录");
      go("card-login");
    }, { id: "bind-submit" });
    render("绑定手机号码", [
      h("p", {}, "目前仅国内手机号码可以接收短信验证码。常年定居国外的，请绑定居住在国内的亲友的手机号码。"),
      ...smsBlock("bind_phone"),
      errors,
      h("div", { class: "row buttons" }, submit,
        button("以后再说", () => { accountMemory("bind_later").set(Date.now()); go("home"); }, { class: "secondary", id: "bind-later" })),
      h("p", { class: "hint" }, "选“以后再说”，30天内不再提醒；也可以随时在首页点“绑定手机号码”。"),
    ], { back: "home" });
  };

  screens.home = () => {
    if (!requireLogin()) return;
    const user = state.user || {};
    const verified = !!user.real_name_verified;
    const items = [];
    if (!verified) {
      items.push(notice("使用任意功能前，必须先进行实名注册。", "info"));
      items.push(button("实名注册", () => go("realname"), { id: "menu-realname" }));
    }
    items.push(
      button("我要认证", () => go("certify/self"), { id: "menu-certify" }),
      button("替亲友办理业务", () => go("contacts"), { id: "menu-contacts" }),
      button("我要查询", () => go("query"), { id: "menu-query" }),
      button("谁在替我办理（亲友授权）", () => go("proxies"), { class: "secondary", id: "menu-proxies" }),
    );
    if (user.method === "card" && !user.phone_bound) {
      items.push(button("绑定手机号码", () => go("bind-phone"), { class: "secondary", id: "menu-bind" }));
    }
    items.push(button("退出登录", () => { logout(); go("login"); }, { class: "secondary", id: "menu-logout" }));
    render(`您好，${user.name || ""}`, [h("div", { class: "big-menu" }, items)]);
  };

  /* ----- real-name binding: name + ID, the card photo, then the face ----- */
  screens.realname = () => {
    if (!requireLogin()) return;
    const errors = h("div");
    const submit = button("开始实名注册", async () => {
      const done = busy(submit);
      const result = await api("POST", "/auth/real-name/sessions", { name: value("name"), id_number: value("id_number") });
      done();
      if (!result.ok) {
        showError(errors, result.error);
        return;
      }
      flow = { kind: "realname", session: result.data, subject: "self", openedAt: Date.now() };
      go("realname-card");
    }, { id: "realname-start" });
    render("实名注册", [
      h("p", { class: "hint" }, "填写姓名和身份证号（须与注册时一致），然后拍摄身份证正面，再进行人脸识别。"),
      ...field("姓名", "name", { value: (state.user && state.user.name) || "", autocomplete: "name" }),
      ...field("身份证号码", "id_number", { autocomplete: "off", maxlength: "18" }),
      errors, submit,
    ], { back: "home" });
  };

  screens["realname-card"] = () => {
    if (!flow || flow.kind !== "realname") return go("realname");
    const errors = h("div");
    const preview = h("img", { class: "preview", alt: "身份证正面照片预览", hidden: true });
    const next = button("下一步：人脸识别", () => go("face"), { id: "card-next", disabled: true });
    async function chosen(event) {
      const file = event.target.files && event.target.files[0];
      if (!file) return;
      setChildren(errors);
      try {
        const image = await Camera.cardImage(file);
        flow.card = image.base64;
        preview.src = image.preview;
        preview.hidden = false;
        next.disabled = false;
        next.focus();
      } catch (e) {
        showError(errors, { code: "LOCAL", message: e.message });
      }
    }
    render("拍摄身份证正面", [
      h("p", {}, "请将身份证正面（有照片的一面）平放，整张放入画面，避免反光。"),
      h("label", { class: "file-label" },
        h("input", { type: "file", accept: "image/*", capture: "environment", id: "card-camera", onchange: chosen }),
        h("span", {}, "拍摄身份证正面")),
      h("label", { class: "file-label" },
        h("input", { type: "file", accept: "image/jpeg,image/png", id: "card-file", onchange: chosen }),
        h("span", {}, "从相册选择照片")),
      preview, errors, next,
    ], { back: "realname" });
  };

  /* ----- certification for oneself or a contact: eligibility, the grey button ----- */
  screens.certify = async (subject) => {
    if (!requireLogin()) return;
    if (subject !== "self" && !state.contacts.length) await refreshContacts();
    const who = subjectName(subject);
    render(subject === "self" ? "本人资格认证" : `替${who}认证`, [h("p", { class: "busy" }, "正在查询认证资格…")],
      { back: subject === "self" ? "home" : `contact/${subject}` });
    const result = await api("GET", `/certify/eligibility?subject=${encodeURIComponent(subject)}`);
    const errors = h("div");
    const confirm = button("确认", async () => {
      const done = busy(confirm, "正在准备…");
      const started = await api("POST", "/certify/sessions", { subject });
      done();
      if (!started.ok) {
        const error = started.error.code === "ATTEMPTS_EXHAUSTED" ? appClosed(started.error) : started.error;
        if (started.error.code === "ATTEMPTS_EXHAUSTED") confirm.disabled = true;
        showError(errors, error);
        errors.append(...failureSteps(subject, error, null));
        return;
      }
      flow = { kind: "certify", subject, session: started.data, openedAt: Date.now() };
      go("face");
    }, { id: "certify-confirm" });
    const nodes = [];
    if (!result.ok) {
      nodes.push(errorBox(result.error), ...failureSteps(subject, result.error, null));
    } else if (result.data.eligible && result.data.attempts_left === 0) {
      confirm.disabled = true; // contract v1.3: the yearly tries are used up, the app path is closed
      const closed = appClosed({ code: "ATTEMPTS_EXHAUSTED" });
      nodes.push(h("p", {}, `被认证人：${who}`), errorBox(closed), confirm, ...failureSteps(subject, closed, null));
    } else if (result.data.reason === "ALREADY_CERTIFIED") {
      confirm.disabled = true;
      nodes.push(h("div", { class: "notice success", role: "status", "data-code": result.data.reason }, result.data.message),
        confirm, ...failureSteps(subject, { code: result.data.reason, message: result.data.message }, null));
    } else if (result.data.eligible) {
      nodes.push(
        h("p", {}, `被认证人：${who}`),
        h("p", {}, "点击蓝色“确认”按钮，进入人脸识别。请竖直握紧手机，将面部置于人像框内，按照提示完成动作。"),
        errors, confirm);
    } else {
      confirm.disabled = true;
      nodes.push(
        h("div", { class: "notice error", role: "alert", "data-code": result.data.reason }, result.data.message),
        confirm,
        ...failureSteps(subject, { code: result.data.reason, message: result.data.message }, null));
    }
    main.querySelector(".busy").replaceWith(...nodes);
  };

  /* The yearly limit in the page's words: its own buttons are the way on (no "请联系所在单位" beside them). */
  const APP_CLOSED = "本年度用手机认证的次数已用完，今年不能再用手机认证。请点下面的按钮申请上门认证，或申请人工复核。";

  function appClosed(error) {
    return Object.assign({}, error, { code: "ATTEMPTS_EXHAUSTED", message: APP_CLOSED, attempts_left: undefined });
  }

  /* At the limit, one clear next step: home visit first, then review; no 再试一次. */
  function closedSteps(subject) {
    const steps = [
      button("申请上门认证", () => go(`home-visit/${subject}`), { id: "next-home-visit" }),
      button("申请人工复核", () => go(`review/${subject}`), { class: "secondary", id: "next-review" }),
    ];
    if (subject === "self") steps.push(button("请亲友帮忙办理", () => go("contacts"), { class: "secondary", id: "next-relative" }));
    steps.push(button("返回首页", () => go("home"), { class: "secondary", id: "next-home" }));
    return wrapSteps(steps);
  }

  /* What to do after a failure: always at least one next step. */
  function failureSteps(subject, error, sessionId) {
    const code = error.code;
    if (code === "ATTEMPTS_EXHAUSTED" || error.attempts_left === 0) return closedSteps(subject);
    const steps = [];
    if (code === "REAL_NAME_REQUIRED") {
      steps.push(button("实名注册", () => go("realname"), { id: "next-realname" }));
      return wrapSteps(steps);
    }
    const retryable = ["NO_FACE", "MULTIPLE_FACES", "POOR_QUALITY", "LIVENESS_FAILED", "FACE_MISMATCH",
      "SESSION_EXPIRED", "NETWORK", "SERVICE_UNAVAILABLE", "VISION_UNAVAILABLE", "HTTP_500", "HTTP_502", "HTTP_503"];
    if (code === "ALREADY_CERTIFIED") {
      steps.push(button("查看认证信息", () => go(`query/${subject}`), { id: "next-query" }));
      return wrapSteps(steps);
    }
    if (retryable.includes(code)) {
      steps.push(button("再试一次", () => go(`certify/${subject}`), { id: "next-retry" }));
    }
    if (subject === "self" && code !== "SUSPENDED_DECEASED") {
      steps.push(button("请亲友帮忙办理", () => go("contacts"), { class: "secondary", id: "next-relative" }));
    }
    if (["FACE_MISMATCH", "LIVENESS_FAILED", "NO_FACE", "POOR_QUALITY", "NO_REFERENCE_PHOTO", "CAMERA"].includes(code)) {
      steps.push(button("申请上门认证", () => go(`home-visit/${subject}`), { class: "secondary", id: "next-home-visit" }));
    }
    const failedId = sessionId || failedSession(subject);
    if (failedId && ["FACE_MISMATCH", "LIVENESS_FAILED", "ATTEMPTS_EXHAUSTED", "NO_FACE", "POOR_QUALITY"].includes(code)) {
      steps.push(button("申请人工复核", () => go(`review/${subject}`), { class: "secondary", id: "next-review" }));
    }
    if (["NOT_FOUND", "RECORD_MISMATCH", "NOT_A_RECIPIENT"].includes(code)) {
      steps.push(h("p", {}, "请联系离退休时所在单位到养老保险经办机构确认信息，改完次日即可正常进行认证。"));
    }
    steps.push(button("返回首页", () => go("home"), { class: "secondary", id: "next-home" }));
    return wrapSteps(steps);
  }

  function wrapSteps(steps) {
    return [h("div", { class: "next-steps" }, h("h2", {}, "您可以："), steps)];
  }

  /* ----- the face screen: oval, live guidance, spoken prompts, one challenge at a time ----- */
  // Leaving means leaving (issue 20): back, 返回, a reload, the page hidden, the camera stopping or
  // the session running out stop the flow: nothing is spoken or submitted afterwards, and the next
  // screen says what happened. Nothing was submitted, so no try was used.
  const LEFT = {
    back: "您离开了人脸识别，本次认证已停止，没有用掉认证次数。",
    hidden: "手机切换到了别的页面，本次认证已停止，没有用掉认证次数。",
    camera: "摄像头停止了工作，本次认证已停止，没有用掉认证次数。",
    reload: "页面重新打开了，刚才的人脸识别已停止，没有用掉认证次数。",
    expired: "本次认证的时间（3分钟）快到了，已停止，没有用掉认证次数。请重新开始。",
    submitting: "刚才的动作已提交核验，结果请稍后在“我要查询”中查看。",
  };
  const FACE_MARK = "pc_h5_face"; // survives a reload of this tab: the next load says what happened
  const SESSION_MS = 180000; // the contract's 3-minute session
  const EXPIRY_WARNING_MS = 40000;
  const EXPIRY_STOP_MS = 10000;
  const ADVICE = {
    blink: "下次请正对手机，慢慢闭上眼睛，再睁开。",
    open_mouth: "下次请把嘴张大，停一下，再合上。",
    turn_head: "下次请向左或向右转头，再转回来，动作慢一点。",
  };

  function faceStage(current, stage) {
    current.stage = stage;
    sessionStorage.setItem(FACE_MARK, JSON.stringify({ kind: current.kind, subject: current.subject, stage }));
  }

  function restartPath(current) {
    return current.kind === "realname" ? "realname" : `certify/${current.subject}`;
  }

  /* Stops the running face flow (if any); true when one was running. */
  function stopFace(reason) {
    const current = flow;
    if (!current || !current.stage) return false;
    current.cancelled = reason;
    flow = null;
    (current.timers || []).forEach(clearTimeout);
    if (current.wake) current.wake();
    Camera.hush();
    stopCamera();
    sessionStorage.removeItem(FACE_MARK);
    backButton.disabled = false;
    return true;
  }

  function interrupted(current, text) {
    render("人脸识别已停止", [
      notice(text, "info"),
      button("重新开始", () => go(restartPath(current)), { id: "face-restart" }),
      button("返回首页", () => go("home"), { class: "secondary", id: "next-home" }),
    ]);
  }

  function stopFaceFor(reason) {
    const current = flow;
    if (!current || !current.stage || current.stage === "submitting") return;
    stopFace(reason);
    interrupted(current, LEFT[reason]);
  }

  // A reload or a closed tab also hides the page, after "pagehide": then the next load tells.
  let unloading = false;
  window.addEventListener("pagehide", () => { unloading = true; });
  document.addEventListener("visibilitychange", () => { if (document.hidden && !unloading) stopFaceFor("hidden"); });

  /* A reload during the face screen: say so on the screen the person started from. */
  function afterReload() {
    let mark = null;
    try { mark = JSON.parse(sessionStorage.getItem(FACE_MARK) || "null"); } catch (e) { mark = null; }
    if (!mark) return;
    sessionStorage.removeItem(FACE_MARK);
    flash(mark.stage === "submitting" ? LEFT.submitting : LEFT.reload, "info");
    history.replaceState(null, "", `#/${restartPath(mark)}`); // no hashchange: route() runs once
  }

  /* The session's time left: by its expires_at, but never more than 3 minutes from its opening
     (a phone's clock may be off; then the opening counts). */
  function sessionTimeLeft(current) {
    const byOpening = SESSION_MS - (Date.now() - (current.openedAt || Date.now()));
    const byClock = Date.parse(current.session.expires_at) - Date.now();
    return byClock > 0 ? Math.min(byClock, byOpening) : byOpening;
  }

  screens.face = async () => {
    if (!flow || !flow.session) return go("home");
    const current = flow;
    (current.timers || []).forEach(clearTimeout);
    current.timers = [];
    const challenges = current.session.challenges;
    const video = h("video", { autoplay: true, playsinline: true, muted: true, "aria-label": "摄像头画面" });
    const oval = h("div", { class: "oval", "aria-hidden": "true" });
    const guidance = h("p", { class: "guidance", id: "guidance", "aria-live": "polite" }, Camera.GUIDANCE.wait);
    const prompt = h("p", { class: "prompt", id: "prompt", "aria-live": "assertive" }, "请将面部置于人像框内");
    const steps = h("p", { class: "steps", id: "steps" },
      `共 ${challenges.length} 个动作：${challenges.map((c) => Camera.SHORT[c]).join("、")}`);
    const errors = h("div");
    const action = button("开始", null, { id: "face-action", disabled: true });
    const again = button("再听一遍", () => Camera.repeat(), { class: "secondary", id: "face-repeat" });
    const count = h("div", { class: "count", id: "countdown", "aria-live": "assertive", hidden: true });
    const ring = progressRing();
    const title = current.kind === "realname" ? "人脸识别" : `人脸识别（${subjectName(current.subject)}）`;
    render(title, [prompt, h("div", { class: "camera" }, video, oval, count, ring.svg), guidance, steps, errors, action, again],
      { back: restartPath(current) });
    faceStage(current, "camera");

    let stream;
    try {
      stream = await Camera.open(video);
    } catch (e) {
      if (current.cancelled) return;
      // Camera refused or missing: no "正在打开摄像头…" beside the error; said, and how to allow it.
      guidance.remove();
      action.remove();
      again.remove();
      prompt.textContent = "无法打开摄像头";
      showError(errors, { code: "CAMERA", message: e.message });
      errors.append(h("p", {}, "在手机上允许摄像头：点地址栏左边的图标（或浏览器的“设置”→“网站设置”），把“摄像头”设为“允许”，再点下面的“重新打开摄像头”。"),
        button("重新打开摄像头", () => screens.face(), { id: "camera-retry" }),
        ...failureSteps(current.subject, { code: "CAMERA" }, null));
      Camera.speak(`${e.message}。请按屏幕上的说明允许使用摄像头。`);
      return;
    }
    if (current.cancelled) { Camera.close(stream); return; }
    activeStream = stream;
    stream.getVideoTracks().forEach((track) => track.addEventListener("ended", () => {
      if (flow === current) stopFaceFor("camera");
    }));

    let verdict = "wait";
    let ready = false;
    const look = () => {
      if (Camera.stopped(stream)) { stopFaceFor("camera"); return; }
      verdict = Camera.judge(video);
      guidance.dataset.verdict = verdict;
      oval.classList.toggle("good", verdict === "ok");
      if (current.stage !== "camera") return;
      guidance.textContent = Camera.GUIDANCE[verdict];
      // 开始 only when the picture shows a face large and lit enough: a dark or dead camera
      // cannot record frames that would be refused.
      action.disabled = !(ready && verdict === "ok");
    };
    activeStream.guide = setInterval(look, 400);
    look();

    const timeLeft = sessionTimeLeft(current);
    current.timers.push(setTimeout(() => {
      if (flow !== current || current.stage === "submitting") return;
      setChildren(errors, notice("本次认证还剩不到1分钟，请尽快完成动作。", "info"));
      Camera.say("本次认证还剩不到1分钟，请尽快完成动作");
    }, Math.max(0, timeLeft - EXPIRY_WARNING_MS)));
    current.timers.push(setTimeout(() => stopFaceFor("expired"), Math.max(0, timeLeft - EXPIRY_STOP_MS)));

    Camera.say("请将面部置于人像框内，按照提示完成动作");
    await Camera.idle(); // the intro in full before the first prompt
    const answers = [];
    for (let i = 0; i < challenges.length; i++) {
      if (current.cancelled) return;
      const challenge = challenges[i];
      const text = Camera.PROMPTS[challenge];
      prompt.textContent = `第 ${i + 1} 步：${text}`;
      prompt.dataset.challenge = challenge;
      steps.textContent = `共 ${challenges.length} 个动作，现在做第 ${i + 1} 个：${Camera.SHORT[challenge]}`;
      Camera.say(text, { prompt: true });
      action.textContent = `开始${Camera.SHORT[challenge]}`;
      faceStage(current, "camera");
      ready = true;
      action.dataset.state = "ready";
      action.disabled = verdict !== "ok";
      await new Promise((resolve) => { action.onclick = resolve; current.wake = resolve; });
      if (current.cancelled) return;
      ready = false;
      action.disabled = true;
      action.dataset.state = "capturing";
      faceStage(current, "capturing");
      const frames = await captureStep(current, challenge,
        { video, stream, prompt, guidance, action, count, ring: ring.svg, ringFill: ring.fill });
      if (current.cancelled) return;
      if (!frames || Camera.stopped(stream)) { stopFaceFor("camera"); return; }
      answers.push({ challenge, frames });
    }
    if (Camera.stopped(stream)) { stopFaceFor("camera"); return; }
    (current.timers || []).forEach(clearTimeout);
    stopCamera();
    faceStage(current, "submitting");
    backButton.disabled = true; // the answer is being decided: leaving now would not give the try back
    again.remove();
    guidance.textContent = "";
    action.textContent = "正在核验，请稍候…";
    action.dataset.state = "submitting";
    prompt.textContent = "正在核验，请稍候…";
    Camera.speak("正在核验，请稍候");
    await submitFace(current, answers);
  };

  const COUNT_WORDS = ["", "一", "二", "三"];

  /* One challenge's frames, after the tap: a shown and spoken 3-2-1 (the person gets ready, the
     face still), then "开始" and a recording of about 3 s with a progress ring. */
  async function captureStep(current, challenge, view) {
    const short = Camera.SHORT[challenge];
    const stop = () => !!current.cancelled || Camera.stopped(view.stream);
    view.action.textContent = "准备…";
    view.action.dataset.phase = "countdown";
    view.guidance.textContent = `请看着屏幕，听到“开始”后${short}`;
    view.count.hidden = false;
    const started = performance.now();
    for (let n = Camera.COUNTDOWN_S; n >= 1; n--) {
      view.count.textContent = String(n);
      Camera.speak(COUNT_WORDS[n] || String(n));
      const due = started + (Camera.COUNTDOWN_S - n + 1) * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      if (stop()) return null;
    }
    view.count.hidden = true;
    view.ring.removeAttribute("hidden");
    view.ringFill.setAttribute("stroke-dashoffset", String(RING_LENGTH));
    view.action.dataset.phase = "recording";
    view.action.textContent = `正在录制，请${short}…`;
    view.guidance.textContent = `正在录制，请${short}`;
    Camera.speak(`开始，请${short}`);
    const recorded = await Camera.record(view.video,
      (done) => view.ringFill.setAttribute("stroke-dashoffset", String(RING_LENGTH * (1 - done))), stop, challenge);
    view.ring.setAttribute("hidden", "");
    delete view.action.dataset.phase;
    if (!recorded) return null;
    view.action.dataset.first = String(recorded.first); // where the sent frames start (tests read it)
    view.action.dataset.sent = recorded.sent.join(","); // which recorded frames were sent
    return recorded.frames;
  }

  const RING_LENGTH = 2 * Math.PI * 42;

  /* The progress ring of the recording (SVG, drawn by the stylesheet), hidden until it records. */
  function progressRing() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 100 100");
    svg.setAttribute("class", "ring");
    svg.setAttribute("aria-hidden", "true");
    const circle = (cls) => {
      const c = document.createElementNS(ns, "circle");
      c.setAttribute("cx", "50"); c.setAttribute("cy", "50"); c.setAttribute("r", "42");
      c.setAttribute("class", cls);
      svg.append(c);
      return c;
    };
    circle("ring-track");
    const fill = circle("ring-fill");
    fill.setAttribute("stroke-dasharray", String(RING_LENGTH));
    fill.setAttribute("stroke-dashoffset", String(RING_LENGTH));
    svg.setAttribute("hidden", "");
    return { svg, fill };
  }

  /* The failure in words for the person: which action was not seen and one sentence of advice;
     a match refusal without the jargon 相似度. */
  function faceFailureText(error) {
    if (error.code === "FACE_MISMATCH") return "照片和本人不太像。请确认是本人在认证，摘下帽子和眼镜，在明亮处正对手机再试。";
    if (error.code === "LIVENESS_FAILED" && Camera.SHORT[error.challenge]) {
      return `没有看到您${Camera.SHORT[error.challenge]}。${ADVICE[error.challenge]}`;
    }
    return error.message.replace(/。?本年度自助认证未通过的次数已达上限.*$/, "。");
  }

  async function submitFace(current, steps) {
    const session = current.session;
    let result;
    if (current.kind === "realname") {
      result = await api("POST", `/auth/real-name/sessions/${encodeURIComponent(session.session_id)}/complete`,
        { id_card_image: current.card, steps });
    } else {
      result = await api("POST", `/certify/sessions/${encodeURIComponent(session.session_id)}/complete`, { steps });
    }
    if (current.cancelled) return; // the person left while it was decided: nothing said or shown
    sessionStorage.removeItem(FACE_MARK);
    backButton.disabled = false;
    current.stage = null;
    flow = null;
    if (result.ok) {
      if (current.kind === "realname") {
        Camera.speak("实名注册成功");
        if (result.data.token) {
          state.token = result.data.token;
          state.user.real_name_verified = true;
          store.save();
          return renderResult("实名注册成功", notice("实名注册成功，现在可以使用认证、替亲友办理和查询功能。", "success"), [
            button("我要认证", () => go("certify/self"), { id: "next-certify" }),
            button("返回首页", () => go("home"), { class: "secondary", id: "next-home" }),
          ]);
        }
        // A new binding ends the account's earlier logins (contract v1.1): log in once more.
        logout();
        return renderResult("实名注册成功", notice("实名注册成功。为了您的账户安全，请重新登录，然后就可以认证了。", "success"), [
          button("重新登录", () => go("login"), { id: "next-login" }),
        ]);
      }
      Camera.speak("认证成功");
      return renderResult("认证成功", h("div", { class: "notice success", role: "status", id: "certify-ok" },
        h("p", {}, "认证成功"),
        h("p", {}, `被认证人：${subjectName(current.subject)}，认证时间：${formatTime(result.data.certified_at)}`)), [
        button("查看认证信息", () => go(`query/${current.subject}`), { id: "next-query" }),
        button("返回首页", () => go("home"), { class: "secondary", id: "next-home" }),
      ]);
    }
    if (current.kind === "certify" && result.status === 422) rememberFailed(current.subject, session.session_id);
    const error = Object.assign({}, result.error, { message: faceFailureText(result.error) });
    Camera.speak(error.message);
    if (current.kind === "realname") {
      const again = [button("重新实名注册", () => go("realname"), { id: "next-retry" })];
      if (["ID_CARD_UNREADABLE", "ID_CARD_MISMATCH"].includes(result.error.code)) {
        again.unshift(h("p", {}, "请重新拍摄本人身份证正面，确保姓名和号码清晰。"));
      }
      again.push(button("返回首页", () => go("home"), { class: "secondary", id: "next-home" }));
      return renderResult("实名注册未成功", errorBox(error, "24小时内"), wrapSteps(again));
    }
    return renderResult("认证未成功", errorBox(error, "本年度"),
      failureSteps(current.subject, error, session.session_id));
  }

  function renderResult(title, box, nodes) {
    render(title, [box, ...[].concat(nodes)]);
  }

  function stopCamera() {
    if (activeStream) {
      clearInterval(activeStream.guide);
      Camera.close(activeStream);
      activeStream = null;
    }
  }

  /* ----- contacts (亲友) ----- */
  screens.contacts = async () => {
    if (!requireLogin()) return;
    render("替亲友办理业务", [h("p", { class: "busy" }, "正在读取联系人…")], { back: "home" });
    const result = await refreshContacts();
    const nodes = [];
    if (!result.ok) {
      nodes.push(errorBox(result.error));
      if (result.error.code === "REAL_NAME_REQUIRED") nodes.push(button("实名注册", () => go("realname")));
    } else if (!state.contacts.length) {
      nodes.push(h("p", {}, "还没有添加亲友。请先把亲友添加到联系人列表。"));
    } else {
      nodes.push(h("p", {}, "点击选择需办理资格认证的亲友："));
      nodes.push(h("ul", { class: "plain", id: "contact-list" }, state.contacts.map((c) =>
        h("li", {}, button(`${c.name}（${c.relation}）${c.id_number_masked}`, () => go(`contact/${c.contact_id}`),
          { class: "secondary", "data-contact": c.contact_id })))));
    }
    nodes.push(button("添加亲友", () => go("contact-add"), { id: "contact-add" }));
    main.querySelector(".busy").replaceWith(...nodes);
  };

  screens["contact-add"] = () => {
    if (!requireLogin()) return;
    const errors = h("div");
    const submit = button("添加", async () => {
      const done = busy(submit);
      const result = await api("POST", "/contacts", { name: value("name"), id_number: value("id_number"), relation: value("relation") });
      done();
      if (!result.ok) return showError(errors, result.error);
      await refreshContacts();
      flash("已添加到联系人列表");
      go(`contact/${result.data.contact_id}`);
    }, { id: "contact-submit" });
    render("添加亲友", [
      h("p", { class: "hint" }, "填写亲友身份证上的姓名和身份证号码。"),
      ...field("亲友姓名", "name"),
      ...field("亲友身份证号码", "id_number", { autocomplete: "off", maxlength: "18" }),
      h("label", { for: "relation" }, "与您的关系"),
      h("select", { id: "relation", name: "relation" }, RELATIONS.map((r) => h("option", { value: r }, r))),
      errors, submit,
    ], { back: "contacts" });
  };

  screens.contact = async (contactId) => {
    if (!requireLogin()) return;
    if (!state.contacts.find((c) => c.contact_id === contactId)) await refreshContacts();
    const contact = state.contacts.find((c) => c.contact_id === contactId);
    if (!contact) { flash("该亲友已不在联系人列表中", "error"); return go("contacts"); }
    render(`${contact.name}（${contact.relation}）`, [
      h("p", {}, `身份证号码：${contact.id_number_masked}`),
      button(`替${contact.name}认证`, () => go(`certify/${contactId}`), { id: "contact-certify" }),
      button("查询认证信息", () => go(`query/${contactId}`), { class: "secondary", id: "contact-query" }),
      button("申请上门认证", () => go(`home-visit/${contactId}`), { class: "secondary", id: "contact-visit" }),
      button("删除该亲友", () => go(`contact-delete/${contactId}`), { class: "secondary", id: "contact-delete" }),
    ], { back: "contacts" });
  };

  screens["contact-delete"] = (contactId) => {
    if (!requireLogin()) return;
    const contact = state.contacts.find((c) => c.contact_id === contactId);
    const errors = h("div");
    const yes = button("确定删除", async () => {
      const done = busy(yes);
      const result = await api("DELETE", `/contacts/${encodeURIComponent(contactId)}`);
      done();
      if (!result.ok) return showError(errors, result.error);
      await refreshContacts();
      flash("已删除该亲友");
      go("contacts");
    }, { class: "danger", id: "delete-confirm" });
    render("删除亲友", [
      h("p", {}, `确定从联系人列表中删除 ${contact ? contact.name : "该亲友"} 吗？删除后，24小时内添加亲友的次数不会恢复。`),
      errors, yes, button("不删除", () => go(`contact/${contactId}`), { class: "secondary" }),
    ], { back: `contact/${contactId}` });
  };

  /* ----- queries: choose whom, then status (due date) and history ----- */
  screens.query = async () => {
    if (!requireLogin()) return;
    render("认证信息查询", [h("p", { class: "busy" }, "正在读取…")], { back: "home" });
    await refreshContacts();
    main.querySelector(".busy").replaceWith(
      h("p", {}, "选择要查询的人员："),
      button("本人", () => go("query/self"), { id: "query-self" }),
      ...state.contacts.map((c) => button(`${c.name}（${c.relation}）`, () => go(`query/${c.contact_id}`),
        { class: "secondary", "data-contact": c.contact_id })));
  };

  /* A data-matched certification's evidence: "2026-03-14 医保结算（西安市第一医院）", one line each. */
  function evidenceList(evidence) {
    return h("ul", { class: "plain evidence" }, evidence.map((item) =>
      h("li", {}, `${item.date} ${item.label || item.event_type}（${item.source}）`)));
  }

  screens["query-subject"] = async (subject) => {
    if (!requireLogin()) return;
    if (subject !== "self" && !state.contacts.length) await refreshContacts();
    render(`认证信息：${subjectName(subject)}`, [h("p", { class: "busy" }, "正在查询…")], { back: "query" });
    const [status, history] = await Promise.all([
      api("GET", `/query/status?subject=${encodeURIComponent(subject)}`),
      api("GET", `/query/certifications?subject=${encodeURIComponent(subject)}`),
    ]);
    const nodes = [];
    if (!status.ok) {
      nodes.push(errorBox(status.error));
    } else {
      const s = status.data;
      const rows = [
        ["年度", `${s.year}年`],
        ["本年度", s.certified ? "已认证" : "未认证"],
        ["认证时间", s.certified ? formatTime(s.certified_at) : "—"],
        ["认证截止日期", formatTime(s.due_by)],
        ["待遇发放", PAYMENT[s.payment_status] || s.payment_status || "—"],
      ];
      if (s.review) rows.push(["人工复核", `${REVIEW_STATES[s.review.state] || s.review.state}${s.review.outcome ? "，" + (REVIEW_OUTCOMES[s.review.outcome] || s.review.outcome) : ""}（${formatTime(s.review.due_by)}前答复）`]);
      nodes.push(h("div", { class: "card", id: "status-card" }, h("h2", {}, "本年度认证状态"),
        h("dl", {}, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))));
      if (s.evidence && s.evidence.length) {
        nodes.push(h("div", { class: "card", id: "status-evidence" },
          h("h2", {}, "系统根据以下记录确认您本年度已认证，无需再刷脸"), evidenceList(s.evidence)));
      }
      if (!s.certified && s.attempts_left === 0) {
        // Contract v1.3: the yearly tries are used up; the app path is closed this year.
        nodes.push(h("div", { class: "notice error", role: "alert", id: "status-closed" },
          h("p", {}, "本年度用手机认证的次数已用完，今年不能再用手机认证。"),
          h("p", {}, `请在 ${formatTime(s.due_by)} 前通过上门认证完成本年度认证，或申请人工复核。`)),
        button("申请上门认证", () => go(`home-visit/${subject}`), { id: "status-home-visit" }));
        if (!s.review) {
          nodes.push(button("申请人工复核", () => go(`review/${subject}`), { class: "secondary", id: "status-review" }));
        }
      } else if (!s.certified) {
        nodes.push(notice(`请在 ${formatTime(s.due_by)} 前完成本年度认证。`, "info"),
          button("现在去认证", () => go(`certify/${subject}`), { id: "status-certify" }),
          button("申请上门认证", () => go(`home-visit/${subject}`), { class: "secondary", id: "status-home-visit" }));
        if (failedSession(subject) && !s.review) {
          nodes.push(button("申请人工复核", () => go(`review/${subject}`), { class: "secondary", id: "status-review" }));
        }
      }
    }
    const failedTries = (status.ok && status.data.failed_tries) || [];
    if (failedTries.length) {
      nodes.push(h("h2", {}, "本年度未通过的认证"), h("ul", { class: "plain", id: "failed-tries" }, failedTries.map((t) =>
        h("li", { class: "card" }, h("dl", {},
          h("dt", {}, "时间"), h("dd", {}, formatTime(t.at)),
          h("dt", {}, "原因"), h("dd", {}, FAILED_REASONS[t.reason] || t.reason),
          h("dt", {}, "操作人"), h("dd", {}, t.by))))));
    }
    if (history.ok) {
      nodes.push(h("h2", {}, "历次认证信息"));
      if (!history.data.items.length) nodes.push(h("p", {}, failedTries.length ? "暂无认证通过的记录" : "暂无认证记录"));
      nodes.push(h("ul", { class: "plain", id: "history" }, history.data.items.map((item) =>
        h("li", { class: "card" }, h("dl", {},
          h("dt", {}, "年度"), h("dd", {}, `${item.year}年`),
          h("dt", {}, "方式"), h("dd", {}, METHOD_NAMES[item.method] || item.method),
          h("dt", {}, "时间"), h("dd", {}, formatTime(item.certified_at)),
          item.evidence && item.evidence.length ? [h("dt", {}, "依据"), h("dd", {}, evidenceList(item.evidence))] : [])))));
    } else if (!status.ok && history.error.code !== status.error.code) {
      nodes.push(errorBox(history.error));
    }
    if (!status.ok && status.error.code === "REAL_NAME_REQUIRED") {
      nodes.push(...failureSteps(subject, status.error, null));
    }
    if (!status.ok && status.error.code === "CONSENT_REQUIRED") {
      nodes.push(...wrapSteps([
        h("p", {}, "请亲友本人登录后在“谁在替我办理”中同意授权，或为亲友完成一次认证。"),
        button(`替${subjectName(subject)}认证`, () => go(`certify/${subject}`)),
      ]));
    }
    main.querySelector(".busy").replaceWith(...nodes);
  };

  /* ----- home visit and review requests ----- */
  screens["home-visit"] = (subject) => {
    if (!requireLogin()) return;
    const errors = h("div");
    const submit = button("提交上门认证申请", async () => {
      const done = busy(submit);
      const result = await api("POST", "/certify/home-visit-requests", {
        subject, reason: value("reason"), address: value("address"), contact_phone: value("contact_phone"),
      });
      done();
      if (!result.ok) return showError(errors, result.error);
      render("申请已提交", [
        notice(`上门认证申请已提交（编号 ${result.data.case_id}），经办机构将与您联系安排上门认证。`, "success"),
        button("返回首页", () => go("home"), { id: "next-home" }),
      ]);
    }, { id: "visit-submit" });
    render(`申请上门认证：${subjectName(subject)}`, [
      h("p", { class: "hint" }, "因年老、疾病等原因无法用手机完成认证的，可申请工作人员上门认证。"),
      h("label", { for: "reason" }, "原因"),
      h("select", { id: "reason", name: "reason" },
        ["长期卧床，行动不便", "年事已高，无法配合转头张嘴", "多次认证不通过", "其他原因"].map((r) => h("option", { value: r }, r))),
      ...field("上门地址", "address", { autocomplete: "street-address" }),
      ...field("联系电话", "contact_phone", { type: "tel", inputmode: "numeric", autocomplete: "tel" }),
      errors, submit,
    ], { back: "home" });
  };

  screens.review = (subject) => {
    if (!requireLogin()) return;
    const sessionId = failedSession(subject);
    const errors = h("div");
    const submit = button("提交人工复核申请", async () => {
      const done = busy(submit);
      const result = await api("POST", "/certify/reviews", { subject, session_id: sessionId });
      done();
      if (!result.ok) {
        showError(errors, result.error);
        errors.append(button("申请上门认证", () => go(`home-visit/${subject}`), { class: "secondary", id: "next-home-visit" }));
        return;
      }
      render("复核申请已提交", [
        notice(`人工复核申请已提交（编号 ${result.data.review_id}），工作人员将在 ${formatTime(result.data.due_by)} 前答复。`, "success"),
        button("查看认证状态", () => go(`query/${subject}`), { id: "next-query" }),
        button("返回首页", () => go("home"), { class: "secondary", id: "next-home" }),
      ]);
    }, { id: "review-submit", disabled: !sessionId });
    render(`申请人工复核：${subjectName(subject)}`, [
      h("p", {}, "如果确认是本人操作却认证不通过，可以申请工作人员人工复核本次认证。"),
      sessionId ? null : notice("没有可以复核的认证记录，请先进行一次认证。", "info"),
      errors, submit,
    ], { back: "home" });
  };

  /* ----- who has me as a contact, and my consent ----- */
  screens.proxies = async () => {
    if (!requireLogin()) return;
    render("谁在替我办理", [h("p", { class: "busy" }, "正在读取…")], { back: "home" });
    const result = await api("GET", "/me/proxies");
    const nodes = [];
    if (!result.ok) {
      nodes.push(errorBox(result.error), button("返回首页", () => go("home"), { class: "secondary" }));
    } else if (!result.data.items.length) {
      nodes.push(h("p", {}, "目前没有人把您添加为亲友。"));
    } else {
      nodes.push(h("p", {}, "以下账户把您添加为亲友。同意授权后，他们可以查询您的认证信息。"));
      for (const item of result.data.items) {
        const box = h("div", { class: "card" }, h("p", {}, `${item.name_masked}（添加于 ${formatTime(item.added_at)}）`));
        if (item.consent) box.append(h("p", {}, "已同意授权"));
        else {
          const agree = button("同意授权", async () => {
            const done = busy(agree);
            const r = await api("POST", `/me/proxies/${encodeURIComponent(item.proxy_id)}/consent`);
            done();
            if (!r.ok) return box.append(errorBox(r.error));
            agree.replaceWith(h("p", {}, "已同意授权"));
          });
          box.append(agree);
        }
        nodes.push(box);
      }
    }
    main.querySelector(".busy").replaceWith(...nodes);
  };

  /* ---------- router ---------- */
  function route() {
    const where = resolveRoute(location.hash, !!state.token, Object.keys(screens));
    if (where.name !== "face" && flow && flow.stage) { // back or 返回 out of the face screen
      const submitting = flow.stage === "submitting";
      stopFace("back");
      flash(submitting ? LEFT.submitting : LEFT.back, "info");
    }
    if (where.redirect) return go(where.redirect);
    Promise.resolve(screens[where.target](where.arg)).catch((e) => {
      if (e && e.message === SIGNED_OUT) return;
      main.append(errorBox({ code: "CLIENT", message: "页面出现问题，请返回首页后重试" }));
      console.error(e);
    });
  }

  window.addEventListener("hashchange", route);
  afterReload();
  route();
})();
