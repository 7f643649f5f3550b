-- Demand matching over every candidate in scope (issue 16): each listing's name cut into
-- words (jieba, in Python: assetpulse.platform.matching.terms), stored so that one SQL
-- statement scores all listed candidates instead of the newest 500.
--
-- The words live beside the listings, not in them: writing a column of listings rewrote
-- the whole row with its eight indexes and the trigram GIN (140 µs a row, 14 s for 100,000),
-- while a row here costs its primary key. No foreign key to listings: its check locked
-- each listing row too (5 s for 100,000), and words of a listing that is gone are never
-- joined. A new listing or a new name (a card change
-- refreshes its listings) queues the listing in listing_terms_pending; the matching query
-- (store.matches) cuts the queued names and stores their words before it ranks.
create table listing_terms (
    listing_id bigint primary key,
    terms      text[] not null
);
create table listing_terms_pending (
    listing_id bigint primary key references listings (id) on delete cascade
);

create function platform_queue_listing_terms() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.name is distinct from old.name then
        -- do update, not do nothing: a rename while the matching query holds the queued
        -- row waits for it to finish and queues the listing again
        insert into listing_terms_pending (listing_id) values (new.id)
        on conflict (listing_id) do update set listing_id = excluded.listing_id;
    end if;
    return new;
end $$;
create trigger listings_queue_terms after insert or update of name on listings
    for each row execute function platform_queue_listing_terms();

-- every listing from before this migration
insert into listing_terms_pending (listing_id) select id from listings;

-- Category closeness as assetpulse.platform.matching._category scores it: the length of
-- the common prefix over the demand code's length; 0.5 when either side has no code.
-- (A different top class is filtered out before, by the query.)
create function platform_match_category(demand text, supply text) returns numeric
language sql immutable parallel safe
return case
    when demand is null or demand = '' or supply is null or supply = '' then 0.5
    else least(1.0, (select count(*) from generate_series(1, least(length(demand), length(supply))) i
                      where left(demand, i) = left(supply, i))::numeric / length(demand))
end;
