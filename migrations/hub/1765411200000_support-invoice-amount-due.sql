-- Up Migration
-- The amount still due of each invoice, with its currency: the organization's overdue amount on the desk is their sum
-- (what the customer owes, which an agent may tell; never a price, a line or a cost).
ALTER TABLE support_invoice ADD COLUMN amount_residual numeric, ADD COLUMN currency text;

-- Down Migration
ALTER TABLE support_invoice DROP COLUMN currency, DROP COLUMN amount_residual;
