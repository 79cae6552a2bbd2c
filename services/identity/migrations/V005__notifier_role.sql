-- The notification service's account was a hub administrator on '*' (it read role bindings
-- and users' email addresses that way); it is now a notifier (role 9), which reads those,
-- partnerships and the change feed, and writes nothing. Deployments made before this step
-- hold the old binding: it becomes a notifier binding, and the account's tokens issued
-- before now (which still carry the hub administrator grant) are refused from now on, so
-- the service signs in again with its API key and gets a notifier token.
-- `ensure-service-account --role notifier` then finds the account and changes nothing.
CREATE TEMPORARY TABLE notification_accounts ON COMMIT DROP AS
SELECT 'serviceAccounts/' || service_account_id AS principal
FROM service_accounts
WHERE owner = '*' AND display_name = 'Notification service'
  AND EXISTS (SELECT 1 FROM role_bindings
              WHERE role_bindings.principal = 'serviceAccounts/' || service_account_id
                AND role = 'hub_administrator' AND region_id = '*');

INSERT INTO revoked_principal_tokens (principal, not_before, expire_time)
SELECT principal, now(), now() + interval '1 day' FROM notification_accounts
ON CONFLICT (principal) DO UPDATE
SET not_before = greatest(revoked_principal_tokens.not_before, EXCLUDED.not_before),
    expire_time = greatest(revoked_principal_tokens.expire_time, EXCLUDED.expire_time);

-- Already a notifier as well: the hub administrator binding just goes.
DELETE FROM role_bindings
WHERE role = 'hub_administrator' AND region_id = '*'
  AND principal IN (SELECT principal FROM notification_accounts)
  AND EXISTS (SELECT 1 FROM role_bindings AS other
              WHERE other.principal = role_bindings.principal AND other.role = 'notifier'
                AND other.region_id = '*');

UPDATE role_bindings SET role = 'notifier'
WHERE role = 'hub_administrator' AND region_id = '*'
  AND principal IN (SELECT principal FROM notification_accounts);
