-- The card's values of the fields a change touches, as they were when it was proposed
-- (to_jsonb of the card row, those keys only). Approval compares them with the card as it
-- is then: a change conflicts only when another change (or business) moved one of its own
-- fields, so changes of different fields of one card all go through.
alter table card_changes add column base jsonb;

-- Pending changes still on the version they were proposed against get their base now;
-- older ones keep NULL and are checked by version as before.
update card_changes ch
set base = coalesce(
    (select jsonb_object_agg(k, coalesce(to_jsonb(c) -> k, 'null'::jsonb))
     from jsonb_object_keys(ch.changes) k
     where k <> 'photo_id'),
    '{}'::jsonb)
from asset_cards c
where c.id = ch.card_id and ch.state = 'pending' and c.version = ch.card_version;
