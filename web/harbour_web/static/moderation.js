// The network moderation console: the public's reports on listings, resolved or dismissed with a
// note, and a listing's change history, where an organisation admin's edit can be reverted.
(function () {
  "use strict";
  var H = Harbour, $ = H.$, el = H.el, t = H.t;
  var PROBLEM = " ... on Problem { message }";

  var REPORTS = "query Reports($status: ReportStatus) { listingReports(status: $status, perPage: 100) { __typename" +
    " ... on ListingReports { totalItems reports { id serviceId serviceName kind text status createdAt note } }" +
    PROBLEM + " } }";
  var CLOSE = {
    resolve: "mutation Resolve($id: ID!, $note: String!) { resolveReport(reportId: $id, note: $note) { __typename" + PROBLEM + " } }",
    dismiss: "mutation Dismiss($id: ID!, $note: String!) { dismissReport(reportId: $id, note: $note) { __typename" + PROBLEM + " } }"
  };
  var HISTORY = "query History($id: ID!) { listingHistory(serviceId: $id) { __typename" +
    " ... on ListingHistory { changes { id subject role action reverts changedAt fields { field before after } } }" +
    PROBLEM + " } }";
  var REVERT = "mutation Revert($service: ID!, $change: ID!) { revertListingChange(serviceId: $service, changeId: $change) {" +
    " __typename" + PROBLEM + " } }";

  function fail(statusId) {
    return function (e) { H.say(statusId, e.message || t("no_answer"), true); };
  }

  // A field's value in a few words: text as it is, anything nested as compact JSON.
  function shown(value) {
    if (value === null || value === undefined) return t("none");
    var text = typeof value === "string" ? value : JSON.stringify(value);
    return text.length > 160 ? text.slice(0, 159) + "…" : text;
  }

  // A GraphQL enum name as the code the catalogue keys use (`PHONE_WRONG` → `phone-wrong`).
  function code(name) { return String(name).toLowerCase().replace(/_/g, "-"); }

  function closeButton(report, outcome, note) {
    return el("button", {
      type: "button", "data-outcome": outcome,
      "aria-label": t("moderation_" + outcome + "_named", { name: report.serviceName }),
      text: t("moderation_" + outcome),
      onclick: function () {
        H.gql(CLOSE[outcome], { id: report.id, note: note.value }).then(function (d) {
          var result = d[outcome + "Report"], problem = H.problem(result, "ListingReport");
          if (problem) { H.say("reports-status", problem, true); return; }
          return loadReports().then(function () {
            H.say("reports-status", t("moderation_" + outcome + "d", { name: report.serviceName }));
          });
        }).catch(fail("reports-status"));
      }
    });
  }

  function reportRow(report) {
    var note = el("input", {
      type: "text", maxlength: "500", autocomplete: "off",
      "aria-label": t("moderation_note_label", { name: report.serviceName })
    });
    var action = report.status === "OPEN"
      ? el("td", {}, note, " ", closeButton(report, "resolve", note), " ", closeButton(report, "dismiss", note))
      : el("td", { text: report.note || t("none") });
    var history = el("button", {
      type: "button", class: "link", text: report.serviceName || report.serviceId,
      onclick: function () { $("history-listing").value = report.serviceId; loadHistory(); }
    });
    return el("tr", { "data-report-id": report.id },
      el("th", { scope: "row" }, history),
      el("td", { text: H.word("report_kind", code(report.kind)) }),
      el("td", { dir: "auto", text: report.text || t("none") }),
      el("td", {}, H.when(report.createdAt)),
      action);
  }

  function loadReports() {
    var status = $("reports-filter").value;
    return H.gql(REPORTS, { status: status.toUpperCase() }).then(function (d) {
      var found = d.listingReports, rows = $("reports-rows");
      var problem = H.problem(found, "ListingReports");
      if (problem) { H.say("reports-status", problem, true); return; }
      rows.textContent = "";
      found.reports.forEach(function (r) { rows.appendChild(reportRow(r)); });
      H.say("reports-status", found.totalItems ? H.plural("moderation_reports_count", found.totalItems) : t("moderation_reports_none"));
    });
  }

  function changeItem(serviceId, change) {
    var fields = el("ul", {});
    change.fields.forEach(function (f) {
      fields.appendChild(el("li", {}, el("strong", { text: f.field }), ": ",
        el("span", { dir: "auto", text: t("moderation_before_after", { before: shown(f.before), after: shown(f.after) }) })));
    });
    var revert = change.action === "edit" ? el("button", {
      type: "button", text: t("moderation_revert"),
      onclick: function () {
        H.gql(REVERT, { service: serviceId, change: change.id }).then(function (d) {
          var problem = H.problem(d.revertListingChange, "ListingChange");
          if (problem) { H.say("history-status", problem, true); return; }
          return loadHistory().then(function () { H.say("history-status", t("moderation_reverted")); });
        }).catch(fail("history-status"));
      }
    }) : null;
    return el("li", { "data-change-id": change.id, "data-action": change.action },
      el("p", {}, el("strong", { text: t("moderation_change_" + change.action) }), " · ",
        el("span", { text: change.subject }), " · ", H.when(change.changedAt)),
      fields, revert);
  }

  function loadHistory(event) {
    if (event) event.preventDefault();
    var serviceId = $("history-listing").value.trim();
    if (!serviceId) return Promise.resolve();
    H.say("history-status", t("loading"));
    return H.gql(HISTORY, { id: serviceId }).then(function (d) {
      var found = d.listingHistory, list = $("history-changes");
      var problem = H.problem(found, "ListingHistory");
      list.textContent = "";
      if (problem) { H.say("history-status", problem, true); return; }
      found.changes.forEach(function (c) { list.appendChild(changeItem(serviceId, c)); });
      H.say("history-status", found.changes.length ? H.plural("moderation_changes_count", found.changes.length) : t("moderation_history_none"));
    }).catch(fail("history-status"));
  }

  H.signIn("network_admin", function (user) {
    H.useZone(user && user.timeZone);
    $("reports-filter").addEventListener("change", function () { loadReports().catch(fail("reports-status")); });
    $("history-form").addEventListener("submit", loadHistory);
    H.say("reports-status", t("loading"));
    loadReports().catch(fail("reports-status"));
  });
})();
