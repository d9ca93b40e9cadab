-- Harbour's local databases: one per database-owning service.
-- Mounted into /docker-entrypoint-initdb.d of the postgis/postgis image, so it runs once,
-- through psql as POSTGRES_USER (harbour), when the data volume is first initialised,
-- and after the image's own 10_postgis.sh. Each service's `migrate` creates its tables.

CREATE DATABASE directory;
CREATE DATABASE referrals;
CREATE DATABASE notifications;

-- The directory ranks services by distance with PostGIS.
\connect directory
CREATE EXTENSION IF NOT EXISTS postgis;
