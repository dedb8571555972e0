/*! CareFinder search widget. Paste where it should appear:
 *   <div data-carefinder></div>
 *   <script src="https://HOST/widget.js" data-key="PARTNER_KEY" async></script>
 * Optional: data-care="detox,residential" data-near="37203" data-radius="50mi"
 * data-lang="es" data-accent="#0a5" data-limit="10", on the script or the div.
 * It renders inside a Shadow DOM, talks only to the host it was loaded from,
 * and builds every node with textContent: no listing can inject markup. */
(function () {
  "use strict";
  var me = document.currentScript || document.querySelector('script[src*="/widget.js"]');
  if (!me) return;
  var BASE = new URL(me.src, location.href).origin;

  var TEXT = {
    en: {
      title: "Find addiction treatment", near: "ZIP code or city", hint: "For example 37203 or Nashville, TN",
      search: "Search", care: "Type of care", dist: "Distance", any: "Any distance", mi: " mi",
      found: function (n, p) { return n + (n === 1 ? " place" : " places") + " near " + p; },
      none: function (p) { return "No places found near " + p + ". Try a larger distance or fewer types of care."; },
      searching: "Searching…", more: "Show more", call: "Call ", dir: "Directions", details: "Details",
      to: " to ", newTab: " (opens in a new tab)", fail: "The search did not work. Check your connection and try again.",
      busy: "Too many searches at once. Try again in a few seconds.", pick: "Try:", need: "Enter a ZIP code or a city and state.",
      crisis: "In crisis? Call or text ", by: "Search by ", open: "Open 24/7"
    },
    es: {
      title: "Encuentre tratamiento para adicciones", near: "Código postal o ciudad", hint: "Por ejemplo 37203 o Nashville, TN",
      search: "Buscar", care: "Tipo de atención", dist: "Distancia", any: "Cualquier distancia", mi: " mi",
      found: function (n, p) { return n + (n === 1 ? " lugar" : " lugares") + " cerca de " + p; },
      none: function (p) { return "No se encontraron lugares cerca de " + p + ". Pruebe una distancia mayor o menos tipos de atención."; },
      searching: "Buscando…", more: "Ver más", call: "Llamar al ", dir: "Cómo llegar", details: "Detalles",
      to: " a ", newTab: " (se abre en una pestaña nueva)", fail: "La búsqueda no funcionó. Revise su conexión e inténtelo de nuevo.",
      busy: "Demasiadas búsquedas a la vez. Inténtelo de nuevo en unos segundos.", pick: "Pruebe:", need: "Escriba un código postal o una ciudad y estado.",
      crisis: "¿En crisis? Llame o envíe un mensaje al ", by: "Búsqueda de ", open: "Abierto 24/7"
    }
  };
  // The care types offered as choices, with the taxonomy's labels.
  var CARE = [
    ["detox", "Detox", "Desintoxicación"],
    ["residential", "Residential", "Residencial"],
    ["hospital-inpatient", "Hospital inpatient", "Hospitalización"],
    ["outpatient", "Outpatient", "Ambulatorio"],
    ["intensive-outpatient", "Intensive outpatient", "Ambulatorio intensivo"],
    ["telehealth", "Telehealth", "Telesalud"],
    ["inpatient", "Inpatient care", "Atención con internación"],
    ["residential-short-term", "Short-term residential", "Residencial de corto plazo"],
    ["residential-long-term", "Long-term residential", "Residencial de largo plazo"],
    ["partial-hospitalization", "Day treatment (partial hospitalization)", "Tratamiento de día (hospitalización parcial)"],
    ["standard-outpatient", "Regular outpatient", "Ambulatorio regular"],
    ["transitional-housing", "Sober living / halfway house", "Vivienda de transición"]
  ];
  var SHOWN = 6; // the first six are always offered; the rest when asked for
  var RADII = ["10mi", "25mi", "50mi", "100mi", "any"];

  var CSS =
    ":host{all:initial!important;display:block!important}" +
    ".cf{all:initial;display:block;box-sizing:border-box;max-width:42em;padding:16px;border:1px solid #c4c9cf;border-radius:8px;" +
    "background:#fff;color:#1f2328;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;text-align:left}" +
    ":where(.cf *){box-sizing:border-box;margin:0;padding:0;font:inherit;color:inherit;letter-spacing:normal;text-transform:none}" +
    "h2{font-size:1.2em;font-weight:700;margin-bottom:12px}h3{font-size:1.05em;font-weight:700}" +
    "label,legend{display:block;font-weight:600;margin-bottom:4px}" +
    ".row{display:flex;gap:8px;flex-wrap:wrap}" +
    "input[type=text],select{flex:1 1 12em;min-height:44px;padding:8px 10px;border:1px solid #6e7781;border-radius:6px;background:#fff}" +
    "button{min-height:44px;padding:8px 16px;border:0;border-radius:6px;background:var(--a);color:var(--on);font-weight:700;cursor:pointer}" +
    "button[hidden],[hidden]{display:none}" +
    ":focus-visible{outline:3px solid var(--ink);outline-offset:2px}" +
    ".hint{font-size:.9em;color:#57606a;margin-top:4px}.err{color:#b3261e;font-weight:600;margin-top:4px}.err:empty{display:none}" +
    ".err button{margin:6px 6px 0 0;background:#fff;color:var(--ink);border:1px solid var(--ink)}" +
    "fieldset{border:0;margin-top:12px}.chk{display:inline-flex;align-items:center;gap:6px;font-weight:400;margin:0 16px 8px 0;min-height:32px}" +
    "input[type=checkbox]{width:20px;height:20px;accent-color:var(--ink)}" +
    ".dist{margin-top:4px;max-width:16em}" +
    ".status{margin:16px 0 8px;font-weight:600}" +
    "ol{list-style:none}li{border-top:1px solid #d8dee4;padding:12px 0}" +
    ".meta,.addr,.care{font-size:.95em;color:#3d444d;margin-top:2px}" +
    ".acts{display:flex;flex-wrap:wrap;gap:8px 16px;margin-top:8px;align-items:center}" +
    "a{color:var(--ink);text-decoration:underline;font-weight:600}" +
    "a.call{display:inline-block;padding:6px 12px;border-radius:6px;background:var(--a);color:var(--on);text-decoration:none}" +
    ".more{margin-top:8px}.foot{margin-top:16px;font-size:.9em;color:#57606a}.foot a{font-weight:600}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}";

  var sheet = null;
  function styles(root) {
    try {
      if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
      root.adoptedStyleSheets = [sheet]; // not subject to the page's style-src
    } catch (e) {
      root.appendChild(el("style", { text: CSS }));
    }
  }

  // el builds an element: text goes in as text, never as markup.
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      var v = attrs[k];
      if (v == null || v === false) continue;
      if (k === "text") e.textContent = v;
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    (kids || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  // Colours: the accent as given for buttons, with black or white text,
  // whichever reads better; darkened for links until it reads on white.
  function rgb(hex) {
    var m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex || "");
    if (!m) return null;
    var h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    return [0, 2, 4].map(function (i) { return parseInt(h.substr(i, 2), 16); });
  }
  function lum(c) {
    return c.reduce(function (s, v, i) {
      v /= 255;
      return s + [0.2126, 0.7152, 0.0722][i] * (v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    }, 0);
  }
  function css(c) { return "rgb(" + c.map(Math.round).join(",") + ")"; }
  function palette(accent) {
    var a = rgb(accent) || [11, 92, 173];
    var L = lum(a), on = (1.05 / (L + 0.05)) >= ((L + 0.05) / 0.05) ? "#fff" : "#000";
    var ink = a.slice();
    for (var i = 0; i < 40 && 1.05 / (lum(ink) + 0.05) < 4.6; i++) ink = ink.map(function (v) { return v * 0.9; });
    return { a: css(a), on: on, ink: css(ink) };
  }

  function settings(host) {
    var d = {}, k;
    for (k in me.dataset) d[k] = me.dataset[k];
    for (k in host.dataset) if (host.dataset[k]) d[k] = host.dataset[k];
    var lang = (d.lang || document.documentElement.lang || "en").slice(0, 2).toLowerCase();
    d.lang = TEXT[lang] ? lang : "en";
    d.care = (d.care || "").split(",").map(function (s) { return s.trim(); }).filter(Boolean);
    return d;
  }

  function mount(host) {
    if (host.shadowRoot || host.cfMounted) return;
    host.cfMounted = true;
    var cfg = settings(host), t = TEXT[cfg.lang], es = cfg.lang === "es";
    var root = host.attachShadow({ mode: "open" });
    styles(root);
    var pal = palette(cfg.accent);

    var near = el("input", { type: "text", id: "near", name: "near", autocomplete: "postal-code", "aria-describedby": "hint err", value: cfg.near || "" });
    var err = el("p", { id: "err", class: "err", role: "alert" });
    var boxes = CARE.filter(function (c, i) { return i < SHOWN || cfg.care.indexOf(c[0]) >= 0; }).map(function (c) {
      return el("input", { type: "checkbox", name: "care", value: c[0], checked: cfg.care.indexOf(c[0]) >= 0 });
    });
    var radius = el("select", { id: "radius", name: "radius", class: "dist" }, RADII.map(function (r) {
      return el("option", { value: r, text: r === "any" ? t.any : r.replace("mi", t.mi) });
    }));
    radius.value = RADII.indexOf(cfg.radius) >= 0 ? cfg.radius : "25mi";
    var status = el("p", { class: "status", role: "status", "aria-live": "polite" });
    var list = el("ol", { class: "results", "aria-label": t.title });
    var more = el("button", { type: "button", class: "more", hidden: true, text: t.more });
    var cursor = null, busy = false;

    var form = el("form", { role: "search", "aria-label": t.title, novalidate: true }, [
      el("h2", { text: t.title }),
      el("label", { for: "near", text: t.near }),
      el("div", { class: "row" }, [near, el("button", { type: "submit", text: t.search })]),
      el("p", { id: "hint", class: "hint", text: t.hint }),
      err,
      el("fieldset", {}, [el("legend", { text: t.care })].concat(boxes.map(function (b) {
        var c = CARE.filter(function (x) { return x[0] === b.value; })[0];
        return el("label", { class: "chk" }, [b, es ? c[2] : c[1]]);
      }))),
      el("label", { for: "radius", text: t.dist }),
      radius
    ]);
    var wrap = el("div", { class: "cf", lang: cfg.lang }, [form, status, list, more,
      el("p", { class: "foot" }, [t.crisis, el("a", { href: "tel:988", text: "988" }), ". ", t.by,
        el("a", { href: BASE + "/", target: "_blank", rel: "noopener" }, ["CareFinder", el("span", { class: "sr", text: t.newTab })]), "."])]);
    wrap.style.setProperty("--a", pal.a);
    wrap.style.setProperty("--on", pal.on);
    wrap.style.setProperty("--ink", pal.ink);
    root.appendChild(wrap);

    // fail shows msg, and the places suggested as buttons that search them.
    function fail(msg, param, places) {
      msg = msg.charAt(0).toUpperCase() + msg.slice(1); // the API's messages may start lower-case
      err.textContent = places && places.length && !/[.?!:]$/.test(msg) ? msg + "." : msg;
      (places || []).slice(0, 3).forEach(function (p, i) {
        if (!i) err.appendChild(document.createTextNode(" " + t.pick + " "));
        err.appendChild(el("button", { type: "button", text: p, onclick: function () { near.value = p; run(null); } }));
      });
      near.setAttribute("aria-invalid", param === "near" ? "true" : "false");
      status.textContent = "";
    }

    function run(next) {
      if (busy) return;
      var where = near.value.trim();
      if (!where) { fail(t.need, "near"); near.focus(); return; }
      var u = new URL("/api/v1/search", BASE), q = u.searchParams;
      if (cfg.key) q.set("key", cfg.key);
      q.set("near", where);
      q.set("radius", radius.value);
      var care = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
      if (care.length) q.set("care", care.join(","));
      if (/^\d+$/.test(cfg.limit || "")) q.set("limit", cfg.limit);
      q.set("lang", cfg.lang);
      if (next) q.set("cursor", next);
      busy = true;
      if (!next) { status.textContent = t.searching; }
      fetch(u.href, { credentials: "omit" }).then(function (r) {
        return r.json().then(function (j) { return { r: r, j: j }; });
      }).then(function (x) {
        busy = false;
        if (!x.r.ok) {
          var e = x.j && x.j.error || {};
          if (x.r.status === 429) fail(t.busy);
          else fail(e.message || t.fail, e.param, e.param === "near" && e.suggestions);
          return;
        }
        show(x.j, !!next);
      }).catch(function () { busy = false; fail(t.fail); });
    }

    function show(a, append) {
      err.textContent = "";
      near.setAttribute("aria-invalid", "false");
      if (!append) {
        list.textContent = "";
        var got = a.query.filters.care || [];
        boxes.forEach(function (b) { b.checked = got.indexOf(b.value) >= 0; });
        if (a.query.radius && RADII.indexOf(a.query.radius) >= 0) radius.value = a.query.radius;
      }
      var place = a.query.label || near.value;
      status.textContent = a.total ? t.found(a.total, place) : t.none(place);
      var first = null;
      a.results.forEach(function (r) {
        var li = item(r);
        first = first || li.firstChild;
        list.appendChild(li);
      });
      cursor = a.next_cursor;
      more.hidden = !cursor;
      if (append && first) first.focus();
    }

    function item(r) {
      var ad = r.address || {}, care = r.labels && r.labels.care || {};
      var meta = [];
      if (r.distance_mi != null) meta.push(r.distance_mi.toLocaleString(cfg.lang, { maximumFractionDigits: 1 }) + t.mi);
      if (r.open_24_7) meta.push(t.open);
      var acts = [];
      if (r.phone) acts.push(el("a", { class: "call", href: "tel:" + r.phone.replace(/[^\d+]/g, "") }, [t.call + r.phone]));
      acts.push(el("a", { href: r.directions_url, target: "_blank", rel: "noopener" }, [t.dir, el("span", { class: "sr", text: t.to + r.name + t.newTab })]));
      acts.push(el("a", { href: BASE + "/facilities/" + encodeURIComponent(r.id), target: "_blank", rel: "noopener" },
        [t.details, el("span", { class: "sr", text: ": " + r.name + t.newTab })]));
      return el("li", {}, [
        el("h3", { class: "name", tabindex: "-1", text: r.name }),
        meta.length ? el("p", { class: "meta", text: meta.join(" · ") }) : null,
        el("p", { class: "addr", text: (ad.lines || []).concat([ad.city, [ad.state, ad.zip].filter(Boolean).join(" ")]).filter(Boolean).join(", ") }),
        r.care.length ? el("p", { class: "care", text: r.care.map(function (s) { return care[s] || s; }).join(", ") }) : null,
        el("p", { class: "acts" }, acts)
      ]);
    }

    form.addEventListener("submit", function (e) { e.preventDefault(); run(null); });
    more.addEventListener("click", function () { if (cursor) run(cursor); });
    if (cfg.near) run(null);
  }

  function start() {
    var hosts = document.querySelectorAll("[data-carefinder]");
    for (var i = 0; i < hosts.length; i++) mount(hosts[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
