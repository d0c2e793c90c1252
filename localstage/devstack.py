"""`make run`: the whole system on this machine — emulated AWS (moto server), the API (chalice
local), the demo registry — in the foreground until Ctrl-C.

Secrets are generated afresh at every start and written, with the ports, to
``.cache/devstack.json`` so that `make import` (another process) talks to the same stack.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pensioncert.settings import MIN_TOKEN_SECRET_BYTES, running_stack_file

REPO = Path(__file__).resolve().parent.parent
DEMO_REGISTRY = REPO / "data" / "demo" / "registry.csv"
DEMO_PHONE = "13800138000"
DEMO_PASSWORD = "Shaanxi2026"
DEMO_NAME = "王建国"
DEMO_ID = "610102194803150011"
# Agency admin demo staff: a provincial administrator and a Xi'an city operator.
DEMO_STAFF = (
    ("admin", "省社保中心管理员", "province_admin", (), "Admin2026sx"),
    ("xian", "西安市经办员", "operator", ("西安市",), "Xian2026sx"),
)


# Demo people with real faces: reference frames of the vision dev set's people (../shared/
# vision-devset, or PC_VISION_DEVSET), whose clips (clips/<person>.mjpeg) can play as a browser's
# camera. Never committed: the dev set may not be redistributed, so they are copied at start.
# The local stage's identity authority (localstage/fake_authority.py) holds all three photos;
# the registry holds them for 王建国 and 李秀英 only, so that 刘淑珍 certifies through the authority.
DEMO_AUTHORITY_PEOPLE = (
    ("610102194803150011", "王建国", "p06"),
    ("610103195207080126", "李秀英", "p04"),
    ("610302195501020348", "刘淑珍", "p22"),
)
DEMO_REGISTRY_PHOTOS = {"610102194803150011": "p06", "610103195207080126": "p04"}
DEMO_CARD_LOGINS = (  # (ID number, card PIN, name, dev-set person): printed in the banner
    ("610103195207080126", "246810", "李秀英", "p04"),
    ("610302195501020348", "224466", "刘淑珍", "p22"),
)
DEMO_CARDS = REPO / ".cache" / "demo-cards"
PARENT_PID_VARIABLE = "PC_EXIT_WITH_PARENT"


def local_environment(api_port: int, emulator_port: int, authority_port: int | None = None) -> dict[str, str]:
    """Everything a process of the local stack needs in its environment; with ``authority_port``,
    the identity authority is the fake one on that port."""
    authority = {} if authority_port is None else {
        "PC_IDENTITY_AUTHORITY": "http",
        "PC_IDENTITY_AUTHORITY_URL": f"http://127.0.0.1:{authority_port}",
        "PC_IDENTITY_AUTHORITY_KEY": secrets.token_urlsafe(32),  # HMAC-SHA256: 32 bytes
    }
    return {
        **authority,
        "PC_STAGE": "local",
        "PC_AWS_REGION": "cn-northwest-1",
        "PC_AWS_ENDPOINT_URL": f"http://127.0.0.1:{emulator_port}",
        "PC_API_PORT": str(api_port),
        "PC_EMULATOR_PORT": str(emulator_port),
        "PC_TOKEN_SECRET": secrets.token_urlsafe(MIN_TOKEN_SECRET_BYTES),
        "PC_PII_KEY": secrets.token_urlsafe(32),  # HKDF-SHA256 to AES-256 and HMAC-SHA256 keys
        "PC_ADMIN_SECRET": secrets.token_urlsafe(32),
        # chalice's local server reports every caller as 127.0.0.1: one address for all of the
        # stage's users and test suites, so its captcha cap is wider than a deployed address's.
        "PC_CAPTCHA_ISSUES_PER_CLIENT_HOUR": "1000",
        # moto accepts any credentials; boto3 insists that some exist.
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "cn-northwest-1",
    }


class Emulator:
    """The emulator (``localstage.emulator``: moto in server mode) in its own process: a real HTTP
    endpoint for DynamoDB, S3 and SNS. Its own process, not a thread, so that nothing in-process
    (such as moto's decorators in a unit test, which reset moto's global state) can wipe it.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self._process = subprocess.Popen(
            [sys.executable, "-m", "localstage.emulator", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **outside_terminal_signals(),
        )

    def stop(self) -> None:
        stop_process(self._process)


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if the process is still there after ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def outside_terminal_signals() -> dict:
    """Popen arguments for a child that holds the stack's data or serves it: its own session, so
    that a terminal's Ctrl-C (SIGINT to the whole process group) reaches only make run, which saves
    the snapshot from the emulator before it stops the child; and told to exit with make run."""
    return {"start_new_session": True, "env": {**os.environ, PARENT_PID_VARIABLE: str(os.getpid())}}


def exit_with_parent(poll_s: float = 0.5) -> None:
    """In a child started with ``outside_terminal_signals``: exit once make run is gone, even
    SIGKILLed, rather than stay an orphan holding its port."""
    parent = os.environ.get(PARENT_PID_VARIABLE)
    if not parent:
        return  # started by hand

    def watch() -> None:
        while os.getppid() == int(parent):
            time.sleep(poll_s)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def start_emulator(port: int) -> Emulator:
    return Emulator(port)


class FakeAuthority:
    """The fake identity authority in its own process: a real HTTP endpoint, as a province's
    gateway would be. It loads the vision models only at its first comparison."""

    def __init__(self, port: int, people_csv: Path | None = None) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "localstage.fake_authority", str(port),
             *([str(people_csv)] if people_csv else [])],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **outside_terminal_signals(),
        )

    def stop(self) -> None:
        stop_process(self._process)


def demo_authority_people() -> tuple[Path | None, list[str]]:
    """A people CSV for the fake authority from the dev set's reference frames, and a drawn ID
    card per demo person for real-name binding (when the CJK font is there); (None, []) without
    the dev set."""
    devset = demo_devset() / "reference"
    rows = [(id_number, name, devset / f"{person}.jpg") for id_number, name, person in DEMO_AUTHORITY_PEOPLE
            if (devset / f"{person}.jpg").is_file()]
    if not rows:
        return None, []
    DEMO_CARDS.mkdir(parents=True, exist_ok=True)
    people = DEMO_CARDS / "authority-people.csv"
    people.write_text("id_number,name,photo\n" + "".join(f"{i},{n},{p}\n" for i, n, p in rows), encoding="utf-8")
    cards = []
    try:
        from localstage.demo_cards import draw_card

        for id_number, name, photo in rows:
            card = DEMO_CARDS / f"id-card-{id_number[-4:]}.jpg"
            card.write_bytes(draw_card(name, id_number, photo.read_bytes()))
            cards.append(f"{name}: {card}")
    except FileNotFoundError:
        pass  # no CJK font: the authority still works, only the drawn cards are missing
    return people, cards


@contextlib.contextmanager
def provisioned_emulator(emulator_port: int, api_port: int):
    """An emulator of its own, provisioned, with this process's environment pointing at it for the
    duration (tests and benchmarks); yields the environment it set, and restores the old one."""
    from pensioncert.services import reset_services
    from pensioncert.settings import reset_settings

    authority_port = _free_port()
    environment = local_environment(api_port=api_port, emulator_port=emulator_port, authority_port=authority_port)
    saved = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)
    reset_settings()
    reset_services()
    emulator = start_emulator(emulator_port)
    authority = FakeAuthority(authority_port)
    try:
        wait_for_port(emulator_port)
        wait_for_port(authority_port)
        provision()
        yield environment
    finally:
        authority.stop()
        emulator.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings()
        reset_services()


def provision() -> None:
    """Tables, bucket and the notice queue, from the same definitions infra deploys."""
    from pensioncert.dal.binding import create_tables
    from pensioncert.dal.evidence import create_bucket
    from pensioncert.jobs.notices import MAX_RECEIVES, VISIBILITY_TIMEOUT_SECONDS
    from pensioncert.services import services
    from pensioncert.sms.queue import create_notice_queue

    svc = services()
    settings = svc.settings
    create_tables(settings)
    create_bucket(svc.client("s3"), settings.evidence_bucket, settings.aws_region,
                  settings.evidence_retention_days)
    create_notice_queue(svc.client("sqs"), settings.notice_queue_name, max_receives=MAX_RECEIVES,
                        visibility_timeout_seconds=VISIBILITY_TIMEOUT_SECONDS)


def demo_devset() -> Path:
    return Path(os.environ.get("PC_VISION_DEVSET", REPO.parent / "shared" / "vision-devset"))


def demo_registry_with_photos() -> Path:
    """data/demo/registry.csv with the demo people's registry photos (copied from the dev set into
    .cache/demo-registry/); the plain file when the dev set is not beside the repository."""
    import csv
    import io
    import shutil

    reference = demo_devset() / "reference"
    if not all((reference / f"{person}.jpg").is_file() for person in DEMO_REGISTRY_PHOTOS.values()):
        return DEMO_REGISTRY
    folder = REPO / ".cache" / "demo-registry"
    folder.mkdir(parents=True, exist_ok=True)
    rows = list(csv.DictReader(io.StringIO(DEMO_REGISTRY.read_text(encoding="utf-8-sig"))))
    for row in rows:
        person = DEMO_REGISTRY_PHOTOS.get(row["id_number"])
        if person:
            shutil.copyfile(reference / f"{person}.jpg", folder / f"{person}.jpg")
            row["photo"] = f"{person}.jpg"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (folder / "registry.csv").write_text(out.getvalue(), encoding="utf-8")
    return folder / "registry.csv"


def load_demo_data() -> dict:
    from pensioncert.logic.registry_files import import_registry_file
    from pensioncert.services import services

    report = import_registry_file(services(), demo_registry_with_photos())
    seed_demo_account()
    seed_demo_staff()
    return report.as_dict()


def seed_demo_staff() -> None:
    from pensioncert.admin.staff import create_staff
    from pensioncert.services import services

    for username, display_name, role, regions, password in DEMO_STAFF:
        create_staff(services(), username=username, display_name=display_name, role=role,
                     regions=list(regions), password=password)


def seed_demo_account() -> None:
    """A phone account to log in with at once (registration itself needs the SMS round trip)."""
    from pensioncert import passwords
    from pensioncert.logic.accounts import new_user_id
    from pensioncert.repositories.accounts import Account, PhoneTaken
    from pensioncert.services import services

    svc = services()
    vault = svc.vault
    with contextlib.suppress(PhoneTaken):  # already there
        svc.accounts.create(
            Account(
                new_user_id(),
                phone_key=vault.lookup("phone", DEMO_PHONE), phone_sealed=vault.seal(DEMO_PHONE),
                id_key=vault.lookup("id", DEMO_ID), id_sealed=vault.seal(DEMO_ID),
                name=DEMO_NAME, created_by="phone", real_name_verified=False, failed_attempts=0,
                created_at=svc.clock.now(),
            ),
            passwords.hash_secret(svc.settings, DEMO_PASSWORD),
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def ensure_port_free(port: int) -> None:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(
                f"port {port} is already in use (another `make run`?); stop it or set "
                "PC_API_PORT / PC_EMULATOR_PORT"
            )


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def start_api(port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "localstage.local_api", str(port)],
                            cwd=REPO, env=os.environ.copy())


def start_admin(port: int) -> subprocess.Popen:
    """The admin under gunicorn, as deployed code runs it (``admin_dash.wsgi``)."""
    from admin_dash.gunicorn_command import gunicorn_command

    return subprocess.Popen(gunicorn_command(port), cwd=REPO, env={**os.environ, "PC_ADMIN_PORT": str(port)})


def start_h5(port: int, api_port: int):
    """The mobile web client (h5/serve.py) in a thread of this process: its static files, and
    /api/* passed on to the API. Returns None when its port cannot be bound (the banner says so)."""
    import importlib.util
    import threading

    spec = importlib.util.spec_from_file_location("pensioncert_h5_serve", REPO / "h5" / "serve.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("h5/serve.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        server = module.make_server(port, f"http://127.0.0.1:{api_port}")
    except OSError:
        return None
    threading.Thread(target=server.serve_forever, name="h5", daemon=True).start()
    return server


def main() -> int:
    # Every stop (Ctrl-C, SIGTERM, a closed terminal) is a KeyboardInterrupt from the first moment,
    # so that a stop during start-up still ends the children and saves.
    # SIGINT too: Python leaves it ignored when the starting process ignored it (a background job of
    # a shell, a test runner), and Ctrl-C then ended the children but not this loop (exit 1).
    for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, signal.default_int_handler)
    from localstage import local_state

    try:
        return run_stack()
    except local_state.LOCAL_DATA_ERRORS as error:
        print(f"\nmake run: {error}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 0


def run_stack() -> int:
    from pensioncert.settings import get_settings

    settings = get_settings()
    api_port = int(os.environ.get("PC_API_PORT", settings.api_port))
    emulator_port = int(os.environ.get("PC_EMULATOR_PORT", settings.emulator_port))
    admin_port = int(os.environ.get("PC_ADMIN_PORT", settings.admin_port))
    h5_port = int(os.environ.get("PC_H5_PORT", settings.h5_port))
    authority_port = int(os.environ.get("PC_FAKE_AUTHORITY_PORT", settings.fake_authority_port))
    authority_port = authority_port if _port_is_free(authority_port) else _free_port()
    from localstage import local_state

    environment = {**local_environment(api_port, emulator_port, authority_port), **local_state.kept_secrets()}
    os.environ.update(environment)
    from pensioncert.services import reset_services
    from pensioncert.settings import reset_settings

    reset_settings()
    reset_services()

    ensure_port_free(api_port)
    ensure_port_free(emulator_port)
    admin: int | None = admin_port if _port_is_free(admin_port) else None  # None: not started
    emulator = authority = snapshot = None
    children: list[subprocess.Popen] = []
    loops: list[Callable[[], None]] = []  # the jobs' timer and the notice drain: what stops each
    try:
        emulator = start_emulator(emulator_port)
        authority_people, demo_cards = demo_authority_people()
        authority = FakeAuthority(authority_port, authority_people)
        wait_for_port(emulator_port)
        wait_for_port(authority_port)
        provision()
        from pensioncert.services import services

        restored = local_state.restore(services())
        local_state.keep_secrets(environment)
        report = {**load_demo_data(), "restored": restored, "authority_port": authority_port,
                  "authority_people": len(DEMO_AUTHORITY_PEOPLE) if authority_people else 0,
                  "demo_cards": demo_cards}
        snapshot = local_state.PeriodicSnapshot(services()).start()
        from localstage import local_timer, notice_drain

        loops.append(local_timer.start(services()))  # reminders and suspensions, daily (issue 13)
        loops.append(notice_drain.start(services()))  # the notice SMS the API, the admin and the jobs queue
        state_file = running_stack_file()  # read by the commands beside it (settings.adopt_running_stack)
        state_file.parent.mkdir(exist_ok=True)
        state_file.touch(mode=0o600)  # the secrets are never readable by others, even for a moment
        state_file.write_text(json.dumps({"environment": environment}))
        state_file.chmod(0o600)
        children.append(start_api(api_port))
        if admin:
            children.append(start_admin(admin))
        wait_for_port(api_port)
        if admin:
            wait_for_port(admin)
        h5_server = start_h5(h5_port, api_port)
        print(banner(api_port, emulator_port, report, admin,
                     h5_port if h5_server else None), flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop_signal, signal.SIG_IGN)  # a second Ctrl-C must not cut the save short
        for child in children:
            child.terminate()  # all at once, then each waited for
        for child in children:
            stop_process(child)
        for stop_loop in loops:  # their rounds end before the emulator does
            stop_loop()
        try:
            if snapshot is not None:
                snapshot.stop()  # while the emulator still runs; SnapshotNotSaved if it fails
        finally:
            for process in (authority, emulator):
                if process is not None:
                    process.stop()
            running_stack_file().unlink(missing_ok=True)


def demo_logins() -> str:
    clips = demo_devset() / "clips"
    return "\n".join(
        f"  card login    {id_number} / card PIN {pin}   ({name}: certify with the webcam, or with "
        f"Chromium's fake camera playing {clips / (person + '.mjpeg')})"
        for id_number, pin, name, person in DEMO_CARD_LOGINS)


def banner(api_port: int, emulator_port: int, report: dict, admin_port: int | None = None,
           h5_port: int | None = None) -> str:
    staff = "".join(
        f"\n  staff login   {username} / {password}   ({display_name}{'：' + '、'.join(regions) if regions else '，全省'})"
        for username, display_name, _role, regions, password in DEMO_STAFF
    )
    return f"""
================ 养老保险待遇资格认证 · local stack ================
Mobile web client (H5)      {f"http://127.0.0.1:{h5_port}   (open it on a phone-sized window; camera: a webcam or Chromium's fake camera with a sample clip)" if h5_port else "NOT STARTED: its port is in use (set PC_H5_PORT)"}
API (mobile app contract)   http://127.0.0.1:{api_port}
Emulated AWS (moto server)  http://127.0.0.1:{emulator_port}   DynamoDB, S3, SNS, SQS
Agency admin (Dash)         {f"http://127.0.0.1:{admin_port}" if admin_port else "NOT STARTED: its port is in use (set PC_ADMIN_PORT)"}
Demo registry imported      {report['rows']} rows, {report['written']} written, {len(report['errors'])} errors
Identity authority (fake)   http://127.0.0.1:{report.get('authority_port')}   holds {report.get('authority_people', 0)} demo people's photos (no registry photo needed for them){''.join(chr(10) + '  drawn ID card for binding  ' + card for card in report.get('demo_cards', []))}
Kept local data restored    {report.get('restored', {}).get('items', 0)} items, {report.get('restored', {}).get('objects', 0)} objects (make reset clears it)

Demo credentials (real faces: the vision dev set's people; their clips can be the camera)
{demo_logins()}
  phone login   {DEMO_PHONE} / {DEMO_PASSWORD}   (王建国: real-name binding still to do, with his drawn
                ID card above and the face of ../shared/vision-devset/clips/p06.mjpeg)
  card login    610104194509210231                     (张德明, card not activated)
Agency admin (staff){staff}
Local-only helpers: POST /auth/captcha returns debug_answer; GET /dev/sms-outbox?phone=...
Ctrl-C stops everything.
===================================================================="""


if __name__ == "__main__":
    sys.exit(main())
