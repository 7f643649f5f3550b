-- Matching considers the other provinces' downlinked listings too (issue 16): a national
-- demand's candidates include national_listings (the 全国 tab's read-only rows, migration
-- 4003), scored over their names' words like the province's own (listing_terms, 4005).
--
-- Their words live in a table of their own, not in listing_terms: listing_terms_pending
-- references listings, and a downlinked row is none. Each downlink file replaces the rows
-- (a listing it no longer holds is deleted, a renamed one keeps its id and takes the new
-- name), so the words are keyed to both: the foreign key cascades a delisted row's words
-- away, and the name they were cut from is stored and must equal the row's name to be
-- joined, so a rename that has not been cut yet counts as a name without words, never as
-- the old name's words.
create table national_listing_terms (
    listing_id bigint primary key references national_listings (id) on delete cascade,
    name       text not null,   -- the name these words were cut from
    terms      text[] not null
);
create table national_listing_terms_pending (
    listing_id bigint primary key references national_listings (id) on delete cascade
);

create function platform_queue_national_listing_terms() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.name is distinct from old.name then
        -- do update, not do nothing: a rename while the matching query holds the queued
        -- row waits for it and queues the listing again (as in 4005)
        insert into national_listing_terms_pending (listing_id) values (new.id)
        on conflict (listing_id) do update set listing_id = excluded.listing_id;
    end if;
    return new;
end $$;
create trigger national_listings_queue_terms after insert or update of name
    on national_listings for each row execute function platform_queue_national_listing_terms();

-- every downlinked listing from before this migration
insert into national_listing_terms_pending (listing_id) select id from national_listings;

