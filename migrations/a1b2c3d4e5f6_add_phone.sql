-- add phone
--
-- Revision ID: a1b2c3d4e5f6
-- Revises: 0819a425f7fd
SELECT migrate_revision(
    revision      => 'a1b2c3d4e5f6',
    down_revision => '{0819a425f7fd}',
    message       => 'add phone',
    upgrade       => $upgrade$
ALTER TABLE users ADD COLUMN phone text;
$upgrade$,
    downgrade     => $downgrade$
ALTER TABLE users DROP COLUMN phone;
$downgrade$
);
