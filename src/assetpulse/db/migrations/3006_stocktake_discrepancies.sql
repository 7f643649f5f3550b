-- 盘盈盘亏处理 (条例 第三十四、三十七条): when a stocktake closes, every 盘盈 (surplus), 盘亏
-- (shortage) and difference found is kept as a row of its own, so that what was found at the
-- close stays as it was while the ledger moves on. Each row is resolved through review: the
-- operator gives the cause and the approval document's number (文号), a reviewer other than
-- the proposer approves, and the ledger follows (a new card, a loss write-off, a card change).
create table stocktake_discrepancies (
    id             bigserial primary key,
    stocktake_id   bigint not null references stocktakes (id),
    kind           text not null check (kind in ('surplus', 'shortage', 'difference')),
    -- the asset code (shortage, difference) or, for a surplus, what was read
    code           text not null check (length(code) between 1 and 500),
    card_id        bigint references asset_cards (id),   -- the booked card
    surplus_reason text check (surplus_reason in
                       ('unknown_code', 'other_unit', 'outside_task', 'unreadable')),
    department_id  bigint references units (id),  -- booked (shortage, difference) or seen
    seen           jsonb not null default '{}',   -- what the scans said (location, status …)
    -- state of surplus rows; a shortage follows its disposal, a difference its card change
    state          text not null default 'open'
                   check (state in ('open', 'pending', 'approved', 'rejected')),
    cause          text check (length(cause) between 1 and 500),
    document_no    text check (length(document_no) between 1 and 100),
    resolution     jsonb not null default '{}',   -- the new card's values, or the changes
    change_id      bigint references card_changes (id),
    disposal_id    bigint references card_disposals (id),
    new_card_id    bigint references asset_cards (id),
    proposed_by    bigint references users (id),
    proposed_at    timestamptz,
    decided_by     bigint references users (id),
    decided_at     timestamptz,
    decision_note  text,
    created_at     timestamptz not null default now(),
    unique (stocktake_id, kind, code),
    check (kind <> 'surplus' or surplus_reason is not null),
    check (kind = 'surplus' or card_id is not null),
    check (state = 'open' or (cause is not null and proposed_by is not null))
);
create index stocktake_discrepancies_change_idx on stocktake_discrepancies (change_id);
create index stocktake_discrepancies_disposal_idx on stocktake_discrepancies (disposal_id);
