/* Registri IKM directory: draws the map of results (Leaflet, nearby pins clustered) and redraws it after htmx
   replaces the results.
   Everything here is an improvement: without JavaScript the filter form submits normally and the list works. */
(function () {
  "use strict";

  // Nearby pins are grouped into a circle with their count (Leaflet.markercluster, static/vendor/): tapping one
  // zooms in to them, or spreads out pins that share one place.
  function pinGroup(element) {
    if (!L.markerClusterGroup) { return L.layerGroup(); }
    var label = element.dataset.clusterLabel || "";
    return L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 50,
      spiderfyOnMaxZoom: true,
      spiderfyDistanceMultiplier: 1.8,  // pins spread out for a finger, not only a mouse
      iconCreateFunction: function (cluster) {
        var count = cluster.getChildCount();
        var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
        cluster.options.title = (count + " " + label).trim();  // read out, and shown on hover
        return L.divIcon({
          html: "<div><span>" + count + "</span></div>",
          className: "marker-cluster marker-cluster-" + size,
          iconSize: L.point(40, 40)
        });
      }
    });
  }

  // A region's count inside its circle: 950, 3,5 rb, 36 rb, 1,2 jt (the full number is in its title).
  function shortCount(count) {
    var format = function (value, digits) {
      return value.toLocaleString("id-ID", { maximumFractionDigits: digits });
    };
    if (count >= 1000000) { return format(count / 1000000, 1) + " jt"; }
    if (count >= 10000) { return format(Math.round(count / 1000), 0) + " rb"; }
    if (count >= 1000) { return format(count / 1000, 1) + " rb"; }
    return String(count);
  }

  function drawMaps(root) {
    if (!window.L) { return; }
    root.querySelectorAll("#map[data-points-id]").forEach(function (element) {
      if (element.dataset.drawn) { return; }
      element.dataset.drawn = "1";
      // Hidden until drawn, with its caption: without JavaScript the page offers the list instead.
      element.hidden = false;
      element.parentNode.querySelectorAll(".map-hint").forEach(function (hint) { hint.hidden = false; });
      var data = document.getElementById(element.dataset.pointsId);
      var points = data ? JSON.parse(data.textContent) : [];
      var map = L.map(element, { scrollWheelZoom: false });
      L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
        maxZoom: 19,
        attribution: "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a>"
      }).addTo(map);
      var pins = pinGroup(element);
      var bounds = [];
      points.forEach(function (point) {
        if (point.cluster) {  // a region's businesses counted on the server: tapping opens that region's map
          var size = point.count < 10 ? "small" : point.count < 100 ? "medium" : "large";
          var title = (point.name + ": " + point.count.toLocaleString("id-ID") + " " +
                       (element.dataset.clusterLabel || "")).trim();
          var circle = L.marker([point.lat, point.lon], {
            title: title,
            alt: title,
            icon: L.divIcon({
              html: "<div><span>" + shortCount(point.count) + "</span></div>",
              className: "marker-cluster marker-cluster-" + size + " region-cluster",
              iconSize: L.point(48, 48)
            })
          });
          circle.on("click", function () { window.location.href = point.url; });
          circle.addTo(map);
          bounds.push([point.lat, point.lon]);
          return;
        }
        var link = document.createElement("a");
        link.href = "/direktori/ikm/" + point.id + "/";
        link.textContent = point.name;
        var popup = document.createElement("div");
        popup.appendChild(link);
        if (point.product) {
          var product = document.createElement("div");
          product.textContent = point.product;
          popup.appendChild(product);
        }
        pins.addLayer(L.marker([point.lat, point.lon], { title: point.name, alt: point.name }).bindPopup(popup));
        bounds.push([point.lat, point.lon]);
      });
      if (bounds.length) {
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
      } else {
        map.setView([-2.5, 118], 4);  // Indonesia
      }
      map.addLayer(pins);  // after the view is set: the clusters are made for its zoom
    });
  }

  // On a wide screen the filters sit in a side column: show them open. On a phone keep them as the visitor left
  // them: htmx replaces the panel with each change, which would otherwise close it.
  var filtersWereOpen = false;
  document.addEventListener("htmx:beforeSwap", function () {
    var details = document.querySelector("details.filters");
    filtersWereOpen = Boolean(details && details.open);
  });

  function openFilters(root) {
    var wide = window.matchMedia && window.matchMedia("(min-width: 64rem)").matches;
    if (wide || filtersWereOpen) {
      root.querySelectorAll("details.filters").forEach(function (details) { details.open = true; });
    }
  }

  // The search box and the language switch sit outside the part htmx replaces: keep them in step with the address
  // (after Back/Forward, and after each search) so that switching language keeps the search.
  function syncWithAddress(event) {
    var query = new URLSearchParams(location.search).get("q") || "";
    var box = document.getElementById("id_q");
    // After Back/Forward the box shows what it showed when the page was first loaded; while typing, leave it be.
    if (box && (event.type === "htmx:historyRestore" || document.activeElement !== box)) { box.value = query; }
    document.querySelectorAll("form.language-switch input[name=next]").forEach(function (input) {
      input.value = location.pathname + location.search;
    });
  }

  // Leave empty filters out of the request, so the address stays short and shareable (?q=batik, not ?q=batik&wilayah=…).
  document.addEventListener("htmx:configRequest", function (event) {
    var data = event.detail.formData;
    if (!data) { return; }
    Array.from(data.keys()).forEach(function (name) {
      if (data.getAll(name).every(function (value) { return value === ""; })) { data.delete(name); }
    });
  });

  document.addEventListener("htmx:pushedIntoHistory", syncWithAddress);
  document.addEventListener("htmx:historyRestore", syncWithAddress);
  document.addEventListener("DOMContentLoaded", function () { openFilters(document); drawMaps(document); });
  document.addEventListener("htmx:afterSettle", function (event) { openFilters(event.target); drawMaps(event.target); });
})();
