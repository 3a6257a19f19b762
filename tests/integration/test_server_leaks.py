"""No route leaks another town's data (issue 22), generated from the route
table: on a demo database with records of every kind in two towns — the
demo's own plus patrols, incidents, applications, designs, verified alerts,
pest traps and surveys, attachments, named users and API tokens made here in
both towns — every GET route a town, unit or ranger user may call is called
by a user of town A, its path parameters filled with ids of town A's records
and of town B's (those must answer 403 or 404), and each answer is scanned
for town B's code and name, its parcel and village codes, its villages'
names and the logins and names that belong to it; then the same for town
B's users.  A new route is covered
without a test of its own; a new kind of path parameter fails here until
`fill` learns it.  Routes open to the public serve published data and the
plan's own text (PLAN_TEXT) is the same for all: neither is scanned.  Then the leaks of the issue one by one: pest status, events
without a town, attachments outside any readable record."""
import datetime
import json
import os
import sqlite3
import sys
import unittest

import tblib
import tbserver
from tblib import run
from tbserver import PASSWORD, TOWN_A, TOWN_B

FIX = os.path.join(tblib.SRC, "tests", "fixtures")
_s = {}

# The scoped roles and their users in town A (the users under test) and B.
SCOPED = {"town": ("town_a", "town_b"), "unit": ("unit_a", "unit_b"), "ranger": ("ranger_a", "ranger_b")}
# The plan's own text, the same for every reader: the leading group (§4.1)
# and the duties of its member units (§4.2), every town's government among
# them.  Not a town's records, so not scanned.
PLAN_TEXT = {"org_members", "duties"}
# Named users of each town (their login and name must not reach the other).
NAMED = {TOWN_A: ("xy.zhang", "张明远"), TOWN_B: ("gz.li", "李冬青")}
TODAY = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
# an hour ago: today's 08:00 lies in the future before 08:00 UTC, and the server refuses that
OBSERVED = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def db():
    return sqlite3.connect(_s["db"])


def one(sql, *args):
    con = db()
    row = con.execute(sql, args).fetchone()
    con.close()
    return row[0] if row else None


def client(login=None):
    c = _s["srv"].client()
    if login:
        r = c.login(login)
        assert r.status == 200, (login, r)
    return c


def ok(r, *status):
    assert r.status in (status or (200, 201)), r
    return r.json() if r.body[:1] in (b"{", b"[") else r


def upload(c, name, data):
    return ok(c.request("POST", f"/api/attachments?filename={name}", raw=data,
                        headers={"Content-Type": "application/octet-stream"}), 201)["sha256"]


def parcel_point(town):
    """(parcel code, fid, lon, lat) of a natural parcel of the town outside key zones."""
    con = db()
    code, fid = con.execute("SELECT code, fid FROM parcels WHERE xiang=? AND natural=1 AND key_zone_ha=0"
                            " ORDER BY fid LIMIT 1", (town,)).fetchone()
    con.close()
    ds = tblib.ogr.Open(_s["db"])
    lyr = ds.GetLayerByName("parcels")
    lyr.SetAttributeFilter(f"code='{code}'")
    f = lyr.GetNextFeature()
    g = f.GetGeometryRef().Clone()
    f = lyr = ds = None
    p = g.PointOnSurface()
    x0, x1, y0, y1 = g.GetEnvelope()
    d = min(x1 - x0, y1 - y0) / 10
    x, y = p.GetX(), p.GetY()
    sq = tblib.ogr.CreateGeometryFromWkt(f"POLYGON(({x-d} {y-d},{x+d} {y-d},{x+d} {y+d},{x-d} {y+d},{x-d} {y-d}))")
    area = json.loads(sq.Intersection(g).ExportToJson())
    return code, fid, x, y, area


def make_town(bureau, town, k):
    """Records of every kind the demo does not make, in one town; their
    attachments are returned by what refers to them."""
    made = {}
    code, _, x, y, area = parcel_point(town)
    ranger = one("SELECT code FROM rangers WHERE town_code=? ORDER BY fid LIMIT 1", town)
    # a patrol of one of the town's rangers, from the phone page
    with open(os.path.join(FIX, "gpx", "clean_phone.json")) as f:
        pts = json.load(f)
    ok(bureau.request("POST", "/api/patrols/points", {"ranger": ranger, "points": pts}), 201)
    # an incident with its photo
    made["incident_photo"] = upload(bureau, "incident.jpg", b"\xff\xd8\xff\xe0" + bytes([k]) * 80)
    ok(bureau.request("POST", "/api/incidents", {
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
        "properties": {"ranger_code": ranger, "town_code": town, "type": "fire", "time": TODAY + "T01:30:00Z",
                       "photo_sha256": made["incident_photo"], "note": "烟点"}}), 201)
    # an agreement with its signed document
    made["agreement_doc"] = upload(bureau, "agreement.pdf", b"%PDF-1.4\n% town " + town.encode() + b"\n%%EOF\n")
    ok(bureau.request("POST", "/api/agreements", {
        "code": f"LEAK-{k}", "level": "district_town", "party_a": "D-LYJ", "party_b": "T-" + town,
        "town_code": town, "start_date": "2021-01-01", "end_date": "2030-12-31", "status": "signed",
        "document_sha256": made["agreement_doc"]}), 201)
    # an application (tending) and its operation design
    a = ok(bureau.request("POST", "/api/applications", {"type": "Feature", "geometry": area, "properties": {
        "applicant": "林业站", "activity": "tending", "start_date": "2026-12-01", "end_date": "2027-03-31"}}), 201)
    ok(bureau.request("POST", "/api/designs", {
        "application_code": a["code"], "parcels": code, "measures": "透光伐,割灌除草", "intensity_pct": 15,
        "retained_canopy": 0.7, "volume_m3": 12.5, "designer": "区林业调查设计队"}), 201)
    # a camera's alert in the town (assigned to its grid's ranger at once), verified with a photo
    alert = ok(bureau.request("POST", "/api/alerts", {
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
        "properties": {"source": "camera", "type": "fire", "observed_at": OBSERVED, "confidence": 0.8,
                       "external_id": f"CAM-LEAK-{k}"}}), 201)
    _s.setdefault("alert_ranger", {})[town] = alert["ranger_code"]
    alert = alert["id"]
    made["alert_photo"] = upload(bureau, "verify.png", b"\x89PNG\r\n\x1a\n" + bytes([k]) * 40)
    ok(bureau.request("POST", f"/api/alerts/{alert}/verify",
                      {"result": "false_alarm", "note": "现场核实", "photo": made["alert_photo"]}))
    # a pest trap catch and a survey over the warning levels (they notify the town)
    ok(bureau.request("POST", "/api/pest_traps", {
        "geometry": {"type": "Point", "coordinates": [x, y]},
        "properties": {"site": f"T-{k}", "parcel_code": code, "town_code": town, "date": TODAY,
                       "species": "fall_webworm", "count": 64}}), 201)
    ok(bureau.request("POST", "/api/pest_surveys", {"properties": {
        "parcel_code": code, "town_code": town, "date": TODAY, "species": "fall_webworm",
        "trees_surveyed": 200, "trees_infested": 5, "leaf_loss_pct": 25, "surveyor": "护林员"}}), 201)
    return made


def setUpModule():
    d = os.path.join(tblib.WORK, f"leaks-{os.getpid()}")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "leaks.gpkg")
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(path + ext):
            os.remove(path + ext)
    tbserver.demo_with_users(path, d)
    tbserver.add_user(path, "town_b_clerk", "town", TOWN_B, tmpdir=d)
    tbserver.add_user(path, "unit_b", "unit", TOWN_B, tmpdir=d)
    tbserver.add_user(path, "ranger_b", "ranger", TOWN_B, tmpdir=d)
    for town, (login, name) in NAMED.items():
        pw = os.path.join(d, "pw")
        with open(pw, "w") as f:
            f.write(PASSWORD + "\n")
        r = run("user", "add", login, "--role", "town", "--scope", town, "--name", name, "--password-file", pw,
                db=path, env={"TIANBAO_PWHASH_FAST": "1"})
        assert r.code == 0, r
        tbserver.add_token(path, login, f"feed-{login}")
    _s["db"], _s["dir"] = path, d
    _s["srv"] = tbserver.Server(path, settings=["rate_read=100000", "rate_write=100000", "rate_login=1000"])
    bureau = client("bureau")
    _s["made"] = {t: make_town(bureau, t, k) for k, t in enumerate((TOWN_A, TOWN_B), 1)}
    # the ranger users are the rangers of the alerts just raised
    for login, town in (("ranger_a", TOWN_A), ("ranger_b", TOWN_B)):
        fid = one("SELECT fid FROM rangers WHERE code=?", _s["alert_ranger"][town])
        tag = bureau.get(f"/api/rangers/{fid}").headers["etag"]
        ok(bureau.request("PATCH", f"/api/rangers/{fid}", {"login": login}, headers={"If-Match": tag}))
    _s["loose"] = upload(bureau, "loose.png", b"\x89PNG\r\n\x1a\n" + b"loose" * 9)  # referenced by nothing
    # the marks of each town that the other's users must never see, keyed by the town they belong to
    _s["marks"] = {TOWN_B: forbidden(TOWN_A, TOWN_B), TOWN_A: forbidden(TOWN_B, TOWN_A)}


def tearDownModule():
    code, err = _s["srv"].stop()
    assert code == 0, err


def forbidden(own, other):
    """What belongs to town `other` only: its code and name, its parcels' and
    villages' codes, the names of its villages, units and rangers that no
    record of town `own` shares, the logins and names of its users."""
    con = db()
    own_names = {r[0] for t in ("rangers", "units", "divisions")
                 for r in con.execute(f"SELECT name FROM {t} WHERE town_code=?", (own,))}
    out = {other: "town code"}
    for (n,) in con.execute("SELECT name FROM divisions WHERE code=?", (other,)):
        out[n] = "town name"
    for code, name in con.execute("SELECT code, name FROM divisions WHERE town_code=? AND code<>?", (other, other)):
        out[code] = "village code"
        if name not in own_names and len(name) > 1:
            out[name] = "village name"
    for (c,) in con.execute("SELECT code FROM parcels WHERE xiang=?", (other,)):
        out[c] = "parcel code"
    for t in ("rangers", "units"):
        for (n,) in con.execute(f"SELECT name FROM {t} WHERE town_code=?", (other,)):
            if n and n not in own_names and len(n) > 1:
                out[n] = t[:-1] + " name"
    for login, name in con.execute("SELECT login, name FROM users WHERE scope=?", (other,)):
        out[login] = "login"
        if name:
            out[name] = "user name"
    con.close()
    return out


def resource_ids(resource):
    """{town or None: fid} of records of a resource: one of each town when it
    has a town column, else one record (district-wide data)."""
    con = db()
    cols = {r[1] for r in con.execute(f'PRAGMA table_info("{resource}")')}
    col = "town_code" if "town_code" in cols else "xiang" if "xiang" in cols else None
    if col:
        ids = {t: con.execute(f'SELECT min(fid) FROM "{resource}" WHERE {col}=?', (t,)).fetchone()[0]
               for t in (TOWN_A, TOWN_B)}
    else:
        ids = {None: con.execute(f'SELECT min(fid) FROM "{resource}"').fetchone()[0]}
    con.close()
    return {t: i for t, i in ids.items() if i is not None}


def spatial_layers():
    con = db()
    out = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents WHERE data_type='features'"
                                     " AND table_name NOT LIKE 'tb_%' ORDER BY 1")]
    con.close()
    return out


def fill(route):
    """Every (path, whose) to call for a route: whose is the town whose record
    the path names (None: none, or district-wide).  Fails on a parameter it
    does not know, so that a new kind of route is not silently skipped."""
    p, res = route["path"], route.get("resource")
    if "{" not in p:
        return [(p, None)]
    if p.endswith("/{id}") or "/{id}/" in p:
        if not res:
            raise AssertionError(f"{p}: an {{id}} route without a resource; teach fill() its ids")
        return [(p.replace("{id}", str(i)), t) for t, i in resource_ids(res).items()]
    if p == "/api/attachments/{sha}":
        return [(p.replace("{sha}", sha), t) for t, m in _s["made"].items() for sha in m.values()]
    if p == "/api/export/{layer}":
        con = db()
        layers = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents WHERE table_name NOT LIKE 'tb_%'")]
        con.close()
        return [(f"/api/export/{layer}?format=geojson", None) for layer in layers if layer not in PLAN_TEXT]
    if p == "/ogc/collections/{collection}" or p == "/ogc/collections/{collection}/items":
        return [(p.replace("{collection}", c) + ("?limit=10000" if p.endswith("items") else ""), None)
                for c in spatial_layers()]
    if p == "/ogc/collections/{collection}/items/{featureId}":
        return [(p.replace("{collection}", c).replace("{featureId}", str(i)), t)
                for c in spatial_layers() for t, i in resource_ids(c).items()]
    if p == "/tiles/{layer}/{z}/{x}/{y}":  # the z=9 tiles over Jizhou; MVT keeps strings as they are
        return [(f"/tiles/{c}/9/{x}/{y}.mvt", None) for c in spatial_layers() for x in (421, 422, 423)
                for y in (192, 193, 194)]
    raise AssertionError(f"{p}: unknown path parameter; teach fill() how to fill it")


def with_limit(path):
    """Lists answer their first page only: ask for everything."""
    return path if "?" in path or "/tiles/" in path else path + "?limit=500"


class Leaks(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.routes = [r for r in run("routes", "--json", db=_s["db"]).json()
                      if r["method"] == "GET" and "public" not in r["roles"].split(",")]

    def walk(self, role, own=TOWN_A):
        """Every GET route the role may call, as its user of town `own`."""
        other = TOWN_B if own == TOWN_A else TOWN_A
        login = SCOPED[role][own == TOWN_B]
        marks = _s["marks"][other]
        c = client(login)
        leaks, wrong, called = [], [], 0
        for route in self.routes:
            if role not in route["roles"].split(",") or route["resource"] in PLAN_TEXT:
                continue
            for path, whose in fill(route):
                r = c.get(with_limit(path))
                called += 1
                if r.status >= 500 or r.status in (401, 405):
                    wrong.append(f"{path} → {r}")
                if whose == other and r.status not in (403, 404):
                    wrong.append(f"{path} (the other town's record) → {r.status}, not 403/404")
                if whose == own and route["resource"] and r.status != 200 and role != "ranger":
                    wrong.append(f"{path} (his own town's record) → {r}")
                text = r.body.decode("utf-8", "replace")
                found = sorted({f"{what} {tok}" for tok, what in marks.items() if tok in text})
                if found:
                    leaks.append(f"{login} GET {path}: {', '.join(found[:6])}{' …' if len(found) > 6 else ''}")
        print(f"\n{login}: {called} answers scanned for {len(marks)} marks of town {other}", file=sys.stderr)
        self.assertGreater(called, 150)
        self.assertEqual(leaks, [], f"{len(leaks)} answers leak town {other}'s data to {login}")
        self.assertEqual(wrong, [])

    def test_town_user(self):
        self.walk("town")

    def test_unit_user(self):
        self.walk("unit")

    def test_ranger_user(self):
        self.walk("ranger")

    def test_town_b_users(self):
        for role in SCOPED:
            self.walk(role, TOWN_B)

    def test_the_scan_sees_town_b_for_the_bureau(self):
        """The data and the scan are such that the walk would see a leak: the
        bureau's list of every resource that has records in town B shows town
        B's marks, as do the status pages and the events."""
        c, marks = client("bureau"), _s["marks"][TOWN_B]
        self.assertIn("官庄镇", marks)
        self.assertEqual((marks.get("gz.li"), marks.get("李冬青")), ("login", "user name"))
        self.assertGreater(len([w for w in marks.values() if w == "parcel code"]), 50)
        blind, lists = [], 0
        for route in self.routes:
            res = route["resource"]
            if not res or route["path"] != "/api/" + res or res in PLAN_TEXT or TOWN_B not in resource_ids(res):
                continue
            lists += 1
            text = c.get(route["path"] + "?limit=10000").body.decode("utf-8", "replace")
            if not any(tok in text for tok in marks):
                blind.append(route["path"])
        for path in ("/api/pests/status", "/api/fire/danger", "/api/events?limit=500"):
            if not any(tok in c.get(path).body.decode() for tok in marks):
                blind.append(path)
        self.assertEqual(blind, [])
        self.assertGreater(lists, 20)


class Named(unittest.TestCase):
    """The leaks of issue 22, each on its own."""

    def test_pest_status(self):
        mine = client("town_a").get("/api/pests/status?date=" + TODAY).json()
        self.assertEqual({t["town_code"] for t in mine["traps"]}, {TOWN_A})
        self.assertEqual({s["town_code"] for s in mine["surveys"]}, {TOWN_A})
        self.assertTrue(all(TOWN_B not in w["towns"] for w in mine["warnings"]), mine["warnings"])
        # the same as the list of traps the town may read
        traps = client("town_a").get("/api/pest_traps?date=" + TODAY).json()["items"]
        self.assertEqual(sorted(t["fid"] for t in mine["traps"]), sorted(t["fid"] for t in traps))
        every = client("bureau").get("/api/pests/status?date=" + TODAY).json()
        self.assertEqual({t["town_code"] for t in every["traps"]}, {TOWN_A, TOWN_B})

    def test_events_without_a_town(self):
        bureau = [e["action"] for e in client("bureau").get("/api/events?limit=500").json()["items"]]
        for action in ("user.add", "token.add", "attachment.add"):
            self.assertIn(action, bureau)
        for login in ("town_a", "unit_a", "ranger_a"):
            items = client(login).get("/api/events?limit=500").json()["items"]
            self.assertTrue(items)
            actions = {e["action"] for e in items}
            self.assertFalse(actions & {"user.add", "token.add", "attachment.add"}, (login, actions))

    def test_ranger_sees_his_alerts_only(self):
        me = one("SELECT code FROM rangers WHERE login='ranger_a'")
        r = client("ranger_a")
        items = r.get("/api/alerts?limit=500").json()["items"]
        self.assertEqual({a["ranger_code"] for a in items}, {me})
        self.assertEqual(len(items), one("SELECT count(*) FROM alerts WHERE ranger_code=?", me))
        other = one("SELECT fid FROM alerts WHERE town_code=? AND coalesce(ranger_code, '')<>?", TOWN_A, me)
        self.assertEqual(r.get(f"/api/alerts/{other}").status, 404)
        self.assertEqual(client("town_a").get(f"/api/alerts/{other}").status, 200)
        x = r.get("/api/export/alerts?format=geojson")
        self.assertEqual((x.status, x.json()["error"]["message"]), (403, "alerts: not exported to a ranger user, who sees only those assigned to him: list them instead"))
        # his verification photo, not that of an alert of his town assigned to another
        self.assertEqual(r.get("/api/attachments/" + _s["made"][TOWN_A]["alert_photo"]).status, 200)

    def test_attachments_only_through_records(self):
        made = _s["made"]
        a, b = client("town_a"), client("bureau")
        for sha in made[TOWN_A].values():
            self.assertEqual(a.get("/api/attachments/" + sha).status, 200, sha)
        for sha in made[TOWN_B].values():
            r = a.get("/api/attachments/" + sha)
            self.assertEqual(r.status, 404, r)
            self.assertEqual(r.json()["error"]["message"], f"attachment {sha[:16]}…: no such attachment")
            self.assertEqual(b.get("/api/attachments/" + sha).status, 200)
        self.assertEqual(a.get("/api/attachments/" + _s["loose"]).status, 404)
        self.assertEqual(b.get("/api/attachments/" + _s["loose"]).status, 200)
        # the photo of town A's incident, for town A's ranger too
        self.assertEqual(client("ranger_a").get("/api/attachments/" + made[TOWN_A]["incident_photo"]).status, 200)


if __name__ == "__main__":
    tblib.main()
