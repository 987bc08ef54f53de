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

  // A circle with a count, inside `control`: the link to one region's map (focusable, opens with Enter, can be opened
  // in a new tab), or the button of circles shown as one.
  function regionIcon(count, control) {
    var text = shortCount(count);
    var circle = document.createElement("div");
    var label = document.createElement("span");
    label.textContent = text;
    circle.appendChild(label);
    control.appendChild(circle);
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var wide = text.length > 5;  // "3,5 rb", "150 rb": a larger circle, so the label stays inside it
    return L.divIcon({
      html: control,
      className: "marker-cluster marker-cluster-" + size + " region-cluster" + (wide ? " region-cluster-wide" : ""),
      iconSize: wide ? L.point(58, 58) : L.point(48, 48)
    });
  }

  function regionRadius(count) {
    return shortCount(count).length > 5 ? 29 : 24;  // half of regionIcon's iconSize
  }

  // The regions' circles (counted on the server), each a link to its region's map. Circles that would overlap at the
  // map's zoom (Java's provinces on a phone) are drawn as one with their sum, at their weighted centre: tapping it
  // zooms in to them. Merged again after each zoom; a few hundred regions at most, so pairwise is enough.
  function drawRegions(map, element, regions) {
    var layer = L.layerGroup().addTo(map);
    var regionLabel = element.dataset.regionLabel || "";
    var groupLabel = element.dataset.clusterLabel || "";
    function dragged() { return Boolean(map.dragging && map.dragging.moved()); }
    function redraw() {
      var zoom = map.getZoom();
      var circles = regions.map(function (region) {
        var at = map.project([region.lat, region.lon], zoom);
        return { x: at.x, y: at.y, count: region.count, regions: [region] };
      });
      for (;;) {
        var worst = null;
        for (var i = 0; i < circles.length; i++) {
          for (var j = i + 1; j < circles.length; j++) {
            var a = circles[i], b = circles[j];
            var overlap = regionRadius(a.count) + regionRadius(b.count) + 2 - Math.hypot(a.x - b.x, a.y - b.y);
            if (overlap > 0 && (!worst || overlap > worst.overlap)) { worst = { i: i, j: j, overlap: overlap }; }
          }
        }
        if (!worst) { break; }
        var first = circles[worst.i], second = circles[worst.j], count = first.count + second.count;
        circles[worst.i] = {
          x: (first.x * first.count + second.x * second.count) / count,
          y: (first.y * first.count + second.y * second.count) / count,
          count: count,
          regions: first.regions.concat(second.regions)
        };
        circles.splice(worst.j, 1);
      }
      layer.clearLayers();
      circles.forEach(function (circle) {
        var at = map.unproject([circle.x, circle.y], zoom);
        var control, title;
        if (circle.regions.length === 1) {
          var region = circle.regions[0];
          title = (region.name + ": " + region.count.toLocaleString("id-ID") + " " + regionLabel).trim();
          control = document.createElement("a");
          control.href = region.url;
          control.draggable = false;
        } else {
          title = (circle.count.toLocaleString("id-ID") + " " + groupLabel).trim();
          control = document.createElement("button");
          control.type = "button";
          control.addEventListener("click", function () { if (!dragged()) { zoomTo(map, circle.regions); } });
        }
        // A drag of the map that starts on a circle moves the map; it does not open the circle.
        control.addEventListener("click", function (event) { if (dragged()) { event.preventDefault(); } });
        control.title = title;
        control.setAttribute("aria-label", title);
        // keyboard: false: the link or button inside is the one stop for the keyboard
        L.marker(at, { keyboard: false, icon: regionIcon(circle.count, control) }).addTo(layer);
      });
    }
    map.on("zoomend", redraw);
    redraw();
  }

  // Zoom in to regions drawn as one circle: to their bounds, or at least one level.
  function zoomTo(map, regions) {
    var bounds = L.latLngBounds(regions.map(function (region) { return [region.lat, region.lon]; }));
    var zoom = Math.max(map.getBoundsZoom(bounds, false, L.point(96, 96)), map.getZoom() + 1);
    map.setView(bounds.getCenter(), Math.min(zoom, map.getMaxZoom()));
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
      var regions = [];
      var bounds = [];
      points.forEach(function (point) {
        if (point.cluster) {  // a region's businesses counted on the server (drawRegions)
          regions.push(point);
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
      drawRegions(map, element, regions);
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
