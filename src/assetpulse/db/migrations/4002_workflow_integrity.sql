-- Workflow integrity (issue 13).
--
-- MOF report items: ``resubmit`` is a bill MOF sent back that the unit fixed and approved
-- again; it goes to MOF once more without breaking "published at most once".
alter table mof_report_items drop constraint mof_report_items_action_check;
alter table mof_report_items add constraint mof_report_items_action_check
    check (action in ('publish', 'resubmit', 'update'));
