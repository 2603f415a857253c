// An answerable prediction: the reader answers first, then sees the result computed by the chapter's run.
// The answer is kept only in this browser (localStorage), so a returning reader sees their earlier prediction.
(function () {
  "use strict";
  const root = document.getElementById("{{uid}}");
  if (!root || root.dataset.ready) return;
  root.dataset.ready = "1";
  const DATA = JSON.parse(document.getElementById("{{uid}}-data").textContent);
  const form = root.querySelector(".dlp-form"), feedback = root.querySelector(".dlp-feedback");
  const reveal = root.querySelector(".dlp-reveal");
  const storageKey = "dlbook-predict:" + location.pathname + ":" + root.dataset.key;

  function esc(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
    });
  }
  function store(value) {
    try { localStorage.setItem(storageKey, JSON.stringify(value)); } catch (e) { /* private mode: not kept */ }
  }
  function stored() {
    try { return JSON.parse(localStorage.getItem(storageKey)); } catch (e) { return null; }
  }
  function readAnswer() {
    if (DATA.kind === "choice") {
      const picked = form.querySelector("input[type=radio]:checked");
      return picked ? DATA.choices[+picked.value] : null;
    }
    if (DATA.kind === "number") {
      const text = form.querySelector("input[type=number]").value;
      return text === "" || !isFinite(+text) ? null : +text;
    }
    const ranks = Array.prototype.map.call(form.querySelectorAll("select"), function (s) { return +s.value; });
    if (new Set(ranks).size !== ranks.length) return null;  // each place used once
    const order = DATA.choices.slice();
    order.sort(function (a, b) { return ranks[DATA.choices.indexOf(a)] - ranks[DATA.choices.indexOf(b)]; });
    return order;
  }
  function judge(answer) {
    if (answer === "__skipped__") return null;
    if (DATA.kind === "choice") return answer === DATA.answer;
    if (DATA.kind === "number") return Math.abs(answer - DATA.answer) <= DATA.tolerance;
    return JSON.stringify(answer) === JSON.stringify(DATA.answer);
  }
  function shown(answer) {
    if (Array.isArray(answer)) return answer.map(esc).join(" → ");
    return esc(answer);
  }
  function restoreControls(answer) {
    if (answer === "__skipped__") return;
    if (DATA.kind === "choice") {
      const i = DATA.choices.indexOf(answer);
      if (i >= 0) form.querySelectorAll("input[type=radio]")[i].checked = true;
    } else if (DATA.kind === "number") {
      form.querySelector("input[type=number]").value = answer;
    } else {
      const selects = form.querySelectorAll("select");
      answer.forEach(function (item, place) { selects[DATA.choices.indexOf(item)].value = place + 1; });
    }
  }
  function show(answer, saved) {
    const right = judge(answer);
    let text;
    if (right === null) {
      text = "You skipped the prediction. The run: <b>" + shown(DATA.answer) + "</b>.";
    } else {
      text = "Your prediction: <b>" + shown(answer) + "</b> — " + (right ? "right." : "not what the run shows.") +
        " The run: <b>" + shown(DATA.answer) + "</b>" +
        (DATA.kind === "number" ? " (counted as right within ±" + esc(DATA.tolerance) + ")." : ".");
    }
    if (saved) text += ' <span class="dlp-saved">(your earlier answer, kept in this browser)</span>';
    feedback.innerHTML = text;
    feedback.className = "dlp-feedback" + (right === true ? " dlp-right" : right === false ? " dlp-wrong" : "");
    feedback.hidden = false;
    reveal.hidden = false;
    form.querySelector(".dlp-submit").textContent = "Check again";
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const answer = readAnswer();
    if (answer === null) {
      feedback.textContent = DATA.kind === "rank" ? "Give every item a different place first." :
        "Choose or type an answer first.";
      feedback.className = "dlp-feedback";
      feedback.hidden = false;
      return;
    }
    store(answer);
    show(answer, false);
  });
  root.querySelector(".dlp-skip").addEventListener("click", function () {
    store("__skipped__");
    show("__skipped__", false);
  });
  const earlier = stored();
  if (earlier !== null) {
    restoreControls(earlier);
    show(earlier, true);
  }
})();
