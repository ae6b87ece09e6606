/* retold report: the page's views over find's pairs. Vanilla JS, no network.
 *
 * Data comes in chunks: inline <script type="application/json" data-chunk=NAME> in a single-file
 * report, or report_files/NAME.js files (each calls RETOLD_CHUNK(NAME, data)) loaded with <script>
 * tags on demand, since file:// pages may not fetch(). Offsets in the data are Python string
 * indices (code points); the page maps them to UTF-16 when a text holds astral characters.
 *
 * Contract (tests and shared links rely on it): #pair=A,B (URI-encoded ids, either order),
 * #doc=ID, #family=N; each shown document is an element with data-doc="ID"; each highlighted
 * passage is <mark data-kind data-start data-end> whose text is the document's [start, end);
 * rows of lists carry data-pair / data-family.
 */
(function () {
  "use strict";

  const META = JSON.parse(document.getElementById("retold-meta").textContent);
  // the model's vocabularies (retold.model.KINDS, PASSAGE_KINDS): the data holds indices into them
  const KINDS = META.kinds;
  const KIND_NAME = { exact: "exact copy", near_duplicate: "near-duplicate", partial: "partial reuse",
    paraphrase: "paraphrase" };
  const PKINDS = META.passage_kinds;
  const PKIND_NAME = { verbatim: "verbatim", near_verbatim: "near-verbatim", paraphrase: "rewritten" };
  const PKIND_LETTER = { verbatim: "V", near_verbatim: "N", paraphrase: "P" };
  const PAGE = 100;
  const REL = 6; // a document's relations: [pair, other, kind, score x 1000, 0 if it is the pair's A else 1, source 0/1/2]
  const DOC_VIEW_RELATIONS = 100; // passages of the strongest relations are drawn in the document view
  const R = META.rules;
  const main = document.getElementById("main");

  // ---------------------------------------------------------------------------------------------
  // chunks

  const chunks = new Map();
  const pending = new Map();
  window.RETOLD_CHUNK = function (name, data) {
    chunks.set(name, data);
    const p = pending.get(name);
    if (p) { pending.delete(name); p.resolve(data); }
  };

  function load(name) {
    if (chunks.has(name)) return Promise.resolve(chunks.get(name));
    const inline = document.querySelector('script[data-chunk="' + name + '"]');
    if (inline) {
      const d = JSON.parse(inline.textContent);
      chunks.set(name, d);
      return Promise.resolve(d);
    }
    if (pending.has(name)) return pending.get(name).promise;
    if (!META.folder) return Promise.reject(new Error("this report has no data chunk " + name));
    let resolve, reject;
    const promise = new Promise(function (r, j) { resolve = r; reject = j; });
    pending.set(name, { promise: promise, resolve: resolve, reject: reject });
    const s = document.createElement("script");
    s.src = encodeURI(META.folder) + "/" + name + ".js";
    s.onerror = function () {
      pending.delete(name);
      reject(new Error("cannot read " + META.folder + "/" + name + ".js: keep the " + META.folder +
        " folder beside the page"));
    };
    document.head.appendChild(s);
    return promise;
  }

  function shardOf(starts, i) { // last k with starts[k] <= i
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= i) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function fnv1a(s) {
    let h = 0x811c9dc5;
    for (const ch of s) { h ^= ch.codePointAt(0); h = Math.imul(h, 0x01000193) >>> 0; }
    return h >>> 0;
  }

  let getDoc = function (i) {
    const k = shardOf(META.shards.d, i);
    return load("d" + k).then(function (c) {
      const r = c[i - META.shards.d[k]];
      return { i: i, id: r[0], date: r[1], text: r[2], words: r[3], bp: r[4], family: r[5], rel: r[6] };
    });
  };
  let getName = function (i) {
    return load("n" + Math.floor(i / META.shards.n)).then(function (c) {
      const j = i % META.shards.n;
      return { i: i, id: c.ids[j], title: c.titles[j] };
    });
  };
  function getNames(list) { return Promise.all(list.map(getName)); }
  let getPair = function (j) {
    const k = shardOf(META.shards.p, j);
    return load("p" + k).then(function (c) {
      const r = c[j - META.shards.p[k]];
      const ps = [];
      for (let x = 0; x < r[10].length; x += 6) {
        const q = r[10];
        ps.push({ a0: q[x], a1: q[x + 1], b0: q[x + 2], b1: q[x + 3], kind: PKINDS[q[x + 4]], score: q[x + 5] });
      }
      return { j: j, a: r[0], b: r[1], kind: KINDS[r[2]], score: r[3], jaccard: r[4], ca: r[5], cb: r[6],
        cova: r[7], covb: r[8], source: r[9], passages: ps };
    });
  };
  let lookupId = function (id) {
    return load("h" + (fnv1a(id) % META.shards.h)).then(function (c) {
      return Object.prototype.hasOwnProperty.call(c, id) ? c[id] : -1;
    });
  };
  let families = function () {
    return load("fam").then(function (f) {
      if (!f.count) {
        f.count = f.n.length;
        f.index = new Map();
        for (let i = 0; i < f.count; i++) f.index.set(f.n[i], i);
      }
      return f;
    });
  };
  function familyEnd(f, i, key, total) { return i + 1 < f.count ? f[key][i + 1] : total; }

  // Service mode (retold serve, /ui/): the same views, every datum read through the API with the
  // user's token, so the page obeys the API's access rules. Documents are known by id.
  const PASTE_ID = "(pasted text)";
  let paste = null;
  let api = null;
  if (META.api) {
    const base = META.api.base || "";
    const docs = new Map();
    const pairs = [];
    const pairIndex = new Map();
    api = function (method, path, body) {
      const headers = { Accept: "application/json" };
      const token = sessionStorage.getItem("retold-token");
      if (token) headers.Authorization = "Bearer " + token;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      return fetch(base + path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) })
        .then(function (r) {
          if (r.status === 404) return null;
          if (r.status === 401) throw new Error("the service asks for a token to read: enter it on the home page");
          if (!r.ok) {
            return r.json().catch(function () { return {}; }).then(function (j) {
              throw new Error("the service answered " + r.status + ": " + JSON.stringify(j.detail || ""));
            });
          }
          return r.json();
        });
    };
    const enc = function (id) { return id.split("/").map(encodeURIComponent).join("/"); };
    const relations = function (id, recs) {
      const rel = [];
      recs.forEach(function (rec) {
        const key = rec.a + "\u0000" + rec.b;
        let j = pairIndex.get(key);
        if (j === undefined) {
          j = pairs.length;
          pairIndex.set(key, j);
          pairs.push({ j: j, a: rec.a, b: rec.b, kind: rec.kind, score: rec.score, jaccard: rec.jaccard,
            ca: rec.containment_a, cb: rec.containment_b, cova: rec.coverage_a, covb: rec.coverage_b,
            source: rec.source === rec.a ? 1 : rec.source === rec.b ? 2 : 0,
            passages: (rec.passages || []).map(function (q) {
              return { a0: q.a_start, a1: q.a_end, b0: q.b_start, b1: q.b_end, kind: q.kind, score: q.score };
            }) });
        }
        const side = rec.a === id ? 0 : 1;
        rel.push(j, side === 0 ? rec.b : rec.a, KINDS.indexOf(rec.kind), Math.round(rec.score * 1000), side, pairs[j].source);
      });
      return rel;
    };
    getDoc = function (id) {
      if (docs.has(id)) return Promise.resolve(docs.get(id));
      return Promise.all([api("GET", "/documents/" + enc(id)), api("GET", "/documents/" + enc(id) + "/matches")])
        .then(function (r) {
          if (!r[0]) throw new Error("no document “" + id + "” in the index");
          const d = { i: id, id: r[0].id, date: r[0].date, text: r[0].text, words: r[0].n_tokens, bp: [], family: null,
            rel: relations(id, r[1] ? r[1].pairs : []) };
          docs.set(id, d);
          return d;
        });
    };
    lookupId = function (id) {
      return getDoc(id).then(function () { return id; }, function (err) {
        if (/^no document/.test(err.message)) return -1;
        throw err;
      });
    };
    getName = function (id) {
      const d = docs.get(id);
      return Promise.resolve({ i: id, id: id, title: d ? d.text.split("\n")[0].slice(0, 90) : "" });
    };
    getPair = function (j) { return Promise.resolve(pairs[j]); };
    families = function () { return Promise.reject(new Error("families are shown in the HTML report of retold find, not here")); };
    paste = function (text) {
      return api("POST", "/query", { text: text, id: PASTE_ID }).then(function (res) {
        docs.set(PASTE_ID, { i: PASTE_ID, id: PASTE_ID, date: null, text: text, words: countWords(text), bp: [], family: null,
          rel: relations(PASTE_ID, res ? res.pairs : []) });
        location.hash = docHref(PASTE_ID);
        if (location.hash === docHref(PASTE_ID)) route();
      });
    };
  }

  // ---------------------------------------------------------------------------------------------
  // small helpers

  function el(tag, attrs) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const k in attrs) {
        const v = attrs[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === "text") e.textContent = v;
        else if (k === "class") e.className = v;
        else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? "" : v);
      }
    }
    for (let i = 2; i < arguments.length; i++) {
      const c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) c.forEach(function (x) { if (x) e.append(x); });
      else e.append(c);
    }
    return e;
  }
  function pct(x) { return (Math.round(x * 1000) / 10).toFixed(x >= 0.995 || x === 0 ? 0 : 1) + "%"; }
  function pct0(x) { return Math.round(x * 100) + "%"; }
  function fmt(x, d) { return Number(x).toFixed(d === undefined ? 3 : d); }
  function nfmt(n) { return Number(n).toLocaleString("en"); }
  function encId(id) { return encodeURIComponent(id); }
  function pairKey(idA, idB) { return encId(idA) + "," + encId(idB); }
  function pairHref(idA, idB) { return "#pair=" + pairKey(idA, idB); }
  function docHref(id) { return "#doc=" + encId(id); }
  function kindBadge(k) { return el("span", { class: "badge k-" + k, text: KIND_NAME[k] || k }); }
  function fill(node) { // replaceChildren without the null placeholders of optional parts
    node.replaceChildren.apply(node, Array.prototype.slice.call(arguments, 1).filter(function (x) { return x; }));
    return node;
  }
  function setMain() {
    main.replaceChildren.apply(main, Array.prototype.slice.call(arguments).filter(Boolean));
    window.scrollTo(0, 0);
    performance.mark("retold-render"); // benchmarks/report_bench.py reads when a view was drawn
    main.dataset.hash = location.hash; // the view drawn last, for tests that wait for it
  }
  function showError(err) {
    setMain(el("h1", { text: "Cannot show this" }), el("p", { class: "error", text: String(err && err.message || err) }),
      el("p", null, el("a", { href: "#overview", text: "Back to the overview" })));
  }
  function navCurrent(name) {
    document.querySelectorAll("header.top nav a").forEach(function (a) {
      if (a.dataset.view === name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
  }
  function docLink(d) {
    return el("a", { href: docHref(d.id), title: d.title || null, text: d.id });
  }

  // UTF-16 positions of code point offsets (identity unless the text has astral characters)
  function u16map(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) return null;
    const m = [];
    let u = 0;
    for (const ch of text) { m.push(u); u += ch.length; }
    m.push(u);
    return Int32Array.from(m);
  }
  function cpLength(text, map) { return map ? map.length - 1 : text.length; }

  const WORD_RE = /[\p{L}\p{N}]+/gu;
  // words as find counts them: runs of letters and digits; CJK characters one word each
  const COUNT_RE = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]|[\p{L}\p{N}\p{M}]+/gu;
  function countWords(s) { const m = s.match(COUNT_RE); return m ? m.length : 0; }
  function wordSpans(text, s, e) { // [lowercased word, u16 start, u16 end] within text[s:e) (u16)
    const out = [];
    const sub = text.slice(s, e);
    WORD_RE.lastIndex = 0;
    let m;
    while ((m = WORD_RE.exec(sub)) !== null) out.push([m[0].toLowerCase(), s + m.index, s + m.index + m[0].length]);
    return out;
  }

  // Myers' O(ND) diff over word sequences: which words of each side are matched by the other
  function matchWords(a, b, maxD) {
    const n = a.length, m = b.length;
    const ma = new Uint8Array(n), mb = new Uint8Array(m);
    let pre = 0;
    while (pre < n && pre < m && a[pre] === b[pre]) { ma[pre] = mb[pre] = 1; pre++; }
    let suf = 0;
    while (suf < n - pre && suf < m - pre && a[n - 1 - suf] === b[m - 1 - suf]) { ma[n - 1 - suf] = mb[m - 1 - suf] = 1; suf++; }
    const A = a.slice(pre, n - suf), B = b.slice(pre, m - suf);
    const N = A.length, M = B.length;
    if (N === 0 || M === 0) return { a: ma, b: mb, complete: true };
    const MAX = Math.min(N + M, maxD);
    const off = MAX + 1;
    const v = new Int32Array(2 * MAX + 3);
    const trace = [];
    let found = -1;
    for (let d = 0; d <= MAX && found < 0; d++) {
      trace.push(v.slice(off - d - 1, off + d + 2));
      for (let k = -d; k <= d; k += 2) {
        let x = (k === -d || (k !== d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
        let y = x - k;
        while (x < N && y < M && A[x] === B[y]) { x++; y++; }
        v[off + k] = x;
        if (x >= N && y >= M) { found = d; break; }
      }
    }
    if (found < 0) return { a: ma, b: mb, complete: false };
    let x = N, y = M;
    for (let d = found; d >= 0; d--) {
      const t = trace[d], o = d + 1;
      const k = x - y;
      const pk = (k === -d || (k !== d && t[o + k - 1] < t[o + k + 1])) ? k + 1 : k - 1;
      const px = d === 0 ? 0 : t[o + pk], py = d === 0 ? 0 : px - pk;
      while (x > px && y > py) { x--; y--; ma[pre + x] = 1; mb[pre + y] = 1; }
      x = px; y = py;
    }
    return { a: ma, b: mb, complete: true };
  }

  // ---------------------------------------------------------------------------------------------
  // text with nested highlights

  /* Render text into container with intervals {s, e, prio, make(s, e, part)} in UTF-16 offsets.
   * Intervals nest (the longer outside; ties by prio); one that crosses an open interval's end is
   * split there, and each piece is its own element whose text is exactly its [s, e). */
  function renderText(container, text, intervals) {
    const cmp = function (x, y) { return x.s - y.s || y.e - x.e || x.prio - y.prio; };
    const q = intervals.filter(function (iv) { return iv.e > iv.s; }).sort(cmp);
    const stack = [{ e: text.length, node: container }];
    let pos = 0;
    const emit = function (to) {
      if (to > pos) { stack[stack.length - 1].node.appendChild(document.createTextNode(text.slice(pos, to))); pos = to; }
    };
    for (let i = 0; i < q.length; i++) {
      let iv = q[i];
      while (stack.length > 1 && stack[stack.length - 1].e <= iv.s) { emit(stack[stack.length - 1].e); stack.pop(); }
      emit(iv.s);
      const top = stack[stack.length - 1];
      if (iv.e > top.e) {
        const rest = Object.assign({}, iv, { s: top.e, part: (iv.part || 0) + 1 });
        let lo = i + 1, hi = q.length;
        while (lo < hi) { const mid = (lo + hi) >> 1; if (cmp(q[mid], rest) <= 0) lo = mid + 1; else hi = mid; }
        q.splice(lo, 0, rest);
        iv = Object.assign({}, iv, { e: top.e });
      }
      const node = iv.make(iv.s, iv.e, iv.part || 0);
      top.node.appendChild(node);
      stack.push({ e: iv.e, node: node });
    }
    while (stack.length > 1) { emit(stack[stack.length - 1].e); stack.pop(); }
    emit(text.length);
  }

  function toU16(map, x) { return map ? map[x] : x; }
  function toCp(map, u) { // code point offset of a UTF-16 offset (only used for piece boundaries)
    if (!map) return u;
    let lo = 0, hi = map.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (map[mid] < u) lo = mid + 1; else hi = mid; }
    return lo;
  }

  function furnitureIntervals(doc, map) {
    const out = [];
    for (let x = 0; x < doc.bp.length; x += 2) {
      const s0 = doc.bp[x], e0 = doc.bp[x + 1];
      out.push({ s: toU16(map, s0), e: toU16(map, e0), prio: 0, make: function (s, e) {
        return el("s", { class: "furniture", "data-start": toCp(map, s), "data-end": toCp(map, e),
          title: "site furniture (recognised boilerplate): never evidence of reuse" });
      } });
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // overview

  function viewOverview() {
    navCurrent("overview");
    const o = META.overview;
    const cards = el("div", { class: "cards" },
      el("div", { class: "card" }, el("b", { text: nfmt(o.documents_read) }), "documents read"),
      el("div", { class: "card" }, el("b", { text: nfmt(o.documents_related) }), "documents with reuse"),
      el("div", { class: "card" }, el("b", { text: nfmt(o.pairs) }), "related pairs"),
      el("div", { class: "card" }, el("b", { text: nfmt(o.families) }), "families"),
      el("div", { class: "card" }, el("b", { text: nfmt(o.largest_family) }), "documents in the largest family"),
      el("div", { class: "card" }, el("b", { text: nfmt(o.passages) }), "passages"));
    const maxK = Math.max(1, Math.max.apply(null, KINDS.map(function (k) { return o.pairs_by_kind[k] || 0; })));
    const kindBars = el("div", { class: "bars" });
    KINDS.forEach(function (k) {
      const n = o.pairs_by_kind[k] || 0;
      kindBars.append(el("a", { href: "#families?kind=" + k, text: KIND_NAME[k] }),
        el("div", null, el("div", { class: "bar k-" + k, style: "width:" + (100 * n / maxK) + "%" })),
        el("span", { class: "num", text: nfmt(n) }));
    });
    const maxS = Math.max(1, Math.max.apply(null, o.family_sizes.map(function (b) { return b[2]; })));
    const sizeBars = el("div", { class: "bars" });
    o.family_sizes.forEach(function (b) {
      const label = b[0] === b[1] ? String(b[0]) : b[1] > 1e9 ? b[0] + "+" : b[0] + "–" + b[1];
      sizeBars.append(el("span", { text: label + " documents" }),
        el("div", null, el("div", { class: "bar", style: "width:" + (100 * b[2] / maxS) + "%" })),
        el("span", { class: "num", text: nfmt(b[2]) }));
    });
    const hists = el("div", { class: "grid2" });
    KINDS.forEach(function (k) {
      const h = o.score_histograms[k];
      if (!h) return;
      const mx = Math.max(1, Math.max.apply(null, h));
      const bars = el("div", { class: "hist", role: "img",
        "aria-label": "scores of " + KIND_NAME[k] + " pairs: " + h.join(", ") + " in 20 bins from 0 to 1" });
      h.forEach(function (n, i) {
        bars.append(el("div", { class: "bar k-" + k, style: "height:" + (100 * n / mx) + "%",
          title: fmt(i / h.length, 2) + "–" + fmt((i + 1) / h.length, 2) + ": " + n + " pairs" }));
      });
      hists.append(el("div", null, el("h3", { text: KIND_NAME[k] + " (" + nfmt(o.pairs_by_kind[k]) + ")" }), bars,
        el("div", { class: "hist-axis" }, el("span", { text: "score 0" }), el("span", { text: "0.5" }), el("span", { text: "1" }))));
    });
    const top = el("table", null, el("thead", null, el("tr", null, el("th", { text: "document" }),
      el("th", { text: "title" }), el("th", { class: "num", text: o.most_reused_by === "source" ? "copies" : "relations" }))));
    const tb = el("tbody");
    o.most_reused.forEach(function (r) {
      tb.append(el("tr", { "data-doc-row": r[2] }, el("td", null, el("a", { href: docHref(r[2]), text: r[2] })),
        el("td", { class: "snip", text: r[3] }), el("td", { class: "num", text: nfmt(r[1]) })));
    });
    top.append(tb);
    let time = null;
    if (o.over_time.length) {
      const mx = Math.max(1, Math.max.apply(null, o.over_time.map(function (r) { return r[2]; })));
      const mxd = Math.max(1, Math.max.apply(null, o.over_time.map(function (r) { return r[1]; })));
      const g = el("div", { class: "bars" });
      o.over_time.forEach(function (r) {
        g.append(el("span", { text: r[0] }),
          el("div", { title: r[1] + " documents, " + r[2] + " pairs" },
            el("div", { class: "bar k-partial", style: "width:" + (100 * r[2] / mx) + "%" }),
            el("div", { class: "bar", style: "height:.35rem;width:" + (100 * r[1] / mxd) + "%" })),
          el("span", { class: "num", text: nfmt(r[2]) + " pairs / " + nfmt(r[1]) + " docs" }));
      });
      time = el("section", null, el("h2", { text: "Reuse over time" }),
        el("p", { class: "muted", text: "Pairs by the date of the later document (thick bars); documents by date (thin bars)." }), g);
    }
    const skipped = Object.keys(o.skipped || {});
    setMain(el("h1", { text: META.title }), cards,
      skipped.length ? el("p", { class: "error", text: "Skipped while building the report: " +
        skipped.map(function (k) { return k + " " + o.skipped[k]; }).join(", ") + " (see the messages of retold report)." }) : null,
      el("div", { class: "grid2" },
        el("section", null, el("h2", { text: "Pairs by kind" }), kindBars),
        el("section", null, el("h2", { text: "Families by size" }), sizeBars,
          el("p", null, el("a", { href: "#families", text: "All families" }), " · ",
            el("span", { class: "muted", text: "a family joins documents through pairs of any kind" })))),
      el("section", null, el("h2", { text: "Score distributions" }), hists),
      el("section", null, el("h2", { text: o.most_reused_by === "source" ? "Most reused sources (earlier document of most pairs)" :
        "Most reused documents (most relations; no dates name sources)" }), top),
      time, rulesSection());
  }

  function viewHome() {
    navCurrent("overview");
    const status = el("p", { class: "muted", id: "health", text: "Asking the service…" });
    api("GET", "/health").then(function (h) {
      status.textContent = "The index holds " + nfmt(h.documents) + " documents (retold " + h.retold_version + ").";
    }).catch(function (e) { status.textContent = String(e.message || e); });
    const token = el("input", { id: "token", type: "password", size: 30, autocomplete: "off",
      value: sessionStorage.getItem("retold-token") || "", "aria-label": "token" });
    token.addEventListener("change", function () { sessionStorage.setItem("retold-token", token.value.trim()); });
    const lookup = el("input", { id: "lookup", type: "text", size: 40, "aria-label": "document id" });
    const text = el("textarea", { id: "paste", rows: 12, style: "width:100%", "aria-label": "text to check" });
    const note = el("p", { id: "paste-note", class: "muted" });
    setMain(el("h1", { text: META.title }), status,
      el("form", { id: "lookup-form", onsubmit: function (e) {
        e.preventDefault();
        if (lookup.value.trim()) location.hash = docHref(lookup.value.trim());
      } }, el("h2", { text: "Look up a document" }), lookup, " ", el("button", { type: "submit", text: "Show its reuse" })),
      el("form", { id: "paste-form", onsubmit: function (e) {
        e.preventDefault();
        note.textContent = "Comparing with the index…";
        paste(text.value).catch(function (err) { note.textContent = String(err.message || err); });
      } }, el("h2", { text: "Paste a text: what does it reuse?" }), text, el("p", null, el("button", { type: "submit", text: "Compare with the index" })),
        note, el("p", { class: "muted", text: "The text is compared, not stored (POST /query)." })),
      el("section", null, el("h2", { text: "Token" }), el("p", { class: "muted", text: "Needed when the service asks for one " +
        "to read (off loopback). Kept in this tab only." }), token),
      el("p", null, el("a", { href: (META.api.base || "") + "/docs", text: "The API (/docs)" })), rulesSection());
  }

  function rulesSection() {
    return el("section", null, el("h2", { text: "Rules in force" }), el("ul", null,
      el("li", { text: "Near-duplicate: at least " + pct0(R.near_min_coverage) + " of the shorter document's words and " +
        pct0(R.near_min_coverage_long) + " of the longer one's lie in matching regions (runs of " + R.min_run +
        "+ shared word " + R.shingle_size + "-grams at most " + R.gap + " apart)." }),
      el("li", { text: "Partial reuse: one passage of at least " + R.partial_min_words + " words on each side, and passages holding " +
        R.partial_min_total_words + " words or " + pct0(R.partial_min_share) + " of the shorter document." }),
      el("li", { text: "Paraphrase: at least " + R.para_min_pairs + " aligned sentence pairs of " + R.para_min_pair_words +
        "+ words covering " + pct0(R.para_min_coverage) + " of one document and " + pct0(R.para_min_coverage_other) +
        " of the other (" + pct0(R.para_min_coverage_other_many) + " with " + R.para_many_pairs + "+ pairs), more reworded than copied." })));
  }

  // ---------------------------------------------------------------------------------------------
  // families list

  const famState = { kind: "", minScore: 0, minSize: 2, maxSize: 0, sort: "number", page: 0, query: "", sel: -1 };

  function parseQuery(q) {
    const out = {};
    (q || "").split("&").forEach(function (kv) {
      if (!kv) return;
      const i = kv.indexOf("=");
      out[decodeURIComponent(i < 0 ? kv : kv.slice(0, i))] = i < 0 ? "" : decodeURIComponent(kv.slice(i + 1));
    });
    return out;
  }

  function searchFamilies(query) {
    const words = (query.toLowerCase().match(WORD_RE) || []);
    const common = new Set(META.common_words);
    const used = words.filter(function (w) { return !common.has(w); });
    const ignored = words.filter(function (w) { return common.has(w); });
    const idLookup = query.trim() ? lookupId(query.trim()) : Promise.resolve(-1);
    if (!used.length) return idLookup.then(function (d) { return { fams: null, ignored: ignored, doc: d }; });
    const shards = used.map(function (w) { return load("w" + (fnv1a(w) % META.shards.w)); });
    return Promise.all([idLookup].concat(shards)).then(function (res) {
      const d = res[0];
      let set = null;
      used.forEach(function (w, i) {
        const deltas = res[i + 1][w] || [];
        const s = new Set();
        let acc = 0;
        for (let x = 0; x < deltas.length; x++) { acc += deltas[x]; s.add(acc); }
        set = set === null ? s : new Set(Array.from(set).filter(function (f) { return s.has(f); }));
      });
      return { fams: set || new Set(), ignored: ignored, doc: d };
    });
  }

  function viewFamilies(params) {
    navCurrent("families");
    if (params.kind !== undefined) famState.kind = params.kind;
    if (params.q !== undefined) famState.query = params.q;
    if (params.kind !== undefined || params.q !== undefined) famState.page = 0;
    setMain(el("h1", { text: "Families" }), el("p", { class: "loading", text: "Loading families…" }));
    const searchBox = document.getElementById("q");
    if (searchBox && document.activeElement !== searchBox) searchBox.value = famState.query;
    Promise.all([families(), famState.query ? searchFamilies(famState.query) : Promise.resolve(null)]).then(function (res) {
      const f = res[0], found = res[1];
      const totalDocs = META.overview.documents_related;
      const size = function (i) { return familyEnd(f, i, "doc0", totalDocs) - f.doc0[i]; };
      const npairs = function (i) { return familyEnd(f, i, "pair0", META.overview.pairs) - f.pair0[i]; };
      const kindBit = famState.kind ? 1 << KINDS.indexOf(famState.kind) : 0;
      let rows = [];
      for (let i = 0; i < f.count; i++) {
        if (kindBit && !(f.kinds[i] & kindBit)) continue;
        if (f.max[i] / 1000 < famState.minScore) continue;
        const sz = size(i);
        if (sz < famState.minSize || (famState.maxSize && sz > famState.maxSize)) continue;
        if (found && found.fams && !found.fams.has(i)) continue;
        rows.push(i);
      }
      const sorters = {
        number: function (x, y) { return f.n[x] - f.n[y]; },
        size: function (x, y) { return size(y) - size(x) || f.n[x] - f.n[y]; },
        score: function (x, y) { return f.max[y] - f.max[x] || f.n[x] - f.n[y]; },
        pairs: function (x, y) { return npairs(y) - npairs(x) || f.n[x] - f.n[y]; },
      };
      rows.sort(sorters[famState.sort] || sorters.number);
      const pages = Math.max(1, Math.ceil(rows.length / PAGE));
      famState.page = Math.min(famState.page, pages - 1);
      const shown = rows.slice(famState.page * PAGE, (famState.page + 1) * PAGE);
      const rerender = function () { viewFamilies({}); };
      const kindSel = el("select", { id: "f-kind", "aria-label": "kind", onchange: function (e) {
        famState.kind = e.target.value; famState.page = 0; rerender(); } },
        el("option", { value: "", text: "any kind" }),
        KINDS.map(function (k) { return el("option", { value: k, text: KIND_NAME[k], selected: famState.kind === k }); }));
      const num = function (id, label, val, step, set) {
        return el("label", null, label + " ", el("input", { id: id, type: "number", min: 0, step: step, value: val,
          style: "width:5.5rem", onchange: function (e) { set(Number(e.target.value) || 0); famState.page = 0; rerender(); } }));
      };
      const sortSel = el("select", { id: "f-sort", "aria-label": "sort", onchange: function (e) {
        famState.sort = e.target.value; famState.page = 0; rerender(); } },
        [["number", "in corpus order"], ["size", "largest first"], ["score", "highest score first"], ["pairs", "most pairs first"]]
          .map(function (o) { return el("option", { value: o[0], text: o[1], selected: famState.sort === o[0] }); }));
      const filters = el("div", { class: "filters" }, el("label", null, "kind ", kindSel),
        num("f-score", "best score ≥", famState.minScore, 0.05, function (v) { famState.minScore = v; }),
        num("f-min", "size ≥", famState.minSize, 1, function (v) { famState.minSize = v; }),
        num("f-max", "size ≤ (0 = any)", famState.maxSize, 1, function (v) { famState.maxSize = v; }),
        el("label", null, "sort ", sortSel));
      const table = el("table", { id: "families" }, el("thead", null, el("tr", null,
        el("th", { class: "num", text: "family" }), el("th", { class: "num", text: "documents" }),
        el("th", { class: "num", text: "pairs" }), el("th", { text: "kinds" }), el("th", { class: "num", text: "best score" }),
        el("th", { text: "first document" }))));
      const tb = el("tbody");
      shown.forEach(function (i) {
        const kinds = KINDS.filter(function (k, b) { return f.kinds[i] & (1 << b); });
        tb.append(el("tr", { "data-family": f.n[i], tabindex: 0, "data-href": "#family=" + f.n[i] },
          el("td", { class: "num" }, el("a", { href: "#family=" + f.n[i], text: String(f.n[i]) })),
          el("td", { class: "num", text: nfmt(size(i)) }), el("td", { class: "num", text: nfmt(npairs(i)) }),
          el("td", null, kinds.map(kindBadge)), el("td", { class: "num", text: fmt(f.max[i] / 1000) }),
          el("td", null, el("a", { href: docHref(f.rep[i]), text: f.rep[i] }), el("div", { class: "muted snip", text: f.title[i] }))));
      });
      table.append(tb);
      const pager = el("div", { class: "pager" },
        el("button", { id: "prev-page", disabled: famState.page === 0, onclick: function () { famState.page--; rerender(); }, text: "← previous" }),
        el("span", { text: "page " + (famState.page + 1) + " of " + pages + " · " + nfmt(rows.length) + " families" }),
        el("button", { id: "next-page", disabled: famState.page >= pages - 1, onclick: function () { famState.page++; rerender(); }, text: "next →" }));
      let note = null;
      if (found) {
        const parts = ["Search “" + famState.query + "”: families whose documents hold every word (in text or id)."];
        if (found.ignored.length) parts.push("Ignored as too common: " + found.ignored.join(", ") + ".");
        note = el("p", { id: "search-note" }, parts.join(" "), " ",
          el("a", { href: "#families", onclick: function () { famState.query = ""; }, text: "Clear the search" }));
        if (found.doc >= 0) note.append(el("br"), "A document has this id: ",
          el("a", { href: docHref(famState.query.trim()), text: famState.query.trim() }));
      }
      setMain(el("h1", { text: "Families" }), note, filters, pager, table, rows.length > PAGE ? pager.cloneNode(true) : null);
      // the cloned pager needs its handlers
      const pagers = main.querySelectorAll(".pager");
      if (pagers.length > 1) {
        pagers[1].querySelector("#prev-page").removeAttribute("id");
        pagers[1].querySelector("#next-page").removeAttribute("id");
        pagers[1].querySelectorAll("button")[0].onclick = function () { famState.page--; rerender(); };
        pagers[1].querySelectorAll("button")[1].onclick = function () { famState.page++; rerender(); };
      }
    }).catch(showError);
  }

  // ---------------------------------------------------------------------------------------------
  // one family

  function viewFamily(n) {
    navCurrent("families");
    families().then(function (f) {
      const i = f.index.get(n);
      if (i === undefined) throw new Error("no family " + n + " in this report (families are numbered as by retold clusters; singletons are not shown)");
      const d0 = f.doc0[i], d1 = familyEnd(f, i, "doc0", META.overview.documents_related);
      const p0 = f.pair0[i], p1 = familyEnd(f, i, "pair0", META.overview.pairs);
      const state = { mp: 0, pp: 0 };
      const head = [el("h1", { "data-family": n, text: "Family " + n }),
        el("p", null, nfmt(d1 - d0) + " documents, " + nfmt(p1 - p0) + " pairs: ",
          KINDS.filter(function (k, b) { return f.kinds[i] & (1 << b); }).map(kindBadge),
          " best score " + fmt(f.max[i] / 1000))];
      const members = el("section", { id: "members" }, el("p", { class: "loading", text: "Loading the documents…" }));
      const pairs = el("section", { id: "family-pairs" }, el("p", { class: "loading", text: "Loading the pairs…" }));
      setMain.apply(null, head.concat([pairs, members]));
      const drawMembers = function () {
        const lo = d0 + state.mp * PAGE, hi = Math.min(d1, lo + PAGE);
        const idx = [];
        for (let x = lo; x < hi; x++) idx.push(x);
        getNames(idx).then(function (names) {
          const ul = el("ol", { start: state.mp * PAGE + 1 });
          names.forEach(function (d) {
            ul.append(el("li", { "data-doc-link": d.id, tabindex: 0, "data-href": docHref(d.id) }, docLink(d),
              d.title ? el("span", { class: "muted", text: " — " + d.title }) : null));
          });
          fill(members, el("h2", { text: "Documents (" + nfmt(d1 - d0) + ", in corpus order)" }), ul,
            pagerFor(state, "mp", d1 - d0, drawMembers));
        }).catch(showError);
      };
      const drawPairs = function () {
        const lo = p0 + state.pp * PAGE, hi = Math.min(p1, lo + PAGE);
        const idx = [];
        for (let x = lo; x < hi; x++) idx.push(x);
        Promise.all(idx.map(getPair)).then(function (ps) {
          const docs = [];
          ps.forEach(function (p) { docs.push(p.a, p.b); });
          return getNames(docs).then(function (names) { return [ps, names]; });
        }).then(function (r) {
          const ps = r[0], names = r[1];
          const table = el("table", null, el("thead", null, el("tr", null, el("th", { text: "document A" }), el("th", { text: "" }),
            el("th", { text: "document B" }), el("th", { text: "kind" }), el("th", { class: "num", text: "score" }),
            el("th", { class: "num", text: "passages" }))));
          const tb = el("tbody");
          ps.forEach(function (p, x) {
            const A = names[2 * x], B = names[2 * x + 1];
            const arrow = p.source === 1 ? "→" : p.source === 2 ? "←" : "↔";
            tb.append(el("tr", { "data-pair": pairKey(A.id, B.id), tabindex: 0, "data-href": pairHref(A.id, B.id) },
              el("td", null, el("a", { href: pairHref(A.id, B.id), text: A.id })),
              el("td", { title: p.source ? "arrow: from the source (earlier date) to the copy" : "source not known", text: arrow }),
              el("td", { text: B.id }), el("td", null, kindBadge(p.kind)), el("td", { class: "num", text: fmt(p.score) }),
              el("td", { class: "num", text: String(p.passages.length) })));
          });
          table.append(tb);
          fill(pairs, el("h2", { text: "Pairs (" + nfmt(p1 - p0) + ", strongest first)" }), table,
            pagerFor(state, "pp", p1 - p0, drawPairs));
        }).catch(showError);
      };
      drawPairs();
      drawMembers();
    }).catch(showError);
  }

  function pagerFor(state, key, total, redraw) {
    const pages = Math.max(1, Math.ceil(total / PAGE));
    if (pages === 1) return null;
    return el("div", { class: "pager" },
      el("button", { disabled: state[key] === 0, onclick: function () { state[key]--; redraw(); }, text: "← previous" }),
      el("span", { text: "page " + (state[key] + 1) + " of " + pages }),
      el("button", { disabled: state[key] >= pages - 1, onclick: function () { state[key]++; redraw(); }, text: "next →" }));
  }

  // ---------------------------------------------------------------------------------------------
  // pair view

  function viewPair(idA, idB) {
    navCurrent("");
    setMain(el("p", { class: "loading", text: "Loading the pair…" }));
    Promise.all([lookupId(idA), lookupId(idB)]).then(function (ix) {
      const missing = [idA, idB].filter(function (_, k) { return ix[k] < 0; });
      if (missing.length) throw new Error("no document " + missing.map(function (m) { return "“" + m + "”"; }).join(" or ") +
        " in this report (only documents in some pair are included)");
      return Promise.all([getDoc(ix[0]), getDoc(ix[1])]).then(function (ds) {
        const da = ds[0], db = ds[1];
        for (const [d, other] of [[da, db], [db, da]]) { // a pasted text is related only on its own side
          for (let x = 0; x < d.rel.length; x += REL) {
            if (d.rel[x + 1] === other.i) return Promise.all([getPair(d.rel[x]), db, da]);
          }
        }
        return [null, db, da];
      });
    }).then(function (r) {
      const p = r[0];
      if (!p) {
        const da = r[2], db = r[1];
        setMain(el("h1", { text: da.id + " and " + db.id }),
          el("p", { text: "These two documents are not reported as related. " }),
          el("p", null, el("a", { href: docHref(da.id), text: da.id }), " · ", el("a", { href: docHref(db.id), text: db.id })));
        return;
      }
      const da = p.a === r[2].i ? r[2] : r[1], db = p.a === r[2].i ? r[1] : r[2];
      drawPair(p, da, db);
    }).catch(showError);
  }

  const PALETTE = 8;

  function drawPair(p, A, B) {
    const mapA = u16map(A.text), mapB = u16map(B.text);
    let passages = p.passages.slice();
    let synthetic = false;
    if (p.kind === "exact" && !passages.length) { // the whole token sequence is shared
      const tA = A.text.match(/^\s*/)[0].length, tB = B.text.match(/^\s*/)[0].length;
      const eA = A.text.replace(/\s+$/, "").length, eB = B.text.replace(/\s+$/, "").length;
      passages = [{ a0: toCp(mapA, tA), a1: toCp(mapA, eA), b0: toCp(mapB, tB), b1: toCp(mapB, eB), kind: "verbatim", score: 1 }];
      synthetic = true;
    }
    // labels: numbered in A's order, the same number on both sides
    passages.forEach(function (q, i) { q.n = i + 1; q.label = PKIND_LETTER[q.kind] + q.n; q.colour = "c" + (i % PALETTE); });
    const sides = [{ doc: A, map: mapA, s: "a0", e: "a1", other: "b" }, { doc: B, map: mapB, s: "b0", e: "b1", other: "a" }];
    const ivs = [furnitureIntervals(A, mapA), furnitureIntervals(B, mapB)];
    passages.forEach(function (q, i) {
      sides.forEach(function (sd, k) {
        const s = toU16(sd.map, q[sd.s]), e = toU16(sd.map, q[sd.e]);
        ivs[k].push({ s: s, e: e, prio: q.kind === "paraphrase" ? 1 : 2, make: function (s1, e1, part) {
          return el("mark", { "data-kind": q.kind, "data-start": toCp(sd.map, s1), "data-end": toCp(sd.map, e1),
            "data-p": i, "data-label": part === 0 ? q.label : null, class: q.colour, tabindex: part === 0 ? 0 : -1,
            title: PKIND_NAME[q.kind] + " passage " + q.label + " (score " + fmt(q.score, 2) + "); click to see its counterpart" });
        } });
      });
      if (q.kind === "near_verbatim") { // the words that differ
        const wa = wordSpans(A.text, toU16(mapA, q.a0), toU16(mapA, q.a1));
        const wb = wordSpans(B.text, toU16(mapB, q.b0), toU16(mapB, q.b1));
        const m = matchWords(wa.map(function (w) { return w[0]; }), wb.map(function (w) { return w[0]; }), 2000);
        q.diffComplete = m.complete;
        q.differ = 0;
        if (!m.complete) return;
        [[wa, m.a, 0], [wb, m.b, 1]].forEach(function (t) {
          t[0].forEach(function (w, x) {
            if (t[1][x]) return;
            q.differ++;
            ivs[t[2]].push({ s: w[1], e: w[2], prio: 3, make: function () {
              return el("span", { class: "diff", title: "this word differs on the other side" });
            } });
          });
        });
      }
    });
    const panels = sides.map(function (sd, k) {
      const d = sd.doc;
      const text = el("div", { class: "text", id: "text-" + "ab"[k] });
      renderText(text, d.text, ivs[k]);
      const src = p.source === k + 1;
      return el("article", { class: "doc", "data-doc": d.id, "data-side": "ab"[k] },
        el("header", null, el("span", { class: "muted", text: "ab"[k].toUpperCase() + " " }),
          el("a", { class: "id", href: docHref(d.id), text: d.id }),
          el("div", { class: "muted", text: [d.date ? "dated " + d.date : "no date", nfmt(d.words) + " words",
            src ? "the source (earlier date)" : p.source ? "the copy (later date)" : null].filter(Boolean).join(" · ") })),
        text);
    });
    const source = p.source ? el("p", null, "Source: ", el("b", { text: p.source === 1 ? A.id : B.id }),
      " (dated " + (p.source === 1 ? A.date : B.date) + ", before " + (p.source === 1 ? B.id : A.id) +
      ", dated " + (p.source === 1 ? B.date : A.date) + ").")
      : el("p", { class: "muted", text: "Source: not known (" + (A.date && B.date ? "both documents have the same date" :
        "the documents carry no dates") + "; A is the one read first)." });
    const legend = el("div", { class: "legend", "aria-label": "legend" },
      el("span", null, el("mark", { class: "c0 sample", "data-sample": "verbatim", style: "text-decoration-style:solid", text: "V1" }), " verbatim (solid underline)"),
      el("span", null, el("mark", { class: "c1 sample", "data-sample": "near_verbatim", style: "text-decoration-style:dashed", text: "N2" }), " near-verbatim (dashed), ",
        el("span", { class: "diff", text: "differing" }), " words wavy"),
      el("span", null, el("mark", { class: "c3 sample", "data-sample": "paraphrase", style: "text-decoration-style:dotted", text: "P3" }), " rewritten sentence (dotted), linked to its original"),
      el("span", null, el("s", { class: "furniture", text: "site furniture" }), " struck through: never evidence"),
      el("span", { class: "muted", text: "Same number and colour = same passage on both sides; click one to bring the other into view (n / p: next / previous)." }));
    const family = META.api ? null : el("a", { href: "#family=" + A.family, id: "family-link", text: "family" });
    if (family) families().then(function (f) { family.textContent = "family " + f.n[A.family]; family.href = "#family=" + f.n[A.family]; });
    setMain(el("h1", null, el("a", { href: docHref(A.id), text: A.id }), " ↔ ", el("a", { href: docHref(B.id), text: B.id })),
      el("p", null, kindBadge(p.kind), " score " + fmt(p.score) + " · " + passages.length + (passages.length === 1 ? " passage" : " passages"), family ? " · " : null, family),
      source, why(p, A, B, passages, synthetic), legend, el("div", { class: "sides" }, panels),
      passageTable(p, A, B, passages, mapA, mapB));
    wirePassages(main);
  }

  function passageTable(p, A, B, passages, mapA, mapB) {
    if (!passages.length) return null;
    const rw = passages.filter(function (q) { return q.kind === "paraphrase"; }).length;
    const table = el("table", { id: "passages" }, el("thead", null, el("tr", null, el("th", { text: "#" }), el("th", { text: "kind" }),
      el("th", { class: "num", text: "score" }), el("th", { text: "A [start, end)" }), el("th", { text: "text in A" }),
      el("th", { text: "text in B" }), el("th", { text: "B [start, end)" }))));
    const tb = el("tbody");
    const cut = function (t, map, s, e) {
      const x = t.slice(toU16(map, s), toU16(map, e));
      return x.length > 400 ? x.slice(0, 397) + "…" : x;
    };
    passages.forEach(function (q, i) {
      tb.append(el("tr", { "data-passage": i, tabindex: 0 },
        el("td", null, el("mark", { class: q.colour, "data-sample": q.kind, text: q.label })), el("td", { text: PKIND_NAME[q.kind] }),
        el("td", { class: "num", text: fmt(q.score, 2) }), el("td", { text: "[" + q.a0 + ", " + q.a1 + ")" }),
        el("td", { class: "snip", text: cut(A.text, mapA, q.a0, q.a1) }), el("td", { class: "snip", text: cut(B.text, mapB, q.b0, q.b1) }),
        el("td", { text: "[" + q.b0 + ", " + q.b1 + ")" })));
    });
    table.append(tb);
    return el("section", null, el("h2", { text: rw ? "Passages (" + rw + " rewritten sentences beside their originals)" : "Passages" }),
      table);
  }

  function passageWords(text, map, s, e) { return countWords(text.slice(toU16(map, s), toU16(map, e))); }

  function why(p, A, B, passages, synthetic) {
    const box = el("section", { class: "why k-" + p.kind, id: "why" }, el("h2", { text: "Why " + KIND_NAME[p.kind] }));
    const add = function (t) { box.append(el("p", { text: t })); };
    const shortA = A.words <= B.words;
    const S = shortA ? A : B, L = shortA ? B : A;
    const covS = shortA ? p.cova : p.covb, covL = shortA ? p.covb : p.cova;
    const shingles = "Jaccard similarity of the word " + R.shingle_size + "-gram sets " + fmt(p.jaccard, 2) + "; " +
      pct(p.ca) + " of A's " + R.shingle_size + "-grams are in B, " + pct(p.cb) + " of B's in A.";
    if (p.kind === "exact") {
      add("After lowercasing and dropping punctuation, A and B are the same sequence of words (" + nfmt(A.words) + " words in A, " +
        nfmt(B.words) + " in B): exact copies." + (synthetic ? " The whole text is marked as one verbatim passage." : ""));
    } else if (p.kind === "near_duplicate") {
      add(pct(covS) + " of the shorter document (" + S.id + ", " + nfmt(S.words) + " words) lies in matching regions; " +
        "a near-duplicate needs " + pct0(R.near_min_coverage) + ". " + pct(covL) + " of the longer one (" + L.id + ", " +
        nfmt(L.words) + " words) does; it needs " + pct0(R.near_min_coverage_long) + ".");
      add("Matching regions are runs of at least " + R.min_run + " shared word " + R.shingle_size + "-grams at most " + R.gap +
        " apart (a changed word breaks " + R.shingle_size + " of them, not the run). " + shingles);
      const nv = passages.filter(function (q) { return q.kind === "near_verbatim"; });
      const differ = nv.reduce(function (s, q) { return s + (q.differ || 0); }, 0);
      if (nv.length) add(differ + " words differ inside the near-verbatim passages (marked with a wavy underline).");
      add("Score " + fmt(p.score) + ": the share of both documents' words in matching regions.");
    } else {
      const copied = passages.filter(function (q) { return q.kind !== "paraphrase"; });
      const rewritten = passages.filter(function (q) { return q.kind === "paraphrase"; });
      if (copied.length) {
        let best = null, total = 0;
        copied.forEach(function (q) {
          const wa = passageWords(A.text, u16map(A.text), q.a0, q.a1), wb = passageWords(B.text, u16map(B.text), q.b0, q.b1);
          total += Math.min(wa, wb);
          if (!best || Math.min(wa, wb) > Math.min(best[0], best[1])) best = [wa, wb];
        });
        add("Copied text: " + copied.length + " verbatim or near-verbatim passage" + (copied.length > 1 ? "s" : "") +
          "; the longest has " + best[0] + " words in A and " + best[1] + " in B (partial reuse needs one of at least " +
          R.partial_min_words + " words on each side); together about " + nfmt(total) + " words, " + pct(covS) +
          " of the shorter document (" + S.id + "), where partial reuse needs " + R.partial_min_total_words + " words or " +
          pct0(R.partial_min_share) + ".");
        if (p.kind === "partial") add("Not a near-duplicate: " + pct(covS) + " of the shorter document lies in the passages, and a " +
          "near-duplicate needs " + pct0(R.near_min_coverage) + " in matching regions. " + shingles);
      }
      if (p.kind === "paraphrase") {
        const sims = rewritten.map(function (q) { return fmt(q.score, 2); });
        const mean = rewritten.length ? rewritten.reduce(function (s, q) { return s + q.score; }, 0) / rewritten.length : 0;
        const thr = R.para_threshold !== null && R.para_threshold !== undefined ? fmt(R.para_threshold, 2) :
          fmt(R.para_threshold_minilm, 2) + " with the MiniLM model, " + fmt(R.para_threshold_lexical, 2) + " with the lexical embedder";
        add(rewritten.length + " rewritten sentence pair" + (rewritten.length === 1 ? "" : "s") + " listed, each linked to its original " +
          "(P labels); sentence similarities " + (sims.length ? sims.join(", ") + " (mean " + fmt(mean, 2) + ")" : "none") +
          ". Sentences align from a similarity of " + thr + " and are listed from " + fmt(R.para_passage_min_score, 2) + ".");
        const pure = p.jaccard === 0 && p.ca === 0 && p.cb === 0;
        if (pure) {
          add("Aligned sentences cover " + pct(p.cova) + " of A's sentences and " + pct(p.covb) + " of B's (score " + fmt(p.score) +
            ": the share of both).");
        } else {
          add("The listed passages, rewritten and copied, cover " + pct(coverChars(A.text, passages, "a0", "a1")) + " of A's text and " +
            pct(coverChars(B.text, passages, "b0", "b1")) + " of B's. find's decision counted every aligned sentence pair, also " +
            "copied ones and those under the listing threshold, which the record does not list (retold align shows them all); " +
            "score " + fmt(p.score) + " is the share of both documents' sentences in aligned pairs.");
        }
        add("A paraphrase needs at least " + R.para_min_pairs + " aligned sentence pairs of " + R.para_min_pair_words +
          "+ words covering at least " + pct0(R.para_min_coverage) + " of one document and " + pct0(R.para_min_coverage_other) +
          " of the other (" + pct0(R.para_min_coverage_other_many) + " with " + R.para_many_pairs + "+ pairs). Copied sentences " +
          "count for coverage but not as rewrites: with copied passages, a pair is a paraphrase only when at least as much of it is " +
          "reworded as copied.");
      }
    }
    return box;
  }

  function coverChars(text, passages, ks, ke) { // share of non-space characters inside the passages
    const map = u16map(text);
    const spans = passages.map(function (q) { return [toU16(map, q[ks]), toU16(map, q[ke])]; }).sort(function (x, y) { return x[0] - y[0]; });
    let covered = 0, end = 0;
    spans.forEach(function (s) {
      const a = Math.max(s[0], end);
      if (s[1] > a) { covered += text.slice(a, s[1]).replace(/\s+/g, "").length; end = s[1]; }
    });
    const total = text.replace(/\s+/g, "").length;
    return total ? covered / total : 0;
  }

  function scrollIntoPanel(m) {
    const panel = m.closest(".text");
    if (panel && panel.scrollHeight > panel.clientHeight) {
      panel.scrollTop += m.getBoundingClientRect().top - panel.getBoundingClientRect().top - panel.clientHeight / 3;
    }
    const r = m.getBoundingClientRect();
    if (r.top < 60 || r.bottom > window.innerHeight) m.scrollIntoView({ block: "center" });
  }

  function focusPassage(root, i, from) {
    root.querySelectorAll("mark.active").forEach(function (m) { m.classList.remove("active"); });
    const marks = root.querySelectorAll('.doc mark[data-p="' + i + '"]');
    marks.forEach(function (m) { m.classList.add("active"); });
    const sides = root.querySelectorAll(".doc");
    sides.forEach(function (side) {
      if (from && side.contains(from)) return;
      const m = side.querySelector('mark[data-p="' + i + '"]');
      if (m) scrollIntoPanel(m);
    });
    root.dataset.current = i;
  }

  function wirePassages(root) {
    root.querySelectorAll(".doc .text").forEach(function (t) {
      t.addEventListener("click", function (e) {
        const m = e.target.closest("mark[data-p]");
        if (m) focusPassage(root, m.dataset.p, m);
      });
      t.addEventListener("keydown", function (e) {
        const m = e.target.closest && e.target.closest("mark[data-p]");
        if (m && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); focusPassage(root, m.dataset.p, m); }
      });
    });
    const table = root.querySelector("#passages");
    if (table) table.addEventListener("click", function (e) {
      const tr = e.target.closest("tr[data-passage]");
      if (tr) focusPassage(root, tr.dataset.passage, null);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // document view

  function viewDoc(id) {
    navCurrent("");
    setMain(el("p", { class: "loading", text: "Loading the document…" }));
    lookupId(id).then(function (i) {
      if (i < 0) throw new Error("no document “" + id + "” in this report: it is in no reported pair (or not in the corpus)");
      return getDoc(i);
    }).then(function (d) {
      const rels = [];
      for (let x = 0; x < d.rel.length; x += REL) {
        rels.push({ j: d.rel[x], other: d.rel[x + 1], kind: KINDS[d.rel[x + 2]], score: d.rel[x + 3] / 1000, side: d.rel[x + 4],
          source: d.rel[x + 5] });
      }
      const drawn = rels.slice().sort(function (x, y) { return y.score - x.score || x.j - y.j; }).slice(0, DOC_VIEW_RELATIONS);
      return Promise.all([d, getNames(rels.map(function (r) { return r.other; })), Promise.all(drawn.map(function (r) { return getPair(r.j); })),
        META.api ? null : families()]).then(function (x) { x.push(rels); return x; });
    }).then(function (r) {
      const d = r[0], names = r[1], pairs = r[2], f = r[3], rels = r[4];
      const map = u16map(d.text);
      const len = Math.max(1, cpLength(d.text, map));
      const nameOf = new Map();
      rels.forEach(function (x, k) { nameOf.set(x.other, names[k]); });
      const ivs = furnitureIntervals(d, map);
      const strip = el("div", { class: "strip", id: "strip", role: "group", "aria-label": "where the reused regions lie" });
      const regions = { verbatim: [], near_verbatim: [], paraphrase: [] };
      pairs.forEach(function (p) {
        const mine = p.a === d.i ? ["a0", "a1"] : ["b0", "b1"];
        const other = nameOf.get(p.a === d.i ? p.b : p.a);
        const key = p.a === d.i ? pairKey(d.id, other.id) : pairKey(other.id, d.id);
        p.passages.forEach(function (q) {
          const s = q[mine[0]], e = q[mine[1]];
          regions[q.kind].push([s, e]);
          ivs.push({ s: toU16(map, s), e: toU16(map, e), prio: q.kind === "paraphrase" ? 1 : 2, make: function (s1, e1) {
            return el("mark", { "data-kind": q.kind, "data-start": toCp(map, s1), "data-end": toCp(map, e1), "data-pair": key,
              class: "kc-" + q.kind, title: PKIND_NAME[q.kind] + " passage shared with " + other.id + " (" + KIND_NAME[p.kind] +
              ", score " + fmt(p.score) + "); click to open the pair" });
          } });
        });
      });
      const addSeg = function (kind, s, e, label) {
        strip.append(el("button", { class: "s-" + kind, style: "left:" + (100 * s / len) + "%;width:" + (100 * (e - s) / len) + "%",
          title: label + " [" + s + ", " + e + ")", "aria-label": label + " at " + pct0(s / len), onclick: function () {
            const m = main.querySelector('.doc mark[data-start="' + s + '"], .doc s[data-start="' + s + '"]');
            if (m) m.scrollIntoView({ block: "center" });
          } }));
      };
      Object.keys(regions).forEach(function (k) {
        merge(regions[k]).forEach(function (sp) { addSeg(k, sp[0], sp[1], PKIND_NAME[k] + " reuse"); });
      });
      for (let x = 0; x < d.bp.length; x += 2) addSeg("furniture", d.bp[x], d.bp[x + 1], "site furniture");
      const text = el("div", { class: "text" });
      renderText(text, d.text, ivs);
      text.addEventListener("click", function (e) {
        const m = e.target.closest("mark[data-pair]");
        if (m) location.hash = "#pair=" + m.dataset.pair;
      });
      const state = { rp: 0 };
      const relSection = el("section", { id: "relations" });
      const drawRels = function () {
        const table = el("table", null, el("thead", null, el("tr", null, el("th", { text: "related document" }),
          el("th", { text: "kind" }), el("th", { class: "num", text: "score" }), el("th", { text: "source (earlier date)" }))));
        const tb = el("tbody");
        rels.slice(state.rp * PAGE, (state.rp + 1) * PAGE).forEach(function (x) {
          const o = nameOf.get(x.other);
          tb.append(el("tr", { "data-pair": relKey(d, o, x), tabindex: 0, "data-href": "#pair=" + relKey(d, o, x) },
            el("td", null, el("a", { href: "#pair=" + relKey(d, o, x), text: o.id }), o.title ? el("div", { class: "muted snip", text: o.title }) : null),
            el("td", null, kindBadge(x.kind)), el("td", { class: "num", text: fmt(x.score) }), el("td", { text: x.source === 0 ? "not known" : x.source === x.side + 1 ? "this is the source" : "this is the copy" })));
        });
        table.append(tb);
        fill(relSection, el("h2", { text: "Every relation (" + nfmt(rels.length) + ", strongest first)" }), table,
          pagerFor(state, "rp", rels.length, drawRels));
      };
      drawRels();
      const fn = f ? f.n[d.family] : null;
      setMain(el("h1", { text: d.id }),
        el("p", { class: "muted" }, [d.date ? "dated " + d.date : "no date", nfmt(d.words) + " words", nfmt(rels.length) + (rels.length === 1 ? " relation" : " relations")].join(" · "),
          f ? " · " : null, f ? el("a", { href: "#family=" + fn, text: "family " + fn }) : null),
        el("h2", { text: "Where the reused regions lie" }), strip,
        el("div", { class: "legend" }, el("span", { class: "muted", text: "Strip: solid = verbatim, dashed = near-verbatim, hatched low = rewritten, grey hatched = furniture." }),
          rels.length > DOC_VIEW_RELATIONS ? el("span", { text: "Passages of the " + DOC_VIEW_RELATIONS + " strongest relations are drawn." }) : null),
        el("article", { class: "doc doc-page", "data-doc": d.id }, text), relSection);
    }).catch(showError);
  }

  function relKey(d, o, x) { return x.side === 0 ? pairKey(d.id, o.id) : pairKey(o.id, d.id); } // as the record names it

  function merge(spans) {
    spans.sort(function (x, y) { return x[0] - y[0]; });
    const out = [];
    spans.forEach(function (s) {
      if (out.length && s[0] <= out[out.length - 1][1]) out[out.length - 1][1] = Math.max(out[out.length - 1][1], s[1]);
      else out.push([s[0], s[1]]);
    });
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // routing and keys

  function route() {
    const h = location.hash.replace(/^#/, "");
    const eq = h.indexOf("=");
    const q = h.indexOf("?");
    const name = eq >= 0 ? h.slice(0, eq) : q >= 0 ? h.slice(0, q) : h;
    const value = eq >= 0 ? h.slice(eq + 1) : "";
    try {
      if (name === "pair") {
        const parts = value.split(",");
        if (parts.length !== 2) throw new Error("#pair= needs two ids separated by a comma (each URI-encoded)");
        viewPair(decodeURIComponent(parts[0]), decodeURIComponent(parts[1]));
      } else if (name === "doc") viewDoc(decodeURIComponent(value));
      else if (META.api) viewHome();
      else if (name === "family") viewFamily(Number(value));
      else if (name === "families") viewFamilies(parseQuery(q >= 0 ? h.slice(q + 1) : ""));
      else if (name === "search") viewFamilies({ q: decodeURIComponent(value) });
      else viewOverview();
    } catch (err) { showError(err); }
  }

  function rows() { return Array.prototype.slice.call(main.querySelectorAll("tr[data-href], li[data-href]")); }
  function moveSel(delta) {
    const rs = rows();
    if (!rs.length) return;
    let i = rs.findIndex(function (r) { return r.classList.contains("sel"); });
    if (i >= 0) rs[i].classList.remove("sel");
    i = i < 0 ? (delta > 0 ? 0 : rs.length - 1) : Math.max(0, Math.min(rs.length - 1, i + delta));
    rs[i].classList.add("sel");
    rs[i].focus();
  }
  function stepPassage(delta) {
    const marks = main.querySelectorAll('.doc[data-side="a"] mark[data-label], .doc-page mark');
    if (!marks.length) return;
    if (main.querySelector(".doc-page")) {
      const cur = Number(main.dataset.docmark || -1);
      const i = Math.max(0, Math.min(marks.length - 1, cur + delta));
      main.dataset.docmark = i;
      marks[i].scrollIntoView({ block: "center" });
      return;
    }
    const n = marks.length;
    const cur = main.dataset.current === undefined ? -1 : Number(main.dataset.current);
    const i = cur < 0 ? (delta > 0 ? 0 : n - 1) : (cur + delta + n) % n;
    focusPassage(main, i, null);
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    const typing = t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA");
    if (typing) { if (e.key === "Escape") t.blur(); return; }
    const help = document.getElementById("help");
    switch (e.key) {
      case "/": e.preventDefault(); document.getElementById("q").focus(); break;
      case "o": location.hash = "#overview"; break;
      case "f": location.hash = "#families"; break;
      case "j": case "ArrowDown": if (rows().length) { e.preventDefault(); moveSel(1); } break;
      case "k": case "ArrowUp": if (rows().length) { e.preventDefault(); moveSel(-1); } break;
      case "Enter": {
        const r = t && t.closest ? t.closest("[data-href]") : null;
        if (r && !(t.tagName === "A")) { e.preventDefault(); location.hash = r.dataset.href; }
        break;
      }
      case "n": stepPassage(1); break;
      case "p": stepPassage(-1); break;
      case "u": { const a = main.querySelector("#family-link, a[href^='#family=']"); if (a) location.hash = a.getAttribute("href"); break; }
      case "?": help.hidden = !help.hidden; break;
      case "Escape": help.hidden = true; break;
      default: break;
    }
  });
  main.addEventListener("click", function (e) {
    if (e.target.closest("a, button, input, select, mark")) return;
    const r = e.target.closest("tr[data-href], li[data-href]");
    if (r) location.hash = r.dataset.href;
  });
  document.getElementById("search").addEventListener("submit", function (e) {
    e.preventDefault();
    const v = document.getElementById("q").value.trim();
    if (META.api) location.hash = v ? docHref(v) : "#overview";
    else location.hash = v ? "#search=" + encodeURIComponent(v) : "#families";
  });
  if (META.api) { // no families here: the header looks documents up
    document.querySelector('header.top nav a[data-view="families"]').remove();
    document.querySelector('header.top nav a[data-view="overview"]').textContent = "Look up / paste";
    document.getElementById("q").placeholder = "Look up a document id (/)";
  }
  document.getElementById("help-button").addEventListener("click", function () {
    const help = document.getElementById("help");
    help.hidden = !help.hidden;
  });
  window.addEventListener("hashchange", route);
  route();
})();
