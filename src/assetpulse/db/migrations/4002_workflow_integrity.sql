-- Workflow integrity (issue 13).
--
-- MOF report items: ``resubmit`` is a bill MOF sent back that the unit fixed and approved
-- again; it goes to MOF once more without breaking "published at most once".
alter table mof_report_items drop constraint mof_report_items_action_check;
alter table mof_report_items add constraint mof_report_items_action_check
    check (action in ('publish', 'resubmit', 'update'));

-- Card events and the plazas (WORKFLOW.md "Asset cards and keeping them true"):
-- - disposal, split and return to stock delist the card's live listings (as before);
-- - a disposal of a card whose adjustment result names a receiving unit of this system
--   gives that unit the card (调入): a new card with the asset's data and photos, status
--   在用, so that the books match on both sides (the link is kept in the listing's result);
-- - any other change refreshes the listings, and a card that no longer qualifies for its
--   plaza (adjust: 闲置 / 待处置; share: 是否共享共用 = 是) leaves it in the same
--   transaction, with the reason, and its card is free again;
-- - every such change of a reported bill queues an update for MOF's next batch.
create sequence transfer_in_code_seq;

create function platform_transfer_in(p_card bigint, p_actor bigint) returns void
language plpgsql as $$
declare
    l record;
    new_card bigint;
begin
    for l in select id, (result ->> 'receiving_unit_id')::bigint as receiver
               from listings
              where card_id = p_card and kind = 'adjust' and state = 'done'
                and result ->> 'receiving_unit_id' is not null
                and not result ? 'receiver_card_id'
              for update
    loop
        insert into asset_cards (asset_code, name, category_code, unit_id, status, shareable,
               quantity, area, measure_unit, brand, model, spec, serial_no, original_value,
               net_value, acquired_on, funding_source, accounting_subject, usage_direction,
               attributes)
        select 'DR' || lpad(nextval('transfer_in_code_seq')::text, 10, '0'), c.name,
               c.category_code, l.receiver, 'in_use', false, c.quantity, c.area,
               c.measure_unit, c.brand, c.model, c.spec, c.serial_no, c.original_value,
               c.net_value, c.acquired_on, c.funding_source, c.accounting_subject,
               c.usage_direction,
               c.attributes || jsonb_build_object('transferred_from', jsonb_build_object(
                   'card_id', c.id, 'asset_code', c.asset_code, 'unit_id', c.unit_id,
                   'listing_id', l.id))
          from asset_cards c where c.id = p_card
        returning id into new_card;
        insert into card_photos (card_id, sha256, content_type, byte_size, data, state,
                                 uploaded_by)
        select new_card, sha256, content_type, byte_size, data, 'attached', uploaded_by
          from card_photos where card_id = p_card and state = 'attached';
        update listings set result = result || jsonb_build_object('receiver_card_id', new_card)
         where id = l.id;
        insert into audit_log (actor_id, entity, entity_id, action, detail)
        values (p_actor, 'card', new_card::text, 'transferred_in',
                jsonb_build_object('from_card_id', p_card, 'listing_id', l.id));
    end loop;
end $$;

create or replace function platform_on_card_event() returns trigger language plpgsql as $$
begin
    if new.kind in ('disposed', 'split', 'returned_to_stock') then
        perform set_config('assetpulse.actor_id', coalesce(new.actor_id::text, ''), true);
        update bill_lines set active = false
         where card_id = new.card_id and active
           and id in (select line_id from listings where card_id = new.card_id
                        and state in ('listed', 'done'));
        update listings
           set state = 'delisted', delist_reason = 'card_' || new.kind, changed_at = now()
         where card_id = new.card_id and state = 'listed';
        update bills b set mof_dirty = true
         where b.stage in ('reported', 'mof_approved')
           and b.id in (select bill_id from listings where card_id = new.card_id);
        if new.kind = 'disposed' then
            perform platform_transfer_in(new.card_id, new.actor_id);
        end if;
    elsif new.kind in ('changed', 'photo_added', 'recalled') then
        perform set_config('assetpulse.actor_id', coalesce(new.actor_id::text, ''), true);
        update listings l
           set name = c.name, asset_code = c.asset_code, category_code = c.category_code,
               quantity = c.quantity, area = c.area, measure_unit = c.measure_unit,
               changed_at = now()
          from asset_cards c
         where c.id = new.card_id and l.card_id = new.card_id and l.state in ('listed', 'done');
        update bills b set mof_dirty = true
         where b.stage in ('reported', 'mof_approved')
           and b.id in (select bill_id from listings where card_id = new.card_id
                          and state in ('listed', 'done'));
        with gone as (
            update listings l
               set state = 'delisted', changed_at = now(),
                   delist_reason = case l.kind when 'adjust' then 'card_not_adjustable'
                                               else 'card_not_shareable' end
              from asset_cards c
             where c.id = new.card_id and l.card_id = new.card_id and l.state = 'listed'
               and ((l.kind = 'adjust' and c.status not in ('idle', 'pending_disposal'))
                    or (l.kind = 'share' and not c.shareable))
            returning l.line_id
        )
        update bill_lines set active = false where id in (select line_id from gone);
    end if;
    return new;
end $$;

-- 调剂共享审核状态: 03 means "in local review, not yet final" (manual). A locally final
-- bill carries no code until it is reported (01); its pages show 本地终审通过.
alter table bills drop column review_code;
alter table bills add column review_code text generated always as (case stage
    when 'in_review' then '03' when 'returned' then '03' when 'reported' then '01'
    when 'mof_approved' then '02' end) stored;
alter table listings alter column review_code drop not null;
alter table listings alter column review_code drop default;
update listings set review_code = null where review_code = '03';

-- MOF feedback names the batch it answers (this province's); the same file imported again
-- for that batch is recognised by its digest and changes nothing.
alter table mof_feedback add column report_id bigint references mof_reports (id);
create index mof_feedback_report_idx on mof_feedback (report_id, sha256);
