-- Photos and attachments move out of PostgreSQL into the object store (issue 12; objects/):
-- a row keeps the file's key — its sha256, which every one of these tables already has —
-- with its size and content type, and the bytes live in the store under that key. New rows
-- leave `data` null. Rows written before this file keep their bytes in `data` and are
-- read from there (objects.stored_bytes) until `assetpulse objects migrate` puts them in
-- the store and clears the column: a migration cannot call the store, and copying every
-- photo inside one migration transaction would hold the tables locked for as long.
-- One file for the four tables (card_photos is inventory's; the others the platform's)
-- because it is one change; numbered after 4007, the last of them to be created.
alter table card_photos alter column data drop not null;
alter table national_listing_photos alter column data drop not null;
alter table booking_photos alter column data drop not null;
alter table attachments alter column data drop not null;

-- the key becomes a path and an object name: only a lowercase hex sha256 may be one
-- (the other three tables have had this check since they were created)
alter table attachments
    add constraint attachments_sha256_check check (sha256 ~ '^[0-9a-f]{64}$');

-- `objects migrate` walks what is left in the rows; once it is done these stay empty
create index card_photos_legacy_idx on card_photos (id) where data is not null;
create index national_listing_photos_legacy_idx on national_listing_photos (id)
    where data is not null;
create index booking_photos_legacy_idx on booking_photos (id) where data is not null;
create index attachments_legacy_idx on attachments (token) where data is not null;

comment on column card_photos.data is
    'bytes of a photo stored before migration 4009; null: in the object store under sha256';
comment on column national_listing_photos.data is
    'bytes of a photo stored before migration 4009; null: in the object store under sha256';
comment on column booking_photos.data is
    'bytes of a photo stored before migration 4009; null: in the object store under sha256';
comment on column attachments.data is
    'bytes of a file stored before migration 4009; null: in the object store under sha256';
