/** Version of the canonical contract odoo-cdc writes into every envelope (Envelope.schemaVersion). */
export const CONTRACT_VERSION = 1;
