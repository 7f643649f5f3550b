-- Logout that revokes (issue 14): every bearer token carries the user's session version
-- at issue time and is accepted only while it is still the current one; logging out
-- bumps it, which ends every session of that user at once without a revocation list.
alter table users add column session_version integer not null default 0;
