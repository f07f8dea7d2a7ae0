/*
 * migrate: the guard's event triggers (install script only: an update that
 * changes them says so in its own script).  ENABLE ALWAYS, so that
 * session_replication_role = replica does not silence them.
 */

CREATE EVENT TRIGGER migrate_guard_ddl_command_start ON ddl_command_start
    EXECUTE FUNCTION migrate.guard_ddl_command_start();
CREATE EVENT TRIGGER migrate_guard_ddl_command_end ON ddl_command_end
    EXECUTE FUNCTION migrate.guard_ddl_command_end();
CREATE EVENT TRIGGER migrate_guard_sql_drop ON sql_drop
    EXECUTE FUNCTION migrate.guard_sql_drop();
CREATE EVENT TRIGGER migrate_guard_table_rewrite ON table_rewrite
    EXECUTE FUNCTION migrate.guard_table_rewrite();
ALTER EVENT TRIGGER migrate_guard_ddl_command_start ENABLE ALWAYS;
ALTER EVENT TRIGGER migrate_guard_ddl_command_end ENABLE ALWAYS;
ALTER EVENT TRIGGER migrate_guard_sql_drop ENABLE ALWAYS;
ALTER EVENT TRIGGER migrate_guard_table_rewrite ENABLE ALWAYS;
