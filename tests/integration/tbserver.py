"""A real `tianbao serve` on loopback for integration tests: a demo
database, users of every role (one town user per town, the other roles
district-wide), API tokens, and a small HTTP client that keeps a cookie
session and its CSRF token."""
import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time

import tblib
from tblib import run

ROLES = ["admin", "bureau", "leader", "town", "unit", "ranger", "department"]
PASSWORD = "correct horse battery"
TOWN_A, TOWN_B = "120119104", "120119102"  # 下营镇, 官庄镇


class Server:
    def __init__(self, db, extra_env=None, settings=()):
        self.db = db
        env = dict(os.environ, TIANBAO_LOG="warn", TIANBAO_PWHASH_FAST="1")
        if extra_env:
            env.update(extra_env)
        args = [tblib.BIN, "--db", db, "serve", "--listen", "127.0.0.1:0",
                "--set", "access_log=" + db + ".access.log"]
        for kv in settings:
            args += ["--set", kv]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env, stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("server did not start: " + line + self.proc.stderr.read())
        self.port = int(m.group(1))
        # Drain stderr while the server runs: a full pipe would block the
        # server's log writes (and with them a worker thread).
        self._err = []
        self._drain = threading.Thread(target=lambda: self._err.extend(iter(self.proc.stderr.readline, "")),
                                       daemon=True)
        self._drain.start()

    def stderr_text(self):
        """What the server has logged so far."""
        return "".join(self._err)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._drain.join(timeout=10)
        err = "".join(self._err)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode, err

    def client(self):
        return Client(self.port)


class Response:
    def __init__(self, r, body):
        self.status = r.status
        self.headers = {k.lower(): v for k, v in r.getheaders()}
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"{self.status} {self.body[:500]!r}"


class Client:
    """Keeps the session cookie and CSRF token like a browser would."""

    def __init__(self, port):
        self.port = port
        self.cookie = None
        self.csrf = None
        self.token = None

    def request(self, method, path, body=None, headers=None, raw=None):
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = "tb_session=" + self.cookie
        if self.csrf and method not in ("GET", "HEAD") and "X-CSRF-Token" not in h:
            h["X-CSRF-Token"] = self.csrf
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        resp = Response(r, r.read())
        c.close()
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def login(self, login, password=PASSWORD):
        r = self.request("POST", "/api/session", {"login": login, "password": password})
        if r.status == 200:
            m = re.search(r"tb_session=([0-9a-f]+)", r.headers.get("set-cookie", ""))
            self.cookie = m.group(1) if m else None
            self.csrf = r.json()["csrf"]
        return r


def add_user(db, login, role, scope="", password=PASSWORD, tmpdir="/tmp"):
    pw = os.path.join(tmpdir, f"pw-{login}")
    with open(pw, "w") as f:
        f.write(password + "\n")
    args = ["user", "add", login, "--role", role, "--password-file", pw]
    if scope:
        args += ["--scope", scope]
    r = run(*args, db=db, env={"TIANBAO_PWHASH_FAST": "1"})
    os.remove(pw)
    if r.code:
        raise RuntimeError(repr(r))


def add_token(db, login, label):
    r = run("token", "add", login, "--label", label, "--json", db=db)
    if r.code:
        raise RuntimeError(repr(r))
    return r.json()["token"]


def demo_with_users(path, tmpdir, demo_env=None):
    """A demo database with a user per role: town_a/town_b for two towns,
    unit_a for a forest unit's town, the rest district-wide.  demo_env:
    environment for the demo command (e.g. TIANBAO_NOW to put the demo's
    dated records — weather, alerts — in another year than the test's)."""
    r = run("demo", db=path, env=demo_env)
    if r.code:
        raise RuntimeError(repr(r))
    for role in ROLES:
        if role == "town":
            add_user(path, "town_a", "town", TOWN_A, tmpdir=tmpdir)
            add_user(path, "town_b", "town", TOWN_B, tmpdir=tmpdir)
        elif role in ("unit", "ranger"):
            add_user(path, f"{role}_a", role, TOWN_A, tmpdir=tmpdir)
        else:
            add_user(path, role, role, tmpdir=tmpdir)
    return path


def wait_until(fn, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if fn():
            return True
        time.sleep(0.05)
    return False
