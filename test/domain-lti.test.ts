import { describe, expect, it } from 'vitest';
import { nextLink } from '../src/adapters/lti/platform-http';
import { checkAudience } from '../src/domain/lti/claims';
import { nextScoreTimestamp, scoresUrl, watchScore } from '../src/domain/lti/messages';
import { LtiRefusal } from '../src/domain/lti/refusal';
import { decideAulaRole, mapLtiRoles } from '../src/domain/lti/roles';
import { frameAncestorsWith } from '../src/lti-wiring';

describe('LTI rules', () => {
  it('maps LIS roles, full or short, context over institution; Instructor wins over Learner', () => {
    expect(mapLtiRoles(['http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant'])).toEqual(['instructor']);
    expect(mapLtiRoles(['Learner'])).toEqual(['learner']);
    expect(mapLtiRoles(['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator'])).toEqual(['administrator']);
    expect(decideAulaRole(mapLtiRoles(['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner', 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor']), 'instructor'))
      .toEqual({ userRole: 'instructor', batchTie: 'instructor' });
    expect(decideAulaRole(['administrator'], 'admin')).toEqual({ userRole: 'admin', batchTie: null });
    expect(decideAulaRole(['administrator'], 'student')).toEqual({ userRole: 'student', batchTie: 'student' });
    expect(decideAulaRole([], 'admin')).toBeNull();
  });

  it('accepts aud as a string or an array naming the tool, with azp when several', () => {
    expect(() => checkAudience('aula', undefined, 'aula')).not.toThrow();
    expect(() => checkAudience(['aula', 'other'], 'aula', 'aula')).not.toThrow();
    expect(() => checkAudience(['aula', 'other'], undefined, 'aula')).toThrow(LtiRefusal);
    expect(() => checkAudience(['other'], undefined, 'aula')).toThrow(/not to this tool/);
  });

  it('score timestamps strictly increase, even within one millisecond', () => {
    const first = nextScoreTimestamp(1_000, null);
    const second = nextScoreTimestamp(1_000, first);
    expect(Date.parse(second)).toBeGreaterThan(Date.parse(first));
    expect(nextScoreTimestamp(5_000, second)).toBe(new Date(5_000).toISOString());
  });

  it('a score is always FullyGraded; Completed from 95 %; scores go to {lineitem}/scores keeping the query', () => {
    expect(watchScore({ userId: 'u', watchedPercent: 40, timestamp: 't' })).toMatchObject({ scoreGiven: 40, activityProgress: 'InProgress', gradingProgress: 'FullyGraded' });
    expect(watchScore({ userId: 'u', watchedPercent: 96.04, timestamp: 't' })).toMatchObject({ scoreGiven: 96, activityProgress: 'Completed' });
    expect(scoresUrl('https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3')).toBe('https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3');
  });

  it('follows Link rel="next" among other relations', () => {
    expect(nextLink('<https://a/p2>; rel="next", <https://a/p9>; rel="last"')).toBe('https://a/p2');
    expect(nextLink('<https://a/p9>; rel="last"')).toBeNull();
    expect(nextLink(null)).toBeNull();
  });

  it('frame-ancestors grows by the platforms\' origins', () => {
    expect(frameAncestorsWith("'self'", ['https://lms.example'])).toBe("'self' https://lms.example");
    expect(frameAncestorsWith("'none'", ['https://lms.example'])).toBe('https://lms.example');
    expect(frameAncestorsWith('*', ['https://lms.example'])).toBe('*');
    expect(frameAncestorsWith("'self'", [])).toBe("'self'");
  });
});
