-- Webhooks for integrators (issue 17): subscriptions of a partnership or a region, one
-- delivery per event and subscription (kept in the same transaction as the feed cursor
-- that gave the event, so an event is delivered once however often the follower restarts),
-- and every attempt to deliver it. The queue of work is these rows, never memory.

CREATE TABLE webhook_subscriptions (
  subscription_id text PRIMARY KEY,
  -- The scope: a partnership (with its region) or a region (partnership_id '').
  partnership_id  text NOT NULL DEFAULT '',
  region_id       text NOT NULL,
  url             text NOT NULL,
  event_types     text[] NOT NULL,
  description     text NOT NULL DEFAULT '',
  -- "whsec_<base64>": the HMAC key, needed in clear to sign (docs/security.md).
  secret          text NOT NULL,
  enabled         boolean NOT NULL DEFAULT true,
  disabled_reason text NOT NULL DEFAULT '',
  -- Since when every attempt has failed; NULL after a success.
  failing_since   timestamptz,
  revision        bigint NOT NULL DEFAULT 1,
  creator         text NOT NULL,
  create_time     timestamptz NOT NULL DEFAULT now(),
  update_time     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscriptions_by_partnership ON webhook_subscriptions (partnership_id)
  WHERE partnership_id <> '';
CREATE INDEX webhook_subscriptions_by_region ON webhook_subscriptions (region_id);

CREATE TABLE webhook_deliveries (
  delivery_id       bigserial PRIMARY KEY,
  subscription_id   text NOT NULL REFERENCES webhook_subscriptions ON DELETE CASCADE,
  -- The event (feed sequence and type, or calendar rule, action and due date): unique per
  -- subscription, so an event is kept once.
  event_key         text NOT NULL,
  event_type        text NOT NULL,
  payload           text NOT NULL,
  -- 'pending', 'delivered', 'failed'
  state             text NOT NULL DEFAULT 'pending',
  attempts          integer NOT NULL DEFAULT 0,
  create_time       timestamptz NOT NULL DEFAULT now(),
  next_attempt_time timestamptz NOT NULL DEFAULT now(),
  -- Claimed by a delivery worker until then (a worker that dies lets it go).
  lease_until       timestamptz,
  delivered_time    timestamptz,
  UNIQUE (subscription_id, event_key)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_time)
  WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_subscription
  ON webhook_deliveries (subscription_id, delivery_id DESC);

CREATE TABLE webhook_attempts (
  attempt_id    bigserial PRIMARY KEY,
  delivery_id   bigint NOT NULL REFERENCES webhook_deliveries ON DELETE CASCADE,
  attempt_time  timestamptz NOT NULL,
  -- 'delivered', 'refused', 'error'
  outcome       text NOT NULL,
  response_code integer NOT NULL DEFAULT 0,
  latency_ms    bigint NOT NULL DEFAULT 0,
  -- The first 512 bytes of the answer.
  response_body text NOT NULL DEFAULT '',
  error         text NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, attempt_id);
