"""Issue 20, "done when": a slow head turn (a dev-set turn window slowed so the turn and the return
take about 3 s) passes through the page.

The fake camera plays clip p22 with its turn slowed: the dev set's turn window of p22
(genuine/turn_head/edt-expression_1: source frames 344-388 of tanshuai0219/EDTalk
test_data/expression_source.mp4, clip frames 255-299) turns from frontal to about 30 degrees over clip
frames 266-292 (0.9 s). Those frames are stretched to 1.5 s out (the even frames, each shown about
three times) and 1.5 s back to frontal (the odd frames, in reverse: no picture is shown twice, as a
real head coming back is never the same picture as on its way out), as an old person turns the head
and brings it back; the clip is built under the test's tmp dir at test time, never committed. The
registry person's photo is p22's reference.

When the turn starts: after the whole cue. The page says 「开始，请转头」 as it starts recording, and
someone slow waits for the end of it: five syllables at the page's speech rate (about 4 a second,
camera.js) are about 1.2 s, so the recording begins TURN_AFTER_CUE before the turn (plus the tap's
usual lead). Before the turn the clip's face moves already (p22 laughs and settles back to frontal),
as a person's face does while listening.
"""
from __future__ import annotations

from pathlib import Path

from h5_support import ACTION_START, CLIP_FPS, CLIPS, DEVSET
from support import unique_id_number

# p22's turn inside its dev-set window (clip frames, 30 fps): the last frontal frame and the far end.
TURN = (266, 292)
TURN_AND_RETURN_S = 3.0
TURN_AFTER_CUE = 36  # clip frames (1.2 s at 30 fps)


def mjpeg_frames(path: Path) -> list[bytes]:
    data, frames, at = path.read_bytes(), [], 0
    while (begin := data.find(b"\xff\xd8", at)) >= 0:
        at = data.find(b"\xff\xd9", begin) + 2
        frames.append(data[begin:at])
    return frames


def slow_turn_clip(person: str, turn: tuple[int, int], seconds: float, work: Path) -> Path:
    """The clip up to the turn's first frame, then the turn's even frames stretched to ``seconds`` / 2
    and its odd frames in reverse, back to where it started, in as long (frames repeated, none made
    up, none shown on both ways); then it loops."""
    frames = mjpeg_frames(CLIPS / f"{person}.mjpeg")
    count = round(seconds * CLIP_FPS / 2)

    def stretch(part: list[bytes]) -> list[bytes]:
        return [part[i * len(part) // count] for i in range(count)]

    out = stretch(frames[turn[0]:turn[1] + 1:2])
    back = stretch(frames[turn[1] - 1:turn[0] - 1:-2])
    path = work / f"{person}-slow-turn.mjpeg"
    path.write_bytes(b"".join(frames[:turn[0]] + out + back))
    return path


def test_a_slow_head_turn_certifies_through_the_page(phone_for, h5_stack, tmp_path, monkeypatch):
    clip = slow_turn_clip("p22", TURN, TURN_AND_RETURN_S, tmp_path)
    name = str(clip.with_suffix(""))  # CLIPS / an absolute path is that path
    # The slowed turn starts where the original did; blink and opening come before it, unchanged.
    # The test aims the recording's start at ACTION_START: the cue's length before the turn.
    monkeypatch.setitem(ACTION_START, name, {**ACTION_START["p22"], "turn_head": TURN[0] - TURN_AFTER_CUE})
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "p22.jpg").write_bytes((DEVSET / "reference" / "p22.jpg").read_bytes())
    person = {"id": unique_id_number(1944), "pin": "602417"}
    report = h5_stack.import_registry(
        f"{person['id']},闫秀珍,西安市,新城区机关事务中心,recipient,activated,{person['pin']},p22.jpg\n", photos)
    assert report.get("errors") == [], report

    phone = phone_for(name, "20-slow-turn")
    phone.open("#/card-login")
    phone.wait_title("社保卡登录")
    phone.card_login(person["id"], person["pin"])
    phone.click("menu-certify")
    phone.wait_title("本人资格认证")
    for _ in range(8):  # the draw is two of three actions: leave (no try used) until it has 转头
        phone.click("certify-confirm")
        phone.wait_title("人脸识别")
        if "转头" in phone.css("#steps").text:
            break
        phone.click("back")
        phone.wait_title("本人资格认证")
    assert "转头" in phone.css("#steps").text, phone.body()

    phone.certify("slow-turn", tries=1)
    phone.screen("slow-turn-result")
    notice = phone.all(".notice.error")
    why = (notice[0].get_attribute("data-code"), notice[0].text) if notice else None
    # The page's answer, the clip frame where its recording began and which frames it sent.
    assert phone.css("#screen-title").text == "认证成功", (why, phone.taps)
