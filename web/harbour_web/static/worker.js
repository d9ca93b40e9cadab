// The social worker console: find a service, record claimant and consent, send, follow live.
(function () {
  "use strict";
  var H = Harbour, $ = H.$, el = H.el;
  var chosen = null, candidates = [], openId = null, openSub = null;

  var DETAIL = "query Detail($id: ID!) { referral(id: $id) { __typename ... on Referral {" +
    " id reference status businessStatus version assignee outcome allowedActions linkKind replacesId" +
    " service { name } recipientOrganization { name } candidates { id name }" +
    " history { action toStatus businessStatus at } }" +
    " ... on Problem { message } } }";
  // Notes are an audited read: asked for when a referral is opened or a note added, not on
  // every live change.
  var NOTES = "query Notes($id: ID!) { referral(id: $id) { ... on Referral { id notes { author body createdAt } } } }";
  var SENT = "{ referrals(first: 20) { edges { node { id reference status businessStatus service { name } } } } }";

  function button(text, onclick) { return el("button", { type: "button", text: text, onclick: onclick }); }

  function showChoices() {
    $("chosen").textContent = chosen ? chosen.service.name + " — " + chosen.service.organization.name : "no service chosen yet";
    var list = $("candidates");
    list.textContent = "";
    candidates.forEach(function (c, i) {
      list.appendChild(el("li", {}, c.service.name + " — " + c.service.organization.name + " ",
        button("Remove", function () { candidates.splice(i, 1); showChoices(); })));
    });
    if (!candidates.length) list.appendChild(el("li", { text: "none" }));
  }

  function refreshSent() {
    return H.gql(SENT).then(function (d) {
      var list = $("sent");
      list.textContent = "";
      d.referrals.edges.forEach(function (e) {
        var r = e.node;
        list.appendChild(el("li", { "data-referral-id": r.id },
          el("strong", { text: r.reference }), " " + r.service.name + " — ",
          el("span", { class: "status-tag", text: r.status + (r.businessStatus ? " (" + r.businessStatus + ")" : "") }), " ",
          button("Open " + r.reference, function () { open(r.id); })));
      });
      if (!d.referrals.edges.length) list.appendChild(el("li", { text: "None yet." }));
    });
  }

  function render(r) {
    $("detail").hidden = false;
    $("detail-heading").textContent = "Referral " + r.reference;
    $("referral-status").textContent = r.status + (r.businessStatus ? " (" + r.businessStatus + ")" : "");
    var body = $("detail-body");
    body.textContent = "";
    body.appendChild(el("p", { text: "To " + r.service.name + (r.recipientOrganization ? " — " + r.recipientOrganization.name : "") }));
    if (r.assignee) body.appendChild(el("p", { text: "Assigned to " + r.assignee }));
    if (r.outcome) body.appendChild(el("p", { text: "Outcome: " + r.outcome }));
    if (r.candidates.length) body.appendChild(el("p", { text: "Next choices: " + r.candidates.map(function (c) { return c.name; }).join(", ") }));
    var ended = r.status === "rejected" || r.businessStatus === "expired";
    if (ended) {
      body.appendChild(el("p", {}, button("Re-route to the next choice", function () { reroute(r.id, null); }),
        chosen ? " " : null, chosen ? button("Re-route to " + chosen.service.name, function () { reroute(r.id, chosen.service.id); }) : null));
    }
    if (r.allowedActions.indexOf("cancel") >= 0) {
      body.appendChild(el("p", {}, button("Cancel this referral", function () {
        H.gql("mutation C($id: ID!, $v: Int) { cancelReferral(id: $id, version: $v) { __typename ... on Problem { message } } }", { id: r.id, v: r.version })
          .then(function () { show(r.id, false); });
      })));
    }
    body.appendChild(el("h3", { text: "History" }));
    body.appendChild(H.history(r.history));
    body.appendChild(el("div", { id: "notes" }));
  }

  function loadNotes(id) {
    return H.gql(NOTES, { id: id }).then(function (d) {
      var box = $("notes");
      if (!box || openId !== id) return;
      box.textContent = "";
      box.appendChild(H.notes(d.referral, function () { loadNotes(id); }));
    });
  }

  function open(id) {
    if (openId !== id) {
      if (openSub) H.live().unsubscribe(openSub);
      openId = id;
      // Every change of this referral arrives here; the page follows it without reloading.
      openSub = H.live().subscribe("referral", "subscription R($id: ID!) { referralUpdated(id: $id) { status businessStatus version assignee } }",
        { id: id }, function (data) {
          var u = data.referralUpdated;
          if (!u) return;
          $("referral-status").textContent = u.status + (u.businessStatus ? " (" + u.businessStatus + ")" : "");
          show(id, false);
          refreshSent();
        });
    }
    return show(id, true);
  }

  // Shows the referral; its notes come along only when asked (`withNotes`).
  function show(id, withNotes) {
    return H.gql(DETAIL, { id: id }).then(function (d) {
      if (d.referral.__typename !== "Referral") { H.say("detail-status", d.referral.message, true); return; }
      var notes = $("notes");
      render(d.referral);
      if (withNotes) return loadNotes(id);
      if (notes) $("notes").replaceWith(notes);  // keep the notes already shown
    }).catch(function (e) { H.say("detail-status", e.message, true); });
  }

  function reroute(id, serviceId) {
    H.gql("mutation RR($id: ID!, $s: ID) { rerouteReferral(id: $id, serviceId: $s) { __typename ... on Referral { id reference status } ... on Problem { message } } }",
      { id: id, s: serviceId }).then(function (d) {
      var why = H.problem(d.rerouteReferral, "Referral");
      if (why) { H.say("detail-status", why, true); return; }
      H.say("detail-status", "Re-routed as " + d.rerouteReferral.reference + ".");
      refreshSent();
      open(d.rerouteReferral.id);
    }).catch(function (e) { H.say("detail-status", e.message, true); });
  }

  function send(event) {
    event.preventDefault();
    if (!chosen) { H.say("refer-status", "Choose a service first (Refer here).", true); return; }
    var share = Array.prototype.map.call(document.querySelectorAll("input[name=share]:checked"), function (i) { return i.value; });
    if (!share.length) { H.say("refer-status", "Choose at least one kind of detail to share.", true); return; }
    var orgs = [chosen].concat(candidates).map(function (c) { return c.service.organization.id; })
      .filter(function (v, i, all) { return all.indexOf(v) === i; });
    var details = {
      name: $("c-name").value.trim(),
      phone: $("c-phone").value.trim() || null,
      languages: $("c-langs").value.split(",").map(function (s) { return s.trim(); }).filter(Boolean),
      interpreterNeeded: $("c-interpreter").checked
    };
    var purpose = $("purpose").value;
    H.say("refer-status", "Recording the claimant…");
    H.gql("mutation RC($d: ClaimantInput!) { recordClaimant(details: $d) { __typename ... on ClaimantRecorded { id } ... on Problem { message } } }", { d: details })
      .then(function (d) {
        var why = H.problem(d.recordClaimant, "ClaimantRecorded");
        if (why) throw new Error(why);
        var claimant = d.recordClaimant.id;
        H.say("refer-status", "Recording consent…");
        return H.gql("mutation CS($c: ConsentInput!) { recordConsent(consent: $c) { __typename ... on Consent { id } ... on Problem { message } } }",
          { c: { claimantId: claimant, purpose: purpose, receivingOrganizationIds: orgs, dataCategories: share, method: $("method").value } })
          .then(function (c) {
            var why2 = H.problem(c.recordConsent, "Consent");
            if (why2) throw new Error(why2);
            H.say("refer-status", "Sending the referral…");
            var input = {
              claimantId: claimant, serviceId: chosen.service.id, purpose: purpose, urgency: $("urgency").value,
              share: share, needsSummary: $("needs").value.trim(), send: true,
              candidates: candidates.map(function (x) { return x.service.id; })
            };
            return H.gql("mutation CR($r: ReferralInput!, $k: String) { createReferral(referral: $r, idempotencyKey: $k) { __typename ... on Referral { id reference status } ... on Problem { message } } }",
              { r: input, k: "web-" + claimant });
          });
      })
      .then(function (d) {
        var why = H.problem(d.createReferral, "Referral");
        if (why) throw new Error(why);
        H.say("refer-status", "Sent as " + d.createReferral.reference + " (" + d.createReferral.status + ").");
        $("refer").reset();
        candidates = [];
        showChoices();
        refreshSent();
        open(d.createReferral.id);
      })
      .catch(function (e) { H.say("refer-status", e.message, true); });
  }

  H.signIn("social_worker", function () {
    H.categories("find-need");
    H.gql("{ categories(locale: \"en\") { code name } }").then(function (d) {
      d.categories.forEach(function (c) { $("purpose").appendChild(el("option", { value: c.code, text: c.name })); });
    });
    H.serviceSearch("find-search", "find-results", "find-status", function (node) {
      return [
        button("Refer here", function () {
          chosen = node;
          var top = (node.service.categories[0] || "").split(".")[0];
          if (top) $("purpose").value = top;
          showChoices();
          $("c-name").focus();
        }),
        button("Add as next choice", function () { candidates.push(node); showChoices(); })
      ];
    });
    $("refer").addEventListener("submit", send);
    showChoices();
    refreshSent();
  });
})();
