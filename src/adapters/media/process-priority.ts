import { writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the CPU priority of a child started in its own session (`detached`) to `niceness`, and never leaves it
 * above Aula's own (an Aula started under `nice` keeps its work below what it was given). Linux schedules each
 * session as one group when autogroup is on (the default on desktops and many servers): a process's nice value
 * then only ranks it inside its session, and the group's own nice value is what weighs against other sessions, such
 * as the live encoder's. So both are set. Best effort: a child already gone, or a system without either, runs as is.
 */
export function lowerChildPriority(pid: number, niceness: number): void {
  const nice = Math.max(niceness, getPriority());
  if (nice <= 0) return;
  try {
    setPriority(pid, nice);
  } catch {
    // gone already, or not permitted
  }
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    // no autogroup scheduling here, or gone already
  }
}
