/** Schemas the server owns; `schemaTables` lists the others. */
export const SYSTEM_SCHEMAS: ReadonlySet<string> = new Set(['mysql', 'sys', 'performance_schema', 'information_schema']);
