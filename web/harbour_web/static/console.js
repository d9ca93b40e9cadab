// Shared by both consoles: sign-in by pasted token, GraphQL over the same origin, live
// subscriptions over graphql-transport-ws, the notification bell and a service search.
// The token lives in this tab's sessionStorage only and is sent to the gateway, nowhere else.
var Harbour = (function () {
  "use strict";
  var KEY = "harbour.token";

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

  function token() { return sessionStorage.getItem(KEY) || ""; }

  function claims(raw) {
    try {
      var part = raw.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      var json = decodeURIComponent(atob(part).split("").map(function (c) {
        return "%" + ("00" + c.charCodeAt(0).toString(16)).slice(-2);
      }).join(""));
      return JSON.parse(json);
    } catch (e) { return null; }
  }

  function gql(query, variables) {
    return fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer " + token() },
      body: JSON.stringify({ query: query, variables: variables || {} })
    }).then(function (r) { return r.json(); }).then(function (body) {
      if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
      return body.data;
    });
  }

  // A problem result (typed GraphQL union member) as words, or null when it succeeded.
  function problem(result, wanted) {
    if (!result) return "No answer.";
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
      socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: "Bearer " + token() } }));
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
    socket.onclose = function () {
      self.ready = false;
      document.body.setAttribute("data-live", "off");
      if (token()) setTimeout(function () { self.connect(); }, 2000);
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
      return gql("{ unreadCount notifications(first: 10) { id title reference createdAt readAt } }").then(function (d) {
        count.textContent = String(d.unreadCount);
        list.textContent = "";
        d.notifications.forEach(function (n) {
          list.appendChild(el("li", {}, el(n.readAt ? "span" : "strong", { text: n.title }), " · " + n.reference));
        });
        if (!d.notifications.length) list.appendChild(el("li", { text: "No notifications yet." }));
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

  // Sign-in by a pasted token, then `start(claims)` shows the console.
  function signIn(role, start) {
    var form = $("signin"), area = $("token"), who = $("who");
    function enter() {
      var c = claims(token());
      if (!c || !c.exp || c.exp * 1000 < Date.now()) {
        sessionStorage.removeItem(KEY);
        $("signed-out").hidden = false;
        $("signed-in").hidden = true;
        return;
      }
      $("signed-out").hidden = true;
      $("signed-in").hidden = false;
      who.textContent = (c.name || c.sub) + (c.roles ? " · " + c.roles.join(", ") : "");
      $("signout").hidden = false;
      $("signed-in-bar").hidden = false;
      live = new Live();
      bell().then(function () { start(c); }).catch(function (e) { say("signin-status", e.message, true); });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var raw = area.value.trim().replace(/^Bearer\s+/i, "");
      var c = claims(raw);
      if (!c) { say("signin-status", "That is not a token. Paste the whole token.", true); return; }
      if ((c.roles || []).indexOf(role) < 0 && (c.roles || []).indexOf("org_admin") < 0) {
        say("signin-status", "This token does not have the " + role + " role.", true);
        return;
      }
      sessionStorage.setItem(KEY, raw);
      area.value = "";
      enter();
    });
    $("signout").addEventListener("click", function () {
      sessionStorage.removeItem(KEY);
      location.reload();
    });
    if (token()) enter();
  }

  var SEARCH = "query Find($near: String, $filter: ServiceFilter, $orderBy: NearbyOrder! = DISTANCE) {" +
    " nearbyServices(near: $near, filter: $filter, first: 20, locale: \"en\", orderBy: $orderBy) { __typename" +
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
      say(statusId, "Searching…");
      var orderBy = data.get("order") === "quickest" ? "TRAVEL_TIME" : "DISTANCE";
      gql(SEARCH, { near: data.get("near") || "Central", filter: filter, orderBy: orderBy }).then(function (d) {
        var found = d.nearbyServices, list = $(listId);
        list.textContent = "";
        if (found.__typename !== "NearbyServiceConnection") { say(statusId, found.message, true); return; }
        say(statusId, found.edges.length + " services found.");
        found.edges.forEach(function (edge) {
          var n = edge.node;
          var facts = Math.round(n.distance) + " m · " +
            (n.travelMinutes === null ? "" : "about " + n.travelMinutes + " min · ") + (n.free ? "free · " : "") +
            (n.acceptingReferrals === false ? "not taking referrals · " : "") + n.languages.join(", ");
          var item = el("li", { "data-service-id": n.service.id },
            el("strong", { text: n.service.name }), " — " + n.service.organization.name,
            el("br"), el("span", { text: facts }), el("br"));
          if (n.route) { item.appendChild(el("span", { class: "route", text: n.route })); item.appendChild(el("br")); }
          actions(n).forEach(function (b) { item.appendChild(b); item.appendChild(document.createTextNode(" ")); });
          list.appendChild(item);
        });
      }).catch(function (e) { say(statusId, e.message, true); });
    });
  }

  function categories(selectId) {
    return gql("{ categories(locale: \"en\") { code name } }").then(function (d) {
      var select = $(selectId);
      d.categories.forEach(function (c) { select.appendChild(el("option", { value: c.code, text: c.name })); });
    });
  }

  function history(entries) {
    var list = el("ol", { class: "list" });
    entries.forEach(function (h) {
      list.appendChild(el("li", { text: h.at.slice(0, 16).replace("T", " ") + " — " + h.action + " → " + h.toStatus + (h.businessStatus ? " (" + h.businessStatus + ")" : "") }));
    });
    return list;
  }

  function notes(referral, onAdded) {
    var box = el("div", {}, el("h3", { text: "Notes" }));
    (referral.notes || []).forEach(function (n) {
      box.appendChild(el("p", { class: "note" }, el("strong", { text: (n.author || "someone") + ": " }), n.body));
    });
    if (!referral.notes || !referral.notes.length) box.appendChild(el("p", { text: "No notes yet." }));
    var input = el("textarea", { id: "note-body", rows: "2" });
    var form = el("form", { class: "row" },
      el("div", {}, el("label", { for: "note-body", text: "Add a note" }), input),
      el("button", { type: "submit", text: "Add note" }));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!input.value.trim()) return;
      gql("mutation Note($id: ID!, $body: String!) { addReferralNote(id: $id, body: $body) { __typename ... on Problem { message } } }",
        { id: referral.id, body: input.value.trim() }).then(onAdded);
    });
    box.appendChild(form);
    return box;
  }

  return {
    $: $, el: el, gql: gql, problem: problem, say: say, signIn: signIn, token: token,
    live: function () { return live; }, serviceSearch: serviceSearch, categories: categories,
    history: history, notes: notes
  };
})();
