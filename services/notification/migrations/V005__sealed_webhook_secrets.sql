-- Webhook secrets are kept sealed (libsodium secretbox, with a key derived from the
-- service's secret, --secret_file): a copy of the database alone cannot sign webhooks.
-- Rows kept in clear by V002 are sealed by the service when it starts (it holds the key, SQL
-- does not) and their clear `secret` emptied in the same transaction.
ALTER TABLE webhook_subscriptions ADD COLUMN secret_sealed bytea;
ALTER TABLE webhook_subscriptions ALTER COLUMN secret SET DEFAULT '';
