/*
 * migrate 1.1 -> 1.2: catalog changes only.  The build appends every
 * function source (sql/parts/api.sql, describe.sql, guard.sql, diff.sql) to this file,
 * so functions are re-created from the same text as a fresh install; a
 * function whose signature or result changes is dropped here first.
 */
