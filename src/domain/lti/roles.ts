/** The LIS roles Aula acts on, from an id_token's roles claim or an NRPS member's roles. */
export type LtiRole = 'instructor' | 'learner' | 'administrator';

/** What an LTI Administrator becomes in Aula: set per platform. */
export type AdministratorMapping = 'admin' | 'instructor' | 'student';

/**
 * Full LIS v2 URIs (context, institution and system roles) and the short names NRPS and older platforms send.
 * A TeachingAssistant is a sub-role of Instructor (`…/membership/Instructor#TeachingAssistant`).
 */
export function mapLtiRoles(roles: readonly string[]): LtiRole[] {
  const out = new Set<LtiRole>();
  for (const role of roles) {
    const name = role.includes('#') ? role.slice(role.lastIndexOf('#') + 1) : role.slice(role.lastIndexOf('/') + 1);
    const isContextRole = !/\/(institution|system)\/person#/.test(role);
    if (name === 'Instructor' || name === 'TeachingAssistant' || (role.includes('/membership/Instructor#') && isContextRole)) out.add('instructor');
    else if (name === 'Learner' || name === 'Student') out.add('learner');
    else if (name === 'Administrator' || name === 'SysAdmin') out.add('administrator');
    else if (name === 'ContentDeveloper' && isContextRole) out.add('instructor');
  }
  return [...out];
}

export interface AulaRoleDecision {
  /** The Aula account role. */
  userRole: 'admin' | 'instructor' | 'student';
  /** How the user is tied to the context's batch. */
  batchTie: 'instructor' | 'student' | null;
}

/** Instructor wins over Learner; an Administrator only counts when they hold no context role, as configured. */
export function decideAulaRole(roles: readonly LtiRole[], administrator: AdministratorMapping): AulaRoleDecision | null {
  if (roles.includes('instructor')) return { userRole: 'instructor', batchTie: 'instructor' };
  if (roles.includes('learner')) return { userRole: 'student', batchTie: 'student' };
  if (roles.includes('administrator')) {
    if (administrator === 'admin') return { userRole: 'admin', batchTie: null };
    return { userRole: administrator, batchTie: administrator };
  }
  return null;
}

const RANK = { student: 0, instructor: 1, admin: 2 } as const;

/** An account's role only grows with what platforms say: a Learner launch does not demote an instructor. */
export function higherRole(a: 'admin' | 'instructor' | 'student', b: 'admin' | 'instructor' | 'student') {
  return RANK[a] >= RANK[b] ? a : b;
}
