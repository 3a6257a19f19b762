"""OGC API – Features at /ogc on the real server: landing page, conformance,
OpenAPI, collections, items paging through next links, exact bbox and
property filters, jurisdiction (a town user sees its own parcels only), and
GDAL's OAPIF driver — the way QGIS connects — reading the parcels back with
an API token, compared with the GeoPackage itself."""
import json
import os
import shutil
import sqlite3
import subprocess
import unittest
from urllib.parse import urlsplit

import tblib
import tbserver
from tblib import gdal, ogr, run
from tbserver import TOWN_A, TOWN_B, Server

CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
LAYERS = {"parcels", "zones", "divisions"}
_shared = {}


def setUpModule():
    d = os.path.join(tblib.WORK, f"ogc-{os.getpid()}")
    os.makedirs(d, exist_ok=True)
    db = os.path.join(d, "demo.gpkg")
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db + ext):
            os.remove(db + ext)
    tbserver.demo_with_users(db, d)
    _shared["token"] = tbserver.add_token(db, "bureau", "qgis")
    _shared["stats"] = run("stats", "--json", db=db).json()
    con = sqlite3.connect(db)
    _shared["district"] = con.execute("SELECT value FROM tb_setting WHERE key='district_name'").fetchone()[0]
    _shared["fids"] = {t: {r[0] for r in con.execute("SELECT fid FROM parcels WHERE xiang=?", (t,))}
                       for t in (TOWN_A, TOWN_B)}
    _shared["all_fids"] = {r[0] for r in con.execute("SELECT fid FROM parcels")}
    con.close()
    _shared["dir"], _shared["db"] = d, db
    # GDAL pages through items ten at a time: lift the read rate limit
    _shared["srv"] = Server(db, settings=["rate_read=1000000", "rate_login=1000"])


def tearDownModule():
    code, err = _shared["srv"].stop()
    assert code == 0, err
    shutil.rmtree(_shared["dir"], ignore_errors=True)


def bureau():
    c = _shared["srv"].client()
    c.token = _shared["token"]
    return c


def base():
    return f"http://127.0.0.1:{_shared['srv'].port}"


def local(href):
    """The path and query of an absolute link of this server."""
    u = urlsplit(href)
    assert f"{u.scheme}://{u.netloc}" == base(), href
    return u.path + ("?" + u.query if u.query else "")


def rels(doc):
    return {link["rel"]: link for link in doc["links"]}


def vertices(g):
    def walk(c):
        if isinstance(c[0], (int, float)):
            yield c
        else:
            for x in c:
                yield from walk(x)
    return list(walk(json.loads(g.ExportToJson())["coordinates"]))


def same_shape(tc, g, want, msg=None):
    """Same type and vertices: GEOS writes the shortest digits that read
    back as the same doubles, so only parsing may differ."""
    tc.assertEqual(g.GetGeometryName(), want.GetGeometryName(), msg)
    a, b = vertices(g), vertices(want)
    tc.assertEqual(len(a), len(b), msg)
    tc.assertLess(max(abs(p[i] - q[i]) for p, q in zip(a, b) for i in (0, 1)), 1e-12, msg)


def gpkg_layer(name):
    ds = ogr.Open(_shared["db"])
    return ds, ds.GetLayerByName(name)


class Documents(unittest.TestCase):
    def test_landing_page(self):
        for path in ("/ogc", "/ogc/"):
            r = _shared["srv"].client().get(path)  # public
            self.assertEqual(r.status, 200, r)
            doc = r.json()
            self.assertEqual(doc["title"], "tianbao 天保 — " + _shared["district"])
            links = rels(doc)
            self.assertEqual(local(links["self"]["href"]), path)
            self.assertEqual(local(links["service-desc"]["href"]), "/ogc/api")
            self.assertEqual(links["service-desc"]["type"], "application/vnd.oai.openapi+json;version=3.0")
            self.assertEqual(local(links["conformance"]["href"]), "/ogc/conformance")
            self.assertEqual(local(links["data"]["href"]), "/ogc/collections")

    def test_conformance(self):
        doc = _shared["srv"].client().get("/ogc/conformance").json()
        self.assertEqual(set(doc["conformsTo"]), {CONF + "core", CONF + "geojson", CONF + "oas30"})

    def test_openapi(self):
        r = _shared["srv"].client().get("/ogc/api")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["content-type"].startswith("application/vnd.oai.openapi+json"))
        doc = r.json()
        self.assertTrue(doc["openapi"].startswith("3.0"))
        self.assertEqual(doc["servers"][0]["url"], base() + "/ogc")
        for p in ("/", "/conformance", "/api", "/collections", "/collections/{collectionId}",
                  "/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}"):
            self.assertIn("200", doc["paths"][p]["get"]["responses"], p)
        # $refs resolve, and each layer lists its properties as filters
        params = doc["paths"]["/collections/parcels/items"]["get"]["parameters"]
        names = set()
        for p in params:
            if "$ref" in p:
                p = doc["components"]["parameters"][p["$ref"].split("/")[-1]]
            names.add(p["name"])
        self.assertTrue({"limit", "offset", "bbox", "xiang", "code", "di_lei"} <= names, names)
        limit = doc["components"]["parameters"]["limit"]["schema"]
        self.assertEqual((limit["default"], limit["maximum"]), (10, 10000))

    def test_collections(self):
        r = bureau().get("/ogc/collections")
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        self.assertEqual(local(rels(doc)["self"]["href"]), "/ogc/collections")
        cols = {c["id"]: c for c in doc["collections"]}
        self.assertEqual(set(cols), LAYERS)
        self.assertEqual(cols["parcels"]["title"], "小班 Parcels")
        for cid, c in cols.items():
            self.assertEqual(c["itemType"], "feature")
            self.assertEqual(c["crs"], [CRS84])
            self.assertEqual(c["extent"]["spatial"]["crs"], CRS84)
            (x0, y0, x1, y1), = c["extent"]["spatial"]["bbox"]
            self.assertTrue(117 < x0 < x1 < 118 and 39.7 < y0 < y1 < 40.3, (cid, x0, y0, x1, y1))
            links = rels(c)
            self.assertEqual(local(links["self"]["href"]), f"/ogc/collections/{cid}")
            self.assertEqual(local(links["items"]["href"]), f"/ogc/collections/{cid}/items")
            self.assertEqual(links["items"]["type"], "application/geo+json")
            one = bureau().get(f"/ogc/collections/{cid}")
            self.assertEqual(one.json(), c)
        # the parcels extent holds every parcel
        ds, lyr = gpkg_layer("parcels")
        x0, x1, y0, y1 = lyr.GetExtent()
        bx0, by0, bx1, by1 = cols["parcels"]["extent"]["spatial"]["bbox"][0]
        self.assertTrue(bx0 <= x0 and by0 <= y0 and bx1 >= x1 and by1 >= y1)

    def test_unknown_collection(self):
        for cid in ("nope", "units", "area_ledger"):  # units and the ledger have no geometry
            for path in (f"/ogc/collections/{cid}", f"/ogc/collections/{cid}/items",
                         f"/ogc/collections/{cid}/items/1"):
                r = bureau().get(path)
                self.assertEqual(r.status, 404, path)
                self.assertEqual(r.json()["error"]["code"], "not_found")


class Items(unittest.TestCase):
    def get(self, path, client=None):
        r = (client or bureau()).get(path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"], "application/geo+json")
        return r.json()

    def walk(self, path, client=None):
        """Every feature, following next links; the pages' documents."""
        feats, pages = [], []
        while path:
            doc = self.get(path, client)
            self.assertEqual(doc["type"], "FeatureCollection")
            self.assertEqual(doc["numberReturned"], len(doc["features"]))
            feats += doc["features"]
            pages.append(doc)
            nxt = rels(doc).get("next")
            path = local(nxt["href"]) if nxt else None
            self.assertLess(len(pages), 1000)
        return feats, pages

    def test_paging_returns_each_feature_once(self):
        total = _shared["stats"]["all_parcels"]
        doc = self.get("/ogc/collections/parcels/items")
        self.assertEqual(doc["numberMatched"], total)
        self.assertEqual(doc["numberReturned"], 10)  # the default limit
        self.assertNotIn("prev", rels(doc))
        feats, pages = self.walk("/ogc/collections/parcels/items?limit=37")
        ids = [f["id"] for f in feats]
        self.assertEqual(len(ids), total)
        self.assertEqual(len(set(ids)), total)
        self.assertEqual(set(ids), _shared["all_fids"])
        self.assertEqual(len(pages), -(-total // 37))
        for i, p in enumerate(pages):
            self.assertEqual(p["numberMatched"], total)
            self.assertEqual(local(rels(p)["self"]["href"]),
                             f"/ogc/collections/parcels/items?limit=37&offset={37 * i}")
            if i:
                self.assertEqual(local(rels(p)["prev"]["href"]),
                                 f"/ogc/collections/parcels/items?limit=37&offset={37 * (i - 1)}")
        f = feats[0]
        self.assertEqual(f["type"], "Feature")
        self.assertNotIn("fid", f["properties"])
        self.assertEqual(f["geometry"]["type"], "MultiPolygon")

    def test_limit_and_bad_parameters(self):
        for limit in ("50000", "99999999999999999999"):  # the maximum, not an error
            big = self.get("/ogc/collections/parcels/items?limit=" + limit)
            self.assertEqual(big["numberReturned"], _shared["stats"]["all_parcels"])
            self.assertIn("limit=10000&", rels(big)["self"]["href"])
        self.assertEqual(self.get("/ogc/collections/parcels/items?f=json&limit=3")["numberReturned"], 3)
        for q in ("limit=0", "limit=x", "limit=", "offset=-1", "offset=9999999999999", "bbox=1,2,3", "bbox=1,2,3,4,5", "bbox=a,b,c,d",
                  "bbox=118,40,117,41", "nosuchfield=1", "pw_hash=x", "datetime=2020-01-01T00:00:00Z"):
            r = bureau().get("/ogc/collections/parcels/items?" + q)
            self.assertEqual(r.status, 400, q)
            self.assertEqual(r.json()["error"]["code"], "bad_request", q)

    @staticmethod
    def in_box(box):
        """From the GeoPackage: the parcels whose shape meets the box, and
        those whose envelope does."""
        rect = ogr.CreateGeometryFromWkt("POLYGON((%r %r,%r %r,%r %r,%r %r,%r %r))" % (
            box[0], box[1], box[2], box[1], box[2], box[3], box[0], box[3], box[0], box[1]))
        ds, lyr = gpkg_layer("parcels")
        shape, envelope = set(), set()
        for f in lyr:
            x0, x1, y0, y1 = f.GetGeometryRef().GetEnvelope()
            if x0 <= box[2] and x1 >= box[0] and y0 <= box[3] and y1 >= box[1]:
                envelope.add(f.GetFID())
                if f.GetGeometryRef().Intersects(rect):
                    shape.add(f.GetFID())
        return rect, shape, envelope

    def test_bbox_is_exact(self):
        # a box that some parcel's envelope meets but its shape does not
        for box in ((117.528, 40.169, 117.581, 40.206), (117.295, 40.114, 117.347, 40.15),
                    (117.5, 40.17, 117.523, 40.186), (117.259, 40.081, 117.293, 40.105)):
            rect, want, by_envelope = self.in_box(box)
            if len(by_envelope) > len(want) > 5:
                break
        else:
            self.fail("no test box cuts an envelope without the shape; pick others")
        feats, _ = self.walk("/ogc/collections/parcels/items?limit=7&bbox=%r,%r,%r,%r" % box)
        for f in feats:
            g = ogr.CreateGeometryFromJson(json.dumps(f["geometry"]))
            self.assertTrue(g.Intersects(rect), f["id"])
        self.assertEqual({f["id"] for f in feats}, want)
        self.assertEqual(len(feats), len(want))

    def test_property_filter(self):
        feats, pages = self.walk(f"/ogc/collections/parcels/items?xiang={TOWN_A}&limit=40")
        self.assertEqual({f["properties"]["xiang"] for f in feats}, {TOWN_A})
        self.assertEqual({f["id"] for f in feats}, _shared["fids"][TOWN_A])
        self.assertEqual(pages[0]["numberMatched"], len(_shared["fids"][TOWN_A]))
        self.assertIn(f"xiang={TOWN_A}", rels(pages[0])["next"]["href"])
        both = self.get(f"/ogc/collections/parcels/items?xiang={TOWN_A}&bbox=117,39,118,41&limit=10000")
        self.assertEqual({f["id"] for f in both["features"]}, _shared["fids"][TOWN_A])

    def test_one_feature(self):
        fid = min(_shared["fids"][TOWN_B])
        f = self.get(f"/ogc/collections/parcels/items/{fid}")
        self.assertEqual((f["type"], f["id"]), ("Feature", fid))
        self.assertEqual(f["properties"]["xiang"], TOWN_B)
        self.assertEqual(local(rels(f)["self"]["href"]), f"/ogc/collections/parcels/items/{fid}")
        self.assertEqual(local(rels(f)["collection"]["href"]), "/ogc/collections/parcels")
        ds, lyr = gpkg_layer("parcels")
        want = lyr.GetFeature(fid)
        self.assertEqual(f["properties"]["code"], want.GetField("code"))
        g = ogr.CreateGeometryFromJson(json.dumps(f["geometry"]))
        same_shape(self, g, want.GetGeometryRef())
        for bad in ("999999", "0", "abc"):
            self.assertEqual(bureau().get(f"/ogc/collections/parcels/items/{bad}").status, 404, bad)


class Jurisdiction(unittest.TestCase):
    def test_town_user_sees_own_parcels(self):
        c = _shared["srv"].client()
        self.assertEqual(c.login("town_a").status, 200)
        r = c.get("/ogc/collections/parcels/items?limit=10000")
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        self.assertEqual(doc["numberMatched"], len(_shared["fids"][TOWN_A]))
        self.assertEqual({f["properties"]["xiang"] for f in doc["features"]}, {TOWN_A})
        # asking for the other town finds nothing rather than leaking
        self.assertEqual(c.get(f"/ogc/collections/parcels/items?xiang={TOWN_B}").json()["numberMatched"], 0)
        other, own = min(_shared["fids"][TOWN_B]), min(_shared["fids"][TOWN_A])
        self.assertEqual(c.get(f"/ogc/collections/parcels/items/{other}").status, 404)
        self.assertEqual(c.get(f"/ogc/collections/parcels/items/{own}").status, 200)

    def test_public_must_log_in(self):
        c = _shared["srv"].client()
        for path in ("/ogc/collections", "/ogc/collections/parcels", "/ogc/collections/parcels/items",
                     f"/ogc/collections/parcels/items/{min(_shared['all_fids'])}"):
            self.assertEqual(c.get(path).status, 401, path)
        for path in ("/ogc", "/ogc/conformance", "/ogc/api"):
            self.assertEqual(c.get(path).status, 200, path)


def items_requests():
    """Requests for parcels items so far, from the server's access log."""
    with open(_shared["db"] + ".access.log") as f:
        return sum(1 for line in f if '"GET /ogc/collections/parcels/items"' in line)


class GdalOapif(unittest.TestCase):
    """GDAL's OGC API – Features client (QGIS uses the same protocol).
    GDAL 3.6 sends GDAL_HTTP_HEADERS with every request, besides the
    driver's own Accept header."""

    def url(self):
        return f"OAPIF:{base()}/ogc"

    def open(self, **options):
        gdal.SetConfigOption("GDAL_HTTP_HEADERS", "Authorization: Bearer " + _shared["token"])
        try:
            return gdal.OpenEx(self.url(), gdal.OF_VECTOR, **options)
        finally:
            gdal.SetConfigOption("GDAL_HTTP_HEADERS", None)

    def test_layers_features_and_geometries(self):
        ds = self.open()
        self.assertEqual({ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())}, LAYERS)
        lyr = ds.GetLayerByName("parcels")
        total = _shared["stats"]["all_parcels"]
        gdal.SetConfigOption("GDAL_HTTP_HEADERS", "Authorization: Bearer " + _shared["token"])
        try:
            self.assertEqual(lyr.GetFeatureCount(), total)
            got = {f.GetFID(): f for f in lyr}  # pages of ten, through the next links
            before = items_requests()
            lyr.SetAttributeFilter(f"xiang = '{TOWN_A}'")
            town = {f.GetFID() for f in lyr}
            lyr.SetAttributeFilter(None)
        finally:
            gdal.SetConfigOption("GDAL_HTTP_HEADERS", None)
        self.assertEqual(set(got), _shared["all_fids"])
        self.assertEqual(town, _shared["fids"][TOWN_A])
        # the filter went to the server as ?xiang= (GDAL found it among the
        # parameters of the OpenAPI document): a page of ten per town parcel
        pages = -(-len(town) // 10)
        tbserver.wait_until(lambda: items_requests() - before >= pages)
        self.assertLessEqual(items_requests() - before, pages + 1)
        src, ref = gpkg_layer("parcels")
        for want in ref:
            f = got[want.GetFID()]
            for name in ("code", "xiang", "di_lei", "qi_yuan"):
                self.assertEqual(f.GetField(name), want.GetField(name), name)
            self.assertAlmostEqual(f.GetField("area_ha"), want.GetField("area_ha"), places=4)
            same_shape(self, f.GetGeometryRef(), want.GetGeometryRef(), want.GetFID())

    def test_header_file_and_no_credentials(self):
        hdr = os.path.join(_shared["dir"], "auth.hdr")
        with open(hdr, "w") as f:
            f.write("Authorization: Bearer " + _shared["token"] + "\n")
        os.chmod(hdr, 0o600)
        env = dict(os.environ, GDAL_HTTP_HEADER_FILE=hdr)
        p = subprocess.run(["ogrinfo", "-ro", "-so", self.url(), "parcels"], capture_output=True, text=True,
                           env=env, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"Feature Count: {_shared['stats']['all_parcels']}", p.stdout)
        with self.assertRaises(RuntimeError):
            gdal.OpenEx(self.url(), gdal.OF_VECTOR)  # 401 without a token


if __name__ == "__main__":
    tblib.main()
