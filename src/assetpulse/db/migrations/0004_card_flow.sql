-- Contracts between parts, fixed here so that each part can build on them.
--
-- card_changes (卡片变动): an operator proposes, a reviewer approves or rejects; only an
-- approved change touches the card (inventory applies it). ``origin`` says where a
-- proposal came from; a change proposed by accepting an idle suggestion carries the
-- suggestion's id, so that the platform can open a draft bill once it is approved.
create table card_changes (
    id            bigserial primary key,
    card_id       bigint not null references asset_cards (id),
    changes       jsonb not null,          -- {"status": "idle"}, {"shareable": true}, {"photo_id": 3} …
    reason        text,
    state         text not null default 'pending' check (state in ('pending', 'approved', 'rejected', 'withdrawn')),
    origin        text not null default 'manual' check (origin in ('manual', 'suggestion', 'stocktake', 'import')),
    suggestion_id bigint,
    stocktake_id  bigint,
    proposed_by   bigint not null references users (id),
    proposed_at   timestamptz not null default now(),
    decided_by    bigint references users (id),
    decided_at    timestamptz,
    decision_note text,
    card_version  integer not null          -- the card's version the proposal was made against
);
create index card_changes_card_idx on card_changes (card_id, state);
create index card_changes_pending_idx on card_changes (state) where state = 'pending';

-- Events on cards that other parts react to in the same transaction (triggers of their
-- own): disposal, split and return to stock delist the asset on the platform (WORKFLOW.md).
create table card_events (
    id       bigserial primary key,
    card_id  bigint not null references asset_cards (id),
    kind     text not null check (kind in (
                 'disposed', 'split', 'returned_to_stock', 'recalled', 'changed', 'photo_added')),
    detail   jsonb not null default '{}',
    actor_id bigint references users (id),
    at       timestamptz not null default now()
);
create index card_events_card_idx on card_events (card_id, at);
