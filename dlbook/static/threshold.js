// The threshold explorable: one precomputed row per threshold; the slider picks the row.
(function () {
  // One row of precomputed counts and metrics per threshold; the slider picks the row.
  const root = document.getElementById("{{uid}}"),
    rows = JSON.parse(document.getElementById("{{uid}}-data").textContent);
  const slider = root.querySelector("input"), colours = {TP: "#c8e6c9", TN: "#c8e6c9", FP: "#ffcdd2", FN: "#ffcdd2"};
  const fmt = function (v) { return v === null ? "n/a" : v.toFixed(3); };
  function update() {
    const r = rows[+slider.value];
    root.querySelector("output").textContent = r.threshold.toFixed(2);
    Object.keys(colours).forEach(function (k) {
      const td = root.querySelector("td." + k);
      td.textContent = k + " = " + r[k];
      td.style.cssText = "padding:6px 14px;border:1px solid #aaa;background:" + colours[k];
    });
    const x = {{margin}} + {{scale}} * r.threshold, marker = root.querySelector(".marker");
    marker.setAttribute("x1", x);
    marker.setAttribute("x2", x);
    root.querySelector(".metrics").textContent = "accuracy " + fmt(r.accuracy) + " · precision " +
      fmt(r.precision) + " · recall " + fmt(r.recall) + " · F1 " + fmt(r.F1);
  }
  slider.addEventListener("input", update);
  update();
})();
