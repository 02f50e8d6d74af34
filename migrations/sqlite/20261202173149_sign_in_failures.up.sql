-- create "sign_in_failures" table
CREATE TABLE `sign_in_failures` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `ip_key` text NOT NULL, `account` text NOT NULL, `device` text NOT NULL DEFAULT (''));
-- set sequence for "sign_in_failures" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("sign_in_failures", 55834574848);
-- create index "signinfailure_ip_key_created_at" to table: "sign_in_failures"
CREATE INDEX `signinfailure_ip_key_created_at` ON `sign_in_failures` (`ip_key`, `created_at`);
-- create index "signinfailure_account_device_created_at" to table: "sign_in_failures"
CREATE INDEX `signinfailure_account_device_created_at` ON `sign_in_failures` (`account`, `device`, `created_at`);
-- create index "signinfailure_created_at" to table: "sign_in_failures"
CREATE INDEX `signinfailure_created_at` ON `sign_in_failures` (`created_at`);
