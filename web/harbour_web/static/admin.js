// The organisation admin console: webhook endpoints and their delivery log, the organisation's
// listings, their opening hours and intake capacity. Secrets are shown once and kept nowhere.
(function () {
  "use strict";
  var H = Harbour, $ = H.$, el = H.el;

  // English for now, in one place, so the console catalogue can take them over.
  var TEXT = {
    loading: "Loading…",
    endpoints_none: "No webhook endpoints yet.",
    endpoints_count: "{n} webhook endpoint(s).",
    every_type: "every event type",
    enabled: "Enabled",
    disabled: "Disabled",
    added_on: "added {when}",
    last_delivery: "last delivery: {status}",
    no_delivery: "no deliveries yet",
    open_log: "Delivery log",
    rotate: "Rotate secret",
    disable: "Disable",
    enable: "Enable",
    send_test: "Send a test",
    added: "Endpoint added. Copy its secret now: it will not be shown again.",
    rotated: "New secret made. Copy it now: it will not be shown again. The old one signs for 24 more hours.",
    now_disabled: "Endpoint disabled: it receives nothing until enabled.",
    now_enabled: "Endpoint enabled.",
    test_queued: "Test message queued; see the delivery log.",
    secret_cleared: "Secret hidden.",
    log_for: "Deliveries to {url}, newest first.",
    log_none: "No deliveries to this endpoint yet.",
    log_count: "{n} deliveries shown.",
    resend: "Re-send",
    resent: "Queued again.",
    no_response: "—",
    listings_none: "Your organisation has no listings.",
    listings_count: "{n} listing(s).",
    taking: "taking referrals",
    not_taking: "not taking referrals",
    unknown_intake: "intake not given",
    wait_weeks: "about {n} weeks' wait",
    no_hours: "no opening hours given",
    hours_saved: "Opening hours saved for {name}.",
    intake_saved: "Intake capacity saved for {name}.",
    hours_line: "Line {n}: write days, then HH:MM-HH:MM, e.g. MO,TU,WE 09:00-17:00",
    weeks_invalid: "Waiting time: give a whole number of weeks, 0 or more."
  };
  var REDRIVABLE = ["failed", "bounced", "not_sent"];
  var PROBLEM = " ... on Problem { message } ... on ValidationProblem { fields { field message } }";

  var ENDPOINTS = "{ webhookEndpoints { id url eventTypes enabled createdAt lastDeliveryStatus } }";
  var TYPES = "{ webhookEventTypes }";
  var ADD = "mutation Add($input: WebhookEndpointInput!) { addWebhookEndpoint(input: $input) { __typename" +
    " ... on WebhookSecretIssued { secret endpoint { id url } }" + PROBLEM + " } }";
  var ROTATE = "mutation Rotate($id: ID!) { rotateWebhookSecret(id: $id) { __typename" +
    " ... on WebhookSecretIssued { secret endpoint { id url } }" + PROBLEM + " } }";
  var DISABLE = "mutation Off($id: ID!) { disableWebhookEndpoint(id: $id) { __typename ... on Problem { message } } }";
  var ENABLE = "mutation On($id: ID!) { enableWebhookEndpoint(id: $id) { __typename ... on Problem { message } } }";
  var TEST = "mutation Test($id: ID!) { sendWebhookTest(id: $id) { __typename" + PROBLEM + " } }";
  var LOG = "query Log($id: ID!, $after: String) { webhookDeliveries(endpointId: $id, first: 20, after: $after) { __typename" +
    " ... on WebhookDeliveryConnection { pageInfo { hasNextPage endCursor }" +
    " edges { node { id eventType status attempts lastAttemptAt responseCode reason } } }" + PROBLEM + " } }";
  var REDRIVE = "mutation Redrive($id: ID!) { redriveWebhookDelivery(id: $id) { __typename" + PROBLEM + " } }";
  var MINE = "{ myServices(locale: \"en\") { id name acceptingReferrals waitlistWeeks" +
    " openingHours { days opensAt closesAt description } } }";
  var HOURS = "mutation Hours($id: ID!, $h: [OpeningHoursInput!]!) { updateOpeningHours(serviceId: $id, hours: $h) {" +
    " __typename" + PROBLEM + " } }";
  var INTAKE = "mutation Intake($id: ID!, $i: IntakeInput!) { updateIntake(serviceId: $id, intake: $i) {" +
    " __typename" + PROBLEM + " } }";

  var listings = [], logOf = null;

  function words(key, values) {
    return TEXT[key].replace(/\{(\w+)\}/g, function (whole, name) {
      return values && values[name] !== undefined ? String(values[name]) : whole;
    });
  }

  // A problem result in words, naming the fields at fault; null when it succeeded.
  function why(result, wanted) {
    var text = H.problem(result, wanted);
    if (text && result && result.fields && result.fields.length) {
      text += " (" + result.fields.map(function (f) { return f.field + ": " + f.message; }).join("; ") + ")";
    }
    return text;
  }

  // Service times are UTC; SQLite's come without an offset.
  function at(iso) {
    if (!iso) return TEXT.no_response;
    var text = /(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : iso + "Z";
    return new Date(text).toLocaleString("en-GB", {
      timeZone: "Asia/Hong_Kong", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit"
    });
  }

  function button(text, label, onclick) {
    return el("button", { type: "button", text: text, "aria-label": label || null, onclick: onclick });
  }

  // --- webhook endpoints ------------------------------------------------------------------

  function showSecret(url, secret) {
    $("secret-url").textContent = url;
    $("secret-value").value = secret;
    $("secret-panel").hidden = false;
    $("secret-panel").focus();
  }

  function hideSecret() {
    $("secret-value").value = "";
    $("secret-panel").hidden = true;
    H.say("hooks-status", TEXT.secret_cleared);
  }

  function endpointItem(e) {
    var types = e.eventTypes.length ? e.eventTypes.join(", ") : TEXT.every_type;
    var facts = [e.enabled ? TEXT.enabled : TEXT.disabled, words("added_on", { when: at(e.createdAt) }),
      e.lastDeliveryStatus ? words("last_delivery", { status: e.lastDeliveryStatus }) : TEXT.no_delivery];
    var switchText = e.enabled ? TEXT.disable : TEXT.enable;
    return el("li", { "data-endpoint-id": e.id, "data-enabled": String(e.enabled) },
      el("strong", { text: e.url }), el("br"),
      el("span", { text: types }), el("br"),
      el("span", { class: "endpoint-facts", text: facts.join(" · ") }),
      el("p", { class: "actions" },
        button(TEXT.open_log, TEXT.open_log + " of " + e.url, function () { openLog(e, null); }),
        button(TEXT.rotate, TEXT.rotate + " of " + e.url, function () { rotate(e); }),
        button(switchText, switchText + " " + e.url, function () { toggle(e); }),
        button(TEXT.send_test, TEXT.send_test + " to " + e.url, function () { sendTest(e); })));
  }

  function refreshEndpoints() {
    return H.gql(ENDPOINTS).then(function (d) {
      var list = $("hooks");
      list.textContent = "";
      d.webhookEndpoints.forEach(function (e) { list.appendChild(endpointItem(e)); });
      return d.webhookEndpoints;
    });
  }

  function report(statusId, result, wanted, okText) {
    var problem = why(result, wanted);
    H.say(statusId, problem || okText, !!problem);
    return !problem;
  }

  function fail(statusId) { return function (e) { H.say(statusId, e.message, true); }; }

  function rotate(e) {
    H.gql(ROTATE, { id: e.id }).then(function (d) {
      var r = d.rotateWebhookSecret;
      if (report("hooks-status", r, "WebhookSecretIssued", TEXT.rotated)) showSecret(r.endpoint.url, r.secret);
    }).catch(fail("hooks-status"));
  }

  function toggle(e) {
    var mutation = e.enabled ? DISABLE : ENABLE, name = e.enabled ? "disableWebhookEndpoint" : "enableWebhookEndpoint";
    H.gql(mutation, { id: e.id }).then(function (d) {
      if (report("hooks-status", d[name], "WebhookEndpoint", e.enabled ? TEXT.now_disabled : TEXT.now_enabled)) {
        return refreshEndpoints();
      }
    }).catch(fail("hooks-status"));
  }

  function sendTest(e) {
    H.gql(TEST, { id: e.id }).then(function (d) {
      if (report("hooks-status", d.sendWebhookTest, "WebhookDelivery", TEXT.test_queued) && logOf && logOf.id === e.id) {
        openLog(e, null);
      }
    }).catch(fail("hooks-status"));
  }

  function addEndpoint(event) {
    event.preventDefault();
    var types = Array.prototype.slice.call(document.querySelectorAll("#hook-types input:checked"))
      .map(function (box) { return box.value; });
    H.gql(ADD, { input: { url: $("hook-url").value.trim(), eventTypes: types } }).then(function (d) {
      var r = d.addWebhookEndpoint;
      if (!report("hooks-status", r, "WebhookSecretIssued", TEXT.added)) return;
      $("hook-add").reset();
      return refreshEndpoints().then(function () { showSecret(r.endpoint.url, r.secret); });
    }).catch(fail("hooks-status"));
  }

  function eventTypes() {
    return H.gql(TYPES).then(function (d) {
      var box = $("hook-types");
      d.webhookEventTypes.forEach(function (type, i) {
        box.appendChild(el("label", { for: "hook-type-" + i },
          el("input", { type: "checkbox", id: "hook-type-" + i, name: "eventTypes", value: type }), " " + type));
      });
    });
  }

  // --- delivery log -----------------------------------------------------------------------

  function logRow(e, n) {
    var action = REDRIVABLE.indexOf(n.status) >= 0
      ? button(TEXT.resend, TEXT.resend + " " + n.eventType + " delivery", function () { redrive(e, n); })
      : el("span", { text: TEXT.no_response });
    return el("tr", { "data-delivery-id": n.id, "data-status": n.status },
      el("td", { text: n.eventType }),
      el("td", {}, el("span", { class: "status-tag", text: n.status.replace("_", " ") }),
        n.reason ? el("span", { class: "hint", text: " " + n.reason }) : null),
      el("td", { text: String(n.attempts) }),
      el("td", { text: at(n.lastAttemptAt) }),
      el("td", { text: n.responseCode === null ? TEXT.no_response : String(n.responseCode) }),
      el("td", {}, action));
  }

  function openLog(e, after) {
    logOf = e;
    $("log").hidden = false;
    $("log-endpoint").textContent = words("log_for", { url: e.url });
    if (!after) { $("log-rows").textContent = ""; H.say("log-status", TEXT.loading); }
    return H.gql(LOG, { id: e.id, after: after }).then(function (d) {
      var page = d.webhookDeliveries;
      if (!report("log-status", page, "WebhookDeliveryConnection", "")) return;
      page.edges.forEach(function (edge) { $("log-rows").appendChild(logRow(e, edge.node)); });
      var shown = $("log-rows").children.length;
      H.say("log-status", shown ? words("log_count", { n: shown }) : TEXT.log_none);
      var more = $("log-more");
      more.hidden = !page.pageInfo.hasNextPage;
      more.onclick = function () { openLog(e, page.pageInfo.endCursor); };
    }).catch(fail("log-status"));
  }

  function redrive(e, n) {
    H.gql(REDRIVE, { id: n.id }).then(function (d) {
      if (report("log-status", d.redriveWebhookDelivery, "WebhookDelivery", TEXT.resent)) {
        return openLog(e, null).then(function () { H.say("log-status", TEXT.resent); });
      }
    }).catch(fail("log-status"));
  }

  // --- listings, opening hours, intake ----------------------------------------------------

  function hoursText(hours) {
    return hours.map(function (h) { return h.days + " " + h.opensAt + "-" + h.closesAt; }).join("\n");
  }

  // "MO,TU 09:00-17:00" per line; a line that does not read so is named in the message.
  function parseHours(text) {
    var lines = text.split("\n"), parsed = [];
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i].trim();
      if (!line) continue;
      var m = line.match(/^([A-Za-z]{2}(?:\s*,\s*[A-Za-z]{2})*)\s+(\d\d:\d\d)\s*-\s*(\d\d:\d\d)$/);
      if (!m) throw new Error(words("hours_line", { n: i + 1 }));
      parsed.push({ days: m[1].replace(/\s/g, "").toUpperCase(), opensAt: m[2], closesAt: m[3] });
    }
    return parsed;
  }

  function listingItem(s) {
    var intake = s.acceptingReferrals === null ? TEXT.unknown_intake : (s.acceptingReferrals ? TEXT.taking : TEXT.not_taking);
    if (s.waitlistWeeks) intake += " · " + words("wait_weeks", { n: s.waitlistWeeks });
    return el("li", { "data-service-id": s.id },
      el("strong", { text: s.name }), el("br"),
      el("span", { class: "listing-intake", text: intake }), el("br"),
      el("span", { class: "listing-hours", text: s.openingHours.length ? hoursText(s.openingHours).replace(/\n/g, "; ") : TEXT.no_hours }));
  }

  function fillSelect(id, chosen) {
    var select = $(id);
    select.textContent = "";
    listings.forEach(function (s) { select.appendChild(el("option", { value: s.id, text: s.name })); });
    if (chosen) select.value = chosen;
  }

  function chosen(id) {
    var value = $(id).value;
    return listings.filter(function (s) { return s.id === value; })[0] || null;
  }

  function showHours() {
    var s = chosen("hours-listing");
    $("hours-text").value = s ? hoursText(s.openingHours) : "";
  }

  function showIntake() {
    var s = chosen("intake-listing");
    $("intake-accepting").checked = !!(s && s.acceptingReferrals);
    $("intake-weeks").value = s && s.waitlistWeeks !== null ? String(s.waitlistWeeks) : "";
  }

  // Reloads the listings; `show` fills the forms named (the one just saved), never one being edited.
  function refreshListings(show) {
    var hoursChoice = $("hours-listing").value, intakeChoice = $("intake-listing").value;
    return H.gql(MINE).then(function (d) {
      listings = d.myServices;
      var list = $("listings");
      list.textContent = "";
      listings.forEach(function (s) { list.appendChild(listingItem(s)); });
      H.say("listings-status", listings.length ? words("listings_count", { n: listings.length }) : TEXT.listings_none);
      fillSelect("hours-listing", hoursChoice);
      fillSelect("intake-listing", intakeChoice);
      show.forEach(function (fill) { fill(); });
    });
  }

  function saveHours(event) {
    event.preventDefault();
    var s = chosen("hours-listing"), parsed;
    if (!s) return;
    try { parsed = parseHours($("hours-text").value); } catch (e) { H.say("hours-status", e.message, true); return; }
    H.gql(HOURS, { id: s.id, h: parsed }).then(function (d) {
      var problem = why(d.updateOpeningHours, "Service");
      if (problem) { H.say("hours-status", problem, true); return; }
      return refreshListings([showHours]).then(function () {
        H.say("hours-status", words("hours_saved", { name: s.name }));
      });
    }).catch(fail("hours-status"));
  }

  function saveIntake(event) {
    event.preventDefault();
    var s = chosen("intake-listing"), raw = $("intake-weeks").value.trim();
    if (!s) return;
    var intake = { acceptingReferrals: $("intake-accepting").checked };
    if (raw) {
      if (!/^\d+$/.test(raw)) { H.say("intake-status", TEXT.weeks_invalid, true); return; }
      intake.waitlistWeeks = parseInt(raw, 10);
    }
    H.gql(INTAKE, { id: s.id, i: intake }).then(function (d) {
      var problem = why(d.updateIntake, "Service");
      if (problem) { H.say("intake-status", problem, true); return; }
      return refreshListings([showIntake]).then(function () {
        H.say("intake-status", words("intake_saved", { name: s.name }));
      });
    }).catch(fail("intake-status"));
  }

  H.signIn("org_admin", function () {
    $("hook-add").addEventListener("submit", addEndpoint);
    $("secret-done").addEventListener("click", hideSecret);
    $("hours-form").addEventListener("submit", saveHours);
    $("intake-form").addEventListener("submit", saveIntake);
    $("hours-listing").addEventListener("change", showHours);
    $("intake-listing").addEventListener("change", showIntake);
    H.say("hooks-status", TEXT.loading);
    H.say("listings-status", TEXT.loading);
    eventTypes().then(refreshEndpoints).then(function (found) {
      H.say("hooks-status", found.length ? words("endpoints_count", { n: found.length }) : TEXT.endpoints_none);
    }).catch(fail("hooks-status"));
    refreshListings([showHours, showIntake]).catch(fail("listings-status"));
  });
})();
