-- initial schema
--
-- Revision ID: 0819a425f7fd
-- Revises: (base)
SELECT migrate_revision(
    revision      => '0819a425f7fd',
    down_revision => '{}',
    message       => 'initial schema',
    upgrade       => $upgrade$
CREATE TABLE users (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
$upgrade$,
    downgrade     => $downgrade$
DROP TABLE users;
$downgrade$
);
