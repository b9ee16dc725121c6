// The directory's map: Leaflet over the configured tiles, asking the API
// only for the places of the visible area, with the filters of the page.
// The list below carries the same information without JavaScript.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const wrap = document.querySelector("[data-map]");
  if (!wrap || typeof L === "undefined") return; // Leaflet not built: the list is enough
  const d = wrap.dataset;
  const kinds = JSON.parse(d.kinds);
  wrap.hidden = false;
  const map = L.map(wrap.querySelector(".map"), {
    zoomControl: false,
    scrollWheelZoom: false,
  });
  L.control.zoom({ zoomInTitle: d.zoomIn, zoomOutTitle: d.zoomOut }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  L.tileLayer(d.tiles, {
    maxZoom: 18,
    attribution: '<a href="https://www.openstreetmap.org/copyright">' + d.attribution.replace(/[<>&"]/g, "") + "</a>",
  }).addTo(map);
  const layer = L.layerGroup().addTo(map);
  const center = d.center ? d.center.split(",").map(Number) : [44.2, 6.1];
  map.setView(center, d.center ? 10 : 8);

  let pending;
  async function load() {
    const b = map.getBounds();
    const q = new URLSearchParams(d.query);
    q.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(4)).join(","));
    q.set("per_page", "100");
    if (pending) pending.abort();
    pending = new AbortController();
    let res;
    try {
      res = await fetch("/api/v1/places?" + q.toString(), { signal: pending.signal, headers: { Accept: "application/json" } });
    } catch {
      return; // superseded or offline: the list is still there
    }
    if (!res.ok) return;
    const page = await res.json();
    layer.clearLayers();
    for (const p of page.items) {
      const label = p.name + " — " + (kinds[p.kind] || p.kind);
      const icon = L.divIcon({ className: "marker marker-" + p.kind, html: "<span></span>", iconSize: [28, 28], iconAnchor: [14, 28] });
      const m = L.marker([p.lat, p.lon], { icon, title: label, keyboard: true });
      const a = document.createElement("a");
      a.href = p.url;
      a.textContent = p.name;
      const box = document.createElement("div");
      box.append(a, document.createElement("br"), document.createTextNode(kinds[p.kind] || p.kind));
      m.bindPopup(box);
      m.addTo(layer);
    }
  }
  map.on("moveend", load);
  load();
});
