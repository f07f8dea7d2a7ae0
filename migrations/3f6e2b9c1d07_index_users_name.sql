-- index users by name
--
-- Revision ID: 3f6e2b9c1d07
-- Revises: a1b2c3d4e5f6
SELECT migrate_revision(
    revision      => '3f6e2b9c1d07',
    down_revision => '{a1b2c3d4e5f6}',
    message       => 'index users by name',
    upgrade       => $upgrade$
CREATE INDEX users_name_idx ON users (name);
$upgrade$,
    downgrade     => $downgrade$
DROP INDEX users_name_idx;
$downgrade$
);
