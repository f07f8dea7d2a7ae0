-- accounts, and each user belongs to one
--
-- Revision ID: 7c4d1e8f2a90
-- Revises: 3f6e2b9c1d07
SELECT migrate_revision(
    revision      => '7c4d1e8f2a90',
    down_revision => '{3f6e2b9c1d07}',
    message       => 'accounts, and each user belongs to one',
    upgrade       => $upgrade$
CREATE TABLE accounts (
    id   bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE
);
ALTER TABLE users ADD COLUMN account_id bigint REFERENCES accounts (id);
CREATE INDEX users_account_id_idx ON users (account_id);
$upgrade$,
    downgrade     => $downgrade$
ALTER TABLE users DROP COLUMN account_id;
DROP TABLE accounts;
$downgrade$
);
