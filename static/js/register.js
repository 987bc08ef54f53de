/* Daftarkan usaha, step 1: choosing a province, regency or kecamatan moves on at once (without JavaScript the
   "Lanjut" button does it). */
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () {
    if (select.value) { select.form.submit(); }
  });
});
