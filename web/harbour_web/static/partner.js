// The partner console: the organisation's inbox, live; each step of the handoff; own listings.
(function () {
  "use strict";
  var H = Harbour, $ = H.$, el = H.el, t = H.t;
  var me = null, current = null, inbox = null;

  var INBOX = "query Inbox($filter: ReferralFilter, $first: Int!, $after: String) {" +
    " inbox(filter: $filter, first: $first, after: $after) { pageInfo { hasNextPage endCursor }" +
    " edges { node { id reference status businessStatus urgency createdAt sentAt acknowledgeBy decideBy" +
    " service { name } referrerOrganization { name } } } } }";
  var DETAIL = "query Detail($id: ID!) { referral(id: $id) { __typename ... on Referral {" +
    " id reference status businessStatus version urgency purpose assignee outcome allowedActions" +
    " service { name } referrerOrganization { name }" +
    " history { action toStatus businessStatus at } }" +
    " ... on Problem { message } } }";
  // Asked apart from the details: each is an audited read, and audits are written one at a time.
  var NOTES = "query Notes($id: ID!) { referral(id: $id) { ... on Referral { id notes { author body createdAt } } } }";
  // Refused once the referral is closed to us; the rest of it still shows.
  var SHARED = "query Shared($id: ID!) { referral(id: $id) { ... on Referral { id sharedDetails } } }";
  var RESULT = " { __typename ... on Referral { id reference status version } ... on Problem { message } }";

  function button(text, onclick, cls) { return el("button", { type: "button", text: text, onclick: onclick, class: cls || null }); }
  function field(id, label, control) { return el("div", {}, el("label", { for: id, text: label }), control); }
  function enumOption(code) { return [code.toUpperCase().replace(/-/g, "_"), H.word("business", code)]; }
  function select(id, options) {
    var s = el("select", { id: id });
    options.forEach(function (o) { s.appendChild(el("option", { value: o[0], text: o[1] })); });
    return s;
  }

  function inboxRow(r) {
    return el("tr", { "data-referral-id": r.id, class: "urgency-" + r.urgency },
      H.referenceCell(r, open),
      el("td", { text: r.service.name }),
      el("td", { text: r.referrerOrganization ? r.referrerOrganization.name : "—" }),
      el("td", {}, el("span", { class: "urgency", text: H.word("urgency", r.urgency) })),
      el("td", {}, H.when(r.sentAt || r.createdAt)),
      H.dueCell(r),
      H.statusCell(r));
  }

  function refreshInbox() { return inbox.refresh(); }

  // Runs one lifecycle mutation with the version last read, then shows the result.
  function act(mutation, variables) {
    variables.id = current.id;
    variables.version = current.version;
    $("actions").textContent = "";  // no second click on a step already under way
    var name = mutation.match(/\{\s*(\w+)/)[1];
    return H.gql(mutation, variables).then(function (d) {
      var result = d[name], why = H.problem(result, "Referral");
      if (why) { H.say("detail-status", why, true); return; }
      H.say("detail-status", t("done", { reference: result.reference, status: H.statusText(result.status) }));
      if (result.id !== current.id) current = null;  // forwarded: this one left our inbox
      return refreshInbox().then(function () { if (current) open(current.id); else $("detail").hidden = true; });
    }).catch(function (e) { H.say("detail-status", e.message, true); });
  }

  function actions(r) {
    var box = $("actions"), allowed = r.allowedActions;
    box.textContent = "";
    function can(a) { return allowed.indexOf(a) >= 0; }
    var simple = [["acknowledge", t("acknowledge"), "acknowledgeReferral"], ["start", t("start_work"), "startReferral"], ["resume", t("resume"), "resumeReferral"]];
    simple.forEach(function (s) {
      if (can(s[0])) box.appendChild(el("p", {}, button(s[1], function () {
        act("mutation M($id: ID!, $version: Int) { " + s[2] + "(id: $id, version: $version)" + RESULT + " }", {});
      })));
    });
    if (can("accept")) {
      var who = el("input", { id: "assignee", type: "text", value: me.sub || "" });
      box.appendChild(el("div", { class: "row" }, field("assignee", t("assign_to"), who), button(t("accept"), function () {
        act("mutation M($id: ID!, $a: String!, $version: Int) { acceptReferral(id: $id, assignee: $a, version: $version)" + RESULT + " }", { a: who.value.trim() });
      }, "primary")));
    }
    if (can("reject")) {
      // GraphQL's enum names, in the words the history uses for the same reasons.
      var reason = select("reject-reason", ["no-capacity", "ineligible", "out-of-scope", "unreachable", "duplicate", "other"].map(enumOption));
      var why = el("input", { id: "reject-text", type: "text" });
      box.appendChild(el("div", { class: "row" }, field("reject-reason", t("decline_because"), reason), field("reject-text", t("explanation"), why),
        button(t("decline"), function () {
          act("mutation M($id: ID!, $r: RejectReason!, $t: String, $version: Int) { rejectReferral(id: $id, reason: $r, text: $t, version: $version)" + RESULT + " }",
            { r: reason.value, t: why.value.trim() || null });
        })));
    }
    if (can("hold")) {
      var hold = select("hold-reason", ["awaiting-information", "waitlisted", "client-unreachable"].map(enumOption));
      box.appendChild(el("div", { class: "row" }, field("hold-reason", t("hold_because"), hold), button(t("put_on_hold"), function () {
        act("mutation M($id: ID!, $r: HoldReason!, $version: Int) { holdReferral(id: $id, reason: $r, version: $version)" + RESULT + " }", { r: hold.value });
      })));
    }
    if (can("complete") || can("fail")) {
      var outcome = el("textarea", { id: "outcome", rows: "2" });
      var row = el("div", { class: "row" }, field("outcome", t("outcome"), outcome));
      if (can("complete")) row.appendChild(button(t("complete"), function () {
        act("mutation M($id: ID!, $o: String!, $version: Int) { completeReferral(id: $id, outcome: $o, version: $version)" + RESULT + " }", { o: outcome.value.trim() });
      }, "primary"));
      if (can("fail")) row.appendChild(button(t("close_failed"), function () {
        act("mutation M($id: ID!, $o: String!, $version: Int) { failReferral(id: $id, outcome: $o, version: $version)" + RESULT + " }", { o: outcome.value.trim() });
      }));
      box.appendChild(row);
    }
  }

  function render(r) {
    // The same version again (a live echo of our own step): keep what is being typed.
    var same = current && current.id === r.id && current.version === r.version && $("actions").childNodes.length;
    current = r;
    $("detail").hidden = false;
    $("detail-heading").textContent = t("referral_reference", { reference: r.reference });
    $("referral-status").textContent = H.statusText(r.status, r.businessStatus);
    if (!same) actions(r);
    var body = $("detail-body");
    body.textContent = "";
    var summary = [r.service.name, H.category(r.purpose), H.word("urgency", r.urgency)];
    if (r.assignee) summary.push(t("assigned_to", { assignee: r.assignee }));
    body.appendChild(el("p", { text: summary.join(" · ") }));
    if (r.outcome) body.appendChild(el("p", { text: t("outcome_is", { outcome: r.outcome }) }));
    body.appendChild(el("h3", { text: t("shared_heading") }));
    body.appendChild(el("div", { id: "shared" }));
    body.appendChild(el("h3", { text: t("history") }));
    body.appendChild(H.history(r.history));
    body.appendChild(el("div", { id: "notes" }));
  }

  // The order a reader wants the shared fields in; each is labelled, never shown by its key.
  var FIELDS = ["name", "alias", "phone", "email", "safe_contact", "languages", "interpreter_needed",
    "needs_summary", "urgency", "vulnerability_flags"];

  function fieldValue(key, v) {
    if (key === "languages") return v.map(H.language).join(t("list_separator"));
    if (key === "vulnerability_flags") return v.map(function (f) { return H.word("vulnerability", f); }).join(t("list_separator"));
    if (key === "urgency") return H.word("urgency", v);
    if (typeof v === "boolean") return t(v ? "yes" : "no");
    if (key === "safe_contact") {
      var parts = ["voicemail_ok", "sms_ok", "whatsapp_ok"].filter(function (k) { return v[k]; })
        .map(function (k) { return t("safe." + k); });
      if (v.best_times) parts.push(t("safe.best_times", { times: v.best_times }));
      if (v.notes) parts.push(t("safe.notes", { notes: v.notes }));
      return parts.join("; ");
    }
    return String(v);
  }

  function sharedDetails(shared) {
    if (!shared) return el("p", { text: t("nothing_shared") });
    var list = el("dl", { class: "shared" });
    FIELDS.forEach(function (key) {
      var v = shared[key];
      if (v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length)) return;
      var text = fieldValue(key, v);
      if (!text) return;
      list.appendChild(el("dt", { text: t("field." + key) }));
      list.appendChild(el("dd", { text: text }));
    });
    if (shared.categories && shared.categories.length) {
      list.appendChild(el("dt", { text: t("field.categories") }));
      list.appendChild(el("dd", { text: shared.categories.map(function (c) { return t("share." + c); }).join(t("list_separator")) }));
    }
    return list;
  }

  function showing(id, box) { return current && current.id === id && $(box); }

  function open(id) {
    return H.gql(DETAIL, { id: id }).then(function (d) {
      if (d.referral.__typename !== "Referral") { H.say("detail-status", d.referral.message, true); return; }
      render(d.referral);
      return H.gql(SHARED, { id: id }).then(function (s) { return sharedDetails(s.referral.sharedDetails); },
        function () { return el("p", { text: t("shared_closed") }); })
        .then(function (shown) {
          if (!showing(id, "shared")) return;
          $("shared").replaceChildren(shown);
          return H.gql(NOTES, { id: id }).then(function (n) { return H.notes(n.referral, function () { open(id); }); },
            function () { return el("p", { text: t("notes_closed") }); });
        })
        .then(function (notes) {
          // Two opens may overlap (a live change and our own step): the box is replaced, never added to.
          if (notes && showing(id, "notes")) $("notes").replaceChildren(notes);
        });
    }).catch(function (e) { H.say("detail-status", e.message, true); });
  }

  var MINE = "query Mine($after: String, $locale: String) { nearbyServices(lat: 22.35, lng: 114.15, radius: 50000, first: 100, after: $after, locale: $locale) {" +
    " ... on NearbyServiceConnection { pageInfo { hasNextPage endCursor } edges { node { service { id name organization { id } } } } } } }";
  var LISTING = "query L($id: ID!) { service(id: $id) { ... on Service { id name acceptingReferrals waitlistWeeks intakeUpdatedAt" +
    " openingHours { days opensAt closesAt description } } } }";

  // The API has no "my organisation's services" list, so the whole directory is paged through.
  function myServices(after, found) {
    return H.gql(MINE, { after: after, locale: H.page.contentLocale }).then(function (d) {
      var page = d.nearbyServices;
      page.edges.forEach(function (e) {
        var s = e.node.service;
        if (s.organization && s.organization.id === (me.orgId || me.org_id)) found[s.id] = s.name;
      });
      return page.pageInfo.hasNextPage ? myServices(page.pageInfo.endCursor, found) : found;
    });
  }

  function hoursText(hours) {
    return hours.map(function (h) { return h.days + " " + h.opensAt + "-" + h.closesAt; }).join("\n");
  }

  function parseHours(text) {
    return text.split("\n").map(function (l) { return l.trim(); }).filter(Boolean).map(function (line) {
      var m = line.match(/^([A-Z,]+)\s+(\d\d:\d\d)\s*-\s*(\d\d:\d\d)$/);
      if (!m) throw new Error(t("hours_format"));
      return { days: m[1], opensAt: m[2], closesAt: m[3] };
    });
  }

  function listing(id, n) {
    return H.gql(LISTING, { id: id }).then(function (d) {
      var s = d.service, status = "svc-status-" + n;
      var accepting = el("input", { type: "checkbox", id: "accepting-" + n, checked: s.acceptingReferrals ? "checked" : null });
      var weeks = el("input", { type: "number", min: "0", id: "weeks-" + n, value: String(s.waitlistWeeks || 0) });
      var hours = el("textarea", { id: "hours-" + n, rows: "3" });
      hours.value = hoursText(s.openingHours);
      function report(result, okText) {
        var why = H.problem(result, "Service");
        H.say(status, why || okText, !!why);
      }
      return el("li", { "data-service-id": s.id },
        el("h3", { text: s.name }),
        el("p", {}, el("label", {}, accepting, " " + t("taking_referrals"))),
        field("weeks-" + n, t("waitlist_weeks"), weeks),
        el("p", {}, button(t("save_intake"), function () {
          H.gql("mutation I($id: ID!, $i: IntakeInput!) { updateIntake(serviceId: $id, intake: $i) { __typename ... on Problem { message } } }",
            { id: s.id, i: { acceptingReferrals: accepting.checked, waitlistWeeks: parseInt(weeks.value || "0", 10) } })
            .then(function (r) { report(r.updateIntake, t("intake_saved")); })
            .catch(function (e) { H.say(status, e.message, true); });
        })),
        field("hours-" + n, t("hours_label"), hours),
        el("p", {}, button(t("save_hours"), function () {
          var parsed;
          try { parsed = parseHours(hours.value); } catch (e) { H.say(status, e.message, true); return; }
          H.gql("mutation O($id: ID!, $h: [OpeningHoursInput!]!) { updateOpeningHours(serviceId: $id, hours: $h) { __typename ... on Problem { message } } }",
            { id: s.id, h: parsed })
            .then(function (r) { report(r.updateOpeningHours, t("hours_saved")); })
            .catch(function (e) { H.say(status, e.message, true); });
        })),
        el("p", { class: "status", id: status, role: "status", "aria-live": "polite" }));
    });
  }

  H.signIn("partner_staff", function (user) {
    me = user;
    H.useZone(user && user.timeZone);
    inbox = H.referralList("inbox", INBOX, "inbox", inboxRow);
    refreshInbox();
    // New referrals and every change arrive here; the list and the open referral follow.
    H.live().subscribe("inbox", "subscription { inboxChanged { referralId status version } }", {}, function (data) {
      var change = data.inboxChanged;
      refreshInbox();
      if (change && current && change.referralId === current.id && change.version !== current.version) open(current.id);
    });
    H.serviceSearch("fwd-search", "fwd-results", "fwd-status", function (node) {
      return [button(t("forward_here"), function () {
        if (!current) { H.say("fwd-status", t("open_first"), true); return; }
        act("mutation M($id: ID!, $s: ID!, $version: Int) { forwardReferral(id: $id, serviceId: $s, version: $version)" + RESULT + " }", { s: node.service.id });
      })];
    });
    $("load-mine").addEventListener("click", function () {
      H.say("mine-status", t("loading"));
      myServices(null, {}).then(function (found) {
        var ids = Object.keys(found), list = $("mine");
        list.textContent = "";
        return Promise.all(ids.map(function (id, n) { return listing(id, n); })).then(function (items) {
          items.forEach(function (item) { list.appendChild(item); });
          H.say("mine-status", H.plural("services_count", ids.length));
        });
      }).catch(function (e) { H.say("mine-status", e.message, true); });
    });
  });
})();
