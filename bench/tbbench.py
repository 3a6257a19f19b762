"""Helpers shared by the server benchmarks (bench/tiles_vs_postgis.py,
bench/wrk_api.py): run the tianbao CLI, start `tianbao serve` on a free
loopback port with a bureau API token, install a Debian package on demand,
a throwaway PostgreSQL/PostGIS cluster, and a tile feature counter.
Bench-only: nothing here is used by the tests or the product."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BIN = os.path.join(HERE, "..", "build", "tianbao")


def tb(bin_, db, *args, env=None, check=True):
    e = dict(os.environ, TIANBAO_LOG="error", TIANBAO_PWHASH_FAST="1")
    if env:
        e.update(env)
    p = subprocess.run([bin_, "--db", db] + [str(a) for a in args], capture_output=True, text=True, env=e)
    if check and p.returncode:
        sys.exit(f"failed: tianbao {' '.join(map(str, args))}\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    return p


def bureau_token(bin_, db, tmpdir, login="bench"):
    """A bureau (district-wide reader) user and an API token for it."""
    pw = os.path.join(tmpdir, "pw-" + login)
    with open(pw, "w") as f:
        f.write("bench password for tianbao\n")
    tb(bin_, db, "user", "add", login, "--role", "bureau", "--password-file", pw)
    os.remove(pw)
    return json.loads(tb(bin_, db, "token", "add", login, "--label", login, "--json").stdout)["token"]


class Server:
    """`tianbao serve` on 127.0.0.1:0, per-IP read limit lifted, access log off."""

    def __init__(self, bin_, db, settings=()):
        env = dict(os.environ, TIANBAO_LOG="warn")
        args = [bin_, "--db", db, "serve", "--listen", "127.0.0.1:0",
                "--set", "access_log=", "--set", "rate_read=10000000"]
        for kv in settings:
            args += ["--set", kv]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env, stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.proc.kill()
            sys.exit("server did not start: " + line + self.proc.stderr.read())
        self.port = int(m.group(1))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def ensure_apt(packages, probe):
    """Install Debian packages unless probe() already succeeds."""
    if probe():
        return
    print(f"installing {' '.join(packages)} …", flush=True)
    cmd = ["apt-get", "install", "-y", "-q"] + packages
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(cmd, env=env, capture_output=True).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        p = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if p.returncode:
            sys.exit(f"apt-get install {' '.join(packages)} failed:\n{p.stderr[-2000:]}")
    if not probe():
        sys.exit(f"{' '.join(packages)} installed but still not usable")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Postgres:
    """A throwaway PostgreSQL 15 cluster in its own temporary directory
    (owned by postgres when run as root), trust authentication, listening on
    a free loopback port only; stop() removes it."""
    PGBIN = "/usr/lib/postgresql/15/bin"

    def __init__(self):
        import tempfile
        dir_ = self.dir = tempfile.mkdtemp(prefix="tb-bench-pg-")
        self.data = os.path.join(dir_, "data")
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(dir_, "postgres", "postgres")
        self._run([f"{self.PGBIN}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres",
                   "-E", "UTF8", "--locale=C.UTF-8"])
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={dir_}"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                " -c shared_buffers=512MB -c max_parallel_workers_per_gather=0")
        self._run([f"{self.PGBIN}/pg_ctl", "-D", self.data, "-l", os.path.join(dir_, "log"),
                   "-o", opts, "-w", "start"])

    def _run(self, cmd):
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode:
            sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout[-2000:]}{p.stderr[-2000:]}")

    def dsn(self, db="postgres"):
        return f"host=127.0.0.1 port={self.port} dbname={db} user=postgres"

    def psql(self, sql, db="postgres"):
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", self.dsn(db), "-c", sql],
                           capture_output=True, text=True)
        if p.returncode:
            sys.exit(f"psql failed: {sql}\n{p.stderr[-2000:]}")
        return p.stdout.strip()

    def stop(self):
        self._run([f"{self.PGBIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)


# --- Mapbox Vector Tile: count features without a protobuf library ---------

def _varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def _fields(b):
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 2:
            n, i = _varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError("bad wire type")
        yield f, v


def mvt_features(tile):
    """Number of features in all layers of an encoded tile (0 for b"")."""
    n = 0
    for f, layer in _fields(tile):
        if f == 3:
            n += sum(1 for g, _ in _fields(layer) if g == 2)
    return n


def machine_load(seconds=1.0):
    """'load L, idle I %' over `seconds`: other work on the machine skews
    every number here, so the benchmarks print this before and after."""
    def stat():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[3] + v[4], sum(v)
    i0, t0 = stat()
    time.sleep(seconds)
    i1, t1 = stat()
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    return f"load {load}, idle {100 * (i1 - i0) / max(1, t1 - t0):.0f} % of {os.cpu_count()} cores"
