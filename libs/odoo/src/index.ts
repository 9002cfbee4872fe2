// The hub's Odoo client: one port in the hub's terms, one adapter for Odoo's wire formats (JSON-2, JSON-RPC), its
// error mapper, the breaker guard, and the hub's external ids in Odoo. Shared by every app that writes to Odoo.
export * from './odoo.port';
export * from './odoo-rpc.adapter';
export * from './odoo-error.mapper';
export * from './breaker-guarded-odoo';
export * from './external-ids';
