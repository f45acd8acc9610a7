#!/bin/sh
# Runs once, when the postgres container initialises an empty volume (as the
# image's superuser). Creates the three roles LockDesk uses, none of them a
# superuser:
#   lockdesk_owner  LOGIN, owns the database: migrations run as it (DATABASE_URL)
#   lockdesk_app    NOLOGIN, the restricted runtime role the migrations grant to
#   lockdesk_api    LOGIN, only a member of lockdesk_app: requests run as it (DATABASE_APP_URL)
set -eu
: "${LOCKDESK_OWNER_PASSWORD:?set LOCKDESK_OWNER_PASSWORD}"
: "${LOCKDESK_APP_PASSWORD:?set LOCKDESK_APP_PASSWORD}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$LOCKDESK_OWNER_PASSWORD" \
  -v app_password="$LOCKDESK_APP_PASSWORD" <<'SQL'
CREATE ROLE lockdesk_owner LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
  PASSWORD :'owner_password';
CREATE ROLE lockdesk_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE ROLE lockdesk_api LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
  PASSWORD :'app_password' IN ROLE lockdesk_app;
CREATE DATABASE lockdesk OWNER lockdesk_owner;
SQL
