-- Which part of a stocktaking task each expected card belongs to: the most specific
-- assignment (department, then asset user) that covers it; NULL while the unit holds it.
alter table stocktake_items
    add column assignment_id bigint references stocktake_assignments (id);
create index stocktake_items_assignment_idx on stocktake_items (assignment_id);
