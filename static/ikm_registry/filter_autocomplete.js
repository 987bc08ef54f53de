'use strict';
// A list filter chosen by autocomplete (admin/filter_autocomplete.html): picking a value, or clearing it with the
// select2 "×", opens the list with it. An empty choice leaves the parameter out of the address.
{
    const $ = django.jQuery;
    $(function() {
        $('form.autocomplete-filter select.admin-autocomplete').on('change', function() {
            if (!this.value) {
                this.disabled = true;
            }
            this.form.submit();
        });
    });
}
