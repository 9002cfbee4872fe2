/** Canonical ids of Odoo records, stable for the record's whole life. */
export const odooIds = {
  product: (productProductId: number) => `odoo-product-${productProductId}`,
  salesOrder: (id: number) => `odoo-sale-order-${id}`,
  invoice: (id: number) => `odoo-invoice-${id}`,
  payment: (id: number) => `odoo-payment-${id}`,
  shipment: (id: number) => `odoo-shipment-${id}`,
};
