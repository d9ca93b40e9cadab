// The organisation admin console: webhook endpoints and their delivery log, the organisation's
// listings, their opening hours and intake capacity. Secrets are shown once and kept nowhere.
(function () {
  "use strict";
  var H = Harbour, $ = H.$, el = H.el;

  // Every word comes from the console catalogue (`admin_…`), in the signed-in person's language.
  var t = H.t, NONE = "—";
  var REDRIVABLE = ["failed", "bounced", "not_sent"];
  var PROBLEM = " ... on Problem { message } ... on ValidationProblem { fields { field message } }";

  var ENDPOINTS = "{ webhookEndpoints { id url description eventTypes enabled createdAt lastDeliveryStatus } }";
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
  var MINE = "query Mine($locale: String) { myServices(locale: $locale) { id name acceptingReferrals waitlistWeeks" +
    " openingHours { days opensAt closesAt description } } }";
  var HOURS = "mutation Hours($id: ID!, $h: [OpeningHoursInput!]!) { updateOpeningHours(serviceId: $id, hours: $h) {" +
    " __typename" + PROBLEM + " } }";
  var INTAKE = "mutation Intake($id: ID!, $i: IntakeInput!) { updateIntake(serviceId: $id, intake: $i) {" +
    " __typename" + PROBLEM + " } }";

  var listings = [], logOf = null;

  // A message as nodes, so a placeholder may hold an element (a time) where the language puts it.
  function phrase(key, values) {
    var box = el("span");
    t(key).split(/(\{\w+\})/).forEach(function (part) {
      var name = /^\{(\w+)\}$/.exec(part), value = name ? values[name[1]] : null;
      if (value === null || value === undefined) { if (part) box.appendChild(document.createTextNode(part)); }
      else box.appendChild(typeof value === "string" ? document.createTextNode(value) : value);
    });
    return box;
  }

  // A problem result in words, naming the fields at fault; null when it succeeded.
  function why(result, wanted) {
    var text = H.problem(result, wanted);
    if (text && result && result.fields && result.fields.length) {
      text += " (" + result.fields.map(function (f) { return f.field + ": " + f.message; }).join("; ") + ")";
    }
    return text;
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
    H.say("hooks-status", t("admin_secret_cleared"));
  }

  function endpointItem(e) {
    // Event types are codes partner systems subscribe by, so they are shown as such.
    var types = e.eventTypes.length ? e.eventTypes.join(t("list_separator")) : t("admin_every_type");
    var last = e.lastDeliveryStatus
      ? t("admin_last_delivery", { status: H.word("admin_delivery", e.lastDeliveryStatus) }) : t("admin_no_delivery");
    return el("li", { "data-endpoint-id": e.id, "data-enabled": String(e.enabled) },
      el("strong", { text: e.url }), el("br"),
      e.description ? el("span", { class: "endpoint-description", dir: "auto", text: e.description }) : null,
      e.description ? el("br") : null,
      el("span", { text: types }), el("br"),
      // Inside "added {when}" the clock alone reads well; "3 minutes ago" after it would not.
      el("span", { class: "endpoint-facts" }, t(e.enabled ? "admin_enabled" : "admin_disabled"), " · ",
        phrase("admin_added_on", { when: H.when(e.createdAt).querySelector("time") }), " · ", last),
      el("p", { class: "actions" },
        button(t("admin_open_log"), t("admin_open_log_of", { url: e.url }), function () { openLog(e, null); }),
        button(t("admin_rotate"), t("admin_rotate_of", { url: e.url }), function () { rotate(e); }),
        e.enabled
          ? button(t("admin_disable"), t("admin_disable_url", { url: e.url }), function () { toggle(e); })
          : button(t("admin_enable"), t("admin_enable_url", { url: e.url }), function () { toggle(e); }),
        button(t("admin_send_test"), t("admin_send_test_to", { url: e.url }), function () { sendTest(e); })));
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
      if (report("hooks-status", r, "WebhookSecretIssued", t("admin_rotated"))) showSecret(r.endpoint.url, r.secret);
    }).catch(fail("hooks-status"));
  }

  function toggle(e) {
    var mutation = e.enabled ? DISABLE : ENABLE, name = e.enabled ? "disableWebhookEndpoint" : "enableWebhookEndpoint";
    H.gql(mutation, { id: e.id }).then(function (d) {
      if (report("hooks-status", d[name], "WebhookEndpoint", t(e.enabled ? "admin_now_disabled" : "admin_now_enabled"))) {
        return refreshEndpoints();
      }
    }).catch(fail("hooks-status"));
  }

  function sendTest(e) {
    H.gql(TEST, { id: e.id }).then(function (d) {
      if (report("hooks-status", d.sendWebhookTest, "WebhookDelivery", t("admin_test_queued")) && logOf && logOf.id === e.id) {
        openLog(e, null);
      }
    }).catch(fail("hooks-status"));
  }

  function addEndpoint(event) {
    event.preventDefault();
    var types = Array.prototype.slice.call(document.querySelectorAll("#hook-types input:checked"))
      .map(function (box) { return box.value; });
    var input = { url: $("hook-url").value.trim(), description: $("hook-description").value.trim() || null, eventTypes: types };
    H.gql(ADD, { input: input }).then(function (d) {
      var r = d.addWebhookEndpoint;
      if (!report("hooks-status", r, "WebhookSecretIssued", t("admin_added"))) return;
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
      ? button(t("admin_resend"), t("admin_resend_of", { type: n.eventType }), function () { redrive(e, n); })
      : el("span", { text: NONE });
    return el("tr", { "data-delivery-id": n.id, "data-status": n.status },
      el("td", { text: n.eventType }),
      el("td", {}, el("span", { class: "status-tag", text: H.word("admin_delivery", n.status) }),
        // The service writes its reasons in English; the page says so to screen readers.
        n.reason ? el("span", { class: "hint", lang: "en", text: " " + n.reason }) : null),
      el("td", { text: String(n.attempts) }),
      el("td", {}, H.when(n.lastAttemptAt)),
      el("td", { text: n.responseCode === null ? NONE : String(n.responseCode) }),
      el("td", {}, action));
  }

  function openLog(e, after) {
    logOf = e;
    $("log").hidden = false;
    $("log-endpoint").textContent = t("admin_log_for", { url: e.url });
    if (!after) { $("log-rows").textContent = ""; H.say("log-status", t("loading")); }
    return H.gql(LOG, { id: e.id, after: after }).then(function (d) {
      var page = d.webhookDeliveries;
      if (!report("log-status", page, "WebhookDeliveryConnection", "")) return;
      page.edges.forEach(function (edge) { $("log-rows").appendChild(logRow(e, edge.node)); });
      var shown = $("log-rows").children.length;
      H.say("log-status", shown ? H.plural("admin_log_count", shown) : t("admin_log_none"));
      var more = $("log-more");
      more.hidden = !page.pageInfo.hasNextPage;
      more.onclick = function () { openLog(e, page.pageInfo.endCursor); };
    }).catch(fail("log-status"));
  }

  function redrive(e, n) {
    H.gql(REDRIVE, { id: n.id }).then(function (d) {
      if (report("log-status", d.redriveWebhookDelivery, "WebhookDelivery", t("admin_resent"))) {
        return openLog(e, null).then(function () { H.say("log-status", t("admin_resent")); });
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
      if (!m) throw new Error(t("admin_hours_line", { n: i + 1 }));
      parsed.push({ days: m[1].replace(/\s/g, "").toUpperCase(), opensAt: m[2], closesAt: m[3] });
    }
    return parsed;
  }

  function listingItem(s) {
    var intake = t(s.acceptingReferrals === null ? "admin_unknown_intake" : (s.acceptingReferrals ? "admin_taking" : "admin_not_taking"));
    if (s.waitlistWeeks) intake += " · " + H.plural("admin_wait_weeks", s.waitlistWeeks);
    return el("li", { "data-service-id": s.id },
      el("strong", { text: s.name }), el("br"),
      el("span", { class: "listing-intake", text: intake }), el("br"),
      el("span", { class: "listing-hours", text: s.openingHours.length ? hoursText(s.openingHours).replace(/\n/g, "; ") : t("admin_no_hours") }));
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
    return H.gql(MINE, { locale: H.page.contentLocale }).then(function (d) {
      listings = d.myServices;
      var list = $("listings");
      list.textContent = "";
      listings.forEach(function (s) { list.appendChild(listingItem(s)); });
      H.say("listings-status", listings.length ? H.plural("admin_listings_count", listings.length) : t("admin_listings_none"));
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
        H.say("hours-status", t("admin_hours_saved", { name: s.name }));
      });
    }).catch(fail("hours-status"));
  }

  function saveIntake(event) {
    event.preventDefault();
    var s = chosen("intake-listing"), raw = $("intake-weeks").value.trim();
    if (!s) return;
    var intake = { acceptingReferrals: $("intake-accepting").checked };
    if (raw) {
      if (!/^\d+$/.test(raw)) { H.say("intake-status", t("admin_weeks_invalid"), true); return; }
      intake.waitlistWeeks = parseInt(raw, 10);
    }
    H.gql(INTAKE, { id: s.id, i: intake }).then(function (d) {
      var problem = why(d.updateIntake, "Service");
      if (problem) { H.say("intake-status", problem, true); return; }
      return refreshListings([showIntake]).then(function () {
        H.say("intake-status", t("admin_intake_saved", { name: s.name }));
      });
    }).catch(fail("intake-status"));
  }

  H.signIn("org_admin", function (user) {
    H.useZone(user && user.timeZone);
    $("hook-add").addEventListener("submit", addEndpoint);
    $("secret-done").addEventListener("click", hideSecret);
    $("hours-form").addEventListener("submit", saveHours);
    $("intake-form").addEventListener("submit", saveIntake);
    $("hours-listing").addEventListener("change", showHours);
    $("intake-listing").addEventListener("change", showIntake);
    H.say("hooks-status", t("loading"));
    H.say("listings-status", t("loading"));
    eventTypes().then(refreshEndpoints).then(function (found) {
      H.say("hooks-status", found.length ? H.plural("admin_endpoints_count", found.length) : t("admin_endpoints_none"));
    }).catch(fail("hooks-status"));
    refreshListings([showHours, showIntake]).catch(fail("listings-status"));
  });
})();
