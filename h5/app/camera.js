/* The camera part of the face screen: open the front camera, judge each moment cheaply in the page
   (is the picture too dark, is a face-coloured area big enough in the oval), speak the prompts, and
   capture one challenge's frames after its prompt as ~640 px JPEG. No model runs in the page: the
   server decides liveness and the match; these checks only guide the person. */
export const Camera = (function () {
  // The contract: 3 to 12 frames per challenge "covering the action from start to end"; the
  // liveness rules read the action from the step's first frames (a neutral face) at about 8 fps
  // (a blink's shut eye lasts one or two frames). After 开始 the page counts 3-2-1 aloud, then
  // records RECORD_FRAMES at 8 per second (3 s: time for an old person's slow action) and sends
  // 12 of them, from 2 frames before the first clear movement: for a blink or an opening the 12
  // consecutive frames (1.5 s), for a head turn 12 spread over the rest of the recording (docs/h5.md).
  const FRAMES_PER_CHALLENGE = 12;
  const FRAME_INTERVAL_MS = 125;
  const COUNTDOWN_S = 3;
  const RECORD_FRAMES = 24;
  // A frame-to-frame change of a 32 x 32 grey copy of the oval: its 98th percentile. A still face
  // under a phone camera's noise stays at a few grey levels; an eye closing moves the eye's pixels
  // by tens of levels (the dev set's clips: 10-190 between frames 125 ms apart).
  const MOVE_SIZE = 32;
  const MOVE_GREY = 8;
  const MAX_SIDE = 640; // the contract's note: ~640 px JPEG frames of 40-80 KB
  const JPEG_QUALITIES = [0.8, 0.7, 0.6, 0.5];
  // Two challenges of 12 frames, plus an ID card photo, must stay under the 6 MB body: 24 frames
  // of at most 190,000 base64 characters are 4.6 MB, leaving room for the card and the JSON.
  const MAX_FRAME_CHARS = 190000;
  // Cheap guidance on a 64 x 64 copy of the oval. Mean luma under 60 of 255 is a room where
  // face detectors start to miss (and the server's POOR_QUALITY gate refuses dark faces).
  const DARK_LUMA = 60;
  const BRIGHT_LUMA = 235;
  // A face that fills the oval covers well over a third of it with skin tones; under 18 % the
  // person is too far away (or not in the oval at all).
  const MIN_SKIN_SHARE = 0.18;
  const GUIDE_SIZE = 64;

  // One word for each action everywhere (prompt, button, step list, failure): 转头, never 摇头
  // (which also means "no").
  const PROMPTS = {
    blink: "请眨眨眼",
    open_mouth: "请张张嘴",
    turn_head: "请向左或向右转头，再转回来",
  };
  const SHORT = { blink: "眨眼", open_mouth: "张嘴", turn_head: "转头" };

  /* Speech, one utterance after another: the intro is heard in full before the first prompt.
     Every utterance and how it ended is logged in window.pcSpeechLog (what the tests read). */
  const speechLog = (window.pcSpeechLog = []);
  const queue = [];
  let speaking = null; // the utterance being spoken, with its fallback timer
  let lastPrompt = "";

  function logSpeech(event, text) {
    speechLog.push({ event, text, at: Math.round(performance.now()) });
  }

  function next() {
    if (speaking || !queue.length) return;
    const text = queue.shift();
    const item = { text, timer: null };
    speaking = item;
    const finished = (how) => {
      if (speaking !== item) return;
      clearTimeout(item.timer);
      logSpeech(how, text);
      speaking = null;
      next();
    };
    // Without a Chinese voice some browsers never fire "end": go on after the time it would take
    // (about 4 characters a second at this rate, plus a pause).
    item.timer = setTimeout(() => finished("end"), 1200 + text.length * 260);
    logSpeech("start", text);
    try {
      if (!("speechSynthesis" in window)) return;
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = "zh-CN";
      utterance.rate = 0.85; // slower than the default for older listeners
      const voice = window.speechSynthesis.getVoices().find((v) => /zh[-_]CN/i.test(v.lang));
      if (voice) utterance.voice = voice;
      utterance.onend = () => finished("end");
      window.speechSynthesis.speak(utterance);
    } catch (e) {
      /* speech is a help, never a blocker: the text is also on the screen */
    }
  }

  /* Say ``text`` after whatever is being said; ``prompt``: the one 再听一遍 repeats. */
  function say(text, options = {}) {
    if (options.prompt) lastPrompt = text;
    queue.push(text);
    next();
  }

  /* Stop speaking now and forget what was waiting (leaving the screen, a new moment). */
  function hush() {
    queue.length = 0;
    if (speaking) {
      clearTimeout(speaking.timer);
      logSpeech("cancel", speaking.text);
      speaking = null;
    }
    try { if ("speechSynthesis" in window) window.speechSynthesis.cancel(); } catch (e) { /* none */ }
  }

  /* 再听一遍: the current prompt again, at once. */
  function repeat() {
    if (!lastPrompt) return;
    hush();
    say(lastPrompt);
  }

  /* A moment that replaces whatever was being said (a result, a countdown number). */
  function speak(text) {
    hush();
    say(text);
  }

  /* Resolves when everything queued has been said. */
  function idle() {
    return new Promise((resolve) => {
      const check = () => (speaking || queue.length ? setTimeout(check, 100) : resolve());
      check();
    });
  }

  async function open(video) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new Error("本机浏览器无法使用摄像头，请换用手机自带浏览器，或请亲友帮忙");
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } },
        audio: false,
      });
    } catch (e) {
      throw new Error("无法打开摄像头。请在浏览器设置中允许使用摄像头后再试");
    }
    video.srcObject = stream;
    video.muted = true;
    video.setAttribute("playsinline", "");
    await video.play().catch(() => {});
    await new Promise((resolve) => {
      if (video.videoWidth) return resolve();
      video.addEventListener("loadedmetadata", () => resolve(), { once: true });
    });
    return stream;
  }

  function close(stream) {
    if (stream) stream.getTracks().forEach((track) => track.stop());
  }

  const guideCanvas = document.createElement("canvas");
  guideCanvas.width = guideCanvas.height = GUIDE_SIZE;

  /* One look at the oval: "dark", "bright", "far" or "ok". */
  function judge(video) {
    const w = video.videoWidth, h = video.videoHeight;
    if (!w || !h) return "wait";
    const ctx = guideCanvas.getContext("2d", { willReadFrequently: true });
    // The oval's box: the middle 72 % across, 10 %-84 % down (as drawn by the stylesheet).
    ctx.drawImage(video, w * 0.14, h * 0.1, w * 0.72, h * 0.74, 0, 0, GUIDE_SIZE, GUIDE_SIZE);
    const data = ctx.getImageData(0, 0, GUIDE_SIZE, GUIDE_SIZE).data;
    let luma = 0, skin = 0, inside = 0;
    for (let y = 0; y < GUIDE_SIZE; y++) {
      for (let x = 0; x < GUIDE_SIZE; x++) {
        const dx = (x - GUIDE_SIZE / 2) / (GUIDE_SIZE / 2), dy = (y - GUIDE_SIZE / 2) / (GUIDE_SIZE / 2);
        if (dx * dx + dy * dy > 1) continue;
        const i = (y * GUIDE_SIZE + x) * 4, r = data[i], g = data[i + 1], b = data[i + 2];
        const yy = 0.299 * r + 0.587 * g + 0.114 * b;
        const cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
        const cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
        luma += yy; inside++;
        // Skin in YCbCr (Chai & Ngan 1999): Cb 77-127, Cr 133-173, for every skin colour.
        if (cb >= 77 && cb <= 127 && cr >= 133 && cr <= 173 && yy > 30) skin++;
      }
    }
    luma /= inside;
    if (luma < DARK_LUMA) return "dark";
    if (luma > BRIGHT_LUMA) return "bright";
    if (skin / inside < MIN_SKIN_SHARE) return "far";
    return "ok";
  }

  const GUIDANCE = {
    wait: "正在打开摄像头…",
    dark: "光线太暗，请到明亮的地方",
    bright: "光线太亮，请避开强光",
    far: "请靠近一些，把脸放进框里",
    ok: "很好，可以点“开始”了",
  };

  const frameCanvas = document.createElement("canvas");

  function grab(video) {
    const w = video.videoWidth, h = video.videoHeight;
    const scale = Math.min(1, MAX_SIDE / Math.max(w, h));
    frameCanvas.width = Math.round(w * scale);
    frameCanvas.height = Math.round(h * scale);
    frameCanvas.getContext("2d").drawImage(video, 0, 0, frameCanvas.width, frameCanvas.height);
    let data = "";
    for (const quality of JPEG_QUALITIES) {
      data = frameCanvas.toDataURL("image/jpeg", quality);
      if (data.length <= MAX_FRAME_CHARS) break;
    }
    return data.slice(data.indexOf(",") + 1);
  }

  /* Has the camera stopped giving pictures (unplugged, taken by another app, stopped)? */
  function stopped(stream) {
    return !stream || stream.getVideoTracks().some((track) => track.readyState === "ended");
  }

  const moveCanvas = document.createElement("canvas");
  moveCanvas.width = moveCanvas.height = MOVE_SIZE;

  /* The oval (as judge() crops it) as a 32 x 32 grey picture. */
  function greyOval(video) {
    const w = video.videoWidth, h = video.videoHeight;
    const ctx = moveCanvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, w * 0.14, h * 0.1, w * 0.72, h * 0.74, 0, 0, MOVE_SIZE, MOVE_SIZE);
    const data = ctx.getImageData(0, 0, MOVE_SIZE, MOVE_SIZE).data;
    const grey = new Float32Array(MOVE_SIZE * MOVE_SIZE);
    for (let i = 0; i < grey.length; i++) grey[i] = 0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2];
    return grey;
  }

  function movement(a, b) {
    const change = Array.from(a, (v, i) => Math.abs(v - b[i])).sort((x, y) => x - y);
    return change[Math.floor(change.length * 0.98)];
  }

  /* Where the step's 12 frames start: 2 frames before the first clear movement, so the first
     frames are the still, neutral face; 0 when the face moves from the start (or never). */
  function actionStart(greys) {
    const last = greys.length - FRAMES_PER_CHALLENGE;
    for (let k = 1; k < greys.length; k++) {
      if (movement(greys[k], greys[k - 1]) >= MOVE_GREY) return Math.min(Math.max(0, k - 2), last);
    }
    return 0;
  }

  /* Which recorded frames a step sends (indices). A blink's shut eye is one or two frames at
     8 per second, so a blink and an opening get the 12 consecutive frames from actionStart. A
     head turn is slow and large: what the turn rule and the parallax check need is the whole
     span, the still face, the far end and the way back, and an old person's turn and return take
     about the 3 s of the recording, twice the 12 consecutive frames. Its 12 are spread evenly from
     actionStart to the recording's last frame (every 2nd frame when the face moves from the
     start; consecutive again when the movement starts in the last 1.5 s). A face that moves
     before the turn (speaking, settling) makes actionStart 0, and 12 consecutive frames then held
     only what came before a turn begun after the spoken cue (docs/h5.md: a slow turn). */
  function chooseFrames(greys, challenge) {
    const first = actionStart(greys);
    const n = Math.min(FRAMES_PER_CHALLENGE, greys.length);
    if (challenge !== "turn_head") return Array.from({ length: n }, (_, i) => first + i);
    const span = greys.length - 1 - first;
    return Array.from({ length: n }, (_, i) => first + Math.round((i * span) / Math.max(1, n - 1)));
  }

  /* The recording after the countdown: RECORD_FRAMES at 8 per second, then the 12 chosen for the
     challenge (chooseFrames). ``cancelled()`` is asked before every frame: a left screen or a stopped
     camera gives null. */
  function record(video, onProgress, cancelled = () => false, challenge = "") {
    return new Promise((resolve) => {
      const frames = [], greys = [];
      const start = performance.now();
      const tick = () => {
        if (cancelled()) return resolve(null);
        greys.push(greyOval(video));
        frames.push(grab(video));
        if (onProgress) onProgress(frames.length / RECORD_FRAMES);
        if (frames.length >= RECORD_FRAMES) {
          const sent = chooseFrames(greys, challenge);
          return resolve({ frames: sent.map((i) => frames[i]), first: sent[0], sent });
        }
        const due = start + frames.length * FRAME_INTERVAL_MS;
        setTimeout(tick, Math.max(0, due - performance.now()));
      };
      tick();
    });
  }

  /* An ID card photo from a file or the camera's picture: JPEG, at most 1600 px a side, so the
     printed name and number stay readable and the body stays small. */
  function cardImage(file) {
    return new Promise((resolve, reject) => {
      const url = URL.createObjectURL(file);
      const img = new Image();
      img.onload = () => {
        const scale = Math.min(1, 1600 / Math.max(img.naturalWidth, img.naturalHeight));
        const canvas = document.createElement("canvas");
        canvas.width = Math.round(img.naturalWidth * scale);
        canvas.height = Math.round(img.naturalHeight * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        const data = canvas.toDataURL("image/jpeg", 0.9);
        resolve({ preview: data, base64: data.slice(data.indexOf(",") + 1) });
      };
      img.onerror = () => { URL.revokeObjectURL(url); reject(new Error("无法读取这张照片，请重新拍摄身份证正面")); };
      img.src = url;
    });
  }

  return {
    FRAMES_PER_CHALLENGE, FRAME_INTERVAL_MS, COUNTDOWN_S, RECORD_FRAMES, PROMPTS, SHORT, GUIDANCE,
    say, speak, hush, repeat, idle, open, close, stopped, judge, record, actionStart, chooseFrames, cardImage,
  };
})();

window.PcCamera = Camera; // the browser tests' hook: they read its constants and probe judge()
