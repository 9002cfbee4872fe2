-- Up Migration
-- What projector-support keeps to count a customer's open tickets (the customer-service-load topic): each ticket of
-- the installation's desk as its latest event said (organization, status, priority), and the last count it published
-- per customer. A ticket moved to another organization keeps the one it left in moved_from_organization_id, so a
-- redelivery after a crash still counts the customer it left again.
CREATE TABLE support_ticket (
  platform text NOT NULL,
  ticket_id text NOT NULL,
  desk_organization_id text,
  moved_from_organization_id text,
  status text NOT NULL,
  priority text,
  -- When the desk created the ticket; when it did not say, when the hub first saw it.
  opened_at timestamptz NOT NULL,
  -- The service case's source position (the desk's event time): an older event never replaces a newer state.
  source_position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, ticket_id)
);
CREATE INDEX support_ticket_organization ON support_ticket (platform, desk_organization_id)
  WHERE desk_organization_id IS NOT NULL;

-- The count last published per customer (acknowledged by Kafka): an unchanged count is not published again.
CREATE TABLE support_service_load (
  platform text NOT NULL,
  customer_id text NOT NULL,
  open_tickets integer NOT NULL,
  urgent_open_tickets integer NOT NULL,
  oldest_open_since timestamptz,
  version bigint NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, customer_id)
);

-- The source position of every count: taken in the statement that reads the tickets, so a later count has a higher
-- one. It starts at the migration's time in epoch milliseconds, so a hub database made again never goes below the
-- positions an older one gave (the stale guard of the targets compares them).
CREATE SEQUENCE support_service_load_version;
SELECT setval('support_service_load_version', (extract(epoch FROM now()) * 1000)::bigint);

-- Down Migration
DROP SEQUENCE support_service_load_version;
DROP TABLE support_service_load;
DROP TABLE support_ticket;
