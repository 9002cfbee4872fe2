/**
 * The custom fields an admin created on the emulated account (Admin, Customer fields / Ticket fields). Freshdesk
 * refuses a key it does not know (`invalid_field`) and a value of the wrong type (`datatype_mismatch`); a single-line
 * text field takes up to 255 characters. Ticket custom fields carry Freshdesk's `cf_` prefix in the API; contact and
 * company fields carry their plain name.
 */
export type CustomFieldType = 'text' | 'number';

export interface CustomFieldCatalogue {
  company: Record<string, CustomFieldType>;
  contact: Record<string, CustomFieldType>;
  ticket: Record<string, CustomFieldType>;
}

export const MAX_TEXT_FIELD = 255;

/** The fields the hub's setup guide asks for (docs of the Freshdesk adapter), plus the ticket references. */
export const DEFAULT_CUSTOM_FIELDS: CustomFieldCatalogue = {
  company: {
    hub_external_id: 'text',
    hub_open_orders: 'number',
    hub_overdue_invoices: 'number',
    hub_overdue_amount: 'text',
    hub_last_delivery: 'text',
    hub_last_delivery_carrier: 'text',
    hub_last_delivery_tracking: 'text',
    hub_entitlement: 'text',
  },
  contact: {},
  ticket: { cf_order_reference: 'text', cf_invoice_reference: 'text' },
};
