-- add users.email (made on one branch)
--
-- Revision ID: b5e0c7a2d419
-- Revises: 7c4d1e8f2a90
SELECT migrate_revision(
    revision      => 'b5e0c7a2d419',
    down_revision => '{7c4d1e8f2a90}',
    message       => 'add users.email',
    upgrade       => $upgrade$
ALTER TABLE users ADD COLUMN email text;
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
$upgrade$,
    downgrade     => $downgrade$
DROP INDEX users_email_key;
ALTER TABLE users DROP COLUMN email;
$downgrade$
);
