-- reverse: create index "signinfailure_created_at" to table: "sign_in_failures"
DROP INDEX `signinfailure_created_at`;
-- reverse: create index "signinfailure_account_device_created_at" to table: "sign_in_failures"
DROP INDEX `signinfailure_account_device_created_at`;
-- reverse: create index "signinfailure_ip_key_created_at" to table: "sign_in_failures"
DROP INDEX `signinfailure_ip_key_created_at`;
-- reverse: set sequence for "sign_in_failures" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "sign_in_failures";
-- reverse: create "sign_in_failures" table
DROP TABLE `sign_in_failures`;
