-- The schema the example application wants: the models.  Edit this file,
-- then `make migrate-create MESSAGE="..."` writes the migration that takes
-- the database there (and back), and `make migrate-check` fails while the
-- models and the database at head differ.  Files here are loaded in name
-- order into a throw-away database: plain SQL, as psql runs it.

CREATE TABLE accounts (
    id   bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    plan text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'team', 'enterprise'))
);

CREATE TABLE users (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    phone      text,
    account_id bigint REFERENCES accounts (id),
    email      text
);
CREATE INDEX users_name_idx ON users (name);
CREATE INDEX users_account_id_idx ON users (account_id);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
