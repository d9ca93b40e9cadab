// Shared by the consoles: the signed-in person (rendered by the server), GraphQL over the same
// origin, live subscriptions over graphql-transport-ws, the notification bell, a service search,
// referral tables, and the page's language (messages, plurals, times in the user's zone).
// The browser holds no token: the web app adds the session's token on the way to the gateway.
var Harbour = (function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // The page's language: its messages and names, rendered by the server as a JSON data block.
  var PAGE = (function () {
    var node = document.getElementById("console-messages");
    try { return JSON.parse(node.textContent); } catch (e) {
      return { lang: "en", contentLocale: "en", zone: "Asia/Hong_Kong", messages: {}, categories: {}, languages: {} };
    }
  })();
  var zone = PAGE.zone;
  var plurals = new Intl.PluralRules(PAGE.lang);

  // A message with its `{name}` placeholders filled; an unknown key shows itself, never a blank.
  function t(key, values) {
    var text = PAGE.messages[key];
    if (typeof text !== "string") text = key;
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && values[name] !== undefined && values[name] !== null ? String(values[name]) : whole;
    });
  }

  // The form of `key` the language's plural rules ask for (`key_one`…; `key` itself is `other`).
  function plural(key, count, values) {
    var form = plurals.select(count), chosen = key + "_" + form;
    var filled = Object.assign({}, values || {}, { count: count.toLocaleString(PAGE.lang) });
    return t(form !== "other" && typeof PAGE.messages[chosen] === "string" ? chosen : key, filled);
  }

  // A word for a code from a table of the catalogue (`status.accepted`), else the code itself.
  function word(table, code) {
    var key = table + "." + code;
    return typeof PAGE.messages[key] === "string" ? PAGE.messages[key] : code;
  }

  function category(code) { return PAGE.categories[code] || code; }
  function language(code) { return PAGE.languages[code] || code; }

  // The sign-in may name the user's time zone; one the browser does not know is ignored.
  function useZone(name) {
    if (!name) return;
    try { new Intl.DateTimeFormat(PAGE.lang, { timeZone: name }); zone = name; } catch (e) { /* keep the default */ }
  }

  // A service timestamp as a Date; SQLite's come without an offset and are UTC.
  function instant(iso) {
    var text = String(iso).replace(" ", "T").replace(/(\.\d{3})\d+/, "$1");
    if (!/(Z|[+-]\d\d:?\d\d)$/.test(text)) text += "Z";
    return new Date(text);
  }

  function clock(iso, withYear) {
    var options = { timeZone: zone, month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (withYear) options.year = "numeric";
    return new Intl.DateTimeFormat(PAGE.lang, options).format(instant(iso));
  }

  var UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];

  // "3 hours ago", "in 2 days", "3 小時前": the largest whole unit.
  function relative(iso) {
    var seconds = (instant(iso).getTime() - Date.now()) / 1000;
    var format = new Intl.RelativeTimeFormat(PAGE.lang, { numeric: "auto" });
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(seconds) >= UNITS[i][1]) return format.format(Math.round(seconds / UNITS[i][1]), UNITS[i][0]);
    }
    return format.format(0, "second");  // "now", "現在"
  }

  // A time as the user reads it: the clock in their zone, then how long ago; the exact instant stays machine-readable.
  function when(iso) {
    if (!iso) return el("span", { class: "muted", text: "—" });
    return el("span", { class: "when" },
      el("time", { datetime: iso, title: clock(iso, true) + " (" + zone + ")", text: clock(iso, false) }),
      " ", el("span", { class: "ago", text: relative(iso) }));
  }

  // A referral's status in words, with its coded reason if it has one: "Declined: No capacity".
  function statusText(status, businessStatus) {
    var text = word("status", status);
    return businessStatus ? t("with_reason", { step: text, reason: word("business", businessStatus) }) : text;
  }

  // Who is signed in, rendered by the server into the page; no token ever reaches the browser.
  var SESSION = (function () {
    var node = $("session");
    try { return node ? JSON.parse(node.textContent) : null; } catch (e) { return null; }
  })();

  // The session has ended (expired, or signed out elsewhere): sign in again and come back here.
  function signedOut() {
    location.assign("/signin?next=" + encodeURIComponent(location.pathname));
  }

  function gql(query, variables) {
    return fetch("/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": SESSION ? SESSION.csrf : "" },
      body: JSON.stringify({ query: query, variables: variables || {} })
    }).then(function (r) {
      if (r.status === 401) { signedOut(); throw new Error("signed out"); }
      return r.json();
    }).then(function (body) {
      if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
      return body.data;
    });
  }

  // A problem result (typed GraphQL union member) as words, or null when it succeeded.
  function problem(result, wanted) {
    if (!result) return t("no_answer");
    if (result.__typename === wanted) return null;
    return result.message || result.__typename;
  }

  function say(id, text, isError) {
    var node = $(id);
    if (!node) return;
    node.textContent = text;
    node.className = isError ? "status error" : "status";
  }

  // One graphql-transport-ws connection, reconnecting and re-subscribing when it drops.
  function Live() {
    this.handlers = {};
    this.socket = null;
    this.ready = false;
    this.seq = 0;
    this.connect();
  }
  Live.prototype.connect = function () {
    var self = this;
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql";
    var socket = new WebSocket(url, "graphql-transport-ws");
    self.socket = socket;
    socket.onopen = function () {
      // The web app adds the session's token on its way to the gateway.
      socket.send(JSON.stringify({ type: "connection_init", payload: {} }));
    };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        self.ready = true;
        Object.keys(self.handlers).forEach(function (id) { self.start(id); });
        document.body.setAttribute("data-live", "on");
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (message.type === "next" && self.handlers[message.id]) {
        self.handlers[message.id].onNext(message.payload.data || {});
      }
    };
    socket.onclose = function (event) {
      self.ready = false;
      document.body.setAttribute("data-live", "off");
      if (event.code === 4403) { signedOut(); return; }
      setTimeout(function () { self.connect(); }, 2000);
    };
  };
  Live.prototype.start = function (id) {
    var h = this.handlers[id];
    this.socket.send(JSON.stringify({ id: id, type: "subscribe", payload: { query: h.query, variables: h.variables } }));
  };
  Live.prototype.subscribe = function (name, query, variables, onNext) {
    var id = name + "-" + (++this.seq);
    this.handlers[id] = { query: query, variables: variables || {}, onNext: onNext };
    if (this.ready) this.start(id);
    return id;
  };
  Live.prototype.unsubscribe = function (id) {
    if (!this.handlers[id]) return;
    delete this.handlers[id];
    if (this.ready) this.socket.send(JSON.stringify({ id: id, type: "complete" }));
  };

  var live = null;

  function bell() {
    var count = $("bell-count"), list = $("bell-list"), button = $("bell");
    function refresh() {
      return gql("{ unreadCount notifications(first: 10) { id kind title reference createdAt readAt } }").then(function (d) {
        count.textContent = d.unreadCount.toLocaleString(PAGE.lang);
        list.textContent = "";
        d.notifications.forEach(function (n) {
          var key = "notice." + n.kind;
          // A kind this page has no words for keeps the title the notifications service wrote.
          var text = typeof PAGE.messages[key] === "string" ? t(key, { reference: n.reference }) : n.title + " · " + n.reference;
          list.appendChild(el("li", {}, el(n.readAt ? "span" : "strong", { text: text }), " ", when(n.createdAt)));
        });
        if (!d.notifications.length) list.appendChild(el("li", { text: t("no_notifications") }));
      });
    }
    button.addEventListener("click", function () {
      var open = $("bell-panel").hidden;
      $("bell-panel").hidden = !open;
      button.setAttribute("aria-expanded", String(open));
    });
    $("bell-read").addEventListener("click", function () {
      gql("mutation { markAllNotificationsRead }").then(refresh);
    });
    live.subscribe("bell", "subscription { notificationReceived { id title reference } }", {}, function () { refresh(); });
    return refresh();
  }

  // The server signed the person in before rendering the page; `start(user)` shows the console.
  function signIn(role, start) {
    if (!SESSION) { signedOut(); return; }
    $("who").textContent = SESSION.name;
    $("signed-in-bar").hidden = false;
    live = new Live();
    bell().then(function () { start(SESSION); }).catch(function (e) { say("detail-status", e.message, true); });
  }

  var SEARCH = "query Find($near: String, $filter: ServiceFilter, $orderBy: NearbyOrder! = DISTANCE, $locale: String) {" +
    " nearbyServices(near: $near, filter: $filter, first: 20, locale: $locale, orderBy: $orderBy) { __typename" +
    " ... on NearbyServiceConnection { edges { node { id distance travelMinutes route openNow acceptingReferrals languages free" +
    " place { address } service { id name categories organization { id name } } } } }" +
    " ... on Problem { message } } }";

  // A service search in `formId`; each result gets the buttons `actions(node)` returns.
  function serviceSearch(formId, listId, statusId, actions) {
    var form = $(formId);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var filter = { freeOnly: !!data.get("free") };
      if (data.get("need")) filter.categories = [data.get("need")];
      if (data.get("speaks")) filter.languages = [data.get("speaks")];
      say(statusId, t("searching"));
      var orderBy = data.get("order") === "quickest" ? "TRAVEL_TIME" : "DISTANCE";
      var near = data.get("near") || "Central";
      gql(SEARCH, { near: near, filter: filter, orderBy: orderBy, locale: PAGE.contentLocale }).then(function (d) {
        var found = d.nearbyServices, list = $(listId);
        list.textContent = "";
        if (found.__typename !== "NearbyServiceConnection") { say(statusId, found.message, true); return; }
        say(statusId, plural("services_found", found.edges.length));
        found.edges.forEach(function (edge) {
          var n = edge.node, facts = [t("distance_m", { n: Math.round(n.distance).toLocaleString(PAGE.lang) })];
          if (n.travelMinutes !== null) facts.push(t("about_minutes", { n: n.travelMinutes }));
          if (n.free) facts.push(t("free"));
          if (n.acceptingReferrals === false) facts.push(t("not_taking_referrals"));
          if (n.languages.length) facts.push(n.languages.map(language).join(t("list_separator")));
          var item = el("li", { "data-service-id": n.service.id },
            el("strong", { text: n.service.name }), " — " + n.service.organization.name,
            el("br"), el("span", { text: facts.join(" · ") }), el("br"));
          if (n.route) { item.appendChild(el("span", { class: "route", text: n.route })); item.appendChild(el("br")); }
          actions(n).forEach(function (b) { item.appendChild(b); item.appendChild(document.createTextNode(" ")); });
          list.appendChild(item);
        });
      }).catch(function (e) { say(statusId, e.message, true); });
    });
  }

  function history(entries) {
    var list = el("ol", { class: "list history" });
    entries.forEach(function (h) {
      var step = word("action", h.action);
      if (h.businessStatus) step = t("with_reason", { step: step, reason: word("business", h.businessStatus) });
      list.appendChild(el("li", {}, el("span", { class: "step", text: step }), " · ", when(h.at)));
    });
    return list;
  }

  function notes(referral, onAdded) {
    var box = el("div", {}, el("h3", { text: t("notes") }));
    (referral.notes || []).forEach(function (n) {
      box.appendChild(el("div", { class: "note" },
        el("p", {}, el("strong", { text: n.author || t("someone") }), " ", n.createdAt ? when(n.createdAt) : null),
        el("p", { text: n.body })));
    });
    if (!referral.notes || !referral.notes.length) box.appendChild(el("p", { text: t("no_notes") }));
    var input = el("textarea", { id: "note-body", rows: "2" });
    var form = el("form", { class: "row" },
      el("div", {}, el("label", { for: "note-body", text: t("add_note_label") }), input),
      el("button", { type: "submit", text: t("add_note") }));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!input.value.trim()) return;
      gql("mutation Note($id: ID!, $body: String!) { addReferralNote(id: $id, body: $body) { __typename ... on Problem { message } } }",
        { id: referral.id, body: input.value.trim() }).then(onAdded);
    });
    box.appendChild(form);
    return box;
  }

  // What each list filter asks the referrals service for (null: every status).
  var FILTERS = {
    open: ["draft", "requested", "received", "accepted", "in-progress", "on-hold"],
    ended: ["rejected", "completed", "failed", "cancelled", "entered-in-error"],
    all: null
  };
  var PAGE_SIZE = 20;

  // A table of referrals under `prefix` (`prefix-rows`, `-filter`, `-more`, `-count`), paged by cursor.
  // `query` takes $filter, $first and $after and answers `field`; `row(referral)` builds a <tr>.
  function referralList(prefix, query, field, row) {
    var rows = $(prefix + "-rows"), filter = $(prefix + "-filter"), more = $(prefix + "-more");
    var columns = rows.parentNode.querySelectorAll("thead th").length;
    var shown = 0, cursor = null, latest = 0;
    function load(first, after) {
      var asked = ++latest, statuses = FILTERS[filter.value];
      return gql(query, { filter: statuses ? { statuses: statuses } : null, first: first, after: after }).then(function (d) {
        if (asked !== latest) return;  // a newer load (a live change, a filter) answers instead
        var page = d[field];
        if (!after) { rows.textContent = ""; shown = 0; }
        page.edges.forEach(function (e) { rows.appendChild(row(e.node)); });
        shown += page.edges.length;
        cursor = page.pageInfo.endCursor;
        more.hidden = !page.pageInfo.hasNextPage;
        if (!shown) rows.appendChild(el("tr", {}, el("td", { colspan: String(columns), text: t("none_" + filter.value) })));
        var counted = plural("count_" + filter.value, shown);
        say(prefix + "-count", page.pageInfo.hasNextPage ? t("count_and_more", { counted: counted }) : counted);
      }).catch(function (e) { if (asked === latest) say(prefix + "-count", e.message, true); });
    }
    filter.addEventListener("change", function () { load(PAGE_SIZE, null); });
    more.addEventListener("click", function () { load(PAGE_SIZE, cursor); });
    // A refresh keeps as many rows as were shown, so a live change does not fold the list up.
    return { refresh: function () { return load(Math.max(PAGE_SIZE, shown), null); } };
  }

  // The table cells shared by both lists.
  function referenceCell(r, onOpen) {
    return el("th", { scope: "row" }, el("button", {
      type: "button", class: "link", "aria-label": t("open_reference", { reference: r.reference }),
      text: r.reference, onclick: function () { onOpen(r.id); }
    }));
  }
  function dueCell(r) {
    var due = r.acknowledgeBy || r.decideBy;
    if (!due || FILTERS.open.indexOf(r.status) < 0) return el("td", { text: "—" });
    var late = instant(due).getTime() < Date.now();
    return el("td", { class: late ? "late" : null },
      el("span", { class: "due-step", text: t(r.acknowledgeBy ? "due_acknowledge" : "due_decide") }), when(due));
  }
  function statusCell(r) {
    return el("td", {}, el("span", { class: "status-tag", "data-status": r.status, text: statusText(r.status, r.businessStatus) }));
  }

  return {
    $: $, el: el, gql: gql, problem: problem, say: say, signIn: signIn, session: function () { return SESSION; },
    live: function () { return live; }, serviceSearch: serviceSearch,
    history: history, notes: notes, t: t, plural: plural, word: word, category: category, language: language,
    useZone: useZone, when: when, statusText: statusText, referralList: referralList,
    referenceCell: referenceCell, dueCell: dueCell, statusCell: statusCell, page: PAGE
  };
})();
