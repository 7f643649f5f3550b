-- 附件 uploaded from the demand form (issue 18): the file is kept here, beside the photos,
-- and the bill's attachments list names it as {name, url: /api/v1/attachments/<token>}.
-- The token is the file's only address: random, never an id one could count up to.
create table attachments (
    token        text primary key check (length(token) >= 32),
    unit_id      bigint not null references units (id),
    uploaded_by  bigint not null references users (id),
    name         text not null check (length(name) between 1 and 200),
    content_type text not null,
    byte_size    integer not null check (byte_size > 0),
    sha256       text not null,
    data         bytea not null,
    created_at   timestamptz not null default now()
);
create index attachments_unit_idx on attachments (unit_id, created_at desc);
