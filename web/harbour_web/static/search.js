// Progressive enhancement of the search form: place suggestions and "use my location".
// The form works without this file; nothing typed or located is kept by the browser or sent
// anywhere but the search itself.
(function () {
  "use strict";
  var near = document.getElementById("near");
  var list = document.getElementById("places");
  var lat = document.getElementById("lat");
  var lng = document.getElementById("lng");
  var locate = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  if (!near || !list) return;
  var timer = null;
  var asked = "";
  near.addEventListener("input", function () {
    lat.value = "";
    lng.value = "";
    clearTimeout(timer);
    var prefix = near.value.trim();
    if (prefix.length < 2 || prefix === asked) return;
    timer = setTimeout(function () {
      asked = prefix;
      fetch("/places?prefix=" + encodeURIComponent(prefix))
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (names) {
          list.textContent = "";
          names.forEach(function (name) {
            var option = document.createElement("option");
            option.value = name;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }, 200);
  });
  if (locate && "geolocation" in navigator) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      status.textContent = locate.dataset.locating;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = position.coords.latitude.toFixed(5);
          lng.value = position.coords.longitude.toFixed(5);
          near.value = "";
          status.textContent = locate.dataset.located;
          near.form.submit();
        },
        function () { status.textContent = locate.dataset.failed; },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
      );
    });
  }
})();
