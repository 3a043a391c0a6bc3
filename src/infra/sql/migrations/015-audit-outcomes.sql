-- The audit log records failed and refused calls too: each entry's outcome is `ok` or the error code.
ALTER TABLE audit_log ADD COLUMN outcome TEXT NOT NULL DEFAULT 'ok';
CREATE INDEX audit_log_by_principal ON audit_log (principal, seq);
