-- 资产处置 goes through review (issue 16): an operator (经办岗) proposes the disposal of a
-- card, a reviewer (审核岗) of the same unit who did not propose it approves it with the
-- approval document's number (批复文号) or returns it; only an approved disposal ends the
-- card. ``base`` holds the card's book values when proposed: approval is refused when
-- something else moved them since (the reviewer would approve a different asset).
-- ``receiving_unit_id``: a 无偿划转 / 对外捐赠 to a unit of this system, which gets the
-- card (调入, ``receiver_card_id``) when the disposal is approved. ``listing_id``: the
-- disposal was proposed by 登记调剂结果 of that listing.
create table card_disposals (
    id                bigserial primary key,
    card_id           bigint not null references asset_cards (id),
    method            text not null check (method in (
                          'free_transfer', 'donation', 'sale', 'exchange', 'scrap', 'write_off')),
    receiver          text,
    receiving_unit_id bigint references units (id),
    listing_id        bigint,
    document_no       text,
    reason            text,
    state             text not null default 'pending'
                          check (state in ('pending', 'approved', 'rejected', 'withdrawn')),
    proposed_by       bigint not null references users (id),
    proposed_at       timestamptz not null default now(),
    decided_by        bigint references users (id),
    decided_at        timestamptz,
    decision_note     text,
    card_version      integer not null,
    base              jsonb not null,
    receiver_card_id  bigint references asset_cards (id),
    check (state <> 'approved' or nullif(btrim(document_no), '') is not null)
);
-- one disposal in review per card: a second would end a card already ended
create unique index card_disposals_one_pending on card_disposals (card_id) where state = 'pending';
create index card_disposals_state_idx on card_disposals (state, id);
create index card_disposals_receiver_idx on card_disposals (receiving_unit_id)
    where receiving_unit_id is not null;

-- the receiver's card says where it came from (调入), in its own history
alter table card_events drop constraint card_events_kind_check;
alter table card_events add constraint card_events_kind_check check (kind in (
    'disposed', 'split', 'returned_to_stock', 'recalled', 'changed', 'photo_added',
    'transferred_in'));
