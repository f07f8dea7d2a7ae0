-- add accounts.plan (made on another branch)
--
-- Revision ID: d93a6f4b8e21
-- Revises: 7c4d1e8f2a90
SELECT migrate_revision(
    revision      => 'd93a6f4b8e21',
    down_revision => '{7c4d1e8f2a90}',
    message       => 'add accounts.plan',
    upgrade       => $upgrade$
ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free'
    CHECK (plan IN ('free', 'team', 'enterprise'));
$upgrade$,
    downgrade     => $downgrade$
ALTER TABLE accounts DROP COLUMN plan;
$downgrade$
);
