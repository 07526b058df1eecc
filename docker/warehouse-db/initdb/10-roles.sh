#!/bin/bash
# First start of an empty warehouse volume (postgres image, as POSTGRES_USER): the pipeline role
# and the read roles (../roles.sql). WAREHOUSE_DB_USER / WAREHOUSE_DB_PASSWORD come from compose.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f /jeugdhulp/roles.sql
