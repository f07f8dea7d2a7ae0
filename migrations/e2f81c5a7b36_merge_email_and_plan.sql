-- merge the email and plan branches
--
-- Revision ID: e2f81c5a7b36
-- Revises: b5e0c7a2d419, d93a6f4b8e21
SELECT migrate_revision(
    revision      => 'e2f81c5a7b36',
    down_revision => '{b5e0c7a2d419,d93a6f4b8e21}',
    message       => 'merge the email and plan branches',
    upgrade       => $upgrade$
$upgrade$,
    downgrade     => $downgrade$
$downgrade$
);
