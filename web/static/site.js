// CareFinder's pages work without this script. It adds what needs one:
// "use my location", the map beside the list (Leaflet, loaded only when the
// map is shown), and the filters opened beside the list on wide screens.
(function () {
  "use strict";
  var wide = window.matchMedia && window.matchMedia("(min-width: 64em)").matches;

  // "Use my location": the browser's position becomes near=lat,lon.
  if ("geolocation" in navigator) {
    document.querySelectorAll("button.locate").forEach(function (btn) {
      var form = btn.form, status = btn.parentNode.querySelector(".locstatus");
      btn.hidden = false;
      btn.addEventListener("click", function () {
        status.textContent = btn.dataset.locating;
        navigator.geolocation.getCurrentPosition(function (pos) {
          form.querySelector("input[name=near]").value =
            pos.coords.latitude.toFixed(4) + "," + pos.coords.longitude.toFixed(4);
          form.querySelectorAll("input[name=lat],input[name=lon]").forEach(function (i) { i.remove(); });
          form.submit();
        }, function () {
          status.textContent = btn.dataset.failed;
        }, { timeout: 15000, maximumAge: 600000 });
      });
    });
  }

  // Screen readers announce the results count when it arrives in the
  // (empty) live region after the page has loaded.
  var count = document.getElementById("count"), announce = document.getElementById("announce");
  if (count && announce) {
    setTimeout(function () { announce.textContent = count.textContent; }, 300);
  }

  var filters = document.querySelector(".filterbox");
  if (filters && wide) filters.open = true;

  // The map: optional, beside the list; the list has everything without it.
  var box = document.getElementById("map"), toggle = document.querySelector(".maptoggle");
  if (!box || !toggle) return;
  var showText = toggle.textContent, loaded = false, map = null;
  toggle.hidden = false;
  toggle.addEventListener("click", function () { show(box.hidden); });
  if (wide) show(true);

  function show(on) {
    box.hidden = !on;
    toggle.setAttribute("aria-expanded", on ? "true" : "false");
    toggle.textContent = on ? toggle.dataset.hide : showText;
    if (!on) return;
    if (map) { map.invalidateSize(); return; }
    if (loaded) return;
    loaded = true;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = box.dataset.css;
    document.head.appendChild(css);
    var js = document.createElement("script");
    js.src = box.dataset.js;
    js.addEventListener("load", draw);
    document.head.appendChild(js);
  }

  function draw() {
    var L = window.L;
    if (!L) return;
    map = L.map(box, { scrollWheelZoom: false });
    L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution, maxZoom: 19 }).addTo(map);
    var items = document.querySelectorAll(".result[data-lat]"), markers = {}, pts = [];
    items.forEach(function (li) {
      var n = li.dataset.n, at = [parseFloat(li.dataset.lat), parseFloat(li.dataset.lon)];
      var name = li.querySelector("h3 a").textContent, label = document.createElement("span");
      label.textContent = n;
      var marker = L.marker(at, {
        icon: L.divIcon({ className: "pin", html: label, iconSize: [28, 28] }),
        title: n + ". " + name, keyboard: true
      }).addTo(map);
      marker.on("click", function () { select(n, true); });
      markers[n] = marker;
      pts.push(at);
      li.addEventListener("mouseenter", function () { select(n, false); });
      li.addEventListener("focusin", function () { select(n, false); });
    });
    if (box.dataset.lat) pts.push([parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)]);
    if (pts.length) map.fitBounds(pts, { padding: [24, 24], maxZoom: 14 });

    // select highlights result n in the list and on the map; from the map,
    // it also brings the list item into view and focus.
    function select(n, fromMap) {
      items.forEach(function (li) { li.classList.toggle("hl", li.dataset.n === n); });
      Object.keys(markers).forEach(function (k) {
        var el = markers[k].getElement();
        if (el) el.classList.toggle("hl", k === n);
        markers[k].setZIndexOffset(k === n ? 1000 : 0);
      });
      if (fromMap) {
        var li = document.getElementById("r" + n);
        li.scrollIntoView({ block: "nearest" });
        li.querySelector("h3 a").focus({ preventScroll: true });
      }
    }
    box.dataset.ready = "true";
  }
})();
