// Filter boxes for the checkbox lists of the plan form. Without this file the lists work as
// plain checkboxes; with it, a search box above each list hides the options that do not match
// (ticked options always stay visible).
(function () {
  "use strict";
  function normal(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  function filterList(input, box) {
    var words = normal(input.value).split(/\s+/).filter(Boolean);
    box.querySelectorAll(".checklist-item").forEach(function (item) {
      var text = normal(item.textContent);
      var ticked = item.querySelector("input:checked") !== null;
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      item.hidden = !(ticked || match);
    });
  }
  function showChosen(box, list) {
    var chosen = [];
    box.querySelectorAll(".checklist-item").forEach(function (item) {
      if (item.querySelector("input:checked")) {
        chosen.push(item.dataset.short);
      }
    });
    list.textContent = chosen.length ? chosen.join(", ") : "\u2014";
  }
  document.querySelectorAll(".checklist-chosen[data-checklist]").forEach(function (line) {
    var box = document.getElementById(line.dataset.checklist);
    var list = line.querySelector(".checklist-chosen-list");
    if (box && list) {
      box.addEventListener("change", function () { showChosen(box, list); });
    }
  });
  document.querySelectorAll("input.checklist-filter[data-checklist]").forEach(function (input) {
    var box = document.getElementById(input.dataset.checklist);
    if (!box || box.querySelectorAll(".checklist-item").length < 2) {
      return;
    }
    input.hidden = false;
    input.addEventListener("input", function () { filterList(input, box); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter filters; it must not submit the form
      }
    });
  });
})();
