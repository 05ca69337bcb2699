'use strict';
// The changelist's organization filter (cosmo_scim/admin/organization_filter.py): choosing
// an organization in the autocomplete reloads the list filtered to it.
{
    const $ = django.jQuery;
    $(document).on('change', 'select.cosmo-scim-organization-filter', function() {
        const params = new URLSearchParams(window.location.search);
        params.delete(this.dataset.lookup);
        params.delete('p');
        if (this.value) {
            params.set(this.dataset.lookup, this.value);
        }
        window.location.search = params.toString();
    });
}
