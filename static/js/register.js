/* Daftarkan usaha, step 1: choosing a province, regency or kecamatan moves on at once (without JavaScript the
   "Lanjut" button does it). */
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () {
    if (select.value) { select.form.submit(); }
  });
});

/* Step 2, KBLI: the codes matching the words typed are listed while typing (businesses:register_kbli). Without
   JavaScript the "Cari KBLI" button posts the form back and it comes again, as typed, with the same list. */
(function () {
  "use strict";
  var box = document.getElementById("id_kbli_q");
  var choices = document.getElementById("kbli-choices");
  var button = document.querySelector("button[data-kbli-search]");
  if (!box || !choices || !button) { return; }
  var timer = null;
  var asked = null;

  function chosen() {
    var checked = choices.querySelector("input[name=kbli]:checked");
    return checked ? checked.value : "";
  }

  function search() {
    clearTimeout(timer);
    var words = box.value.trim();
    var product = document.getElementById("id_main_product");
    if (!words && product) { words = product.value.trim(); }  // as the server does: the main product
    var url = choices.dataset.url + "?q=" + encodeURIComponent(words) + "&pilih=" + encodeURIComponent(chosen());
    if (url === asked) { return; }
    asked = url;
    fetch(url)
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) { if (url === asked) { choices.innerHTML = html; } })
      .catch(function () { asked = null; });  // the button still posts the form
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  // The button, and Enter in the search box, search in place (Enter elsewhere still sends the registration).
  button.addEventListener("click", function (event) {
    event.preventDefault();
    asked = null;
    search();
  });
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      asked = null;
      search();
    }
  });
})();
