// The social worker console: find a service, record claimant and consent, send, follow live.
(function () {
  "use strict";
  var H = Harbour, $ = H.$, el = H.el, t = H.t;
  var chosen = null, candidates = [], openId = null, openSub = null, sent = null;

  var DETAIL = "query Detail($id: ID!) { referral(id: $id) { __typename ... on Referral {" +
    " id reference status businessStatus version assignee outcome allowedActions linkKind replacesId" +
    " service { name } recipientOrganization { name } candidates { id name }" +
    " history { action toStatus businessStatus at } }" +
    " ... on Problem { message } } }";
  // Notes are an audited read: asked for when a referral is opened or a note added, not on
  // every live change.
  var NOTES = "query Notes($id: ID!) { referral(id: $id) { ... on Referral { id notes { author body createdAt } } } }";
  var SENT = "query Sent($filter: ReferralFilter, $first: Int!, $after: String) {" +
    " referrals(filter: $filter, first: $first, after: $after) { pageInfo { hasNextPage endCursor }" +
    " edges { node { id reference status businessStatus createdAt sentAt acknowledgeBy decideBy" +
    " service { name } recipientOrganization { name } } } } }";

  function button(text, onclick) { return el("button", { type: "button", text: text, onclick: onclick }); }
  function named(node) { return node.service.name + " — " + node.service.organization.name; }

  function showChoices() {
    $("chosen").textContent = chosen ? named(chosen) : t("no_service");
    var list = $("candidates");
    list.textContent = "";
    candidates.forEach(function (c, i) {
      list.appendChild(el("li", {}, named(c) + " ",
        button(t("remove"), function () { candidates.splice(i, 1); showChoices(); })));
    });
    if (!candidates.length) list.appendChild(el("li", { text: t("none") }));
  }

  function sentRow(r) {
    return el("tr", { "data-referral-id": r.id },
      H.referenceCell(r, open),
      el("td", {}, el("span", { text: r.service.name }),
        r.recipientOrganization ? el("span", { class: "org-line", text: r.recipientOrganization.name }) : null),
      el("td", {}, H.when(r.sentAt || r.createdAt)),
      H.dueCell(r),
      H.statusCell(r));
  }

  function render(r) {
    $("detail").hidden = false;
    $("detail-heading").textContent = t("referral_reference", { reference: r.reference });
    $("referral-status").textContent = H.statusText(r.status, r.businessStatus);
    var body = $("detail-body");
    body.textContent = "";
    body.appendChild(el("p", { text: t("to_service", { service: r.service.name + (r.recipientOrganization ? " — " + r.recipientOrganization.name : "") }) }));
    if (r.assignee) body.appendChild(el("p", { text: t("assigned_to", { assignee: r.assignee }) }));
    if (r.outcome) body.appendChild(el("p", { text: t("outcome_is", { outcome: r.outcome }) }));
    if (r.candidates.length) body.appendChild(el("p", { text: t("next_choices", { names: r.candidates.map(function (c) { return c.name; }).join(t("list_separator")) }) }));
    var ended = r.status === "rejected" || r.businessStatus === "expired";
    if (ended) {
      body.appendChild(el("p", {}, button(t("reroute_next"), function () { reroute(r.id, null); }),
        chosen ? " " : null, chosen ? button(t("reroute_to", { service: chosen.service.name }), function () { reroute(r.id, chosen.service.id); }) : null));
    }
    if (r.allowedActions.indexOf("cancel") >= 0) {
      body.appendChild(el("p", {}, button(t("cancel_referral"), function () {
        H.gql("mutation C($id: ID!, $v: Int) { cancelReferral(id: $id, version: $v) { __typename ... on Problem { message } } }", { id: r.id, v: r.version })
          .then(function () { show(r.id, false); });
      })));
    }
    body.appendChild(el("h3", { text: t("history") }));
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
          $("referral-status").textContent = H.statusText(u.status, u.businessStatus);
          show(id, false);
          sent.refresh();
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
      H.say("detail-status", t("rerouted_as", { reference: d.rerouteReferral.reference }));
      sent.refresh();
      open(d.rerouteReferral.id);
    }).catch(function (e) { H.say("detail-status", e.message, true); });
  }

  function checked(name) {
    return Array.prototype.map.call(document.querySelectorAll("input[name=" + name + "]:checked"), function (i) { return i.value; });
  }

  function send(event) {
    event.preventDefault();
    if (!chosen) { H.say("refer-status", t("choose_service_first"), true); return; }
    var share = checked("share");
    if (!share.length) { H.say("refer-status", t("choose_share"), true); return; }
    var orgs = [chosen].concat(candidates).map(function (c) { return c.service.organization.id; })
      .filter(function (v, i, all) { return all.indexOf(v) === i; });
    var details = {
      name: $("c-name").value.trim(),
      phone: $("c-phone").value.trim() || null,
      languages: checked("c-lang"),
      interpreterNeeded: $("c-interpreter").checked
    };
    var purpose = $("purpose").value;
    H.say("refer-status", t("recording_claimant"));
    H.gql("mutation RC($d: ClaimantInput!) { recordClaimant(details: $d) { __typename ... on ClaimantRecorded { id } ... on Problem { message } } }", { d: details })
      .then(function (d) {
        var why = H.problem(d.recordClaimant, "ClaimantRecorded");
        if (why) throw new Error(why);
        var claimant = d.recordClaimant.id;
        H.say("refer-status", t("recording_consent"));
        return H.gql("mutation CS($c: ConsentInput!) { recordConsent(consent: $c) { __typename ... on Consent { id } ... on Problem { message } } }",
          { c: { claimantId: claimant, purpose: purpose, receivingOrganizationIds: orgs, dataCategories: share, method: $("method").value } })
          .then(function (c) {
            var why2 = H.problem(c.recordConsent, "Consent");
            if (why2) throw new Error(why2);
            H.say("refer-status", t("sending"));
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
        H.say("refer-status", t("sent_as", { reference: d.createReferral.reference, status: H.statusText(d.createReferral.status) }));
        $("refer").reset();
        candidates = [];
        showChoices();
        sent.refresh();
        open(d.createReferral.id);
      })
      .catch(function (e) { H.say("refer-status", e.message, true); });
  }

  H.signIn("social_worker", function (user) {
    H.useZone(user && user.timeZone);
    H.serviceSearch("find-search", "find-results", "find-status", function (node) {
      return [
        button(t("refer_here"), function () {
          // The purpose is the claimant's, said in the consent: never guessed from the service.
          chosen = node;
          showChoices();
          $("c-name").focus();
        }),
        button(t("add_next_choice"), function () { candidates.push(node); showChoices(); })
      ];
    });
    $("refer").addEventListener("submit", send);
    showChoices();
    sent = H.referralList("sent", SENT, "referrals", sentRow);
    sent.refresh();
  });
})();
