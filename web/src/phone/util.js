// phone/util.js — small helpers of the patrol page: distances, durations,
// photo downscaling, data URLs.

const R = 6371008.8; // mean Earth radius, m (the server measures on the ellipsoid)
const rad = (d) => (d * Math.PI) / 180;

/** Great-circle distance in metres between two {lon,lat}. */
export function haversine(a, b) {
  const dLat = rad(b.lat - a.lat), dLon = rad(b.lon - a.lon);
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** Length of a track in metres (segments are not joined). */
export function trackLength(points) {
  let m = 0;
  for (let i = 1; i < points.length; i++) {
    if ((points[i].seg || 0) !== (points[i - 1].seg || 0)) continue;
    m += haversine(points[i - 1], points[i]);
  }
  return m;
}

/** 1:02:03 / 12:05 */
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const p = (n) => String(n).padStart(2, '0');
  return hh ? `${hh}:${p(mm)}:${p(ss)}` : `${p(mm)}:${p(ss)}`;
}

/** The local calendar day of a time, YYYY-MM-DD. */
export function dayOf(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function uid() {
  return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
}

function loadImage(file) {
  return new Promise((ok, fail) => {
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.onload = () => { ok(img); setTimeout(() => URL.revokeObjectURL(url), 0); };
    img.onerror = () => { URL.revokeObjectURL(url); fail(new Error('not an image')); };
    img.src = url;
  });
}

/** A photo as a JPEG data URL whose longer side is at most `max` px
 * (phones take 4000 px photos; localStorage holds about 5 MB). */
export async function downscale(file, max = 1280, quality = 0.82) {
  const img = await loadImage(file);
  const w = img.naturalWidth, h = img.naturalHeight;
  const k = Math.min(1, max / Math.max(w, h));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(w * k));
  canvas.height = Math.max(1, Math.round(h * k));
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.drawImage(img, 0, 0, canvas.width, canvas.height);
  return { url: canvas.toDataURL('image/jpeg', quality), width: canvas.width, height: canvas.height };
}

export function dataUrlToBlob(url) {
  const [head, b64] = url.split(',');
  const mime = (head.match(/^data:([^;]+)/) || [])[1] || 'application/octet-stream';
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type: mime });
}
