// The partner console: the organisation's inbox, live; each step of the handoff; own listings.
(function () {
  "use strict";
  var H = Harbour, $ = H.$, el = H.el;
  var me = null, current = null;

  var INBOX = "{ inbox(first: 50) { edges { node { id reference status businessStatus urgency createdAt" +
    " service { name } referrerOrganization { name } } } } }";
  var DETAIL = "query Detail($id: ID!) { referral(id: $id) { __typename ... on Referral {" +
    " id reference status businessStatus version urgency purpose assignee outcome allowedActions sharedDetails" +
    " service { name } referrerOrganization { name }" +
    " history { action toStatus businessStatus at } }" +
    " ... on Problem { message } } }";
  // Asked apart from the details: each is an audited read, and audits are written one at a time.
  var NOTES = "query Notes($id: ID!) { referral(id: $id) { ... on Referral { id notes { author body createdAt } } } }";
  var RESULT = " { __typename ... on Referral { id reference status version } ... on Problem { message } }";

  function button(text, onclick, cls) { return el("button", { type: "button", text: text, onclick: onclick, class: cls || null }); }
  function field(id, label, control) { return el("div", {}, el("label", { for: id, text: label }), control); }
  function select(id, options) {
    var s = el("select", { id: id });
    options.forEach(function (o) { s.appendChild(el("option", { value: o[0], text: o[1] })); });
    return s;
  }

  function refreshInbox() {
    return H.gql(INBOX).then(function (d) {
      var list = $("inbox");
      list.textContent = "";
      d.inbox.edges.forEach(function (e) {
        var r = e.node;
        list.appendChild(el("li", { "data-referral-id": r.id },
          el("strong", { text: r.reference }), " " + r.service.name + " · " + r.urgency + " · ",
          el("span", { class: "status-tag", text: r.status }),
          r.referrerOrganization ? " · from " + r.referrerOrganization.name : "", " ",
          button("Open " + r.reference, function () { open(r.id); })));
      });
      H.say("inbox-status", d.inbox.edges.length + " open referrals.");
    }).catch(function (e) { H.say("inbox-status", e.message, true); });
  }

  // Runs one lifecycle mutation with the version last read, then shows the result.
  function act(mutation, variables) {
    variables.id = current.id;
    variables.version = current.version;
    $("actions").textContent = "";  // no second click on a step already under way
    var name = mutation.match(/\{\s*(\w+)/)[1];
    return H.gql(mutation, variables).then(function (d) {
      var result = d[name], why = H.problem(result, "Referral");
      if (why) { H.say("detail-status", why, true); return; }
      H.say("detail-status", "Done: " + result.reference + " is " + result.status + ".");
      if (result.id !== current.id) current = null;  // forwarded: this one left our inbox
      return refreshInbox().then(function () { if (current) open(current.id); else $("detail").hidden = true; });
    }).catch(function (e) { H.say("detail-status", e.message, true); });
  }

  function actions(r) {
    var box = $("actions"), allowed = r.allowedActions;
    box.textContent = "";
    function can(a) { return allowed.indexOf(a) >= 0; }
    var simple = [["acknowledge", "Acknowledge", "acknowledgeReferral"], ["start", "Start work", "startReferral"], ["resume", "Resume", "resumeReferral"]];
    simple.forEach(function (s) {
      if (can(s[0])) box.appendChild(el("p", {}, button(s[1], function () {
        act("mutation M($id: ID!, $version: Int) { " + s[2] + "(id: $id, version: $version)" + RESULT + " }", {});
      })));
    });
    if (can("accept")) {
      var who = el("input", { id: "assignee", type: "text", value: me.sub });
      box.appendChild(el("div", { class: "row" }, field("assignee", "Assign to", who), button("Accept", function () {
        act("mutation M($id: ID!, $a: String!, $version: Int) { acceptReferral(id: $id, assignee: $a, version: $version)" + RESULT + " }", { a: who.value.trim() });
      }, "primary")));
    }
    if (can("reject")) {
      var reason = select("reject-reason", [["NO_CAPACITY", "No capacity"], ["INELIGIBLE", "Not eligible"], ["OUT_OF_SCOPE", "Out of scope"], ["UNREACHABLE", "Client unreachable"], ["DUPLICATE", "Duplicate"], ["OTHER", "Other"]]);
      var why = el("input", { id: "reject-text", type: "text" });
      box.appendChild(el("div", { class: "row" }, field("reject-reason", "Decline because", reason), field("reject-text", "Explanation", why),
        button("Decline", function () {
          act("mutation M($id: ID!, $r: RejectReason!, $t: String, $version: Int) { rejectReferral(id: $id, reason: $r, text: $t, version: $version)" + RESULT + " }",
            { r: reason.value, t: why.value.trim() || null });
        })));
    }
    if (can("hold")) {
      var hold = select("hold-reason", [["AWAITING_INFORMATION", "Awaiting information"], ["WAITLISTED", "Waitlisted"], ["CLIENT_UNREACHABLE", "Client unreachable"]]);
      box.appendChild(el("div", { class: "row" }, field("hold-reason", "Hold because", hold), button("Put on hold", function () {
        act("mutation M($id: ID!, $r: HoldReason!, $version: Int) { holdReferral(id: $id, reason: $r, version: $version)" + RESULT + " }", { r: hold.value });
      })));
    }
    if (can("complete") || can("fail")) {
      var outcome = el("textarea", { id: "outcome", rows: "2" });
      var row = el("div", { class: "row" }, field("outcome", "Outcome", outcome));
      if (can("complete")) row.appendChild(button("Complete", function () {
        act("mutation M($id: ID!, $o: String!, $version: Int) { completeReferral(id: $id, outcome: $o, version: $version)" + RESULT + " }", { o: outcome.value.trim() });
      }, "primary"));
      if (can("fail")) row.appendChild(button("Close as failed", function () {
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
    $("detail-heading").textContent = "Referral " + r.reference;
    $("referral-status").textContent = r.status + (r.businessStatus ? " (" + r.businessStatus + ")" : "");
    if (!same) actions(r);
    var body = $("detail-body");
    body.textContent = "";
    body.appendChild(el("p", { text: r.service.name + " · " + r.purpose + " · " + r.urgency + (r.assignee ? " · assigned to " + r.assignee : "") }));
    if (r.outcome) body.appendChild(el("p", { text: "Outcome: " + r.outcome }));
    body.appendChild(el("h3", { text: "What the claimant agreed to share" }));
    var shared = el("dl");
    Object.keys(r.sharedDetails || {}).forEach(function (k) {
      var v = r.sharedDetails[k];
      if (v === null || v === "" || (Array.isArray(v) && !v.length)) return;
      if (Array.isArray(v)) v = v.join(", ");
      else if (typeof v === "object") v = Object.keys(v).filter(function (x) { return v[x] !== "" && v[x] !== null; })
        .map(function (x) { return x.replace(/_/g, " ") + ": " + v[x]; }).join("; ");
      shared.appendChild(el("dt", { text: k.replace(/_/g, " ") }));
      shared.appendChild(el("dd", { text: String(v) }));
    });
    body.appendChild(shared);
    body.appendChild(el("h3", { text: "History" }));
    body.appendChild(H.history(r.history));
  }

  function open(id) {
    return H.gql(DETAIL, { id: id }).then(function (d) {
      if (d.referral.__typename !== "Referral") { H.say("detail-status", d.referral.message, true); return; }
      render(d.referral);
      return H.gql(NOTES, { id: id }).then(function (n) {
        if (current && current.id === id) $("detail-body").appendChild(H.notes(n.referral, function () { open(id); }));
      });
    }).catch(function (e) { H.say("detail-status", e.message, true); });
  }

  var MINE = "query Mine($after: String) { nearbyServices(lat: 22.35, lng: 114.15, radius: 50000, first: 100, after: $after, locale: \"en\") {" +
    " ... on NearbyServiceConnection { pageInfo { hasNextPage endCursor } edges { node { service { id name organization { id } } } } } } }";
  var LISTING = "query L($id: ID!) { service(id: $id) { ... on Service { id name acceptingReferrals waitlistWeeks intakeUpdatedAt" +
    " openingHours { days opensAt closesAt description } } } }";

  // The API has no "my organisation's services" list, so the whole directory is paged through.
  function myServices(after, found) {
    return H.gql(MINE, { after: after }).then(function (d) {
      var page = d.nearbyServices;
      page.edges.forEach(function (e) {
        var s = e.node.service;
        if (s.organization && s.organization.id === me.org_id) found[s.id] = s.name;
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
      if (!m) throw new Error("Write each line as DAYS HH:MM-HH:MM, e.g. MO,TU,WE 09:00-17:00");
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
        el("p", {}, el("label", {}, accepting, " Taking referrals")),
        field("weeks-" + n, "Waiting list (weeks)", weeks),
        el("p", {}, button("Save intake", function () {
          H.gql("mutation I($id: ID!, $i: IntakeInput!) { updateIntake(serviceId: $id, intake: $i) { __typename ... on Problem { message } } }",
            { id: s.id, i: { acceptingReferrals: accepting.checked, waitlistWeeks: parseInt(weeks.value || "0", 10) } })
            .then(function (r) { report(r.updateIntake, "Intake saved."); })
            .catch(function (e) { H.say(status, e.message, true); });
        })),
        field("hours-" + n, "Opening hours (one line each: MO,TU 09:00-17:00)", hours),
        el("p", {}, button("Save hours", function () {
          var parsed;
          try { parsed = parseHours(hours.value); } catch (e) { H.say(status, e.message, true); return; }
          H.gql("mutation O($id: ID!, $h: [OpeningHoursInput!]!) { updateOpeningHours(serviceId: $id, hours: $h) { __typename ... on Problem { message } } }",
            { id: s.id, h: parsed })
            .then(function (r) { report(r.updateOpeningHours, "Hours saved."); })
            .catch(function (e) { H.say(status, e.message, true); });
        })),
        el("p", { class: "status", id: status, role: "status", "aria-live": "polite" }));
    });
  }

  H.signIn("partner_staff", function (claims) {
    me = claims;
    refreshInbox();
    // New referrals and every change arrive here; the list and the open referral follow.
    H.live().subscribe("inbox", "subscription { inboxChanged { referralId status version } }", {}, function (data) {
      var change = data.inboxChanged;
      refreshInbox();
      if (change && current && change.referralId === current.id && change.version !== current.version) open(current.id);
    });
    H.categories("fwd-need");
    H.serviceSearch("fwd-search", "fwd-results", "fwd-status", function (node) {
      return [button("Forward here", function () {
        if (!current) { H.say("fwd-status", "Open a referral first.", true); return; }
        act("mutation M($id: ID!, $s: ID!, $version: Int) { forwardReferral(id: $id, serviceId: $s, version: $version)" + RESULT + " }", { s: node.service.id });
      })];
    });
    $("load-mine").addEventListener("click", function () {
      H.say("mine-status", "Loading…");
      myServices(null, {}).then(function (found) {
        var ids = Object.keys(found), list = $("mine");
        list.textContent = "";
        return Promise.all(ids.map(function (id, n) { return listing(id, n); })).then(function (items) {
          items.forEach(function (item) { list.appendChild(item); });
          H.say("mine-status", ids.length + " services.");
        });
      }).catch(function (e) { H.say("mine-status", e.message, true); });
    });
  });
})();
