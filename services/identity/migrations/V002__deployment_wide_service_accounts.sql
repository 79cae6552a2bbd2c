-- Service accounts may belong to the whole deployment ('*'), such as the reporting
-- service's own account, so their owner region is no longer always a region row.
ALTER TABLE service_accounts DROP CONSTRAINT service_accounts_owner_region_id_fkey;
